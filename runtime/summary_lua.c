/* summary_lua.c — the `rd.summary` module: the running summary of a
 * customer's cases (redress.summary says what the row holds and why).
 *
 * The row is a C object (summary_row.h), read from and written to the
 * store's JSON text in C: every decision reads the row, takes its case out
 * and puts it back (about 26,000 instructions of a retail decision, all of
 * it), and as a Lua table, decoded, changed and encoded, it cost about
 * 6,000 more. Its views and texts are the table form's (summary_spec
 * compares them over generated histories).
 */
#include "store_lua.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary_row.h"

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
 * dflt; the fields' names are string constants (rd_getfield). */
static lua_Integer time_of(lua_State *L, int t, const char *ms_field, const char *iso_field, lua_Integer dflt)
{
	int ok = 0;
	lua_Integer v = 0;
	if (ms_field) {
		rd_getfield(L, t, ms_field);
		v = lua_tointegerx(L, -1, &ok);
		lua_pop(L, 1);
		if (ok)
			return v;
	}
	if (rd_getfield(L, t, iso_field) != LUA_TNIL && lua_toboolean(L, -1)) {
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

#define ROW_NAME "rd.summary.row"

/* The registry key (lua_rawgetp) of the rows' metatable: luaL_checkudata
 * would look its name up in the registry on every call. */
static const char row_mt_key = 0;

static rd_summary_row *check_row(lua_State *L, int idx)
{
	void *p = lua_touserdata(L, idx);
	if (p && lua_getmetatable(L, idx)) {
		lua_rawgetp(L, LUA_REGISTRYINDEX, &row_mt_key);
		int ok = lua_rawequal(L, -1, -2);
		lua_pop(L, 2);
		if (ok)
			return p;
	}
	luaL_typeerror(L, idx, ROW_NAME);
	return NULL;
}

static int row_gc(lua_State *L)
{
	rd_summary_row_clear(check_row(L, 1));
	return 0;
}

/* A new empty row, pushed. */
static rd_summary_row *push_row(lua_State *L)
{
	rd_summary_row *r = lua_newuserdatauv(L, sizeof *r, 0);
	memset(r, 0, sizeof *r);
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &row_mt_key) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_createtable(L, 0, 2);
		lua_pushcfunction(L, row_gc);
		lua_setfield(L, -2, "__gc");
		lua_pushliteral(L, ROW_NAME);
		lua_setfield(L, -2, "__name");
		lua_pushvalue(L, -1);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &row_mt_key);
	}
	lua_setmetatable(L, -2);
	return r;
}

/** summary.empty() → a row with nothing in it */
static int l_empty(lua_State *L)
{
	push_row(L);
	return 1;
}

/** summary.load(text) → the row stored as text (raises on a text that is
 * not one) */
static int l_load(lua_State *L)
{
	size_t len;
	const char *text = luaL_checklstring(L, 1, &len);
	rd_summary_row *r = push_row(L);
	const char *why = rd_summary_row_parse(r, text, len);
	if (why)
		return luaL_error(L, "%s", why);
	return 1;
}

/** summary.text(row) → the row's stored text: its keys in the order
 * json.encode writes them */
static int l_text(lua_State *L)
{
	size_t len;
	char *text = rd_summary_row_text(check_row(L, 1), &len);
	if (!text)
		return luaL_error(L, "summary: out of memory");
	lua_pushlstring(L, text, len); /* (on its error the text would leak: out of memory twice) */
	free(text);
	return 1;
}

/** summary.add_case(row, case, sign) → row: adds sign × the case's
 * contribution (1 to open unless it is resolved, closed or rejected; 1
 * complaint on the day it was opened; its live offers' amounts, offered or
 * accepted and above 0, on the days they were made) to the row, in place.
 * A day left with no complaint and no amount is dropped. */
