/* engine.h — the engine thread: takes jobs (a complaint or an event), runs
 * each through the Lua engine and the policy inside one write transaction
 * per batch, commits durably, then hands the answers back to the loop.
 *
 * Threads: rd_engine_submit is called on the loop thread; the batch runs on
 * the engine thread; on_done runs on the loop thread (via uv_async).
 */
#ifndef RD_ENGINE_H
#define RD_ENGINE_H

#include <pthread.h>
#include <stdint.h>
#include <uv.h>

#include "store.h"

typedef struct rd_job {
	struct rd_job *next;
	/* request (filled by the loop thread) */
	char *kind;       /* "complaint" | "event" */
	char *case_id;    /* events only */
	char *idem_key;   /* may be NULL */
	char *body;
	size_t body_len;
	int64_t now_ms;   /* wall clock at intake: the event's time */
	/* answer (filled by the engine thread) */
	int status;
	char *resp;
	size_t resp_len;
	int replay;       /* answered from the idempotency record */
	char outcome[24]; /* decision outcome, "" when none was stored */
	/* SLA clocks the decision stopped or breached (for the metrics) */
	int n_sla;
	struct { char target[32]; int breach; double seconds; } sla[4];
	/* owner's data (loop thread) */
	void *owner;
	const char *route;
} rd_job;

typedef void (*rd_engine_done_cb)(rd_job *job);

typedef struct rd_engine {
	rd_store *store;
	const char *config_path;
	int max_batch;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	rd_job *queue_head, *queue_tail;
	rd_job *done_head, *done_tail;
	int stopping;
	int started;
	uv_async_t done_async;
	rd_engine_done_cb on_done;
	/* set by the engine thread at start: 0 ok, else the init error */
	int init_rc;
	char init_err[1024];
	pthread_mutex_t init_mu;
	pthread_cond_t init_cv;
	int init_done;
	/* timers (engine thread only): the one thing memory holds about them */
	int64_t next_due_ms;     /* INT64_MAX: none pending */
	int max_fire;            /* due timers fired per batch */
} rd_engine;

/* Starts the thread and loads the engine and packs in it. Returns non-zero
 * (with err filled) when the engine could not load, e.g. a broken pack. */
int rd_engine_start(rd_engine *e, uv_loop_t *loop, rd_store *store, const char *config_path, int max_batch,
		    rd_engine_done_cb on_done, char *err, size_t errlen);
void rd_engine_submit(rd_engine *e, rd_job *job);
/* Finishes queued jobs, answers them, stops the thread. */
void rd_engine_stop(rd_engine *e);
void rd_job_free(rd_job *job);

#endif
