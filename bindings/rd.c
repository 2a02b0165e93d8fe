/* rd.c — the `rd` module: the trusted runtime Lua's sandboxed call,
 * hashing and wall clock. Policies never see it. */
#include "bindings.h"

#include <lauxlib.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <stdint.h>
#include <pthread.h>
#include <time.h>

/* SHA-256 fetched from OpenSSL's provider once: EVP_sha256() makes
 * EVP_Digest look the algorithm up again on every call, which cost more
 * than hashing a request body. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/** rd.sha256(s) → lowercase hex digest */
static int l_sha256(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	pthread_once(&sha256_once, fetch_sha256);
	if (!sha256_md || !EVP_Digest(s, len, md, &mdlen, sha256_md, NULL))
		return luaL_error(L, "sha256 failed");
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	for (unsigned i = 0; i < mdlen; i++) {
		static const char digits[] = "0123456789abcdef";
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	lua_pushlstring(L, hex, 2 * mdlen);
	return 1;
}

int64_t rd__days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

void rd__civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = yoe + era * 400 + (*m <= 2);
}

#define UTC_TEXT_END 253402300800000LL /* 10000-01-01: four-digit years */

static void put_digits(char *p, int64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
}

/** rd.utc_text(ms) → "2026-11-23T10:00:00.000Z" (RFC 3339, UTC, milliseconds)
 * for an integer ms from 1970 up to the year 9999, else nil (redress.time
 * formats the rest). A decision writes a few of these. */
static int l_utc_text(lua_State *L)
{
	int ok = 0;
	lua_Integer ms = lua_type(L, 1) == LUA_TNUMBER ? lua_tointegerx(L, 1, &ok) : 0;
	if (!ok || ms < 0 || ms >= UTC_TEXT_END) {
		lua_pushnil(L);
		return 1;
	}
	int64_t secs = ms / 1000, days = secs / 86400, sod = secs % 86400, y, mo, d;
	rd__civil_from_days(days, &y, &mo, &d);
	char t[24] = "0000-00-00T00:00:00.000Z";
	put_digits(t, y, 4);
	put_digits(t + 5, mo, 2);
	put_digits(t + 8, d, 2);
	put_digits(t + 11, sod / 3600, 2);
	put_digits(t + 14, sod / 60 % 60, 2);
	put_digits(t + 17, sod % 60, 2);
	put_digits(t + 20, ms % 1000, 3);
	lua_pushlstring(L, t, sizeof t);
	return 1;
}

/** rd.utc_ms(s) → the instant of s when s is exactly the form utc_text
 * writes and a real date and time (second 60 counts on into the next
 * minute), else nil (redress.time's general parser then decides). */
static int l_utc_ms(lua_State *L)
{
	size_t n = 0;
	const char *s = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &n) : NULL;
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	if (!s || n != 24) {
		lua_pushnil(L);
		return 1;
	}
	int64_t v[7] = { 0 }; /* year, month, day, hour, minute, second, millisecond */
	for (int i = 0, f = 0; i < 24; i++) {
		if (shape[i] == 'd') {
			if (s[i] < '0' || s[i] > '9') {
				lua_pushnil(L);
				return 1;
			}
			v[f] = v[f] * 10 + (s[i] - '0');
		} else if (s[i] != shape[i]) {
			lua_pushnil(L);
			return 1;
		} else if (i < 23) {
			f++;
		}
	}
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t y = v[0], mo = v[1], d = v[2];
	int leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || v[3] > 23 || v[4] > 59 ||
	    v[5] > 60) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushinteger(L, ((rd__days_from_civil(y, mo, d) * 86400 + v[3] * 3600 + v[4] * 60 + v[5]) * 1000) + v[6]);
	return 1;
}

/** rd.now_ms() → wall-clock milliseconds since the epoch (trusted code only) */
static int l_now_ms(lua_State *L)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	lua_pushinteger(L, (lua_Integer)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	return 1;
}

#define HOOK_EVERY 1000

#ifndef REDRESS_WALL_SCALE
#define REDRESS_WALL_SCALE 1 /* the sanitizer build runs slower: see CMakeLists.txt */
#endif

