/* store_backup.c — an online, consistent, compacted copy of the store in
 * one file, and putting such a copy back as a data directory's store.
 *
 * The copy is LMDB's own (mdb_env_copyfd2 with MDB_CP_COMPACT): it reads
 * one snapshot in a read transaction, so a running redressd goes on
 * writing meanwhile and the file holds exactly what was committed when the
 * copy began. What it covers is written into the copy itself (meta
 * "backup"), so the file describes itself. */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Opens a single-file store (a backup) with its databases; no lock file. */
static int open_file_env(const char *file, int readonly, MDB_env **env, MDB_dbi *dbi, char *err, size_t errlen)
{
	MDB_txn *txn = NULL;
	int rc = mdb_env_create(env);
	if (rc)
		goto fail;
	mdb_env_set_maxdbs(*env, RD_DB_COUNT + 4);
	rc = mdb_env_open(*env, file, MDB_NOSUBDIR | MDB_NOLOCK | (readonly ? MDB_RDONLY : 0), 0600);
	if (rc)
		goto fail;
	rc = mdb_txn_begin(*env, NULL, readonly ? MDB_RDONLY : 0, &txn);
	if (rc)
		goto fail;
	for (int i = 0; i < RD_DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, rd_db_name(i), 0, &dbi[i]);
		if (rc)
			goto fail;
	}
	rc = mdb_txn_commit(txn); /* keeps the dbi handles */
	txn = NULL;
	if (rc)
		goto fail;
	return RD_OK;
fail:
	if (txn)
		mdb_txn_abort(txn);
	snprintf(err, errlen, "%s is not a redress store: %s", file, mdb_strerror(rc));
	if (*env)
		mdb_env_close(*env);
	*env = NULL;
	return rd__lmdb_error(rc);
}

static long long meta_number(MDB_txn *txn, MDB_dbi meta, const char *name)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	char buf[32] = "";
	if (mdb_get(txn, meta, &k, &v) == 0)
		memcpy(buf, v.mv_data, v.mv_size < sizeof buf - 1 ? v.mv_size : sizeof buf - 1);
	return atoll(buf);
}

static size_t entries(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_stat st;
	return mdb_stat(txn, dbi, &st) == 0 ? st.ms_entries : 0;
}

/* The JSON of what a store holds: schema, counts, counters, and when. */
static int describe(MDB_txn *txn, const MDB_dbi *dbi, const char *at, char *out, size_t outlen)
{
	long long schema = meta_number(txn, dbi[RD_DB_META], "schema_version");
	int n = snprintf(out, outlen,
			 "{\"at\":\"%s\",\"schema\":%lld,\"cases\":%zu,\"events\":%zu,\"decisions\":%zu,"
			 "\"timers\":%zu,\"outbox\":%zu,\"next_case\":%lld,\"next_outbox\":%lld,"
			 "\"cluster_applied_seq\":%lld}",
			 at, schema, entries(txn, dbi[RD_DB_CASES]), entries(txn, dbi[RD_DB_EVENTS]),
			 entries(txn, dbi[RD_DB_DECISIONS]), entries(txn, dbi[RD_DB_TIMERS]), entries(txn, dbi[RD_DB_OUTBOX]),
			 meta_number(txn, dbi[RD_DB_META], "next_case"), meta_number(txn, dbi[RD_DB_META], "next_outbox"),
			 /* cluster mode: the log's messages the copy holds; a node restored
			  * from it applies the log from the next one */
			 meta_number(txn, dbi[RD_DB_META], "cluster_applied_seq"));
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

static int sync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* The directory part of path ("." when none), for fsyncing a rename. */
static void dir_of(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(out, outlen, ".");
	else if (slash == path)
		snprintf(out, outlen, "/");
	else
		snprintf(out, outlen, "%.*s", (int)(slash - path), path);
}

/* Copies env, compacted, into a new file at tmp; fsyncs it. */
static int copy_to(MDB_env *env, const char *tmp, char *err, size_t errlen)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		return RD_EIO;
	}
	int rc = mdb_env_copyfd2(env, fd, MDB_CP_COMPACT);
	if (rc == 0 && fsync(fd) != 0)
		rc = errno;
	close(fd);
	if (rc) {
		snprintf(err, errlen, "cannot copy the store to %s: %s", tmp, mdb_strerror(rc));
		unlink(tmp);
		return rd__lmdb_error(rc);
	}
	return RD_OK;
}

