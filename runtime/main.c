/* main.c — redressd: load the config, open the store, start the engine
 * thread, serve HTTP on the loop, drain on SIGTERM/SIGINT. */
#define _GNU_SOURCE
#include <lauxlib.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bindings/bindings.h"
#include "cluster.h"
#include "engine.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "replays.h"
#include "store.h"
#include "store_lua.h"
#include "version.h"
#include "webhooks.h"

struct daemon {
	uv_loop_t *loop;
	rd_store store;
	rd_engine engine;
	rd_webhooks webhooks;
	rd_cluster *cluster; /* cluster mode; NULL for one node */
	rd_server server;
	lua_State *api;
	rd_lua_ctx api_ctx;
	uv_signal_t sigterm, sigint, sighup;
	uv_timer_t drain_timer;
	int draining;
	int drain_ticks;
	int flush_ticks;
};

struct settings {
	char host[256];
	int port;
	char data_dir[4096];
	size_t max_body;
	int max_batch;
	int workers;
	int access_log;
	size_t map_size;
	int clustered;
	rd_cluster_config cluster;
};

/* The normalized config's cluster table (config.lua), at the top of L's
 * stack, into st->cluster. */
static void read_cluster(lua_State *L, struct settings *st)
{
	rd_cluster_config *c = &st->cluster;
	st->clustered = 1;
	lua_getfield(L, -1, "name");
	snprintf(c->name, sizeof c->name, "%s", lua_tostring(L, -1));
	lua_getfield(L, -2, "stream");
	snprintf(c->stream, sizeof c->stream, "%s", lua_tostring(L, -1));
	lua_getfield(L, -3, "advertise");
	snprintf(c->advertise, sizeof c->advertise, "%s", lua_tostring(L, -1));
	lua_getfield(L, -4, "replicas");
	c->replicas = (int)lua_tointeger(L, -1);
	lua_getfield(L, -5, "lease_ms");
	c->lease_ms = (int)lua_tointeger(L, -1);
	lua_pop(L, 5);
	lua_getfield(L, -1, "servers");
	for (int i = 1; i <= RD_CLUSTER_MAX_SERVERS && lua_geti(L, -1, i) == LUA_TSTRING; i++) {
		c->servers[c->n_servers++] = strdup(lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	lua_pop(L, 2);
}

/* The replay thread's question: has intake work in hand? */
static int engine_busy(void *engine)
{
	return rd_engine_busy(engine);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: redressd -c CONFIG.lua\n"
		   "       redressd --version\n"
		   "Starts the redress complaint policy daemon with the given config file.\n");
}

/* Loads the config through redress.api (which validates it) and reads the
 * few settings the C side needs. */
static int load_api(struct daemon *d, const char *config_path, struct settings *st)
{
	lua_State *L = rd_store_lua_new(&d->api_ctx, NULL); /* the store: once it is open */
	if (L)
		rd_replays_preload(L); /* the what-if replays' queue and reports */
	if (!L) {
		fprintf(stderr, "redressd: out of memory\n");
		return -1;
	}
	d->api = L;
	lua_getglobal(L, "require");
	lua_pushliteral(L, "redress.api");
	if (rd_lua_pcall(L, 1, 1, RD_PCALL_PLAIN) != LUA_OK) /* a user error */
		goto fail;
	lua_getfield(L, -1, "new");
	lua_pushstring(L, config_path);
	if (rd_lua_pcall(L, 1, 1, RD_PCALL_PLAIN) != LUA_OK) /* a user error */
		goto fail;
	lua_getfield(L, -1, "handle_fn");
	lua_setfield(L, LUA_REGISTRYINDEX, "rd.api.handle");
	lua_getfield(L, -1, "reload_fn");
	lua_setfield(L, LUA_REGISTRYINDEX, "rd.api.reload");
	lua_getfield(L, -1, "config");
	int cfg = lua_gettop(L);
	lua_getfield(L, -1, "host");
	snprintf(st->host, sizeof st->host, "%s", lua_tostring(L, -1));
	lua_getfield(L, -2, "port");
	st->port = (int)lua_tointeger(L, -1);
	lua_getfield(L, -3, "data_dir");
	snprintf(st->data_dir, sizeof st->data_dir, "%s", lua_tostring(L, -1));
	lua_getfield(L, -4, "limits");
	lua_getfield(L, -1, "max_body_bytes");
	st->max_body = (size_t)lua_tointeger(L, -1);
	lua_getfield(L, -2, "max_batch");
	st->max_batch = (int)lua_tointeger(L, -1);
	lua_getfield(L, -3, "map_size");
	st->map_size = (size_t)lua_tointeger(L, -1);
	lua_getfield(L, -4, "workers");
	st->workers = (int)lua_tointeger(L, -1);
	lua_getfield(L, cfg, "log");
	lua_getfield(L, -1, "access");
	st->access_log = lua_toboolean(L, -1);
	if (lua_getfield(L, cfg, "cluster") == LUA_TTABLE)
		read_cluster(L, st);
	lua_pop(L, 1);
	char err[256];
	if (rd_webhooks_configure(&d->webhooks, L, cfg, err, sizeof err) != 0) {
		lua_settop(L, 0);
		lua_pushstring(L, err);
		goto fail;
	}
	lua_settop(L, 0);
	return 0;
fail:
	fprintf(stderr, "redressd: %s\n", lua_tostring(L, -1));
	return -1;
}

static void drain_tick(uv_timer_t *t)
{
	struct daemon *d = t->data;
	d->drain_ticks++;
	/* In-flight jobs finish (the engine keeps committing); after they are
	 * answered, give the sockets a moment to flush, then stop. */
	if (d->server.inflight > 0 && d->drain_ticks < 600) {
		d->flush_ticks = 0;
		return;
	}
	if (++d->flush_ticks < 3)
		return;
	uv_timer_stop(t);
	uv_stop(d->loop);
}

/* Each client is an open file: a daemon started with the usual soft limit
 * of 1024 would reset connections past it. Raise it to the hard limit. */
static void raise_open_files(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = { rl.rlim_max, rl.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl.rlim_cur = rl.rlim_max;
	}
	char n[32];
	snprintf(n, sizeof n, "#%llu", (unsigned long long)rl.rlim_cur);
	rd_log(RD_LOG_INFO, "open files limit", "max_open_files", n, NULL);
}

/* The handles h2o's context made when the server started (each a pointer
 * to compare, never dereferenced unless uv_walk still lists it). */
#define MAX_H2O_HANDLES 32
static uv_handle_t *h2o_handles[MAX_H2O_HANDLES];
static int n_h2o_handles;

static void note_h2o_handle(uv_handle_t *h, void *arg)
{
	struct daemon *d = arg;
	if (h == (uv_handle_t *)&d->server.listener || h == (uv_handle_t *)&d->engine.done_async ||
	    rd_readers_owns(h))
		return;
	if (n_h2o_handles < MAX_H2O_HANDLES)
		h2o_handles[n_h2o_handles++] = h;
}

static void close_h2o_handle(uv_handle_t *h, void *arg)
{
	(void)arg;
	for (int i = 0; i < n_h2o_handles; i++)
		if (h2o_handles[i] == h && !uv_is_closing(h))
			uv_close(h, NULL);
}

static void log_open_handle(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		rd_log(RD_LOG_ERROR, "a handle was left open at exit", "type", uv_handle_type_name(uv_handle_get_type(h)),
		       NULL);
}

/* Closes every handle the daemon opened — connections, h2o's timers, the
 * signals and the drain timer (the engine closed its own) — and then the
 * loop itself. Returns 1 when uv_loop_close succeeded: nothing was left
 * open. What was (a bug) is logged, and the exit code says so. */
static int close_loop(struct daemon *d)
{
	rd_server_stop_accepting(&d->server);
	if (rd_server_close_connections(&d->server) != 0)
		rd_log(RD_LOG_ERROR, "connections left open at exit", NULL);
	/* h2o 2.2 cannot dispose a context that has served requests (it asserts
	 * on an entry of its own), so its context is not disposed: its handles —
	 * the timers and the queue recorded when the server started — are
	 * closed here, exactly those */
	uv_walk(d->loop, close_h2o_handle, d);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sighup, NULL);
	if (d->draining)
		uv_close((uv_handle_t *)&d->drain_timer, NULL);
	for (int i = 0; i < 100 && uv_loop_alive(d->loop); i++)
		uv_run(d->loop, UV_RUN_NOWAIT);
	if (uv_loop_close(d->loop) == 0)
		return 1;
	uv_walk(d->loop, log_open_handle, NULL);
	return 0;
}

