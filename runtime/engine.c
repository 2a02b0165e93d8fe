/* engine.c — the engine thread and its group commit. */
#define _GNU_SOURCE
#include "engine.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include "../bindings/bindings.h"
#include "log.h"
#include "metrics.h"

static const char internal_error[] =
	"{\"error\":{\"code\":\"internal\",\"message\":\"internal error; nothing was written\",\"field\":null}}";

void rd_job_free(rd_job *job)
{
	if (!job)
		return;
	free(job->kind);
	free(job->case_id);
	free(job->idem_key);
	free(job->body);
	free(job->resp);
	free(job);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_answer(rd_job *job, int status, const char *body, size_t len)
{
	free(job->resp);
	job->resp = malloc(len + 1);
	if (!job->resp) {
		job->status = 500;
		job->resp_len = 0;
		return;
	}
	memcpy(job->resp, body, len);
	job->resp[len] = '\0';
	job->resp_len = len;
	job->status = status;
}

/* Runs engine.handle(job) in the child transaction. Returns 1 when the job
 * wrote something that must be kept, 0 when not, -1 on map full. */
static int run_job(lua_State *L, rd_job *job)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	int top = lua_gettop(L);
	job->outcome[0] = '\0';
	job->replay = 0;
	lua_getfield(L, LUA_REGISTRYINDEX, "rd.engine.handle");
	lua_createtable(L, 0, 5);
	lua_pushstring(L, job->kind);
	lua_setfield(L, -2, "kind");
	if (job->case_id) {
		lua_pushstring(L, job->case_id);
		lua_setfield(L, -2, "case_id");
	}
	if (job->idem_key) {
		lua_pushstring(L, job->idem_key);
		lua_setfield(L, -2, "idem_key");
	}
	lua_pushlstring(L, job->body, job->body_len);
	lua_setfield(L, -2, "body");
	lua_pushinteger(L, job->now_ms);
	lua_setfield(L, -2, "now_ms");
	ctx->map_full = 0;
	int rc = rd_lua_pcall(L, 1, 1);
	if (ctx->map_full) {
		lua_settop(L, top);
		return -1;
	}
	if (rc != LUA_OK || !lua_istable(L, -1)) {
		rd_log(RD_LOG_ERROR, "engine failure", "error", lua_tostring(L, -1), "kind", job->kind, NULL);
		set_answer(job, 500, internal_error, sizeof internal_error - 1);
		lua_settop(L, top);
		return 0;
	}
	lua_getfield(L, -1, "status");
	lua_getfield(L, -2, "body");
	lua_getfield(L, -3, "wrote");
	lua_getfield(L, -4, "outcome");
	lua_getfield(L, -5, "replay");
	size_t len;
	const char *body = lua_tolstring(L, -4, &len);
	set_answer(job, (int)lua_tointeger(L, -5), body ? body : "{}", body ? len : 2);
	int wrote = lua_toboolean(L, -3);
	if (lua_isstring(L, -2))
		snprintf(job->outcome, sizeof job->outcome, "%s", lua_tostring(L, -2));
	job->replay = lua_toboolean(L, -1);
	job->n_sla = 0;
	lua_getfield(L, top + 1, "sla"); /* top + 1: the result table */
	if (lua_istable(L, -1)) {
		lua_Integer n = luaL_len(L, -1);
		for (lua_Integer i = 1; i <= n && job->n_sla < 4; i++) {
			lua_rawgeti(L, -1, i);
			lua_getfield(L, -1, "target");
			lua_getfield(L, -2, "kind");
			lua_getfield(L, -3, "seconds");
			int k = job->n_sla++;
			snprintf(job->sla[k].target, sizeof job->sla[k].target, "%s", luaL_optstring(L, -3, "?"));
			job->sla[k].breach = strcmp(luaL_optstring(L, -2, ""), "breach") == 0;
			job->sla[k].seconds = lua_tonumber(L, -1);
			lua_pop(L, 4);
		}
	}
	lua_pop(L, 1);
	lua_getfield(L, top + 1, "warnings");
	if (lua_istable(L, -1)) {
		lua_Integer n = luaL_len(L, -1);
		for (lua_Integer i = 1; i <= n; i++) {
			lua_rawgeti(L, -1, i);
			rd_log(RD_LOG_WARN, "packs", "warning", lua_tostring(L, -1), NULL);
			lua_pop(L, 1);
		}
	}
	lua_settop(L, top);
	return wrote;
}

