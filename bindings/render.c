/* render.c — `rd.render`: a parsed template's parts joined into its text,
 * for redress.wording (which parses templates and formats placeholders;
 * this is the loop between).
 *
 * In C because every acknowledgement and message renders a template or
 * several (the eight-rule acknowledgement eight): in Lua each render made a
 * table of its parts, looped over them in the VM and joined them. Values a
 * template shows as they are (text placeholders given a string or a
 * number) go in here; every other placeholder is formatted by wording's
 * own Lua function, which ICU does the work for.
 */
#include "bindings.h"

#include <lauxlib.h>
#include <string.h>

#define FSI "\xE2\x81\xA8" /* U+2068 FIRST STRONG ISOLATE */
#define PDI "\xE2\x81\xA9" /* U+2069 POP DIRECTIONAL ISOLATE */

/* How many parts go by between two charges: the budget, and with it the
 * wall clock, is looked at while a long template renders. */
#define CHARGE_EVERY 64

/** rd.render(parts, vars, rtl, format, opts) → the text: the parts in
 * order, each placeholder { name, type, … } replaced by vars[name] —
 * as it is for a text placeholder given a string or a number, else
 * format(placeholder, value, opts) — and, when rtl, wrapped in isolates
 * (plural and select excepted: their branches are the language's own
 * words). A placeholder without a value is an error naming it. Charged to a
 * sandbox call by its parts and bytes as it goes, as the Lua loop it
 * replaces was by its instructions; the text grows in one buffer, so the
 * work is linear in the bytes. */
static int l_render(lua_State *L)
{
	enum { PARTS = 1, VARS, RTL, FORMAT, OPTS };
	lua_settop(L, OPTS);
	lua_Integer n = luaL_len(L, PARTS);
	int rtl = lua_toboolean(L, RTL);
	if (n == 1 && lua_geti(L, PARTS, 1) == LUA_TSTRING) {
		rd_budget_charge(L, 4);
		return 1; /* no placeholder: the text itself */
	}
	lua_settop(L, OPTS);
	luaL_checkstack(L, 16, "rd.render");
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	size_t charged = 0; /* bytes added since the last charge */
	for (lua_Integer i = 1; i <= n; i++) {
		if (i % CHARGE_EVERY == 0) {
			rd_budget_charge(L, CHARGE_EVERY * 4 + (long)(charged / 16));
			charged = 0;
		}
		/* one value above the buffer's level, its piece, then luaL_addvalue */
		int t = lua_geti(L, PARTS, i);
		if (t != LUA_TSTRING) {
			int p = lua_gettop(L);
			rd_getfield(L, p, "name");
			lua_pushvalue(L, -1);
			lua_gettable(L, VARS); /* p, name, value */
			if (lua_isnil(L, -1)) {
				lua_pop(L, 1);
				lua_pushliteral(L, "uses {");
				lua_insert(L, -2);
				lua_pushliteral(L, "} but no value was given for it");
				lua_concat(L, 3);
				return lua_error(L);
			}
			rd_getfield(L, p, "type"); /* p, name, value, type */
			int plain = rd_lua_is(L, -1, "text") &&
				    (lua_type(L, -2) == LUA_TSTRING || lua_type(L, -2) == LUA_TNUMBER);
			int isolate = rtl && !rd_lua_is(L, -1, "plural") && !rd_lua_is(L, -1, "select");
			lua_pop(L, 1);
			if (plain) {
				luaL_tolstring(L, -1, NULL); /* as tostring writes it */
			} else {
				lua_pushvalue(L, FORMAT);
				lua_pushvalue(L, p);
				lua_pushvalue(L, -3);
				lua_pushvalue(L, OPTS);
				lua_call(L, 3, 1);
			}
			/* p, name, value, text → text */
			lua_replace(L, p);
			lua_settop(L, p);
			if (isolate) {
				lua_pushliteral(L, FSI);
				lua_insert(L, p);
				lua_pushliteral(L, PDI);
				lua_concat(L, 3);
			}
			if (!lua_isstring(L, -1))
				return luaL_error(L, "a placeholder's text must be a string");
		}
		size_t len;
		lua_tolstring(L, -1, &len); /* (a number, as text) */
		charged += len;
		luaL_addvalue(&b);
	}
	rd_budget_charge(L, (long)(n % CHARGE_EVERY) * 4 + (long)(charged / 16));
	luaL_pushresult(&b);
	return 1;
}

void rd_render_register(lua_State *L)
{
	lua_pushcfunction(L, l_render);
	lua_setfield(L, -2, "render");
}
