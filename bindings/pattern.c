/* pattern.c — string.find, match, gmatch and gsub with a step budget.
 *
 * Lua's own matcher backtracks inside one C call, where the count hook
 * never runs: `("a"):rep(1e4):find(("a*"):rep(8) .. "b")` takes hours and
 * nothing can stop it short of killing the thread. These functions match
 * the same patterns with the same results (the reference manual, §6.4.1),
 * but every matcher step is charged to the running sandbox call
 * (rd_budget_charge), so a pathological pattern is stopped by the
 * instruction budget or the wall-clock limit like any loop, and the count
 * is deterministic. Outside a sandbox call nothing is charged.
 *
 * rd_patterns_install replaces the four functions in the `string` table of
 * a state; strings' methods (`s:find`) use that table too.
 */
#define _GNU_SOURCE
#include "bindings.h"

#include <ctype.h>
#include <lauxlib.h>
#include <string.h>

#define PAT_MAXCAPTURES 32
#define PAT_MAXDEPTH 200
#define CAP_OPEN (-1)     /* capture started, not closed yet */
#define CAP_POSITION (-2) /* a () capture: the position */
#define CHARGE_EVERY 1024

typedef struct {
	lua_State *L;
	const char *src, *src_end, *pat_end;
	int depth;
	int level;
	long pending; /* steps not charged yet */
	struct {
		const char *start;
		ptrdiff_t len;
	} cap[PAT_MAXCAPTURES];
} matcher;

static void step(matcher *m)
{
	if (++m->pending >= CHARGE_EVERY) {
		rd_budget_charge(m->L, m->pending);
		m->pending = 0;
	}
}

static void flush(matcher *m)
{
	if (m->pending) {
		long n = m->pending;
		m->pending = 0;
		rd_budget_charge(m->L, n);
	}
}

/* The end of the single-character class starting at p. */
static const char *class_end(matcher *m, const char *p)
{
	char c = *p++;
	if (c == '%') {
		if (p >= m->pat_end)
			luaL_error(m->L, "malformed pattern (ends with '%%')");
		return p + 1;
	}
	if (c == '[') {
		if (p < m->pat_end && *p == '^')
			p++;
		/* the first character of a set is literal, even ']' */
		do {
			if (p >= m->pat_end)
				luaL_error(m->L, "malformed pattern (missing ']')");
			c = *p++;
			if (c == '%' && p < m->pat_end)
				p++;
		} while (p >= m->pat_end || *p != ']');
		return p + 1;
	}
	return p;
}

static int class_has(int c, int cls)
{
	int r;
	switch (tolower(cls)) {
	case 'a': r = isalpha(c); break;
	case 'c': r = iscntrl(c); break;
	case 'd': r = isdigit(c); break;
	case 'g': r = isgraph(c); break;
	case 'l': r = islower(c); break;
	case 'p': r = ispunct(c); break;
	case 's': r = isspace(c); break;
	case 'u': r = isupper(c); break;
	case 'w': r = isalnum(c); break;
	case 'x': r = isxdigit(c); break;
	case 'z': r = c == 0; break; /* deprecated in Lua, still accepted */
	default: return cls == c;
	}
	if (isupper(cls))
		r = !r;
	return r != 0;
}

/* p at '[', last at the closing ']'. */
static int set_has(int c, const char *p, const char *last)
{
	int yes = 1;
	if (*(p + 1) == '^') {
		yes = 0;
		p++;
	}
	while (++p < last) {
		if (*p == '%') {
			p++;
			if (class_has(c, (unsigned char)*p))
				return yes;
		} else if (*(p + 1) == '-' && p + 2 < last) {
			if ((unsigned char)*p <= c && c <= (unsigned char)*(p + 2))
				return yes;
			p += 2;
		} else if ((unsigned char)*p == c) {
			return yes;
		}
	}
	return !yes;
}

static int single(matcher *m, const char *s, const char *p, const char *ep)
{
	if (s >= m->src_end)
		return 0;
	int c = (unsigned char)*s;
	switch (*p) {
	case '.': return 1;
	case '%': return class_has(c, (unsigned char)*(p + 1));
	case '[': return set_has(c, p, ep - 1);
	default: return (unsigned char)*p == c;
	}
}

static const char *match(matcher *m, const char *s, const char *p);

