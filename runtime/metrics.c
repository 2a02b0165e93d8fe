/* metrics.c — Prometheus text exposition of the daemon's counters. */
#include "metrics.h"
#include "cluster.h"

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

/* A family the trusted Lua declares and reports (rd_metrics_declare). */
#define MAX_FAMILIES 32
#define FAMILY_SERIES 64
struct family {
	char name[64], help[200], label[64]; /* label: "", "name" or "a,b" */
	int kind, nb, n;
	double bounds[16];
	struct {
		char label[LABEL_LEN];
		double value; /* a counter's */
		struct histogram h;
	} s[FAMILY_SERIES];
};

static struct {
	pthread_mutex_t mu;
	struct counter requests[MAX_SERIES];
	struct histogram batch, latency;
	size_t map_used, map_size;
	size_t timers_pending;
	unsigned long long again; /* decisions made again after a conflict */
	int cluster; /* cluster mode: the series below are rendered */
	int cluster_role, cluster_diverged;
	unsigned long long cluster_applied;
	struct family families[MAX_FAMILIES];
	int n_families;
} m = { .mu = PTHREAD_MUTEX_INITIALIZER };

void rd_metrics_init(void)
{
	pthread_mutex_lock(&m.mu);
	memset(m.requests, 0, sizeof m.requests);
	memset(&m.batch, 0, sizeof m.batch);
	memset(&m.latency, 0, sizeof m.latency);
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

void rd_metrics_decided_again(void)
{
	pthread_mutex_lock(&m.mu);
	m.again++;
	pthread_mutex_unlock(&m.mu);
}

void rd_metrics_set_map(size_t used, size_t size)
{
	pthread_mutex_lock(&m.mu);
	m.map_used = used;
	m.map_size = size;
	pthread_mutex_unlock(&m.mu);
}

void rd_metrics_set_timers(size_t pending)
{
	pthread_mutex_lock(&m.mu);
	m.timers_pending = pending;
	pthread_mutex_unlock(&m.mu);
}

void rd_metrics_set_cluster(int role, unsigned long long applied, int diverged)
{
	pthread_mutex_lock(&m.mu);
	m.cluster = 1;
	m.cluster_role = role;
	m.cluster_applied = applied;
	m.cluster_diverged = diverged;
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

static struct family *family_named(const char *name, size_t len)
{
	for (int i = 0; i < m.n_families; i++)
		if (strlen(m.families[i].name) == len && memcmp(m.families[i].name, name, len) == 0)
			return &m.families[i];
	return NULL;
}

/* The series of f labelled label (made at 0 when new), or NULL when full. */
static int series_of(struct family *f, const char *label, size_t len)
{
	if (len >= LABEL_LEN)
		len = LABEL_LEN - 1;
	for (int i = 0; i < f->n; i++)
		if (strlen(f->s[i].label) == len && memcmp(f->s[i].label, label, len) == 0)
			return i;
	if (f->n == FAMILY_SERIES)
		return -1;
	memcpy(f->s[f->n].label, label, len);
	f->s[f->n].label[len] = '\0';
	return f->n++;
}

int rd_metrics_declare(const char *name, const char *help, int kind, const char *label, const double *bounds, int nb,
		       const char *const *series, int n_series)
{
	if (strlen(name) >= sizeof m.families[0].name || (label && strlen(label) >= sizeof m.families[0].label) || nb < 0 ||
	    nb > 16 || (kind != RD_METRIC_COUNTER && kind != RD_METRIC_HISTOGRAM && kind != RD_METRIC_GAUGE))
		return -1;
	pthread_mutex_lock(&m.mu);
	int rc = 0;
	struct family *f = family_named(name, strlen(name));
	if (f) {
		/* every worker declares what its Lua reports: the same twice is fine */
		rc = f->kind == kind && strcmp(f->label, label ? label : "") == 0 && f->nb == nb ? 0 : -1;
	} else if (m.n_families == MAX_FAMILIES) {
		rc = -1;
	} else {
		f = &m.families[m.n_families++];
		memset(f, 0, sizeof *f);
		snprintf(f->name, sizeof f->name, "%s", name);
		snprintf(f->help, sizeof f->help, "%s", help ? help : "");
		snprintf(f->label, sizeof f->label, "%s", label ? label : "");
		f->kind = kind;
		f->nb = nb;
		if (nb > 0)
			memcpy(f->bounds, bounds, (size_t)nb * sizeof *bounds);
		for (int i = 0; i < n_series; i++)
			series_of(f, series[i], strlen(series[i]));
	}
	pthread_mutex_unlock(&m.mu);
	return rc;
}

int rd_metrics_apply(const char *ops, size_t len)
{
	int skipped = 0;
	pthread_mutex_lock(&m.mu);
	const char *p = ops, *end = ops + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *t1 = memchr(p, '\t', (size_t)(eol - p));
		const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(eol - t1 - 1)) : NULL;
		struct family *f = t2 ? family_named(p, (size_t)(t1 - p)) : NULL;
		char num[32];
		size_t nlen = t2 ? (size_t)(eol - t2 - 1) : 0;
		const char *vp = t2 ? t2 + 1 : NULL;
		int set = f && f->kind == RD_METRIC_GAUGE && nlen > 1 && *vp == '=';
		if (set)
			vp++, nlen--;
		char *stop = NULL;
		double v = 0;
		if (f && nlen > 0 && nlen < sizeof num) {
			memcpy(num, vp, nlen);
			num[nlen] = '\0';
			v = strtod(num, &stop);
		}
		/* a gauge goes down as well as up; counters and histograms do not */
		int ok = f && stop && *stop == '\0' && v == v && (v >= 0 || f->kind == RD_METRIC_GAUGE);
		int k = ok ? series_of(f, t1 + 1, (size_t)(t2 - t1 - 1)) : -1;
		if (k < 0)
			skipped++;
		else if (f->kind == RD_METRIC_HISTOGRAM)
			observe(&f->s[k].h, f->bounds, (size_t)f->nb, v);
		else if (set)
			f->s[k].value = v;
		else
			f->s[k].value += v;
		p = nl ? nl + 1 : end;
	}
	pthread_mutex_unlock(&m.mu);
	return skipped;
}

