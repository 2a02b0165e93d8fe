/* bindings.h — the C↔Lua boundary used by the daemon's Lua states.
 *
 * Every Lua state the daemon makes comes from rd_lua_new: a capped allocator,
 * the standard libraries, cjson preloaded, the `rd` module (the sandboxed
 * call, hashing, the clock) and package.path pointing at runtime/lua and
 * stdlib/. The bindings know nothing of the daemon: the store reaches its
 * trusted Lua through runtime/store_lua.h, kept in the context's `host`.
 */
#ifndef RD_BINDINGS_H
#define RD_BINDINGS_H

#include <stdint.h>

#include <lua.h>
#include <stddef.h>

/* Per-state context; lives as long as the state. */
typedef struct rd_lua_ctx {
	long long mem_used;      /* signed: a state adopted mid-life frees blocks it never counted */
	long long mem_limit;     /* 0: unlimited; set only during rd.sandbox_call */
	long long instr_left;    /* budget of the running sandbox call */
	int instr_exhausted;
	int mem_tripped;         /* an allocation was refused by the cap */
	int in_sandbox;          /* a sandbox call is running: charge its budget */
	long long deadline_ns;   /* CLOCK_MONOTONIC end of the running call; 0: none */
	int wall_tripped;        /* the call ran past its wall-clock limit */
	int coverage;            /* record the lines sandboxed code runs (rd.coverage) */
	void *host;              /* the embedder's data, opaque here (the daemon's
	                          * store access: runtime/store_lua.h) */
	struct rd_keys *keys;    /* rd_pushkey's interned names; freed by rd_lua_close */
} rd_lua_ctx;

/* Makes a state whose require finds runtime/lua and stdlib under rd_home(). */
lua_State *rd_lua_new(rd_lua_ctx *ctx);
void rd_lua_close(lua_State *L);
rd_lua_ctx *rd_lua_context(lua_State *L);

/* A field name the C side reads or writes on every decision, pushed as a
 * Lua string interned once per state (kept in the registry): lua_getfield
 * and lua_pushstring look a C text up in the API's string cache each time,
 * a strcmp and often a hash, several times the cost of the read itself.
 * k must be a string constant: its address names it. rd_getfield and
 * rd_setfield are lua_getfield and lua_setfield (metamethods included)
 * with such a name. */
void rd_pushkey(lua_State *L, const char *k);
/* Replaces the global type and math.type with the same functions answering
 * with interned names (see state.c); rd_lua_new and require "rd" do it. */
void rd_typenames_install(lua_State *L);
int rd_getfield(lua_State *L, int t, const char *k);
void rd_setfield(lua_State *L, int t, const char *k);

/* Whether the value at idx is a string equal to want (a NUL inside it
 * makes it another string): the engine's C reads its words with it. */
int rd_lua_is(lua_State *L, int idx, const char *want);

/* The one protected-call helper for trusted code (policies go through
 * rd.sandbox_call): calls the function below its nargs arguments; on error
 * returns non-zero and leaves the message on the stack. With
 * RD_PCALL_TRACEBACK the message carries a traceback (an engine bug needs
 * one); without, it is the error as raised (a user's mistake — a config
 * file, a pack that does not load — is reported as it is). */
enum { RD_PCALL_PLAIN = 0, RD_PCALL_TRACEBACK = 1 };
int rd_lua_pcall(lua_State *L, int nargs, int nresults, int flags);

/* The collector's step for a state whose thread has nothing else to do
 * (a decision worker between jobs), keeping Lua's rule for major
 * collections: it adds to the debt a little more than a young collection
 * waits for (the generational mode's default minor multiplier, 20 % of the
 * memory in use), so the debt is above zero and a step runs — a young
 * collection, or the major one once memory has grown past the major
 * multiplier since the last (lgc.c's genstep). lua_gc(L, LUA_GCSTEP, 0)
 * would set the debt to zero first, and a debt of zero never makes a major
 * collection: a state stepped that way after most of its work keeps its old
 * garbage for ever. After a bad major collection Lua waits a pause of about
 * the memory in use before the next (full) one; each step here shortens
 * that pause by a fifth, so such a state collects fully about every fifth
 * idle moment instead. The step re-reads every old table written since the
 * last collection, as any young collection does. */
void rd_lua_idle_step(lua_State *L);

/* Installs the capped allocator on a state made by someone else (stock
 * lua5.4 loading rd.so); a no-op on states from rd_lua_new. */
void rd_lua_adopt(lua_State *L);

/* Charges n steps of work done inside a C function (pattern matching) to
 * the running sandbox call; raises the budget's error when it is spent or
 * the call's wall-clock limit has passed. A no-op outside sandbox calls. */
void rd_budget_charge(lua_State *L, long n);

/* Replaces string.find/match/gmatch/gsub with the budgeted matcher. */
void rd_patterns_install(lua_State *L);

/* Wraps the string, utf8 and table functions whose work grows with their
 * arguments so that a sandbox call is charged for it (charged.c). */
void rd_charged_install(lua_State *L);

/* Adds the quarantine's functions (breaker.c) to the `rd` table on top. */
void rd_breaker_register(lua_State *L);

/* Adds rd.complaint_checker (complaint.c) to the `rd` table on top. */
void rd_complaint_register(lua_State *L);

/* Adds rd.render (render.c: a parsed template's parts joined) to the `rd`
 * table on top. */
void rd_render_register(lua_State *L);

/* The `rd.json` module: canonical JSON (json.c writes, json_decode.c reads). */
int luaopen_rd_json(lua_State *L);
/* The metatable that marks a decoded empty array. */
#define RD_JSON_ARRAY_MT "rd.json.array"
/* Sets decode and decode_checked in the module table on top (json_decode.c). */
void rd__json_readers(lua_State *L);
/* Adds upvalue_writes to the rd table at the top (upvalues.c). */
void rd__upvalues_open(lua_State *L);
/* Adds view and view_whole to the rd table at the top (view.c). */
void rd__view_register(lua_State *L);
/* Pushes a deep copy of the table at index i (rd.copy; tables nested deeper
 * than 200 raise; metatables are not copied). */
void rd__copy_table(lua_State *L, int i);

/* Registers rd.memo into the table on top (memo.c). */
void rd__memo_register(lua_State *L);

/* The `rd.icu` module: time zones through ICU. */
int luaopen_rd_icu(lua_State *L);

/* Registers the `rd` module (luaopen style). */
int luaopen_rd(lua_State *L);

/* Civil dates as days since 1970-01-01, proleptic Gregorian, both ways
 * (rd.c: rd.utc_text and rd.utc_ms; icu.c: a zone's local dates). */
/* v in decimal into out (at least 21 bytes, NUL-ended); returns its length
 * (json.c; the summary row's text writes its numbers with it too). */
size_t rd__int_text(char *out, long long v);

int64_t rd__days_from_civil(int64_t y, int64_t m, int64_t d);
void rd__civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d);

/* Where runtime/lua, stdlib and the built-in packs live, the first of:
 * $REDRESS_HOME; the installed tree beside the executable
 * (<exe's folder>/../share/redress, wherever the tree was moved); the source
 * tree this was built from (a build tree). Found once per process. */
const char *rd_home(void);

#endif
