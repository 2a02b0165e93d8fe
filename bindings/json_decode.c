/* json_decode.c — rd.json's reader: JSON text to Lua values through yajl's
 * event parser, building the tables as the events come (no intermediate
 * tree: jansson's tree cost about 170 instructions per byte of a request
 * body, this about a tenth of that).
 *
 * What it reads back is what json.c writes (the rules are listed there):
 * a number without a fraction or exponent is an integer, any other a
 * float; null is the light userdata NULL; an empty array comes back marked
 * (RD_JSON_ARRAY_MT), so it is written back as []. Strings must be UTF-8
 * (yajl checks) and \u escapes must pair their surrogates (checked here:
 * yajl would put "?" for a lone one).
 *
 * decode_checked is for untrusted input: beyond the syntax it refuses a NUL
 * inside a string and a number past ±(2^53 − 1), returning nil, why and the
 * path to the first such value ("order.items[2].name", arrays counted from
 * 1 as in Lua) — after the whole text parsed, so bad syntax anywhere is
 * reported as that.
 */
#include <errno.h>
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "bindings.h"

#define MAX_DEPTH 64
#define MAX_SAFE_INTEGER 9007199254740991LL /* 2^53 − 1: every JSON reader holds it exactly */

/* What is built of a value: all of it, none of it (only read and checked),
 * or the parts a projection names (decode_only). */
enum { BUILD_ALL, BUILD_NONE, BUILD_SOME };

/* A container's table is made when it closes, at its size: its entries
 * wait on the stack above base until then (pending), so a table is not
 * grown entry by entry (each growth rehashes what it holds). Past
 * FLUSH_AT entries the table is made and the rest go straight into it. */
#define FLUSH_AT 256

struct frame {
	int is_map;
	int key;        /* maps: the stack slot of the current key */
	lua_Integer n;  /* arrays: elements so far */
	int mode;       /* how this container is built (nothing on the stack when BUILD_NONE) */
	int child;      /* how its next value is built */
	int base;       /* the stack top when it opened: its table goes to base + 1 */
	int made;       /* its table is made (at base + 1) */
	int pending;    /* entries on the stack above base, not yet in the table */
};

struct reader {
	lua_State *L;
	int checked;
	/* customer_of, type_of: read for the string at this path of object
	 * keys (NULL-terminated), build nothing */
	const char *const *peek;
	int peek_depth;
	int peek_last; /* type_of: read on to the last such string (the one a
			* table takes), not up to the first (customer_of) */
	int found; /* peek: the stack slot holding that string, or 0 */
	int done;  /* peek: it was read, the parse stopped there */
	int root;  /* how the document is built */
	int specs; /* decode_only: the stack slot of a table, depth → the projection there */
	int depth; /* open containers */
	struct frame frames[MAX_DEPTH + 1];
	const char *fatal; /* stops the parse: the message */
	const char *why;   /* decode_checked: the first refused value */
	char path[512];
};

/* The parser of a call that a Lua error (out of memory) unwound through is
 * freed by the next call, or by the slot's __gc. */
struct slot {
	yajl_handle h;
};

static int slot_gc(lua_State *L)
{
	struct slot *s = lua_touserdata(L, 1);
	if (s->h)
		yajl_free(s->h);
	s->h = NULL;
	return 0;
}

/* The path to the value being read, for decode_checked's answer. */
static void note_path(struct reader *r, const char *why)
{
	if (r->why)
		return;
	r->why = why;
	size_t len = 0, cap = sizeof r->path;
	r->path[0] = '\0';
	for (int i = 0; i < r->depth; i++) {
		char part[40];
		const char *p = part;
		size_t n;
		if (r->frames[i].is_map) {
			p = lua_tolstring(r->L, r->frames[i].key, &n);
			if (len > 0 && len + 1 < cap)
				r->path[len++] = '.';
		} else {
			n = (size_t)snprintf(part, sizeof part, "[%lld]", (long long)r->frames[i].n + 1);
		}
		if (len + n + 1 > cap)
			break; /* a path too long to show stays cut */
		memcpy(r->path + len, p, n);
		len += n;
		r->path[len] = '\0';
	}
}

/* How the value being read is built. */
static int mode_now(const struct reader *r)
{
	return r->depth == 0 ? r->root : r->frames[r->depth - 1].child;
}

/* Makes f's table, at its size so far, below the entries that wait on
 * the stack, and moves them into it: a map's in order (the last of a
 * repeated key wins), an array's last first (each set pops the top). */
