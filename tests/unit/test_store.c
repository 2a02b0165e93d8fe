/* Store: open, named databases, schema, the data-dir lock, map growth,
 * ranges, write sets. Only through store.h, as every other part does. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../runtime/store.h"
#include "check.h"

static char dir[] = "/tmp/redress-test-store-XXXXXX";

static int put(rd_store *s, const char *k, size_t vlen)
{
	rd_txn *txn;
	int rc = rd_store_write_begin(s, &txn);
	if (rc)
		return rc;
	char *v = calloc(1, vlen);
	rc = rd_store_put(s, txn, RD_DB_CASES, k, strlen(k), v, vlen);
	free(v);
	if (rc) {
		rd_store_abort(txn);
		return rc;
	}
	return rd_store_commit(txn);
}

static void test_open_and_lock(void)
{
	rd_store a, b;
	char err[512];
	CHECK(rd_store_open(&a, dir, 1 << 20, err, sizeof err) == RD_OK);
	/* a second opener (same process: flock is per open file) is refused */
	CHECK(rd_store_open(&b, dir, 1 << 20, err, sizeof err) == RD_ELOCKED);
	CHECK(strstr(err, "in use by another redressd") != NULL);
	CHECK(put(&a, "C0000000001", 10) == RD_OK);

	rd_txn *txn;
	const void *v;
	size_t vlen;
	CHECK(rd_store_read_begin(&a, &txn) == RD_OK);
	CHECK(rd_store_get(&a, txn, RD_DB_META, "schema_version", 14, &v, &vlen) == RD_OK);
	CHECK(vlen == 1 && memcmp(v, "1", 1) == 0);
	CHECK(rd_store_get(&a, txn, RD_DB_META, "nope", 4, &v, &vlen) == RD_ENOTFOUND);
	rd_store_read_end(&a, txn);
	rd_store_close(&a);

	/* after close, the lock is free and the data is still there */
	CHECK(rd_store_open(&b, dir, 1 << 20, err, sizeof err) == RD_OK);
	CHECK(rd_store_read_begin(&b, &txn) == RD_OK);
	CHECK(rd_store_get(&b, txn, RD_DB_CASES, "C0000000001", 11, &v, &vlen) == RD_OK && vlen == 10);
	rd_store_read_end(&b, txn);
	rd_store_close(&b);
}

static void test_map_growth(void)
{
	rd_store s;
	char err[512], sub[600];
	snprintf(sub, sizeof sub, "%s/grow", dir);
	CHECK(rd_store_open(&s, sub, 256 * 1024, err, sizeof err) == RD_OK);
	size_t before = s.map_size;
	int fulls = 0;
	for (int i = 0; i < 200; i++) {
		char k[32];
		snprintf(k, sizeof k, "C%010d", i);
		int rc = put(&s, k, 8192);
		if (rc == RD_EMAPFULL) {
			fulls++;
			CHECK(rd_store_grow(&s) == RD_OK);
			rc = put(&s, k, 8192);
		}
		CHECK(rc == RD_OK);
	}
	CHECK(fulls > 0);
	CHECK(s.map_size > before);
	CHECK(rd_store_used_bytes(&s) > 200 * 8192);
	rd_store_close(&s);
}

struct seen {
	char keys[8][8];
	int n;
};

static int collect(void *ud, const void *k, size_t klen, const void *v, size_t vlen)
{
	(void)v;
	(void)vlen;
	struct seen *s = ud;
	snprintf(s->keys[s->n++], 8, "%.*s", (int)klen, (const char *)k);
	return s->n == 8;
}