/* One batch = one durable write transaction. Each job runs in a nested
 * transaction so that a job that fails or is refused leaves no trace while
 * the others keep theirs. On MDB_MAP_FULL the whole batch is undone, the
 * map grows, and the batch runs again: jobs are deterministic (their time
 * was fixed at intake), so the retry decides the same. */
static void run_batch(rd_engine *e, lua_State *L, rd_job *batch)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	size_t n = 0;
	for (rd_job *j = batch; j; j = j->next)
		n++;
	for (int attempt = 0;; attempt++) {
		double t0 = now_seconds();
		if (rd_store_maybe_grow(e->store) != RD_OK)
			rd_log(RD_LOG_WARN, "store: could not grow the map ahead of need", NULL);
		MDB_txn *txn = NULL;
		int rc = rd_store_write_begin(e->store, &txn);
		int kept = 0, map_full = 0;
		for (rd_job *j = batch; j && rc == RD_OK; j = j->next) {
			MDB_txn *child;
			int crc = mdb_txn_begin(e->store->env, txn, 0, &child);
			if (crc) {
				rc = rd_store_error(crc);
				map_full = rc == RD_EMAPFULL;
				break;
			}
			ctx->txn = child;
			int w = run_job(L, j);
			ctx->txn = NULL;
			if (w < 0) {
				mdb_txn_abort(child);
				map_full = 1;
				break;
			}
			if (w == 0 && j->status == 500 && strcmp(j->kind, "timer") == 0) {
				/* The engine failed on this timer (a bug, not a policy
				 * error): drop the row so it is not retried for ever. */
				mdb_txn_abort(child);
				crc = mdb_txn_begin(e->store->env, txn, 0, &child);
				if (crc) {
					rc = rd_store_error(crc);
					map_full = rc == RD_EMAPFULL;
					break;
				}
				char *kind = j->kind;
				j->kind = "timer_drop";
				ctx->txn = child;
				w = run_job(L, j);
				ctx->txn = NULL;
				j->kind = kind;
				rd_log(RD_LOG_ERROR, "timer dropped after an engine failure", NULL);
				if (w < 0) {
					mdb_txn_abort(child);
					map_full = 1;
					break;
				}
			}
			if (w == 1) {
				crc = mdb_txn_commit(child);
				if (crc) {
					rc = rd_store_error(crc);
					map_full = rc == RD_EMAPFULL;
					break;
				}
				kept++;
			} else {
				mdb_txn_abort(child);
				j->outcome[0] = '\0';
				j->n_sla = 0;
			}
		}
		if (map_full) {
			if (txn)
				mdb_txn_abort(txn);
			int grc = rd_store_grow(e->store);
			char sz[32];
			snprintf(sz, sizeof sz, "#%zu", e->store->map_size);
			rd_log(RD_LOG_INFO, "store: map full, grown", "map_bytes", sz, NULL);
			if (grc == RD_OK && attempt < 16)
				continue;
			rc = RD_EMAPFULL;
			txn = NULL;
		}
		if (rc == RD_OK && kept > 0)
			rc = rd_store_commit(txn); /* durable on return */
		else if (txn && rc == RD_OK)
			mdb_txn_abort(txn);
		else if (txn)
			mdb_txn_abort(txn);
		if (rc != RD_OK) {
			/* Nothing of this batch is on disk: every job gets a 500 and
			 * its client may retry with the same Idempotency-Key. */
			rd_log(RD_LOG_ERROR, "store: batch not committed", "error", rd_store_strerror(rc), NULL);
			for (rd_job *j = batch; j; j = j->next) {
				set_answer(j, 500, internal_error, sizeof internal_error - 1);
				j->outcome[0] = '\0';
			}
			return;
		}
		if (kept > 0) {
			rd_metrics_commit(n, now_seconds() - t0);
			rd_metrics_set_map(rd_store_used_bytes(e->store), e->store->map_size);
		}
		for (rd_job *j = batch; j; j = j->next) {
			if (j->outcome[0])
				rd_metrics_decision(j->outcome);
			for (int k = 0; j->outcome[0] && k < j->n_sla; k++)
				rd_metrics_sla(j->sla[k].target, j->sla[k].breach, j->sla[k].seconds);
		}
		return;
	}
}

/* The first timer's due time: keys start with the big-endian due ms. */
static int64_t key_due(const MDB_val *k)
{
	const unsigned char *b = k->mv_data;
	uint64_t due = 0;
	for (int i = 0; i < 8; i++)
		due = due << 8 | b[i];
	return due > INT64_MAX ? INT64_MAX : (int64_t)due;
}

