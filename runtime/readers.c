/* readers.c — the reads that scan the store, on a thread of their own (see readers.h). */
#define _GNU_SOURCE
#include "readers.h"

#include <lauxlib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../bindings/bindings.h"
#include "errors.h"
#include "log.h"
#include "store_lua.h"

/* A list is background work next to intake: on cores that intake keeps
 * busy, the scheduler gives this thread less than the loop, the decision
 * workers and the writer (Linux keeps a nice value per thread), so a
 * complaint no longer waits behind a scan; the what-if thread's value.
 * Not SCHED_IDLE, though it measured a little better: a read holds the
 * store's resize lock for reading, and under full load an idle-class
 * thread may wait long for a core while the writer waits on that lock to
 * grow the map (listing.cases also ends its read between chunks). With the
 * give-way below; measured with bench/listing.sh on 2 cores (ARCHITECTURE.md,
 * "The readers thread"). */
#define RD_READERS_NICE 10

#define WAITING_KEY 64 /* the bytes of an actor that tell it from another, and a NUL */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running, stopping;
	pthread_t thread;
	uv_async_t async;
	rd_read_done_cb done;
	int (*busy)(void *); /* intake has work in hand (set at start) */
	void *busy_ud;
	/* under mu */
	rd_read *queue_head, *queue_tail;
	int queued;
	struct waiting { char actor[WAITING_KEY]; int n; } waiting[RD_READERS_MAX_QUEUED]; /* per actor with reads queued */
	int n_waiting;
	rd_read *done_head, *done_tail;
	/* the thread's */
	lua_State *L;
	rd_lua_ctx ctx;
} R = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

void rd_read_free(rd_read *read)
{
	if (!read)
		return;
	free(read->name);
	free(read->query);
	free(read->body);
	free(read->actor);
	free(read);
}

/* The queue's count of actor's reads (an actor with none has no entry;
 * a few tokens list at a time, so a look through them is short). An actor
 * is kept by its first WAITING_KEY bytes: the token's fingerprint leads
 * it (api.lua actor_of), so two tokens never share an entry. Under mu. */
static struct waiting *waiting_of(const char *actor)
{
	for (int i = 0; i < R.n_waiting; i++)
		if (strncmp(R.waiting[i].actor, actor, WAITING_KEY - 1) == 0)
			return &R.waiting[i];
	return NULL;
}

/* One read of r's actor more (+1) or less (-1) in the queue. Under mu. */
static void count_waiting(const rd_read *r, int delta)
{
	const char *actor = r->actor ? r->actor : "";
	struct waiting *w = waiting_of(actor);
	if (!w) {
		w = &R.waiting[R.n_waiting++];
		snprintf(w->actor, sizeof w->actor, "%s", actor);
		w->n = 0;
	}
	w->n += delta;
	if (w->n == 0)
		*w = R.waiting[--R.n_waiting];
}

/* The answer of a read that did not run: status and an error body. */
static void set_error(rd_read *r, int status, const char *code, const char *message)
{
	char buf[512];
	size_t n = rd_error_json(buf, sizeof buf, code, message);
	free(r->body);
	r->body = malloc(n + 1);
	r->status = r->body ? status : 500;
	r->body_len = r->body ? n : 0;
	if (r->body)
		memcpy(r->body, buf, n + 1);
}

/* listing.read(name, query) in the thread's state: its status and body, or
 * a 500 (logged) when it raised — a bug, never the client's input, which
 * the read answers itself (a 422). Ends the read transaction it opened. */
static void run_read(rd_read *r)
{
	lua_State *L = R.L;
	lua_settop(L, 0);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "redress.listing");
	int rc = rd_lua_pcall(L, 1, 1, RD_PCALL_TRACEBACK);
	if (rc == LUA_OK) {
		lua_getfield(L, -1, "read");
		lua_pushstring(L, r->name);
		lua_pushstring(L, r->query);
		rc = rd_lua_pcall(L, 2, 2, RD_PCALL_TRACEBACK);
	}
	rd_store_lua_end_read(L);
	size_t len = 0;
	const char *body = rc == LUA_OK ? lua_tolstring(L, -1, &len) : NULL;
	if (rc == LUA_OK && lua_isinteger(L, -2) && body) {
		r->body = malloc(len + 1);
		if (r->body) {
			memcpy(r->body, body, len + 1);
			r->body_len = len;
			r->status = (int)lua_tointeger(L, -2);
		} else {
			set_error(r, 500, "internal", "out of memory");
		}
	} else {
		rd_log(RD_LOG_ERROR, "read failed", "read", r->name, "error",
		       rc == LUA_OK ? "no status and body" : lua_tostring(L, -1), NULL);
		set_error(r, 500, "internal", "internal error; nothing was written");
	}
	lua_settop(L, 0);
}

/* Before each read, while intake has work in hand, the thread waits a
 * quarter millisecond at a time, up to RD_READERS_GIVE_WAY_US: two clients
 * listing without pause otherwise kept a core busy with scans (4,000 a
 * second), and intake's threads woke to find it taken. A list waits at most
 * that much longer; once intake pauses, reads run at full speed. */
static void give_way(void)
{
	for (int us = 0; R.busy && us < RD_READERS_GIVE_WAY_US && R.busy(R.busy_ud); us += 250) {
		pthread_mutex_lock(&R.mu);
		int stopping = R.stopping;
		pthread_mutex_unlock(&R.mu);
		if (stopping)
			return;
		struct timespec pause = { 0, 250000 };
		nanosleep(&pause, NULL);
	}
}

