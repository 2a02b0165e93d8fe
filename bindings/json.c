/* json.c — the `rd.json` module: canonical JSON through jansson.
 *
 * Every record redress stores, every API answer and `redress decide`'s output
 * go through here, so the same value always gives the same bytes:
 *   - object keys sorted by their UTF-8 bytes, no spaces;
 *   - Lua integers written as integers and read back as integers (JSON
 *     numbers without a fraction or exponent), floats as floats with 15
 *     significant digits (every decimal a person types comes back the same)
 *     — a number's type survives every store round trip;
 *   - arrays kept apart from objects: a table whose keys are 1..n is an
 *     array; an empty array is the sentinel json.array gives (or a decoded
 *     empty array, which comes back marked as one); any other empty table
 *     is an object;
 *   - one escaping rule (jansson's: quotes, backslashes and control
 *     characters; UTF-8 passes as it is).
 * null is a light userdata (NULL), as lua-cjson's, so code that compares
 * with json.null keeps working.
 */
#include <jansson.h>
#include <lauxlib.h>
#include <math.h>
#include <string.h>

#include "bindings.h"

#define MAX_DEPTH 64
#define ARRAY_MT "rd.json.array" /* the metatable of decoded empty arrays */

static const char EMPTY_ARRAY[] = "\0[]\0"; /* json.array's sentinel for an empty array */

static int is_empty_sentinel(lua_State *L, int i)
{
	size_t len;
	const char *s = lua_tolstring(L, i, &len);
	return len == sizeof EMPTY_ARRAY - 1 && memcmp(s, EMPTY_ARRAY, len) == 0;
}

/* The length n when the table at i has exactly the keys 1..n (n >= 1), else 0. */
static lua_Integer array_length(lua_State *L, int i)
{
	lua_Integer n = 0, max = 0;
	lua_pushnil(L);
	while (lua_next(L, i)) {
		lua_pop(L, 1);
		if (!lua_isinteger(L, -1)) {
			lua_pop(L, 1);
			return 0;
		}
		lua_Integer k = lua_tointeger(L, -1);
		if (k < 1) {
			lua_pop(L, 1);
			return 0;
		}
		if (k > max)
			max = k;
		n++;
	}
	return n == max ? n : 0;
}

/* Whether the table at i is a decoded empty array (marked by its metatable). */
static int is_array_marked(lua_State *L, int i)
{
	int yes = 0;
	if (lua_getmetatable(L, i)) {
		luaL_getmetatable(L, ARRAY_MT);
		yes = lua_rawequal(L, -1, -2);
		lua_pop(L, 2);
	}
	return yes;
}

static json_t *to_json(lua_State *L, int i, int depth, const char **why);

static json_t *table_to_json(lua_State *L, int i, int depth, const char **why)
{
	if (depth > MAX_DEPTH) {
		*why = "nested too deeply (a cycle?)";
		return NULL;
	}
	luaL_checkstack(L, 4, "json");
	lua_Integer n = array_length(L, i);
	if (n > 0 || is_array_marked(L, i)) {
		json_t *a = json_array();
		for (lua_Integer k = 1; a && k <= n; k++) {
			lua_rawgeti(L, i, k);
			json_t *v = to_json(L, lua_gettop(L), depth + 1, why);
			lua_pop(L, 1);
			if (!v || json_array_append_new(a, v)) {
				json_decref(a);
				return NULL;
			}
		}
		return a;
	}
	json_t *o = json_object();
	lua_pushnil(L);
	while (o && lua_next(L, i)) {
		char buf[32];
		const char *key;
		if (lua_type(L, -2) == LUA_TSTRING) {
			key = lua_tostring(L, -2);
		} else if (lua_isinteger(L, -2)) {
			snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, -2));
			key = buf;
		} else {
			*why = "object keys must be strings";
			json_decref(o);
			lua_pop(L, 2);
			return NULL;
		}
		json_t *v = to_json(L, lua_gettop(L), depth + 1, why);
		if (!v || json_object_set_new(o, key, v)) {
			if (v == NULL && !*why)
				*why = "an object key is not valid UTF-8";
			json_decref(o);
			lua_pop(L, 2);
			return NULL;
		}
		lua_pop(L, 1);
	}
	return o;
}

