/* engine.c — decision workers and the one writer (see engine.h). */
#define _GNU_SOURCE
#include "engine_int.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include "../bindings/bindings.h"
#include "cluster.h"
#include "log.h"
#include "metrics.h"

static const char *const kind_names[RD_JOB_KIND_COUNT] = {
	[RD_JOB_COMPLAINT] = "complaint", [RD_JOB_EVENT] = "event", [RD_JOB_OUTBOX_ACK] = "outbox_ack",
	[RD_JOB_RELOAD] = "reload",       [RD_JOB_SYNC] = "sync",   [RD_JOB_TIMER] = "timer",
	[RD_JOB_WEBHOOK] = "webhook", [RD_JOB_ERASE] = "erase",
	[RD_JOB_SESSIONS_REVOKE] = "sessions_revoke",
	[RD_JOB_CORRECTIVE] = "corrective",
};

const char *rd_job_kind_name(rd_job_kind kind)
{
	return (unsigned)kind < RD_JOB_KIND_COUNT ? kind_names[kind] : "?";
}

int rd_job_kind_from_name(const char *name)
{
	for (int i = 0; i < RD_JOB_KIND_COUNT; i++)
		if (name && strcmp(kind_names[i], name) == 0)
			return i;
	return -1;
}

void rd_job_free(rd_job *job)
{
	if (!job)
		return;
	free(job->case_id);
	free(job->customer_id);
	free(job->idem_key);
	free(job->actor);
	free(job->body);
	free(job->resp);
	free(job->metrics);
	rd_writes_free(&job->ws);
	free(job);
}

int64_t rd__mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* How long the first result of a batch may wait for the decisions still
 * running, so that they go in the same commit. Without it, the writer
 * took whatever one result was in the moment a commit ended, and under a
 * steady load the batches swung between a few complaints and dozens: each
 * small commit cost a whole commit's syncs and page writes, and delayed
 * the large one behind it (docs/PERFORMANCE.md, the evening's steps of
 * 2026-12-03). A commit takes about 1.5 ms under load; waiting a third
 * of that brings the rest of a wave in. */
#define COMMIT_HOLD_US 500

/* Whether the results waiting should be committed now: nothing is being
 * decided, or the oldest has waited COMMIT_HOLD_US; else *wait_us says how
 * much longer they may wait. Under mu. */
static int commit_now(const rd_engine *e, int64_t *wait_us)
{
	if (e->deciding == 0 || e->stopping)
		return 1;
	int64_t waited = rd__mono_us() - e->results_since_us;
	if (waited >= COMMIT_HOLD_US || waited < 0)
		return 1;
	*wait_us = COMMIT_HOLD_US - waited;
	return 0;
}

static int64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t wall_ms(void)
{
	return wall_us() / 1000;
}

/* The writer waits on writer_cv until the wall clock reads at (µs), or a
 * worker's result or a submission wakes it. Under mu. */
static void writer_wait_until(rd_engine *e, int64_t at_us)
{
	struct timespec ts = { .tv_sec = at_us / 1000000, .tv_nsec = (at_us % 1000000) * 1000 };
	pthread_cond_timedwait(&e->writer_cv, &e->mu, &ts);
}

/* ---- the writer ---- */

/* One batch = one durable write transaction: each decided job's write set
 * is applied if what it read is unchanged (else it is marked to be decided
 * again). On a full map the batch is undone, the map grows, and the same
 * write sets are applied again. */
/* An erasure is committed: compact the store so that the pages it freed
 * no longer hold what was erased (rd_store_compact). */