static void make_table(lua_State *L, struct frame *f)
{
	int t = f->base + 1;
	if (f->is_map) {
		lua_createtable(L, 0, f->pending);
		lua_insert(L, t);
		for (int k = t + 1; k < t + 1 + 2 * f->pending; k += 2) {
			lua_pushvalue(L, k);
			lua_pushvalue(L, k + 1);
			lua_rawset(L, t);
		}
		lua_settop(L, t);
	} else {
		lua_createtable(L, f->pending, 0);
		lua_insert(L, t);
		for (lua_Integer i = f->n; f->pending > 0; f->pending--)
			lua_rawseti(L, t, i--);
	}
	f->pending = 0;
	f->made = 1;
}

/* Puts the value on top into its container (or leaves it: the document).
 * A value not built was not pushed: a map's key is dropped instead. */
static int attach(struct reader *r, int built)
{
	if (r->depth == 0)
		return 1;
	struct frame *f = &r->frames[r->depth - 1];
	if (!built) {
		if (f->is_map)
			lua_pop(r->L, 1);
		else
			f->n++;
		return 1;
	}
	if (!f->is_map)
		f->n++;
	if (f->made) {
		if (f->is_map)
			lua_rawset(r->L, f->base + 1);
		else
			lua_rawseti(r->L, f->base + 1, f->n);
		return 1;
	}
	if (++f->pending == FLUSH_AT)
		make_table(r->L, f);
	/* until the next entry is attached, the text may push a key for every
	 * container it opens (64 at most) and one value: the room the parse
	 * began with, again above what waits */
	luaL_checkstack(r->L, 2 * MAX_DEPTH + 8, "json.decode");
	return 1;
}

/* The projection named for child (a string key, or "*" for an array's
 * elements) of the container at depth d, as a mode; a table projection is
 * kept for depth d + 1. */
static int projected(struct reader *r, int d, const char *k, size_t len)
{
	lua_State *L = r->L;
	lua_rawgeti(L, r->specs, d);
	lua_pushlstring(L, k, len);
	lua_rawget(L, -2);
	int mode = BUILD_NONE;
	if (lua_istable(L, -1)) {
		mode = BUILD_SOME;
		lua_pushvalue(L, -1);
		lua_rawseti(L, r->specs, d + 1);
	} else if (lua_toboolean(L, -1)) {
		mode = BUILD_ALL;
	}
	lua_pop(L, 2);
	return mode;
}

static int on_null(void *ud)
{
	struct reader *r = ud;
	int build = mode_now(r) != BUILD_NONE;
	if (build)
		lua_pushlightuserdata(r->L, NULL);
	return attach(r, build);
}

static int on_boolean(void *ud, int b)
{
	struct reader *r = ud;
	int build = mode_now(r) != BUILD_NONE;
	if (build)
		lua_pushboolean(r->L, b);
	return attach(r, build);
}

