/* view.c — `rd.view`: the case a policy reads, copied as it is read.
 *
 * A policy gets a copy of the case: what it changes there stays in its
 * view and never reaches the stored case (an action is its only way to
 * change the case). A copy of the whole case before every call made a
 * dozen tables a decision — the case's lists and maps: offers, promises,
 * approvals, timers… — most of which no handler reads. The view copies
 * a field when it is first read instead:
 *
 *   - a table field is deep-copied then and kept in the view, so every
 *     read gives the same table and the policy's changes to it stay;
 *   - any other value is read from the case as it is (the case does not
 *     change during the call: actions are applied after it);
 *   - a key the policy sets or deletes is its own from then on: the case's
 *     value is no longer looked at;
 *   - pairs(view), and the sandbox's next, rawget and rawset on it, copy
 *     everything first, so nothing tells the view from a whole copy.
 *
 * Each view has its own protected metatable, which holds the case, the set
 * of own keys and an optional `fill` (a function the engine gives for
 * fields it loads on first use: the history; it is called whenever one of
 * its keys is missing, and keeps what it loaded). getmetatable(view) gives
 * "the case view"; setmetatable on it fails. The copies are the engine's
 * work, as the whole copy was before the call: they are not charged to the
 * policy's memory cap (the call's cap moves up by what they take). Walking
 * the case again (pairs, the raw functions) is charged like any scan.
 */
#include "bindings.h"

#include <lauxlib.h>

/* the metatable's own slots: the case, the own keys, fill, whether the
 * view was copied whole, and from MT_KEYS on the keys fill provides */
enum { MT_SRC = 1, MT_OWN = 2, MT_FILL = 3, MT_WHOLE = 4, MT_KEYS = 5 };

#define VIEW_NAME "the case view"
#define ENTRY_COST 4 /* per field looked at, as rd.is_plain charges */

static int copy_call(lua_State *L)
{
	rd__copy_table(L, 1);
	return 1;
}

/* Copies the table at index i (a deep copy on top) outside the running
 * call's memory cap, which grows by what the copy took. The copy runs
 * protected, so the cap is back whatever happens to it. */
static void copy_uncapped(lua_State *L, int i)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	long long limit = ctx->mem_limit, used = ctx->mem_used;
	ctx->mem_limit = 0;
	lua_pushcfunction(L, copy_call);
	lua_pushvalue(L, i);
	int rc = rd_lua_pcall(L, 1, 1, RD_PCALL_PLAIN); /* the engine's copy: the one helper */
	long long grew = ctx->mem_used - used;
	ctx->mem_limit = limit && grew > 0 ? limit + grew : limit;
	if (rc != LUA_OK)
		lua_error(L);
}

/* Marks key k (at index k) own in the view whose metatable is at mt. */
static void mark_own(lua_State *L, int mt, int k)
{
	lua_rawgeti(L, mt, MT_OWN);
	lua_pushvalue(L, k);
	lua_pushboolean(L, 1);
	lua_rawset(L, -3);
	lua_pop(L, 1);
}

/* Runs the engine's fill(view): a field it provides is wanted. */
static void run_fill(lua_State *L, int view, int mt)
{
	if (lua_rawgeti(L, mt, MT_FILL) != LUA_TFUNCTION) {
		lua_pop(L, 1);
		return;
	}
	lua_pushvalue(L, view);
	lua_call(L, 1, 0);
}

/* Whether key k (at index k) is one fill provides. */
static int fills(lua_State *L, int mt, int k)
{
	if (lua_rawgeti(L, mt, MT_FILL) != LUA_TFUNCTION) {
		lua_pop(L, 1);
		return 0;
	}
	lua_pop(L, 1);
	for (int i = MT_KEYS;; i++) {
		int t = lua_rawgeti(L, mt, i);
		int same = t != LUA_TNIL && lua_rawequal(L, -1, k);
		lua_pop(L, 1);
		if (t == LUA_TNIL || same)
			return same;
	}
}

/* __index(view, k): a key the view does not hold (yet). */
static int view_index(lua_State *L)
{
	lua_settop(L, 2);
	lua_getmetatable(L, 1); /* 3 */
	lua_rawgeti(L, 3, MT_OWN); /* 4 */
	lua_pushvalue(L, 2);
	if (lua_rawget(L, 4) != LUA_TNIL) { /* set or deleted by the policy */
		lua_pushnil(L);
		return 1;
	}
	lua_rawgeti(L, 3, MT_SRC); /* 6 */
	lua_pushvalue(L, 2);
	int type = lua_rawget(L, 6); /* 7 */
	if (type == LUA_TTABLE) {
		copy_uncapped(L, 7); /* 8 */
		lua_pushvalue(L, 2);
		lua_pushvalue(L, 8);
		lua_rawset(L, 1);
		mark_own(L, 3, 2);
		return 1;
	}
	if (type == LUA_TNIL && fills(L, 3, 2)) {
		lua_settop(L, 3);
		run_fill(L, 1, 3);
		lua_pushvalue(L, 2);
		lua_rawget(L, 1);
	}
	return 1;
}