static void compact_after(rd_engine *e, rd_job *batch)
{
	int want = 0;
	for (rd_job *j = batch; j; j = j->next)
		want |= j->compact && j->wrote && !j->conflict;
	if (!want)
		return;
	char err[1024];
	if (rd_store_compact(e->store, err, sizeof err) == RD_OK) {
		rd_metrics_set_map(rd_store_used_bytes(e->store), e->store->map_size);
		return;
	}
	rd_log(RD_LOG_ERROR, "store: compaction after an erasure failed", "error", err, NULL);
	if (e->store->env == NULL) {
		rd_log(RD_LOG_ERROR, "store: no environment after a failed compaction; stopping", NULL);
		exit(1);
	}
	for (rd_job *j = batch; j; j = j->next)
		if (j->compact && !j->conflict)
			rd__set_error(j, 500, "compaction_failed",
				      "the customer's data was erased, but the store could not be compacted: freed pages may "
				      "still hold it; erase again to retry the compaction");
}

/* Cluster mode: a job that reaches the writer while this node does not
 * lead, or that was taken in an earlier term of its leadership (its case
 * number and snapshot may be another leader's), writes nothing. */
static void refuse_unled(rd_engine *e, rd_job *batch)
{
	for (rd_job *j = batch; j; j = j->next) {
		if (j->wrote && (e->role != RD_ROLE_LEADER || j->term != e->term)) {
			rd__set_error(j, 503, "unavailable", "this node no longer leads the cluster; nothing was written, retry");
			rd__clear_metrics(j);
			j->wrote = 0;
		}
	}
}

static int commit_batch(rd_engine *e, rd_job *batch, int *conflicts)
{
	size_t n = 0;
	for (rd_job *j = batch; j; j = j->next)
		n++;
	if (e->cluster)
		refuse_unled(e, batch);
	for (int attempt = 0;; attempt++) {
		int64_t t0 = rd__mono_us();
		if (rd_store_maybe_grow(e->store) != RD_OK)
			rd_log(RD_LOG_WARN, "store: could not grow the map ahead of need", NULL);
		rd_txn *txn = NULL;
		int rc = rd_store_write_begin(e->store, &txn);
		uint64_t outbox = e->next_outbox, high = e->case_high;
		int kept = 0;
		*conflicts = 0;
		for (rd_job *j = batch; j && rc == RD_OK; j = j->next) {
			j->conflict = 0;
			if (!j->wrote)
				continue;
			int arc = rd_store_apply_held(e->store, txn, &j->ws, &outbox, &e->adds, &j->conflict_row);
			if (arc == RD_ECONFLICT) {
				j->conflict = 1;
				(*conflicts)++;
				continue;
			}
			if (arc != RD_OK) {
				rc = arc;
				break;
			}
			kept++;
			if (j->case_number > high)
				high = j->case_number;
		}
		if (rc == RD_OK && kept)
			rc = rd_store_apply_adds(e->store, txn, &e->adds);
		rd_held_clear(&e->adds); /* a retry applies the sets again */
		if (rc == RD_OK && kept && outbox != e->next_outbox)
			rc = rd_store_put_meta_counter(e->store, txn, "next_outbox", outbox);
		if (rc == RD_OK && kept && high != e->case_high)
			rc = rd_store_put_meta_counter(e->store, txn, "next_case", high);
		if (rc == RD_OK && kept && e->cluster) /* before the commit: the answer waits for both */
			rc = rd__replica_publish(e, txn, batch, outbox, high);
		if (rc == RD_EMAPFULL) {
			rd_store_abort(txn);
			int grc = rd_store_grow(e->store);
			char sz[32];
			snprintf(sz, sizeof sz, "#%zu", e->store->map_size);
			rd_log(RD_LOG_INFO, "store: map full, grown", "map_bytes", sz, NULL);
			if (grc == RD_OK && attempt < 16)
				continue;
			txn = NULL;
		}
		if (rc == RD_OK && kept > 0)
			rc = rd_store_commit(txn); /* durable on return */
		else if (txn)
			rd_store_abort(txn);
		if (e->cluster)
			rd__replica_committed(e, rc == RD_OK);
		if (rc != RD_OK) {
			/* Nothing of this batch is on disk: every job gets a 500 (a
			 * 503 when the cluster did not take it) and its client may
			 * retry with the same Idempotency-Key. */
			if (rc != RD__EPUBLISH)
				rd_log(RD_LOG_ERROR, "store: batch not committed", "error", rd_store_strerror(rc), NULL);
			for (rd_job *j = batch; j; j = j->next) {
				j->conflict = 0;
				if (rc == RD__EPUBLISH && j->wrote) {
					rd__set_error(j, 503, "unavailable",
						      "the cluster did not take this write; nothing was written, retry");
					rd__clear_metrics(j);
					j->wrote = 0;
				} else if (rc != RD__EPUBLISH) {
					rd__fail_job(j);
				}
			}
			*conflicts = 0;
			return rc;
		}
		if (outbox != e->next_outbox) {
			pthread_mutex_lock(&e->mu);
			if (e->on_outbox)
				e->on_outbox(e->on_outbox_ud);
			pthread_mutex_unlock(&e->mu);
		}
		e->next_outbox = outbox;
		e->case_high = high;
		compact_after(e, batch);
		if (kept > 0) {
			rd_metrics_commit(n, (double)(rd__mono_us() - t0) / 1e6);
			rd_metrics_set_map(rd_store_used_bytes(e->store), e->store->map_size);
		}
		return RD_OK;
	}
}