static const char *greedy(matcher *m, const char *s, const char *p, const char *ep)
{
	ptrdiff_t i = 0;
	while (single(m, s + i, p, ep)) {
		step(m);
		i++;
	}
	for (; i >= 0; i--) {
		const char *r = match(m, s + i, ep + 1);
		if (r)
			return r;
	}
	return NULL;
}

static const char *lazy(matcher *m, const char *s, const char *p, const char *ep)
{
	for (;;) {
		const char *r = match(m, s, ep + 1);
		if (r)
			return r;
		if (!single(m, s, p, ep))
			return NULL;
		step(m);
		s++;
	}
}

static const char *open_capture(matcher *m, const char *s, const char *p, ptrdiff_t what)
{
	if (m->level >= PAT_MAXCAPTURES)
		luaL_error(m->L, "too many captures");
	m->cap[m->level].start = s;
	m->cap[m->level].len = what;
	m->level++;
	const char *r = match(m, s, p);
	if (!r)
		m->level--;
	return r;
}

static const char *close_capture(matcher *m, const char *s, const char *p)
{
	int l = m->level - 1;
	while (l >= 0 && m->cap[l].len != CAP_OPEN)
		l--;
	if (l < 0)
		luaL_error(m->L, "invalid pattern capture");
	m->cap[l].len = s - m->cap[l].start;
	const char *r = match(m, s, p);
	if (!r)
		m->cap[l].len = CAP_OPEN;
	return r;
}

static const char *balance(matcher *m, const char *s, const char *p)
{
	if (p + 1 >= m->pat_end)
		luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
	if (s >= m->src_end || *s != *p)
		return NULL;
	char open = *p, close = *(p + 1);
	int depth = 1;
	while (++s < m->src_end) {
		step(m);
		if (*s == close) {
			if (--depth == 0)
				return s + 1;
		} else if (*s == open) {
			depth++;
		}
	}
	return NULL;
}

static int capture_index(matcher *m, int c)
{
	int l = c - '1';
	if (l < 0 || l >= m->level || m->cap[l].len == CAP_OPEN)
		return luaL_error(m->L, "invalid capture index %%%d", l + 1);
	return l;
}

static const char *match(matcher *m, const char *s, const char *p)
{
	if (++m->depth > PAT_MAXDEPTH)
		luaL_error(m->L, "pattern too complex");
	for (;;) {
		step(m);
		if (p >= m->pat_end)
			break;
		if (*p == '(') {
			s = *(p + 1) == ')' ? open_capture(m, s, p + 2, CAP_POSITION) : open_capture(m, s, p + 1, CAP_OPEN);
			break;
		}
		if (*p == ')') {
			s = close_capture(m, s, p + 1);
			break;
		}
		if (*p == '$' && p + 1 == m->pat_end) {
			if (s != m->src_end)
				s = NULL;
			break;
		}
		if (*p == '%' && p + 1 < m->pat_end) {
			char c = *(p + 1);
			if (c == 'b') {
				s = balance(m, s, p + 2);
				if (!s)
					break;
				p += 4;
				continue;
			}
			if (c == 'f') {
				p += 2;
				if (p >= m->pat_end || *p != '[')
					luaL_error(m->L, "missing '[' after '%%f' in pattern");
				const char *ep = class_end(m, p);
				int prev = s == m->src ? 0 : (unsigned char)*(s - 1);
				int cur = s < m->src_end ? (unsigned char)*s : 0;
				if (!set_has(prev, p, ep - 1) && set_has(cur, p, ep - 1)) {
					p = ep;
					continue;
				}
				s = NULL;
				break;
			}
			if (isdigit((unsigned char)c)) {
				int l = capture_index(m, c);
				ptrdiff_t len = m->cap[l].len;
				if (len >= 0 && m->src_end - s >= len && memcmp(m->cap[l].start, s, (size_t)len) == 0) {
					s += len;
					p += 2;
					continue;
				}
				s = NULL;
				break;
			}
		}
		/* a single-character class, maybe with a quantifier */
		const char *ep = class_end(m, p);
		char q = ep < m->pat_end ? *ep : '\0';
		if (!single(m, s, p, ep)) {
			if (q == '*' || q == '?' || q == '-') {
				p = ep + 1;
				continue;
			}
			s = NULL;
			break;
		}
		if (q == '?') {
			const char *r = match(m, s + 1, ep + 1);
			if (r) {
				s = r;
				break;
			}
			p = ep + 1;
			continue;
		}
		if (q == '+') {
			s = greedy(m, s + 1, p, ep);
			break;
		}
		if (q == '*') {
			s = greedy(m, s, p, ep);
			break;
		}
		if (q == '-') {
			s = lazy(m, s, p, ep);
			break;
		}
		s++;
		p = ep;
	}
	m->depth--;
	return s;
}