static void test_ranges(void)
{
	rd_store s;
	char err[512], sub[600];
	snprintf(sub, sizeof sub, "%s/ranges", dir);
	CHECK(rd_store_open(&s, sub, 1 << 20, err, sizeof err) == RD_OK);
	rd_txn *txn;
	CHECK(rd_store_write_begin(&s, &txn) == RD_OK);
	const char *keys[] = { "a", "b", "c", "d" };
	for (int i = 0; i < 4; i++)
		CHECK(rd_store_put(&s, txn, RD_DB_EVENTS, keys[i], 1, "x", 1) == RD_OK);
	struct seen f = { .n = 0 }, r = { .n = 0 }, all = { .n = 0 };
	CHECK(rd_store_range(&s, txn, RD_DB_EVENTS, "b", 1, "d", 1, 0, collect, &f) == RD_OK);
	CHECK(f.n == 2 && strcmp(f.keys[0], "b") == 0 && strcmp(f.keys[1], "c") == 0);
	CHECK(rd_store_range(&s, txn, RD_DB_EVENTS, "b", 1, "d", 1, 1, collect, &r) == RD_OK);
	CHECK(r.n == 2 && strcmp(r.keys[0], "c") == 0 && strcmp(r.keys[1], "b") == 0);
	CHECK(rd_store_range(&s, txn, RD_DB_EVENTS, NULL, 0, NULL, 0, 1, collect, &all) == RD_OK);
	CHECK(all.n == 4 && strcmp(all.keys[0], "d") == 0);
	size_t n = 0;
	CHECK(rd_store_count(&s, txn, RD_DB_EVENTS, &n) == RD_OK && n == 4);
	CHECK(rd_store_del(&s, txn, RD_DB_EVENTS, "a", 1) == RD_OK);
	CHECK(rd_store_del(&s, txn, RD_DB_EVENTS, "a", 1) == RD_ENOTFOUND);
	rd_store_abort(txn);
	rd_store_close(&s);
}

/* A write set is applied whole when what it read is unchanged, and not at
 * all when a check fails; outbox rows are numbered by the writer. */
static void test_write_sets(void)
{
	rd_store s;
	char err[512], sub[600];
	snprintf(sub, sizeof sub, "%s/writes", dir);
	CHECK(rd_store_open(&s, sub, 1 << 20, err, sizeof err) == RD_OK);
	rd_writes w = { 0 };
	CHECK(rd_writes_add(&w, RD_OP_CHECK_ABSENT, RD_DB_CASES, "C1", 2, NULL, 0) == RD_OK);
	CHECK(rd_writes_add(&w, RD_OP_PUT, RD_DB_CASES, "C1", 2, "{}", 2) == RD_OK);
	CHECK(rd_writes_add(&w, RD_OP_OUTBOX, RD_DB_OUTBOX, "", 0, "\"a\":1}", 6) == RD_OK);
	const void *v;
	size_t vlen;
	CHECK(rd_writes_find(&w, RD_DB_CASES, "C1", 2, &v, &vlen) == 1 && vlen == 2);
	CHECK(rd_writes_checks(&w, RD_DB_CASES, "C1", 2));
	rd_txn *txn;
	uint64_t outbox = 41;
	CHECK(rd_store_write_begin(&s, &txn) == RD_OK);
	CHECK(rd_store_apply(&s, txn, &w, &outbox) == RD_OK);
	CHECK(outbox == 42);
	unsigned char key[8] = { 0, 0, 0, 0, 0, 0, 0, 42 };
	CHECK(rd_store_get(&s, txn, RD_DB_OUTBOX, key, 8, &v, &vlen) == RD_OK);
	CHECK(vlen == 16 && memcmp(v, "{\"seq\":42,\"a\":1}", 16) == 0);
	/* the same set again: C1 is there now, so its check fails and nothing moves */
	CHECK(rd_store_apply(&s, txn, &w, &outbox) == RD_ECONFLICT);
	CHECK(outbox == 42);
	/* and the conflict names the row whose check failed */
	uint64_t row = 0;
	CHECK(rd_store_apply_held(&s, txn, &w, &outbox, NULL, &row) == RD_ECONFLICT);
	CHECK(row == rd_row_hash(RD_DB_CASES, "C1", 2) && row != rd_row_hash(RD_DB_CASES, "C2", 2) &&
	      row != rd_row_hash(RD_DB_EVENTS, "C1", 2));
	CHECK(rd_store_commit(txn) == RD_OK);
	rd_writes_free(&w);
	rd_store_close(&s);
}

