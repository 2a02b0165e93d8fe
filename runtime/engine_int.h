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

/* engine.c: CLOCK_MONOTONIC in microseconds (commit times, the batch hold) */
int64_t rd__mono_us(void);

/* worker.c */
void rd__set_answer(rd_job *job, int status, const char *body, size_t len);
void rd__set_error(rd_job *job, int status, const char *code, const char *message);
void rd__fail_job(rd_job *job);
void rd__clear_metrics(rd_job *job);
/* The registry key (lua_rawgetp) of engine.lua's worker_fn in a worker's state. */
extern const char rd__worker_fn_key;
/* Runs engine.handle(job) as kind on worker w's state (through worker_fn),
 * in a read snapshot, writing into job->ws; sig receives a reload's
 * signature. */
void rd__run_on(rd_engine *e, struct rd_worker *w, rd_job *job, const char *kind, char *sig, size_t siglen);
void rd__decide(rd_engine *e, struct rd_worker *w, rd_job *job);
void *rd__worker_main(void *arg);

/* replica.c (writer thread; see its header for the message format) */
#define RD__EPUBLISH (-100) /* the batch could not be published: nothing written, 503 */
void rd__set_role(rd_engine *e, int role);
/* Reads the applied sequence and hash from meta; starts as a follower. */
int rd__replica_init(rd_engine *e);
/* In the batch's open txn, after its sets were applied: publishes the
 * kept sets and the counters (outbox, high), fenced on the applied
 * sequence; on success stores the new position in txn. RD_OK, a store
 * error, or RD__EPUBLISH. */
int rd__replica_publish(rd_engine *e, rd_txn *txn, rd_job *batch, uint64_t outbox, uint64_t high);
/* After the batch's commit (ok) or its failure. */
void rd__replica_committed(rd_engine *e, int ok);
/* Steps of a node not deciding: apply the log, take up or give up leading. */
void rd__replica_tick(rd_engine *e);

/* dispatch.c (under e->mu) */
void rd__set_keys(rd_job *j);
void rd__push(rd_job **head, rd_job **tail, rd_job *j);
void rd__order_by_row(rd_job *j);
void rd__release(rd_engine *e, const rd_job *j);
void rd__dispatch(rd_engine *e);
int rd__barrier_ready(const rd_engine *e);
/* whether a reload waits or runs: the workers leave their states alone (under mu) */
int rd__barrier_pending(const rd_engine *e);

#endif