static void push_one(matcher *m, int i, const char *s, const char *e)
{
	if (i >= m->level) {
		if (i != 0)
			luaL_error(m->L, "invalid capture index %%%d", i + 1);
		lua_pushlstring(m->L, s, (size_t)(e - s)); /* the whole match */
		return;
	}
	ptrdiff_t len = m->cap[i].len;
	if (len == CAP_OPEN)
		luaL_error(m->L, "unfinished capture");
	if (len == CAP_POSITION)
		lua_pushinteger(m->L, (m->cap[i].start - m->src) + 1);
	else
		lua_pushlstring(m->L, m->cap[i].start, (size_t)len);
}

/* Pushes the captures (or the whole match when there are none and s is
 * given); returns how many. */
static int push_all(matcher *m, const char *s, const char *e)
{
	int n = (m->level == 0 && s) ? 1 : m->level;
	luaL_checkstack(m->L, n, "too many captures");
	for (int i = 0; i < n; i++)
		push_one(m, i, s, e);
	return n;
}

static void start(matcher *m, lua_State *L, const char *src, size_t ls, const char *pat, size_t lp)
{
	m->L = L;
	m->src = src;
	m->src_end = src + ls;
	m->pat_end = pat + lp;
	m->depth = 0;
	m->level = 0;
	m->pending = 0;
}

/* A position argument made 1-based and clamped (negative counts from the end). */
static size_t position(lua_Integer pos, size_t len)
{
	if (pos > 0)
		return (size_t)pos;
	if (pos == 0 || pos < -(lua_Integer)len)
		return 1;
	return len + (size_t)pos + 1;
}

static int has_specials(const char *p, size_t lp)
{
	for (size_t i = 0; i < lp; i++)
		if (strchr("^$*+?.([%-", p[i]) && p[i] != '\0')
			return 1;
	return 0;
}

/* The byte every match must start with, when the pattern begins with a
 * plain character that no quantifier makes optional (-1 otherwise): the
 * search can skip to it with memchr instead of trying every position. */
static int first_byte(const char *p, size_t lp)
{
	if (lp == 0 || strchr("^$*+?.([%-)", p[0]) || p[0] == '\0')
		return -1;
	if (lp > 1 && strchr("*?-", p[1]))
		return -1;
	return (unsigned char)p[0];
}

/* The next position at or after s where a match may start. */
static const char *next_start(const matcher *m, const char *s, int first)
{
	if (first < 0 || s >= m->src_end)
		return s;
	const char *at = memchr(s, first, (size_t)(m->src_end - s));
	return at ? at : m->src_end;
}

static int find_or_match(lua_State *L, int find)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = position(luaL_optinteger(L, 3, 1), ls) - 1;
	if (init > ls) {
		luaL_pushfail(L);
		return 1;
	}
	if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
		rd_budget_charge(L, (long)((ls - init) / 16));
		const char *at = lp == 0 ? s + init : memmem(s + init, ls - init, p, lp);
		if (at) {
			lua_pushinteger(L, (at - s) + 1);
			lua_pushinteger(L, (lua_Integer)((at - s) + lp));
			return 2;
		}
		luaL_pushfail(L);
		return 1;
	}
	matcher m;
	int anchor = lp > 0 && *p == '^';
	if (anchor) {
		p++;
		lp--;
	}
	start(&m, L, s, ls, p, lp);
	const char *s1 = s + init;
	int first = anchor ? -1 : first_byte(p, lp);
	do {
		s1 = next_start(&m, s1, first);
		m.level = 0;
		m.depth = 0;
		const char *e = match(&m, s1, p);
		if (e) {
			flush(&m);
			if (find) {
				lua_pushinteger(L, (s1 - s) + 1);
				lua_pushinteger(L, e - s);
				return push_all(&m, NULL, NULL) + 2;
			}
			return push_all(&m, s1, e);
		}
	} while (s1++ < m.src_end && !anchor);
	flush(&m);
	luaL_pushfail(L);
	return 1;
}

static int l_find(lua_State *L) { return find_or_match(L, 1); }
static int l_match(lua_State *L) { return find_or_match(L, 0); }