/* The series' labels: {a="x",b="y"} (names from f->label, values from
 * value, both comma-separated), with le="b" last for a histogram's bucket;
 * "" when there are none. */
static void labels(char *buf, size_t n, const struct family *f, const char *value, const char *le)
{
	struct out o = { buf, 0, n };
	buf[0] = '\0';
	const char *name = f->label, *val = value;
	int any = 0;
	while (*name && o.len + 1 < n) {
		size_t nl = strcspn(name, ","), vl = strcspn(val, ",");
		int w = snprintf(o.buf + o.len, n - o.len, "%s%.*s=\"%.*s\"", any ? "," : "{", (int)nl, name, (int)vl, val);
		if (w < 0 || (size_t)w >= n - o.len)
			break;
		o.len += (size_t)w;
		any = 1;
		name += nl + (name[nl] == ',');
		val += vl + (val[vl] == ',');
	}
	if (le)
		snprintf(o.buf + o.len, n - o.len, "%sle=\"%s\"}", any ? "," : "{", le);
	else if (any)
		snprintf(o.buf + o.len, n - o.len, "}");
}

static void render_family(struct out *o, const struct family *f)
{
	outf(o, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
	     f->kind == RD_METRIC_COUNTER ? "counter" : f->kind == RD_METRIC_GAUGE ? "gauge" : "histogram");
	char lb[LABEL_LEN + 160], le[32];
	for (int i = 0; i < f->n; i++) {
		if (f->kind != RD_METRIC_HISTOGRAM) {
			labels(lb, sizeof lb, f, f->s[i].label, NULL);
			outf(o, "%s%s %.17g\n", f->name, lb, f->s[i].value);
			continue;
		}
		const struct histogram *h = &f->s[i].h;
		for (int b = 0; b < f->nb; b++) {
			snprintf(le, sizeof le, "%g", f->bounds[b]);
			labels(lb, sizeof lb, f, f->s[i].label, le);
			outf(o, "%s_bucket%s %llu\n", f->name, lb, h->bucket[b]);
		}
		labels(lb, sizeof lb, f, f->s[i].label, "+Inf");
		outf(o, "%s_bucket%s %llu\n", f->name, lb, h->count);
		labels(lb, sizeof lb, f, f->s[i].label, NULL);
		outf(o, "%s_sum%s %.3f\n%s_count%s %llu\n", f->name, lb, h->sum, f->name, lb, h->count);
	}
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
	render_histogram(&o, "redress_commit_batch_size", "Requests per durable write transaction.", &m.batch,
			 batch_bounds, NB);
	render_histogram(&o, "redress_commit_seconds", "Time to build and durably commit one batch.", &m.latency,
			 latency_bounds, NL);
	outf(&o, "# HELP redress_store_map_bytes LMDB map: bytes in use and mapped.\n"
		 "# TYPE redress_store_map_bytes gauge\n"
		 "redress_store_map_bytes{kind=\"used\"} %zu\nredress_store_map_bytes{kind=\"size\"} %zu\n",
	     m.map_used, m.map_size);
	outf(&o, "# HELP redress_decided_again_total Decisions made again because what they read changed "
		 "before their writes were applied (a row many decisions write).\n"
		 "# TYPE redress_decided_again_total counter\nredress_decided_again_total %llu\n",
	     m.again);
	outf(&o, "# HELP redress_timers_pending Durable timers waiting to come due.\n"
		 "# TYPE redress_timers_pending gauge\nredress_timers_pending %zu\n",
	     m.timers_pending);
	if (m.cluster)
		outf(&o, "# HELP redress_cluster_applied_seq The last message of the replicated log applied here.\n"
			 "# TYPE redress_cluster_applied_seq gauge\nredress_cluster_applied_seq %llu\n"
			 "# HELP redress_cluster_leader 1 while this node decides for the cluster.\n"
			 "# TYPE redress_cluster_leader gauge\nredress_cluster_leader %d\n"
			 "# HELP redress_cluster_diverged 1 when a message of the log did not apply here: an alert.\n"
			 "# TYPE redress_cluster_diverged gauge\nredress_cluster_diverged %d\n",
		     m.cluster_applied, m.cluster_role == RD_ROLE_LEADER, m.cluster_diverged);
	for (int i = 0; i < m.n_families; i++)
		render_family(&o, &m.families[i]);
	pthread_mutex_unlock(&m.mu);
	*len = o.len;
	return o.buf;
}
