/* summary_lua.c — the `rd.summary` module: the running summary of a
 * customer's cases (redress.summary says what the row holds and why).
 *
 * The row stays the Lua table the store's JSON gives:
 *   { open = N, days = { ["<UTC day number>"] = { n = N, c = { CUR = amount } } } }
 * These functions change it in place and read it. In C because every
 * decision reads the row, takes its case out and puts it back: in Lua, with
 * a table for each case's contribution and its days, that cost about a
 * fifteenth of a decision. Its rows and views are the Lua's (compared on
 * 25,000 generated histories of adds, removals, prunes and store round
 * trips when it moved).
 */
#include "store_lua.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000
#define KEEP_DAYS 366

/* The upvalue: redress.time's parse (for a case or offer stored with an
 * RFC 3339 time and no milliseconds). */
#define TIME_PARSE lua_upvalueindex(1)

/* a + b and a × b as Lua computes them: wrapping, never undefined. */
static lua_Integer add(lua_Integer a, lua_Integer b)
{
	return (lua_Integer)((lua_Unsigned)a + (lua_Unsigned)b);
}

static lua_Integer mul(lua_Integer a, lua_Integer b)
{
	return (lua_Integer)((lua_Unsigned)a * (lua_Unsigned)b);
}

/* Floor division, as Lua's // of integers. */
static lua_Integer day_of(lua_Integer ms)
{
	lua_Integer q = ms / DAY_MS;
	if ((ms % DAY_MS != 0) && ((ms < 0) != (DAY_MS < 0)))
		q--;
	return q;
}

/* Whether the value at idx is one of the strings in words (NULL-ended). */
static int one_of(lua_State *L, int idx, const char *const *words)
{
	if (lua_type(L, idx) != LUA_TSTRING)
		return 0;
	size_t len;
	const char *s = lua_tolstring(L, idx, &len);
	for (; *words; words++)
		if (strlen(*words) == len && memcmp(*words, s, len) == 0)
			return 1;
	return 0;
}

static const char *const CLOSED[] = { "closed", "rejected", "resolved", NULL };
static const char *const LIVE[] = { "offered", "accepted", NULL };

int rd_status_closes(lua_State *L, int idx)
{
	return one_of(L, idx, CLOSED);
}

/* The time of t[ms_field] (an integer) or else of t[iso_field] parsed, or
 * dflt. */
static lua_Integer time_of(lua_State *L, int t, const char *ms_field, const char *iso_field, lua_Integer dflt)
{
	int ok = 0;
	lua_Integer v = 0;
	if (ms_field) {
		lua_getfield(L, t, ms_field);
		v = lua_tointegerx(L, -1, &ok);
		lua_pop(L, 1);
		if (ok)
			return v;
	}
	if (lua_getfield(L, t, iso_field) != LUA_TNIL && lua_toboolean(L, -1)) {
		lua_pushvalue(L, TIME_PARSE);
		lua_insert(L, -2);
		lua_call(L, 1, 1);
		v = lua_tointegerx(L, -1, &ok);
	}
	lua_pop(L, 1);
	return ok ? v : dflt;
}

/* A part of a case's contribution: its opening (offer 0) or a live offer's
 * amount, on a day. */
struct part {
	lua_Integer day;
	lua_Integer amount;
	lua_Integer offer; /* the index in case.offers; 0: the opening */
};

static int by_day(const void *a, const void *b)
{
	const struct part *x = a, *y = b;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return (x->offer > y->offer) - (x->offer < y->offer);
}

/* row.days[key] pushed, made { n = 0, c = {} } (and not yet set) when
 * absent; its c table pushed above it, made when absent. */
static void push_bucket(lua_State *L, int days, const char *key)
{
	if (lua_getfield(L, days, key) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_createtable(L, 0, 2);
		lua_pushinteger(L, 0);
		lua_setfield(L, -2, "n");
	}
	if (lua_getfield(L, -1, "c") != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_createtable(L, 0, 1); /* room for a currency: not re-made at its first */
		lua_pushvalue(L, -1);
		lua_setfield(L, -3, "c");
	}
}

/* t[k] as an integer, 0 when nil. */
static lua_Integer int_field(lua_State *L, int t, const char *k)
{
	int ok;
	lua_getfield(L, t, k);
	lua_Integer v = lua_tointegerx(L, -1, &ok);
	if (!ok && !lua_isnil(L, -1))
		luaL_error(L, "summary: %s must be an integer", k);
	lua_pop(L, 1);
	return v;
}

