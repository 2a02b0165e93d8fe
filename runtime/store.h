/* store.h — the LMDB store: one environment, named databases, map growth,
 * write sets. The only part of redress that knows LMDB: no LMDB type
 * appears here, and nothing outside store.c includes lmdb.h.
 *
 * Threads: one writer (the engine thread) and any number of readers. Readers
 * bracket every read transaction with rd_store_read_begin/end; the writer
 * grows the map only while no reader holds a transaction (LMDB requires no
 * live transaction in the process to resize the map).
 */
#ifndef RD_STORE_H
#define RD_STORE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

enum rd_db {
	RD_DB_META,
	RD_DB_CASES,
	RD_DB_EVENTS,
	RD_DB_DECISIONS,
	RD_DB_OUTBOX,
	RD_DB_CUSTOMERS,
	RD_DB_IDEMPOTENCY,
	RD_DB_PACKS,
	RD_DB_TIMERS,
	RD_DB_TIMER_INDEX,
	RD_DB_COUNT
};

/* Error codes: 0 is success, RD_E* are negative. */
enum {
	RD_OK = 0,
	RD_ENOTFOUND = -1,
	RD_EMAPFULL = -2,  /* the map is full: abort, rd_store_grow, retry */
	RD_EIO = -3,
	RD_ELOCKED = -4,   /* the data dir is used by another process */
	RD_ECORRUPT = -5,
	RD_EINVAL = -6,
	RD_ESCHEMA = -7,   /* the store was written by a newer schema */
	RD_ECONFLICT = -8, /* a write set's checked read changed: decide again */
	RD_ENOMEM = -9,
};

#define RD_SCHEMA_VERSION 1

/* A read or write transaction; opaque. */
typedef struct rd_txn rd_txn;

typedef struct rd_store {
	void *env;                    /* the LMDB environment (store.c only) */
	unsigned int dbi[RD_DB_COUNT];
	pthread_rwlock_t resize_lock;
	size_t map_size;
	int lock_fd;
	char path[4096];
} rd_store;

/* Opens (creating when needed) the store in dir, takes the data-dir lock and
 * checks the schema version. On failure fills err (a sentence for a human). */
int rd_store_open(rd_store *s, const char *dir, size_t initial_map, char *err, size_t errlen);
/* Opens an existing store read-only, beside a running daemon (no data-dir
 * lock; LMDB serves many reader processes). */
int rd_store_open_readonly(rd_store *s, const char *dir, char *err, size_t errlen);
void rd_store_close(rd_store *s);

const char *rd_store_strerror(int rd_rc);
const char *rd_db_name(enum rd_db db);
int rd_db_from_name(const char *name);

/* Read transactions: take the resize lock shared, then a read-only txn. */
int rd_store_read_begin(rd_store *s, rd_txn **txn);
void rd_store_read_end(rd_store *s, rd_txn *txn);

/* Write transaction (writer thread only). Commit syncs to disk. */
int rd_store_write_begin(rd_store *s, rd_txn **txn);
int rd_store_commit(rd_txn *txn);
void rd_store_abort(rd_txn *txn);

/* The value of key in db: RD_OK with v and vlen pointing into the map
 * (valid until the transaction ends), or RD_ENOTFOUND. */
int rd_store_get(rd_store *s, rd_txn *txn, int db, const void *k, size_t klen, const void **v, size_t *vlen);
int rd_store_put(rd_store *s, rd_txn *txn, int db, const void *k, size_t klen, const void *v, size_t vlen);
/* RD_ENOTFOUND when the key was not there. */
int rd_store_del(rd_store *s, rd_txn *txn, int db, const void *k, size_t klen);

/* Called for each row of a range; returns non-zero to stop. */
typedef int (*rd_store_row_fn)(void *ud, const void *k, size_t klen, const void *v, size_t vlen);
/* Visits the rows of db with lo <= key < hi (either NULL: unbounded), in key
 * order, or from the highest down when reverse. */
int rd_store_range(rd_store *s, rd_txn *txn, int db, const void *lo, size_t lolen, const void *hi, size_t hilen,
		   int reverse, rd_store_row_fn fn, void *ud);
/* The number of rows in db. */
int rd_store_count(rd_store *s, rd_txn *txn, int db, size_t *n);

/* Backup and restore (store_backup.c). A backup is one file: an online,
 * consistent, compacted copy of the store in dir, made beside a running
 * redressd, never overwriting file; what it covers (when, schema, counts,
 * counters) is written into it and into info as JSON. A restore puts such a
 * file in place as dir's store, holding dir's lock (no redressd may run on
 * it), refusing a dir that holds a store unless force; info: what the
 * backup covers. Errors fill err with a sentence. */
int rd_store_backup(const char *dir, const char *file, char *info, size_t infolen, char *err, size_t errlen);
int rd_store_restore(const char *file, const char *dir, int force, char *info, size_t infolen, char *err,
		     size_t errlen);

/* Rewrites the open store compacted, in place (writer thread only, between
 * transactions): a copy of the live pages replaces data.mdb, so pages freed
 * by an erasure no longer hold what was erased. Blocks this process's
 * readers meanwhile. An error after the old environment was closed leaves
 * the store unusable: the caller must stop. */
int rd_store_compact(rd_store *s, char *err, size_t errlen);

/* The timer queue: rows of RD_DB_TIMERS keyed u64be(due ms) .. case id
 * (11 bytes) .. "\0" .. name; runtime/lua/redress/store.lua writes them,
 * and this is the only C that reads the key's parts. */
