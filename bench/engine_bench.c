/* engine_bench PACK_DIR N INFLIGHT: complaints per second through the
 * engine without HTTP (job → validation → routing → policy → writes →
 * durable group commit, answers back on a libuv loop; INFLIGHT jobs kept
 * queued like that many keep-alive clients) ÷ a plain loop doing the same
 * policy call and the same LMDB puts (bench/engine_baseline.lua) in write
 * transactions of the batch size the engine used, measured in the same
 * run. Prints the figures, then one "| … |" row for make bench.
 * ENGINE_BENCH_RETURNING=PAST (customers with PAST earlier cases against
 * new ones) and ENGINE_BENCH_CAUSE=PAST (a cause with PAST earlier
 * complaints against new causes) compare two kinds of complaint instead:
 * N of each, in alternating phases, the median pair's ratio. */
#define _GNU_SOURCE
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "../bindings/bindings.h"
#include "../runtime/engine.h"
#include "../runtime/metrics.h"
#include "../runtime/store.h"
#include "../runtime/store_lua.h"

static long n_total, submitted, done_count;
static char **bodies;
static char **customers; /* the dispatch key of each body (as the API gives it), or NULL */
static rd_engine engine;
static int workers = 2; /* REDRESS_WORKERS, as limits.workers */
static uv_loop_t loop;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "engine_bench: %s: %s\n", what, why);
	exit(1);
}

static void submit_next(void)
{
	rd_job *job = calloc(1, sizeof *job);
	if (!job)
		die("submit", "out of memory");
	job->kind = RD_JOB_COMPLAINT;
	job->body = strdup(bodies[submitted]);
	if (!job->body)
		die("submit", "out of memory");
	job->body_len = strlen(job->body);
	if (customers && !(job->customer_id = strdup(customers[submitted])))
		die("submit", "out of memory");
	job->now_ms = wall_ms();
	job->route = "bench";
	submitted++;
	rd_engine_submit(&engine, job);
}

static void on_done(rd_job *job)
{
	if (!job)
		return; /* the end of what one wake-up handed back */
	if (job->status != 201)
		die("engine answered", job->resp ? job->resp : "(no body)");
	rd_job_free(job);
	done_count++;
	if (submitted < n_total)
		submit_next();
	else if (done_count == n_total)
		uv_stop(&loop);
}

/* A fresh data dir under tmp; returns its path (static buffer per call). */
static char *make_dir(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/redress-engine-bench-%s.XXXXXX", tag);
	if (!mkdtemp(buf))
		die("mkdtemp", "failed");
	return buf;
}



/* A counter of the metrics' text (0 when absent). */
static double metric(const char *name)
{
	size_t len;
	char *text = rd_metrics_render(&len);
	char want[128];
	snprintf(want, sizeof want, "\n%s ", name);
	const char *at = text ? strstr(text, want) : NULL;
	double v = at ? strtod(at + strlen(want), NULL) : 0;
	free(text);
	return v;
}

/* The mean batch size the engine committed, from its metrics. */
static double mean_batch(void)
{
	double sum = metric("redress_commit_batch_size_sum"), count = metric("redress_commit_batch_size_count");
	return count > 0 ? sum / count : 1;
}

static rd_store store;
static char engine_dir[256];

static void start_engine(const char *pack_dir)
{
	char path[512], data[512], err[1024];
	make_dir(engine_dir, sizeof engine_dir, "engine");
	snprintf(data, sizeof data, "%s/data", engine_dir);
	snprintf(path, sizeof path, "%s/redress.conf.lua", engine_dir);
	FILE *f = fopen(path, "w");
	if (!f)
		die(path, "cannot write");
	/* ENGINE_BENCH_CONFIG: more fields of the config table, as Lua text */
	const char *more = getenv("ENGINE_BENCH_CONFIG");
	fprintf(f, "return { data_dir = \"%s\", packs = { \"%s\" }, limits = { map_size = 1 << 30 }, %s }\n", data,
		pack_dir, more ? more : "");
	fclose(f);
	if (rd_store_open(&store, data, (size_t)1 << 30, err, sizeof err) != RD_OK)
		die("store", err);
	uv_loop_init(&loop);
	static char config[512];
	snprintf(config, sizeof config, "%s", path);
	if (rd_engine_start(&engine, &loop, &store, config, 256, workers, on_done, err, sizeof err) != 0)
		die("engine", err);
}

