/* store_lua.h — what the daemon gives its own trusted Lua beyond the
 * bindings: the store (`rd.store`), the metrics text (`rd.metrics`,
 * metrics_lua.c), a decision's part of the dashboard's rows
 * (`rd.dashboard`, dashboard_lua.c) and the customer summary's row
 * (`rd.summary`, summary_lua.c).
 *
 * bindings/ knows nothing of the store: it makes sandboxed Lua states.
 * This file is the daemon's side of the boundary, so every import arrow
 * points down (runtime → bindings, runtime → store). Only
 * runtime/lua/redress/store.lua requires `rd.store`; policies never see it.
 *
 * Threads: a state and its host data belong to the thread that runs it.
 */
#ifndef RD_STORE_LUA_H
#define RD_STORE_LUA_H

#include <lua.h>

#include "../bindings/bindings.h"
#include "store.h"

/* A state's store access; lives inside the state (a userdata), found
 * through rd_lua_context(L)->host. */
typedef struct rd_store_lua {
	rd_store *store;
	rd_txn *txn;     /* the transaction store calls use */
	rd_writes *ws;   /* a decision worker's write set: reads see it and record
	                  * checks, writes go into it (see store.h) */
	int lazy_read;   /* open a read txn on first use (API and CLI states) */
	int owns_store;  /* store.open_readonly: close the store with the state */
} rd_store_lua;

/* Gives state L the store (NULL: none yet; the CLI opens one later with
 * store.open_readonly) and preloads `rd.store`, `rd.metrics`, `rd.dashboard` and `rd.summary`. With
 * lazy_read, store calls open a read transaction on first use, ended by
 * rd_store_lua_end_read. Returns the state's host data, or NULL when out of
 * memory. */
rd_store_lua *rd_store_lua_attach(lua_State *L, rd_store *store, int lazy_read);

/* A new state (rd_lua_new on ctx) given store with lazy reads, as the API,
 * the CLI and the readers and what-if threads use: NULL when out of memory. */
lua_State *rd_store_lua_new(rd_lua_ctx *ctx, rd_store *store);

/* The host data of a state given by rd_store_lua_attach (or NULL). */
rd_store_lua *rd_store_lua_of(lua_State *L);

/* Ends the lazily opened read transaction of an API call, if any. */
void rd_store_lua_end_read(lua_State *L);

/* Whether the value at idx is a status that closes a case: resolved,
 * closed or rejected (summary_lua.c; the dashboard's C asks it too). */
int rd_status_closes(lua_State *L, int idx);

/* Lua module openers (also exported from rd.so for stock lua5.4). */
int luaopen_rd_store(lua_State *L);
int luaopen_rd_metrics(lua_State *L);
int luaopen_rd_dashboard(lua_State *L);
int luaopen_rd_summary(lua_State *L);

#endif