/* Reads the next due time and the number pending, in a read transaction. */
static void refresh_timers(rd_engine *e)
{
	rd_txn *txn;
	e->next_due_ms = INT64_MAX;
	if (rd_store_read_begin(e->store, &txn) != RD_OK)
		return;
	size_t n;
	if (rd_store_timer_first(e->store, txn, &e->next_due_ms, &n) == RD_OK)
		rd_metrics_set_timers(n);
	rd_store_read_end(e->store, txn);
}

struct due_jobs {
	rd_engine *e;
	int64_t now;
	rd_job *first, *last;
	int n;
};

/* One due timer → a job of its own, on its case's key; stops at the first
 * timer not due yet, or after max_fire. */
static int due_row(void *ud, const void *k, size_t klen, const char *case_id)
{
	struct due_jobs *d = ud;
	if (d->n >= d->e->max_fire)
		return 1;
	rd_job *j = calloc(1, sizeof *j);
	if (!j || !(j->body = malloc(klen)) || !(j->case_id = strndup(case_id, RD_CASE_ID_LEN))) {
		rd_job_free(j);
		return 1;
	}
	memcpy(j->body, k, klen);
	j->body_len = klen;
	j->kind = RD_JOB_TIMER;
	j->internal = 1;
	j->term = d->e->term;
	j->now_ms = d->now; /* the firing time; the handler's now is the due time */
	rd__set_keys(j);
	if (d->last)
		d->last->next = j;
	else
		d->first = j;
	d->last = j;
	d->n++;
	return 0;
}

/* Submits up to max_fire due timers as jobs of their own (each on its case's
 * key); the next round waits until they are all done. */
static void fire_due(rd_engine *e, int64_t now)
{
	struct due_jobs d = { e, now, NULL, NULL, 0 };
	rd_txn *txn;
	if (rd_store_read_begin(e->store, &txn) != RD_OK)
		return;
	rd_store_timers_due(e->store, txn, now, due_row, &d);
	rd_store_read_end(e->store, txn);
	if (!d.n)
		return;
	e->timers_in_flight = d.n;
	pthread_mutex_lock(&e->mu);
	if (e->pending_tail)
		e->pending_tail->next = d.first;
	else
		e->pending_head = d.first;
	e->pending_tail = d.last;
	rd__dispatch(e);
	pthread_mutex_unlock(&e->mu);
}

/* A reload changes every worker's packs together, while none is deciding:
 * each prepares (loads the config and packs); all must succeed and agree
 * on what they loaded (a file edited during the reload would split them),
 * then all switch, and worker 0 stores the packs. */
