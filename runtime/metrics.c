/* metrics.c — Prometheus text exposition of the daemon's counters. */
#include "metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERIES 64
#define LABEL_LEN 48

struct counter {
	char a[LABEL_LEN];
	int b;
	unsigned long long n;
};

static const double batch_bounds[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512 };
static const double latency_bounds[] = { .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1 };
#define NB (sizeof batch_bounds / sizeof batch_bounds[0])
#define NL (sizeof latency_bounds / sizeof latency_bounds[0])

struct histogram {
	unsigned long long bucket[16];
	unsigned long long count;
	double sum;
};

static struct {
	pthread_mutex_t mu;
	struct counter requests[MAX_SERIES];
	struct counter decisions[MAX_SERIES];
	unsigned long long policy_errors;
	struct histogram batch, latency;
	size_t map_used, map_size;
	size_t timers_pending;
	struct { char target[32]; struct histogram h; unsigned long long breaches; } sla[16];
	unsigned long long timers_fired;
	unsigned long long promises_kept, promises_broken;
} m = { .mu = PTHREAD_MUTEX_INITIALIZER };

void rd_metrics_init(void)
{
	pthread_mutex_lock(&m.mu);
	memset(m.requests, 0, sizeof m.requests);
	memset(m.decisions, 0, sizeof m.decisions);
	memset(&m.batch, 0, sizeof m.batch);
	memset(&m.latency, 0, sizeof m.latency);
	m.policy_errors = 0;
	pthread_mutex_unlock(&m.mu);
}

static void bump(struct counter *c, const char *a, int b)
{
	for (int i = 0; i < MAX_SERIES; i++) {
		if (c[i].a[0] == '\0') {
			snprintf(c[i].a, LABEL_LEN, "%s", a);
			c[i].b = b;
		}
		if (c[i].b == b && strncmp(c[i].a, a, LABEL_LEN - 1) == 0) {
			c[i].n++;
			return;
		}
	}
}

void rd_metrics_request(const char *route, int status)
{
	pthread_mutex_lock(&m.mu);
	bump(m.requests, route, status);
	pthread_mutex_unlock(&m.mu);
}

void rd_metrics_decision(const char *outcome)
{
	pthread_mutex_lock(&m.mu);
	bump(m.decisions, outcome, 0);
	if (strcmp(outcome, "policy_error") == 0)
		m.policy_errors++;
	pthread_mutex_unlock(&m.mu);
}

static void observe(struct histogram *h, const double *bounds, size_t n, double v)
{
	for (size_t i = 0; i < n; i++)
		if (v <= bounds[i])
			h->bucket[i]++;
	h->count++;
	h->sum += v;
}

void rd_metrics_commit(size_t batch, double seconds)
{
	pthread_mutex_lock(&m.mu);
	observe(&m.batch, batch_bounds, NB, (double)batch);
	observe(&m.latency, latency_bounds, NL, seconds);
	pthread_mutex_unlock(&m.mu);
}

void rd_metrics_set_map(size_t used, size_t size)
{
	pthread_mutex_lock(&m.mu);
	m.map_used = used;
	m.map_size = size;
	pthread_mutex_unlock(&m.mu);
}

static const double sla_bounds[] = { 60, 300, 900, 3600, 4 * 3600, 8 * 3600, 86400, 3 * 86400, 7 * 86400, 14 * 86400 };
#define NS (sizeof sla_bounds / sizeof sla_bounds[0])

void rd_metrics_sla(const char *target, int breach, double seconds)
{
	pthread_mutex_lock(&m.mu);
	for (int i = 0; i < 16; i++) {
		if (m.sla[i].target[0] == '\0')
			snprintf(m.sla[i].target, sizeof m.sla[i].target, "%s", target);
		if (strcmp(m.sla[i].target, target) == 0) {
			if (breach)
				m.sla[i].breaches++;
			else
				observe(&m.sla[i].h, sla_bounds, NS, seconds);
			break;
		}
	}
	pthread_mutex_unlock(&m.mu);
}

void rd_metrics_set_timers(size_t pending)
{
	pthread_mutex_lock(&m.mu);
	m.timers_pending = pending;
	pthread_mutex_unlock(&m.mu);
}

void rd_metrics_promises(int kept, int broken)
{
	pthread_mutex_lock(&m.mu);
	m.promises_kept += (unsigned long long)(kept > 0 ? kept : 0);
	m.promises_broken += (unsigned long long)(broken > 0 ? broken : 0);
	pthread_mutex_unlock(&m.mu);
}

void rd_metrics_timers_fired(int n)
{
	pthread_mutex_lock(&m.mu);
	m.timers_fired += (unsigned long long)n;
	pthread_mutex_unlock(&m.mu);
}

