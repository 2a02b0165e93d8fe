/* rd_getfield, rd_setfield, rd_pushkey (bindings/state.c): the names a C
 * module reads on every decision, interned once per state. They must read
 * and write exactly what lua_getfield and lua_setfield do, metamethods
 * included, for more names than the state keeps (the rest go through
 * lua_pushstring), and a state that is closed gives its names back. */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "../../bindings/bindings.h"
#include "check.h"

#define NAMES 600 /* past the 256 a state keeps */

static char names[NAMES][16]; /* constant addresses, as string literals have */

int main(void)
{
	for (int i = 0; i < NAMES; i++)
		snprintf(names[i], sizeof names[i], "field_%d", i);
	rd_lua_ctx ctx;
	lua_State *L = rd_lua_new(&ctx);
	CHECK(L != NULL);
	if (!L)
		return CHECK_DONE();

	/* set through rd_setfield, read back both ways, twice (the second time
	 * every name is known or past the table) */
	lua_newtable(L);
	int t = lua_gettop(L);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < NAMES; i++) {
			lua_pushinteger(L, i * 10 + round);
			rd_setfield(L, t, names[i]);
		}
		int same = 1;
		for (int i = 0; i < NAMES; i++) {
			int a = rd_getfield(L, t, names[i]);
			lua_getfield(L, t, names[i]);
			same = same && a == LUA_TNUMBER && lua_tointeger(L, -1) == i * 10 + round &&
			       lua_tointeger(L, -2) == i * 10 + round;
			lua_pop(L, 2);
		}
		CHECK(same);
		CHECK(lua_gettop(L) == t);
	}
	/* a negative index, and a name the table does not have */
	CHECK(rd_getfield(L, -1, "absent") == LUA_TNIL);
	lua_pop(L, 1);
	rd_pushkey(L, names[7]);
	CHECK(lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "field_7") == 0);
	lua_pop(L, 1);

	/* metamethods, as lua_getfield: __index runs, rd_setfield reaches __newindex */
	luaL_dostring(L, "seen = {}; proxy = setmetatable({}, { __index = function(_, k) return 'via ' .. k end, "
			 "__newindex = function(_, k, v) seen[k] = v end })");
	lua_getglobal(L, "proxy");
	CHECK(rd_getfield(L, -1, "name") == LUA_TSTRING && strcmp(lua_tostring(L, -1), "via name") == 0);
	lua_pop(L, 1);
	lua_pushliteral(L, "kept");
	rd_setfield(L, -2, "status");
	lua_pop(L, 1);
	luaL_dostring(L, "return seen.status");
	CHECK(lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), "kept") == 0);
	lua_pop(L, 1);

	rd_lua_close(L);
	CHECK(ctx.keys == NULL);
	return CHECK_DONE();
}
