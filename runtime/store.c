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
	int rc = mdb_put(txn, s->dbi[RD_DB_OUTBOX], &k, &v, MDB_RESERVE);
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

/* Adds the deltas of an ADD op to its row (see store.h); an LMDB code. */
static int apply_add(rd_store *s, MDB_txn *txn, const struct op *o)
{
	MDB_val k = { o->klen, (void *)o->k }, v = { 0, NULL };
	int rc = mdb_get(txn, s->dbi[o->db], &k, &v);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	size_t max = (rc ? 0 : v.mv_size / 3 + 1) + o->vlen / 3 + 1;
	struct count_line *lines = malloc(max * sizeof *lines);
	if (!lines)
		return ENOMEM;
	size_t n = rc ? 0 : count_lines(v.mv_data, v.mv_size, lines, max);
	n += count_lines(o->v, o->vlen, lines + n, max - n);
	/* a stable order, then equal names summed: the same row whatever the
	 * order of the decisions that added to it */
	qsort(lines, n, sizeof *lines, cmp_count_line);
	size_t out = 0, bytes = 0;
	for (size_t i = 0; i < n; i++) {
		if (out > 0 && cmp_count_line(&lines[out - 1], &lines[i]) == 0)
			lines[out - 1].n += lines[i].n;
		else
			lines[out++] = lines[i];
	}
	for (size_t i = 0; i < out; i++)
		if (lines[i].n != 0)
			bytes += lines[i].len + 23;
	char *buf = bytes ? malloc(bytes) : NULL;
	size_t len = 0;
	if (bytes && !buf) {
		free(lines);
		return ENOMEM;
	}
	for (size_t i = 0; i < out; i++) {
		if (lines[i].n == 0)
			continue;
		memcpy(buf + len, lines[i].name, lines[i].len);
		len += lines[i].len;
		buf[len++] = '\t';
		len += put_i64(buf + len, lines[i].n);
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

/* Whether w is a sequence of whole ops of known kinds on known databases,
 * ending exactly at its end: a set that came from elsewhere (a cluster's
 * log) is checked before anything of it is read as an op. */
static int well_formed(const rd_writes *w)
{
	size_t at = 0;
	struct op o;
	while (next_op(w, &at, &o))
		if (o.op < RD_OP_CHECK || o.op > RD_OP_ADD || o.db >= RD_DB_COUNT)
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

int rd_store_apply_held(rd_store *s, rd_txn *t, const rd_writes *w, uint64_t *next_outbox, rd_held *held)
{
	MDB_txn *txn = TX(t);
	size_t at = 0;
	struct op o;
	if (!well_formed(w))
		return RD_ECORRUPT;
	/* every check first: a set is applied whole or not at all */
	while (next_op(w, &at, &o)) {
		if (o.op != RD_OP_CHECK && o.op != RD_OP_CHECK_ABSENT)
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
		if (o.op == RD_OP_CHECK_ABSENT ? !absent
					       : absent || v.mv_size != o.vlen || memcmp(v.mv_data, o.v, o.vlen) != 0)
			return RD_ECONFLICT;
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
			rc = mdb_put(txn, s->dbi[o.db], &k, &v, 0);
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
	return rd_store_apply_held(s, t, w, next_outbox, NULL);
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