static int on_number(void *ud, const char *s, size_t len)
{
	struct reader *r = ud;
	int build = mode_now(r) != BUILD_NONE;
	char buf[128];
	if (len >= sizeof buf) {
		r->fatal = "number too long";
		return 0;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	if (!memchr(s, '.', len) && !memchr(s, 'e', len) && !memchr(s, 'E', len)) {
		long long v = strtoll(buf, NULL, 10);
		if (errno == ERANGE) {
			r->fatal = v < 0 ? "too big negative integer" : "too big integer";
			return 0;
		}
		if (r->checked && (v > MAX_SAFE_INTEGER || v < -MAX_SAFE_INTEGER))
			note_path(r, "out_of_range");
		if (build)
			lua_pushinteger(r->L, (lua_Integer)v);
	} else {
		double d = strtod(buf, NULL);
		if (!isfinite(d)) {
			r->fatal = "real number overflow";
			return 0;
		}
		if (r->checked && (d > (double)MAX_SAFE_INTEGER || d < -(double)MAX_SAFE_INTEGER))
			note_path(r, "out_of_range");
		if (build)
			lua_pushnumber(r->L, d);
	}
	return attach(r, build);
}

/* Whether the map key at slot is the string want. */
static int key_is(lua_State *L, int slot, const char *want)
{
	size_t n;
	const char *k = lua_tolstring(L, slot, &n);
	return n == strlen(want) && memcmp(k, want, n) == 0;
}

/* Whether the value being read is at the peek's path: in objects only,
 * under the path's keys. */
static int at_peek(const struct reader *r)
{
	if (r->depth != r->peek_depth)
		return 0;
	for (int i = 0; i < r->depth; i++)
		if (!r->frames[i].is_map || !key_is(r->L, r->frames[i].key, r->peek[i]))
			return 0;
	return 1;
}

static int on_string(void *ud, const unsigned char *s, size_t len)
{
	struct reader *r = ud;
	if (r->checked && memchr(s, 0, len))
		note_path(r, "nul");
	int build = mode_now(r) != BUILD_NONE;
	if (build) {
		lua_pushlstring(r->L, (const char *)s, len);
	} else if (r->peek && at_peek(r)) {
		lua_pushlstring(r->L, (const char *)s, len); /* kept in the reserved slot */
		lua_replace(r->L, r->found);
		if (r->peek_last)
			return attach(r, 0); /* the key goes; a later one replaces the string */
		r->done = 1;
		return 0; /* what follows is the worker's to read (l_customer_of) */
	}
	return attach(r, build);
}

static int open_container(struct reader *r, int is_map)
{
	if (r->depth >= MAX_DEPTH) {
		r->fatal = "nested deeper than 64";
		return 0;
	}
	int mode = mode_now(r);
	struct frame *f = &r->frames[r->depth];
	f->is_map = is_map;
	f->n = 0;
	f->mode = mode;
	f->base = lua_gettop(r->L);
	f->made = 0;
	f->pending = 0;
	/* a map's projection is looked up per key (on_map_key); an array's
	 * elements all follow its "*" */
	f->child = mode == BUILD_SOME && !is_map ? projected(r, r->depth + 1, "*", 1) : mode;
	r->depth++;
	return 1;
}

static int on_start_map(void *ud)
{
	return open_container(ud, 1);
}

static int on_map_key(void *ud, const unsigned char *k, size_t len)
{
	struct reader *r = ud;
	struct frame *f = &r->frames[r->depth - 1];
	if (f->mode == BUILD_SOME)
		f->child = projected(r, r->depth, (const char *)k, len);
	lua_pushlstring(r->L, (const char *)k, len);
	r->frames[r->depth - 1].key = lua_gettop(r->L);
	return 1;
}

static int on_end_map(void *ud)
{
	struct reader *r = ud;
	struct frame *f = &r->frames[r->depth - 1];
	if (f->mode != BUILD_NONE && !f->made)
		make_table(r->L, f);
	r->depth--;
	return attach(r, f->mode != BUILD_NONE);
}

static int on_start_array(void *ud)
{
	return open_container(ud, 0);
}

static int on_end_array(void *ud)
{
	struct reader *r = ud;
	struct frame *f = &r->frames[r->depth - 1];
	if (f->mode != BUILD_NONE && !f->made)
		make_table(r->L, f);
	if (f->n == 0 && f->mode != BUILD_NONE)
		luaL_setmetatable(r->L, RD_JSON_ARRAY_MT);
	r->depth--;
	return attach(r, f->mode != BUILD_NONE);
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_end_map,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end_array,
};

static int hex4(const char *s, unsigned *cp)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return 0;
	}
	*cp = v;
	return 1;
}

/* The offset of the first \u escape that is half of a surrogate pair
 * without its other half, or -1. Malformed escapes are left to yajl. */
static long lone_surrogate(const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		if (end - p < 2)
			break;
		if (p[1] != 'u') {
			p += 2;
			continue;
		}
		unsigned cp, lo;
		if (end - p < 6 || !hex4(p + 2, &cp))
			break;
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return p - s;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || !hex4(p + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF)
				return p - s;
			p += 12;
			continue;
		}
		p += 6;
	}
	return -1;
}

/* Raises "json.decode: WHAT at line L, column C", at byte offset off of s. */
static int raise_at(lua_State *L, const char *what, const char *s, size_t off)
{
	int line = 1, col = 1;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return luaL_error(L, "json.decode: %s at line %d, column %d", what, line, col);
}

/* root: BUILD_ALL (decode, decode_checked), BUILD_NONE with peek
 * (customer_of, type_of: the path read up to), BUILD_SOME (decode_only:
 * the projection at index 2). */
