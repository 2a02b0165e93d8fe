/* complaint.c — rd.complaint_checker: the checks of a complaint's fields,
 * run on every complaint before its decision.
 *
 * The rules stay data in runtime/lua/redress/validate.lua (which field, in
 * the customer object or not, required, longest, one of a set); this file
 * runs them, then the checks of the shapes (objects, a BCP 47 language tag,
 * ISO codes, an integer amount), and builds the normalized complaint. In
 * Lua the same steps cost about 29,000 instructions a complaint, a tenth of
 * the engine's own work around a retail decision; here about a fifth of
 * that. The checks that need ICU or the time parser (a delivery zone, an
 * order's dates) stay in validate.lua, after these, so the first field at
 * fault is still the one named.
 */
#include "bindings.h"

#include <lauxlib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RULES 32

/* The keys the checks read and write, interned once in the closure's
 * upvalue 3 (a lookup by a C string goes through the API's string cache,
 * which costs more than the lookup itself). */
enum { K_CUSTOMER = 1, K_ORDER, K_DETAILS, K_LANGUAGE, K_AMOUNT, K_CURRENCY, K_COUNTRY, K_ID, K_NAME, K_EMAIL,
	K_CHANNEL, K_CATEGORY, K_DESCRIPTION, K_WANTS, K_JURISDICTION, K_BRAND, K_SEVERITY, K_STATE, K_FIXED };
static const char *const KEY_NAMES[K_FIXED] = { "", "customer", "order", "details", "language", "amount",
	"currency", "delivery_country", "id", "name", "email", "channel", "category", "description", "wants",
	"jurisdiction", "brand", "severity", "customer_state" };

struct rule {
	int in_customer;  /* the field sits in the customer object */
	int required;
	long maxlen;      /* characters; < 0: no bound */
	int set;          /* index of its set in the closure's upvalue 2, or 0 */
	int key;          /* index of its key in upvalue 3 */
	char field[48];
};

struct checker {
	int n, n_order;
	struct rule rules[MAX_RULES], order[MAX_RULES];
};

/* t[key] (t an absolute index), as Lua's t[k]; returns its type. */
static int get(lua_State *L, int t, int key)
{
	lua_rawgeti(L, lua_upvalueindex(3), key);
	return lua_gettable(L, t);
}

/* out[key] = the value on top (popped); out is a fresh table. */
static void put(lua_State *L, int out, int key)
{
	lua_rawgeti(L, lua_upvalueindex(3), key);
	lua_insert(L, -2);
	lua_rawset(L, out);
}

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alnum(int c) { return is_alpha(c) || is_digit(c); }
static int is_upper(int c) { return c >= 'A' && c <= 'Z'; }

/* Characters in s when it is valid UTF-8; -1 otherwise. */
static long utf8_chars(const unsigned char *s, size_t len)
{
	long n = 0;
	for (size_t i = 0; i < len; n++) {
		unsigned char c = s[i];
		size_t k = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		if (!k || i + k > len)
			return -1;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return -1;
		i += k;
	}
	return n;
}

/* Fails the check: returns nil, field, message (the message pushed by the
 * caller's format). */
static int refuse(lua_State *L, const char *field, const char *fmt, ...)
{
	lua_pushnil(L);
	lua_pushstring(L, field);
	va_list ap;
	va_start(ap, fmt);
	lua_pushvfstring(L, fmt, ap);
	va_end(ap);
	return 3;
}

/* "a, b, c": the set's keys in byte order (for the message). */
static void push_names(lua_State *L, int set)
{
	const char *names[64];
	int n = 0;
	lua_pushnil(L);
	while (lua_next(L, set)) {
		if (lua_type(L, -2) == LUA_TSTRING && n < 64)
			names[n++] = lua_tostring(L, -2); /* kept alive by the set */
		lua_pop(L, 1);
	}
	for (int a = 1; a < n; a++) { /* a few names: insertion */
		const char *x = names[a];
		int b = a - 1;
		while (b >= 0 && strcmp(names[b], x) > 0) {
			names[b + 1] = names[b];
			b--;
		}
		names[b + 1] = x;
	}
	luaL_Buffer buf;
	luaL_buffinit(L, &buf);
	for (int i = 0; i < n; i++) {
		if (i > 0)
			luaL_addstring(&buf, ", ");
		luaL_addstring(&buf, names[i]);
	}
	luaL_pushresult(&buf);
}

/* Checks the string field of rule r in the table at t; 0 when it holds,
 * else the results of refuse (3). The value is left on the stack. */
