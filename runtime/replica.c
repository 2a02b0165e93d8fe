/* replica.c — the engine's side of cluster mode (cluster.h is the NATS
 * side): what a message of the replicated log holds, the leader's publish
 * of a batch, every node's apply, and the moves between follower and
 * leader. Writer thread only, like the rest of the writer.
 *
 * A message is one committed batch, in canonical bytes (published deflated,
 * see deflated(); the hash is over these bytes, not the deflated ones):
 *   "RDC1" | prev_hash[32] | u32 n_sets | n_sets × set
 *   set = u8 kind | u8 flags (1: compact after) | i64 now_ms
 *         | u32 len | the request body | u32 len | the write set (store.h)
 * The last set (kind 0xff) puts the meta counters the writer keeps itself
 * (next_outbox, next_case). Integers are big-endian. prev_hash is the
 * running hash of the node that published it before this message: a node
 * whose own hash differs has diverged and stops applying. After a message
 * the running hash is SHA-256(prev_hash || message).
 */
#define _GNU_SOURCE
#include "engine_int.h"

#include <openssl/evp.h>
#include <zlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "log.h"
#include "metrics.h"

#define META_KIND 0xff
#define APPLY_RUN 64 /* messages a follower applies in one transaction, at most */
#define MAGIC "RDC1"
#define ZMAGIC "RDZ1" /* what is published: ZMAGIC | u32 raw length | deflate(message) */

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

static void put(struct buf *b, const void *src, size_t n)
{
	if (b->oom || n == 0) /* n == 0: src may be NULL (the meta set's request) */
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + n)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void put_u64(struct buf *b, uint64_t v, int bytes)
{
	unsigned char x[8];
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		x[i] = (unsigned char)(v & 0xff);
	put(b, x, (size_t)bytes);
}

static uint64_t get_u(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_set(struct buf *b, int kind, int flags, int64_t now, const char *req, size_t reqlen,
		    const rd_writes *ws)
{
	put_u64(b, (uint64_t)kind, 1);
	put_u64(b, (uint64_t)flags, 1);
	put_u64(b, (uint64_t)now, 8);
	put_u64(b, reqlen, 4);
	put(b, req, reqlen);
	put_u64(b, ws->len, 4);
	put(b, ws->buf, ws->len);
}

/* The message as published: deflated (level 1), since write sets are JSON
 * that shrinks several times, and the log's bytes are what every publish
 * waits for a quorum to store. NULL when out of memory. */
static char *deflated(const struct buf *b, size_t *len)
{
	uLongf n = compressBound((uLong)b->len);
	char *z = malloc(8 + n);
	if (!z || compress2((Bytef *)z + 8, &n, (const Bytef *)b->p, (uLong)b->len, 1) != Z_OK) {
		free(z);
		return NULL;
	}
	memcpy(z, ZMAGIC, 4);
	for (int i = 0; i < 4; i++)
		z[4 + i] = (char)((b->len >> (8 * (3 - i))) & 0xff);
	*len = 8 + n;
	return z;
}

/* A fetched message inflated back (malloc'd) into *raw; -1 when it is not one. */
static int inflated(const char *msg, size_t len, char **raw, size_t *rawlen)
{
	if (len < 8 || memcmp(msg, ZMAGIC, 4) != 0)
		return -1;
	uLongf n = (uLongf)get_u((const unsigned char *)msg + 4, 4);
	*raw = malloc(n ? n : 1);
	if (!*raw || uncompress((Bytef *)*raw, &n, (const Bytef *)msg + 8, (uLong)(len - 8)) != Z_OK) {
		free(*raw);
		*raw = NULL;
		return -1;
	}
	*rawlen = n;
	return 0;
}

static void next_hash(const unsigned char prev[32], const void *msg, size_t len, unsigned char out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 32;
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) || !EVP_DigestUpdate(ctx, prev, 32) ||
	    !EVP_DigestUpdate(ctx, msg, len) || !EVP_DigestFinal_ex(ctx, out, &n))
		memset(out, 0, 32); /* cannot happen short of OOM; a zero hash shows as divergence */
	EVP_MD_CTX_free(ctx);
}