/* Rows of the databases whose new rows mostly come last (cases,
 * decisions) are put with MDB_APPEND first; a row that is not last — an
 * earlier key, the last key again — is put the usual way, in the same
 * transaction, and the outbox's numbered rows likewise. */
static void test_rows_put_last_first(void)
{
	rd_store s;
	char err[512], sub[600];
	snprintf(sub, sizeof sub, "%s/append", dir);
	CHECK(rd_store_open(&s, sub, 1 << 20, err, sizeof err) == RD_OK);
	rd_writes w = { 0 };
	const char *puts[][2] = { { "C3", "three" }, { "C5", "five" }, { "C1", "one" }, { "C5", "FIVE" }, { "C4", "four" } };
	for (size_t i = 0; i < 5; i++) {
		CHECK(rd_writes_add(&w, RD_OP_PUT, RD_DB_CASES, puts[i][0], 2, puts[i][1], strlen(puts[i][1])) == RD_OK);
		CHECK(rd_writes_add(&w, RD_OP_PUT, RD_DB_DECISIONS, puts[i][0], 2, puts[i][1], strlen(puts[i][1])) == RD_OK);
	}
	CHECK(rd_writes_add(&w, RD_OP_OUTBOX, RD_DB_OUTBOX, "", 0, "\"a\":1}", 6) == RD_OK);
	rd_txn *txn;
	uint64_t outbox = 7;
	CHECK(rd_store_write_begin(&s, &txn) == RD_OK);
	CHECK(rd_store_apply(&s, txn, &w, &outbox) == RD_OK);
	/* a counter behind the rows (a restored store, say): the row is put all the same */
	outbox = 3;
	CHECK(rd_store_apply(&s, txn, &w, &outbox) == RD_OK);
	CHECK(rd_store_commit(txn) == RD_OK);
	CHECK(rd_store_read_begin(&s, &txn) == RD_OK);
	const char *want[][2] = { { "C1", "one" }, { "C3", "three" }, { "C4", "four" }, { "C5", "FIVE" } };
	const int dbs[] = { RD_DB_CASES, RD_DB_DECISIONS };
	for (int d = 0; d < 2; d++) {
		int db = dbs[d];
		struct seen all = { .n = 0 };
		CHECK(rd_store_range(&s, txn, db, NULL, 0, NULL, 0, 0, collect, &all) == RD_OK);
		CHECK(all.n == 4);
		for (int i = 0; i < 4 && i < all.n; i++) {
			const void *v;
			size_t vlen;
			CHECK(strcmp(all.keys[i], want[i][0]) == 0);
			CHECK(rd_store_get(&s, txn, db, want[i][0], 2, &v, &vlen) == RD_OK);
			CHECK(vlen == strlen(want[i][1]) && memcmp(v, want[i][1], vlen) == 0);
		}
	}
	size_t n = 0;
	CHECK(rd_store_count(&s, txn, RD_DB_OUTBOX, &n) == RD_OK && n == 2);
	rd_store_read_end(&s, txn);
	rd_writes_free(&w);
	rd_store_close(&s);
}

/* The rows an older redressd wrote in timer_index (never read) are gone
 * once the store is opened again; the other databases keep theirs. */