static long long mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Checks the running call's budgets after n more steps; raises when one is
 * spent. The instruction count is deterministic; the wall clock is the
 * safety net for what counting cannot see (a loaded machine, a slow GC). */
static void charge(lua_State *L, rd_lua_ctx *ctx, long n)
{
	ctx->instr_left -= n;
	if (ctx->instr_left < 0) {
		ctx->instr_exhausted = 1;
		luaL_error(L, "instruction budget exhausted (the policy ran too long; a loop that never ends?)");
	}
	if (ctx->deadline_ns && mono_ns() > ctx->deadline_ns) {
		ctx->wall_tripped = 1;
		ctx->instr_left = -1; /* every later check fails at once too */
		luaL_error(L, "wall-clock limit exceeded (the policy ran too long)");
	}
}

void rd_budget_charge(lua_State *L, long n)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	if (ctx->in_sandbox)
		charge(L, ctx, n);
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	charge(L, rd_lua_context(L), HOOK_EVERY);
}

/* The registry key of the coverage table: chunkname → { [line] = true }. */
static const char coverage_key = 0;

/* Records the line about to run in the coverage table (test runs only). */
static void record_line(lua_State *L, lua_Debug *ar)
{
	if (!lua_getinfo(L, "S", ar) || ar->source[0] != '@')
		return;
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &coverage_key) != LUA_TTABLE) {
		lua_pop(L, 1);
		return;
	}
	if (lua_getfield(L, -1, ar->source) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, -3, ar->source);
	}
	lua_pushboolean(L, 1);
	lua_rawseti(L, -2, ar->currentline);
	lua_pop(L, 2);
}

static void sandbox_hook(lua_State *L, lua_Debug *ar)
{
	if (ar->event == LUA_HOOKLINE)
		record_line(L, ar);
	else
		budget_hook(L, ar);
}

/** rd.coverage(on) → with true: start recording the lines sandboxed code
 * runs; with false: stop, and return { [chunkname] = { [line] = true } }.
 * For `redress pack test`; costs a hook call per line, so never on in the
 * daemon. */
static int l_coverage(lua_State *L)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	if (lua_toboolean(L, 1)) {
		lua_newtable(L);
		lua_rawsetp(L, LUA_REGISTRYINDEX, &coverage_key);
		ctx->coverage = 1;
		return 0;
	}
	ctx->coverage = 0;
	lua_rawgetp(L, LUA_REGISTRYINDEX, &coverage_key);
	lua_pushnil(L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &coverage_key);
	return 1;
}

/* limits[name], name the closure's upvalue `up` (see luaopen_rd). */
static lua_Integer limit_field(lua_State *L, int t, int up, const char *name)
{
	lua_pushvalue(L, lua_upvalueindex(up));
	lua_gettable(L, t);
	int ok;
	lua_Integer v = lua_tointegerx(L, -1, &ok);
	if (!ok && !lua_isnil(L, -1))
		luaL_error(L, "rd.sandbox_call: limits.%s must be an integer", name);
	lua_pop(L, 1);
	return ok && v > 0 ? v : 0;
}

/** rd.sandbox_call(fn, limits, ...) →
 *  true, results… | false, message, kind ("error" | "instructions" | "memory" | "wall")
 * Runs fn(...) under limits { policy_instructions, policy_memory,
 * policy_wall_ms } (a missing or 0 limit: none). The hook and the budgeted
 * matcher abort the call; nothing re-enters the loop. Calls do not nest: an
 * inner call runs inside the outer one's budgets and restores them. */