static void run_reload(rd_engine *e, rd_job *j)
{
	char sig0[4096] = "", sig[4096];
	rd_job probe = { 0 };
	int ok = 1;
	if (!rd_engine_leads(e)) { /* the packs change where decisions are made */
		rd__set_error(j, 503, "unavailable", "this node does not lead the cluster; reload the leader");
		return;
	}
	for (int i = 0; i < e->n_workers && ok; i++) {
		rd__run_on(e, &e->workers[i], &probe, "reload_prepare", sig, sizeof sig);
		if (probe.status != 200) {
			rd__set_answer(j, probe.status, probe.resp, probe.resp_len);
			ok = 0;
		} else if (i == 0) {
			memcpy(sig0, sig, sizeof sig0);
		} else if (strcmp(sig, sig0) != 0) {
			rd__set_error(j, 422, "reload_failed",
				  "nothing was changed: the pack files changed while they were loaded; reload again");
			ok = 0;
		}
	}
	for (int i = ok ? 1 : 0; i < e->n_workers; i++)
		rd__run_on(e, &e->workers[i], &probe, ok ? "reload_adopt" : "reload_abort", NULL, 0);
	free(probe.resp);
	rd_writes_free(&probe.ws);
	if (!ok)
		return;
	rd__run_on(e, &e->workers[0], j, "reload_commit", NULL, 0);
	int conflicts;
	if (!j->wrote)
		return;
	commit_batch(e, j, &conflicts);
	if (j->status == 200)
		return;
	/* not committed (in a cluster: not published): the answer says nothing
	 * changed, so every worker goes back to the packs it ran before */
	for (int i = 0; i < e->n_workers; i++) {
		rd_job back = { 0 };
		rd__run_on(e, &e->workers[i], &back, "reload_revert", NULL, 0);
		free(back.resp);
		rd_writes_free(&back.ws);
	}
	rd_log(RD_LOG_WARN, "reload not committed: the packs that ran before run on", NULL);
}

static void finish(rd_engine *e, rd_job *j, int *answered)
{
	if (j->internal) {
		if (j->kind == RD_JOB_TIMER)
			e->timers_in_flight--;
		rd_job_free(j);
		return;
	}
	rd__push(&e->done_head, &e->done_tail, j);
	(*answered)++;
}

static void report_metrics(rd_job *batch)
{
	for (rd_job *j = batch; j; j = j->next) {
		if (j->metrics && !j->conflict && rd_metrics_apply(j->metrics, j->metrics_len) > 0)
			rd_log(RD_LOG_WARN, "metrics", "error", "a decision reported observations no family takes", NULL);
	}
}

/* Finishes a committed batch: conflicted jobs go back to the front of the
 * queue (decided again on a snapshot that holds what they conflicted with),
 * the others are answered; their keys are released either way. */
static int settle(rd_engine *e, rd_job *batch)
{
	rd_job *again = NULL, *again_tail = NULL;
	int answered = 0;
	while (batch) {
		rd_job *j = batch;
		batch = j->next;
		j->next = NULL;
		rd__release(e, j);
		e->in_flight--;
		if (j->conflict && j->attempts < 100) {
			j->attempts++;
			j->conflict = 0;
			rd__order_by_row(j);
			rd_metrics_decided_again();
			if (again_tail)
				again_tail->next = j;
			else
				again = j;
			again_tail = j;
			continue;
		}
		if (j->conflict) {
			j->conflict = 0;
			rd__set_error(j, 503, "internal", "the store kept changing under this request; nothing was written, retry");
			rd__clear_metrics(j);
		}
		finish(e, j, &answered);
	}
	if (again) {
		again_tail->next = e->pending_head;
		e->pending_head = again;
		if (!e->pending_tail)
			e->pending_tail = again_tail;
	}
	rd__dispatch(e);
	return answered;
}

static int nothing_left(const rd_engine *e)
{
	return !e->pending_head && e->in_flight == 0 && !e->results_head;
}

/* Cluster mode: how often a writer with nothing to commit looks at the
 * log (a follower applies it) and at the lease. */
#define CLUSTER_TICK_MS 50

