/* JSON quoting of log fields; Prometheus rendering of metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../runtime/log.h"
#include "../../runtime/metrics.h"
#include "check.h"

static void test_quote(void)
{
	char buf[128];
	size_t n = rd_json_quote(buf, 0, sizeof buf, "a\"b\\c\nd\x01 ทดสอบ");
	buf[n] = '\0';
	CHECK(strcmp(buf, "\"a\\\"b\\\\c\\nd\\u0001 ทดสอบ\"") == 0);
	/* does not write past cap, and says so */
	char small[4];
	n = rd_json_quote(small, 0, sizeof small, "abcdef");
	CHECK(n >= sizeof small);
}

static void test_metrics(void)
{
	rd_metrics_init();
	rd_metrics_request("complaints", 201);
	rd_metrics_request("complaints", 201);
	rd_metrics_request("complaints", 422);
	rd_metrics_commit(3, 0.002);
	size_t len;
	char *text = rd_metrics_render(&len);
	CHECK(text != NULL);
	CHECK(strlen(text) == len);
	CHECK(strstr(text, "redress_http_requests_total{route=\"complaints\",status=\"201\"} 2\n") != NULL);
	CHECK(strstr(text, "redress_http_requests_total{route=\"complaints\",status=\"422\"} 1\n") != NULL);
	CHECK(strstr(text, "redress_commit_batch_size_bucket{le=\"2\"} 0\n") != NULL);
	CHECK(strstr(text, "redress_commit_batch_size_bucket{le=\"4\"} 1\n") != NULL);
	CHECK(strstr(text, "redress_commit_seconds_bucket{le=\"0.0025\"} 1\n") != NULL);
	CHECK(strstr(text, "redress_commit_seconds_count 1\n") != NULL);
	free(text);
}

/* Families the Lua declares: counters with and without a label, series
 * shown at 0, a histogram, and lines that no family takes. */
static void test_families(void)
{
	const char *series[] = { "kept", "broken" };
	CHECK(rd_metrics_declare("t_decisions_total", "Decisions.", RD_METRIC_COUNTER, "outcome", NULL, 0, NULL, 0) == 0);
	CHECK(rd_metrics_declare("t_promises_total", "Promises.", RD_METRIC_COUNTER, "outcome", NULL, 0, series, 2) == 0);
	CHECK(rd_metrics_declare("t_errors_total", "Errors.", RD_METRIC_COUNTER, NULL, NULL, 0, (const char *[]){ "" }, 1) == 0);
	const double b[] = { 60, 3600 };
	CHECK(rd_metrics_declare("t_sla_seconds", "SLA.", RD_METRIC_HISTOGRAM, "target", b, 2, NULL, 0) == 0);
	/* the same again is fine; a different family under the name is not */
	CHECK(rd_metrics_declare("t_decisions_total", "Decisions.", RD_METRIC_COUNTER, "outcome", NULL, 0, NULL, 0) == 0);
	CHECK(rd_metrics_declare("t_decisions_total", "Decisions.", RD_METRIC_HISTOGRAM, "outcome", b, 2, NULL, 0) == -1);
	const char ops[] = "t_decisions_total\tdecided\t1\nt_decisions_total\tdecided\t1\nt_errors_total\t\t1\n"
			   "t_sla_seconds\tfirst_response\t120.5\nt_promises_total\tkept\t2\n"
			   "t_unknown\tx\t1\nt_decisions_total\tbad\tNaNx\nt_decisions_total no tabs";
	CHECK(rd_metrics_apply(ops, sizeof ops - 1) == 3);
	size_t len;
	char *text = rd_metrics_render(&len);
	CHECK(text != NULL);
	CHECK(strstr(text, "# TYPE t_decisions_total counter\nt_decisions_total{outcome=\"decided\"} 2\n") != NULL);
	CHECK(strstr(text, "t_promises_total{outcome=\"kept\"} 2\nt_promises_total{outcome=\"broken\"} 0\n") != NULL);
	CHECK(strstr(text, "t_errors_total 1\n") != NULL);
	CHECK(strstr(text, "t_sla_seconds_bucket{target=\"first_response\",le=\"60\"} 0\n") != NULL);
	CHECK(strstr(text, "t_sla_seconds_bucket{target=\"first_response\",le=\"3600\"} 1\n") != NULL);
	CHECK(strstr(text, "t_sla_seconds_sum{target=\"first_response\"} 120.500\n") != NULL);
	CHECK(strstr(text, "t_unknown") == NULL);
	free(text);
}

