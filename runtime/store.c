/* store.c — LMDB environment, named databases, map growth, data-dir lock. */
#define _GNU_SOURCE
#include "store.h"
#include "store_int.h"

#include <errno.h>
#include <lmdb.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const db_names[RD_DB_COUNT] = {
	[RD_DB_META] = "meta",
	[RD_DB_CASES] = "cases",
	[RD_DB_EVENTS] = "events",
	[RD_DB_DECISIONS] = "decisions",
	[RD_DB_OUTBOX] = "outbox",
	[RD_DB_CUSTOMERS] = "customers",
	[RD_DB_IDEMPOTENCY] = "idempotency",
	[RD_DB_PACKS] = "packs",
	[RD_DB_TIMERS] = "timers",
	[RD_DB_TIMER_INDEX] = "timer_index",
};

const char *rd_db_name(enum rd_db db)
{
	return (unsigned)db < RD_DB_COUNT ? db_names[db] : "?";
}

int rd_db_from_name(const char *name)
{
	for (int i = 0; i < RD_DB_COUNT; i++)
		if (strcmp(db_names[i], name) == 0)
			return i;
	return -1;
}

#define TX(t) ((MDB_txn *)(t))
#define ENV(s) ((MDB_env *)(s)->env)

/* Maps an LMDB (or errno) code to an RD_E code: the one place that knows MDB_*. */
int rd__lmdb_error(int rc)
{
	switch (rc) {
	case MDB_SUCCESS: return RD_OK;
	case MDB_NOTFOUND: return RD_ENOTFOUND;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL: return RD_EMAPFULL;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH: return RD_ECORRUPT;
	case EINVAL:
	case MDB_BAD_VALSIZE:
	case MDB_BAD_DBI: return RD_EINVAL;
	default: return RD_EIO;
	}
}

const char *rd_store_strerror(int rc)
{
	switch (rc) {
	case RD_OK: return "ok";
	case RD_ENOTFOUND: return "not found";
	case RD_EMAPFULL: return "store map full";
	case RD_EIO: return "store I/O error";
	case RD_ELOCKED: return "data directory in use by another process";
	case RD_ECORRUPT: return "store corrupted";
	case RD_EINVAL: return "invalid store argument";
	case RD_ESCHEMA: return "store schema is newer than this binary";
	case RD_ECONFLICT: return "a value read by the decision changed";
	case RD_ENOMEM: return "out of memory";
	default: return "unknown store error";
	}
}

/* The lock file outlives crashes harmlessly: flock is released by the kernel
 * when the holder dies, so a SIGKILLed daemon never blocks its successor. */
int rd__store_lock(rd_store *s, const char *dir, char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/redressd.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return RD_EIO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		char pid[32] = "";
		ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(err, errlen, "data directory %s is in use by another redressd (pid %s); stop it first",
			 dir, pid[0] ? pid : "unknown");
		close(fd);
		return RD_ELOCKED;
	}
	char pid[32];
	int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return RD_EIO;
	}
	s->lock_fd = fd;
	return RD_OK;
}

static int check_schema(rd_store *s, char *err, size_t errlen)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(ENV(s), NULL, 0, &txn);
	if (rc)
		goto fail;
	for (int i = 0; i < RD_DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &s->dbi[i]);
		if (rc) {
			mdb_txn_abort(txn);
			goto fail;
		}
	}
	MDB_val k = { 14, "schema_version" }, v;
	rc = mdb_get(txn, s->dbi[RD_DB_META], &k, &v);
	if (rc == MDB_NOTFOUND) {
		char buf[16];
		int n = snprintf(buf, sizeof buf, "%d", RD_SCHEMA_VERSION);
		v.mv_size = (size_t)n;
		v.mv_data = buf;
		rc = mdb_put(txn, s->dbi[RD_DB_META], &k, &v, 0);
	} else if (rc == 0) {
		char buf[16] = "";
		memcpy(buf, v.mv_data, v.mv_size < 15 ? v.mv_size : 15);
		if (atoi(buf) > RD_SCHEMA_VERSION) {
			mdb_txn_abort(txn);
			snprintf(err, errlen, "store in %s has schema %s; this redressd knows up to %d",
				 s->path, buf, RD_SCHEMA_VERSION);
			return RD_ESCHEMA;
		}
	}
	if (rc) {
		mdb_txn_abort(txn);
		goto fail;
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		goto fail;
	/* timer_index is no longer written (nothing ever read it: a case's
	 * timers give their rows' keys); the rows an older redressd left are
	 * dropped once, so backups and the file stop carrying them. Harmless
	 * rows: when the drop cannot be done (a full map), they stay. */
	MDB_stat st;
	if (mdb_txn_begin(ENV(s), NULL, 0, &txn) == 0) {
		if (mdb_stat(txn, s->dbi[RD_DB_TIMER_INDEX], &st) == 0 && st.ms_entries > 0 &&
		    mdb_drop(txn, s->dbi[RD_DB_TIMER_INDEX], 0) == 0)
			mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
	}
	return RD_OK;
fail:
	snprintf(err, errlen, "cannot open store in %s: %s", s->path, mdb_strerror(rc));
	return rd__lmdb_error(rc);
}