static void writer_loop(rd_engine *e)
{
	refresh_timers(e);
	pthread_mutex_lock(&e->mu);
	for (;;) {
		if (e->cluster) {
			pthread_mutex_unlock(&e->mu);
			int led = rd_engine_leads(e);
			rd__replica_tick(e);
			if (!led && rd_engine_leads(e))
				refresh_timers(e); /* the timers others' messages left */
			pthread_mutex_lock(&e->mu);
		}
		int64_t tick = e->cluster ? wall_ms() + CLUSTER_TICK_MS : INT64_MAX;
		for (;;) {
			if (rd__barrier_ready(e))
				break;
			int64_t hold_us = 0;
			if (e->results_head) {
				if (commit_now(e, &hold_us))
					break;
				/* a worker's next result wakes the writer to look again */
				writer_wait_until(e, wall_us() + hold_us);
				continue;
			}
			if (e->stopping && nothing_left(e))
				break;
			int timers_due = !e->stopping && e->timers_in_flight == 0 && e->next_due_ms != INT64_MAX &&
					 rd_engine_leads(e);
			int64_t until = timers_due && e->next_due_ms < tick ? e->next_due_ms : tick;
			if (until <= wall_ms())
				break;
			if (until != INT64_MAX) {
				writer_wait_until(e, until * 1000);
			} else {
				pthread_cond_wait(&e->writer_cv, &e->mu);
			}
		}
		if (e->stopping && nothing_left(e))
			break;
		int answered = 0;
		if (rd__barrier_ready(e)) {
			rd_job *j = e->pending_head;
			e->pending_head = j->next;
			if (!e->pending_head)
				e->pending_tail = NULL;
			j->next = NULL;
			e->reloading = 1;
			pthread_mutex_unlock(&e->mu);
			run_reload(e, j);
			pthread_mutex_lock(&e->mu);
			e->reloading = 0;
			finish(e, j, &answered);
			rd__dispatch(e);
		} else if (e->results_head) {
			rd_job *batch = e->results_head, *last = batch;
			/* in cluster mode a batch is one message of the log: it stops
			 * short of RD_CLUSTER_BATCH_BYTES of requests and writes */
			size_t bytes = batch->ws.len + batch->body_len;
			for (int i = 1; i < e->max_batch && last->next; i++) {
				if (e->cluster) {
					size_t more = last->next->ws.len + last->next->body_len;
					if (bytes + more > RD_CLUSTER_BATCH_BYTES)
						break;
					bytes += more;
				}
				last = last->next;
			}
			e->results_head = last->next;
			if (!e->results_head)
				e->results_tail = NULL;
			last->next = NULL;
			pthread_mutex_unlock(&e->mu);
			int conflicts;
			commit_batch(e, batch, &conflicts);
			report_metrics(batch);
			pthread_mutex_lock(&e->mu);
			answered = settle(e, batch);
		}
		pthread_mutex_unlock(&e->mu);
		if (answered)
			uv_async_send(&e->done_async);
		/* Due timers go in rounds between requests: a catch-up after
		 * downtime cannot starve new requests, nor requests the timers. */
		if (e->timers_in_flight == 0) {
			refresh_timers(e);
			int64_t now = wall_ms();
			if (!e->stopping && e->next_due_ms <= now && rd_engine_leads(e)) /* timers fire on the leader */
				fire_due(e, now);
		}
		pthread_mutex_lock(&e->mu);
	}
	pthread_mutex_unlock(&e->mu);
}

/* ---- start and stop ---- */

static lua_State *engine_lua(rd_engine *e, struct rd_worker *w, char *err, size_t errlen)
{
	lua_State *L = rd_lua_new(&w->ctx);
	if (L)
		w->host = rd_store_lua_attach(L, e->store, 0);
	if (!L || !w->host) {
		rd_lua_close(L);
		snprintf(err, errlen, "cannot create a Lua state");
		return NULL;
	}
	lua_getglobal(L, "require");
	lua_pushliteral(L, "redress.engine");
	if (rd_lua_pcall(L, 1, 1, RD_PCALL_PLAIN) != LUA_OK) /* a user error */
		goto fail;
	lua_getfield(L, -1, "new");
	lua_pushstring(L, e->config_path);
	if (rd_lua_pcall(L, 1, 1, RD_PCALL_PLAIN) != LUA_OK) /* a user error */
		goto fail;
	lua_getfield(L, -1, "worker_fn");
	if (!lua_isfunction(L, -1)) {
		lua_pushliteral(L, "redress.engine: new() did not return an engine");
		goto fail;
	}
	lua_rawsetp(L, LUA_REGISTRYINDEX, &rd__worker_fn_key);
	lua_settop(L, 0);
	return L;
fail:
	snprintf(err, errlen, "%s", lua_tostring(L, -1));
	rd_lua_close(L);
	return NULL;
}

