/* Store: open, named databases, schema, the data-dir lock, map growth. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../runtime/store.h"
#include "check.h"

static char dir[] = "/tmp/redress-test-store-XXXXXX";

static int put(rd_store *s, const char *k, size_t vlen)
{
	MDB_txn *txn;
	int rc = rd_store_write_begin(s, &txn);
	if (rc)
		return rc;
	char *v = calloc(1, vlen);
	MDB_val key = { strlen(k), (void *)k }, val = { vlen, v };
	rc = rd_store_error(mdb_put(txn, s->dbi[RD_DB_CASES], &key, &val, 0));
	free(v);
	if (rc) {
		mdb_txn_abort(txn);
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

	MDB_txn *txn;
	CHECK(rd_store_read_begin(&a, &txn) == RD_OK);
	MDB_val k = { 14, "schema_version" }, v;
	CHECK(mdb_get(txn, a.dbi[RD_DB_META], &k, &v) == 0);
	CHECK(v.mv_size == 1 && memcmp(v.mv_data, "1", 1) == 0);
	rd_store_read_end(&a, txn);
	rd_store_close(&a);

	/* after close, the lock is free and the data is still there */
	CHECK(rd_store_open(&b, dir, 1 << 20, err, sizeof err) == RD_OK);
	CHECK(rd_store_read_begin(&b, &txn) == RD_OK);
	MDB_val key = { 11, "C0000000001" };
	CHECK(mdb_get(txn, b.dbi[RD_DB_CASES], &key, &v) == 0 && v.mv_size == 10);
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

static void test_errors(void)
{
	CHECK(rd_store_error(MDB_SUCCESS) == RD_OK);
	CHECK(rd_store_error(MDB_NOTFOUND) == RD_ENOTFOUND);
	CHECK(rd_store_error(MDB_MAP_FULL) == RD_EMAPFULL);
	CHECK(rd_store_error(MDB_CORRUPTED) == RD_ECORRUPT);
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
	test_errors();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return CHECK_DONE();
}
