/* dashboard_lua.c — the `rd.dashboard` module: what one decision adds to
 * the dashboard's running-count rows (redress.dashboard says what the rows
 * and the figures mean; this is its `record`).
 *
 * In C because it is fixed engine work on every decision, made of short
 * strings: in Lua each line cost a string or two, and the whole about
 * 27,000 instructions a decision. The lines are the same, byte for byte,
 * as the Lua's were (compared on 110,000 generated decisions when it moved;
 * dashboard_spec checks the figures they add up to).
 */
#include "store_lua.h"

#include "../bindings/bindings.h"

#include <lauxlib.h>
#include <string.h>

#include "textout.h"

/* The bucket bounds in seconds (dashboard.BOUNDS: /metrics' histograms
 * use the same). */
static const lua_Integer BOUNDS[] = { 60, 300, 900, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 12 * 3600,
	86400, 2 * 86400, 3 * 86400, 5 * 86400, 7 * 86400, 14 * 86400, 30 * 86400 };
#define N_BOUNDS (int)(sizeof BOUNDS / sizeof BOUNDS[0])

static int bucket_of(double seconds)
{
	for (int i = 0; i < N_BOUNDS; i++)
		if (seconds <= (double)BOUNDS[i])
			return i + 1;
	return N_BOUNDS + 1;
}

/* t[k] pushed, t being a table at idx or nothing (nil then); its type. k:
 * a string constant (rd_getfield). */
static int get(lua_State *L, int t, const char *k)
{
	if (t && lua_istable(L, t))
		return rd_getfield(L, t, k);
	lua_pushnil(L);
	return LUA_TNIL;
}

/* The value at idx as an integer, as math.tointeger gives it; an error
 * (as concatenating nil was) when it is none. */
static lua_Integer integer(lua_State *L, int idx, const char *what)
{
	int ok;
	lua_Integer v = lua_tointegerx(L, idx, &ok);
	if (!ok)
		luaL_error(L, "dashboard.record: %s must be an integer", what);
	return v;
}

/* The word of the value at idx (tostring, then bytes other than letters,
 * digits and _ . - as _), or of dflt when the value is nil or false (and
 * dflt is given: without one, "nil" or "false" as tostring writes them),
 * pushed as a string. It is made at the end of o, which is left as it was. */
static const char *push_word(struct out *o, int idx, const char *dflt, size_t *len)
{
	lua_State *L = o->L;
	size_t at = o->len, n;
	idx = lua_absindex(L, idx);
	if (lua_type(L, idx) == LUA_TSTRING) { /* most are words already: the same string */
		const char *s = lua_tolstring(L, idx, &n);
		if (is_word(s, n, 0)) {
			lua_pushvalue(L, idx);
			if (len)
				*len = n;
			return s;
		}
	}
	if (lua_toboolean(L, idx) || !dflt) {
		const char *s = luaL_tolstring(L, idx, &n);
		out_word(o, s, n, 0);
		lua_pop(L, 1);
	} else {
		out_word(o, dflt, strlen(dflt), 0);
	}
	const char *w = lua_pushlstring(L, o->p + at, o->len - at);
	if (len)
		*len = o->len - at;
	o->len = at;
	return w;
}

/* The start of a line: a newline after the first, then its name. */
static void line(struct out *o, int *n, const char *name)
{
	if ((*n)++)
		out_add(o, "\n", 1);
	out_str(o, name);
}

/* "|pack\t" */
static void suffix(struct out *o, const char *pack, size_t len)
{
	out_add(o, "|", 1);
	out_add(o, pack, len);
	out_add(o, "\t", 1);
}

/* A measure's lines (count, total ms, the bucket of its seconds). */
static void measure(struct out *o, int *n, const char *prefix, const char *pack, size_t plen, lua_Integer elapsed)
{
	line(o, n, prefix);
	out_str(o, "_n");
	suffix(o, pack, plen);
	out_str(o, "1");
	if (elapsed != 0) {
		line(o, n, prefix);
		out_str(o, "_ms");
		suffix(o, pack, plen);
		out_int(o, elapsed);
	}
	line(o, n, prefix);
	out_str(o, "_b");
	out_int(o, bucket_of((double)elapsed / 1000));
	suffix(o, pack, plen);
	out_str(o, "1");
}

/* Whether what the decision delivers (list at idx) says something to the
 * customer: a message or an acknowledgement. */