static int l_sandbox_call(lua_State *L)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	luaL_checktype(L, 1, LUA_TFUNCTION);
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_Integer instr = limit_field(L, 2, 1, "policy_instructions");
	lua_Integer mem = limit_field(L, 2, 2, "policy_memory");
	lua_Integer wall = limit_field(L, 2, 3, "policy_wall_ms");
	lua_remove(L, 2); /* stack: fn, args… */
	int nargs = lua_gettop(L) - 1;

	rd_lua_ctx saved = *ctx;
	ctx->in_sandbox = 1;
	ctx->instr_left = instr > 0 ? instr : LLONG_MAX;
	ctx->instr_exhausted = ctx->mem_tripped = ctx->wall_tripped = 0;
	long long limit = mem > 0 ? ctx->mem_used + mem : 0;
	if (saved.mem_limit && (limit == 0 || limit > saved.mem_limit))
		limit = saved.mem_limit;
	ctx->mem_limit = limit;
	long long deadline = wall > 0 ? mono_ns() + (long long)wall * REDRESS_WALL_SCALE * (ctx->coverage ? 2 : 1) * 1000000LL : 0;
	if (saved.in_sandbox && saved.deadline_ns && (deadline == 0 || deadline > saved.deadline_ns))
		deadline = saved.deadline_ns;
	if (saved.in_sandbox && saved.instr_left < ctx->instr_left)
		ctx->instr_left = saved.instr_left;
	ctx->deadline_ns = deadline;
	/* The budget needs the hook; whatever hook was there (a debugger, the
	 * fuzzer's coverage) comes back afterwards. */
	lua_Hook old_hook = lua_gethook(L);
	int old_mask = lua_gethookmask(L), old_count = lua_gethookcount(L);
	int mask = LUA_MASKCOUNT | (ctx->coverage ? LUA_MASKLINE : 0);
	lua_sethook(L, sandbox_hook, mask, HOOK_EVERY);
	int rc = lua_pcall(L, nargs, LUA_MULTRET, 0);
	lua_sethook(L, old_hook, old_mask, old_count);

	const char *kind = ctx->wall_tripped ? "wall" : ctx->instr_exhausted ? "instructions" : ctx->mem_tripped ? "memory" : "error";
	long long spent = (instr > 0 ? instr : LLONG_MAX) - ctx->instr_left;
	ctx->in_sandbox = saved.in_sandbox;
	ctx->mem_limit = saved.mem_limit;
	ctx->deadline_ns = saved.deadline_ns;
	ctx->instr_left = saved.instr_left - (saved.in_sandbox && spent > 0 ? spent : 0);
	ctx->instr_exhausted = saved.instr_exhausted;
	ctx->mem_tripped = saved.mem_tripped;
	ctx->wall_tripped = saved.wall_tripped;

	if (rc == LUA_OK) {
		lua_pushboolean(L, 1);
		lua_insert(L, 1);
		return lua_gettop(L);
	}
	/* A failed call may leave up to its whole memory budget as garbage;
	 * collect it now, so the next call's cap starts from what is alive and
	 * the VM cannot grow by a budget per failure. */
	if (kind[0] == 'm')
		lua_gc(L, LUA_GCCOLLECT);
	if (rc == LUA_ERRMEM || kind[0] == 'm') {
		lua_pop(L, 1);
		lua_pushliteral(L, "memory limit exceeded (the policy allocated too much)");
	} else if (kind[0] == 'w') {
		lua_pop(L, 1);
		lua_pushfstring(L, "wall-clock limit of %d ms exceeded (the policy ran too long)", (int)wall);
	} else if (!lua_isstring(L, -1)) {
		const char *tn = luaL_typename(L, -1);
		lua_pop(L, 1);
		lua_pushfstring(L, "policy raised a %s value instead of a message", tn);
	}
	lua_pushboolean(L, 0);
	lua_insert(L, -2);
	lua_pushstring(L, kind);
	return 3;
}

/* How many keys and values copy_table keeps on the stack before it makes
 * the copy and goes on setting into it: big tables are not worth the stack. */
#define COPY_STACK_PAIRS 1024

/* Makes the copy of table i at index base + 1, sized for the n key/value
 * pairs above it and `more` entries besides, and sets those pairs into it;
 * leaves the stack as it was, with the copy inserted at base + 1. */
static void make_copy(lua_State *L, int i, int base, int n, int more)
{
	int narr = (int)lua_rawlen(L, i), size = n + more;
	lua_createtable(L, narr, size > narr ? size - narr : 0);
	lua_insert(L, base + 1);
	for (int k = 0; k < n; k++) {
		lua_pushvalue(L, base + 2 + 2 * k);
		lua_pushvalue(L, base + 3 + 2 * k);
		lua_rawset(L, base + 1);
	}
}

