/* cases_fill DATA_DIR N: writes N cases (with their customer index rows and
 * the case counter) into a redress store, in the layout of
 * runtime/lua/redress/store.lua. For bench/memory.sh only. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/store.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: cases_fill DATA_DIR N\n");
		return 2;
	}
	long n = atol(argv[2]);
	rd_store s;
	char err[1024];
	if (rd_store_open(&s, argv[1], (size_t)4 << 30, err, sizeof err) != RD_OK) {
		fprintf(stderr, "cases_fill: %s\n", err);
		return 1;
	}
	const long per_txn = 100000;
	for (long done = 0; done < n;) {
		rd_txn *txn;
		if (rd_store_write_begin(&s, &txn) != RD_OK)
			return 1;
		for (long i = 0; i < per_txn && done < n; i++, done++) {
			char id[24], cust[32], idx[64], val[1024];
			snprintf(id, sizeof id, "C%010ld", done + 1);
			snprintf(cust, sizeof cust, "cust-%ld", done % 250000);
			int il = snprintf(idx, sizeof idx, "%s%c%s", cust, 0, id);
			long long opened = 1790000000000LL + done * 1000LL;
			int vl = snprintf(val, sizeof val,
				"{\"id\":\"%s\",\"status\":\"acknowledged\",\"tier\":0,\"pack\":{\"name\":\"retail\",\"version\":\"0.1.0\"},"
				"\"customer\":{\"id\":\"%s\"},\"channel\":\"email\",\"language\":\"en\",\"category\":\"late_delivery\","
				"\"description\":\"My parcel is late.\",\"severity\":\"medium\",\"customer_state\":\"calm\","
				"\"order\":{\"id\":\"A-%ld\",\"amount\":4999,\"currency\":\"EUR\"},\"opened_ms\":%lld,"
				"\"tags\":[],\"facts\":{},\"offers\":[{\"id\":\"O1\",\"kind\":\"coupon\",\"amount\":500,\"currency\":\"EUR\",\"status\":\"offered\"}],"
				"\"escalations\":[],\"approvals\":[],\"corrective_actions\":[],\"timers\":{},\"events\":1}",
				id, cust, done, opened);
			if (rd_store_put(&s, txn, RD_DB_CASES, id, strlen(id), val, (size_t)vl) ||
			    rd_store_put(&s, txn, RD_DB_CUSTOMERS, idx, (size_t)il, "", 0)) {
				fprintf(stderr, "cases_fill: put failed\n");
				return 1;
			}
		}
		rd_store_put_meta_counter(&s, txn, "next_case", (uint64_t)done);
		if (rd_store_commit(txn) != RD_OK) {
			fprintf(stderr, "cases_fill: commit failed\n");
			return 1;
		}
	}
	rd_store_close(&s);
	return 0;
}
