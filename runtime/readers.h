/* readers.h — the reads that scan the store (GET /v1/cases, the corrective
 * actions, the console's work queue and held approvals), off the loop
 * thread.
 *
 * A list call scans up to a thousand stored rows. On the loop thread, two
 * clients listing without pause kept the loop busy most of the time, and
 * every complaint waited behind their scans (intake p99 about twice its
 * value alone, bench/listing.sh). Here one thread with its own Lua state
 * runs them (redress.listing), at a lower priority than intake's threads
 * and giving way while intake has work in hand, in short read transactions
 * of its own; the loop thread only routes the request and sends the answer.
 *
 * A read is queued by the loop thread (rd_readers_submit) and answered there:
 * done(read) runs on the loop thread once the read is done, or with a 503
 * when the queue, or its token's share of it, is full (busy) or the readers
 * stop (draining: reads are in-flight work, so a drain answers them first;
 * only what is still queued past the drain's limit gets it). The caller owns `owner` and
 * frees the read (rd_read_free) in done.
 *
 * Threads: start, submit and stop on the loop thread (stop after the loop
 * ran its last request); the reads themselves on the readers thread.
 */
#ifndef RD_READERS_H
#define RD_READERS_H

#include <stddef.h>
#include <uv.h>

#include "store.h"

/* Reads waiting past this are answered 503 at once: a client that lists
 * without end must not make the daemon's memory grow without end. */
#define RD_READERS_MAX_QUEUED 256
/* One token's reads waiting past this are answered 503 at once (the
 * actor's, in rd_read): one client with many connections cannot take every
 * place in the queue, and the others' lists still run. */
#define RD_READERS_MAX_PER_ACTOR 64

typedef struct rd_read {
	struct rd_read *next;
	/* request (the loop thread's) */
	char *name;  /* which read of redress.listing (its route): "cases", … */
	char *query; /* its arguments, JSON: { query, now_ms } */
	/* answer (the readers thread's, until done) */
	int status;
	char *body;
	size_t body_len;
	/* the caller's: the request it answers (NULL once the client left),
	 * its route and who asked */
	void *owner;
	const char *route;
	char *actor;
} rd_read;

typedef void (*rd_read_done_cb)(rd_read *read);

/* The longest a read waits for intake's work to end before it runs. */
#define RD_READERS_GIVE_WAY_US 2000

/* Starts the readers thread on loop (its async handle is the module's own);
 * 0, or -1 with err filled. busy(ud) (any thread; may be NULL) says whether
 * intake has work in hand: a read waits while it has, up to
 * RD_READERS_GIVE_WAY_US. */
int rd_readers_start(uv_loop_t *loop, rd_store *store, rd_read_done_cb done, int (*busy)(void *ud), void *busy_ud,
		      char *err, size_t errlen);
/* Whether the thread runs: the API hands reads to it only then. */
int rd_readers_running(void);
/* Queues a read; done(read) follows on the loop thread. */
void rd_readers_submit(rd_read *read);
/* Stops the thread: the read it runs finishes, those still queued are
 * answered 503; every done(read) has run when it returns. Closes the
 * async handle (the loop must run once more to finish closing it). */
void rd_readers_stop(void);
/* Whether h is the module's async handle (main.c closes h2o's handles, not it). */
int rd_readers_owns(const uv_handle_t *h);

void rd_read_free(rd_read *read);

#endif
