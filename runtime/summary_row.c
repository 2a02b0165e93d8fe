/* summary_row.c — the customer summary row in C (summary_row.h). */
#include "summary_row.h"

#include "../bindings/bindings.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* a + b as Lua computes it: wrapping, never undefined. */
static long long wrap_add(long long a, long long b)
{
	return (long long)((unsigned long long)a + (unsigned long long)b);
}

void rd_summary_row_clear(rd_summary_row *r)
{
	free(r->e);
	r->e = NULL;
	r->n = r->cap = 0;
	r->open = 0;
}

int rd_summary_cur_ok(const char *cur, size_t len)
{
	if (len < 1 || len > RD_SUMMARY_CUR_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (cur[i] <= ' ' || cur[i] > '~' || cur[i] == '"' || cur[i] == '\\')
			return 0;
	return 1;
}

/* The order of figures: by day, then the count, then currencies as JSON
 * keys sort (bytes, a prefix first). */
static int cmp(const struct rd_summary_entry *x, long long day, const char *cur, size_t len)
{
	if (x->day != day)
		return x->day < day ? -1 : 1;
	size_t n = x->len < len ? x->len : len;
	int c = n ? memcmp(x->cur, cur, n) : 0;
	if (c)
		return c;
	return (x->len > len) - (x->len < len);
}

/* Where (day, cur) is or would go; *found says which. */
static size_t find(const rd_summary_row *r, long long day, const char *cur, size_t len, int *found)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp(&r->e[mid], day, cur, len);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

/* The figure (day, cur), made at 0 when absent; NULL when out of memory. */
static struct rd_summary_entry *at(rd_summary_row *r, long long day, const char *cur, size_t len)
{
	int found;
	size_t i = find(r, day, cur, len, &found);
	if (found)
		return &r->e[i];
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct rd_summary_entry *e = realloc(r->e, cap * sizeof *e);
		if (!e)
			return NULL;
		r->e = e;
		r->cap = cap;
	}
	memmove(&r->e[i + 1], &r->e[i], (r->n - i) * sizeof *r->e);
	r->n++;
	struct rd_summary_entry *x = &r->e[i];
	memset(x, 0, sizeof *x);
	x->day = day;
	x->len = (unsigned char)len;
	if (len)
		memcpy(x->cur, cur, len);
	return x;
}

const char *rd_summary_row_add(rd_summary_row *r, long long day, const char *cur, size_t len, long long delta)
{
	if (!cur)
		len = 0;
	else if (!rd_summary_cur_ok(cur, len))
		return "summary: a currency must be a code such as EUR";
	/* the day first, as a bucket is made with its count; then the figure.
	 * (The day's count may be made and the figure fail: a count of 0 is
	 * what settle drops, and the caller raises before settling.) */
	struct rd_summary_entry *d = at(r, day, NULL, 0);
	if (!d)
		return "summary: out of memory";
	if (len) {
		d = at(r, day, cur, len);
		if (!d)
			return "summary: out of memory";
	}
	d->v = wrap_add(d->v, delta);
	return NULL;
}

/* Removes entries [i, i + k). */
static void drop(rd_summary_row *r, size_t i, size_t k)
{
	memmove(&r->e[i], &r->e[i + k], (r->n - i - k) * sizeof *r->e);
	r->n -= k;
}

void rd_summary_row_settle(rd_summary_row *r, long long day)
{
	int found;
	size_t first = find(r, day, NULL, 0, &found);
	if (!found)
		return;
	size_t i = first + 1;
	while (i < r->n && r->e[i].day == day) {
		if (r->e[i].v == 0)
			drop(r, i, 1);
		else
			i++;
	}
	if (r->e[first].v == 0 && (first + 1 == r->n || r->e[first + 1].day != day))
		drop(r, first, 1);
}

void rd_summary_row_prune(rd_summary_row *r, long long oldest)
{
	size_t k = 0;
	while (k < r->n && r->e[k].day < oldest)
		k++;
	if (k)
		drop(r, 0, k);
}

/* ---- reading the stored text ---- */

enum { K_NONE, K_DAYS, K_OPEN, K_N, K_C };

struct reader {
	rd_summary_row *r;
	int depth;     /* open maps */
	int key;       /* the last key's meaning at this depth (K_*) */
	int in_days;   /* depth 2 is the days map */
	long long day; /* the bucket being read (depth 3) */
	char cur[RD_SUMMARY_CUR_MAX + 1];
	size_t cur_len;
	const char *why;
};

static int refuse(struct reader *rd, const char *why)
{
	if (!rd->why)
		rd->why = why;
	return 0;
}

static int is(const unsigned char *k, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(k, want, len) == 0;
}

static int on_start_map(void *ud)
{
	struct reader *rd = ud;
	int ok = rd->depth == 0 || (rd->depth == 1 && rd->key == K_DAYS) || rd->depth == 2 ||
		 (rd->depth == 3 && rd->key == K_C);
	if (!ok)
		return refuse(rd, "summary: the stored row is not a summary row");
	rd->depth++;
	rd->key = K_NONE;
	return 1;
}

static int on_end_map(void *ud)
{
	struct reader *rd = ud;
	rd->depth--;
	rd->key = K_NONE;
	return 1;
}