/** summary.add_case(row, case, sign) → row: adds sign × the case's
 * contribution (1 to open unless it is resolved, closed or rejected; 1
 * complaint on the day it was opened; its live offers' amounts, offered or
 * accepted and above 0, on the days they were made) to the row, in place.
 * A day left with no complaint and no amount is dropped. */
static int l_add_case(lua_State *L)
{
	enum { ROW = 1, CASE, SIGN };
	luaL_checktype(L, ROW, LUA_TTABLE);
	luaL_checktype(L, CASE, LUA_TTABLE);
	lua_Integer sign = luaL_checkinteger(L, SIGN);
	lua_settop(L, SIGN);
	luaL_checkstack(L, 20, "summary.add_case");

	lua_Integer opened = time_of(L, CASE, "opened_ms", "opened_at", 0);
	lua_getfield(L, CASE, "status");
	lua_Integer open = rd_status_closes(L, -1) ? 0 : 1;
	lua_pop(L, 1);

	/* the parts, in day order */
	lua_getfield(L, CASE, "offers");
	int offers = lua_gettop(L);
	lua_Integer n_offers = lua_istable(L, offers) ? (lua_Integer)lua_rawlen(L, offers) : 0;
	struct part one, *parts = &one;
	if (n_offers > 0)
		parts = lua_newuserdatauv(L, (size_t)(n_offers + 1) * sizeof *parts, 0);
	size_t n = 0;
	parts[n++] = (struct part){ .day = day_of(opened), .amount = 0, .offer = 0 };
	for (lua_Integer i = 1; i <= n_offers; i++) {
		lua_geti(L, offers, i);
		int o = lua_gettop(L);
		lua_getfield(L, o, "status");
		int live = one_of(L, -1, LIVE);
		lua_getfield(L, o, "amount");
		int ok;
		lua_Integer amount = lua_tointegerx(L, -1, &ok);
		if (live && !ok && lua_toboolean(L, -1))
			luaL_error(L, "summary: an offer's amount must be an integer");
		lua_getfield(L, o, "currency");
		int has_currency = lua_toboolean(L, -1);
		lua_pop(L, 3);
		if (live && ok && amount > 0 && has_currency)
			parts[n++] = (struct part){ .day = day_of(time_of(L, o, NULL, "at", opened)), .amount = amount,
						    .offer = i };
		lua_settop(L, o - 1);
	}
	qsort(parts, n, sizeof *parts, by_day);

	/* the offers read and checked: now the row changes */
	lua_Integer row_open = int_field(L, ROW, "open");
	lua_pushinteger(L, add(row_open, mul(sign, open)));
	lua_setfield(L, ROW, "open");
	if (lua_getfield(L, ROW, "days") != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_createtable(L, 0, 1);
		lua_pushvalue(L, -1);
		lua_setfield(L, ROW, "days");
	}
	int days = lua_gettop(L);

	/* each day: its bucket, changed, then kept or dropped */
	for (size_t i = 0; i < n;) {
		lua_Integer day = parts[i].day;
		char key[32];
		snprintf(key, sizeof key, "%lld", (long long)day);
		int top = lua_gettop(L);
		push_bucket(L, days, key);
		int bucket = top + 1, c = top + 2;
		lua_Integer count = int_field(L, bucket, "n");
		for (; i < n && parts[i].day == day; i++) {
			if (parts[i].offer == 0) {
				count = add(count, sign);
				continue;
			}
			lua_geti(L, offers, parts[i].offer);
			lua_getfield(L, -1, "currency");
			lua_pushvalue(L, -1);
			lua_gettable(L, c);
			int ok;
			lua_Integer v = lua_tointegerx(L, -1, &ok);
			if (!ok && !lua_isnil(L, -1))
				luaL_error(L, "summary: a stored amount must be an integer");
			lua_pop(L, 1);
			v = add(v, mul(sign, parts[i].amount));
			if (v != 0)
				lua_pushinteger(L, v);
			else
				lua_pushnil(L);
			lua_settable(L, c);
			lua_pop(L, 1);
		}
		lua_pushinteger(L, count);
		lua_setfield(L, bucket, "n");
		lua_pushnil(L);
		int empty = lua_next(L, c) == 0;
		if (count == 0 && empty)
			lua_pushnil(L);
		else
			lua_pushvalue(L, bucket);
		lua_setfield(L, days, key);
		lua_settop(L, top);
	}
	lua_settop(L, ROW);
	return 1;
}

/* The day number of a days key (an error, as comparing it was, when the
 * key is not a number). */
static lua_Integer key_day(lua_State *L, int idx)
{
	int ok;
	lua_Integer d = lua_tointegerx(L, idx, &ok);
	if (!ok)
		luaL_error(L, "summary: a day of the row is not a day number");
	return d;
}

