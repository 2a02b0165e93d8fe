/* store.h — the LMDB store: one environment, named databases, map growth.
 *
 * Threads: one writer (the engine thread) and any number of readers. Readers
 * bracket every read transaction with rd_store_read_begin/end; the writer
 * grows the map only while no reader holds a transaction (LMDB requires no
 * live transaction in the process for mdb_env_set_mapsize).
 */
#ifndef RD_STORE_H
#define RD_STORE_H

#include <lmdb.h>
#include <pthread.h>
#include <stddef.h>

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
};

#define RD_SCHEMA_VERSION 1

typedef struct rd_store {
	MDB_env *env;
	MDB_dbi dbi[RD_DB_COUNT];
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

/* Maps an LMDB (or errno) code to an RD_E code: the one place that knows MDB_*. */
int rd_store_error(int mdb_rc);
const char *rd_store_strerror(int rd_rc);
const char *rd_db_name(enum rd_db db);
int rd_db_from_name(const char *name);

/* Read transactions: take the resize lock shared, then a read-only txn. */
int rd_store_read_begin(rd_store *s, MDB_txn **txn);
void rd_store_read_end(rd_store *s, MDB_txn *txn);

/* Write transaction (writer thread only). Commit syncs to disk. */
int rd_store_write_begin(rd_store *s, MDB_txn **txn);
int rd_store_commit(MDB_txn *txn);

/* Doubles the map (at least to need bytes more than now). Call with no
 * transaction of this thread open. */
int rd_store_grow(rd_store *s);
/* Grows proactively when less than a quarter of the map is free. */
int rd_store_maybe_grow(rd_store *s);
size_t rd_store_used_bytes(rd_store *s);

#endif
