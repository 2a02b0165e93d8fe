/* json.c — the `rd.json` module: canonical JSON, written here, read in json_decode.c.
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
 *   - one escaping rule: quotes, backslashes and control characters;
 *     UTF-8 (checked) passes as it is.
 * Objects of a shape written before skip the sort and the keys' escaping
 * (json_shapes.c). Reading is json_decode.c's (yajl's event parser).
 * null is a light userdata (NULL), as lua-cjson's, so code that compares
 * with json.null keeps working.
 */
#include <lauxlib.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"
#include "json_shapes.h"

#define MAX_DEPTH 64
#define ARRAY_MT RD_JSON_ARRAY_MT

static const char EMPTY_ARRAY[] = "\0[]\0"; /* json.array's sentinel for an empty array */

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

/* The encoder writes straight into a byte buffer (no intermediate tree):
 * building a library's tree and sorting it cost three times the encode of
 * a case. The buffer belongs to the state's encoder (an upvalue of json.encode, freed
 * by its __gc) and is kept from one call to the next: a decision encodes a
 * dozen records, and a fresh buffer, userdata and finalizer per call cost
 * more than the bytes. An encode runs no Lua code, so it never re-enters. */
struct enc {
	lua_State *L;
	char *buf; /* malloc'd, kept between calls */
	size_t len, cap;
	const char *why;
	/* json.encode_spliced: the top table's member written from raw texts */
	const char *splice_key;
	size_t splice_len;
	int splice_raws; /* stack index of the list of raw texts; 0: none */
	/* where the spliced member was written, comma included: [cut_from,
	 * cut_to) of buf (cut_to == 0: not written) */
	size_t cut_from, cut_to;
	/* the top table's members written as [] when they are empty tables:
	 * stack index of the set of their keys; 0: none */
	int arrays;
	struct rd_json_shapes shapes; /* json_shapes.c; its keys kept alive in the userdata's user value */
};

#define ENC_KEEP (256 * 1024) /* a larger buffer is given back after the call */

/* Makes room for n more bytes. */
static inline void reserve(struct enc *e, size_t n)
{
	if (e->len + n <= e->cap)
		return;
	size_t cap = e->cap ? e->cap : 4096;
	while (cap < e->len + n)
		cap *= 2;
	char *b = realloc(e->buf, cap);
	if (!b)
		luaL_error(e->L, "json.encode: out of memory");
	e->buf = b;
	e->cap = cap;
}

static inline void add(struct enc *e, const char *s, size_t n)
{
	reserve(e, n);
	memcpy(e->buf + e->len, s, n);
	e->len += n;
}

static inline void add_str(struct enc *e, const char *s)
{
	add(e, s, strlen(s));
}

static inline void add_char(struct enc *e, char c)
{
	reserve(e, 1);
	e->buf[e->len++] = c;
}

static int enc_gc(lua_State *L)
{
	struct enc *e = lua_touserdata(L, 1);
	free(e->buf);
	e->buf = NULL;
	e->cap = 0;
	rd_json_shapes_free(&e->shapes);
	return 0;
}

static int fail(struct enc *e, const char *why)
{
	if (!e->why)
		e->why = why;
	return -1;
}

/* The length of the UTF-8 sequence starting at s (at most n bytes), or 0
 * when it is not one: no overlong forms, no surrogates, nothing past
 * U+10FFFF (the second byte's range carries those rules). */
static inline size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c < 0xF0) {
		if (n < 3 || (s[2] & 0xC0) != 0x80)
			return 0;
		unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		return s[1] >= lo && s[1] <= hi ? 3 : 0;
	}
	if (c > 0xF4 || n < 4 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
		return 0;
	unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	return s[1] >= lo && s[1] <= hi ? 4 : 0;
}

/** json.valid_utf8(s) → whether s is UTF-8 by utf8_seq's rules (those of
 * Lua's utf8.len: no overlong forms, no surrogates, nothing past U+10FFFF).
 * A request body is checked before it is read: plain ASCII goes eight
 * bytes at a time (utf8.len decoded every character, a tenth of the loop
 * thread's work on a complaint). */