/** summary.prune(row, now_ms) → row, without the days no window reaches
 * any more (before now_ms − a year). */
static int l_prune(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_Integer oldest = add(day_of(luaL_checkinteger(L, 2)), -KEEP_DAYS);
	lua_settop(L, 1);
	if (lua_getfield(L, 1, "days") == LUA_TTABLE) {
		lua_pushnil(L);
		while (lua_next(L, 2)) {
			lua_pop(L, 1);
			lua_pushvalue(L, -1);
			if (key_day(L, -1) < oldest) { /* (setting a field met to nil is allowed while traversing) */
				lua_pushnil(L);
				lua_settable(L, 2);
			} else {
				lua_pop(L, 1);
			}
		}
	}
	lua_settop(L, 1);
	return 1;
}

/* t[k] += v for an integer v (t[k] nil counts as 0). */
static void add_to(lua_State *L, int t, int key, lua_Integer v)
{
	lua_pushvalue(L, key);
	lua_gettable(L, t);
	lua_Integer was = lua_tointeger(L, -1);
	lua_pop(L, 1);
	lua_pushvalue(L, key);
	lua_pushinteger(L, add(was, v));
	lua_settable(L, t);
}

/** summary.view(row, now_ms) → the case view's customer_summary
 * { complaints_30d, complaints_90d, complaints_365d (by the whole UTC days
 * since each was opened), open_cases, compensation_365d = { CUR = amount } }
 * and the amounts spent against the customer's 365-day budget { CUR =
 * amount }. */
static int l_view(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_Integer today = day_of(luaL_checkinteger(L, 2));
	lua_settop(L, 1);
	luaL_checkstack(L, 20, "summary.view");
	lua_Integer open = int_field(L, 1, "open");
	lua_Integer n30 = 0, n90 = 0, n365 = 0;
	lua_createtable(L, 0, 5); /* 2: the view */
	lua_newtable(L);          /* 3: compensation_365d */
	lua_newtable(L);          /* 4: spent */
	if (lua_getfield(L, 1, "days") == LUA_TTABLE) { /* 5 */
		lua_pushnil(L);
		while (lua_next(L, 5)) {
			int bucket = lua_gettop(L);
			lua_Integer age = add(today, mul(-1, key_day(L, bucket - 1)));
			if (age <= 365 && lua_istable(L, bucket)) {
				lua_Integer bn = int_field(L, bucket, "n");
				n365 = add(n365, bn);
				if (age <= 90)
					n90 = add(n90, bn);
				if (age <= 30)
					n30 = add(n30, bn);
				if (lua_getfield(L, bucket, "c") == LUA_TTABLE) {
					int c = lua_gettop(L);
					lua_pushnil(L);
					while (lua_next(L, c)) {
						int ok;
						lua_Integer amount = lua_tointegerx(L, -1, &ok);
						if (!ok)
							luaL_error(L, "summary: a stored amount must be an integer");
						add_to(L, 3, -2, amount);
						add_to(L, 4, -2, amount);
						lua_pop(L, 1);
					}
				}
				lua_settop(L, bucket);
			}
			lua_pop(L, 1);
		}
	}
	lua_settop(L, 4);
	lua_pushinteger(L, n30);
	lua_setfield(L, 2, "complaints_30d");
	lua_pushinteger(L, n90);
	lua_setfield(L, 2, "complaints_90d");
	lua_pushinteger(L, n365);
	lua_setfield(L, 2, "complaints_365d");
	lua_pushinteger(L, open > 0 ? open : 0);
	lua_setfield(L, 2, "open_cases");
	lua_pushvalue(L, 3);
	lua_setfield(L, 2, "compensation_365d");
	lua_pushvalue(L, 2);
	lua_pushvalue(L, 4);
	return 2;
}

/** summary.functions(time.parse) → { add_case, prune, view } (add_case
 * parses a stored time with the given parse). */
static int l_functions(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	lua_settop(L, 1);
	lua_createtable(L, 0, 3);
	lua_pushvalue(L, 1);
	lua_pushcclosure(L, l_add_case, 1);
	lua_setfield(L, -2, "add_case");
	lua_pushcfunction(L, l_prune);
	lua_setfield(L, -2, "prune");
	lua_pushcfunction(L, l_view);
	lua_setfield(L, -2, "view");
	return 1;
}

int luaopen_rd_summary(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "functions", l_functions },
		{ NULL, NULL },
	};
	luaL_newlib(L, fns);
	return 1;
}
