/* store_writes.c — write sets: what a decision writes, made by a worker
 * against a read snapshot and applied by the writer (store.h, "A write
 * set"): the serialized ops, their checks, outbox rows numbered in commit
 * order, running-count rows summed, and the ADDs a batch holds back. */
#include "store.h"
#include "store_int.h"

#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TX(t) ((MDB_txn *)(t))

#define OP_HEADER 10 /* op, db, klen u32, vlen u32 */

int rd_writes_add(rd_writes *w, int op, int db, const void *k, size_t klen, const void *v, size_t vlen)
{
	if (klen > UINT32_MAX || vlen > UINT32_MAX)
		return RD_EINVAL;
	size_t need = w->len + OP_HEADER + klen + vlen;
	if (need > w->cap) {
		size_t cap = w->cap ? w->cap : 1024;
		while (cap < need)
			cap *= 2;
		char *b = realloc(w->buf, cap);
		if (!b)
			return RD_ENOMEM;
		w->buf = b;
		w->cap = cap;
	}
	char *p = w->buf + w->len;
	uint32_t kl = (uint32_t)klen, vl = (uint32_t)vlen;
	p[0] = (char)op;
	p[1] = (char)db;
	memcpy(p + 2, &kl, 4);
	memcpy(p + 6, &vl, 4);
	if (klen)
		memcpy(p + OP_HEADER, k, klen);
	if (vlen)
		memcpy(p + OP_HEADER + klen, v, vlen);
	w->len = need;
	w->n_ops++;
	return RD_OK;
}

struct op {
	int op, db;
	const char *k, *v;
	size_t klen, vlen;
};

/* Reads the op at *at and moves past it; 0 at the end, and at an op whose
 * lengths run past the set (rd_store_apply refuses such a set first). */
static int next_op(const rd_writes *w, size_t *at, struct op *o)
{
	if (*at + OP_HEADER > w->len)
		return 0;
	const char *p = w->buf + *at;
	uint32_t kl, vl;
	memcpy(&kl, p + 2, 4);
	memcpy(&vl, p + 6, 4);
	size_t room = w->len - *at - OP_HEADER;
	if (kl > room || vl > room - kl)
		return 0;
	o->op = (unsigned char)p[0];
	o->db = (unsigned char)p[1];
	o->k = p + OP_HEADER;
	o->klen = kl;
	o->v = p + OP_HEADER + kl;
	o->vlen = vl;
	*at += OP_HEADER + kl + vl;
	return 1;
}

static int same_key(const struct op *o, int db, const void *k, size_t klen)
{
	return o->db == db && o->klen == klen && memcmp(o->k, k, klen) == 0;
}

int rd_writes_find(const rd_writes *w, int db, const void *k, size_t klen, const void **v, size_t *vlen)
{
	int found = 0;
	size_t at = 0;
	struct op o;
	while (next_op(w, &at, &o)) {
		if ((o.op == RD_OP_PUT || o.op == RD_OP_DEL) && same_key(&o, db, k, klen)) {
			found = o.op == RD_OP_PUT ? 1 : 2;
			*v = o.v;
			*vlen = o.vlen;
		}
	}
	return found;
}

int rd_writes_checks(const rd_writes *w, int db, const void *k, size_t klen)
{
	size_t at = 0;
	struct op o;
	while (next_op(w, &at, &o))
		if ((o.op == RD_OP_CHECK || o.op == RD_OP_CHECK_ABSENT) && same_key(&o, db, k, klen))
			return 1;
	return 0;
}

void rd_writes_clear(rd_writes *w)
{
	w->len = 0;
	w->n_ops = 0;
}

void rd_writes_free(rd_writes *w)
{
	free(w->buf);
	memset(w, 0, sizeof *w);
}

/* Writes v in decimal at p; returns the digits written (at most 20). The
 * writer formats a number per outbox row and per running-count line, where
 * snprintf cost more than the rest of the line's work. */