/* __newindex(view, k, v): the key is the policy's from now on. */
static int view_newindex(lua_State *L)
{
	lua_settop(L, 3);
	lua_pushvalue(L, 2);
	lua_pushvalue(L, 3);
	lua_rawset(L, 1);
	lua_getmetatable(L, 1);
	mark_own(L, 4, 2);
	return 0;
}

/* Copies into the view (at index view) every field of the case it does
 * not hold or own yet, and what fill provides. */
static void materialize(lua_State *L, int view)
{
	luaL_checkstack(L, 8, "rd.view");
	int top = lua_gettop(L);
	lua_getmetatable(L, view); /* top+1: mt */
	if (lua_rawgeti(L, top + 1, MT_WHOLE) != LUA_TNIL) {
		lua_settop(L, top);
		return;
	}
	lua_pop(L, 1);
	lua_rawgeti(L, top + 1, MT_OWN); /* top+2 */
	lua_rawgeti(L, top + 1, MT_SRC); /* top+3 */
	long looked = 0;
	lua_pushnil(L);
	while (lua_next(L, top + 3)) { /* key top+4, value top+5 */
		looked++;
		lua_pushvalue(L, top + 4);
		int own = lua_rawget(L, top + 2) != LUA_TNIL;
		lua_pop(L, 1);
		if (!own) {
			if (lua_type(L, top + 5) == LUA_TTABLE) {
				copy_uncapped(L, top + 5);
				lua_replace(L, top + 5);
			}
			lua_pushvalue(L, top + 4);
			lua_insert(L, top + 5);
			lua_rawset(L, view); /* key top+4 stays for lua_next */
			mark_own(L, top + 1, top + 4);
		} else {
			lua_pop(L, 1);
		}
	}
	rd_budget_charge(L, looked * ENTRY_COST);
	run_fill(L, view, top + 1);
	lua_pushboolean(L, 1);
	lua_rawseti(L, top + 1, MT_WHOLE);
	lua_settop(L, top);
}

static int view_next(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 2);
	if (lua_next(L, 1))
		return 2;
	lua_pushnil(L);
	return 1;
}

/* __pairs(view): everything copied, then the view's own next. */
static int view_pairs(lua_State *L)
{
	materialize(L, 1);
	lua_pushcfunction(L, view_next);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

/* Whether the value at index i is a view. */
static int is_view(lua_State *L, int i)
{
	int top = lua_gettop(L);
	if (!lua_istable(L, i) || !lua_getmetatable(L, i))
		return 0;
	int yes = lua_getfield(L, top + 1, "__index") == LUA_TFUNCTION && lua_tocfunction(L, -1) == view_index;
	lua_settop(L, top);
	return yes;
}

/** rd.view(case [, fill, key…]) → a view of case for a policy (see
 * above); fill(view), if given, is called when the view is asked for one
 * of the keys (which the case does not have) and does not hold it, or is
 * walked whole, and sets them in the view with rawset. */
static int l_view(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	int nkeys = lua_gettop(L) > 2 ? lua_gettop(L) - 2 : 0;
	lua_settop(L, 2 + nkeys);
	int view = 3 + nkeys, mt = view + 1;
	lua_createtable(L, 0, 16); /* the view: the engine sets a few fields, reads add more */
	lua_createtable(L, MT_KEYS - 1 + nkeys, 4); /* its metatable */
	for (int k = 0; k < nkeys; k++) {
		lua_pushvalue(L, 3 + k);
		lua_rawseti(L, mt, MT_KEYS + k);
	}
	lua_pushvalue(L, 1);
	lua_rawseti(L, mt, MT_SRC);
	lua_createtable(L, 0, 16);
	lua_rawseti(L, mt, MT_OWN);
	if (lua_isfunction(L, 2)) {
		lua_pushvalue(L, 2);
		lua_rawseti(L, mt, MT_FILL);
	}
	/* the metamethods' names are the closure's upvalues: a name looked up
	 * from C text goes through the API's string cache every time */
	static const lua_CFunction methods[] = { view_index, view_newindex, view_pairs };
	for (int k = 0; k < 3; k++) {
		lua_pushvalue(L, lua_upvalueindex(k + 1));
		lua_pushcfunction(L, methods[k]);
		lua_rawset(L, mt);
	}
	lua_pushvalue(L, lua_upvalueindex(4));
	lua_pushvalue(L, lua_upvalueindex(5));
	lua_rawset(L, mt);
	lua_setmetatable(L, view);
	return 1;
}

/** rd.view_whole(v) → v; when v is a view, everything in it is copied
 * first (the sandbox's next, rawget and rawset see the whole view). */
static int l_view_whole(lua_State *L)
{
	lua_settop(L, 1);
	if (is_view(L, 1))
		materialize(L, 1);
	return 1;
}

void rd__view_register(lua_State *L)
{
	lua_pushliteral(L, "__index");
	lua_pushliteral(L, "__newindex");
	lua_pushliteral(L, "__pairs");
	lua_pushliteral(L, "__metatable");
	lua_pushliteral(L, VIEW_NAME);
	lua_pushcclosure(L, l_view, 5);
	lua_setfield(L, -2, "view");
	lua_pushcfunction(L, l_view_whole);
	lua_setfield(L, -2, "view_whole");
}