static void test_timer_index_dropped(void)
{
	rd_store s;
	char err[512], sub[600];
	snprintf(sub, sizeof sub, "%s/timer_index", dir);
	CHECK(rd_store_open(&s, sub, 1 << 20, err, sizeof err) == RD_OK);
	rd_txn *txn;
	CHECK(rd_store_write_begin(&s, &txn) == RD_OK);
	CHECK(rd_store_put(&s, txn, RD_DB_TIMER_INDEX, "C1\0remind", 9, "key", 3) == RD_OK);
	CHECK(rd_store_put(&s, txn, RD_DB_TIMERS, "key", 3, "{}", 2) == RD_OK);
	CHECK(rd_store_commit(txn) == RD_OK);
	rd_store_close(&s);
	CHECK(rd_store_open(&s, sub, 1 << 20, err, sizeof err) == RD_OK);
	size_t n = 1;
	CHECK(rd_store_read_begin(&s, &txn) == RD_OK);
	CHECK(rd_store_count(&s, txn, RD_DB_TIMER_INDEX, &n) == RD_OK && n == 0);
	CHECK(rd_store_count(&s, txn, RD_DB_TIMERS, &n) == RD_OK && n == 1);
	rd_store_read_end(&s, txn);
	rd_store_close(&s);
}

/* ADD: deltas summed into a running-count row whatever the order, lines
 * kept sorted, those at 0 dropped, and the row deleted once empty. */
static void test_add(void)
{
	rd_store s;
	char err[512], sub[600];
	snprintf(sub, sizeof sub, "%s/add", dir);
	CHECK(rd_store_open(&s, sub, 1 << 20, err, sizeof err) == RD_OK);
	rd_writes a = { 0 }, b = { 0 }, c = { 0 };
	CHECK(rd_writes_add(&a, RD_OP_ADD, RD_DB_META, "day", 3, "open\t2\nfrt_n\t1\n", 15) == RD_OK);
	CHECK(rd_writes_add(&b, RD_OP_ADD, RD_DB_META, "day", 3, "open\t-1\nbad line\ncsat_5\t1", 25) == RD_OK);
	CHECK(rd_writes_add(&c, RD_OP_ADD, RD_DB_META, "day", 3, "open\t-1\nfrt_n\t-1\ncsat_5\t-1\n", 27) == RD_OK);
	rd_txn *txn;
	uint64_t outbox = 0;
	const void *v;
	size_t vlen;
	CHECK(rd_store_write_begin(&s, &txn) == RD_OK);
	CHECK(rd_store_apply(&s, txn, &b, &outbox) == RD_OK);
	CHECK(rd_store_apply(&s, txn, &a, &outbox) == RD_OK);
	CHECK(rd_store_get(&s, txn, RD_DB_META, "day", 3, &v, &vlen) == RD_OK);
	CHECK(vlen == 24 && memcmp(v, "csat_5\t1\nfrt_n\t1\nopen\t1\n", 24) == 0);
	CHECK(rd_store_apply(&s, txn, &c, &outbox) == RD_OK);
	CHECK(rd_store_get(&s, txn, RD_DB_META, "day", 3, &v, &vlen) == RD_ENOTFOUND);
	CHECK(rd_store_commit(txn) == RD_OK);
	rd_writes_free(&a);
	rd_writes_free(&b);
	rd_writes_free(&c);
	rd_store_close(&s);
}

/* ADD onto a row that is not sorted or has a name twice (written by other
 * means): summed and sorted whole; and deltas of many repeated names (a
 * batch's), past the summing table's first size. */