static void stop_workers(rd_engine *e)
{
	pthread_mutex_lock(&e->mu);
	e->workers_quit = 1;
	pthread_cond_broadcast(&e->work_cv);
	pthread_mutex_unlock(&e->mu);
	for (int i = 0; i < e->n_workers; i++) {
		if (e->workers[i].running)
			pthread_join(e->workers[i].thread, NULL);
		if (e->workers[i].L)
			rd_lua_close(e->workers[i].L);
	}
	free(e->workers);
	e->workers = NULL;
}

/* Loads every worker's state, stores the packs (worker 0), reads the
 * counters, starts the workers. 0 or -1 with e->init_err. */
static int init(rd_engine *e)
{
	e->workers = calloc((size_t)e->n_workers, sizeof *e->workers);
	if (!e->workers) {
		snprintf(e->init_err, sizeof e->init_err, "out of memory");
		return -1;
	}
	for (int i = 0; i < e->n_workers; i++) {
		e->workers[i].e = e;
		e->workers[i].index = i;
		e->workers[i].L = engine_lua(e, &e->workers[i], e->init_err, sizeof e->init_err);
		if (!e->workers[i].L)
			return -1;
	}
	/* Store the packs this daemon runs (and the list GET /v1/packs shows)
	 * before the first request. */
	rd_job sync = { .kind = RD_JOB_SYNC, .internal = 1 };
	rd__run_on(e, &e->workers[0], &sync, "sync", NULL, 0);
	int conflicts;
	/* cluster mode: the packs are stored when this node starts leading
	 * (replica.c), like every write, through the log */
	if (sync.status == 200 && sync.wrote && !e->cluster)
		commit_batch(e, &sync, &conflicts);
	/* the gauges a restart must not zero (open cases), read from the store */
	if (sync.status == 200 && sync.metrics)
		rd_metrics_apply(sync.metrics, sync.metrics_len);
	free(sync.metrics);
	if (sync.status != 200) {
		snprintf(e->init_err, sizeof e->init_err, "could not store the loaded packs: %.*s", (int)sync.resp_len,
			 sync.resp ? sync.resp : "");
	}
	free(sync.resp);
	rd_writes_free(&sync.ws);
	if (e->init_err[0])
		return -1;
	rd_txn *txn;
	if (rd_store_read_begin(e->store, &txn) != RD_OK) {
		snprintf(e->init_err, sizeof e->init_err, "cannot read the store");
		return -1;
	}
	e->case_high = rd_store_meta_counter(e->store, txn, "next_case");
	e->next_outbox = rd_store_meta_counter(e->store, txn, "next_outbox");
	rd_store_read_end(e->store, txn);
	e->next_case = e->case_high + 1;
	if (e->cluster && rd__replica_init(e) != 0) {
		snprintf(e->init_err, sizeof e->init_err, "cannot read the cluster position from the store");
		return -1;
	}
	for (int i = 0; i < e->n_workers; i++) {
		if (pthread_create(&e->workers[i].thread, NULL, rd__worker_main, &e->workers[i]) != 0) {
			snprintf(e->init_err, sizeof e->init_err, "cannot start a decision worker");
			return -1;
		}
		e->workers[i].running = 1;
	}
	return 0;
}

static void *writer_main(void *arg)
{
	rd_engine *e = arg;
	rd_thread_name("rd-writer");
	int rc = init(e);
	pthread_mutex_lock(&e->init_mu);
	e->init_rc = rc;
	e->init_done = 1;
	pthread_cond_signal(&e->init_cv);
	pthread_mutex_unlock(&e->init_mu);
	if (rc == 0)
		writer_loop(e);
	stop_workers(e);
	return NULL;
}

