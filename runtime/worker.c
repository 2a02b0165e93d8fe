/* worker.c — a decision worker: one job in its Lua state, against a read
 * snapshot, into the job's write set (see engine.h). */
#define _GNU_SOURCE
#include "engine_int.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"

void rd__set_answer(rd_job *job, int status, const char *body, size_t len)
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

void rd__set_error(rd_job *job, int status, const char *code, const char *message)
{
	char body[512];
	size_t n = rd_error_json(body, sizeof body, code, message);
	rd__set_answer(job, status, body, n);
}

void rd__clear_metrics(rd_job *job)
{
	free(job->metrics);
	job->metrics = NULL;
	job->metrics_len = 0;
}

void rd__fail_job(rd_job *job)
{
	rd__set_error(job, 500, "internal", "internal error; nothing was written");
	rd__clear_metrics(job);
	job->wrote = 0;
}

/* ---- one job in a Lua state ---- */

const char rd__worker_fn_key = 0;

/* The results of engine.lua's worker_fn, from index r: status, body,
 * wrote, compact, metrics, replay, signature, warnings. */
enum { R_STATUS, R_BODY, R_WROTE, R_COMPACT, R_METRICS, R_REPLAY, R_SIGNATURE, R_WARNINGS, R_N };

/* Copies what worker_fn returned into job. */
static void read_result(lua_State *L, int r, rd_job *job, char *signature, size_t siglen)
{
	size_t len;
	const char *body = lua_tolstring(L, r + R_BODY, &len);
	rd__set_answer(job, (int)lua_tointeger(L, r + R_STATUS), body ? body : "{}", body ? len : 2);
	job->wrote = lua_toboolean(L, r + R_WROTE);
	job->compact = lua_toboolean(L, r + R_COMPACT);
	size_t mlen;
	const char *m = lua_tolstring(L, r + R_METRICS, &mlen);
	if (m && mlen > 0 && (job->metrics = malloc(mlen)) != NULL) {
		memcpy(job->metrics, m, mlen);
		job->metrics_len = mlen;
	}
	job->replay = lua_toboolean(L, r + R_REPLAY);
	if (signature)
		snprintf(signature, siglen, "%s", luaL_optstring(L, r + R_SIGNATURE, ""));
	if (lua_istable(L, r + R_WARNINGS)) {
		lua_Integer n = luaL_len(L, r + R_WARNINGS);
		for (lua_Integer i = 1; i <= n; i++) {
			lua_rawgeti(L, r + R_WARNINGS, i);
			rd_log(RD_LOG_WARN, "packs", "warning", lua_tostring(L, -1), NULL);
			lua_pop(L, 1);
		}
	}
}

static void push_opt(lua_State *L, const char *s)
{
	if (s)
		lua_pushstring(L, s);
	else
		lua_pushnil(L);
}

/* Runs engine.handle(job) as `kind` on worker w's state (through
 * worker_fn), in a read snapshot, writing into job->ws. On an engine
 * failure (a bug, not a policy error) the job gets a 500 and writes
 * nothing. */
void rd__run_on(rd_engine *e, struct rd_worker *w, rd_job *job, const char *kind, char *sig, size_t siglen)
{
	lua_State *L = w->L;
	int top = lua_gettop(L);
	rd__clear_metrics(job);
	job->replay = job->wrote = job->compact = 0;
	rd_writes_clear(&job->ws);
	rd_txn *txn;
	if (rd_store_read_begin(e->store, &txn) != RD_OK) {
		rd__fail_job(job);
		return;
	}
	w->host->txn = txn;
	w->host->ws = &job->ws;
	lua_rawgetp(L, LUA_REGISTRYINDEX, &rd__worker_fn_key);
	lua_pushstring(L, kind);
	lua_pushlstring(L, job->body ? job->body : "", job->body_len);
	lua_pushinteger(L, job->now_ms);
	push_opt(L, job->case_id);
	push_opt(L, job->idem_key);
	push_opt(L, job->customer_id);
	push_opt(L, job->actor);
	push_opt(L, job->new_case_id[0] ? job->new_case_id : NULL);
	int rc = rd_lua_pcall(L, 8, R_N, RD_PCALL_TRACEBACK);
	if (rc != LUA_OK || !lua_isinteger(L, top + 1 + R_STATUS)) {
		rd_log(RD_LOG_ERROR, "engine failure", "error", rc != LUA_OK ? lua_tostring(L, -1) : "no status", "kind", kind,
		       NULL);
		rd__fail_job(job);
	} else {
		read_result(L, top + 1, job, sig, siglen);
	}
	lua_settop(L, top);
	w->host->txn = NULL;
	w->host->ws = NULL;
	rd_store_read_end(e->store, txn);
}

void rd__decide(rd_engine *e, struct rd_worker *w, rd_job *job)
{
	rd__run_on(e, w, job, rd_job_kind_name(job->kind), NULL, 0);
	if (job->kind == RD_JOB_TIMER && job->status == 500) {
		/* The engine failed on this timer (a bug, not a policy error):
		 * drop the row so it is not retried for ever. */
		rd__run_on(e, w, job, "timer_drop", NULL, 0);
		rd_log(RD_LOG_ERROR, "timer dropped after an engine failure", NULL);
	}
}

/* ---- workers ---- */

void *rd__worker_main(void *arg)
{
	struct rd_worker *w = arg;
	rd_engine *e = w->e;
	char name[32]; /* the kernel keeps 15 bytes: rd-worker-1 … rd-worker-9999 */
	snprintf(name, sizeof name, "rd-worker-%d", w->index + 1);
	rd_thread_name(name);
	pthread_mutex_lock(&e->mu);
	int decided = 0; /* since this worker's collector last ran */
	for (;;) {
		/* Nothing to decide: the collector's step runs now rather than
		 * inside the next decision (rd_lua_idle_step; docs/PERFORMANCE.md,
		 * "The collector while idle"). A reload waiting or running uses this
		 * state from the writer's thread: then the worker leaves it be,
		 * and a reload waits for a step under way (rd__barrier_ready). */
		if (decided && !e->ready_head && !e->workers_quit && !rd__barrier_pending(e)) {
			e->collecting++;
			pthread_mutex_unlock(&e->mu);
			rd_lua_idle_step(w->L);
			pthread_mutex_lock(&e->mu);
			e->collecting--;
			decided = 0;
			if (rd__barrier_ready(e))
				pthread_cond_signal(&e->writer_cv);
			continue;
		}
		while (!e->ready_head && !e->workers_quit)
			pthread_cond_wait(&e->work_cv, &e->mu);
		rd_job *j = e->ready_head;
		if (!j)
			break;
		e->ready_head = j->next;
		if (!e->ready_head)
			e->ready_tail = NULL;
		pthread_mutex_unlock(&e->mu);
		rd__decide(e, w, j);
		decided = 1;
		pthread_mutex_lock(&e->mu);
		e->deciding--;
		if (!e->results_head)
			e->results_since_us = rd__mono_us();
		rd__push(&e->results_head, &e->results_tail, j);
		pthread_cond_signal(&e->writer_cv);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

