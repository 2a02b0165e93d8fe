/* timers_fill DATA_DIR N: writes N pending timer rows (and their index rows)
 * into a redress store, in the layout of runtime/lua/redress/store.lua, due
 * a year from now and spread over a day. For bench/timers.sh only. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../runtime/store.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: timers_fill DATA_DIR N\n");
		return 2;
	}
	long n = atol(argv[2]);
	rd_store s;
	char err[1024];
	if (rd_store_open(&s, argv[1], (size_t)1 << 30, err, sizeof err) != RD_OK) {
		fprintf(stderr, "timers_fill: %s\n", err);
		return 1;
	}
	long long base = (long long)time(NULL) * 1000 + 365LL * 86400000;
	const long per_txn = 100000;
	for (long done = 0; done < n;) {
		rd_txn *txn;
		if (rd_store_write_begin(&s, &txn) != RD_OK)
			return 1;
		for (long i = 0; i < per_txn && done < n; i++, done++) {
			unsigned long long due = (unsigned long long)(base + done % 86400000);
			char key[64], id[24], val[256];
			snprintf(id, sizeof id, "C%010ld", done + 1);
			int kl = (int)rd_store_timer_key(key, sizeof key, (int64_t)due, id, "follow_up");
			int vl = snprintf(val, sizeof val,
					  "{\"case_id\":\"%s\",\"name\":\"follow_up\",\"due_ms\":%llu,\"data\":{}}", id, due);
			if (rd_store_put(&s, txn, RD_DB_TIMERS, key, (size_t)kl, val, (size_t)vl)) {
				fprintf(stderr, "timers_fill: put failed\n");
				return 1;
			}
		}
		if (rd_store_commit(txn) != RD_OK) {
			fprintf(stderr, "timers_fill: commit failed\n");
			return 1;
		}
	}
	rd_store_close(&s);
	printf("%ld timers written\n", n);
	return 0;
}