/* Gauges (added to, set with "="), and families with two labels. */
static void test_gauges_and_labels(void)
{
	CHECK(rd_metrics_declare("t_open_cases", "Open.", RD_METRIC_GAUGE, "status,tier", NULL, 0, NULL, 0) == 0);
	CHECK(rd_metrics_declare("t_comp_total", "Comp.", RD_METRIC_COUNTER, "currency,kind", NULL, 0, NULL, 0) == 0);
	const double b[] = { 60 };
	CHECK(rd_metrics_declare("t_frt_seconds", "FRT.", RD_METRIC_HISTOGRAM, "pack,channel", b, 1, NULL, 0) == 0);
	/* a gauge of another kind under the name is not the same family */
	CHECK(rd_metrics_declare("t_open_cases", "Open.", RD_METRIC_COUNTER, "status,tier", NULL, 0, NULL, 0) == -1);
	const char ops[] = "t_open_cases\treceived,0\t=5\nt_open_cases\treceived,0\t-1\n"
			   "t_open_cases\tacknowledged,1\t1\nt_open_cases\tacknowledged,1\t-1\n"
			   "t_comp_total\tEUR,refund\t1500\nt_comp_total\tEUR,refund\t500\n"
			   "t_comp_total\tEUR,refund\t-5\nt_frt_seconds\tretail,email\t30\n";
	CHECK(rd_metrics_apply(ops, sizeof ops - 1) == 1); /* a counter does not go down */
	size_t len;
	char *text = rd_metrics_render(&len);
	CHECK(text != NULL);
	CHECK(strstr(text, "# TYPE t_open_cases gauge\n") != NULL);
	CHECK(strstr(text, "t_open_cases{status=\"received\",tier=\"0\"} 4\n") != NULL);
	CHECK(strstr(text, "t_open_cases{status=\"acknowledged\",tier=\"1\"} 0\n") != NULL);
	CHECK(strstr(text, "t_comp_total{currency=\"EUR\",kind=\"refund\"} 2000\n") != NULL);
	CHECK(strstr(text, "t_frt_seconds_bucket{pack=\"retail\",channel=\"email\",le=\"60\"} 1\n") != NULL);
	CHECK(strstr(text, "t_frt_seconds_count{pack=\"retail\",channel=\"email\"} 1\n") != NULL);
	free(text);
	/* set again after a restart's read of the store */
	const char set[] = "t_open_cases\treceived,0\t=2";
	CHECK(rd_metrics_apply(set, sizeof set - 1) == 0);
	text = rd_metrics_render(&len);
	CHECK(strstr(text, "t_open_cases{status=\"received\",tier=\"0\"} 2\n") != NULL);
	free(text);
}

/* The log goes to a new temporary file (its name into path) until stderr
 * is given back *saved; returns the file. */
static FILE *capture_log(char *path, FILE **saved)
{
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	*saved = stderr;
	stderr = fdopen(fd, "w+");
	return stderr;
}

/* A line past the stack buffer keeps every field (it used to drop them all). */
static void test_long_line(void)
{
	char path[] = "/tmp/redress-test-log-XXXXXX";
	FILE *saved, *f = capture_log(path, &saved);
	char *big = malloc(10001);
	memset(big, 'x', 10000);
	big[10000] = '\0';
	rd_log(RD_LOG_WARN, "packs", "warning", big, "pack", "retail", NULL);
	stderr = saved;
	fflush(f);
	rewind(f);
	char *line = malloc(20000);
	CHECK(fgets(line, 20000, f) != NULL);
	CHECK(strstr(line, "\"pack\":\"retail\"}") != NULL);
	CHECK(strlen(line) > 10000 && line[strlen(line) - 1] == '\n');
	CHECK(strstr(line, "fields dropped") == NULL);
	fclose(f);
	unlink(path);
	free(big);
	free(line);
}

/* The file's bytes so far. */
static size_t file_size(FILE *f)
{
	fflush(f);
	long at = ftell(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, at, SEEK_SET);
	return n > 0 ? (size_t)n : 0;
}

/* Held lines (the loop thread's): an info line waits for the flush, a
 * warning writes what was held and then itself, a full buffer writes
 * itself, and turning the hold off writes the rest; every line once, in
 * the order logged. */
static void test_held_lines(void)
{
	char path[] = "/tmp/redress-test-log-XXXXXX";
	FILE *saved, *f = capture_log(path, &saved);
	rd_log_hold(1);
	rd_log(RD_LOG_INFO, "held", "n", "#1", NULL);
	CHECK(file_size(f) == 0);
	rd_log(RD_LOG_WARN, "at once", "n", "#2", NULL);
	size_t after_warning = file_size(f);
	CHECK(after_warning > 0);
	rd_log(RD_LOG_INFO, "held", "n", "#3", NULL);
	CHECK(file_size(f) == after_warning);
	rd_log_hold(0); /* writes what is held */
	rd_log_hold(1);
	CHECK(file_size(f) > after_warning);
	char n[16];
	for (int i = 4; i < 2004; i++) { /* about 140 KB: more than four buffers hold */
		snprintf(n, sizeof n, "#%d", i);
		rd_log(RD_LOG_INFO, "held", "n", n, NULL);
	}
	CHECK(file_size(f) > after_warning + 60000); /* the full buffer went out */
	rd_log_hold(0);
	rd_log(RD_LOG_INFO, "not held", "n", "#2004", NULL);
	stderr = saved;
	rewind(f);
	char line[256];
	int next = 1, bad = 0;
	while (fgets(line, sizeof line, f)) {
		const char *at = strstr(line, "\"n\":");
		if (!at || atoi(at + 4) != next++ || line[strlen(line) - 1] != '\n')
			bad++;
	}
	CHECK(bad == 0);
	CHECK(next == 2005);
	fclose(f);
	unlink(path);
}

int main(void)
{
	test_quote();
	test_metrics();
	test_families();
	test_gauges_and_labels();
	test_long_line();
	test_held_lines();
	rd_log(RD_LOG_INFO, "unit test log line", "k", "v", "n", "#3", NULL);
	return CHECK_DONE();
}