static void test_add_unsorted_many(void)
{
	rd_store s;
	char err[512], sub[600];
	snprintf(sub, sizeof sub, "%s/add_many", dir);
	CHECK(rd_store_open(&s, sub, 1 << 20, err, sizeof err) == RD_OK);
	rd_writes put = { 0 }, add = { 0 }, many = { 0 };
	CHECK(rd_writes_add(&put, RD_OP_PUT, RD_DB_META, "row", 3, "b\t1\na\t2\nb\t3\n", 12) == RD_OK);
	CHECK(rd_writes_add(&add, RD_OP_ADD, RD_DB_META, "row", 3, "c\t1\na\t1", 7) == RD_OK);
	char deltas[8192];
	size_t len = 0;
	for (int i = 0; i < 600; i++) /* 600 lines of 20 names: each summed to 30 */
		len += (size_t)snprintf(deltas + len, sizeof deltas - len, "n%02d\t1\n", i % 20);
	CHECK(rd_writes_add(&many, RD_OP_ADD, RD_DB_META, "many", 4, deltas, len) == RD_OK);
	rd_txn *txn;
	uint64_t outbox = 0;
	const void *v;
	size_t vlen;
	CHECK(rd_store_write_begin(&s, &txn) == RD_OK);
	CHECK(rd_store_apply(&s, txn, &put, &outbox) == RD_OK);
	CHECK(rd_store_apply(&s, txn, &add, &outbox) == RD_OK);
	CHECK(rd_store_get(&s, txn, RD_DB_META, "row", 3, &v, &vlen) == RD_OK);
	CHECK(vlen == 12 && memcmp(v, "a\t3\nb\t4\nc\t1\n", 12) == 0);
	CHECK(rd_store_apply(&s, txn, &many, &outbox) == RD_OK);
	CHECK(rd_store_get(&s, txn, RD_DB_META, "many", 4, &v, &vlen) == RD_OK);
	char want[512];
	size_t wlen = 0;
	for (int i = 0; i < 20; i++)
		wlen += (size_t)snprintf(want + wlen, sizeof want - wlen, "n%02d\t30\n", i);
	CHECK(vlen == wlen && memcmp(v, want, wlen) == 0);
	CHECK(rd_store_commit(txn) == RD_OK);
	rd_writes_free(&put);
	rd_writes_free(&add);
	rd_writes_free(&many);
	rd_store_close(&s);
}

/* The writer's held ADDs: a batch applied with rd_store_apply_held leaves
 * every row as applying its sets one by one does, also when a set of the
 * batch reads (CHECK) or writes (PUT, DEL) a row that ADDs are held for. */
static void test_held_adds(void)
{
	char err[512], sub[600];
	const char *row_b = "x\t5\n";
	rd_writes sets[5] = { { 0 } };
	CHECK(rd_writes_add(&sets[0], RD_OP_ADD, RD_DB_META, "day", 3, "b\t2\na\t1", 8) == RD_OK);
	CHECK(rd_writes_add(&sets[0], RD_OP_ADD, RD_DB_META, "open", 4, "s\t1\n", 4) == RD_OK);
	CHECK(rd_writes_add(&sets[1], RD_OP_ADD, RD_DB_META, "day", 3, "a\t-1\nc\t3\n", 10) == RD_OK);
	CHECK(rd_writes_add(&sets[1], RD_OP_PUT, RD_DB_META, "other", 5, "v", 1) == RD_OK);
	/* a row put whole after ADDs to it: the ADDs come first */
	CHECK(rd_writes_add(&sets[2], RD_OP_PUT, RD_DB_META, "open", 4, row_b, 4) == RD_OK);
	CHECK(rd_writes_add(&sets[2], RD_OP_ADD, RD_DB_META, "open", 4, "x\t1", 3) == RD_OK);
	/* a check of a row with ADDs held sees them applied */
	CHECK(rd_writes_add(&sets[3], RD_OP_CHECK, RD_DB_META, "open", 4, "x\t6\n", 4) == RD_OK);
	CHECK(rd_writes_add(&sets[3], RD_OP_ADD, RD_DB_META, "day", 3, "c\t-3\nd\t1\n", 10) == RD_OK);
	CHECK(rd_writes_add(&sets[4], RD_OP_DEL, RD_DB_META, "day", 3, NULL, 0) == RD_OK);
	CHECK(rd_writes_add(&sets[4], RD_OP_ADD, RD_DB_META, "day", 3, "z\t1\n", 4) == RD_OK);
	const char *keys[] = { "day", "open", "other" };
	char rows[2][3][64];
	size_t lens[2][3];
	for (int held_back = 0; held_back < 2; held_back++) {
		rd_store s;
		snprintf(sub, sizeof sub, "%s/held%d", dir, held_back);
		CHECK(rd_store_open(&s, sub, 1 << 20, err, sizeof err) == RD_OK);
		rd_held held;
		memset(&held, 0, sizeof held);
		rd_txn *txn;
		uint64_t outbox = 0;
		CHECK(rd_store_write_begin(&s, &txn) == RD_OK);
		for (int i = 0; i < 5; i++) {
			/* the last set only after the others are in: its DEL empties the row */
			int rc = held_back ? rd_store_apply_held(&s, txn, &sets[i], &outbox, &held, NULL)
					   : rd_store_apply(&s, txn, &sets[i], &outbox);
			CHECK(rc == RD_OK);
		}
		CHECK(rd_store_apply_adds(&s, txn, &held) == RD_OK);
		CHECK(held.adds.len == 0 && held.dbs == 0);
		for (int k = 0; k < 3; k++) {
			const void *v;
			size_t vlen = 0;
			int rc = rd_store_get(&s, txn, RD_DB_META, keys[k], strlen(keys[k]), &v, &vlen);
			CHECK(rc == RD_OK && vlen < sizeof rows[0][0]);
			memcpy(rows[held_back][k], v, vlen);
			lens[held_back][k] = vlen;
		}
		CHECK(rd_store_commit(txn) == RD_OK);
		rd_held_free(&held);
		rd_store_close(&s);
	}
	for (int k = 0; k < 3; k++)
		CHECK(lens[0][k] == lens[1][k] && memcmp(rows[0][k], rows[1][k], lens[0][k]) == 0);
	CHECK(lens[0][0] == 4 && memcmp(rows[0][0], "z\t1\n", 4) == 0);
	CHECK(lens[0][1] == 4 && memcmp(rows[0][1], "x\t6\n", 4) == 0);
	for (int i = 0; i < 5; i++)
		rd_writes_free(&sets[i]);
}