static int l_add_case(lua_State *L)
{
	enum { ROW = 1, CASE, SIGN };
	rd_summary_row *r = check_row(L, ROW);
	luaL_checktype(L, CASE, LUA_TTABLE);
	lua_Integer sign = luaL_checkinteger(L, SIGN);
	lua_settop(L, SIGN);
	luaL_checkstack(L, 20, "summary.add_case");

	lua_Integer opened = time_of(L, CASE, "opened_ms", "opened_at", 0);
	rd_getfield(L, CASE, "status");
	lua_Integer open = rd_status_closes(L, -1) ? 0 : 1;
	lua_pop(L, 1);

	/* the parts, in day order */
	rd_getfield(L, CASE, "offers");
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
		rd_getfield(L, o, "status");
		int live = one_of(L, -1, LIVE);
		rd_getfield(L, o, "amount");
		int ok;
		lua_Integer amount = lua_tointegerx(L, -1, &ok);
		if (live && !ok && lua_toboolean(L, -1))
			luaL_error(L, "summary: an offer's amount must be an integer");
		size_t clen = 0;
		const char *cur = rd_getfield(L, o, "currency") == LUA_TSTRING ? lua_tolstring(L, -1, &clen) : NULL;
		int has_currency = lua_toboolean(L, -1);
		lua_pop(L, 3);
		if (live && ok && amount > 0 && has_currency) {
			if (!cur || !rd_summary_cur_ok(cur, clen))
				luaL_error(L, "summary: a currency must be a code such as EUR");
			parts[n++] = (struct part){ .day = day_of(time_of(L, o, NULL, "at", opened)), .amount = amount,
						    .offer = i };
		}
		lua_settop(L, o - 1);
	}
	qsort(parts, n, sizeof *parts, by_day);

	/* the offers read and checked: now the row changes (the currencies'
	 * strings stay alive in the case's offers meanwhile) */
	r->open = add(r->open, mul(sign, open));
	for (size_t i = 0; i < n;) {
		lua_Integer day = parts[i].day;
		for (; i < n && parts[i].day == day; i++) {
			const char *why;
			if (parts[i].offer == 0) {
				why = rd_summary_row_add(r, day, NULL, 0, sign);
			} else {
				lua_geti(L, offers, parts[i].offer);
				rd_getfield(L, -1, "currency");
				size_t clen;
				const char *cur = lua_tolstring(L, -1, &clen);
				why = rd_summary_row_add(r, day, cur, clen, mul(sign, parts[i].amount));
				lua_pop(L, 2);
			}
			if (why)
				return luaL_error(L, "%s", why);
		}
		rd_summary_row_settle(r, day);
	}
	lua_settop(L, ROW);
	return 1;
}

/** summary.prune(row, now_ms) → row, without the days no window reaches
 * any more (before now_ms − a year). */
static int l_prune(lua_State *L)
{
	rd_summary_row *r = check_row(L, 1);
	rd_summary_row_prune(r, add(day_of(luaL_checkinteger(L, 2)), -KEEP_DAYS));
	lua_settop(L, 1);
	return 1;
}

/* A currency's sum in the last 365 days. */
struct sum {
	const struct rd_summary_entry *e; /* its code */
	lua_Integer v;
};

/** summary.view(row, now_ms) → the case view's customer_summary
 * { complaints_30d, complaints_90d, complaints_365d (by the whole UTC days
 * since each was opened), open_cases, compensation_365d = { CUR = amount } }
 * and the amounts spent against the customer's 365-day budget { CUR =
 * amount }. */
static int l_view(lua_State *L)
{
	const rd_summary_row *r = check_row(L, 1);
	lua_Integer today = day_of(luaL_checkinteger(L, 2));
	lua_settop(L, 1);
	lua_Integer n30 = 0, n90 = 0, n365 = 0;
	struct sum few[8], *sums = few;
	size_t nsums = 0;
	if (r->n > 8)
		sums = lua_newuserdatauv(L, r->n * sizeof *sums, 0);
	for (size_t i = 0; i < r->n; i++) {
		const struct rd_summary_entry *x = &r->e[i];
		lua_Integer age = add(today, mul(-1, x->day));
		if (age > 365)
			continue;
		if (x->len == 0) {
			n365 = add(n365, x->v);
			if (age <= 90)
				n90 = add(n90, x->v);
			if (age <= 30)
				n30 = add(n30, x->v);
			continue;
		}
		size_t k = 0;
		while (k < nsums && !(sums[k].e->len == x->len && memcmp(sums[k].e->cur, x->cur, x->len) == 0))
			k++;
		if (k == nsums)
			sums[nsums++] = (struct sum){ .e = x, .v = 0 };
		sums[k].v = add(sums[k].v, x->v);
	}
	lua_createtable(L, 0, 5); /* the view */
	lua_pushinteger(L, n30);
	rd_setfield(L, -2, "complaints_30d");
	lua_pushinteger(L, n90);
	rd_setfield(L, -2, "complaints_90d");
	lua_pushinteger(L, n365);
	rd_setfield(L, -2, "complaints_365d");
	lua_pushinteger(L, r->open > 0 ? r->open : 0);
	rd_setfield(L, -2, "open_cases");
	for (int t = 0; t < 2; t++) { /* compensation_365d, then the spent amounts: two tables alike */
		lua_createtable(L, 0, (int)nsums);
		for (size_t k = 0; k < nsums; k++) {
			lua_pushlstring(L, sums[k].e->cur, sums[k].e->len);
			lua_pushinteger(L, sums[k].v);
			lua_rawset(L, -3);
		}
	}
	lua_pushvalue(L, -2);
	rd_setfield(L, -4, "compensation_365d");
	lua_remove(L, -2);
	return 2;
}

/** summary.functions(time.parse) → { add_case, prune, view, empty, load,
 * text } (add_case parses a stored time with the given parse). */
static int l_functions(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	lua_settop(L, 1);
	lua_createtable(L, 0, 6);
	lua_pushvalue(L, 1);
	lua_pushcclosure(L, l_add_case, 1);
	lua_setfield(L, -2, "add_case");
	static const luaL_Reg fns[] = {
		{ "prune", l_prune }, { "view", l_view }, { "empty", l_empty }, { "load", l_load }, { "text", l_text },
		{ NULL, NULL },
	};
	luaL_setfuncs(L, fns, 0);
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