static void on_sighup(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	(void)signum;
	if (d->draining)
		return;
	rd_log(RD_LOG_INFO, "reloading (SIGHUP)", NULL);
	if (rd_server_submit_internal(&d->server, "reload") != 0)
		rd_log(RD_LOG_ERROR, "reload: out of memory", NULL);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	if (d->draining)
		return;
	d->draining = 1;
	char sig[16];
	snprintf(sig, sizeof sig, "#%d", signum);
	rd_log(RD_LOG_INFO, "draining", "signal", sig, NULL);
	rd_server_stop_accepting(&d->server);
	uv_timer_init(d->loop, &d->drain_timer);
	d->drain_timer.data = d;
	uv_timer_start(&d->drain_timer, drain_tick, 10, 50);
}

int main(int argc, char **argv)
{
	const char *config_path = NULL;
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
			config_path = argv[++i];
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("redressd %s\nhome: %s\n", RD_VERSION, rd_home());
			return 0;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "redressd: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!config_path) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	rd_metrics_init();

	static struct daemon d;
	struct settings st;
	memset(&st, 0, sizeof st);
	if (load_api(&d, config_path, &st) != 0)
		return 2;

	char err[2048];
	if (rd_store_open(&d.store, st.data_dir, st.map_size, err, sizeof err) != RD_OK) {
		fprintf(stderr, "redressd: %s\n", err);
		rd_log(RD_LOG_ERROR, "cannot open store", "error", err, NULL);
		return 1;
	}
	rd_store_lua_of(d.api)->store = &d.store;
	rd_metrics_set_map(rd_store_used_bytes(&d.store), d.store.map_size);

	raise_open_files();
	if (st.clustered) {
		rd_log(RD_LOG_INFO, "cluster: connecting", "node", st.cluster.name, "stream", st.cluster.stream, NULL);
		if (rd_cluster_open(&d.cluster, &st.cluster, err, sizeof err) != 0) {
			fprintf(stderr, "redressd: %s\n", err);
			rd_log(RD_LOG_ERROR, "cannot join the cluster", "error", err, NULL);
			rd_store_close(&d.store);
			return 1;
		}
		d.engine.cluster = d.cluster;
	}
	d.loop = uv_default_loop();
	if (rd_engine_start(&d.engine, d.loop, &d.store, config_path, st.max_batch, st.workers, rd_server_job_done, err,
			    sizeof err) != 0) {
		fprintf(stderr, "redressd: %s\n", err);
		rd_log(RD_LOG_ERROR, "cannot start the engine", "error", err, NULL);
		rd_cluster_close(d.cluster);
		rd_store_close(&d.store);
		return 1;
	}
	if (rd_replays_start(&d.store, config_path, engine_busy, &d.engine, err, sizeof err) != 0 ||
	    rd_webhooks_start(&d.webhooks, &d.store, &d.engine, err, sizeof err) != 0 ||
	    rd_readers_start(d.loop, &d.store, rd_server_read_done, engine_busy, &d.engine, err, sizeof err) != 0 ||
	    rd_server_start(&d.server, d.loop, d.api, &d.engine, st.host, st.port, st.max_body, st.access_log, err, sizeof err) != 0) {
		fprintf(stderr, "redressd: %s\n", err);
		rd_log(RD_LOG_ERROR, "cannot start", "error", err, NULL);
		rd_readers_stop();
		rd_webhooks_stop(&d.webhooks);
		rd_replays_stop();
		rd_engine_stop(&d.engine);
		rd_cluster_close(d.cluster);
		rd_store_close(&d.store);
		return 1;
	}
	uv_walk(d.loop, note_h2o_handle, &d); /* what h2o's context opened, to close at exit */
	uv_signal_init(d.loop, &d.sigterm);
	uv_signal_init(d.loop, &d.sigint);
	uv_signal_init(d.loop, &d.sighup);
	d.sigterm.data = d.sigint.data = d.sighup.data = &d;
	uv_signal_start(&d.sighup, on_sighup, SIGHUP);
	uv_signal_start(&d.sigterm, on_signal, SIGTERM);
	uv_signal_start(&d.sigint, on_signal, SIGINT);

	char port[16];
	snprintf(port, sizeof port, "#%d", d.server.port);
	rd_log(RD_LOG_INFO, "listening", "host", st.host, "port", port, "data_dir", st.data_dir, "version",
	       RD_VERSION, "home", rd_home(), NULL);

	uv_run(d.loop, UV_RUN_DEFAULT);

	rd_readers_stop(); /* a read that runs finishes; queued ones get a 503 */
	rd_replays_stop(); /* a running replay stops at its next case */
	rd_webhooks_stop(&d.webhooks); /* its last cursors go to the writer first */
	rd_engine_stop(&d.engine);  /* commits and answers anything left */
	rd_cluster_close(d.cluster); /* gives the lease up when held */
	uv_run(d.loop, UV_RUN_NOWAIT);
	int closed = close_loop(&d);
	rd_store_close(&d.store);
	rd_lua_close(d.api);
	rd_log(closed ? RD_LOG_INFO : RD_LOG_ERROR, "stopped", "loop", closed ? "closed" : "handles left open", NULL);
	return closed ? 0 : 1;
}
