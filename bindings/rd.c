/* rd.c — the `rd` module: the trusted runtime Lua's access to the store,
 * hashing, the wall clock and the sandboxed call. Policies never see it. */
#include "bindings.h"
#include "../runtime/metrics.h"

#include <lauxlib.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <time.h>

static const char *const db_opts[] = { "meta", "cases", "events", "decisions", "outbox",
				       "customers", "idempotency", "packs", "timers", "timer_index", NULL };

static rd_txn *current_txn(lua_State *L, rd_lua_ctx *ctx)
{
	if (ctx->store == NULL)
		luaL_error(L, "store: this Lua state has no store");
	if (ctx->txn == NULL && ctx->txn_lazy_read) {
		int rc = rd_store_read_begin(ctx->store, &ctx->txn);
		if (rc)
			luaL_error(L, "store: %s", rd_store_strerror(rc));
	}
	if (ctx->txn == NULL)
		luaL_error(L, "store: no transaction is open here");
	return ctx->txn;
}

static int store_fail(lua_State *L, rd_lua_ctx *ctx, int rc, const char *op)
{
	if (rc == RD_EMAPFULL)
		ctx->map_full = 1;
	return luaL_error(L, "store %s: %s", op, rd_store_strerror(rc));
}

static void add_to_writes(lua_State *L, rd_lua_ctx *ctx, int op, int db, const char *k, size_t klen, const void *v,
			  size_t vlen)
{
	int rc = rd_writes_add(ctx->ws, op, db, k, klen, v, vlen);
	if (rc)
		luaL_error(L, "store: %s", rd_store_strerror(rc));
}

/** rd.get(db, key [, nocheck]) → value string or nil. With a write set
 * (a decision worker), what the set wrote wins, and the value read from the
 * snapshot is recorded as a check unless nocheck (a read whose change later
 * must not undo the decision, e.g. other cases for a summary). */
static int l_get(lua_State *L)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	rd_txn *txn = current_txn(L, ctx);
	int db = luaL_checkoption(L, 1, NULL, db_opts);
	size_t klen, vlen;
	const char *k = luaL_checklstring(L, 2, &klen);
	const void *v;
	if (ctx->ws) {
		int f = rd_writes_find(ctx->ws, db, k, klen, &v, &vlen);
		if (f) {
			if (f == 1)
				lua_pushlstring(L, v, vlen);
			else
				lua_pushnil(L);
			return 1;
		}
	}
	int rc = rd_store_get(ctx->store, txn, db, k, klen, &v, &vlen);
	if (rc && rc != RD_ENOTFOUND)
		return store_fail(L, ctx, rc, "get");
	if (ctx->ws && !lua_toboolean(L, 3) && !rd_writes_checks(ctx->ws, db, k, klen)) {
		if (rc == RD_ENOTFOUND)
			add_to_writes(L, ctx, RD_OP_CHECK_ABSENT, db, k, klen, NULL, 0);
		else
			add_to_writes(L, ctx, RD_OP_CHECK, db, k, klen, v, vlen);
	}
	if (rc == RD_ENOTFOUND)
		lua_pushnil(L);
	else
		lua_pushlstring(L, v, vlen);
	return 1;
}

/** rd.put(db, key, value) */
static int l_put(lua_State *L)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	rd_txn *txn = ctx->ws ? NULL : current_txn(L, ctx);
	int db = luaL_checkoption(L, 1, NULL, db_opts);
	size_t klen, vlen;
	const char *k = luaL_checklstring(L, 2, &klen);
	const char *v = luaL_checklstring(L, 3, &vlen);
	if (ctx->ws) {
		add_to_writes(L, ctx, RD_OP_PUT, db, k, klen, v, vlen);
		return 0;
	}
	int rc = rd_store_put(ctx->store, txn, db, k, klen, v, vlen);
	if (rc)
		return store_fail(L, ctx, rc, "put");
	return 0;
}

/** rd.del(db, key) → true when the key existed */
static int l_del(lua_State *L)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	rd_txn *txn = current_txn(L, ctx);
	int db = luaL_checkoption(L, 1, NULL, db_opts);
	size_t klen;
	const char *k = luaL_checklstring(L, 2, &klen);
	if (ctx->ws) {
		const void *v;
		size_t vlen;
		int f = rd_writes_find(ctx->ws, db, k, klen, &v, &vlen);
		int existed = f == 1;
		if (!f) {
			int rc = rd_store_get(ctx->store, txn, db, k, klen, &v, &vlen);
			if (rc && rc != RD_ENOTFOUND)
				return store_fail(L, ctx, rc, "del");
			existed = rc == RD_OK;
		}
		add_to_writes(L, ctx, RD_OP_DEL, db, k, klen, NULL, 0);
		lua_pushboolean(L, existed);
		return 1;
	}
	int rc = rd_store_del(ctx->store, txn, db, k, klen);
	if (rc && rc != RD_ENOTFOUND)
		return store_fail(L, ctx, rc, "del");
	lua_pushboolean(L, rc == RD_OK);
	return 1;
}

/** rd.outbox_append(tail): a decision worker's outbox row; the writer
 * numbers it (see rd_writes in store.h). tail: the row's JSON without its
 * opening brace. */