static void *thread_main(void *arg)
{
	(void)arg;
	rd_thread_name("rd-readers");
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), RD_READERS_NICE) != 0)
		rd_log(RD_LOG_WARN, "readers: could not lower the readers thread's priority", NULL);
	pthread_mutex_lock(&R.mu);
	for (;;) {
		while (!R.stopping && !R.queue_head)
			pthread_cond_wait(&R.cv, &R.mu);
		if (R.stopping)
			break;
		rd_read *r = R.queue_head;
		R.queue_head = r->next;
		if (!R.queue_head)
			R.queue_tail = NULL;
		R.queued--;
		count_waiting(r, -1);
		r->next = NULL;
		pthread_mutex_unlock(&R.mu);
		give_way();
		run_read(r);
		pthread_mutex_lock(&R.mu);
		if (R.done_tail)
			R.done_tail->next = r;
		else
			R.done_head = r;
		R.done_tail = r;
		uv_async_send(&R.async);
	}
	pthread_mutex_unlock(&R.mu);
	return NULL;
}

/* The loop thread: answers what the thread finished. */
static void on_async(uv_async_t *h)
{
	(void)h;
	pthread_mutex_lock(&R.mu);
	rd_read *r = R.done_head;
	R.done_head = R.done_tail = NULL;
	pthread_mutex_unlock(&R.mu);
	while (r) {
		rd_read *next = r->next;
		r->next = NULL;
		R.done(r);
		r = next;
	}
}

int rd_readers_start(uv_loop_t *loop, rd_store *store, rd_read_done_cb done, int (*busy)(void *ud), void *busy_ud,
		      char *err, size_t errlen)
{
	R.done = done;
	R.busy = busy;
	R.busy_ud = busy_ud;
	R.L = rd_store_lua_new(&R.ctx, store);
	if (!R.L) {
		snprintf(err, errlen, "readers: cannot create a Lua state");
		return -1;
	}
	/* the reads' module now, so the first list does not pay for it and a
	 * tree that cannot load it stops the start */
	lua_getglobal(R.L, "require");
	lua_pushliteral(R.L, "redress.listing");
	if (rd_lua_pcall(R.L, 1, 0, RD_PCALL_TRACEBACK) != LUA_OK) {
		snprintf(err, errlen, "readers: %s", lua_tostring(R.L, -1));
		rd_lua_close(R.L);
		R.L = NULL;
		return -1;
	}
	if (uv_async_init(loop, &R.async, on_async) != 0) {
		rd_lua_close(R.L);
		R.L = NULL;
		snprintf(err, errlen, "readers: cannot make the async handle");
		return -1;
	}
	R.stopping = 0;
	if (pthread_create(&R.thread, NULL, thread_main, NULL) != 0) {
		uv_close((uv_handle_t *)&R.async, NULL);
		rd_lua_close(R.L);
		R.L = NULL;
		snprintf(err, errlen, "readers: cannot start the readers thread");
		return -1;
	}
	R.running = 1;
	return 0;
}

int rd_readers_running(void)
{
	return R.running;
}

int rd_readers_owns(const uv_handle_t *h)
{
	return h == (const uv_handle_t *)&R.async;
}

void rd_readers_submit(rd_read *read)
{
	read->next = NULL;
	pthread_mutex_lock(&R.mu);
	int stopping = !R.running || R.stopping; /* (the API submits only while it runs) */
	int full = stopping || R.queued >= RD_READERS_MAX_QUEUED;
	const struct waiting *mine = full ? NULL : waiting_of(read->actor ? read->actor : "");
	int share_full = mine && mine->n >= RD_READERS_MAX_PER_ACTOR;
	full = full || share_full;
	if (!full) {
		count_waiting(read, +1);
		if (R.queue_tail)
			R.queue_tail->next = read;
		else
			R.queue_head = read;
		R.queue_tail = read;
		R.queued++;
		pthread_cond_signal(&R.cv);
	}
	pthread_mutex_unlock(&R.mu);
	if (stopping)
		set_error(read, 503, "draining", "the daemon is shutting down; retry shortly");
	else if (share_full)
		set_error(read, 503, "busy", "this token has too many lists waiting already; retry shortly");
	else if (full)
		set_error(read, 503, "busy", "too many reads are waiting; retry shortly");
	if (full)
		R.done(read);
}

void rd_readers_stop(void)
{
	if (!R.running)
		return;
	pthread_mutex_lock(&R.mu);
	R.stopping = 1;
	pthread_cond_broadcast(&R.cv);
	pthread_mutex_unlock(&R.mu);
	pthread_join(R.thread, NULL);
	R.running = 0;
	on_async(&R.async); /* what the thread finished */
	rd_read *r = R.queue_head; /* and what it did not start */
	R.queue_head = R.queue_tail = NULL;
	R.queued = 0;
	R.n_waiting = 0;
	while (r) {
		rd_read *next = r->next;
		r->next = NULL;
		set_error(r, 503, "draining", "the daemon is shutting down; retry shortly");
		R.done(r);
		r = next;
	}
	uv_close((uv_handle_t *)&R.async, NULL);
	rd_lua_close(R.L);
	R.L = NULL;
}