/* Reads the next due time and the number pending, in a read transaction:
 * cheap, and it never blocks the writer. */
static void refresh_timers(rd_engine *e)
{
	MDB_txn *txn;
	e->next_due_ms = INT64_MAX;
	if (rd_store_read_begin(e->store, &txn) != RD_OK)
		return;
	MDB_cursor *cur;
	MDB_val k, v;
	if (mdb_cursor_open(txn, e->store->dbi[RD_DB_TIMERS], &cur) == 0) {
		if (mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0 && k.mv_size >= 8)
			e->next_due_ms = key_due(&k);
		mdb_cursor_close(cur);
	}
	MDB_stat st;
	if (mdb_stat(txn, e->store->dbi[RD_DB_TIMERS], &st) == 0)
		rd_metrics_set_timers(st.ms_entries);
	rd_store_read_end(e->store, txn);
}

/* Fires up to max_fire due timers as one batch: each is a job of its own
 * (its own nested transaction), all in one durable commit. */
static void fire_due(rd_engine *e, lua_State *L, int64_t now)
{
	enum { MAXF = 256 };
	rd_job jobs[MAXF];
	int n = 0, cap = e->max_fire < MAXF ? e->max_fire : MAXF;
	MDB_txn *txn;
	if (rd_store_read_begin(e->store, &txn) != RD_OK)
		return;
	MDB_cursor *cur;
	MDB_val k, v;
	if (mdb_cursor_open(txn, e->store->dbi[RD_DB_TIMERS], &cur) == 0) {
		int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		while (rc == 0 && n < cap && k.mv_size >= 8 && key_due(&k) <= now) {
			memset(&jobs[n], 0, sizeof jobs[n]);
			jobs[n].kind = "timer";
			jobs[n].body = malloc(k.mv_size);
			if (!jobs[n].body)
				break;
			memcpy(jobs[n].body, k.mv_data, k.mv_size);
			jobs[n].body_len = k.mv_size;
			jobs[n].now_ms = now; /* the firing time; the handler's now is the due time */
			if (n > 0)
				jobs[n - 1].next = &jobs[n];
			n++;
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		}
		mdb_cursor_close(cur);
	}
	rd_store_read_end(e->store, txn);
	if (n == 0)
		return;
	run_batch(e, L, &jobs[0]);
	int fired = 0;
	for (int i = 0; i < n; i++) {
		if (jobs[i].outcome[0])
			fired++;
		free(jobs[i].body);
		free(jobs[i].resp);
	}
	rd_metrics_timers_fired(fired);
}

static lua_State *engine_lua(rd_engine *e, char *err, size_t errlen)
{
	static rd_lua_ctx ctx_storage; /* one engine per process */
	lua_State *L = rd_lua_new(&ctx_storage, e->store);
	if (!L) {
		snprintf(err, errlen, "cannot create a Lua state");
		return NULL;
	}
	lua_getglobal(L, "require");
	lua_pushliteral(L, "redress.engine");
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) /* a user error: no traceback */
		goto fail;
	lua_getfield(L, -1, "new");
	lua_pushstring(L, e->config_path);
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) /* a user error: no traceback */
		goto fail;
	lua_getfield(L, -1, "handle_fn");
	if (!lua_isfunction(L, -1)) {
		lua_pushliteral(L, "redress.engine: new() did not return an engine");
		goto fail;
	}
	lua_setfield(L, LUA_REGISTRYINDEX, "rd.engine.handle");
	lua_settop(L, 0);
	return L;
fail:
	snprintf(err, errlen, "%s", lua_tostring(L, -1));
	rd_lua_close(L);
	return NULL;
}

