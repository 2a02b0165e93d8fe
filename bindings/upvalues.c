/* upvalues.c — rd.upvalue_writes(f): which of a Lua function's upvalues its
 * code can assign, read from its bytecode (lua_dump).
 *
 * A pack's state is put back after every policy call (sandbox.lua freeze):
 * every upvalue of the pack's functions to its load-time value. Most of them
 * are modules, settings and helpers that no code ever assigns, and setting
 * them back was a decision's largest fixed cost for packs with much module
 * state (retail-eu: 40 upvalues, about 10,000 instructions a call). An
 * upvalue can be rebound only by OP_SETUPVAL in the code of a closure that
 * has it: the function itself, or a function nested in it (created at run
 * time) that refers to it through its own upvalue list. This walks the
 * function's prototype and every nested one, following those references.
 *
 * The dump format and the opcode are Lua 5.4's (ldump.c, lopcodes.h, which
 * Debian does not ship): the header is checked, every read is bounded, and a
 * self-test at first use must find the write in a known function. Anything
 * unexpected answers nil, and the caller puts back every upvalue, as before.
 */
#include <lauxlib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bindings.h"

#define OP_SETUPVAL 10 /* lopcodes.h, Lua 5.4: UpValue[B] := R[A] */
#define MAX_UPVALUES 255
#define MAX_NESTING 200

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static int writer(lua_State *L, const void *p, size_t sz, void *ud)
{
	(void)L;
	struct buf *b = ud;
	if (b->len + sz > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + sz)
			cap *= 2;
		unsigned char *n = realloc(b->p, cap);
		if (!n)
			return 1;
		b->p = n;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, sz);
	b->len += sz;
	return 0;
}

struct rd {
	const unsigned char *p, *end;
	int bad;
};

static const unsigned char *take(struct rd *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = 1;
		return NULL;
	}
	const unsigned char *at = r->p;
	r->p += n;
	return at;
}

static int byte(struct rd *r)
{
	const unsigned char *b = take(r, 1);
	return b ? *b : 0;
}

/* ldump.c dumpSize: 7 bits a byte, most significant first, the last byte
 * marked with 0x80. */
static size_t size(struct rd *r)
{
	size_t x = 0;
	for (int i = 0; i < 10; i++) {
		int b = byte(r);
		if (r->bad)
			return 0;
		x = (x << 7) | (size_t)(b & 0x7f);
		if (b & 0x80)
			return x;
	}
	r->bad = 1;
	return 0;
}

static void skip_string(struct rd *r)
{
	size_t n = size(r);
	if (n > 0)
		take(r, n - 1);
}

/* What one prototype tells: its upvalues (instack: a local of the
 * function that made the closure, else that function's upvalue idx) and
 * which of them its code, or a function nested in it, may assign. */
struct proto {
	int nup;
	unsigned char instack[MAX_UPVALUES], idx[MAX_UPVALUES], written[MAX_UPVALUES];
};