static size_t put_u64(char *p, uint64_t v)
{
	char tmp[20];
	size_t n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	for (size_t i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

static size_t put_i64(char *p, long long v)
{
	if (v >= 0)
		return put_u64(p, (uint64_t)v);
	p[0] = '-';
	return 1 + put_u64(p + 1, 0 - (uint64_t)v);
}

static void put_be64(unsigned char *b, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (unsigned char)(v & 0xff);
}

/* The databases whose new rows come last in key order (case numbers
 * grow): a new case's row and its decisions' rows are put with MDB_APPEND
 * first, so a full last leaf is split at its end rather than in the middle
 * and those pages end fuller. Measured under wrk (docs/PERFORMANCE.md):
 * decisions' pages 15 % fewer, cases' 3 %, the file 5 % smaller, 3.6 % fewer
 * bytes written per commit. Events, timers and the timers' index were
 * measured too and took more pages this way (rows of other cases come
 * between), so they are put the usual way. A row that is not last (an
 * older case's, or the last again) is refused by LMDB before anything
 * changes (MDB_KEYEXIST) and put the usual way. */
static const unsigned APPEND_FIRST = 1u << RD_DB_CASES | 1u << RD_DB_DECISIONS;

static int put_row(MDB_txn *txn, MDB_dbi dbi, int db, MDB_val *k, MDB_val *v)
{
	if (APPEND_FIRST >> db & 1u) {
		int rc = mdb_put(txn, dbi, k, v, MDB_APPEND);
		if (rc != MDB_KEYEXIST)
			return rc;
	}
	return mdb_put(txn, dbi, k, v, 0);
}

/* Writes one outbox row; returns an LMDB code. */
static int apply_outbox(rd_store *s, MDB_txn *txn, const struct op *o, uint64_t *next_outbox)
{
	uint64_t seq = ++*next_outbox;
	unsigned char key[8];
	put_be64(key, seq);
	char head[40] = "{\"seq\":";
	size_t hl = 7 + put_u64(head + 7, seq);
	head[hl++] = ',';
	MDB_val k = { sizeof key, key }, v = { (size_t)hl + o->vlen, NULL };
	/* numbered by the writer: always last (MDB_APPEND, as put_row) */
	int rc = mdb_put(txn, s->dbi[RD_DB_OUTBOX], &k, &v, MDB_RESERVE | MDB_APPEND);
	if (rc == MDB_KEYEXIST)
		rc = mdb_put(txn, s->dbi[RD_DB_OUTBOX], &k, &v, MDB_RESERVE);
	if (rc)
		return rc;
	memcpy(v.mv_data, head, (size_t)hl);
	memcpy((char *)v.mv_data + hl, o->v, o->vlen);
	return 0;
}

/* One "name\tinteger" line of a running-count row. */
struct count_line {
	const char *name;
	size_t len;
	long long n;
};

/* Parses the lines of a running-count row into out (room for max); returns
 * how many. Lines that do not parse are dropped. */
static size_t count_lines(const char *p, size_t len, struct count_line *out, size_t max)
{
	size_t n = 0;
	const char *end = p + len;
	while (p < end && n < max) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *tab = memchr(p, '\t', (size_t)(eol - p));
		if (tab && tab > p && eol - tab > 1 && eol - tab < 22) {
			char num[24];
			memcpy(num, tab + 1, (size_t)(eol - tab - 1));
			num[eol - tab - 1] = '\0';
			char *stop;
			long long v = strtoll(num, &stop, 10);
			if (*stop == '\0')
				out[n++] = (struct count_line){ p, (size_t)(tab - p), v };
		}
		p = nl ? nl + 1 : end;
	}
	return n;
}

static int cmp_count_line(const void *a, const void *b)
{
	const struct count_line *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Sums the lines of d (n of them) that share a name into one, in place,
 * then sorts what is left; returns how many are left. A batch's deltas
 * repeat a few names many times (every decision of a pack adds to
 * "complaints|pack"): summed first, only the distinct names are sorted. */
static size_t sum_by_name(struct count_line *d, size_t n)
{
	enum { SMALL = 512 };
	uint32_t small[SMALL], *slot = small; /* index + 1 of a kept line; 0: free */
	size_t size = 16;
	while (size < 2 * n)
		size *= 2;
	if (size > SMALL && !(slot = malloc(size * sizeof *slot))) {
		qsort(d, n, sizeof *d, cmp_count_line); /* no room to hash: sorted, summed below */
		size_t out = 0;
		for (size_t i = 0; i < n; i++) {
			if (out > 0 && cmp_count_line(&d[out - 1], &d[i]) == 0)
				d[out - 1].n += d[i].n;
			else
				d[out++] = d[i];
		}
		return out;
	}
	memset(slot, 0, size * sizeof *slot);
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t h = 1469598103934665603ULL;
		for (size_t b = 0; b < d[i].len; b++)
			h = (h ^ (unsigned char)d[i].name[b]) * 1099511628211ULL;
		size_t j = (size_t)h & (size - 1);
		while (slot[j] && cmp_count_line(&d[slot[j] - 1], &d[i]) != 0)
			j = (j + 1) & (size - 1);
		if (slot[j]) {
			d[slot[j] - 1].n += d[i].n;
		} else {
			d[out] = d[i];
			slot[j] = (uint32_t)++out;
		}
	}
	if (slot != small)
		free(slot);
	qsort(d, out, sizeof *d, cmp_count_line);
	return out;
}

/* Adds the deltas of an ADD op to its row (see store.h); an LMDB code. */
static int apply_add(rd_store *s, MDB_txn *txn, const struct op *o)
{
	MDB_val k = { o->klen, (void *)o->k }, v = { 0, NULL };
	int rc = mdb_get(txn, s->dbi[o->db], &k, &v);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	size_t max = (rc ? 0 : v.mv_size / 3 + 1) + o->vlen / 3 + 1;
	struct count_line *lines = malloc(2 * max * sizeof *lines);
	if (!lines)
		return ENOMEM;
	/* the row's lines (written sorted and distinct, below: checked), then
	 * the deltas summed and sorted, merged into one list after them */
	size_t nr = rc ? 0 : count_lines(v.mv_data, v.mv_size, lines, max);
	int sorted = 1;
	for (size_t i = 1; i < nr && sorted; i++)
		sorted = cmp_count_line(&lines[i - 1], &lines[i]) < 0;
	size_t nd = sum_by_name(lines + nr, count_lines(o->v, o->vlen, lines + nr, max - nr));
	struct count_line *merged = lines + nr + nd;
	size_t out = 0;
	if (sorted) {
		size_t a = 0, b = nr;
		while (a < nr || b < nr + nd) {
			int c = a == nr ? 1 : b == nr + nd ? -1 : cmp_count_line(&lines[a], &lines[b]);
			if (c < 0)
				merged[out++] = lines[a++];
			else if (c > 0)
				merged[out++] = lines[b++];
			else {
				merged[out] = lines[a++];
				merged[out++].n += lines[b++].n;
			}
		}
	} else { /* a row from elsewhere: all of it summed and sorted */
		out = sum_by_name(lines, nr + nd);
		merged = lines;
	}
	size_t bytes = 0;
	for (size_t i = 0; i < out; i++)
		if (merged[i].n != 0)
			bytes += merged[i].len + 23;
	char *buf = bytes ? malloc(bytes) : NULL;
	size_t len = 0;
	if (bytes && !buf) {
		free(lines);
		return ENOMEM;
	}
	for (size_t i = 0; i < out; i++) {
		if (merged[i].n == 0)
			continue;
		memcpy(buf + len, merged[i].name, merged[i].len);
		len += merged[i].len;
		buf[len++] = '\t';
		len += put_i64(buf + len, merged[i].n);
		buf[len++] = '\n';
	}
	free(lines); /* the names point into the map: copied into buf first */
	if (len == 0)
		rc = rc ? 0 : mdb_del(txn, s->dbi[o->db], &k, NULL);
	else {
		MDB_val nv = { len, buf };
		rc = mdb_put(txn, s->dbi[o->db], &k, &nv, 0);
	}
	free(buf);
	return rc;
}

/* Whether an AT_MOST op holds against the row as it is (v, or none). */
static int at_most_holds(const struct op *o, const MDB_val *v)
{
	struct count_line want;
	if (count_lines(o->v, o->vlen, &want, 1) != 1)
		return 0;
	long long now = 0;
	if (v) {
		size_t max = v->mv_size / 3 + 1;
		struct count_line *lines = malloc(max * sizeof *lines);
		if (!lines)
			return 0;
		size_t n = count_lines(v->mv_data, v->mv_size, lines, max);
		for (size_t i = 0; i < n; i++)
			if (cmp_count_line(&lines[i], &want) == 0)
				now += lines[i].n;
		free(lines);
	}
	return now <= want.n;
}

/* Whether w is a sequence of whole ops of known kinds on known databases,
 * ending exactly at its end: a set that came from elsewhere (a cluster's
 * log) is checked before anything of it is read as an op. */
static int well_formed(const rd_writes *w)
{
	size_t at = 0;
	struct op o;
	while (next_op(w, &at, &o))
		if (o.op < RD_OP_CHECK || o.op > RD_OP_AT_MOST || o.db >= RD_DB_COUNT)
			return 0;
	return at == w->len;
}

/* An op of a held set already applied (flush_held); never in a set. */
#define OP_DONE 0

/* Applies every ADD held for (db, key) as one: their deltas joined, added
 * to the row once. An LMDB code. */
static int flush_held(rd_store *s, MDB_txn *txn, rd_held *held, int db, const char *k, size_t klen)
{
	if (!held || !(held->dbs & (1u << db)))
		return 0;
	size_t at = 0, before, total = 0;
	struct op o;
	for (before = at; next_op(&held->adds, &at, &o); before = at)
		if (o.op == RD_OP_ADD && same_key(&o, db, k, klen))
			total += o.vlen + 1;
	if (total == 0)
		return 0;
	char *deltas = malloc(total);
	char *key = malloc(klen ? klen : 1); /* k may point into held's buffer */
	if (!deltas || !key) {
		free(deltas);
		free(key);
		return ENOMEM;
	}
	memcpy(key, k, klen);
	size_t len = 0;
	for (at = 0, before = 0; next_op(&held->adds, &at, &o); before = at) {
		if (o.op != RD_OP_ADD || !same_key(&o, db, key, klen))
			continue;
		memcpy(deltas + len, o.v, o.vlen);
		len += o.vlen;
		deltas[len++] = '\n';
		held->adds.buf[before] = OP_DONE;
	}
	struct op sum = { RD_OP_ADD, db, key, deltas, klen, len };
	int rc = apply_add(s, txn, &sum);
	free(deltas);
	free(key);
	return rc;
}

uint64_t rd_row_hash(int db, const void *k, size_t klen)
{
	uint64_t h = 1469598103934665603ULL;
	h = (h ^ (unsigned char)db) * 1099511628211ULL;
	for (size_t i = 0; i < klen; i++)
		h = (h ^ ((const unsigned char *)k)[i]) * 1099511628211ULL;
	return h;
}

int rd_store_apply_held(rd_store *s, rd_txn *t, const rd_writes *w, uint64_t *next_outbox, rd_held *held,
			uint64_t *conflict_row)
{
	MDB_txn *txn = TX(t);
	size_t at = 0;
	struct op o;
	if (!well_formed(w))
		return RD_ECORRUPT;
	/* every check first: a set is applied whole or not at all */
	while (next_op(w, &at, &o)) {
		if (o.op != RD_OP_CHECK && o.op != RD_OP_CHECK_ABSENT && o.op != RD_OP_AT_MOST)
			continue;
		if (o.db >= RD_DB_COUNT)
			return RD_EINVAL;
		int rc = flush_held(s, txn, held, o.db, o.k, o.klen);
		if (rc)
			return rd__lmdb_error(rc);
		MDB_val k = { o.klen, (void *)o.k }, v;
		rc = mdb_get(txn, s->dbi[o.db], &k, &v);
		if (rc && rc != MDB_NOTFOUND)
			return rd__lmdb_error(rc);
		int absent = rc == MDB_NOTFOUND;
		int holds = o.op == RD_OP_AT_MOST	  ? at_most_holds(&o, absent ? NULL : &v)
			    : o.op == RD_OP_CHECK_ABSENT ? absent
							  : !absent && v.mv_size == o.vlen && memcmp(v.mv_data, o.v, o.vlen) == 0;
		if (!holds) {
			if (conflict_row)
				*conflict_row = rd_row_hash(o.db, o.k, o.klen);
			return RD_ECONFLICT;
		}
	}
	uint64_t seq = *next_outbox;
	at = 0;
	while (next_op(w, &at, &o)) {
		if (o.db >= RD_DB_COUNT)
			return RD_EINVAL;
		MDB_val k = { o.klen, (void *)o.k }, v = { o.vlen, (void *)o.v };
		int rc = 0;
		if (o.op == RD_OP_PUT || o.op == RD_OP_DEL)
			rc = flush_held(s, txn, held, o.db, o.k, o.klen);
		if (rc)
			;
		else if (o.op == RD_OP_PUT)
			rc = put_row(txn, s->dbi[o.db], o.db, &k, &v);
		else if (o.op == RD_OP_DEL)
			rc = mdb_del(txn, s->dbi[o.db], &k, NULL);
		else if (o.op == RD_OP_OUTBOX)
			rc = apply_outbox(s, txn, &o, &seq);
		else if (o.op == RD_OP_ADD && held) {
			if (rd_writes_add(&held->adds, RD_OP_ADD, o.db, o.k, o.klen, o.v, o.vlen) != RD_OK)
				return RD_ENOMEM;
			held->dbs |= 1u << o.db;
		} else if (o.op == RD_OP_ADD)
			rc = apply_add(s, txn, &o);
		if (rc && rc != MDB_NOTFOUND)
			return rd__lmdb_error(rc);
	}
	*next_outbox = seq;
	return RD_OK;
}

int rd_store_apply(rd_store *s, rd_txn *t, const rd_writes *w, uint64_t *next_outbox)
{
	return rd_store_apply_held(s, t, w, next_outbox, NULL, NULL);
}

int rd_store_apply_adds(rd_store *s, rd_txn *t, rd_held *held)
{
	size_t at = 0;
	struct op o;
	int rc = 0;
	while (rc == 0 && next_op(&held->adds, &at, &o))
		if (o.op == RD_OP_ADD)
			rc = flush_held(s, TX(t), held, o.db, o.k, o.klen);
	rd_held_clear(held);
	return rd__lmdb_error(rc);
}

void rd_held_clear(rd_held *held)
{
	rd_writes_clear(&held->adds);
	held->dbs = 0;
}

void rd_held_free(rd_held *held)
{
	rd_writes_free(&held->adds);
	held->dbs = 0;
}