static int responds(lua_State *L, int deliver)
{
	if (!lua_istable(L, deliver))
		return 0;
	for (lua_Integer i = 1;; i++) {
		if (lua_rawgeti(L, deliver, i) == LUA_TNIL) {
			lua_pop(L, 1);
			return 0;
		}
		get(L, lua_gettop(L), "type");
		int yes = rd_lua_is(L, -1, "message") || rd_lua_is(L, -1, "acknowledge");
		lua_pop(L, 2);
		if (yes)
			return 1;
	}
}

/* Whether t[k] is set (neither nil nor false); pops it. */
static int set(lua_State *L, int t, const char *k)
{
	get(L, t, k);
	int yes = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return yes;
}

/* A count line (kept, broken) when promises[k] is set and not 0. */
static void count_line(struct out *o, int *n, int promises, const char *k, const char *pack, size_t plen)
{
	lua_State *L = o->L;
	if (!lua_toboolean(L, promises))
		return;
	get(L, promises, k);
	if (lua_toboolean(L, -1) && !(lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) == 0)) {
		line(o, n, k);
		suffix(o, pack, plen);
		out_int(o, integer(L, -1, "a count of promises"));
	}
	lua_pop(L, 1);
}

/* Whether (t.amount or 0) > 0, as Lua compares it. */
static int positive(lua_State *L, int t)
{
	get(L, t, "amount");
	int yes = 0;
	if (lua_type(L, -1) == LUA_TNUMBER)
		yes = lua_isinteger(L, -1) ? lua_tointeger(L, -1) > 0 : lua_tonumber(L, -1) > 0;
	else if (lua_toboolean(L, -1))
		luaL_error(L, "dashboard.record: an offer's amount must be a number");
	lua_pop(L, 1);
	return yes;
}

/* The open row's entry of the case at t: its status as a word, then its
 * tier, pushed (two values). */
static void push_open(struct out *o, int t)
{
	lua_State *L = o->L;
	get(L, t, "status");
	push_word(o, -1, NULL, NULL);
	lua_remove(L, -2);
	get(L, t, "tier");
}

/* "status:tier|pack\tdelta" of the open-row entry at idx (its status; its
 * tier above it) in o, and its move in /metrics' open cases in m. */
static void open_line(struct out *o, int *n, struct out *m, int *mn, int entry, const char *pack, size_t plen,
		      const char *delta)
{
	lua_State *L = o->L;
	size_t len;
	const char *s = lua_tolstring(L, entry, &len);
	lua_Integer tier = integer(L, entry + 1, "a case's tier");
	line(o, n, "");
	out_add(o, s, len);
	out_add(o, ":", 1);
	out_int(o, tier);
	suffix(o, pack, plen);
	out_str(o, delta);
	out_metric(m, mn, "redress_open_cases");
	out_word(m, s, len, 1);
	out_add(m, ",", 1);
	out_int(m, tier);
	out_add(m, "\t", 1);
	out_str(m, delta);
}

/* The upvalues: redress.time's parse and format; the store's add, the
 * database of the rows, the day row's key prefix, the open row's key and
 * the pinned row's (redress.store's ROLLUP_ROWS). */
#define TIME_PARSE lua_upvalueindex(1)
#define TIME_FORMAT lua_upvalueindex(2)
#define ADD lua_upvalueindex(3)
#define DB lua_upvalueindex(4)
#define DAY_PREFIX lua_upvalueindex(5)
#define OPEN_ROW lua_upvalueindex(6)
#define PINNED_ROW lua_upvalueindex(7)

/* The lines in o added to the row whose key is the string at key (with
 * day after it, when given), then o emptied. */
static void flush(struct out *o, int key, const char *day, size_t dlen)
{
	lua_State *L = o->L;
	lua_pushvalue(L, ADD);
	lua_pushvalue(L, DB);
	lua_pushvalue(L, key);
	if (day) {
		lua_pushlstring(L, day, dlen);
		lua_concat(L, 2);
	}
	lua_pushlstring(L, o->p, o->len);
	lua_call(L, 3, 0);
	o->len = 0;
}

/** record(before, case, etype, data, deliver, observed, promises, now_ms) →
 * the figures for /metrics, as the lines metrics.decision adds to its own
 * (first response and resolution seconds, satisfaction, compensation
 * granted, the open cases' moves), "" when none. Adds the decision's lines
 * to the day row, the open row and the pinned row of the write set, and
 * marks the case (first_response_at, resolved_at). The figures go out as
 * text, not a table read back field by field. */
