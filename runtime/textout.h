/* textout.h — a growable text buffer for C functions of the daemon's
 * trusted Lua that write lines (metrics_lua.c, dashboard_lua.c).
 *
 * The bytes live in a userdata at a fixed stack slot, not in a
 * luaL_Buffer: a luaL_Buffer wants the top of the stack to itself, and the
 * writers read fields (push, pop) between their additions. On an error the
 * userdata goes with the stack: nothing leaks.
 */
#ifndef RD_TEXTOUT_H
#define RD_TEXTOUT_H

#include <lua.h>
#include <stdio.h>
#include <string.h>

struct out {
	lua_State *L;
	char *p;
	size_t len, cap;
	int slot;
};

/* A buffer of cap bytes to start with, its userdata pushed on L. */
static inline void out_init(struct out *o, lua_State *L, size_t cap)
{
	o->L = L;
	o->len = 0;
	o->cap = cap;
	o->p = lua_newuserdatauv(L, cap, 0);
	o->slot = lua_gettop(L);
}

static inline void out_add(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap) {
		size_t cap = o->cap * 2;
		while (cap < o->len + n)
			cap *= 2;
		char *p = lua_newuserdatauv(o->L, cap, 0);
		memcpy(p, o->p, o->len);
		lua_replace(o->L, o->slot);
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static inline void out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

/* An integer in decimal, as Lua writes it. */
static inline void out_int(struct out *o, lua_Integer v)
{
	char num[32];
	size_t n = 0;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		num[sizeof num - 1 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		num[sizeof num - 1 - n++] = '-';
	out_add(o, num + sizeof num - n, n);
}

/* Whether byte c is kept in a word: letters, digits, _ . - (and : when
 * colon). */
static inline int word_byte(unsigned char c, int colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
	       c == '-' || (colon && c == ':');
}

/* Whether s is a word already: out_word would write it as it is. */
static inline int is_word(const char *s, size_t len, int colon)
{
	for (size_t i = 0; i < len; i++)
		if (!word_byte((unsigned char)s[i], colon))
			return 0;
	return 1;
}

/* s with every byte other than letters, digits and _ . - (and : when
 * colon) written as _: a name as a label value or a rollup field carries it. */
static inline void out_word(struct out *o, const char *s, size_t len, int colon)
{
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && word_byte((unsigned char)s[j], colon))
			j++;
		out_add(o, s + i, j - i);
		if (j < len) {
			out_add(o, "_", 1);
			j++;
		}
		i = j;
	}
}

/* v as %.3f writes it (seconds with their milliseconds). */
static inline void out_fixed3(struct out *o, double v)
{
	char num[400]; /* %.3f of the largest double: 309 digits and the fraction */
	int n = snprintf(num, sizeof num, "%.3f", v);
	out_add(o, num, (size_t)(n < (int)sizeof num ? n : (int)sizeof num - 1));
}

/* The start of a line for /metrics (name, label, value, by tabs, as
 * rd_metrics_apply reads them): a newline after the first, the name, a tab. */
static inline void out_metric(struct out *o, int *lines, const char *name)
{
	if ((*lines)++)
		out_add(o, "\n", 1);
	out_str(o, name);
	out_add(o, "\t", 1);
}

#endif