static void hex(const unsigned char h[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static int unhex(const char *s, size_t n, unsigned char out[32])
{
	if (n != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

void rd__set_role(rd_engine *e, int role)
{
	__atomic_store_n(&e->role, role, __ATOMIC_RELEASE);
}

static void report(rd_engine *e, int caught_up)
{
	char h[65];
	hex(e->hash, h);
	rd_cluster_report(e->cluster, e->diverged ? RD_ROLE_DIVERGED : e->role, caught_up, e->applied_seq, h);
	rd_metrics_set_cluster(e->diverged ? RD_ROLE_DIVERGED : e->role, e->applied_seq, e->diverged);
}

/* Stores the applied sequence and the running hash in meta (txn). */
static int put_position(rd_engine *e, rd_txn *txn, uint64_t seq, const unsigned char h[32])
{
	char hx[65];
	hex(h, hx);
	int rc = rd_store_put_meta_counter(e->store, txn, "cluster_applied_seq", seq);
	if (rc == RD_OK)
		rc = rd_store_put(e->store, txn, RD_DB_META, "cluster_hash", 12, hx, 64);
	return rc;
}

int rd__replica_init(rd_engine *e)
{
	rd_txn *txn;
	if (rd_store_read_begin(e->store, &txn) != RD_OK)
		return -1;
	e->applied_seq = rd_store_meta_counter(e->store, txn, "cluster_applied_seq");
	const void *v;
	size_t vlen;
	memset(e->hash, 0, sizeof e->hash);
	if (rd_store_get(e->store, txn, RD_DB_META, "cluster_hash", 12, &v, &vlen) == RD_OK)
		unhex(v, vlen, e->hash);
	rd_store_read_end(e->store, txn);
	rd__set_role(e, RD_ROLE_FOLLOWER);
	report(e, 0);
	return 0;
}

int rd__replica_publish(rd_engine *e, rd_txn *txn, rd_job *batch, uint64_t outbox, uint64_t high)
{
	struct buf b = { 0 };
	uint32_t n = 1;
	for (rd_job *j = batch; j; j = j->next)
		n += j->wrote && !j->conflict;
	put(&b, MAGIC, 4);
	put(&b, e->hash, 32);
	put_u64(&b, n, 4);
	for (rd_job *j = batch; j; j = j->next)
		if (j->wrote && !j->conflict)
			put_set(&b, (int)j->kind, j->compact ? 1 : 0, j->now_ms, j->body, j->body ? j->body_len : 0, &j->ws);
	rd_writes meta = { 0 };
	char num[2][24];
	int l0 = snprintf(num[0], sizeof num[0], "%llu", (unsigned long long)outbox);
	int l1 = snprintf(num[1], sizeof num[1], "%llu", (unsigned long long)high);
	if (rd_writes_add(&meta, RD_OP_PUT, RD_DB_META, "next_outbox", 11, num[0], (size_t)l0) != 0 ||
	    rd_writes_add(&meta, RD_OP_PUT, RD_DB_META, "next_case", 9, num[1], (size_t)l1) != 0)
		b.oom = 1;
	put_set(&b, META_KIND, 0, 0, NULL, 0, &meta);
	rd_writes_free(&meta);
	if (b.oom) {
		free(b.p);
		return RD_ENOMEM;
	}
	/* the position goes into the transaction before the publish: the fence
	 * makes the message's sequence applied + 1, and a full map found here
	 * (grow, retry) must not come after the message is in the log */
	unsigned char h[32];
	next_hash(e->hash, b.p, b.len, h);
	uint64_t want = e->applied_seq + 1;
	int prc = put_position(e, txn, want, h);
	if (prc != RD_OK) {
		free(b.p);
		return prc;
	}
	uint64_t seq = 0;
	size_t zlen = 0;
	char *z = deflated(&b, &zlen);
	if (!z) {
		free(b.p);
		return RD_ENOMEM;
	}
	int rc = rd_cluster_publish(e->cluster, z, zlen, e->applied_seq, &seq);
	free(z);
	if (rc != RD_CLUSTER_OK) {
		free(b.p);
		rd_log(RD_LOG_WARN, "cluster: batch not published", "error", rd_cluster_strerror(rc), NULL);
		if (rc == RD_CLUSTER_EFENCED) {
			/* someone else's message (or our own whose answer was lost) is
			 * next: stop deciding until it is applied */
			rd__set_role(e, RD_ROLE_FOLLOWER);
			report(e, 0);
		}
		return RD__EPUBLISH;
	}
	free(b.p);
	if (seq != want) { /* the fence promised want: the log is not what this node believes */
		char s1[24], s2[24];
		snprintf(s1, sizeof s1, "#%llu", (unsigned long long)want);
		snprintf(s2, sizeof s2, "#%llu", (unsigned long long)seq);
		rd_log(RD_LOG_ERROR, "cluster: the log placed a batch at an unexpected sequence", "expected", s1, "got", s2,
		       NULL);
		rd__set_role(e, RD_ROLE_FOLLOWER);
		report(e, 0);
		return RD__EPUBLISH;
	}
	/* taken as applied now: if the commit fails, the writer stops deciding
	 * and the stream's copy is applied again (apply_run skips nothing: the
	 * position comes from the store) */
	e->pending_seq = seq;
	memcpy(e->pending_hash, h, 32);
	return RD_OK;
}

void rd__replica_committed(rd_engine *e, int ok)
{
	if (ok && e->pending_seq) {
		e->applied_seq = e->pending_seq;
		memcpy(e->hash, e->pending_hash, 32);
		report(e, 1);
	} else if (e->pending_seq) {
		/* published but not committed here: re-read the position, catch up */
		rd__set_role(e, RD_ROLE_FOLLOWER);
		rd__replica_init(e);
	}
	e->pending_seq = 0;
}

/* Applies the sets of one message in txn, after checking that it follows
 * the history whose hash is h. RD_OK, RD_ECONFLICT (a check failed, or
 * another history: divergence), RD_ECORRUPT, or a store error. */
static int apply_sets(rd_engine *e, rd_txn *txn, const char *msg, size_t len, const unsigned char h[32],
		      uint64_t *outbox, int *compact)
{
	const unsigned char *p = (const unsigned char *)msg, *end = p + len;
	if (len < 40 || memcmp(p, MAGIC, 4) != 0)
		return RD_ECORRUPT;
	if (memcmp(p + 4, h, 32) != 0) {
		rd_log(RD_LOG_ERROR, "cluster: divergence: the message follows a history this node does not hold",
		       NULL);
		return RD_ECONFLICT;
	}
	uint32_t n = (uint32_t)get_u(p + 36, 4);
	const unsigned char *q = p + 40;
	int rc = RD_OK;
	for (uint32_t i = 0; i < n && rc == RD_OK; i++) {
		if (end - q < 14)
			return RD_ECORRUPT;
		*compact |= q[1] & 1;
		uint64_t reqlen = get_u(q + 10, 4);
		q += 14;
		if ((uint64_t)(end - q) < reqlen + 4)
			return RD_ECORRUPT;
		q += reqlen;
		uint64_t wlen = get_u(q, 4);
		q += 4;
		if ((uint64_t)(end - q) < wlen)
			return RD_ECORRUPT;
		rd_writes ws = { (char *)q, (size_t)wlen, (size_t)wlen, 0 };
		rc = rd_store_apply(e->store, txn, &ws, outbox);
		q += wlen;
	}
	return rc;
}

/* Applies n messages (the first at seq first) in one transaction with the
 * new position: one commit for all of them. 0; -1 (nothing applied, retry
 * later); -2 (divergence: stop applying; with n > 1 the caller applies the
 * messages one at a time to find which). */
static int apply_run(rd_engine *e, uint64_t first, char **msgs, const size_t *lens, int n, int *compact)
{
	for (int attempt = 0; attempt < 16; attempt++) {
		rd_txn *txn;
		if (rd_store_maybe_grow(e->store) != RD_OK || rd_store_write_begin(e->store, &txn) != RD_OK)
			return -1;
		uint64_t outbox = rd_store_meta_counter(e->store, txn, "next_outbox");
		unsigned char h[32];
		memcpy(h, e->hash, 32);
		int rc = RD_OK, m = 0;
		*compact = 0;
		for (; m < n && rc == RD_OK; m++) {
			rc = apply_sets(e, txn, msgs[m], lens[m], h, &outbox, compact);
			if (rc == RD_OK)
				next_hash(h, msgs[m], lens[m], h);
		}
		if (rc == RD_OK)
			rc = put_position(e, txn, first + (uint64_t)n - 1, h);
		if (rc == RD_OK) {
			if (rd_store_commit(txn) != RD_OK) /* the txn is gone either way */
				return -1;
			e->applied_seq = first + (uint64_t)n - 1;
			memcpy(e->hash, h, 32);
			return 0;
		}
		rd_store_abort(txn);
		if (rc == RD_EMAPFULL && rd_store_grow(e->store) == RD_OK)
			continue;
		if (rc == RD_ECONFLICT || rc == RD_ECORRUPT || rc == RD_EINVAL) {
			if (n == 1) {
				char s[24];
				snprintf(s, sizeof s, "#%llu", (unsigned long long)first);
				rd_log(RD_LOG_ERROR, "cluster: divergence: a message does not apply to this store", "seq", s,
				       "error", rd_store_strerror(rc), NULL);
			}
			return -2;
		}
		return -1;
	}
	return -1;
}

/* Re-reads what the writer keeps in memory from the store, after others'
 * messages were applied: counters and the next due timer. */
static void refresh_counters(rd_engine *e)
{
	rd_txn *txn;
	if (rd_store_read_begin(e->store, &txn) != RD_OK)
		return;
	e->case_high = rd_store_meta_counter(e->store, txn, "next_case");
	e->next_outbox = rd_store_meta_counter(e->store, txn, "next_outbox");
	rd_store_read_end(e->store, txn);
	pthread_mutex_lock(&e->mu);
	if (e->next_case <= e->case_high)
		e->next_case = e->case_high + 1;
	pthread_mutex_unlock(&e->mu);
}

static void submit_sync(rd_engine *e)
{
	rd_job *j = calloc(1, sizeof *j);
	if (!j || !(j->body = strdup(""))) {
		free(j);
		return;
	}
	j->kind = RD_JOB_SYNC;
	j->internal = 1;
	rd_engine_submit(e, j);
}

void rd__replica_tick(rd_engine *e)
{
	if (e->diverged) {
		report(e, 0);
		return;
	}
	if (e->role == RD_ROLE_LEADER) {
		if (rd_cluster_lease_held(e->cluster)) {
			report(e, 1);
			return;
		}
		rd_log(RD_LOG_WARN, "cluster: lease not renewed; no longer deciding", NULL);
		rd__set_role(e, RD_ROLE_FOLLOWER);
	}
	/* a follower (or a node about to lead): apply what the stream holds,
	 * up to APPLY_RUN messages per transaction (one fsync for them all) */
	int caught_up = 0, compact = 0;
	for (int round = 0; round < 16 && !caught_up && !e->diverged; round++) {
		char *msgs[APPLY_RUN];
		size_t lens[APPLY_RUN];
		int n = 0, stop = 0;
		while (n < APPLY_RUN && !stop) {
			char *msg = NULL, *raw = NULL;
			size_t len = 0, rawlen = 0;
			int rc = rd_cluster_fetch(e->cluster, e->applied_seq + 1 + (uint64_t)n, &msg, &len);
			if (rc == RD_CLUSTER_ENOTFOUND)
				caught_up = 1;
			if (rc != RD_CLUSTER_OK)
				break;
			if (inflated(msg, len, &raw, &rawlen) == 0) {
				msgs[n] = raw;
				lens[n++] = rawlen;
			} else {
				rd_log(RD_LOG_ERROR, "cluster: divergence: a message of the log is not one redress wrote", NULL);
				e->diverged = stop = 1;
			}
			free(msg);
		}
		int c = 0, arc = n ? apply_run(e, e->applied_seq + 1, msgs, lens, n, &c) : 0;
		compact |= c;
		/* a run that does not apply: one at a time, to apply what does and
		 * stop at the message that does not */
		if (arc == -2 && n > 1) {
			arc = 0;
			for (int m = 0; m < n && arc == 0; m++) {
				arc = apply_run(e, e->applied_seq + 1, &msgs[m], &lens[m], 1, &c);
				compact |= c;
			}
		}
		for (int m = 0; m < n; m++)
			free(msgs[m]);
		if (arc == -2)
			e->diverged = 1;
		if (e->diverged)
			rd_metrics_set_cluster(RD_ROLE_DIVERGED, e->applied_seq, 1);
		if (arc != 0 || n == 0)
			break;
	}
	if (compact) {
		char err[512];
		if (rd_store_compact(e->store, err, sizeof err) != RD_OK) {
			rd_log(RD_LOG_ERROR, "store: compaction after a replicated erasure failed", "error", err, NULL);
			if (e->store->env == NULL)
				exit(1);
		}
	}
	if (caught_up && !e->diverged && rd_cluster_lease_held(e->cluster)) {
		refresh_counters(e);
		pthread_mutex_lock(&e->mu);
		e->term++; /* jobs taken before now were decided for another term */
		pthread_mutex_unlock(&e->mu);
		rd__set_role(e, RD_ROLE_LEADER);
		char s[24];
		snprintf(s, sizeof s, "#%llu", (unsigned long long)e->applied_seq);
		rd_log(RD_LOG_INFO, "cluster: leading", "applied", s, NULL);
		submit_sync(e); /* the packs this node runs, published as its first write */
	}
	report(e, caught_up);
}