/* Copies the table at index i (a new table on top); tables nested deeper
 * than 200 (a cycle) raise. Metatables are not copied. The keys and
 * (copied) values of a small table go on the stack first, so the copy is
 * made at its final size, with no rehash as it fills. */
static void copy_table(lua_State *L, int i, int depth)
{
	if (depth > 200)
		luaL_error(L, "rd.copy: nested deeper than 200 (a cycle?)");
	luaL_checkstack(L, 8, "rd.copy"); /* for this level's nil, key, value and copies */
	int base = lua_gettop(L), n = 0, c = 0;
	lua_pushnil(L);
	while (lua_next(L, i)) {
		if (lua_type(L, -1) == LUA_TTABLE) {
			copy_table(L, lua_gettop(L), depth + 1);
			lua_replace(L, -2);
		}
		if (c) { /* the copy exists: set into it */
			lua_pushvalue(L, -2);
			lua_insert(L, -2);
			lua_rawset(L, c);
			continue;
		}
		if ((n & 15) == 0)
			luaL_checkstack(L, 40, "rd.copy");
		lua_pushvalue(L, -2); /* key, value, key: lua_next goes on from the copy */
		if (++n == COPY_STACK_PAIRS) { /* a big table: make the copy now */
			make_copy(L, i, base, n, n);
			c = base + 1;
			lua_replace(L, c + 1); /* the last key, to go on from */
			lua_settop(L, c + 1);
		}
	}
	if (!c)
		make_copy(L, i, base, n, 0);
	lua_settop(L, base + 1);
}

void rd__copy_table(lua_State *L, int i)
{
	copy_table(L, lua_absindex(L, i), 0);
}

/** rd.copy(v) → a deep copy of v (tables copied all the way down, without
 * metatables; other values as they are): the case a policy gets to read
 * and change. */
static int l_copy(lua_State *L)
{
	luaL_checkany(L, 1);
	if (lua_type(L, 1) != LUA_TTABLE) {
		lua_settop(L, 1);
		return 1;
	}
	copy_table(L, 1, 0);
	return 1;
}

/** rd.set_upvalues(list): list is { f1, i1, v1, f2, i2, v2, … }; sets
 * upvalue i of function f to v for each triple (the sandbox puts a pack's
 * upvalues back after every call: one C loop instead of a debug call each). */
static int l_set_upvalues(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
	for (lua_Integer k = 1; k + 2 <= n; k += 3) {
		lua_rawgeti(L, 1, k);
		if (lua_type(L, -1) != LUA_TFUNCTION)
			return luaL_error(L, "rd.set_upvalues: entry %d is not a function", (int)k);
		lua_rawgeti(L, 1, k + 1);
		int i = (int)lua_tointeger(L, -1);
		lua_pop(L, 1);
		lua_rawgeti(L, 1, k + 2);
		if (!lua_setupvalue(L, -2, i))
			lua_pop(L, 1);
		lua_pop(L, 1);
	}
	return 0;
}

/* Whether key k (at index k) is one of the keys of snapshot list s: { k1,
 * v1, k2, v2, … } (a rare path: only after a policy added a field). */
static int snapshot_has(lua_State *L, int s, int k, lua_Integer n)
{
	for (lua_Integer j = 1; j <= n; j += 2) {
		lua_rawgeti(L, s, j);
		int same = lua_rawequal(L, -1, k);
		lua_pop(L, 1);
		if (same)
			return 1;
	}
	return 0;
}

/** rd.restore_fields(list): list is { t1, s1, t2, s2, … }, each s a
 * snapshot { k1, v1, k2, v2, …, open = bool } of t's raw fields; puts every
 * t back to its snapshot (fields changed or removed since, and added ones
 * where s.open says t's metatable lets a plain assignment add a field),
 * with raw access.
 * The sandbox keeps what a pack can reach that it cannot freeze — its
 * environment, the stdlib objects it built — the same from one decision to
 * the next this way (sandbox.freeze). */