static int l_valid_utf8(lua_State *L)
{
	size_t len;
	const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
	size_t i = 0;
	int ok = 1;
	while (ok && i < len) {
		uint64_t x;
		if (i + 8 <= len && (memcpy(&x, s + i, 8), (x & 0x8080808080808080ULL) == 0)) {
			i += 8;
		} else if (s[i] < 0x80) {
			i++;
		} else {
			size_t n = utf8_seq(s + i, len - i);
			ok = n > 0;
			i += n;
		}
	}
	lua_pushboolean(L, ok);
	return 1;
}

/* Whether any of the 8 bytes in x needs a look: a control character, a
 * quote, a backslash, or one of a UTF-8 sequence (to be checked). */
static inline int word_needs_look(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
	return ((x | ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high) != 0;
}

/* 1 for a byte written as it is: printable ASCII but the quote and the
 * backslash. */
static const unsigned char plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Writes s as a JSON string: quotes, backslashes and control characters
 * escaped, UTF-8 checked and passed as it is. Most strings are short keys
 * and words of plain ASCII, copied as they are checked; longer ones skip
 * plain ASCII eight bytes at a time. */
static int put_string(struct enc *e, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	reserve(e, len + 2);
	char *out = e->buf + e->len;
	if (len <= 24) {
		size_t k = 0;
		while (k < len && plain[s[k]]) {
			out[k + 1] = (char)s[k];
			k++;
		}
		if (k == len) {
			out[0] = '"';
			out[len + 1] = '"';
			e->len += len + 2;
			return 0;
		}
	}
	e->buf[e->len++] = '"';
	size_t i = 0, from = 0;
	while (i < len) {
		while (i + 8 <= len) {
			uint64_t x;
			memcpy(&x, s + i, 8);
			if (word_needs_look(x))
				break;
			i += 8;
		}
		if (i == len)
			break;
		unsigned char c = s[i];
		if (c >= 0x80) {
			/* a run of UTF-8 sequences (Thai, Persian, Chinese text) */
			do {
				size_t n = utf8_seq(s + i, len - i);
				if (!n)
					return fail(e, "strings must be valid UTF-8");
				i += n;
			} while (i < len && s[i] >= 0x80);
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		add(e, str + from, i - from);
		char u[8];
		const char *esc = u;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default: snprintf(u, sizeof u, "\\u%04x", c); break;
		}
		add_str(e, esc);
		from = ++i;
	}
	add(e, str + from, len - from);
	add_char(e, '"');
	return 0;
}

static int put_value(struct enc *e, int i, int depth);

/* Writes v in decimal into out (at least 21 bytes); returns the length.
 * snprintf's format parsing costs more than the digits (most numbers here
 * are amounts, sequence numbers and millisecond times). */
size_t rd__int_text(char *out, long long v)
{
	char tmp[24];
	size_t n = 0;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	size_t len = 0;
	if (v < 0)
		out[len++] = '-';
	while (n)
		out[len++] = tmp[--n];
	out[len] = '\0';
	return len;
}

/* A key's first 8 bytes as one number: two keys whose numbers differ sort
 * as their numbers do (a key that ends sooner has zeros there, as a prefix
 * sorts first), and most keys of an object differ in them. Sorting was a
 * sixth of encoding a case before. */
static inline uint64_t key_prefix(const char *k, size_t len)
{
	unsigned char b[8] = { 0 };
	memcpy(b, k, len < 8 ? len : 8);
	return (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 | (uint64_t)b[2] << 40 | (uint64_t)b[3] << 32 |
	       (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 | (uint64_t)b[6] << 8 | b[7];
}

static inline int key_cmp(const struct rd_json_key *x, const struct rd_json_key *y)
{
	if (x->pre != y->pre)
		return x->pre < y->pre ? -1 : 1;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* '[' raw texts joined by ',' ']': JSON this encoder wrote before. */
static void put_raws(struct enc *e, int list)
{
	lua_State *L = e->L;
	lua_Integer n = (lua_Integer)lua_rawlen(L, list);
	add_char(e, '[');
	for (lua_Integer k = 1; k <= n; k++) {
		size_t len;
		lua_rawgeti(L, list, k);
		const char *raw = lua_tolstring(L, -1, &len);
		if (k > 1)
			add_char(e, ',');
		add(e, raw ? raw : "null", raw ? len : 4);
		lua_pop(L, 1);
	}
	add_char(e, ']');
}

/* Whether the member whose key is at slot (its value at slot + 1) is an
 * empty table named in the encode's set of arrays. */
static int empty_array_member(struct enc *e, int slot)
{
	lua_State *L = e->L;
	if (lua_type(L, slot + 1) != LUA_TTABLE)
		return 0;
	lua_pushvalue(L, slot);
	int listed = lua_rawget(L, e->arrays) != LUA_TNIL;
	lua_pop(L, 1);
	if (!listed)
		return 0;
	lua_pushnil(L);
	if (lua_next(L, slot + 1)) {
		lua_pop(L, 2);
		return 0;
	}
	return 1;
}

static int put_table(struct enc *e, int i, int depth)
{
	lua_State *L = e->L;
	if (depth > MAX_DEPTH)
		return fail(e, "nested too deeply (a cycle?)");
	/* one pass: every key and its value go onto the stack (lua_next walks
	 * on with a copy of the key), noting whether the keys are exactly 1..n */
	int base = lua_gettop(L);
	lua_Integer n = 0, max = 0;
	int sequence = 1;
	lua_pushnil(L);
	while (lua_next(L, i)) {
		n++;
		if (sequence) { /* an object's first key settles it: no more looks */
			lua_Integer k = lua_isinteger(L, -2) ? lua_tointeger(L, -2) : 0;
			if (k >= 1)
				max = k > max ? k : max;
			else
				sequence = 0;
		}
		if ((n & 15) == 1)
			luaL_checkstack(L, 40, "json");
		lua_pushvalue(L, -2);
	}
	/* the stack: base+1+2k holds key k, base+2+2k its value */
	if ((n > 0 && sequence && max == n) || (n == 0 && is_array_marked(L, i))) {
		lua_settop(L, base);
		add_char(e, '[');
		for (lua_Integer k = 1; k <= n; k++) {
			if (k > 1)
				add_char(e, ',');
			lua_rawgeti(L, i, k);
			int rc = put_value(e, lua_gettop(L), depth + 1);
			lua_pop(L, 1);
			if (rc)
				return rc;
		}
		add_char(e, ']');
		return 0;
	}
	struct rd_json_key small[32], *keys = small;
	char digits_small[32 * 24], *digits = digits_small;
	uint64_t hash = 0;
	/* an object of a shape seen before: written from it (json_shapes.c) */
	const struct rd_json_shape *sh =
		n > 0 && n <= RD_SHAPE_KEYS ? rd_json_shape_find(&e->shapes, L, base, (int)n, &hash) : NULL;
	/* remembered after it is written when every key is a string and every
	 * key was written (encode_spliced may leave one out) */
	int learn = !sh && n > 0 && n <= RD_SHAPE_KEYS &&
		    !(depth == 0 && e->splice_raws && lua_type(L, e->splice_raws) == LUA_TBOOLEAN);
	size_t kstart[RD_SHAPE_KEYS], kend[RD_SHAPE_KEYS];
	if (sh) {
		for (int k = 0; k < (int)n; k++) {
			keys[k].s = sh->s[k];
			keys[k].len = sh->len[k];
			keys[k].slot = base + 1 + 2 * sh->at[k];
		}
		goto write;
	}
	if (n > 32) {
		keys = lua_newuserdatauv(L, (size_t)n * sizeof *keys, 0);
		digits = lua_newuserdatauv(L, (size_t)n * 24, 0);
	}
	for (lua_Integer k = 0; k < n; k++) {
		int slot = base + 1 + 2 * (int)k;
		keys[k].slot = slot;
		if (lua_type(L, slot) == LUA_TSTRING) {
			keys[k].s = lua_tolstring(L, slot, &keys[k].len);
		} else if (lua_isinteger(L, slot)) {
			learn = 0;
			char *d = digits + k * 24;
			keys[k].len = rd__int_text(d, (long long)lua_tointeger(L, slot));
			keys[k].s = d;
		} else {
			return fail(e, "object keys must be strings");
		}
		keys[k].pre = key_prefix(keys[k].s, keys[k].len);
	}
	/* objects here are small: insertion sort beats qsort's setup */
	for (lua_Integer a = 1; a < n; a++) {
		struct rd_json_key x = keys[a];
		lua_Integer b = a - 1;
		while (b >= 0 && key_cmp(&keys[b], &x) > 0) {
			keys[b + 1] = keys[b];
			b--;
		}
		keys[b + 1] = x;
	}
write:
	add_char(e, '{');
	int first = 1;
	for (lua_Integer k = 0; k < n; k++) {
		int spliced = depth == 0 && e->splice_raws && keys[k].len == e->splice_len &&
			      memcmp(keys[k].s, e->splice_key, e->splice_len) == 0;
		if (spliced && lua_type(L, e->splice_raws) == LUA_TBOOLEAN)
			continue; /* false: the member is left out */
		size_t member_at = e->len;
		if (!first)
			add_char(e, ',');
		int was_first = first;
		first = 0;
		if (sh) {
			add(e, sh->text + sh->off[k], (size_t)(sh->off[k + 1] - sh->off[k]));
		} else {
			size_t at = e->len;
			if (put_string(e, keys[k].s, keys[k].len))
				return -1;
			add_char(e, ':');
			if (learn) {
				kstart[k] = at;
				kend[k] = e->len;
			}
		}
		if (spliced) {
			if (lua_type(L, e->splice_raws) == LUA_TSTRING) { /* one text: the member's value */
				size_t len;
				const char *raw = lua_tolstring(L, e->splice_raws, &len);
				add(e, raw, len);
			} else {
				put_raws(e, e->splice_raws);
			}
			/* the member first: the next member's comma goes with it */
			e->cut_from = member_at;
			e->cut_to = e->len + (was_first && k + 1 < n);
			continue;
		}
		if (depth == 0 && e->arrays && empty_array_member(e, keys[k].slot)) {
			add_str(e, "[]");
			continue;
		}
		int rc = put_value(e, keys[k].slot + 1, depth + 1);
		if (rc)
			return rc;
	}
	add_char(e, '}');
	if (learn)
		rd_json_shape_learn(&e->shapes, L, lua_upvalueindex(1), base, (int)n, hash, keys, e->buf, kstart, kend);
	return 0;
}

static int put_value(struct enc *e, int i, int depth)
{
	lua_State *L = e->L;
	char num[64];
	switch (lua_type(L, i)) {
	case LUA_TNIL:
		add_str(e, "null");
		return 0;
	case LUA_TLIGHTUSERDATA:
		if (lua_touserdata(L, i) != NULL)
			break;
		add_str(e, "null");
		return 0;
	case LUA_TBOOLEAN:
		add_str(e, lua_toboolean(L, i) ? "true" : "false");
		return 0;
	case LUA_TNUMBER:
		if (lua_isinteger(L, i)) {
			add(e, num, rd__int_text(num, (long long)lua_tointeger(L, i)));
			return 0;
		} else {
			double d = lua_tonumber(L, i);
			if (!isfinite(d))
				return fail(e, "numbers must be finite");
			snprintf(num, sizeof num, "%.15g", d);
			if (!strpbrk(num, ".eE"))
				strcat(num, ".0"); /* a float stays a float when read back */
		}
		add_str(e, num);
		return 0;
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, i, &len);
		if (len == sizeof EMPTY_ARRAY - 1 && memcmp(s, EMPTY_ARRAY, len) == 0) {
			add_str(e, "[]");
			return 0;
		}
		return put_string(e, s, len);
	}
	case LUA_TTABLE: {
		int top = lua_gettop(L);
		int rc = put_table(e, i, depth);
		lua_settop(L, top);
		return rc;
	}
	default:
		break;
	}
	return fail(e, "a function, thread or userdata cannot be written as JSON");
}

/* Encodes the value at index 1; pushes its text and, when cut is set,
 * also the text without the spliced member (encode_spliced). */
static int encode(lua_State *L, struct enc *e, int cut)
{
	e->L = L;
	e->len = 0;
	e->why = NULL;
	e->cut_from = e->cut_to = 0;
	rd_json_shapes_done(&e->shapes); /* an encode that raised (out of memory) left some */
	int rc = put_value(e, 1, 0);
	e->splice_raws = 0;
	e->arrays = 0;
	rd_json_shapes_done(&e->shapes);
	if (rc) {
		const char *why = e->why ? e->why : "cannot encode";
		return luaL_error(L, "json.encode: %s", why);
	}
	lua_pushlstring(L, e->buf ? e->buf : "", e->len);
	int results = 1;
	if (cut) {
		if (e->cut_to) { /* the first text is Lua's now: the buffer is free to cut */
			memmove(e->buf + e->cut_from, e->buf + e->cut_to, e->len - e->cut_to);
			lua_pushlstring(L, e->buf, e->len - (e->cut_to - e->cut_from));
		} else {
			lua_pushvalue(L, -1); /* the member was not there, or left out */
		}
		results = 2;
	}
	if (e->cap > ENC_KEEP) {
		free(e->buf);
		e->buf = NULL;
		e->cap = 0;
	}
	return results;
}

/* The optional set of array keys at index i (json.encode's second
 * argument, encode_spliced's fourth): its index, or 0. */
static int arrays_arg(lua_State *L, int i)
{
	if (lua_isnoneornil(L, i))
		return 0;
	luaL_checktype(L, i, LUA_TTABLE);
	return i;
}

/** json.encode(value [, arrays]) → canonical JSON text (raises on a value
 * JSON cannot hold). arrays: a set of keys ({ tags = true, … }) of the
 * top table whose values, when empty tables, are written as [] (as
 * json.array marks one), without the caller swapping them in and out. */
static int l_encode(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_settop(L, 2);
	struct enc *e = lua_touserdata(L, lua_upvalueindex(1));
	e->splice_raws = 0;
	e->arrays = lua_istable(L, 1) ? arrays_arg(L, 2) : 0;
	return encode(L, e, 0);
}

/** json.encode_spliced(t, key, raws [, arrays [, rest]]) → the canonical JSON of table t with
 * its member key (which t must have) written from JSON this encoder wrote
 * before, as it is: raws a list of texts (the member is their array) or
 * one text (the member's value); false leaves the member out. A decision's
 * actions, each encoded once and its bytes shared with its outbox row, go
 * into the decision's record without a second encode or an intermediate
 * string; so does an offer's message into the offer. With rest true, a
 * second result: the same text without the member (the offer's own outbox
 * row), cut out of the first: the bytes encode_spliced(t, key, false)
 * gives, without a second encode. */
static int l_encode_spliced(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	size_t len;
	const char *key = luaL_checklstring(L, 2, &len);
	if (lua_type(L, 3) == LUA_TBOOLEAN) {
		luaL_argcheck(L, !lua_toboolean(L, 3), 3, "false (leave the member out), a text or a list of texts");
	} else if (lua_type(L, 3) != LUA_TSTRING) {
		luaL_checktype(L, 3, LUA_TTABLE);
	}
	lua_settop(L, 5);
	int rest = lua_toboolean(L, 5);
	struct enc *e = lua_touserdata(L, lua_upvalueindex(1));
	e->splice_key = key;
	e->splice_len = len;
	e->splice_raws = 3;
	e->arrays = arrays_arg(L, 4);
	return encode(L, e, rest);
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
		{ "encode", NULL }, /* a closure over its encoder, below */
		{ "decode", NULL },         /* json_decode.c */
		{ "decode_checked", NULL }, /* json_decode.c */
		{ "is_array", l_is_array },
		{ "valid_utf8", l_valid_utf8 },
		{ NULL, NULL },
	};
	luaL_newmetatable(L, ARRAY_MT);
	lua_pushliteral(L, "json.array");
	lua_setfield(L, -2, "__name");
	lua_pop(L, 1);
	luaL_newlib(L, fns);
	/* json.encode's encoder, with the buffer it keeps */
	struct enc *e = lua_newuserdatauv(L, sizeof *e, 1);
	memset(e, 0, sizeof *e);
	lua_newtable(L); /* the anchor table: the remembered shapes' keys */
	lua_setiuservalue(L, -2, 1);
	lua_newtable(L);
	lua_pushcfunction(L, enc_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_pushcclosure(L, l_encode, 1);
	lua_setfield(L, -3, "encode");
	lua_pushcclosure(L, l_encode_spliced, 1);
	lua_setfield(L, -2, "encode_spliced");
	rd__json_readers(L);
	lua_pushlightuserdata(L, NULL);
	lua_setfield(L, -2, "null");
	lua_pushlstring(L, EMPTY_ARRAY, sizeof EMPTY_ARRAY - 1);
	lua_setfield(L, -2, "empty_array");
	return 1;
}