int rd_store_backup(const char *dir, const char *file, char *info, size_t infolen, char *err, size_t errlen)
{
	struct stat st;
	if (stat(file, &st) == 0) {
		snprintf(err, errlen, "%s exists; a backup never overwrites a file", file);
		return RD_EINVAL;
	}
	rd_store src;
	int rc = rd_store_open_readonly(&src, dir, err, errlen);
	if (rc)
		return rc;
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp-%ld", file, (long)getpid());
	rc = copy_to((MDB_env *)src.env, tmp, err, errlen);
	rd_store_close(&src);
	if (rc)
		return rc;

	/* Write what the copy covers into the copy, then move it into place. */
	MDB_env *env = NULL;
	MDB_dbi dbi[RD_DB_COUNT];
	rc = open_file_env(tmp, 0, &env, dbi, err, errlen);
	if (rc) {
		unlink(tmp);
		return rc;
	}
	char at[32];
	time_t now = time(NULL);
	strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	MDB_txn *txn;
	int lrc = mdb_txn_begin(env, NULL, 0, &txn);
	if (lrc == 0) {
		if (describe(txn, dbi, at, info, infolen) != 0) {
			mdb_txn_abort(txn);
			lrc = EINVAL;
		} else {
			MDB_val k = { 6, "backup" }, v = { strlen(info), info };
			lrc = mdb_put(txn, dbi[RD_DB_META], &k, &v, 0);
			lrc = lrc ? (mdb_txn_abort(txn), lrc) : mdb_txn_commit(txn);
		}
	}
	mdb_env_close(env);
	char parent[4200];
	dir_of(file, parent, sizeof parent);
	if (lrc || sync_path(tmp) != 0 || rename(tmp, file) != 0 || sync_path(parent) != 0) {
		snprintf(err, errlen, "cannot finish the backup %s: %s", file, lrc ? mdb_strerror(lrc) : strerror(errno));
		unlink(tmp);
		return lrc ? rd__lmdb_error(lrc) : RD_EIO;
	}
	return RD_OK;
}

int rd_store_restore(const char *file, const char *dir, int force, char *info, size_t infolen, char *err,
		     size_t errlen)
{
	MDB_env *env = NULL;
	MDB_dbi dbi[RD_DB_COUNT];
	int rc = open_file_env(file, 1, &env, dbi, err, errlen);
	if (rc)
		return rc;
	MDB_txn *txn;
	int lrc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	if (lrc) {
		snprintf(err, errlen, "cannot read %s: %s", file, mdb_strerror(lrc));
		mdb_env_close(env);
		return rd__lmdb_error(lrc);
	}
	long long schema = meta_number(txn, dbi[RD_DB_META], "schema_version");
	MDB_val k = { 6, "backup" }, v;
	if (mdb_get(txn, dbi[RD_DB_META], &k, &v) == 0 && v.mv_size < infolen) {
		memcpy(info, v.mv_data, v.mv_size);
		info[v.mv_size] = '\0';
	} else {
		describe(txn, dbi, "unknown", info, infolen);
	}
	mdb_txn_abort(txn);
	if (schema < 1 || schema > RD_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s has store schema %lld; this redress restores 1 to %d", file, schema,
			 RD_SCHEMA_VERSION);
		mdb_env_close(env);
		return RD_ESCHEMA;
	}

	/* The data directory's lock: no redressd may run on it meanwhile. */
	rd_store lock = { .lock_fd = -1 };
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create data directory %s: %s", dir, strerror(errno));
		mdb_env_close(env);
		return RD_EIO;
	}
	rc = rd__store_lock(&lock, dir, err, errlen);
	if (rc) {
		mdb_env_close(env);
		return rc;
	}
	char data[4200], tmp[4300], lockfile[4200];
	snprintf(data, sizeof data, "%s/data.mdb", dir);
	snprintf(tmp, sizeof tmp, "%s.restore-%ld", data, (long)getpid());
	snprintf(lockfile, sizeof lockfile, "%s/lock.mdb", dir);
	struct stat st;
	if (stat(data, &st) == 0 && !force) {
		snprintf(err, errlen, "%s already holds a store; restore into an empty directory, or give --force to replace it",
			 dir);
		rc = RD_EINVAL;
	} else {
		rc = copy_to(env, tmp, err, errlen);
		if (rc == RD_OK && (rename(tmp, data) != 0 || sync_path(dir) != 0)) {
			snprintf(err, errlen, "cannot put the store in place in %s: %s", dir, strerror(errno));
			unlink(tmp);
			rc = RD_EIO;
		}
		if (rc == RD_OK)
			unlink(lockfile); /* LMDB's reader table of the replaced store */
	}
	mdb_env_close(env);
	close(lock.lock_fd);
	return rc;
}

int rd_store_compact(rd_store *s, char *err, size_t errlen)
{
	char data[4200], tmp[4300];
	snprintf(data, sizeof data, "%s/data.mdb", s->path);
	snprintf(tmp, sizeof tmp, "%s.compact-%ld", data, (long)getpid());
	/* No read transaction may live while the environment is replaced: the
	 * resize lock held for writing keeps every reader of this process out
	 * (other processes read the old file until they reopen). */
	pthread_rwlock_wrlock(&s->resize_lock);
	int rc = copy_to((MDB_env *)s->env, tmp, err, errlen);
	if (rc == RD_OK) {
		mdb_env_close((MDB_env *)s->env);
		s->env = NULL;
		if (rename(tmp, data) != 0 || sync_path(s->path) != 0) {
			snprintf(err, errlen, "cannot replace %s with its compacted copy: %s", data, strerror(errno));
			unlink(tmp);
			rc = RD_EIO;
		}
		/* the old file when the rename failed, else the compacted one */
		char oerr[1024];
		int orc = rd__store_env_open(s, oerr, sizeof oerr);
		if (orc != RD_OK) {
			snprintf(err, errlen, "%s", oerr);
			rc = orc;
		}
	}
	pthread_rwlock_unlock(&s->resize_lock);
	return rc;
}