static void on_async(uv_async_t *h)
{
	rd_engine *e = h->data;
	pthread_mutex_lock(&e->mu);
	rd_job *j = e->done_head;
	e->done_head = e->done_tail = NULL;
	pthread_mutex_unlock(&e->mu);
	if (!j)
		return;
	while (j) {
		rd_job *next = j->next;
		j->next = NULL;
		e->on_done(j);
		j = next;
	}
	e->on_done(NULL);
}

int rd_engine_start(rd_engine *e, uv_loop_t *loop, rd_store *store, const char *config_path, int max_batch,
		    int n_workers, rd_engine_done_cb on_done, char *err, size_t errlen)
{
	struct rd_cluster *cluster = e->cluster;
	memset(e, 0, sizeof *e);
	e->cluster = cluster;
	e->store = store;
	e->config_path = config_path;
	e->max_batch = max_batch > 0 ? max_batch : 256;
	e->n_workers = n_workers > 0 ? n_workers : 1;
	e->max_fire = 128;
	e->next_due_ms = INT64_MAX;
	e->on_done = on_done;
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->work_cv, NULL);
	pthread_cond_init(&e->writer_cv, NULL);
	pthread_mutex_init(&e->init_mu, NULL);
	pthread_cond_init(&e->init_cv, NULL);
	uv_async_init(loop, &e->done_async, on_async);
	e->done_async.data = e;
	if (pthread_create(&e->writer, NULL, writer_main, e) != 0) {
		snprintf(err, errlen, "cannot start the writer thread");
		uv_close((uv_handle_t *)&e->done_async, NULL);
		return -1;
	}
	pthread_mutex_lock(&e->init_mu);
	while (!e->init_done)
		pthread_cond_wait(&e->init_cv, &e->init_mu);
	pthread_mutex_unlock(&e->init_mu);
	if (e->init_rc) {
		pthread_join(e->writer, NULL);
		snprintf(err, errlen, "%s", e->init_err);
		free(e->held);
		rd_held_free(&e->adds);
		uv_close((uv_handle_t *)&e->done_async, NULL);
		return -1;
	}
	e->started = 1;
	return 0;
}

void rd_engine_submit(rd_engine *e, rd_job *job)
{
	rd__set_keys(job);
	pthread_mutex_lock(&e->mu);
	job->term = e->term;
	rd__push(&e->pending_head, &e->pending_tail, job);
	rd__dispatch(e);
	if (rd__barrier_ready(e))
		pthread_cond_signal(&e->writer_cv);
	pthread_mutex_unlock(&e->mu);
}

void rd_engine_on_outbox(rd_engine *e, void (*fn)(void *), void *ud)
{
	pthread_mutex_lock(&e->mu);
	e->on_outbox = fn;
	e->on_outbox_ud = ud;
	pthread_mutex_unlock(&e->mu);
}

void rd_engine_stop(rd_engine *e)
{
	if (!e->started)
		return;
	pthread_mutex_lock(&e->mu);
	e->stopping = 1;
	pthread_cond_signal(&e->writer_cv);
	pthread_mutex_unlock(&e->mu);
	pthread_join(e->writer, NULL);
	on_async(&e->done_async); /* answer what the last batch finished */
	uv_close((uv_handle_t *)&e->done_async, NULL);
	free(e->held);
	e->held = NULL;
	rd_held_free(&e->adds);
	e->started = 0;
}

int rd_engine_busy(rd_engine *e)
{
	pthread_mutex_lock(&e->mu);
	int busy = e->pending_head || e->ready_head || e->in_flight > 0 || e->results_head;
	pthread_mutex_unlock(&e->mu);
	return busy;
}

int rd_engine_leads(rd_engine *e)
{
	return !e->cluster || __atomic_load_n(&e->role, __ATOMIC_ACQUIRE) == RD_ROLE_LEADER;
}
