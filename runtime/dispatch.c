/* dispatch.c — which decided-to-be job goes to a worker when: the keys
 * that order jobs (case, customer, Idempotency-Key), the queues, barriers.
 * Every function here runs under the engine's mutex. */
#include "engine_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- dispatch: keys, queues (all under e->mu) ---- */

static uint64_t key_of(char tag, const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	h = (h ^ (unsigned char)tag) * 1099511628211ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static void add_key(rd_job *j, char tag, const char *s)
{
	if (s && j->n_keys < RD_JOB_MAX_KEYS)
		j->keys[j->n_keys++] = key_of(tag, s, strlen(s));
}

/* The keys that order this job after others: its case, its customer, its
 * Idempotency-Key. (An event's key is scoped by its case.) */
void rd__set_keys(rd_job *j)
{
	j->n_keys = 0;
	switch (j->kind) {
	case RD_JOB_ERASE:
		add_key(j, 'u', j->customer_id);
		break;
	case RD_JOB_COMPLAINT:
		add_key(j, 'u', j->customer_id);
		add_key(j, 'i', j->idem_key);
		break;
	case RD_JOB_EVENT:
	case RD_JOB_TIMER:
		add_key(j, 'c', j->case_id);
		break;
	case RD_JOB_CORRECTIVE: /* one corrective action's transitions in order */
		add_key(j, 'k', j->case_id);
		break;
	case RD_JOB_OUTBOX_ACK:
	case RD_JOB_WEBHOOK: /* both change which outbox rows are kept */
		add_key(j, 'o', "");
		break;
	default:
		break;
	}
}

/* A job that conflicted is decided again after, never beside, the others
 * that conflicted on the same row: many complaints of one recurring cause
 * (redress.learn) all read and write the cause's row, and decided side by
 * side all but one of each batch conflicted again, until some ran out of
 * attempts. Jobs not yet decided do not know which rows they will change;
 * each joins the order at its first conflict. */
void rd__order_by_row(rd_job *j)
{
	if (!j->conflict_row)
		return;
	for (int i = 0; i < j->n_keys; i++)
		if (j->keys[i] == j->conflict_row)
			return;
	if (j->n_keys < RD_JOB_MAX_KEYS)
		j->keys[j->n_keys++] = j->conflict_row;
}

void rd__push(rd_job **head, rd_job **tail, rd_job *j)
{
	j->next = NULL;
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

static int is_held(const rd_engine *e, uint64_t k)
{
	for (int i = 0; i < e->n_held; i++)
		if (e->held[i] == k)
			return 1;
	return 0;
}

static int hold(rd_engine *e, const rd_job *j)
{
	if (e->n_held + j->n_keys > e->cap_held) {
		int cap = e->cap_held ? e->cap_held * 2 : 256;
		uint64_t *h = realloc(e->held, (size_t)cap * sizeof *h);
		if (!h)
			return -1;
		e->held = h;
		e->cap_held = cap;
	}
	for (int i = 0; i < j->n_keys; i++)
		e->held[e->n_held++] = j->keys[i];
	return 0;
}

void rd__release(rd_engine *e, const rd_job *j)
{
	for (int i = 0; i < j->n_keys; i++)
		for (int h = 0; h < e->n_held; h++)
			if (e->held[h] == j->keys[i]) {
				e->held[h] = e->held[--e->n_held];
				break;
			}
}

static int is_barrier(const rd_job *j)
{
	return j->kind == RD_JOB_RELOAD;
}

/* Hands every pending job whose keys are free to the workers, in arrival
 * order: a job waits while an earlier one with a shared key is in flight or
 * still waiting itself. Nothing passes a barrier, nor is handed out while
 * one runs: a reload runs on every worker's Lua state from the writer's
 * thread, after its job has left the queue (the writer dispatches again
 * when it is done). */
void rd__dispatch(rd_engine *e)
{
	enum { MAX_BLOCKED = 512 };
	uint64_t blocked[MAX_BLOCKED];
	int n_blocked = 0;
	if (e->reloading)
		return;
	rd_job *prev = NULL, *j = e->pending_head;
	while (j && !is_barrier(j)) {
		rd_job *next = j->next;
		int free_keys = 1;
		for (int i = 0; i < j->n_keys && free_keys; i++) {
			if (is_held(e, j->keys[i]))
				free_keys = 0;
			for (int b = 0; b < n_blocked && free_keys; b++)
				if (blocked[b] == j->keys[i])
					free_keys = 0;
		}
		if (!free_keys || hold(e, j) != 0) {
			if (n_blocked + j->n_keys > MAX_BLOCKED)
				return; /* the rest waits for the next round */
			for (int i = 0; i < j->n_keys; i++)
				blocked[n_blocked++] = j->keys[i];
			prev = j;
			j = next;
			continue;
		}
		if (prev)
			prev->next = next;
		else
			e->pending_head = next;
		if (e->pending_tail == j)
			e->pending_tail = prev;
		if (j->kind == RD_JOB_COMPLAINT && j->case_number == 0) {
			j->case_number = e->next_case++;
			snprintf(j->new_case_id, sizeof j->new_case_id, "C%010llu", (unsigned long long)j->case_number);
		}
		e->in_flight++;
		e->deciding++;
		rd__push(&e->ready_head, &e->ready_tail, j);
		pthread_cond_signal(&e->work_cv);
		j = next;
	}
}

int rd__barrier_ready(const rd_engine *e)
{
	return e->pending_head && is_barrier(e->pending_head) && e->in_flight == 0 && e->collecting == 0;
}

int rd__barrier_pending(const rd_engine *e)
{
	return e->reloading || (e->pending_head && is_barrier(e->pending_head));
}