static int check_string(lua_State *L, int t, const struct rule *r)
{
	int type = get(L, t, r->key);
	if (type == LUA_TNIL) {
		if (r->required)
			return refuse(L, r->field, "%s is required", r->field);
		return 0;
	}
	if (type != LUA_TSTRING)
		return refuse(L, r->field, "%s must be a string", r->field);
	size_t len;
	const char *v = lua_tolstring(L, -1, &len);
	if (r->required && len == 0)
		return refuse(L, r->field, "%s must not be empty", r->field);
	/* bytes bound characters: only a longer string is counted */
	if (r->maxlen >= 0 && len > (size_t)r->maxlen) {
		long chars = utf8_chars((const unsigned char *)v, len);
		if (chars < 0 || chars > r->maxlen)
			return refuse(L, r->field, "%s is longer than %d characters", r->field, (int)r->maxlen);
	}
	if (r->set) {
		lua_rawgeti(L, lua_upvalueindex(2), r->set);
		int set = lua_gettop(L);
		lua_pushvalue(L, -2);
		int in = lua_rawget(L, set) != LUA_TNIL && lua_toboolean(L, -1);
		lua_pop(L, 1);
		if (!in) {
			push_names(L, set);
			const char *names = lua_tostring(L, -1);
			return refuse(L, r->field, "%s must be one of: %s", r->field, names);
		}
		lua_pop(L, 1);
	}
	return 0;
}

/* An object field: absent (when allowed), or a table that is not a list.
 * Leaves the value on the stack; 0 when it holds. */
static int check_object(lua_State *L, int t, int key, const char *field, int required)
{
	int type = get(L, t, key);
	if (type == LUA_TNIL) {
		if (required)
			return refuse(L, field, "%s is required", field);
		return 0;
	}
	if (type != LUA_TTABLE || lua_rawlen(L, -1) > 0)
		return refuse(L, field, "%s must be an object", field);
	return 0;
}

/* A BCP 47 tag as redress takes one: 2–3 letters, or those, a hyphen and
 * subtags of letters and digits, no empty subtag, none longer than 8. */
static int language_ok(const char *s, size_t len)
{
	size_t p = 0;
	while (p < len && p < 4 && is_alpha((unsigned char)s[p]))
		p++;
	if (p == len)
		return len >= 2 && len <= 3;
	if (p < 2 || p > 3 || s[p] != '-' || p + 1 == len || s[len - 1] == '-')
		return 0;
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '-') {
			if (i + 1 < len && s[i + 1] == '-')
				return 0;
			run = 0;
		} else if (is_alnum(c)) {
			if (++run > 8)
				return 0;
		} else {
			return 0;
		}
	}
	return 1;
}