static int l_record(lua_State *L)
{
	enum { BEFORE = 1, CASE, ETYPE, DATA, DELIVER, OBSERVED, PROMISES, NOW };
	lua_settop(L, NOW);
	luaL_checkstack(L, 40, "dashboard.record");
	luaL_checktype(L, CASE, LUA_TTABLE);
	lua_Integer now_ms = luaL_checkinteger(L, NOW);
	int before = lua_toboolean(L, BEFORE) ? BEFORE : 0;
	struct out o, m;
	out_init(&o, L, 512);
	out_init(&m, L, 256);
	int mn = 0; /* lines in m */

	get(L, CASE, "pack");
	int packt = lua_gettop(L);
	get(L, packt, "name");
	size_t plen;
	const char *pack = push_word(&o, -1, "?", &plen); /* (kept alive on the stack) */

	int ok;
	get(L, CASE, "opened_ms");
	lua_Integer opened = lua_tointegerx(L, -1, &ok);
	lua_pop(L, 1);
	if (!ok) {
		lua_pushvalue(L, TIME_PARSE);
		get(L, CASE, "opened_at");
		lua_call(L, 1, 1);
		opened = lua_tointegerx(L, -1, &ok);
		if (!ok)
			opened = now_ms;
		lua_pop(L, 1);
	}
	lua_Integer elapsed = (lua_Integer)((lua_Unsigned)now_ms - (lua_Unsigned)opened); /* as Lua wraps */
	lua_pushvalue(L, TIME_FORMAT);
	lua_pushinteger(L, now_ms);
	lua_call(L, 1, 1);
	int now_iso = lua_gettop(L);

	/* the day row */
	int n = 0;
	if (rd_lua_is(L, ETYPE, "complaint.received")) {
		line(&o, &n, "complaints");
		suffix(&o, pack, plen);
		out_str(&o, "1");
	}
	if (before && !set(L, CASE, "first_response_at") && responds(L, DELIVER)) {
		lua_pushvalue(L, now_iso);
		rd_setfield(L, CASE, "first_response_at");
		out_metric(&m, &mn, "redress_first_response_seconds");
		out_add(&m, pack, plen);
		out_add(&m, "\t", 1);
		out_fixed3(&m, (double)elapsed / 1000);
		measure(&o, &n, "frt", pack, plen, elapsed);
	}
	get(L, CASE, "status");
	int resolves = rd_lua_is(L, -1, "resolved") || rd_lua_is(L, -1, "closed");
	lua_pop(L, 1);
	if (resolves && !set(L, CASE, "resolved_at")) {
		lua_pushvalue(L, now_iso);
		rd_setfield(L, CASE, "resolved_at");
		out_metric(&m, &mn, "redress_resolution_seconds");
		out_add(&m, pack, plen);
		out_add(&m, "\t", 1);
		out_fixed3(&m, (double)elapsed / 1000);
		measure(&o, &n, "ttr", pack, plen, elapsed);
	}
	if (rd_lua_is(L, ETYPE, "satisfaction.reported")) {
		get(L, DATA, "score");
		lua_Integer score = lua_tointegerx(L, -1, &ok);
		lua_pop(L, 1);
		if (ok) {
			out_metric(&m, &mn, "redress_satisfaction_total");
			out_int(&m, score);
			out_str(&m, "\t1");
			line(&o, &n, "csat_");
			out_int(&o, score);
			suffix(&o, pack, plen);
			out_str(&o, "1");
		}
	}
	lua_Integer breaches = 0;
	if (lua_toboolean(L, OBSERVED)) {
		for (lua_Integer i = 1; lua_geti(L, OBSERVED, i) != LUA_TNIL; i++) {
			get(L, lua_gettop(L), "kind");
			breaches += rd_lua_is(L, -1, "breach");
			lua_pop(L, 2);
		}
		lua_pop(L, 1);
	}
	if (breaches) {
		line(&o, &n, "breaches");
		suffix(&o, pack, plen);
		out_int(&o, breaches);
	}
	count_line(&o, &n, PROMISES, "kept", pack, plen);
	count_line(&o, &n, PROMISES, "broken", pack, plen);

	/* compensation granted: the offers the decision added */
	get(L, CASE, "offers");
	int all = lua_gettop(L);
	lua_Integer from = 0;
	if (before) {
		get(L, BEFORE, "offers");
		if (lua_toboolean(L, -1))
			from = integer(L, -1, "the offers before");
		lua_pop(L, 1);
	}
	lua_Integer count = lua_istable(L, all) ? (lua_Integer)lua_rawlen(L, all) : luaL_len(L, all);
	for (lua_Integer i = from + 1; i <= count; i++) {
		lua_geti(L, all, i);
		int off = lua_gettop(L);
		if (positive(L, off)) {
			size_t clen, klen;
			get(L, off, "currency");
			const char *cur = push_word(&o, -1, "XXX", &clen);
			get(L, off, "kind");
			const char *kind = push_word(&o, -1, NULL, &klen);
			rd_getfield(L, off, "amount");
			lua_Integer amount = integer(L, -1, "an offer's amount");
			/* (the words are kept alive on the stack until settop below) */
			out_metric(&m, &mn, "redress_compensation_granted_minor_total");
			out_add(&m, cur, clen);
			out_add(&m, ",", 1);
			out_add(&m, kind, klen);
			out_add(&m, "\t", 1);
			out_int(&m, amount);
			line(&o, &n, "comp:");
			out_add(&o, cur, clen);
			out_add(&o, ":", 1);
			out_add(&o, kind, klen);
			suffix(&o, pack, plen);
			out_int(&o, amount);
		}
		lua_settop(L, all);
	}
	if (n > 0) {
		size_t ilen;
		const char *iso = lua_tolstring(L, now_iso, &ilen);
		flush(&o, DAY_PREFIX, iso, ilen < 10 ? ilen : 10);
	}

	/* open cases: leave the old (status, tier), join the new */
	int was_open = 0, is_open;
	if (before) {
		get(L, BEFORE, "status");
		was_open = !rd_status_closes(L, -1);
		lua_pop(L, 1);
	}
	get(L, CASE, "status");
	is_open = !rd_status_closes(L, -1);
	lua_pop(L, 1);
	int from_e = 0, to_e = 0;
	if (was_open) {
		push_open(&o, BEFORE);
		from_e = lua_gettop(L) - 1;
	}
	if (is_open) {
		push_open(&o, CASE);
		to_e = lua_gettop(L) - 1;
	}
	if (from_e && to_e && lua_rawequal(L, from_e, to_e) && lua_compare(L, from_e + 1, to_e + 1, LUA_OPEQ))
		from_e = to_e = 0;
	n = 0;
	if (from_e)
		open_line(&o, &n, &m, &mn, from_e, pack, plen, "-1");
	if (to_e)
		open_line(&o, &n, &m, &mn, to_e, pack, plen, "1");
	if (n > 0)
		flush(&o, OPEN_ROW, NULL, 0);

	/* the cases pinned to the version that opened them (GET /v1/packs) */
	get(L, packt, "version");
	size_t vlen;
	const char *version = push_word(&o, -1, "?", &vlen);
	n = 0;
	if (!before) {
		line(&o, &n, "cases|");
		out_add(&o, pack, plen);
		out_add(&o, "@", 1);
		out_add(&o, version, vlen);
		out_str(&o, "\t1");
	}
	if (was_open != is_open) {
		line(&o, &n, "open|");
		out_add(&o, pack, plen);
		out_add(&o, "@", 1);
		out_add(&o, version, vlen);
		out_str(&o, was_open ? "\t-1" : "\t1");
	}
	if (n > 0)
		flush(&o, PINNED_ROW, NULL, 0);
	lua_pushlstring(L, m.p, m.len);
	return 1;
}

/** dashboard.recorder(parse, format, add, db, day_prefix, open_key,
 * pinned_key) → record, above: redress.time's parse and format, and the
 * store's add with the rows' database and keys (redress.store's
 * ROLLUP_ROWS: the store stays behind its module). */
static int l_recorder(lua_State *L)
{
	for (int i = 1; i <= 3; i++)
		luaL_checktype(L, i, LUA_TFUNCTION);
	for (int i = 4; i <= 7; i++)
		luaL_checktype(L, i, LUA_TSTRING);
	lua_settop(L, 7);
	lua_pushcclosure(L, l_record, 7);
	return 1;
}

int luaopen_rd_dashboard(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "recorder", l_recorder },
		{ NULL, NULL },
	};
	luaL_newlib(L, fns);
	lua_createtable(L, N_BOUNDS, 0);
	for (int i = 0; i < N_BOUNDS; i++) {
		lua_pushinteger(L, BOUNDS[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "BOUNDS");
	return 1;
}
