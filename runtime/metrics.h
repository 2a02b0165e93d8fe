/* metrics.h — counters and histograms, rendered as Prometheus text. Safe from
 * any thread (one mutex; updates are rare next to the work they count). */
#ifndef RD_METRICS_H
#define RD_METRICS_H

#include <stddef.h>

void rd_metrics_init(void);
void rd_metrics_request(const char *route, int status);
void rd_metrics_decision(const char *outcome);
void rd_metrics_commit(size_t batch, double seconds);
void rd_metrics_set_map(size_t used, size_t size);
void rd_metrics_set_timers(size_t pending);
void rd_metrics_timers_fired(int n);
/* Promises to customers kept and broken by a committed decision. */
void rd_metrics_promises(int kept, int broken);
/* An SLA clock was breached (breach) or stopped after seconds. */
void rd_metrics_sla(const char *target, int breach, double seconds);
/* Renders into a malloc'd buffer; caller frees. */
char *rd_metrics_render(size_t *len);

#endif