int rd_store_open(rd_store *s, const char *dir, size_t initial_map, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	s->lock_fd = -1;
	snprintf(s->path, sizeof s->path, "%s", dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create data directory %s: %s", dir, strerror(errno));
		return RD_EIO;
	}
	int rc = rd__store_lock(s, dir, err, errlen);
	if (rc)
		return rc;
	/* Prefer the writer: a steady stream of reads must not starve a resize. */
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->resize_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	/* An existing store may be larger than initial_map; LMDB keeps the larger. */
	s->map_size = initial_map ? initial_map : (size_t)64 << 20;
	rc = rd__store_env_open(s, err, errlen);
	if (rc)
		rd_store_close(s);
	return rc;
}

int rd__store_env_open(rd_store *s, char *err, size_t errlen)
{
	MDB_env *env = NULL;
	int rc = mdb_env_create(&env);
	s->env = env;
	if (rc)
		goto fail;
	mdb_env_set_maxdbs(env, RD_DB_COUNT + 4);
	mdb_env_set_maxreaders(env, 126);
	rc = mdb_env_set_mapsize(env, s->map_size);
	if (rc)
		goto fail;
	/* MDB_NOTLS: read txns are tied to the caller, not the thread slot, so
	 * the loop thread and tools can hold them freely. Default sync mode:
	 * every commit is durable when mdb_txn_commit returns. */
	rc = mdb_env_open(env, s->path, MDB_NOTLS, 0644);
	if (rc)
		goto fail;
	MDB_envinfo info;
	mdb_env_info(env, &info);
	s->map_size = info.me_mapsize;
	return check_schema(s, err, errlen);
fail:
	snprintf(err, errlen, "cannot open store in %s: %s", s->path, mdb_strerror(rc));
	return rd__lmdb_error(rc);
}

int rd_store_open_readonly(rd_store *s, const char *dir, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	s->lock_fd = -1;
	snprintf(s->path, sizeof s->path, "%s", dir);
	pthread_rwlock_init(&s->resize_lock, NULL);
	MDB_txn *txn = NULL;
	MDB_env *env = NULL;
	int rc = mdb_env_create(&env);
	s->env = env;
	if (rc)
		goto fail;
	mdb_env_set_maxdbs(env, RD_DB_COUNT + 4);
	rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0644);
	if (rc)
		goto fail;
	rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	if (rc)
		goto fail;
	for (int i = 0; i < RD_DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], 0, &s->dbi[i]);
		if (rc)
			goto fail;
	}
	/* Committing (not aborting) keeps the dbi handles open for the
	 * environment; an aborted transaction would close them. */
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc)
		goto fail;
	MDB_envinfo info;
	mdb_env_info(env, &info);
	s->map_size = info.me_mapsize;
	return RD_OK;
fail:
	if (txn)
		mdb_txn_abort(txn);
	snprintf(err, errlen, "cannot open the store in %s read-only: %s", dir, mdb_strerror(rc));
	rd_store_close(s);
	return rd__lmdb_error(rc);
}

void rd_store_close(rd_store *s)
{
	if (s->env) {
		mdb_env_close(ENV(s));
		s->env = NULL;
		pthread_rwlock_destroy(&s->resize_lock);
	}
	if (s->lock_fd >= 0) {
		close(s->lock_fd);
		s->lock_fd = -1;
	}
}