struct out {
	char *buf;
	size_t len, cap;
};

static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void outf(struct out *o, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (o->len + (size_t)n < o->cap) {
			o->len += (size_t)n;
			return;
		}
		size_t cap = o->cap * 2 + (size_t)n;
		char *p = realloc(o->buf, cap);
		if (!p)
			return;
		o->buf = p;
		o->cap = cap;
	}
}

static void render_histogram(struct out *o, const char *name, const char *help, const struct histogram *h,
			     const double *bounds, size_t n)
{
	outf(o, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (size_t i = 0; i < n; i++)
		outf(o, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i], h->bucket[i]);
	outf(o, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name, h->count, name, h->sum, name,
	     h->count);
}

char *rd_metrics_render(size_t *len)
{
	struct out o = { malloc(4096), 0, 4096 };
	if (!o.buf)
		return NULL;
	o.buf[0] = '\0';
	pthread_mutex_lock(&m.mu);
	outf(&o, "# HELP redress_http_requests_total HTTP requests answered, by route and status.\n"
		 "# TYPE redress_http_requests_total counter\n");
	for (int i = 0; i < MAX_SERIES && m.requests[i].a[0]; i++)
		outf(&o, "redress_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n", m.requests[i].a,
		     m.requests[i].b, m.requests[i].n);
	outf(&o, "# HELP redress_decisions_total Decisions stored, by outcome.\n"
		 "# TYPE redress_decisions_total counter\n");
	for (int i = 0; i < MAX_SERIES && m.decisions[i].a[0]; i++)
		outf(&o, "redress_decisions_total{outcome=\"%s\"} %llu\n", m.decisions[i].a, m.decisions[i].n);
	outf(&o, "# HELP redress_promises_total Dates promised to customers, by what became of them.\n"
		 "# TYPE redress_promises_total counter\nredress_promises_total{outcome=\"kept\"} %llu\n"
		 "redress_promises_total{outcome=\"broken\"} %llu\n",
	     m.promises_kept, m.promises_broken);
	outf(&o, "# HELP redress_policy_errors_total Policy calls that failed and sent a case to manual review.\n"
		 "# TYPE redress_policy_errors_total counter\nredress_policy_errors_total %llu\n",
	     m.policy_errors);
	render_histogram(&o, "redress_commit_batch_size", "Requests per durable write transaction.", &m.batch,
			 batch_bounds, NB);
	render_histogram(&o, "redress_commit_seconds", "Time to build and durably commit one batch.", &m.latency,
			 latency_bounds, NL);
	outf(&o, "# HELP redress_store_map_bytes LMDB map: bytes in use and mapped.\n"
		 "# TYPE redress_store_map_bytes gauge\n"
		 "redress_store_map_bytes{kind=\"used\"} %zu\nredress_store_map_bytes{kind=\"size\"} %zu\n",
	     m.map_used, m.map_size);
	outf(&o, "# HELP redress_timers_pending Durable timers waiting to come due.\n"
		 "# TYPE redress_timers_pending gauge\nredress_timers_pending %zu\n"
		 "# HELP redress_timers_fired_total Timers fired (each a timer.fired decision).\n"
		 "# TYPE redress_timers_fired_total counter\nredress_timers_fired_total %llu\n",
	     m.timers_pending, m.timers_fired);
	outf(&o, "# HELP redress_sla_seconds Time from an SLA clock's start to its stop (first response, resolution, …).\n"
		 "# TYPE redress_sla_seconds histogram\n");
	for (int i = 0; i < 16 && m.sla[i].target[0]; i++) {
		for (size_t b = 0; b < NS; b++)
			outf(&o, "redress_sla_seconds_bucket{target=\"%s\",le=\"%g\"} %llu\n", m.sla[i].target, sla_bounds[b],
			     m.sla[i].h.bucket[b]);
		outf(&o, "redress_sla_seconds_bucket{target=\"%s\",le=\"+Inf\"} %llu\nredress_sla_seconds_sum{target=\"%s\"} %.3f\n"
			 "redress_sla_seconds_count{target=\"%s\"} %llu\n",
		     m.sla[i].target, m.sla[i].h.count, m.sla[i].target, m.sla[i].h.sum, m.sla[i].target, m.sla[i].h.count);
	}
	outf(&o, "# HELP redress_sla_breaches_total SLA clocks that passed their deadline, by target.\n"
		 "# TYPE redress_sla_breaches_total counter\n");
	for (int i = 0; i < 16 && m.sla[i].target[0]; i++)
		outf(&o, "redress_sla_breaches_total{target=\"%s\"} %llu\n", m.sla[i].target, m.sla[i].breaches);
	pthread_mutex_unlock(&m.mu);
	*len = o.len;
	return o.buf;
}
