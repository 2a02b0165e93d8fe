/* metrics.h — counters and histograms, rendered as Prometheus text. Safe from
 * any thread (one mutex; updates are rare next to the work they count). */
#ifndef RD_METRICS_H
#define RD_METRICS_H

#include <stddef.h>

void rd_metrics_init(void);
void rd_metrics_request(const char *route, int status);
void rd_metrics_commit(size_t batch, double seconds);
/* A job decided again after a conflict (redress_decided_again_total). */
void rd_metrics_decided_again(void);
void rd_metrics_set_map(size_t used, size_t size);
void rd_metrics_set_timers(size_t pending);
/* Cluster mode (cluster.h's RD_ROLE_*): the node's role, the log sequence
 * it applied, whether it diverged; the series appear once this is called. */
void rd_metrics_set_cluster(int role, unsigned long long applied, int diverged);

/* Families the trusted Lua names and reports (decisions, promises, SLA
 * clocks, open cases…: what they mean is Lua's business; C only counts).
 * label: NULL, one label name, or up to four separated by commas
 * ("currency,kind"); a series' label values are then separated by commas
 * too ("EUR,refund"). Declaring the same family twice is fine; a different
 * one under a taken name, or past the table's room, returns -1. series:
 * label values exported at 0 before their first event. */
enum { RD_METRIC_COUNTER, RD_METRIC_HISTOGRAM, RD_METRIC_GAUGE };
int rd_metrics_declare(const char *name, const char *help, int kind, const char *label, const double *bounds, int nb,
		       const char *const *series, int n_series);
/* Applies a committed job's observations: lines "NAME	LABEL	VALUE" (LABEL
 * empty for a family without one): a counter adds VALUE (>= 0), a
 * histogram observes it (>= 0), a gauge adds it (any sign) or, written
 * "=VALUE", is set to it. Returns how many lines were skipped (unknown
 * family, malformed, a full family). */
int rd_metrics_apply(const char *ops, size_t len);
/* Renders into a malloc'd buffer; caller frees. */
char *rd_metrics_render(size_t *len);

#endif
