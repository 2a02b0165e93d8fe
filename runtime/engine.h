/* engine.h — decision workers and the one writer.
 *
 * A job (a complaint, an event, a due timer, an outbox ack, a reload) is
 * decided by one of several worker threads, each with its own Lua state
 * (the engine code and every pack), against a read snapshot of the store:
 * the decision's writes go into a write set (store.h) together with the
 * values it read. The writer thread applies write sets in the order they
 * come, checking those values first (a job whose reads changed is decided
 * again after the commit), commits many jobs in one durable transaction,
 * and only then hands the answers back. Workers go on deciding while the
 * writer waits for fsync.
 *
 * Order: jobs that share a key (the case, the customer, the Idempotency-Key)
 * are decided one after the other, in arrival order, each after the commit
 * of the one before. A reload waits until no job is in flight and changes
 * every worker's packs together.
 *
 * Cluster mode (e->cluster set before rd_engine_start; replica.c): only the
 * leader decides. The writer publishes each batch it applied to the
 * replicated log (cluster.h) before it commits, and answers only after
 * both; on every other node the writer applies the log instead and the
 * workers stay idle. A job decided for an earlier term of this node's
 * leadership, or reaching the writer while it does not lead, is answered
 * 503 with nothing written.
 *
 * Threads: rd_engine_submit is called on the loop thread; on_done runs on
 * the loop thread (via uv_async); rd_engine_leads from any thread;
 * everything else on the engine's threads.
 */
#ifndef RD_ENGINE_H
#define RD_ENGINE_H

#include <pthread.h>
#include <stdint.h>
#include <uv.h>

#include "store.h"

typedef enum rd_job_kind {
	RD_JOB_COMPLAINT,
	RD_JOB_EVENT,
	RD_JOB_OUTBOX_ACK,
	RD_JOB_RELOAD,
	RD_JOB_SYNC,  /* at start: store the packs this daemon runs */
	RD_JOB_TIMER, /* a due timer; body: its key */
	RD_JOB_WEBHOOK, /* a subscription's delivery progress (webhooks.c); body: JSON */
	RD_JOB_ERASE,   /* a customer's personal data erased (customer_id) */
	RD_JOB_SESSIONS_REVOKE, /* every console session ended: a new session key */
	RD_JOB_CORRECTIVE, /* a corrective action's transition (case_id holds the action's id) */
	RD_JOB_KIND_COUNT
} rd_job_kind;

/* "complaint", "event", … (what engine.lua's handle receives); -1 when unknown. */
const char *rd_job_kind_name(rd_job_kind kind);
int rd_job_kind_from_name(const char *name);

#define RD_JOB_MAX_KEYS 4 /* its own (case, customer, Idempotency-Key) and a row it conflicted on */

typedef struct rd_job {
	struct rd_job *next;
	/* request (filled by the submitter) */
	rd_job_kind kind;
	char *case_id;     /* events only */
	char *customer_id; /* complaints: the dispatch key of the customer */
	char *idem_key;    /* may be NULL */
	char *actor;       /* who sent it: "<token fingerprint> <roles>", or NULL */
	char *body;
	size_t body_len;
	int64_t now_ms; /* wall clock at intake: the event's time */
	/* answer (filled by the engine) */
	int status;
	char *resp;
	size_t resp_len;
	int replay;       /* answered from the idempotency record */
	char *metrics;    /* the decision's observations, applied once it is
	                   * committed (rd_metrics_apply; what they mean is the
	                   * Lua's business); NULL when none */
	size_t metrics_len;
	/* owner's data (loop thread) */
	void *owner;
	const char *route;
	/* the engine's own */
	rd_writes ws;        /* what the decision writes; applied by the writer */
	int wrote;           /* the write set must be applied */
	int compact;         /* after its commit, compact the store (an erasure) */
	uint64_t keys[RD_JOB_MAX_KEYS];
	int n_keys;
	uint64_t case_number; /* complaints: the case number given at dispatch */
	char new_case_id[16];
	int attempts;         /* decided again after a conflict */
	int conflict;         /* what it read changed before it was applied */
	uint64_t conflict_row; /* which row (rd_row_hash): its next attempt is ordered by it */
	int internal;         /* made by the engine (timers, sync): freed by it */
	uint64_t term;        /* cluster mode: the leadership it was taken in */
} rd_job;