static json_t *to_json(lua_State *L, int i, int depth, const char **why)
{
	switch (lua_type(L, i)) {
	case LUA_TNIL:
		return json_null();
	case LUA_TLIGHTUSERDATA:
		if (lua_touserdata(L, i) == NULL)
			return json_null();
		break;
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, i));
	case LUA_TNUMBER:
		if (lua_isinteger(L, i))
			return json_integer((json_int_t)lua_tointeger(L, i));
		if (!isfinite(lua_tonumber(L, i))) {
			*why = "numbers must be finite";
			return NULL;
		}
		return json_real(lua_tonumber(L, i));
	case LUA_TSTRING: {
		if (is_empty_sentinel(L, i))
			return json_array();
		size_t len;
		const char *s = lua_tolstring(L, i, &len);
		json_t *v = json_stringn(s, len);
		if (!v)
			*why = "strings must be valid UTF-8";
		return v;
	}
	case LUA_TTABLE: {
		int top = lua_gettop(L);
		json_t *v = table_to_json(L, i, depth, why);
		lua_settop(L, top);
		return v;
	}
	default:
		break;
	}
	*why = lua_pushfstring(L, "a %s cannot be written as JSON", luaL_typename(L, i));
	return NULL;
}

/** json.encode(value) → canonical JSON text (raises on a value JSON cannot hold) */
static int l_encode(lua_State *L)
{
	luaL_checkany(L, 1);
	const char *why = NULL;
	json_t *v = to_json(L, 1, 0, &why);
	if (!v)
		return luaL_error(L, "json.encode: %s", why ? why : "out of memory");
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
	json_decref(v);
	if (!s)
		return luaL_error(L, "json.encode: out of memory");
	lua_pushstring(L, s);
	free(s);
	return 1;
}

static void push_value(lua_State *L, json_t *v, int depth)
{
	if (depth > MAX_DEPTH)
		luaL_error(L, "json.decode: nested deeper than %d", MAX_DEPTH);
	luaL_checkstack(L, 4, "json");
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		lua_createtable(L, 0, (int)json_object_size(v));
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x) {
			push_value(L, x, depth + 1);
			lua_setfield(L, -2, k);
		}
		break;
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(v);
		lua_createtable(L, (int)n, 0);
		for (size_t k = 0; k < n; k++) {
			push_value(L, json_array_get(v, k), depth + 1);
			lua_rawseti(L, -2, (lua_Integer)k + 1);
		}
		if (n == 0)
			luaL_setmetatable(L, ARRAY_MT);
		break;
	}
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		lua_pushinteger(L, (lua_Integer)json_integer_value(v));
		break;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(v));
		break;
	case JSON_TRUE:
		lua_pushboolean(L, 1);
		break;
	case JSON_FALSE:
		lua_pushboolean(L, 0);
		break;
	default:
		lua_pushlightuserdata(L, NULL);
		break;
	}
}

/* Frees the parsed tree if a Lua error unwinds through push_value. */
static int tree_gc(lua_State *L)
{
	json_t **t = lua_touserdata(L, 1);
	if (*t) {
		json_decref(*t);
		*t = NULL;
	}
	return 0;
}

/** json.decode(text) → value (raises "json.decode: … at line L, column C") */
static int l_decode(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	json_error_t err;
	json_t *v = json_loadb(s, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (!v)
		return luaL_error(L, "json.decode: %s at line %d, column %d", err.text, err.line, err.column);
	json_t **hold = lua_newuserdatauv(L, sizeof *hold, 0);
	*hold = v;
	lua_newtable(L);
	lua_pushcfunction(L, tree_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	push_value(L, v, 0);
	json_decref(v);
	*hold = NULL;
	return 1;
}

/** json.is_array(t) → true for a decoded empty array */
static int l_is_array(lua_State *L)
{
	lua_pushboolean(L, lua_istable(L, 1) && is_array_marked(L, 1));
	return 1;
}

int luaopen_rd_json(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "encode", l_encode },
		{ "decode", l_decode },
		{ "is_array", l_is_array },
		{ NULL, NULL },
	};
	luaL_newmetatable(L, ARRAY_MT);
	lua_pushliteral(L, "json.array");
	lua_setfield(L, -2, "__name");
	lua_pop(L, 1);
	luaL_newlib(L, fns);
	lua_pushlightuserdata(L, NULL);
	lua_setfield(L, -2, "null");
	lua_pushlstring(L, EMPTY_ARRAY, sizeof EMPTY_ARRAY - 1);
	lua_setfield(L, -2, "empty_array");
	return 1;
}