static int decode(lua_State *L, int checked, const char *const *peek, int peek_last, int root)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	if (root == BUILD_SOME) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_settop(L, 2);
		lua_createtable(L, 8, 0); /* slot 3: depth → projection */
		lua_pushvalue(L, 2);
		lua_rawseti(L, 3, 1);
	} else {
		lua_settop(L, 1);
	}
	if (peek)
		lua_pushnil(L); /* slot 2: the peeked string when the text has one */
	struct slot *slot = lua_touserdata(L, lua_upvalueindex(1));
	if (slot->h) { /* left by a call a Lua error unwound */
		yajl_free(slot->h);
		slot->h = NULL;
	}
	long bad = lone_surrogate(s, len);
	if (bad >= 0)
		return raise_at(L, "invalid Unicode escape (half of a surrogate pair)", s, (size_t)bad);
	luaL_checkstack(L, 2 * MAX_DEPTH + 8, "json.decode");
	int peek_depth = 0;
	while (peek && peek[peek_depth])
		peek_depth++;
	struct reader r = { .L = L, .checked = checked, .peek = peek, .peek_depth = peek_depth, .peek_last = peek_last,
			    .found = peek ? 2 : 0,
			    .root = root,
			    .specs = root == BUILD_SOME ? 3 : 0 };
	slot->h = yajl_alloc(&callbacks, NULL, &r);
	if (!slot->h)
		return luaL_error(L, "json.decode: out of memory");
	yajl_status st = yajl_parse(slot->h, (const unsigned char *)s, len);
	size_t off = len; /* where it failed: in the text, or at its end */
	if (st == yajl_status_client_canceled && r.done)
		st = yajl_status_ok; /* a peek stopped at its string */
	else if (st == yajl_status_ok)
		st = yajl_complete_parse(slot->h);
	else
		off = yajl_get_bytes_consumed(slot->h);
	if (st != yajl_status_ok) {
		char what[160];
		if (r.fatal) {
			snprintf(what, sizeof what, "%s", r.fatal);
		} else {
			unsigned char *msg = yajl_get_error(slot->h, 0, NULL, 0);
			snprintf(what, sizeof what, "%s", msg ? (const char *)msg : "invalid JSON");
			if (msg)
				yajl_free_error(slot->h, msg);
			what[strcspn(what, "\n")] = '\0';
		}
		yajl_free(slot->h);
		slot->h = NULL;
		return raise_at(L, what, s, off > 0 && off <= len ? off - 1 : 0);
	}
	yajl_free(slot->h);
	slot->h = NULL;
	if (r.why) {
		lua_pushnil(L);
		lua_pushstring(L, r.why);
		lua_pushstring(L, r.path);
		return 3;
	}
	if (peek) {
		lua_settop(L, 2);
		lua_pushboolean(L, 1);
		lua_insert(L, 2);
		return 2; /* true, the string or nil */
	}
	return 1; /* the document, above the text */
}

/** json.decode(text) → value (raises "json.decode: … at line L, column C") */
static int l_decode(lua_State *L)
{
	return decode(L, 0, NULL, 0, BUILD_ALL);
}

/** json.decode_only(text, projection) → the parts of trusted JSON text a
 * projection names, building nothing else: projection is a table whose keys
 * are the object keys to keep (true: the whole value; a table: that value
 * projected the same way; "*" in a projection: every element of an array).
 * decode_only(s, { seq = true, pack = { version = true }, actions = { ["*"] =
 * { type = true } } }) reads a decision's fields and its actions' types. */
static int l_decode_only(lua_State *L)
{
	return decode(L, 0, NULL, 0, BUILD_SOME);
}

/** json.decode_checked(text) → value | nil, why ("nul" | "out_of_range"),
 * path: json.decode for untrusted input, with its values checked. */
static int l_decode_checked(lua_State *L)
{
	return decode(L, 1, NULL, 0, BUILD_ALL);
}

/** json.customer_of(text) → true, customer.id (a string, or nil when the
 * text has none) | nil, why, path: decode_checked's reading and checks of
 * untrusted text, building no table, up to the top-level customer object's
 * id: the API reads a complaint's customer for its dispatch key on the loop
 * thread, and the worker reads the whole text with decode_checked, so what
 * follows the id is read once, by the worker, which refuses it with the
 * same answer. The text before the id, and the whole text when it has no
 * id, is read and refused here as decode_checked would. */
static int l_customer_of(lua_State *L)
{
	static const char *const path[] = { "customer", "id", NULL };
	return decode(L, 1, path, 0, BUILD_NONE);
}

/** json.type_of(text) → true, type (a string, or nil when the text has no
 * top-level type that is a string) | nil, why, path: decode_checked's
 * reading and checks of the whole text, building no table, for the
 * top-level object's type — the last one that is a string, as the table
 * decode_checked makes holds the last of members named twice. The API
 * reads an event's type on the loop thread (an approval needs an approver),
 * and the worker decodes the whole text, once: both see the same type, or
 * the worker's is not a string and the event is refused. */
static int l_type_of(lua_State *L)
{
	static const char *const path[] = { "type", NULL };
	return decode(L, 1, path, 1, BUILD_NONE);
}

void rd__json_readers(lua_State *L)
{
	struct slot *slot = lua_newuserdatauv(L, sizeof *slot, 0);
	slot->h = NULL;
	lua_newtable(L);
	lua_pushcfunction(L, slot_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_pushcclosure(L, l_decode, 1);
	lua_setfield(L, -3, "decode");
	lua_pushvalue(L, -1);
	lua_pushcclosure(L, l_customer_of, 1);
	lua_setfield(L, -3, "customer_of");
	lua_pushvalue(L, -1);
	lua_pushcclosure(L, l_type_of, 1);
	lua_setfield(L, -3, "type_of");
	lua_pushvalue(L, -1);
	lua_pushcclosure(L, l_decode_only, 1);
	lua_setfield(L, -3, "decode_only");
	lua_pushcclosure(L, l_decode_checked, 1);
	lua_setfield(L, -2, "decode_checked");
}