static int l_restore_fields(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
	luaL_checkstack(L, 8, "rd.restore_fields");
	for (lua_Integer i = 1; i + 1 <= n; i += 2) {
		int top = lua_gettop(L);
		if (lua_rawgeti(L, 1, i) != LUA_TTABLE || lua_rawgeti(L, 1, i + 1) != LUA_TTABLE)
			return luaL_error(L, "rd.restore_fields: entry %d is not a table and its snapshot", (int)i);
		int t = top + 1, s = top + 2;
		lua_Integer m = (lua_Integer)lua_rawlen(L, s);
		for (lua_Integer j = 1; j + 1 <= m; j += 2) {
			lua_rawgeti(L, s, j);     /* key */
			lua_rawgeti(L, s, j + 1); /* value */
			lua_pushvalue(L, -2);
			lua_rawget(L, t);
			if (!lua_rawequal(L, -1, -2)) {
				lua_pop(L, 1);
				lua_rawset(L, t);
			} else {
				lua_pop(L, 3);
			}
		}
		int open = rd_getfield(L, s, "open") == LUA_TBOOLEAN && lua_toboolean(L, -1);
		lua_pop(L, 1);
		if (!open) { /* no field can have been added */
			lua_settop(L, top);
			continue;
		}
		lua_Integer count = 0;
		lua_pushnil(L);
		while (lua_next(L, t)) {
			lua_pop(L, 1);
			count++;
		}
		if (count * 2 != m) { /* a field was added: clear what the snapshot lacks */
			lua_pushnil(L);
			while (lua_next(L, t)) {
				lua_pop(L, 1);
				if (!snapshot_has(L, s, lua_gettop(L), m)) {
					lua_pushvalue(L, -1);
					lua_pushnil(L);
					lua_rawset(L, t); /* clearing a field while traversing is allowed */
				}
			}
		}
		lua_settop(L, top);
	}
	return 0;
}

/** rd.unbudgeted(fn, ...) → fn(...)'s results: trusted engine code that a
 * sandboxed call reaches on its way (the case view's history, loaded when
 * the policy first reads it) runs outside that call's budgets — no count
 * hook, no charges, no memory cap — and the memory it leaves is added to
 * the call's cap, so the policy pays for neither: the same as when the
 * engine built it before the call (replay, redress.testing). Its work must
 * be bounded by the engine, never by the policy; an error is raised again. */
static int l_unbudgeted(lua_State *L)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	luaL_checktype(L, 1, LUA_TFUNCTION);
	int nargs = lua_gettop(L) - 1;
	int in_sandbox = ctx->in_sandbox;
	long long limit = ctx->mem_limit, used = ctx->mem_used;
	lua_Hook hook = lua_gethook(L);
	int mask = lua_gethookmask(L), count = lua_gethookcount(L);
	ctx->in_sandbox = 0;
	ctx->mem_limit = 0;
	lua_sethook(L, NULL, 0, 0);
	int rc = rd_lua_pcall(L, nargs, LUA_MULTRET, 0); /* trusted code: the one helper */
	lua_sethook(L, hook, mask, count);
	long long grew = ctx->mem_used - used;
	ctx->in_sandbox = in_sandbox;
	ctx->mem_limit = limit && grew > 0 ? limit + grew : limit;
	if (rc != LUA_OK)
		return lua_error(L);
	return lua_gettop(L);
}

/* rd.is_plain: how deep it looks before giving up (deeper nesting is a
 * cycle or a trick, not data), and what each entry it looks at costs the
 * running call's instruction budget — the engine code that then reads the
 * value runs without the count hook, so the policy pays for the size of
 * what it passed. */
#define PLAIN_MAX_DEPTH 32
#define PLAIN_ENTRY_COST 4
#define PLAIN_CHARGE_EVERY 256

struct plain {
	int trusted;  /* stack index of the set of trusted metatables; 0: none */
	long entries; /* looked at since the last charge */
};

/* Whether the value at index i is data: nil, a boolean, number or string,
 * or a table of them keyed by strings, numbers or booleans, whose
 * metatable (if any) is in the trusted set. Reads with lua_next and raw
 * access only, so no code of the value's owner runs; leaves the stack as
 * it was. */