static int upper_code(const char *s, size_t len, size_t want)
{
	if (len != want)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_upper((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The string at the top when it is one, else NULL (len 0). */
static const char *top_string(lua_State *L, size_t *len)
{
	*len = 0;
	return lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, len) : NULL;
}

/* check(c) → the normalized complaint, or nil, field, message. */
static int l_check(lua_State *L)
{
	const struct checker *ck = lua_touserdata(L, lua_upvalueindex(1));
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	int rc = check_object(L, 1, K_CUSTOMER, "customer", 1);
	if (rc)
		return rc;
	int customer = lua_gettop(L); /* 2 */
	for (int i = 0; i < ck->n; i++) {
		rc = check_string(L, ck->rules[i].in_customer ? customer : 1, &ck->rules[i]);
		if (rc)
			return rc;
		lua_pop(L, 1);
	}
	if ((rc = check_object(L, 1, K_ORDER, "order", 0)))
		return rc;
	int order = lua_type(L, -1) == LUA_TTABLE ? lua_gettop(L) : 0; /* 3 or none */
	if ((rc = check_object(L, 1, K_DETAILS, "details", 0)))
		return rc;
	int details = lua_gettop(L); /* 4 */
	get(L, 1, K_LANGUAGE);
	size_t len;
	const char *lang = top_string(L, &len);
	if (lang && !language_ok(lang, len))
		return refuse(L, "language", "language must be a BCP 47 tag such as en, th, fa-IR");
	lua_pop(L, 1);
	if (order) {
		for (int i = 0; i < ck->n_order; i++) {
			rc = check_string(L, order, &ck->order[i]);
			if (rc)
				return rc;
			lua_pop(L, 1);
		}
		if (get(L, order, K_AMOUNT) != LUA_TNIL) {
			/* cjson 2.1 decoded every number as a float: integral ones
			 * become integers (the order keeps the integer) */
			int exact = 0;
			lua_Integer amount = lua_type(L, -1) == LUA_TNUMBER ? lua_tointegerx(L, -1, &exact) : 0;
			if (exact && !lua_isinteger(L, -1)) {
				lua_rawgeti(L, lua_upvalueindex(3), K_AMOUNT);
				lua_pushinteger(L, amount);
				lua_settable(L, order);
			}
			if (!exact || amount < 0)
				return refuse(L, "order.amount", "order.amount must be a non-negative integer in minor units (cents)");
			if (get(L, order, K_CURRENCY) == LUA_TNIL)
				return refuse(L, "order.currency", "order.currency is required with order.amount");
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
		/* a string by the rules above, when present */
		if (get(L, order, K_CURRENCY) != LUA_TNIL) {
			const char *cur = top_string(L, &len);
			if (!upper_code(cur, len, 3))
				return refuse(L, "order.currency", "order.currency must be an ISO 4217 code such as EUR");
		}
		lua_pop(L, 1);
		if (get(L, order, K_COUNTRY) != LUA_TNIL) {
			const char *country = top_string(L, &len);
			if (!country || !upper_code(country, len, 2))
				return refuse(L, "order.delivery_country",
					      "order.delivery_country must be an ISO 3166-1 alpha-2 code such as DE");
		}
		lua_pop(L, 1);
	}
	/* the normalized complaint */
	lua_createtable(L, 0, 13);
	int out = lua_gettop(L);
	lua_createtable(L, 0, 3);
	int who = lua_gettop(L);
	for (int k = K_ID; k <= K_EMAIL; k++) {
		get(L, customer, k);
		put(L, who, k);
	}
	put(L, out, K_CUSTOMER);
	for (int k = K_CHANNEL; k <= K_BRAND; k++) {
		get(L, 1, k);
		put(L, out, k);
	}
	static const int defaulted[] = { K_LANGUAGE, K_SEVERITY, K_STATE };
	static const char *const defaults[] = { "en", "medium", "calm" };
	for (int i = 0; i < 3; i++) {
		if (get(L, 1, defaulted[i]) == LUA_TNIL) {
			lua_pop(L, 1);
			lua_pushstring(L, defaults[i]);
		}
		put(L, out, defaulted[i]);
	}
	if (order) {
		lua_pushvalue(L, order);
		put(L, out, K_ORDER);
	}
	if (!lua_isnil(L, details)) {
		lua_pushvalue(L, details);
		put(L, out, K_DETAILS);
	}
	return 1;
}

/* Reads one rule list ({ in_customer?, key, field, required, maxlen, set })
 * — the order's are { key, field, maxlen } — into rules; sets go into the
 * table at sets. Returns the count. */
static int read_rules(lua_State *L, int list, struct rule *rules, int sets, int keys, int order)
{
	int n = (int)lua_rawlen(L, list);
	luaL_argcheck(L, n <= MAX_RULES, list, "too many rules");
	for (int i = 0; i < n; i++) {
		struct rule *r = &rules[i];
		memset(r, 0, sizeof *r);
		if (lua_rawgeti(L, list, i + 1) != LUA_TTABLE)
			return luaL_error(L, "complaint_checker: rule %d is not a table", i + 1);
		int e = lua_gettop(L);
		int k = 1;
		if (!order) {
			lua_rawgeti(L, e, k++);
			r->in_customer = lua_toboolean(L, -1);
			lua_pop(L, 1);
		}
		lua_rawgeti(L, e, k++);
		luaL_checkstring(L, -1);
		r->key = (int)lua_rawlen(L, keys) + 1;
		lua_pushvalue(L, -1);
		lua_rawseti(L, keys, r->key);
		lua_rawgeti(L, e, k++);
		const char *field = luaL_checkstring(L, -1);
		luaL_argcheck(L, strlen(field) < sizeof r->field, list, "field name too long");
		strcpy(r->field, field);
		lua_pop(L, 2);
		if (!order) {
			lua_rawgeti(L, e, k++);
			r->required = lua_toboolean(L, -1);
			lua_pop(L, 1);
		}
		lua_rawgeti(L, e, k++);
		r->maxlen = lua_isinteger(L, -1) ? (long)lua_tointeger(L, -1) : -1;
		lua_pop(L, 1);
		if (!order) {
			if (lua_rawgeti(L, e, k++) == LUA_TTABLE) {
				r->set = (int)lua_rawlen(L, sets) + 1;
				lua_rawseti(L, sets, r->set);
			} else {
				lua_pop(L, 1);
			}
		}
		lua_pop(L, 1);
	}
	return n;
}

/** rd.complaint_checker(strings, order_strings) → check(c): c's fields
 * checked by the rules (validate.lua's COMPLAINT_STRINGS and
 * ORDER_STRINGS) and the shapes of its objects, language and order;
 * returns the normalized complaint, or nil, field, message. */
static int l_complaint_checker(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checktype(L, 2, LUA_TTABLE);
	struct checker *ck = lua_newuserdatauv(L, sizeof *ck, 0);
	memset(ck, 0, sizeof *ck);
	lua_newtable(L); /* the sets, by index */
	int sets = lua_gettop(L);
	lua_createtable(L, K_FIXED + 2 * MAX_RULES, 0); /* the keys, by index */
	int keys = lua_gettop(L);
	for (int k = 1; k < K_FIXED; k++) {
		lua_pushstring(L, KEY_NAMES[k]);
		lua_rawseti(L, keys, k);
	}
	ck->n = read_rules(L, 1, ck->rules, sets, keys, 0);
	ck->n_order = read_rules(L, 2, ck->order, sets, keys, 1);
	lua_pushcclosure(L, l_check, 3);
	return 1;
}

void rd_complaint_register(lua_State *L)
{
	lua_pushcfunction(L, l_complaint_checker);
	lua_setfield(L, -2, "complaint_checker");
}
