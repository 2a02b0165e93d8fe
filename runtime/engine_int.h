/* engine_int.h — what the engine's three files share (engine.c: the
 * writer, start and stop; worker.c: a job in a worker's Lua state;
 * dispatch.c: keys and queues). Not for the rest of the daemon: engine.h
 * is the engine's contract. */
#ifndef RD_ENGINE_INT_H
#define RD_ENGINE_INT_H

#include <lua.h>

#include "../bindings/bindings.h"
#include "engine.h"
#include "store_lua.h"

struct rd_worker {
	rd_engine *e;
	int index;
	pthread_t thread;
	int running;
	lua_State *L;
	rd_lua_ctx ctx; /* outlives L: the state's allocator data */
	rd_store_lua *host; /* L's store access: the job's txn and write set */
};

/* worker.c */
void rd__set_answer(rd_job *job, int status, const char *body, size_t len);
void rd__set_error(rd_job *job, int status, const char *code, const char *message);
void rd__fail_job(rd_job *job);
void rd__clear_metrics(rd_job *job);
/* Runs engine.handle(job) as kind on worker w's state, in a read snapshot,
 * writing into job->ws; sig receives a reload's signature. */
void rd__run_on(rd_engine *e, struct rd_worker *w, rd_job *job, const char *kind, char *sig, size_t siglen);
void rd__decide(rd_engine *e, struct rd_worker *w, rd_job *job);
void *rd__worker_main(void *arg);

/* dispatch.c (under e->mu) */
void rd__set_keys(rd_job *j);
void rd__push(rd_job **head, rd_job **tail, rd_job *j);
void rd__release(rd_engine *e, const rd_job *j);
void rd__dispatch(rd_engine *e);
int rd__barrier_ready(const rd_engine *e);

#endif