/* A day key: a decimal integer, nothing else. */
static int day_key(const unsigned char *k, size_t len, long long *day)
{
	size_t i = 0;
	int neg = len > 0 && k[0] == '-';
	i = (size_t)neg;
	if (i == len || len - i > 18)
		return 0;
	long long v = 0;
	for (; i < len; i++) {
		if (k[i] < '0' || k[i] > '9')
			return 0;
		v = v * 10 + (k[i] - '0');
	}
	*day = neg ? -v : v;
	return 1;
}

static int on_map_key(void *ud, const unsigned char *k, size_t len)
{
	struct reader *rd = ud;
	switch (rd->depth) {
	case 1:
		rd->key = is(k, len, "days") ? K_DAYS : is(k, len, "open") ? K_OPEN : K_NONE;
		break;
	case 2:
		if (!day_key(k, len, &rd->day))
			return refuse(rd, "summary: a day of the row is not a day number");
		break;
	case 3:
		rd->key = is(k, len, "n") ? K_N : is(k, len, "c") ? K_C : K_NONE;
		break;
	case 4:
		if (!rd_summary_cur_ok((const char *)k, len))
			return refuse(rd, "summary: a currency must be a code such as EUR");
		memcpy(rd->cur, k, len);
		rd->cur_len = len;
		break;
	default:
		return refuse(rd, "summary: the stored row is not a summary row");
	}
	if ((rd->depth == 1 || rd->depth == 3) && rd->key == K_NONE)
		return refuse(rd, "summary: the stored row is not a summary row");
	return 1;
}

static int on_integer(void *ud, long long v)
{
	struct reader *rd = ud;
	const char *why = NULL;
	if (rd->depth == 1 && rd->key == K_OPEN)
		rd->r->open = v;
	else if (rd->depth == 3 && rd->key == K_N)
		why = rd_summary_row_add(rd->r, rd->day, NULL, 0, v);
	else if (rd->depth == 4)
		why = rd_summary_row_add(rd->r, rd->day, rd->cur, rd->cur_len, v);
	else
		why = "summary: the stored row is not a summary row";
	return why ? refuse(rd, why) : 1;
}

static int on_double(void *ud, double v)
{
	(void)v;
	return refuse(ud, "summary: a stored amount must be an integer");
}

static int on_other(void *ud)
{
	return refuse(ud, "summary: the stored row is not a summary row");
}

static int on_bool(void *ud, int b)
{
	(void)b;
	return on_other(ud);
}

static int on_string(void *ud, const unsigned char *s, size_t len)
{
	(void)s;
	(void)len;
	return on_other(ud);
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_other,
	.yajl_boolean = on_bool,
	.yajl_integer = on_integer,
	.yajl_double = on_double,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_end_map,
	.yajl_start_array = on_other,
	.yajl_end_array = on_other,
};

const char *rd_summary_row_parse(rd_summary_row *r, const char *text, size_t len)
{
	struct reader rd = { .r = r };
	yajl_handle h = yajl_alloc(&callbacks, NULL, &rd);
	if (!h)
		return "summary: out of memory";
	yajl_status st = yajl_parse(h, (const unsigned char *)text, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	yajl_free(h);
	if (st != yajl_status_ok || rd.depth != 0) {
		rd_summary_row_clear(r);
		return rd.why ? rd.why : "summary: the stored row is not JSON";
	}
	return NULL;
}

/* ---- writing it ---- */

/* A day of the row: its decimal key and where its figures start. */
struct day_ref {
	char key[24];
	size_t klen, first;
};

static int by_key(const void *a, const void *b)
{
	const struct day_ref *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

static void put(char *out, size_t *len, const char *s, size_t n)
{
	memcpy(out + *len, s, n);
	*len += n;
}

#define PUT(lit) put(out, &len, lit, sizeof lit - 1)

char *rd_summary_row_text(const rd_summary_row *r, size_t *lenp)
{
	/* days: keys in the order JSON writes them (as text: "100000" comes
	 * before "99999"), each day's figures in the row's order already */
	size_t ndays = 0;
	for (size_t i = 0; i < r->n; i++)
		ndays += i == 0 || r->e[i].day != r->e[i - 1].day;
	struct day_ref *days = malloc((ndays ? ndays : 1) * sizeof *days);
	char *out = malloc(32 + r->n * (24 + RD_SUMMARY_CUR_MAX + 16) + ndays * 48);
	if (!days || !out) {
		free(days);
		free(out);
		return NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (i > 0 && r->e[i].day == r->e[i - 1].day)
			continue;
		days[k].klen = rd__int_text(days[k].key, r->e[i].day);
		days[k].first = i;
		k++;
	}
	qsort(days, ndays, sizeof *days, by_key);
	size_t len = 0;
	PUT("{\"days\":{");
	for (size_t d = 0; d < ndays; d++) {
		if (d)
			PUT(",");
		PUT("\"");
		put(out, &len, days[d].key, days[d].klen);
		PUT("\":{\"c\":{");
		size_t i = days[d].first;
		long long count = r->e[i].len == 0 ? r->e[i++].v : 0;
		for (size_t j = i; j < r->n && r->e[j].day == r->e[days[d].first].day; j++) {
			if (j > i)
				PUT(",");
			PUT("\"");
			put(out, &len, r->e[j].cur, r->e[j].len);
			PUT("\":");
			len += rd__int_text(out + len, r->e[j].v);
		}
		PUT("},\"n\":");
		len += rd__int_text(out + len, count);
		PUT("}");
	}
	PUT("},\"open\":");
	len += rd__int_text(out + len, r->open);
	PUT("}");
	free(days);
	*lenp = len;
	return out;
}