/* Called with each finished job, then with NULL after the jobs handed back
 * together (the answers of one commit, as a rule): a server can send them
 * together. */
typedef void (*rd_engine_done_cb)(rd_job *job);

struct rd_worker;
struct rd_cluster;

typedef struct rd_engine {
	rd_store *store;
	const char *config_path;
	int max_batch;
	int n_workers;
	struct rd_worker *workers;
	pthread_t writer;
	pthread_mutex_t mu;
	pthread_cond_t work_cv;   /* workers: a job is ready */
	pthread_cond_t writer_cv; /* writer: a result is in, or a barrier may run */
	/* under mu */
	rd_job *pending_head, *pending_tail; /* waiting for their keys */
	rd_job *ready_head, *ready_tail;     /* dispatched, waiting for a worker */
	rd_job *results_head, *results_tail; /* decided, waiting for the writer */
	rd_job *done_head, *done_tail;       /* answered, for the loop */
	uint64_t *held;                      /* keys of dispatched jobs */
	int n_held, cap_held;
	int in_flight;        /* dispatched and not finished */
	int deciding;         /* handed to the workers, not yet decided */
	int reloading;        /* the writer runs a reload on every worker's state: nothing is dispatched */
	int collecting;       /* idle workers running their collector (worker.c): a reload waits */
	int64_t results_since_us; /* when the oldest waiting result came in (monotonic) */
	uint64_t next_case;   /* the next case number to give */
	int stopping;
	int workers_quit;
	int started;
	/* writer thread only */
	uint64_t next_outbox; /* the last outbox sequence given */
	uint64_t case_high;   /* the highest case number stored */
	rd_held adds;         /* a batch's running-count ADDs, applied once per row */
	int64_t next_due_ms;  /* INT64_MAX: no timer pending */
	int max_fire;         /* due timers fired per round */
	int timers_in_flight;
	uv_async_t done_async;
	rd_engine_done_cb on_done;
	void (*on_outbox)(void *ud); /* after a commit that added outbox rows (under mu) */
	void *on_outbox_ud;
	/* start */
	int init_rc;
	char init_err[1024];
	pthread_mutex_t init_mu;
	pthread_cond_t init_cv;
	int init_done;
	/* cluster mode (NULL: one node, the default) */
	struct rd_cluster *cluster;
	uint64_t term;        /* under mu: bumped each time this node starts leading */
	int role;             /* RD_ROLE_*: written by the writer, read atomically */
	/* writer thread only */
	uint64_t applied_seq; /* the last message of the log applied here */
	unsigned char hash[32]; /* the running hash after it */
	uint64_t pending_seq; /* published, not committed yet */
	unsigned char pending_hash[32];
	int diverged;         /* a message did not apply: applying stopped */
} rd_engine;

/* Starts n_workers decision workers (e->cluster, when set before the
 * call, is kept: cluster mode) (each loads the engine and packs) and
 * the writer. Returns non-zero (with err filled) when the engine could not
 * load, e.g. a broken pack. */
int rd_engine_start(rd_engine *e, uv_loop_t *loop, rd_store *store, const char *config_path, int max_batch,
		    int n_workers, rd_engine_done_cb on_done, char *err, size_t errlen);
void rd_engine_submit(rd_engine *e, rd_job *job);
/* fn(ud) is called on the writer thread after each commit that added
 * outbox rows (the webhooks' wake-up); NULL: none. Any thread. */
void rd_engine_on_outbox(rd_engine *e, void (*fn)(void *), void *ud);
/* Finishes queued jobs, answers them, stops the threads. */
void rd_engine_stop(rd_engine *e);
/* 1 when this node decides: always without a cluster, else while it leads. */
int rd_engine_leads(rd_engine *e);
/* 1 while a job waits for its keys, is being decided or waits for the
 * writer (background work, a what-if replay, gives way then); any thread. */
int rd_engine_busy(rd_engine *e);
void rd_job_free(rd_job *job);

#endif
