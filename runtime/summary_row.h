/* summary_row.h — a customer's running summary row as a C structure: what
 * `rd.summary` (summary_lua.c) keeps, reads and writes for every decision.
 *
 * The row is the customer's open-case count and, per UTC day number, the
 * complaints opened that day and the live offers' amounts per currency
 * (redress.summary says what each means). It is stored as the JSON text
 *   {"days":{"<day>":{"c":{"<CUR>":amount,…},"n":N},…},"open":N}
 * with its keys in the order json.encode writes them, and read back from it
 * here, with no Lua table made for it.
 *
 * Not thread-safe by itself: a row belongs to the Lua state (one thread)
 * that made it. Every function that can fail returns NULL or a message and
 * leaves a row that is still whole (an add that failed may leave its day
 * with a count of 0, which settle drops).
 */
#ifndef RD_SUMMARY_ROW_H
#define RD_SUMMARY_ROW_H

#include <stddef.h>

#define RD_SUMMARY_CUR_MAX 15 /* bytes of a currency code (ISO 4217: 3) */

/* One figure of a day: its complaint count (len 0), or a currency's amount. */
struct rd_summary_entry {
	long long day;
	long long v;
	unsigned char len;
	char cur[RD_SUMMARY_CUR_MAX + 1];
};

typedef struct rd_summary_row {
	long long open;
	size_t n, cap;
	struct rd_summary_entry *e; /* by day, then currency (the count first) */
} rd_summary_row;

/* Frees what the row holds; leaves it empty. */
void rd_summary_row_clear(rd_summary_row *r);

/* Whether cur (len bytes) may be a currency of a row: 1 to 15 printable
 * ASCII bytes, no quote or backslash (the engine's are ISO 4217 codes). */
int rd_summary_cur_ok(const char *cur, size_t len);

/* Adds delta to the figure of day (cur NULL: its complaint count), making
 * the day (count 0) and the figure when absent, wrapping as Lua does.
 * Returns NULL, or a message (out of memory: the row is unchanged). */
const char *rd_summary_row_add(rd_summary_row *r, long long day, const char *cur, size_t len, long long delta);

/* After day's figures changed: drops its currencies left at 0, then the day
 * itself when its count is 0 and no currency is left. */
void rd_summary_row_settle(rd_summary_row *r, long long day);

/* Drops the days before oldest. */
void rd_summary_row_prune(rd_summary_row *r, long long oldest);

/* Reads the row from its stored text into r (empty on entry). Returns NULL,
 * or a message (r is then left empty). */
const char *rd_summary_row_parse(rd_summary_row *r, const char *text, size_t len);

/* The row's stored text, in a malloc'd buffer (*len its length), or NULL
 * when out of memory. */
char *rd_summary_row_text(const rd_summary_row *r, size_t *len);

#endif
