/* charged.c — the string, utf8 and table functions whose work grows with
 * their arguments, charged to the running sandbox call.
 *
 * The count hook sees VM instructions; `table.move(t, 1, 1e15, 2)` or
 * `table.insert(t, 1, x)` on a long list is one instruction that loops in C.
 * Each wrapper charges the work the call is about to do (elements moved or
 * compared; bytes read, in units of 4, or written, in units of 16) before calling
 * the library's own function, so such a call costs budget in proportion,
 * deterministically, and a budget too small for it stops it before it
 * starts. Outside sandbox calls the charge is a no-op.
 */
#include "bindings.h"

#include <lauxlib.h>
#include <math.h>

/* Calls the original function (upvalue 1) on the same stack. */
static int call_original(lua_State *L)
{
	lua_CFunction f = lua_tocfunction(L, lua_upvalueindex(1));
	return f(L);
}

/* Trusted code outside sandbox calls pays nothing (and never runs a __len
 * twice). */
#define ONLY_IN_SANDBOX(L)                              \
	do {                                            \
		if (!rd_lua_context(L)->in_sandbox)     \
			return call_original(L);        \
	} while (0)

static long string_args(lua_State *L)
{
	long n = 1;
	for (int i = 1, top = lua_gettop(L); i <= top; i++)
		if (lua_type(L, i) == LUA_TSTRING)
			n += (long)(lua_rawlen(L, i) / 4);
	return n;
}

/* Any string or utf8 function: one unit plus the bytes of its arguments. */
static int by_bytes(lua_State *L)
{
	ONLY_IN_SANDBOX(L);
	rd_budget_charge(L, string_args(L));
	return call_original(L);
}

static long clamp(lua_Number n)
{
	return n > 1e15 ? (long)1e15 : n < 0 ? 0 : (long)n;
}

/* string.rep(s, n, sep): the bytes it writes. */
static int rep(lua_State *L)
{
	ONLY_IN_SANDBOX(L);
	size_t l = 0, ls = 0;
	if (lua_type(L, 1) == LUA_TSTRING)
		l = lua_rawlen(L, 1);
	if (lua_type(L, 3) == LUA_TSTRING)
		ls = lua_rawlen(L, 3);
	lua_Number n = lua_type(L, 2) == LUA_TNUMBER ? lua_tonumber(L, 2) : 0;
	rd_budget_charge(L, 1 + clamp(n * (lua_Number)(l + ls) / 16));
	return call_original(L);
}

static lua_Number len_of(lua_State *L, int i)
{
	return lua_type(L, i) == LUA_TTABLE ? (lua_Number)luaL_len(L, i) : 0;
}

static lua_Number opt_num(lua_State *L, int i, lua_Number d)
{
	return lua_type(L, i) == LUA_TNUMBER ? lua_tonumber(L, i) : d;
}

/* table.move(a1, f, e, t [, a2]): e - f + 1 elements. */
static int tmove(lua_State *L)
{
	ONLY_IN_SANDBOX(L);
	lua_Number f = opt_num(L, 2, 1), e = opt_num(L, 3, 0);
	rd_budget_charge(L, 1 + clamp(e - f + 1));
	return call_original(L);
}

/* table.concat(t, sep, i, j) and table.unpack(t, i, j): j - i + 1 elements. */
static int trange(lua_State *L)
{
	ONLY_IN_SANDBOX(L);
	int first = lua_tocfunction(L, lua_upvalueindex(2)) ? 3 : 2; /* concat has sep first */
	lua_Number i = opt_num(L, first, 1);
	lua_Number j = lua_type(L, first + 1) == LUA_TNUMBER ? lua_tonumber(L, first + 1) : len_of(L, 1);
	rd_budget_charge(L, 1 + clamp(j - i + 1));
	return call_original(L);
}

/* table.insert / table.remove: the elements they shift. */
static int tshift(lua_State *L)
{
	ONLY_IN_SANDBOX(L);
	rd_budget_charge(L, 1 + clamp(len_of(L, 1)));
	return call_original(L);
}

/* table.sort: n log n comparisons. */
static int tsort(lua_State *L)
{
	ONLY_IN_SANDBOX(L);
	lua_Number n = len_of(L, 1);
	rd_budget_charge(L, 1 + clamp(n > 1 ? n * ceil(log2(n)) : 0));
	return call_original(L);
}

static void wrap(lua_State *L, const char *lib, const char *name, lua_CFunction w, int marker)
{
	int top = lua_gettop(L);
	if (lua_getglobal(L, lib) != LUA_TTABLE || lua_getfield(L, -1, name) != LUA_TFUNCTION || !lua_iscfunction(L, -1)
	    || lua_getupvalue(L, -1, 1) != NULL) { /* missing, or wrapped already (installed twice) */
		lua_settop(L, top);
		return;
	}
	if (marker)
		lua_pushcfunction(L, call_original); /* any C function: "sep comes first" */
	lua_pushcclosure(L, w, marker ? 2 : 1);
	lua_setfield(L, -2, name);
	lua_settop(L, top);
}

void rd_charged_install(lua_State *L)
{
	static const char *const bytes[] = { "byte", "char", "format", "len", "lower", "upper", "reverse", "sub",
					     "pack", "unpack", "packsize", NULL };
	static const char *const utf[] = { "char", "codepoint", "len", "offset", NULL };
	for (int i = 0; bytes[i]; i++)
		wrap(L, "string", bytes[i], by_bytes, 0);
	for (int i = 0; utf[i]; i++)
		wrap(L, "utf8", utf[i], by_bytes, 0);
	wrap(L, "string", "rep", rep, 0);
	wrap(L, "table", "move", tmove, 0);
	wrap(L, "table", "concat", trange, 1);
	wrap(L, "table", "unpack", trange, 0);
	wrap(L, "table", "insert", tshift, 0);
	wrap(L, "table", "remove", tshift, 0);
	wrap(L, "table", "sort", tsort, 0);
}