#define RD_CASE_ID_LEN 11
/* Writes the key of case_id's timer name due at due_ms into buf (cap
 * bytes); returns its length, or 0 when it does not fit. For C that fills
 * a store (bench tools, tests): store.lua builds the same key. */
size_t rd_store_timer_key(char *buf, size_t cap, int64_t due_ms, const char *case_id, const char *name);
/* The earliest due time (INT64_MAX when none) and how many are pending. */
int rd_store_timer_first(rd_store *s, rd_txn *txn, int64_t *due_ms, size_t *pending);
/* Called for a due timer with its key (the job's handle on it) and its
 * case id; returns non-zero to stop. */
typedef int (*rd_store_timer_fn)(void *ud, const void *key, size_t klen, const char *case_id);
/* Visits the timers due at or before now_ms, earliest first. */
int rd_store_timers_due(rd_store *s, rd_txn *txn, int64_t now_ms, rd_store_timer_fn fn, void *ud);

/* A write set: what one decision writes, made by a worker against a read
 * snapshot and applied later by the writer. Ops, in order:
 *   CHECK db key value|absent — what the decision read; the writer applies
 *                               nothing of the set unless every check holds
 *   PUT db key value, DEL db key
 *   OUTBOX tail               — an outbox row: the writer gives it the next
 *                               sequence number s and writes u64be(s) →
 *                               {"seq":s, followed by tail (JSON without its '{')
 *   ADD db key deltas         — a running count that many decisions change
 *                               (daily rollups, open cases): value and deltas
 *                               are lines "name\tinteger\n"; the writer adds
 *                               the deltas to the row as it is then (no check,
 *                               so no conflict), keeps the lines sorted by name
 *                               and drops those at 0 (the row too, when empty)
 *   AT_MOST db key "name\tinteger" — a check on a running count: the row's
 *                               line name (0 when absent), with every ADD
 *                               applied before this set's, is at most the
 *                               integer; else nothing of the set is applied,
 *                               as for a failed CHECK. A cap that concurrent
 *                               decisions share (a day's budget) is enforced
 *                               where they meet, without each checking the
 *                               whole row and conflicting with every other.
 * Serialized in one buffer: [op u8][db u8][klen u32][vlen u32][key][value]. */
typedef struct rd_writes {
	char *buf;
	size_t len, cap;
	int n_ops;
} rd_writes;

enum { RD_OP_CHECK = 1, RD_OP_CHECK_ABSENT, RD_OP_PUT, RD_OP_DEL, RD_OP_OUTBOX, RD_OP_ADD, RD_OP_AT_MOST };

int rd_writes_add(rd_writes *w, int op, int db, const void *k, size_t klen, const void *v, size_t vlen);
/* The last PUT or DEL of (db, key) in the set: 1 and its value (v, vlen) for a PUT,
 * 2 for a DEL, 0 when the set does not write the key. */
int rd_writes_find(const rd_writes *w, int db, const void *k, size_t klen, const void **v, size_t *vlen);
/* Whether the set already checks (db, key). */
int rd_writes_checks(const rd_writes *w, int db, const void *k, size_t klen);
void rd_writes_clear(rd_writes *w);
void rd_writes_free(rd_writes *w);

/* Applies w in txn: RD_ECONFLICT (and nothing written) when a check fails,
 * RD_EMAPFULL when the map is full (abort the txn, grow, apply again).
 * *next_outbox is the last outbox sequence given; it moves on. */
int rd_store_apply(rd_store *s, rd_txn *txn, const rd_writes *w, uint64_t *next_outbox);

/* The ADD ops the writer holds back while it applies the sets of one batch,
 * so that each running-count row is read, summed and rewritten once per
 * batch rather than once per decision. Sums do not depend on their order,
 * and a CHECK, PUT or DEL of a row first applies what is held for it, so
 * the rows come out exactly as rd_store_apply set by set would leave them
 * (a follower of a cluster does that). Zeroed to start; rd_held_free. */
typedef struct rd_held {
	rd_writes adds;
	unsigned dbs; /* a bit per database with ADDs held */
} rd_held;

/* rd_store_apply, holding w's ADD ops in held; on RD_ECONFLICT, the row
 * whose check failed in *conflict_row (when not NULL). */
int rd_store_apply_held(rd_store *s, rd_txn *txn, const rd_writes *w, uint64_t *next_outbox, rd_held *held,
			uint64_t *conflict_row);
/* A row's identity as a 64-bit hash of its database and key: what a
 * conflicted set's conflict_row names (rd_store_apply_held), so the engine
 * can order the set's next attempt after the others that change that row. */
uint64_t rd_row_hash(int db, const void *k, size_t klen);
/* Applies what held holds, in txn, and empties it; an RD code. */
int rd_store_apply_adds(rd_store *s, rd_txn *txn, rd_held *held);
void rd_held_clear(rd_held *held);
void rd_held_free(rd_held *held);

/* A counter in meta (a decimal string; 0 when absent), read in txn. */
uint64_t rd_store_meta_counter(rd_store *s, rd_txn *txn, const char *name);
int rd_store_put_meta_counter(rd_store *s, rd_txn *txn, const char *name, uint64_t v);

/* Doubles the map (at least to need bytes more than now). Call with no
 * transaction of this thread open. */
int rd_store_grow(rd_store *s);
/* Grows proactively when less than a quarter of the map is free. */
int rd_store_maybe_grow(rd_store *s);
size_t rd_store_used_bytes(rd_store *s);

#endif