int rd_store_read_begin(rd_store *s, rd_txn **txn)
{
	pthread_rwlock_rdlock(&s->resize_lock);
	MDB_txn *t;
	int rc = mdb_txn_begin(ENV(s), NULL, MDB_RDONLY, &t);
	if (rc) {
		pthread_rwlock_unlock(&s->resize_lock);
		return rd__lmdb_error(rc);
	}
	*txn = (rd_txn *)t;
	return RD_OK;
}

void rd_store_read_end(rd_store *s, rd_txn *txn)
{
	mdb_txn_abort(TX(txn));
	pthread_rwlock_unlock(&s->resize_lock);
}

int rd_store_write_begin(rd_store *s, rd_txn **txn)
{
	MDB_txn *t;
	int rc = mdb_txn_begin(ENV(s), NULL, 0, &t);
	if (rc == 0)
		*txn = (rd_txn *)t;
	return rd__lmdb_error(rc);
}

int rd_store_commit(rd_txn *txn)
{
	return rd__lmdb_error(mdb_txn_commit(TX(txn)));
}

void rd_store_abort(rd_txn *txn)
{
	mdb_txn_abort(TX(txn));
}

int rd_store_get(rd_store *s, rd_txn *txn, int db, const void *k, size_t klen, const void **v, size_t *vlen)
{
	if ((unsigned)db >= RD_DB_COUNT)
		return RD_EINVAL;
	MDB_val key = { klen, (void *)k }, val;
	int rc = mdb_get(TX(txn), s->dbi[db], &key, &val);
	if (rc)
		return rd__lmdb_error(rc);
	*v = val.mv_data;
	*vlen = val.mv_size;
	return RD_OK;
}

int rd_store_put(rd_store *s, rd_txn *txn, int db, const void *k, size_t klen, const void *v, size_t vlen)
{
	if ((unsigned)db >= RD_DB_COUNT)
		return RD_EINVAL;
	MDB_val key = { klen, (void *)k }, val = { vlen, (void *)v };
	return rd__lmdb_error(mdb_put(TX(txn), s->dbi[db], &key, &val, 0));
}

int rd_store_del(rd_store *s, rd_txn *txn, int db, const void *k, size_t klen)
{
	if ((unsigned)db >= RD_DB_COUNT)
		return RD_EINVAL;
	MDB_val key = { klen, (void *)k };
	return rd__lmdb_error(mdb_del(TX(txn), s->dbi[db], &key, NULL));
}