static void *engine_main(void *arg)
{
	rd_engine *e = arg;
	lua_State *L = engine_lua(e, e->init_err, sizeof e->init_err);
	if (L) {
		/* Store the packs this daemon runs (and the list GET /v1/packs
		 * shows) before the first request. */
		rd_job sync = { .kind = "sync", .body = "", .status = 0 };
		run_batch(e, L, &sync);
		if (sync.status != 200) {
			snprintf(e->init_err, sizeof e->init_err, "could not store the loaded packs: %.*s",
				 (int)sync.resp_len, sync.resp ? sync.resp : "");
			rd_lua_close(L);
			L = NULL;
		}
		free(sync.resp);
	}
	pthread_mutex_lock(&e->init_mu);
	e->init_rc = L ? 0 : -1;
	e->init_done = 1;
	pthread_cond_signal(&e->init_cv);
	pthread_mutex_unlock(&e->init_mu);
	if (!L)
		return NULL;

	refresh_timers(e);
	for (;;) {
		pthread_mutex_lock(&e->mu);
		/* Sleep until a request comes or the next timer is due. */
		while (!e->queue_head && !e->stopping) {
			if (e->next_due_ms <= wall_ms())
				break;
			if (e->next_due_ms == INT64_MAX) {
				pthread_cond_wait(&e->cv, &e->mu);
			} else {
				struct timespec ts = { .tv_sec = e->next_due_ms / 1000,
						       .tv_nsec = (e->next_due_ms % 1000) * 1000000 };
				pthread_cond_timedwait(&e->cv, &e->mu, &ts);
			}
		}
		if (!e->queue_head && e->stopping) { /* stopping and drained */
			pthread_mutex_unlock(&e->mu);
			break;
		}
		rd_job *batch = e->queue_head, *last = batch;
		if (batch) {
			for (int i = 1; i < e->max_batch && last->next; i++)
				last = last->next;
			e->queue_head = last->next;
			if (!e->queue_head)
				e->queue_tail = NULL;
			last->next = NULL;
		}
		int stopping = e->stopping;
		pthread_mutex_unlock(&e->mu);

		if (batch) {
			run_batch(e, L, batch);
			pthread_mutex_lock(&e->mu);
			if (e->done_tail)
				e->done_tail->next = batch;
			else
				e->done_head = batch;
			e->done_tail = last;
			pthread_mutex_unlock(&e->mu);
			uv_async_send(&e->done_async);
		}
		/* Due timers go between request batches: a catch-up after downtime
		 * cannot starve new requests, nor requests the timers. */
		int64_t now = wall_ms();
		if (!stopping && e->next_due_ms <= now)
			fire_due(e, L, now);
		refresh_timers(e);
	}
	rd_lua_close(L);
	return NULL;
}

static void on_async(uv_async_t *h)
{
	rd_engine *e = h->data;
	pthread_mutex_lock(&e->mu);
	rd_job *j = e->done_head;
	e->done_head = e->done_tail = NULL;
	pthread_mutex_unlock(&e->mu);
	while (j) {
		rd_job *next = j->next;
		j->next = NULL;
		e->on_done(j);
		j = next;
	}
}

int rd_engine_start(rd_engine *e, uv_loop_t *loop, rd_store *store, const char *config_path, int max_batch,
		    rd_engine_done_cb on_done, char *err, size_t errlen)
{
	memset(e, 0, sizeof *e);
	e->store = store;
	e->config_path = config_path;
	e->max_batch = max_batch > 0 ? max_batch : 256;
	e->max_fire = 128;
	e->next_due_ms = INT64_MAX;
	e->on_done = on_done;
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->cv, NULL);
	pthread_mutex_init(&e->init_mu, NULL);
	pthread_cond_init(&e->init_cv, NULL);
	uv_async_init(loop, &e->done_async, on_async);
	e->done_async.data = e;
	if (pthread_create(&e->thread, NULL, engine_main, e) != 0) {
		snprintf(err, errlen, "cannot start the engine thread");
		return -1;
	}
	pthread_mutex_lock(&e->init_mu);
	while (!e->init_done)
		pthread_cond_wait(&e->init_cv, &e->init_mu);
	pthread_mutex_unlock(&e->init_mu);
	if (e->init_rc) {
		pthread_join(e->thread, NULL);
		snprintf(err, errlen, "%s", e->init_err);
		uv_close((uv_handle_t *)&e->done_async, NULL);
		return -1;
	}
	e->started = 1;
	return 0;
}

void rd_engine_submit(rd_engine *e, rd_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&e->mu);
	if (e->queue_tail)
		e->queue_tail->next = job;
	else
		e->queue_head = job;
	e->queue_tail = job;
	pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->mu);
}

void rd_engine_stop(rd_engine *e)
{
	if (!e->started)
		return;
	pthread_mutex_lock(&e->mu);
	e->stopping = 1;
	pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->mu);
	pthread_join(e->thread, NULL);
	on_async(&e->done_async); /* answer what the last batch finished */
	uv_close((uv_handle_t *)&e->done_async, NULL);
	e->started = 0;
}