static void function(struct rd *r, struct proto *f, int depth)
{
	memset(f, 0, sizeof *f);
	if (depth > MAX_NESTING) {
		r->bad = 1;
		return;
	}
	skip_string(r); /* source */
	size(r);        /* linedefined */
	size(r);        /* lastlinedefined */
	take(r, 3);     /* numparams, is_vararg, maxstacksize */
	size_t ncode = size(r);
	const unsigned char *code = ncode <= SIZE_MAX / 4 ? take(r, ncode * 4) : (r->bad = 1, NULL);
	size_t nk = size(r);
	for (size_t i = 0; i < nk && !r->bad; i++) {
		int tt = byte(r);
		if (tt == 3 || tt == 19) /* LUA_VNUMINT, LUA_VNUMFLT: 8 bytes */
			take(r, 8);
		else if (tt == 4 || tt == 20) /* LUA_VSHRSTR, LUA_VLNGSTR */
			skip_string(r);
		else if (tt != 0 && tt != 1 && tt != 17) /* nil, false, true carry nothing */
			r->bad = 1;
	}
	size_t nup = size(r);
	if (r->bad || nup > MAX_UPVALUES) {
		r->bad = 1;
		return;
	}
	f->nup = (int)nup;
	for (size_t i = 0; i < nup && !r->bad; i++) {
		f->instack[i] = (unsigned char)byte(r);
		f->idx[i] = (unsigned char)byte(r);
		byte(r); /* kind */
	}
	if (r->bad)
		return;
	for (size_t pc = 0; pc < ncode; pc++) {
		const unsigned char *c = code + pc * 4;
		uint32_t ins = (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
		if ((ins & 0x7f) != OP_SETUPVAL)
			continue;
		size_t b = (ins >> 16) & 0xff;
		if (b >= nup) {
			r->bad = 1;
			return;
		}
		f->written[b] = 1;
	}
	/* a nested function that assigns one of its upvalues which is one of
	 * this function's (instack 0) assigns this function's */
	size_t nprotos = size(r);
	struct proto *sub = nprotos ? malloc(sizeof *sub) : NULL;
	if (nprotos && !sub)
		r->bad = 1;
	for (size_t i = 0; i < nprotos && !r->bad; i++) {
		function(r, sub, depth + 1);
		for (int j = 0; j < sub->nup && !r->bad; j++) {
			if (!sub->written[j] || sub->instack[j])
				continue;
			if (sub->idx[j] >= nup)
				r->bad = 1;
			else
				f->written[sub->idx[j]] = 1;
		}
	}
	free(sub);
	/* debug information */
	size_t n = size(r);
	take(r, n); /* lineinfo */
	n = size(r);
	for (size_t i = 0; i < n && !r->bad; i++) {
		size(r);
		size(r);
	}
	n = size(r);
	for (size_t i = 0; i < n && !r->bad; i++) {
		skip_string(r);
		size(r);
		size(r);
	}
	n = size(r);
	for (size_t i = 0; i < n && !r->bad; i++)
		skip_string(r);
}

/* The upvalues of the Lua function at index fi may assign, into out (by
 * index from 0); 0, or -1 when its dump is not one this reader knows. */
static int writes_of(lua_State *L, int fi, struct proto *out)
{
	struct buf b = { 0 };
	lua_pushvalue(L, fi);
	int rc = lua_dump(L, writer, &b, 0);
	lua_pop(L, 1);
	struct rd r = { b.p, b.p + b.len, rc != 0 || !b.p };
	static const unsigned char head[] = { 0x1b, 'L', 'u', 'a', 0x54, 0, 0x19, 0x93, '\r', '\n', 0x1a, '\n', 4, 8, 8 };
	const unsigned char *h = take(&r, sizeof head);
	if (h && memcmp(h, head, sizeof head) != 0)
		r.bad = 1;
	take(&r, 16); /* LUAC_INT, LUAC_NUM */
	byte(&r);     /* the closure's number of upvalues */
	if (!r.bad)
		function(&r, out, 0);
	if (r.p != r.end)
		r.bad = 1;
	free(b.p);
	return r.bad ? -1 : 0;
}

/* Whether this reader finds the assignment in a function known to make one
 * (and none in one that makes none): the format or the opcode has changed
 * otherwise, and no answer can be trusted. */
static int reader_works(lua_State *L)
{
	static int known = -1; /* -1: not looked yet (every state finds the same) */
	int k = __atomic_load_n(&known, __ATOMIC_ACQUIRE);
	if (k >= 0)
		return k;
	static const char probe[] = "local a, b, c = 1, 2, 3\n"
				    "return function() local t = b; return function() c = t + a end end";
	int ok = 0;
	struct proto *p = malloc(sizeof *p);
	int top = lua_gettop(L);
	if (p && luaL_loadstring(L, probe) == LUA_OK && rd_lua_pcall(L, 0, 1, 0) == LUA_OK && lua_isfunction(L, -1)) {
		int fi = lua_gettop(L);
		/* upvalues of the outer closure: a and b read, c assigned by the
		 * closure nested in it */
		if (writes_of(L, fi, p) == 0 && p->nup == 3) {
			int w = 0;
			for (int i = 1; i <= 3; i++) {
				const char *name = lua_getupvalue(L, fi, i);
				if (name)
					lua_pop(L, 1);
				if (name && p->written[i - 1])
					w |= name[0] == 'c' ? 1 : 2;
			}
			ok = w == 1;
		}
	}
	lua_settop(L, top);
	free(p);
	__atomic_store_n(&known, ok, __ATOMIC_RELEASE);
	return ok;
}

/** rd.upvalue_writes(f) → a set of the upvalue indices (from 1) that f's
 * code or a function nested in it may assign; nil when it cannot tell
 * (then any may be). A C function has none. */
static int l_upvalue_writes(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TFUNCTION);
	lua_settop(L, 1);
	if (lua_iscfunction(L, 1)) {
		lua_newtable(L);
		return 1;
	}
	struct proto *p = reader_works(L) ? malloc(sizeof *p) : NULL;
	if (!p || writes_of(L, 1, p) != 0) {
		free(p);
		lua_pushnil(L);
		return 1;
	}
	lua_newtable(L);
	for (int i = 0; i < p->nup; i++) {
		if (p->written[i]) {
			lua_pushboolean(L, 1);
			lua_rawseti(L, -2, i + 1);
		}
	}
	free(p);
	return 1;
}

void rd__upvalues_open(lua_State *L)
{
	lua_pushcfunction(L, l_upvalue_writes);
	lua_setfield(L, -2, "upvalue_writes");
}