int rd_store_range(rd_store *s, rd_txn *txn, int db, const void *lo, size_t lolen, const void *hi, size_t hilen,
		   int reverse, rd_store_row_fn fn, void *ud)
{
	if ((unsigned)db >= RD_DB_COUNT)
		return RD_EINVAL;
	MDB_txn *t = TX(txn);
	MDB_dbi dbi = s->dbi[db];
	MDB_cursor *cur;
	int rc = mdb_cursor_open(t, dbi, &cur);
	if (rc)
		return rd__lmdb_error(rc);
	MDB_val k, v, lok = { lolen, (void *)lo }, hik = { hilen, (void *)hi };
	if (!reverse) {
		k = lok;
		rc = mdb_cursor_get(cur, &k, &v, lo ? MDB_SET_RANGE : MDB_FIRST);
	} else if (hi) {
		k = hik;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc == 0)
			rc = mdb_cursor_get(cur, &k, &v, MDB_PREV); /* the first key below hi */
		else if (rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(cur, &k, &v, MDB_LAST); /* every key is below hi */
	} else {
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	}
	while (rc == 0) {
		if (!reverse && hi && mdb_cmp(t, dbi, &k, &hik) >= 0)
			break;
		if (reverse && lo && mdb_cmp(t, dbi, &k, &lok) < 0)
			break;
		if (fn(ud, k.mv_data, k.mv_size, v.mv_data, v.mv_size))
			break;
		rc = mdb_cursor_get(cur, &k, &v, reverse ? MDB_PREV : MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc && rc != MDB_NOTFOUND ? rd__lmdb_error(rc) : RD_OK;
}

int rd_store_count(rd_store *s, rd_txn *txn, int db, size_t *n)
{
	if ((unsigned)db >= RD_DB_COUNT)
		return RD_EINVAL;
	MDB_stat st;
	int rc = mdb_stat(TX(txn), s->dbi[db], &st);
	if (rc == 0)
		*n = st.ms_entries;
	return rd__lmdb_error(rc);
}

size_t rd_store_timer_key(char *buf, size_t cap, int64_t due_ms, const char *case_id, const char *name)
{
	size_t cl = strlen(case_id), nl = strlen(name);
	if (due_ms < 0 || cl != RD_CASE_ID_LEN || 8 + cl + 1 + nl > cap)
		return 0;
	for (int b = 0; b < 8; b++)
		buf[b] = (char)((uint64_t)due_ms >> (56 - 8 * b));
	memcpy(buf + 8, case_id, cl);
	buf[8 + cl] = '\0';
	memcpy(buf + 8 + cl + 1, name, nl);
	return 8 + cl + 1 + nl;
}

/* The due time at the head of a timer key. */
static int64_t timer_due(const void *key)
{
	const unsigned char *b = key;
	uint64_t due = 0;
	for (int i = 0; i < 8; i++)
		due = due << 8 | b[i];
	return due > INT64_MAX ? INT64_MAX : (int64_t)due;
}

static int first_timer(void *ud, const void *k, size_t klen, const void *v, size_t vlen)
{
	(void)v;
	(void)vlen;
	if (klen >= 8)
		*(int64_t *)ud = timer_due(k);
	return 1;
}

int rd_store_timer_first(rd_store *s, rd_txn *txn, int64_t *due_ms, size_t *pending)
{
	*due_ms = INT64_MAX;
	int rc = rd_store_range(s, txn, RD_DB_TIMERS, NULL, 0, NULL, 0, 0, first_timer, due_ms);
	return rc ? rc : rd_store_count(s, txn, RD_DB_TIMERS, pending);
}

struct due_scan {
	int64_t now;
	rd_store_timer_fn fn;
	void *ud;
};

static int due_timer(void *ud, const void *k, size_t klen, const void *v, size_t vlen)
{
	(void)v;
	(void)vlen;
	struct due_scan *d = ud;
	if (klen < 8 + RD_CASE_ID_LEN || timer_due(k) > d->now)
		return 1;
	return d->fn(d->ud, k, klen, (const char *)k + 8);
}

int rd_store_timers_due(rd_store *s, rd_txn *txn, int64_t now_ms, rd_store_timer_fn fn, void *ud)
{
	struct due_scan d = { now_ms, fn, ud };
	return rd_store_range(s, txn, RD_DB_TIMERS, NULL, 0, NULL, 0, 0, due_timer, &d);
}

int rd_store_grow(rd_store *s)
{
	pthread_rwlock_wrlock(&s->resize_lock);
	size_t next = s->map_size * 2;
	int rc = mdb_env_set_mapsize(ENV(s), next);
	if (rc == 0)
		s->map_size = next;
	pthread_rwlock_unlock(&s->resize_lock);
	return rd__lmdb_error(rc);
}

size_t rd_store_used_bytes(rd_store *s)
{
	MDB_envinfo info;
	MDB_stat st;
	mdb_env_info(ENV(s), &info);
	mdb_env_stat(ENV(s), &st);
	return (info.me_last_pgno + 1) * (size_t)st.ms_psize;
}

int rd_store_maybe_grow(rd_store *s)
{
	if (rd_store_used_bytes(s) * 4 > s->map_size * 3)
		return rd_store_grow(s);
	return RD_OK;
}

/* Write sets (see store.h). */

uint64_t rd_store_meta_counter(rd_store *s, rd_txn *txn, const char *name)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	if (mdb_get(TX(txn), s->dbi[RD_DB_META], &k, &v) != 0 || v.mv_size == 0 || v.mv_size > 20)
		return 0;
	char buf[24];
	memcpy(buf, v.mv_data, v.mv_size);
	buf[v.mv_size] = '\0';
	return strtoull(buf, NULL, 10);
}

int rd_store_put_meta_counter(rd_store *s, rd_txn *txn, const char *name, uint64_t n)
{
	char buf[24];
	int len = snprintf(buf, sizeof buf, "%llu", (unsigned long long)n);
	MDB_val k = { strlen(name), (void *)name }, v = { (size_t)len, buf };
	return rd__lmdb_error(mdb_put(TX(txn), s->dbi[RD_DB_META], &k, &v, 0));
}