static int plain_check(lua_State *L, int i, int depth, struct plain *pl)
{
	switch (lua_type(L, i)) {
	case LUA_TNIL:
	case LUA_TBOOLEAN:
	case LUA_TNUMBER:
	case LUA_TSTRING:
		return 1;
	case LUA_TTABLE:
		break;
	default:
		return 0;
	}
	if (depth >= PLAIN_MAX_DEPTH)
		return 0;
	luaL_checkstack(L, 4, "rd.is_plain");
	int base = lua_gettop(L), ok = 1;
	if (lua_getmetatable(L, i)) { /* raw: __metatable does not hide it */
		ok = pl->trusted && lua_rawget(L, pl->trusted) != LUA_TNIL;
		lua_settop(L, base);
		if (!ok)
			return 0;
	}
	lua_pushnil(L);
	while (ok && lua_next(L, i)) {
		int kt = lua_type(L, -2);
		ok = (kt == LUA_TSTRING || kt == LUA_TNUMBER || kt == LUA_TBOOLEAN) &&
		     plain_check(L, lua_gettop(L), depth + 1, pl);
		lua_pop(L, 1);
		if (++pl->entries >= PLAIN_CHARGE_EVERY) {
			rd_budget_charge(L, pl->entries * PLAIN_ENTRY_COST);
			pl->entries = 0;
		}
	}
	lua_settop(L, base);
	return ok;
}

/** rd.is_plain(v [, trusted]) → whether v is data: strings, numbers,
 * booleans and tables of them, looked at with raw reads only; false when
 * it holds anything else: a function, userdata, a table with a metatable
 * that is not a key of `trusted` (the stdlib's own, whose metamethods are
 * engine code), nesting past 32 (a cycle). Each entry looked at is charged
 * to the running sandbox call. */
static int l_is_plain(lua_State *L)
{
	lua_settop(L, 2);
	struct plain pl = { .trusted = lua_istable(L, 2) ? 2 : 0, .entries = 0 };
	int ok = plain_check(L, 1, 0, &pl);
	if (pl.entries)
		rd_budget_charge(L, pl.entries * PLAIN_ENTRY_COST);
	lua_pushboolean(L, ok);
	return 1;
}

/* An act method (act.lua): upvalues 1 the implementation, 2 its name, 3 the
 * collectors' states (act object → state), 4 the trusted metatables, 5 the
 * most act calls one decision may make, 6 the name "calls" (the state's
 * count). Called as act:name(a, b): finds the
 * decision's state, counts the call, and runs impl(state, a, b) — outside
 * the count hook when a and b are plain data (see rd.is_plain, and act.lua
 * for why that is safe), under it otherwise. An error is raised again at
 * the policy's line. In C, because the methods are called a dozen times a
 * decision and the same steps in Lua, run under the hook, cost more than
 * most of the methods themselves. */
static int act_method_call(lua_State *L)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	lua_settop(L, 3); /* self, a, b: no method takes more */
	const char *name = lua_tostring(L, lua_upvalueindex(2));
	lua_pushvalue(L, 1);
	if (lua_rawget(L, lua_upvalueindex(3)) != LUA_TTABLE)
		return luaL_error(L, "%s: call it as act:%s(…)", name, name);
	int st = lua_gettop(L);
	lua_pushvalue(L, lua_upvalueindex(6)); /* "calls" */
	lua_rawget(L, st);
	lua_Integer calls = lua_tointeger(L, -1) + 1;
	lua_pop(L, 1);
	lua_pushvalue(L, lua_upvalueindex(6));
	lua_pushinteger(L, calls);
	lua_rawset(L, st);
	if (calls > lua_tointeger(L, lua_upvalueindex(5)))
		return luaL_error(L, "too many actions in one decision (at most %d)", (int)lua_tointeger(L, lua_upvalueindex(5)));
	lua_Hook hook = lua_gethook(L);
	int unhook = 0;
	if (ctx->in_sandbox && hook == sandbox_hook) {
		struct plain pl = { .trusted = lua_upvalueindex(4), .entries = 0 };
		unhook = plain_check(L, 2, 0, &pl) && plain_check(L, 3, 0, &pl);
		if (pl.entries)
			charge(L, ctx, pl.entries * PLAIN_ENTRY_COST);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushvalue(L, st);
	lua_pushvalue(L, 2);
	lua_pushvalue(L, 3);
	int rc;
	if (unhook) {
		int mask = lua_gethookmask(L), count = lua_gethookcount(L);
		lua_sethook(L, NULL, 0, 0);
		rc = rd_lua_pcall(L, 3, 1, 0); /* engine code: the one helper */
		lua_sethook(L, hook, mask, count);
		/* Setting the hook again starts its count afresh: the instructions
		 * the policy ran since the hook last fired (fewer than HOOK_EVERY)
		 * would never be charged. Each call is charged HOOK_EVERY instead,
		 * which also looks at the wall clock. Everything else of the call's
		 * budgets held meanwhile: the memory cap, and the charges of the
		 * bindings (patterns, ICU) the method called. A call that failed is
		 * charged too, before its error is raised again. */
		charge(L, ctx, HOOK_EVERY);
	} else {
		rc = rd_lua_pcall(L, 3, 1, 0);
	}
	if (rc != LUA_OK) {
		lua_settop(L, st + 1); /* the error value */
		if (lua_type(L, -1) == LUA_TSTRING) { /* at the policy's line */
			luaL_where(L, 1);
			lua_insert(L, -2);
			lua_concat(L, 2);
		}
		return lua_error(L);
	}
	return 1;
}