static void stop_engine(void)
{
	rd_engine_stop(&engine);
	uv_loop_close(&loop);
	rd_store_close(&store);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", engine_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "engine_bench: could not remove %s\n", engine_dir);
}

/* Runs the n complaints of bodies (customers: their keys) with inflight
 * queued; returns complaints per second. */
static double run_phase(char **b, char **c, long n, long inflight)
{
	bodies = b;
	customers = c;
	n_total = n;
	submitted = done_count = 0;
	double t0 = now_s();
	for (long i = 0; i < inflight && submitted < n_total; i++)
		submit_next();
	uv_run(&loop, UV_RUN_DEFAULT);
	return (double)n_total / (now_s() - t0);
}

static double run_engine(const char *pack_dir, long inflight, double *batch)
{
	start_engine(pack_dir);
	double rate = run_phase(bodies, NULL, n_total, inflight);
	stop_engine();
	*batch = mean_batch();
	return rate;
}

static char *complaint_body(const char *customer)
{
	char *b;
	if (asprintf(&b, "{\"customer\":{\"id\":\"%s\"},\"channel\":\"email\",\"category\":\"late_delivery\","
			 "\"description\":\"late parcel\",\"order\":{\"amount\":4999,\"currency\":\"EUR\"}}",
		     customer) < 0)
		die("bodies", "out of memory");
	return b;
}

/* The phases of a comparison: the first kind and the second alternate,
 * PAIRS pairs, and the row is the pair whose ratio is the median (as the
 * HTTP rows do: run once each, one after the other, the two measured the
 * machine's drift as much as the engine). */
enum { PAIRS = 3 };

struct pairs {
	double first[PAIRS], second[PAIRS];
	int median; /* the index of the median pair */
};

static double pair_ratio(const struct pairs *p, int i)
{
	return p->first[i] / p->second[i];
}

