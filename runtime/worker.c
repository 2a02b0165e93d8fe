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

/* Copies what engine.handle returned (at the top of the stack) into job. */
static void read_result(lua_State *L, rd_job *job, char *signature, size_t siglen)
{
	int r = lua_gettop(L);
	lua_getfield(L, r, "status");
	lua_getfield(L, r, "body");
	size_t len;
	const char *body = lua_tolstring(L, -1, &len);
	rd__set_answer(job, (int)lua_tointeger(L, -2), body ? body : "{}", body ? len : 2);
	lua_settop(L, r);
	lua_getfield(L, r, "wrote");
	job->wrote = lua_toboolean(L, -1);
	lua_getfield(L, r, "compact");
	job->compact = lua_toboolean(L, -1);
	lua_getfield(L, r, "metrics");
	size_t mlen;
	const char *m = lua_tolstring(L, -1, &mlen);
	if (m && mlen > 0 && (job->metrics = malloc(mlen)) != NULL) {
		memcpy(job->metrics, m, mlen);
		job->metrics_len = mlen;
	}
	lua_getfield(L, r, "replay");
	job->replay = lua_toboolean(L, -1);
	lua_getfield(L, r, "signature");
	if (signature)
		snprintf(signature, siglen, "%s", luaL_optstring(L, -1, ""));
	lua_settop(L, r);
	lua_getfield(L, r, "warnings");
	if (lua_istable(L, -1)) {
		lua_Integer n = luaL_len(L, -1);
		for (lua_Integer i = 1; i <= n; i++) {
			lua_rawgeti(L, -1, i);
			rd_log(RD_LOG_WARN, "packs", "warning", lua_tostring(L, -1), NULL);
			lua_pop(L, 1);
		}
	}
}

/* Runs engine.handle(job) as `kind` on worker w's state, in a read
 * snapshot, writing into job->ws. On an engine failure (a bug, not a policy
 * error) the job gets a 500 and writes nothing. */
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
	lua_getfield(L, LUA_REGISTRYINDEX, "rd.engine.handle");
	lua_createtable(L, 0, 6);
	lua_pushstring(L, kind);
	lua_setfield(L, -2, "kind");
	if (job->case_id) {
		lua_pushstring(L, job->case_id);
		lua_setfield(L, -2, "case_id");
	}
	if (job->idem_key) {
		lua_pushstring(L, job->idem_key);
		lua_setfield(L, -2, "idem_key");
	}
	if (job->customer_id) {
		lua_pushstring(L, job->customer_id);
		lua_setfield(L, -2, "customer_id");
	}
	if (job->actor) {
		lua_pushstring(L, job->actor);
		lua_setfield(L, -2, "actor");
	}
	if (job->new_case_id[0]) {
		lua_pushstring(L, job->new_case_id);
		lua_setfield(L, -2, "new_case_id");
	}
	lua_pushlstring(L, job->body ? job->body : "", job->body_len);
	lua_setfield(L, -2, "body");
	lua_pushinteger(L, job->now_ms);
	lua_setfield(L, -2, "now_ms");
	int rc = rd_lua_pcall(L, 1, 1, RD_PCALL_TRACEBACK);
	if (rc != LUA_OK || !lua_istable(L, -1)) {
		rd_log(RD_LOG_ERROR, "engine failure", "error", lua_tostring(L, -1), "kind", kind, NULL);
		rd__fail_job(job);
	} else {
		read_result(L, job, sig, siglen);
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
	for (;;) {
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
		pthread_mutex_lock(&e->mu);
		rd__push(&e->results_head, &e->results_tail, j);
		pthread_cond_signal(&e->writer_cv);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