/* AT_MOST: a cap on a running count, checked by the writer against the
 * row as every set before it left it (held ADDs of the same batch too); a
 * set whose cap does not hold is applied not at all. */
static void test_at_most(void)
{
	char err[512], sub[600];
	for (int held_back = 0; held_back < 2; held_back++) {
		rd_store s;
		snprintf(sub, sizeof sub, "%s/atmost%d", dir, held_back);
		CHECK(rd_store_open(&s, sub, 1 << 20, err, sizeof err) == RD_OK);
		/* three grants of 600 against a cap of 1500, one of 300 */
		rd_writes grant = { 0 }, small = { 0 };
		CHECK(rd_writes_add(&grant, RD_OP_ADD, RD_DB_META, "spent", 5, "amount\t600\n", 11) == RD_OK);
		CHECK(rd_writes_add(&grant, RD_OP_AT_MOST, RD_DB_META, "spent", 5, "amount\t900", 10) == RD_OK);
		CHECK(rd_writes_add(&grant, RD_OP_PUT, RD_DB_META, "granted", 7, "yes", 3) == RD_OK);
		CHECK(rd_writes_add(&small, RD_OP_ADD, RD_DB_META, "spent", 5, "amount\t300\n", 11) == RD_OK);
		CHECK(rd_writes_add(&small, RD_OP_AT_MOST, RD_DB_META, "spent", 5, "amount\t1200", 11) == RD_OK);
		rd_held held;
		memset(&held, 0, sizeof held);
		rd_txn *txn;
		uint64_t outbox = 0, row = 0;
		CHECK(rd_store_write_begin(&s, &txn) == RD_OK);
#define APPLY(set) (held_back ? rd_store_apply_held(&s, txn, &(set), &outbox, &held, &row) : rd_store_apply(&s, txn, &(set), &outbox))
		CHECK(APPLY(grant) == RD_OK);  /* 0 <= 900: 600 */
		CHECK(APPLY(grant) == RD_OK);  /* 600 <= 900: 1200 */
		CHECK(APPLY(grant) == RD_ECONFLICT); /* 1200 > 900: nothing of it */
		CHECK(!held_back || row == rd_row_hash(RD_DB_META, "spent", 5));
		CHECK(APPLY(small) == RD_OK);  /* 1200 <= 1200: 1500 */
		CHECK(APPLY(small) == RD_ECONFLICT);
#undef APPLY
		CHECK(rd_store_apply_adds(&s, txn, &held) == RD_OK);
		const void *v;
		size_t vlen;
		CHECK(rd_store_get(&s, txn, RD_DB_META, "spent", 5, &v, &vlen) == RD_OK);
		CHECK(vlen == 12 && memcmp(v, "amount\t1500\n", 12) == 0);
		CHECK(rd_store_commit(txn) == RD_OK);
		rd_held_free(&held);
		rd_writes_free(&grant);
		rd_writes_free(&small);
		rd_store_close(&s);
	}
}