/* Every pair's ratio, "0.91 0.97 1.02", into out. */
static const char *pair_list(const struct pairs *p, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (int i = 0; i < PAIRS && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%.2f", i ? " " : "", pair_ratio(p, i));
	return out;
}

/* One engine, one store: the first `fill` complaints of b (keys c) to fill
 * it, then PAIRS pairs of phases of n complaints each (the first kind,
 * then the second: b is laid out so), `inflight` at a time; the bodies
 * are freed. */
static void fill_then_pairs(const char *pack_dir, char **b, char **c, long fill, long n, long inflight,
			    double *fill_s, struct pairs *p)
{
	start_engine(pack_dir);
	double t0 = now_s();
	run_phase(b, c, fill, inflight);
	*fill_s = now_s() - t0;
	for (int i = 0; i < PAIRS; i++) {
		long at = fill + 2 * n * i;
		p->first[i] = run_phase(b + at, c + at, n, inflight);
		p->second[i] = run_phase(b + at + n, c + at + n, n, inflight);
	}
	stop_engine();
	int order[PAIRS];
	for (int i = 0; i < PAIRS; i++)
		order[i] = i;
	for (int i = 1; i < PAIRS; i++)
		for (int j = i; j > 0 && pair_ratio(p, order[j]) < pair_ratio(p, order[j - 1]); j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	p->median = order[PAIRS / 2];
	for (long i = 0; i < fill + 2 * n * PAIRS; i++) {
		free(b[i]);
		free(c[i]);
	}
	free(b);
	free(c);
}

/* Whether complaint i (after the fill) is in a phase of the second kind. */
static int second_kind(long i, long fill, long n)
{
	return i >= fill && ((i - fill) / n) % 2 == 1;
}

/* K customers with `past` earlier cases each, then n complaints from them
 * (round robin) against n complaints from K customers with none, in
 * alternating pairs (each phase of new customers has its own): the
 * decision must not slow down with a customer's history. One engine, one
 * store, in the same run. */
static void run_returning(const char *pack_dir, long past, long n)
{
	enum { K = 20 };
	long fill = past * K, total = fill + 2 * n * PAIRS;
	char **b = calloc((size_t)total, sizeof *b), **c = calloc((size_t)total, sizeof *c);
	if (!b || !c)
		die("bodies", "out of memory");
	for (long i = 0; i < total; i++) {
		int fresh = second_kind(i, fill, n);
		if ((fresh ? asprintf(&c[i], "new%ld-%ld", (i - fill) / (2 * n), i % K)
			   : asprintf(&c[i], "returning-%ld", i % K)) < 0)
			die("bodies", "out of memory");
		b[i] = complaint_body(c[i]);
	}
	double fill_s;
	struct pairs p;
	char all[64];
	fill_then_pairs(pack_dir, b, c, fill, n, K, &fill_s, &p);
	int m = p.median;
	printf("returning customers: %.0f complaints/s from %d customers with at least %ld earlier cases each (filled in "
	       "%.1f s) / %.0f/s from %d new customers = ratio %.2f, the median of %d alternating pairs (%s)\n",
	       p.first[m], K, past, fill_s, p.second[m], K, pair_ratio(&p, m), PAIRS, pair_list(&p, all, sizeof all));
	printf("| a returning customer with %ld earlier cases vs a new customer (engine, %d customers; median of %d "
	       "alternating pairs: %s) | %.0f decisions/s | %.0f/s | %.2f | ≥ 0.8 |\n",
	       past, K, PAIRS, all, p.first[m], p.second[m], pair_ratio(&p, m));
}

/* A recurring cause (redress.learn): `past` complaints of one cause (the
 * same category and order.sku; past the pack's threshold they join one
 * corrective action), then n more of it, against n complaints each of a
 * cause of its own, in alternating pairs: a complaint must not cost more
 * as its cause grows. One engine, one store, in the same run; `inflight`
 * at a time. */
static void run_cause(const char *pack_dir, long past, long n, long inflight)
{
	long total = past + 2 * n * PAIRS;
	char **b = calloc((size_t)total, sizeof *b), **c = calloc((size_t)total, sizeof *c);
	if (!b || !c)
		die("bodies", "out of memory");
	for (long i = 0; i < total; i++) {
		int fresh = second_kind(i, past, n);
		if (asprintf(&c[i], "cause-%ld", i) < 0 ||
		    asprintf(&b[i],
			     "{\"customer\":{\"id\":\"%s\"},\"channel\":\"email\",\"category\":\"late_delivery\","
			     "\"description\":\"late parcel\",\"order\":{\"amount\":4999,\"currency\":\"EUR\","
			     "\"sku\":\"%s%ld\"}}",
			     c[i], fresh ? "SKU-NEW-" : "SKU-HOT", fresh ? i : 0L) < 0)
			die("bodies", "out of memory");
	}
	double fill_s, again0 = metric("redress_decided_again_total");
	struct pairs p;
	char all[64];
	fill_then_pairs(pack_dir, b, c, past, n, inflight, &fill_s, &p);
	double again = metric("redress_decided_again_total") - again0;
	int m = p.median;
	printf("recurring cause: %.0f complaints/s of a cause with at least %ld earlier complaints (filled in %.1f s) "
	       "/ %.0f/s each of a new cause = ratio %.2f, the median of %d alternating pairs (%s); decided again %.2f "
	       "times per complaint\n",
	       p.first[m], past, fill_s, p.second[m], pair_ratio(&p, m), PAIRS, pair_list(&p, all, sizeof all),
	       again / (double)total);
	printf("| a complaint of a cause with %ld earlier complaints vs one of a new cause (engine, %ld in flight; median "
	       "of %d alternating pairs: %s) | %.0f decisions/s | %.0f/s | %.2f | ≥ 0.8 |\n",
	       past, inflight, PAIRS, all, p.first[m], p.second[m], pair_ratio(&p, m));
}

static double run_baseline(const char *pack_dir, long batch)
{
	char dir[256], err[1024], script[1024];
	make_dir(dir, sizeof dir, "plain");
	rd_store store;
	if (rd_store_open(&store, dir, (size_t)1 << 30, err, sizeof err) != RD_OK)
		die("store", err);
	rd_lua_ctx ctx;
	lua_State *L = rd_lua_new(&ctx);
	if (!L || !rd_store_lua_attach(L, &store, 0))
		die("lua", "cannot make a state");
	snprintf(script, sizeof script, "%s/bench/engine_baseline.lua", rd_home());
	if (luaL_dofile(L, script) != LUA_OK)
		die(script, lua_tostring(L, -1));
	lua_getfield(L, -1, "setup");
	lua_pushstring(L, pack_dir);
	lua_createtable(L, (int)n_total, 0);
	for (long i = 0; i < n_total; i++) {
		lua_pushstring(L, bodies[i]);
		lua_rawseti(L, -2, i + 1);
	}
	if (rd_lua_pcall(L, 2, 0, RD_PCALL_TRACEBACK) != LUA_OK)
		die("baseline setup", lua_tostring(L, -1));
	double t0 = now_s();
	for (long first = 0; first < n_total; first += batch) {
		long count = first + batch <= n_total ? batch : n_total - first;
		rd_txn *txn;
		if (rd_store_write_begin(&store, &txn) != RD_OK)
			die("baseline", "cannot begin a write transaction");
		rd_store_lua_of(L)->txn = txn;
		lua_getfield(L, -1, "run");
		lua_pushinteger(L, first + 1);
		lua_pushinteger(L, count);
		lua_pushinteger(L, wall_ms());
		if (rd_lua_pcall(L, 3, 0, RD_PCALL_TRACEBACK) != LUA_OK)
			die("baseline run", lua_tostring(L, -1));
		rd_store_lua_of(L)->txn = NULL;
		if (rd_store_commit(txn) != RD_OK)
			die("baseline", "commit failed");
	}
	double secs = now_s() - t0;
	rd_lua_close(L);
	rd_store_close(&store);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "engine_bench: could not remove %s\n", dir);
	return (double)n_total / secs;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: engine_bench PACK_DIR N INFLIGHT\n");
		return 2;
	}
	const char *pack_dir = argv[1];
	if (getenv("REDRESS_WORKERS"))
		workers = atoi(getenv("REDRESS_WORKERS"));
	n_total = atol(argv[2]);
	long inflight = atol(argv[3]);
	if (n_total <= 0 || inflight <= 0) {
		fprintf(stderr, "engine_bench: N and INFLIGHT must be positive\n");
		return 2;
	}
	/* the comparisons: N complaints of each kind, in PAIRS phases each */
	long phase = n_total / PAIRS > 0 ? n_total / PAIRS : 1;
	if (getenv("ENGINE_BENCH_RETURNING")) {
		run_returning(pack_dir, atol(getenv("ENGINE_BENCH_RETURNING")), phase);
		return 0;
	}
	if (getenv("ENGINE_BENCH_CAUSE")) {
		run_cause(pack_dir, atol(getenv("ENGINE_BENCH_CAUSE")), phase, inflight);
		return 0;
	}
	bodies = calloc((size_t)n_total, sizeof *bodies);
	for (long i = 0; i < n_total && bodies; i++) {
		if (asprintf(&bodies[i],
			     "{\"customer\":{\"id\":\"bench-%ld\"},\"channel\":\"email\",\"category\":\"late_delivery\","
			     "\"description\":\"late parcel\",\"order\":{\"amount\":4999,\"currency\":\"EUR\"}}",
			     i) < 0)
			die("bodies", "out of memory");
	}
	if (!bodies)
		die("bodies", "out of memory");
	double batch = 1;
	double engine_rate = run_engine(pack_dir, inflight, &batch);
	if (getenv("ENGINE_BENCH_ONLY")) { /* bench/instructions.sh: the engine alone, under callgrind */
		printf("engine without HTTP: %.0f complaints/s\n", engine_rate);
		return 0;
	}
	long b = (long)(batch + 0.5);
	if (b < 1)
		b = 1;
	double plain_rate = run_baseline(pack_dir, b);
	double ratio = engine_rate / plain_rate;
	printf("engine without HTTP: %.0f complaints/s (%ld complaints, %ld in flight, mean batch %.1f)\n", engine_rate,
	       n_total, inflight, batch);
	printf("plain Lua + LMDB loop: %.0f complaints/s (same policy call and puts, batches of %ld)\n", plain_rate, b);
	const char *name = strrchr(pack_dir, '/') ? strrchr(pack_dir, '/') + 1 : pack_dir;
	printf("| engine without HTTP vs plain Lua + LMDB loop, %s | %.0f decisions/s | %.0f/s | %.2f | %s 0.5 |\n", name,
	       engine_rate, plain_rate, ratio, ratio >= 0.5 ? "≥" : "missed: ≥");
	for (long i = 0; i < n_total; i++)
		free(bodies[i]);
	free(bodies);
	return 0;
}
