/* memo.c — `rd.memo`: a bounded memo for a pure function of one key, that
 * costs a policy the same whether it knows the answer or not.
 *
 * The stdlib keeps the answers of a few functions that policies call with
 * the same few keys ("2 business days", a language tag): a duration parsed
 * once, not on every decision. In Lua, a memo's miss ran the function under
 * the policy's count hook and its hit did not, so the instructions a call
 * counted depended on the calls its worker had run before: a policy near
 * its budget could pass on one worker and stop on another, and a replay
 * could differ from the decision it replays. Here a hit and a miss are the
 * same one C call to the count: the miss runs the function on a thread of
 * its own without the hook (the caller's count goes on where it was), with
 * no charges and no memory cap (what it leaves is added to the cap), so it
 * counts nothing. What runs there must not be the policy's, nor depend on
 * its tables: a key is kept only when it is a string (of at most
 * MEMO_KEY_MAX bytes), a number or a boolean — anything else (a table may
 * carry a policy's metamethods) runs under the count as any call would —
 * and the functions are the stdlib's own, of their key alone. A string key
 * is charged by its length on every call, kept or not (the work a miss does
 * is linear in it), so the budget still bounds a stream of new keys. The
 * answers table is dropped whole when it holds max keys, so a stream of new
 * keys costs memory only up to that bound.
 */
#include "bindings.h"

#include <lauxlib.h>

#define MEMO_KEY_MAX 256 /* bytes of a string key that is kept */
#define MEMO_BYTE_COST 32 /* charged per byte of a string key, kept or not */

/* upvalues of a memo: 1 the function, 2 the answers, 3 how many, 4 max */
enum { UP_FN = 1, UP_KEPT = 2, UP_N = 3, UP_MAX = 4 };

/* fill(fn, key, kept, n, max) → answer, kept, n: fn(key) kept (a nil answer
 * is not), in a new table once kept holds max. Runs outside the budgets. */
static int fill(lua_State *L)
{
	lua_settop(L, 5);
	lua_Integer n = lua_tointeger(L, 4);
	if (n >= lua_tointeger(L, 5)) {
		lua_newtable(L);
		lua_replace(L, 3);
		n = 0;
	}
	lua_pushvalue(L, 1);
	lua_pushvalue(L, 2);
	lua_call(L, 1, 1); /* 6: the answer */
	if (!lua_isnil(L, 6)) {
		lua_pushvalue(L, 2);
		lua_pushvalue(L, 6);
		lua_rawset(L, 3);
		n++;
	}
	lua_pushvalue(L, 6);
	lua_pushvalue(L, 3);
	lua_pushinteger(L, n);
	return 3;
}

/* Whether the value at i can be a kept key: a string of at most
 * MEMO_KEY_MAX bytes, a number but NaN, a boolean. */
static int keepable(lua_State *L, int i)
{
	switch (lua_type(L, i)) {
	case LUA_TNUMBER: {
		lua_Number x = lua_tonumber(L, i);
		return x == x;
	}
	case LUA_TSTRING:
		return lua_rawlen(L, i) <= MEMO_KEY_MAX;
	case LUA_TBOOLEAN:
		return 1;
	default:
		return 0;
	}
}

/* Runs fill(fn, key, kept, n, max) outside the count: on a thread without
 * the hook (a hook is per thread: the caller's count is not touched), with
 * no charges and no memory cap; leaves its three results, or raises its
 * error. */
static void fill_uncounted(lua_State *L)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	lua_State *T = lua_newthread(L); /* under the cap (it may raise); on L's stack until the end */
	lua_sethook(T, NULL, 0, 0);
	int in_sandbox = ctx->in_sandbox;
	long long limit = ctx->mem_limit, used = ctx->mem_used;
	ctx->in_sandbox = 0;
	ctx->mem_limit = 0;
	lua_pushcfunction(T, fill);
	lua_pushvalue(L, lua_upvalueindex(UP_FN));
	lua_pushvalue(L, 1);
	lua_pushvalue(L, lua_upvalueindex(UP_KEPT));
	lua_pushvalue(L, lua_upvalueindex(UP_N));
	lua_pushvalue(L, lua_upvalueindex(UP_MAX));
	lua_xmove(L, T, 5);
	int rc = rd_lua_pcall(T, 5, 3, 0); /* trusted code: the one helper */
	long long grew = ctx->mem_used - used;
	ctx->in_sandbox = in_sandbox;
	ctx->mem_limit = limit && grew > 0 ? limit + grew : limit;
	lua_xmove(T, L, rc == LUA_OK ? 3 : 1);
	if (rc != LUA_OK)
		lua_error(L);
	lua_remove(L, -4); /* the thread */
}

static int memo_call(lua_State *L)
{
	lua_settop(L, 1);
	if (lua_type(L, 1) == LUA_TSTRING)
		rd_budget_charge(L, (long)lua_rawlen(L, 1) * MEMO_BYTE_COST);
	if (!keepable(L, 1)) { /* run as any call, under the count */
		lua_pushvalue(L, lua_upvalueindex(UP_FN));
		lua_insert(L, 1);
		lua_call(L, 1, 1);
		return 1;
	}
	lua_pushvalue(L, 1);
	if (lua_rawget(L, lua_upvalueindex(UP_KEPT)) != LUA_TNIL)
		return 1;
	lua_pop(L, 1);
	fill_uncounted(L); /* answer, kept, n */
	lua_replace(L, lua_upvalueindex(UP_N));
	lua_replace(L, lua_upvalueindex(UP_KEPT));
	return 1;
}

/** rd.memo(fn [, max = 256]) → a function of one key answering fn(key),
 * kept (a nil answer is not). fn must be the stdlib's or the engine's, pure,
 * its work linear in its key; a key that is not a string of at most 256
 * bytes, a number or a boolean is not kept (fn runs under the count). Under
 * a sandbox call a kept answer and a new one count the same, and a string
 * key is charged 32 a byte. */
static int l_memo(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	lua_Integer max = luaL_optinteger(L, 2, 256);
	luaL_argcheck(L, max >= 1, 2, "must be at least 1");
	lua_settop(L, 1);
	lua_newtable(L);
	lua_pushinteger(L, 0);
	lua_pushinteger(L, max);
	lua_pushcclosure(L, memo_call, 4);
	return 1;
}

void rd__memo_register(lua_State *L)
{
	lua_pushcfunction(L, l_memo);
	lua_setfield(L, -2, "memo");
}
