/* breaker.c — the quarantine's state, shared by every decision worker of
 * the process (redress.breaker is its Lua face and says what it means).
 *
 * One entry per pack version: closed → (after N calls in a row over a
 * limit) open until a time → half open (one call let through) → closed, or
 * open again for twice as long. Time is the caller's (the events' intake
 * time). A mutex guards the table; calls are short.
 */
#include "bindings.h"

#include <lauxlib.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define MAX_PACKS 256

enum { CLOSED, OPEN, HALF_OPEN };
static const char *const state_names[] = { "closed", "open", "half_open" };

struct entry {
	char key[128];
	int state;
	int in_a_row;
	int trips;
	long long until_ms;
	long long quarantine_ms;
	char last_limit[16];
};

static struct {
	pthread_mutex_t mu;
	int n;
	struct entry e[MAX_PACKS];
} table = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* The entry of key (made when make; NULL when absent or the table is full). */
static struct entry *find(const char *key, int make)
{
	for (int i = 0; i < table.n; i++)
		if (strcmp(table.e[i].key, key) == 0)
			return &table.e[i];
	if (!make || table.n == MAX_PACKS || strlen(key) >= sizeof table.e[0].key)
		return NULL;
	struct entry *en = &table.e[table.n++];
	memset(en, 0, sizeof *en);
	strcpy(en->key, key);
	return en;
}

/** rd.breaker_admit(key, now_ms) → true | false, until_ms, in_a_row */
static int l_admit(lua_State *L)
{
	const char *key = luaL_checkstring(L, 1);
	lua_Integer now = luaL_checkinteger(L, 2);
	pthread_mutex_lock(&table.mu);
	struct entry *en = find(key, 0);
	int ok = 1;
	long long until = 0;
	int in_a_row = 0;
	if (en && en->state == OPEN) {
		if (now >= en->until_ms) {
			en->state = HALF_OPEN; /* this call is the probe */
		} else {
			ok = 0;
			until = en->until_ms;
			in_a_row = en->in_a_row;
		}
	}
	pthread_mutex_unlock(&table.mu);
	lua_pushboolean(L, ok);
	if (ok)
		return 1;
	lua_pushinteger(L, until);
	lua_pushinteger(L, in_a_row);
	return 3;
}

/** rd.breaker_record(key, now_ms, limit|nil, after, first_ms, max_ms) →
 * the new state's name when it changed (else nil), until_ms, in_a_row.
 * limit: the limit the call hit ("instructions", "memory", "wall"), or nil
 * when it kept within them. */
static int l_record(lua_State *L)
{
	const char *key = luaL_checkstring(L, 1);
	lua_Integer now = luaL_checkinteger(L, 2);
	const char *limit = luaL_optstring(L, 3, NULL);
	lua_Integer after = luaL_checkinteger(L, 4), first = luaL_checkinteger(L, 5), max = luaL_checkinteger(L, 6);
	pthread_mutex_lock(&table.mu);
	struct entry *en = find(key, limit != NULL);
	int before = en ? en->state : CLOSED, now_state = before;
	long long until = 0;
	int in_a_row = 0;
	if (en && limit) {
		en->in_a_row++;
		snprintf(en->last_limit, sizeof en->last_limit, "%s", limit);
		if (en->state == HALF_OPEN || en->in_a_row >= after) {
			long long q = en->state == HALF_OPEN && en->quarantine_ms ? en->quarantine_ms * 2 : first;
			en->quarantine_ms = q < max ? q : max;
			en->until_ms = now + en->quarantine_ms;
			en->state = OPEN;
			en->trips++;
		}
	} else if (en) {
		en->in_a_row = 0;
		en->state = CLOSED;
		en->quarantine_ms = 0;
	}
	if (en) {
		now_state = en->state;
		until = en->until_ms;
		in_a_row = en->in_a_row;
	}
	pthread_mutex_unlock(&table.mu);
	if (now_state == before) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushstring(L, state_names[now_state]);
	lua_pushinteger(L, until);
	lua_pushinteger(L, in_a_row);
	return 3;
}

/** rd.breaker_report() → { [key] = { state, in_a_row, trips, until_ms, last_limit } }
 * for every pack that is or was in trouble. */
static int l_report(lua_State *L)
{
	lua_newtable(L);
	pthread_mutex_lock(&table.mu);
	for (int i = 0; i < table.n; i++) {
		struct entry *en = &table.e[i];
		if (!en->trips && !en->in_a_row)
			continue;
		lua_createtable(L, 0, 5);
		lua_pushstring(L, state_names[en->state]);
		lua_setfield(L, -2, "state");
		lua_pushinteger(L, en->in_a_row);
		lua_setfield(L, -2, "in_a_row");
		lua_pushinteger(L, en->trips);
		lua_setfield(L, -2, "trips");
		lua_pushinteger(L, en->until_ms);
		lua_setfield(L, -2, "until_ms");
		lua_pushstring(L, en->last_limit);
		lua_setfield(L, -2, "last_limit");
		lua_setfield(L, -2, en->key);
	}
	pthread_mutex_unlock(&table.mu);
	return 1;
}

/** rd.breaker_reset(): forgets every entry (a daemon starting). */
static int l_reset(lua_State *L)
{
	(void)L;
	pthread_mutex_lock(&table.mu);
	table.n = 0;
	pthread_mutex_unlock(&table.mu);
	return 0;
}

void rd_breaker_register(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "breaker_admit", l_admit },
		{ "breaker_record", l_record },
		{ "breaker_report", l_report },
		{ "breaker_reset", l_reset },
		{ NULL, NULL },
	};
	luaL_setfuncs(L, fns, 0);
}