/** rd.act_method(impl, name, states, trusted, max_calls) → the method
 * act:name(a, b) of act.lua's collectors (see act_method_call). */
static int l_act_method(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	luaL_checkstring(L, 2);
	luaL_checktype(L, 3, LUA_TTABLE);
	luaL_checktype(L, 4, LUA_TTABLE);
	luaL_checkinteger(L, 5);
	lua_settop(L, 5);
	lua_pushliteral(L, "calls"); /* the state's count of act calls, by an interned name */
	lua_pushcclosure(L, act_method_call, 6);
	return 1;
}

/** rd.charge(n): charges n instructions to the running sandbox call (none
 * outside one). For engine and stdlib code whose work grows with data (a
 * calendar walked day by day, a long template) and may run without the
 * count hook inside an act method: it pays by size, as the hook would. */
static int l_charge(lua_State *L)
{
	lua_Integer n = luaL_checkinteger(L, 1);
	if (n > 0)
		rd_budget_charge(L, (long)(n > LONG_MAX / 2 ? LONG_MAX / 2 : n));
	return 0;
}

/** rd.tripped() → true while a sandbox call has spent its budget */
static int l_tripped(lua_State *L)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	lua_pushboolean(L, ctx->instr_exhausted || ctx->mem_tripped || ctx->wall_tripped);
	return 1;
}

int luaopen_rd(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "sha256", l_sha256 },
		{ "now_ms", l_now_ms },
		{ "utc_text", l_utc_text },
		{ "utc_ms", l_utc_ms },
		{ "sandbox_call", NULL }, /* a closure over its limits' names, below */
		{ "tripped", l_tripped },
		{ "set_upvalues", l_set_upvalues },
		{ "restore_fields", l_restore_fields },
		{ "unbudgeted", l_unbudgeted },
		{ "is_plain", l_is_plain },
		{ "act_method", l_act_method },
		{ "charge", l_charge },
		{ "copy", l_copy },
		{ "coverage", l_coverage },
		{ NULL, NULL },
	};
	rd_lua_adopt(L);
	rd_typenames_install(L);
	rd_patterns_install(L);
	rd_charged_install(L);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_rd_icu);
	lua_setfield(L, -2, "rd.icu");
	lua_pushcfunction(L, luaopen_rd_json);
	lua_setfield(L, -2, "rd.json");
	lua_pop(L, 1);
	luaL_newlib(L, fns);
	lua_pushliteral(L, "policy_instructions");
	lua_pushliteral(L, "policy_memory");
	lua_pushliteral(L, "policy_wall_ms");
	lua_pushcclosure(L, l_sandbox_call, 3);
	lua_setfield(L, -2, "sandbox_call");
	rd_breaker_register(L);
	rd_complaint_register(L);
	rd_render_register(L);
	rd__memo_register(L);
	rd__upvalues_open(L);
	rd__view_register(L);
	return 1;
}