static int l_outbox_append(lua_State *L)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	size_t len;
	const char *tail = luaL_checklstring(L, 1, &len);
	if (!ctx->ws)
		return luaL_error(L, "rd.outbox_append: only a decision worker writes the outbox");
	add_to_writes(L, ctx, RD_OP_OUTBOX, RD_DB_OUTBOX, "", 0, tail, len);
	return 0;
}

struct rows {
	lua_State *L;
	lua_Integer limit, n;
};

/* Appends one row to the keys and values tables at the top of the stack. */
static int push_row(void *ud, const void *k, size_t klen, const void *v, size_t vlen)
{
	struct rows *r = ud;
	if (r->n >= r->limit)
		return 1;
	r->n++;
	lua_pushlstring(r->L, k, klen);
	lua_rawseti(r->L, -3, r->n);
	lua_pushlstring(r->L, v, vlen);
	lua_rawseti(r->L, -2, r->n);
	return r->n >= r->limit;
}

static int range(lua_State *L, int reverse)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	rd_txn *txn = current_txn(L, ctx);
	int db = luaL_checkoption(L, 1, NULL, db_opts);
	size_t alen = 0, blen = 0;
	const char *a = luaL_optlstring(L, 2, NULL, &alen);
	const char *b = luaL_optlstring(L, 3, NULL, &blen);
	struct rows r = { L, luaL_optinteger(L, 4, 1000), 0 };
	lua_createtable(L, (int)(r.limit < 64 ? r.limit : 64), 0);
	lua_createtable(L, (int)(r.limit < 64 ? r.limit : 64), 0);
	int rc = r.limit <= 0 ? RD_OK
			      : reverse ? rd_store_range(ctx->store, txn, db, b, blen, a, alen, 1, push_row, &r)
					: rd_store_range(ctx->store, txn, db, a, alen, b, blen, 0, push_row, &r);
	if (rc)
		return store_fail(L, ctx, rc, reverse ? "range_rev" : "range");
	return 2;
}

/** rd.range(db, from, to, limit) → keys, values: rows with from <= key < to
 * in key order (from or to nil: unbounded), at most limit rows. */
static int l_range(lua_State *L)
{
	return range(L, 0);
}

/** rd.range_rev(db, below, from, limit) → keys, values: rows with
 * from <= key < below in descending key order (below nil: from the last;
 * from nil: to the first), at most limit rows. */
static int l_range_rev(lua_State *L)
{
	return range(L, 1);
}

/** rd.sha256(s) → lowercase hex digest */
static int l_sha256(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL))
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

static lua_Integer limit_field(lua_State *L, int t, const char *name)
{
	lua_getfield(L, t, name);
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
	lua_Integer instr = limit_field(L, 2, "policy_instructions");
	lua_Integer mem = limit_field(L, 2, "policy_memory");
	lua_Integer wall = limit_field(L, 2, "policy_wall_ms");
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

/** rd.metrics() → the Prometheus text of the process's metrics */
static int l_metrics(lua_State *L)
{
	size_t len = 0;
	char *text = rd_metrics_render(&len);
	if (!text)
		return luaL_error(L, "out of memory");
	lua_pushlstring(L, text, len);
	free(text);
	return 1;
}

/** rd.open_readonly(dir) → true | nil, message: gives this state (the CLI's)
 * a read-only store; store calls then read in one lazily opened read
 * transaction, a consistent snapshot for the whole command. */
static int l_open_readonly(lua_State *L)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	const char *dir = luaL_checkstring(L, 1);
	if (ctx->store)
		return luaL_error(L, "rd.open_readonly: this state already has a store");
	rd_store *s = lua_newuserdatauv(L, sizeof *s, 0);
	char err[1024];
	if (rd_store_open_readonly(s, dir, err, sizeof err) != RD_OK) {
		lua_pushnil(L);
		lua_pushstring(L, err);
		return 2;
	}
	/* the userdata lives as long as the state: anchor it in the registry */
	lua_setfield(L, LUA_REGISTRYINDEX, "rd.readonly_store");
	ctx->store = s;
	ctx->txn_lazy_read = 1;
	ctx->owns_store = 1;
	lua_pushboolean(L, 1);
	return 1;
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
		{ "get", l_get },
		{ "put", l_put },
		{ "del", l_del },
		{ "range", l_range },
		{ "range_rev", l_range_rev },
		{ "sha256", l_sha256 },
		{ "now_ms", l_now_ms },
		{ "sandbox_call", l_sandbox_call },
		{ "tripped", l_tripped },
		{ "coverage", l_coverage },
		{ "metrics", l_metrics },
		{ "open_readonly", l_open_readonly },
		{ "outbox_append", l_outbox_append },
		{ NULL, NULL },
	};
	rd_lua_adopt(L);
	rd_patterns_install(L);
	rd_charged_install(L);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_rd_icu);
	lua_setfield(L, -2, "rd.icu");
	lua_pushcfunction(L, luaopen_rd_json);
	lua_setfield(L, -2, "rd.json");
	lua_pop(L, 1);
	luaL_newlib(L, fns);
	rd_breaker_register(L);
	return 1;
}