/* A write set that came from elsewhere (a cluster's log) is checked whole
 * before any op of it is read: lengths past its end, a trailing partial op,
 * an unknown op or database are refused, and nothing is written. */
static void test_malformed_sets(void)
{
	char sub[512], err[256];
	rd_store s;
	snprintf(sub, sizeof sub, "%s/malformed", dir);
	CHECK(rd_store_open(&s, sub, 1 << 20, err, sizeof err) == RD_OK);
	rd_writes good = { 0 };
	CHECK(rd_writes_add(&good, RD_OP_PUT, RD_DB_CASES, "C1", 2, "{}", 2) == RD_OK);
	CHECK(rd_writes_add(&good, RD_OP_PUT, RD_DB_CASES, "C2", 2, "{}", 2) == RD_OK);
	rd_txn *txn;
	uint64_t outbox = 0;
	const void *v;
	size_t vlen;
	CHECK(rd_store_write_begin(&s, &txn) == RD_OK);
	for (int kind = 0; kind < 5; kind++) {
		rd_writes bad = { 0 };
		CHECK(rd_writes_add(&bad, RD_OP_PUT, RD_DB_CASES, "C1", 2, "{}", 2) == RD_OK);
		CHECK(rd_writes_add(&bad, RD_OP_PUT, RD_DB_CASES, "C2", 2, "{}", 2) == RD_OK);
		char *second = bad.buf + bad.len / 2; /* the second op's header */
		uint32_t huge = 0xfffffff0u;
		if (kind == 0)
			memcpy(second + 2, &huge, 4); /* key length past the end */
		else if (kind == 1)
			memcpy(second + 6, &huge, 4); /* value length past the end */
		else if (kind == 2)
			bad.len -= 1; /* the last op cut short */
		else if (kind == 3)
			second[0] = 99; /* no such op */
		else
			second[1] = (char)RD_DB_COUNT; /* no such database */
		CHECK(rd_store_apply(&s, txn, &bad, &outbox) == RD_ECORRUPT);
		CHECK(rd_store_get(&s, txn, RD_DB_CASES, "C1", 2, &v, &vlen) == RD_ENOTFOUND);
		rd_writes_free(&bad);
	}
	CHECK(rd_store_apply(&s, txn, &good, &outbox) == RD_OK);
	CHECK(rd_store_get(&s, txn, RD_DB_CASES, "C2", 2, &v, &vlen) == RD_OK);
	rd_store_abort(txn);
	rd_writes_free(&good);
	rd_store_close(&s);
}

static void test_errors(void)
{
	CHECK(strcmp(rd_store_strerror(RD_ELOCKED), "data directory in use by another process") == 0);
	CHECK(rd_db_from_name("outbox") == RD_DB_OUTBOX);
	CHECK(rd_db_from_name("nope") == -1);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_open_and_lock();
	test_map_growth();
	test_ranges();
	test_write_sets();
	test_rows_put_last_first();
	test_timer_index_dropped();
	test_add();
	test_add_unsorted_many();
	test_held_adds();
	test_at_most();
	test_malformed_sets();
	test_errors();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return CHECK_DONE();
}