typedef struct {
	size_t pos;      /* where the next search starts */
	size_t last_end; /* end of the last match, (size_t)-1 before the first */
} gmatch_state;

static int gmatch_next(lua_State *L)
{
	size_t ls, lp;
	const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
	const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
	gmatch_state *g = lua_touserdata(L, lua_upvalueindex(3));
	matcher m;
	start(&m, L, s, ls, p, lp);
	for (const char *src = s + g->pos; src <= m.src_end; src++) {
		m.level = 0;
		m.depth = 0;
		const char *e = match(&m, src, p);
		if (e && (size_t)(e - s) != g->last_end) {
			flush(&m);
			g->pos = g->last_end = (size_t)(e - s);
			return push_all(&m, src, e);
		}
	}
	flush(&m);
	g->pos = ls + 1;
	return 0;
}

static int l_gmatch(lua_State *L)
{
	size_t ls;
	luaL_checklstring(L, 1, &ls);
	luaL_checkstring(L, 2);
	size_t init = position(luaL_optinteger(L, 3, 1), ls) - 1;
	lua_settop(L, 2);
	gmatch_state *g = lua_newuserdatauv(L, sizeof *g, 0);
	g->pos = init > ls ? ls + 1 : init;
	g->last_end = (size_t)-1;
	lua_pushcclosure(L, gmatch_next, 3);
	return 1;
}

/* Appends the replacement string (with %0-%9 and %%) for one match. */
static void add_string(matcher *m, luaL_Buffer *b, const char *s, const char *e)
{
	size_t l;
	lua_State *L = m->L;
	const char *r = lua_tolstring(L, 3, &l);
	const char *end = r + l;
	for (; r < end; r++) {
		if (*r != '%') {
			luaL_addchar(b, *r);
			continue;
		}
		r++;
		if (r < end && *r == '%') {
			luaL_addchar(b, '%');
		} else if (r < end && isdigit((unsigned char)*r)) {
			if (*r == '0') {
				luaL_addlstring(b, s, (size_t)(e - s));
			} else {
				push_one(m, *r - '1', s, e);
				luaL_tolstring(L, -1, NULL);
				lua_remove(L, -2);
				luaL_addvalue(b);
			}
		} else {
			luaL_error(L, "invalid use of '%%' in replacement string");
		}
	}
}

static void add_value(matcher *m, luaL_Buffer *b, const char *s, const char *e, int tr)
{
	lua_State *L = m->L;
	if (tr == LUA_TFUNCTION) {
		lua_pushvalue(L, 3);
		int n = push_all(m, s, e);
		lua_call(L, n, 1);
	} else if (tr == LUA_TTABLE) {
		push_one(m, 0, s, e);
		lua_gettable(L, 3);
	} else {
		add_string(m, b, s, e);
		return;
	}
	if (!lua_toboolean(L, -1)) {
		lua_pop(L, 1);
		luaL_addlstring(b, s, (size_t)(e - s)); /* keep the original */
		return;
	}
	if (!lua_isstring(L, -1))
		luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
	luaL_addvalue(b);
}

static int l_gsub(lua_State *L)
{
	size_t ls, lp;
	const char *src = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	const char *last_end = NULL;
	int tr = lua_type(L, 3);
	lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
	luaL_argexpected(L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
			 "string/function/table");
	int anchor = lp > 0 && *p == '^';
	if (anchor) {
		p++;
		lp--;
	}
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	matcher m;
	start(&m, L, src, ls, p, lp);
	lua_Integer n = 0;
	while (n < max) {
		m.level = 0;
		m.depth = 0;
		const char *e = match(&m, src, p);
		if (e && e != last_end) {
			n++;
			add_value(&m, &b, src, e, tr);
			src = last_end = e;
		} else if (src < m.src_end) {
			luaL_addchar(&b, *src++);
		} else {
			break;
		}
		if (anchor)
			break;
	}
	flush(&m);
	luaL_addlstring(&b, src, (size_t)(m.src_end - src));
	luaL_pushresult(&b);
	lua_pushinteger(L, n);
	return 2;
}

void rd_patterns_install(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "find", l_find }, { "match", l_match }, { "gmatch", l_gmatch }, { "gsub", l_gsub }, { NULL, NULL },
	};
	if (lua_getglobal(L, "string") == LUA_TTABLE)
		luaL_setfuncs(L, fns, 0);
	lua_pop(L, 1);
}
