/* replays.c — the what-if thread and the `rd.replays` module (see replays.h). */
#define _GNU_SOURCE
#include "replays.h"

#include <dirent.h>
#include <lauxlib.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../bindings/bindings.h"
#include "log.h"
#include "store_lua.h"

enum { EMPTY, QUEUED, RUNNING, DONE, FAILED, CANCELLED };
static const char *const state_names[] = { "empty", "queued", "running", "done", "failed", "cancelled" };

struct replay {
	int state;
	int cancel; /* asked to stop: the thread stops at its next case */
	uint64_t n; /* order of submission; 0: an empty slot */
	char id[32];
	char *request; /* the checked request, JSON */
	char *summary; /* the report without its changed cases, JSON (done) */
	char *error;   /* why it failed */
	char **changes; /* changed cases, JSON each, the first RD_REPLAYS_MAX_CHANGES */
	size_t n_changes;
	long long changes_total, done, total;
	int64_t submitted_ms, started_ms, finished_ms;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started, stopping;
	pthread_t thread;
	rd_store *store;
	const char *config_path;
	struct replay kept[RD_REPLAYS_KEPT];
	uint64_t next_n;
	struct replay *current; /* the running one (the thread's) */
	long long boot_s;       /* in ids: a restart's R…-1 is not the last one's */
	lua_State *L;
	rd_lua_ctx ctx;
	int (*busy)(void *); /* intake has work in hand (rd_replays_start) */
	void *busy_ud;
} R = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void clear(struct replay *r)
{
	free(r->request);
	free(r->summary);
	free(r->error);
	for (size_t i = 0; i < r->n_changes; i++)
		free(r->changes[i]);
	free(r->changes);
	memset(r, 0, sizeof *r);
}

static struct replay *find(const char *id)
{
	for (int i = 0; i < RD_REPLAYS_KEPT; i++)
		if (R.kept[i].n && strcmp(R.kept[i].id, id) == 0)
			return &R.kept[i];
	return NULL;
}

/* ---- the thread ---- */

void rd_replays_preload(lua_State *L)
{
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_rd_replays);
	lua_setfield(L, -2, "rd.replays");
	lua_pop(L, 1);
}

/* whatif.run(config_path, request, id) in the thread's state; a raise (a
 * config or pack that does not load, a stop, a bug) fails the replay. */
static void run_one(struct replay *r, const char *request)
{
	lua_State *L = R.L;
	lua_getglobal(L, "require");
	lua_pushliteral(L, "redress.whatif");
	int rc = rd_lua_pcall(L, 1, 1, RD_PCALL_TRACEBACK);
	if (rc == LUA_OK) {
		lua_getfield(L, -1, "run");
		lua_pushstring(L, R.config_path);
		lua_pushstring(L, request);
		lua_pushstring(L, r->id);
		rc = rd_lua_pcall(L, 3, 0, RD_PCALL_PLAIN);
	}
	rd_store_lua_end_read(L);
	const char *msg = rc == LUA_OK ? NULL : lua_tostring(L, -1);
	pthread_mutex_lock(&R.mu);
	if (rc == LUA_OK && r->summary) {
		r->state = DONE;
	} else if (r->cancel) {
		r->state = CANCELLED;
		msg = NULL;
	} else {
		r->state = FAILED;
		r->error = strdup(msg ? msg : "the replay ended without a report");
	}
	r->finished_ms = wall_ms();
	R.current = NULL;
	pthread_mutex_unlock(&R.mu);
	if (msg)
		rd_log(RD_LOG_WARN, "replay failed", "id", r->id, "error", msg, NULL);
	else
		rd_log(RD_LOG_INFO, r->state == CANCELLED ? "replay cancelled" : "replay done", "id", r->id, NULL);
	lua_settop(L, 0);
	lua_gc(L, LUA_GCCOLLECT);
}

/* A replay is background work: on a machine whose cores intake keeps busy,
 * the scheduler gives this thread what the others leave (Linux sets a nice
 * value per thread). Measured with bench/whatif.sh on 2 cores. */
#define RD_REPLAYS_NICE 10

static void *thread_main(void *arg)
{
	(void)arg;
	rd_thread_name("rd-replays");
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), RD_REPLAYS_NICE) != 0)
		rd_log(RD_LOG_WARN, "replays: could not lower the replay thread's priority", NULL);
	pthread_mutex_lock(&R.mu);
	for (;;) {
		struct replay *next = NULL;
		while (!R.stopping) {
			for (int i = 0; i < RD_REPLAYS_KEPT && !next; i++)
				if (R.kept[i].state == QUEUED)
					next = &R.kept[i];
			if (next)
				break;
			pthread_cond_wait(&R.cv, &R.mu);
		}
		if (R.stopping)
			break;
		next->state = RUNNING;
		next->started_ms = wall_ms();
		R.current = next;
		char *request = strdup(next->request);
		pthread_mutex_unlock(&R.mu);
		run_one(next, request ? request : "{}");
		free(request);
		pthread_mutex_lock(&R.mu);
	}
	pthread_mutex_unlock(&R.mu);
	return NULL;
}

int rd_replays_start(rd_store *store, const char *config_path, int (*busy)(void *ud), void *busy_ud, char *err,
		     size_t errlen)
{
	R.busy = busy;
	R.busy_ud = busy_ud;
	R.L = rd_store_lua_new(&R.ctx, store);
	if (!R.L) {
		snprintf(err, errlen, "replays: cannot create a Lua state");
		return -1;
	}
	rd_replays_preload(R.L);
	R.store = store;
	R.config_path = config_path;
	R.boot_s = (long long)(wall_ms() / 1000);
	R.stopping = 0;
	if (pthread_create(&R.thread, NULL, thread_main, NULL) != 0) {
		rd_lua_close(R.L);
		R.L = NULL;
		snprintf(err, errlen, "replays: cannot start the replay thread");
		return -1;
	}
	pthread_mutex_lock(&R.mu);
	R.started = 1;
	pthread_mutex_unlock(&R.mu);
	return 0;
}

void rd_replays_stop(void)
{
	pthread_mutex_lock(&R.mu);
	int started = R.started;
	R.stopping = 1;
	R.started = 0;
	pthread_cond_broadcast(&R.cv);
	pthread_mutex_unlock(&R.mu);
	if (!started)
		return;
	pthread_join(R.thread, NULL);
	rd_lua_close(R.L);
	R.L = NULL;
	pthread_mutex_lock(&R.mu);
	for (int i = 0; i < RD_REPLAYS_KEPT; i++)
		clear(&R.kept[i]);
	pthread_mutex_unlock(&R.mu);
}

/* ---- rd.replays: the API's side ---- */

/** replays.submit(request_json) → id | nil, "busy" | "unavailable": queues
 * a replay unless one is queued or running; the oldest kept one makes room. */
static int l_submit(lua_State *L)
{
	const char *request = luaL_checkstring(L, 1);
	pthread_mutex_lock(&R.mu);
	const char *why = R.started ? NULL : "unavailable";
	struct replay *slot = NULL;
	for (int i = 0; i < RD_REPLAYS_KEPT && !why; i++) {
		struct replay *r = &R.kept[i];
		if (r->state == QUEUED || r->state == RUNNING)
			why = "busy";
		else if (!slot || r->n < slot->n)
			slot = r;
	}
	char *copy = why ? NULL : strdup(request);
	if (!why && !copy)
		why = "unavailable";
	if (why) {
		pthread_mutex_unlock(&R.mu);
		free(copy);
		lua_pushnil(L);
		lua_pushstring(L, why);
		return 2;
	}
	clear(slot);
	slot->n = ++R.next_n;
	snprintf(slot->id, sizeof slot->id, "R%llx-%llu", R.boot_s, (unsigned long long)slot->n);
	slot->state = QUEUED;
	slot->request = copy;
	slot->submitted_ms = wall_ms();
	pthread_cond_signal(&R.cv);
	lua_pushstring(L, slot->id);
	pthread_mutex_unlock(&R.mu);
	return 1;
}

static void set_int(lua_State *L, const char *k, long long v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

static void set_str(lua_State *L, const char *k, const char *v)
{
	if (!v)
		return;
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

/* A kept replay as a table (under the mutex); its changed cases from offset,
 * at most limit (none when limit is 0). */
static void push_replay(lua_State *L, const struct replay *r, size_t offset, size_t limit)
{
	lua_createtable(L, 0, 14);
	set_str(L, "id", r->id);
	set_str(L, "state", state_names[r->state]);
	set_str(L, "request", r->request);
	set_str(L, "summary", r->summary);
	set_str(L, "error", r->error);
	set_int(L, "done", r->done);
	set_int(L, "total", r->total);
	set_int(L, "changes_total", r->changes_total);
	set_int(L, "changes_kept", (long long)r->n_changes);
	set_int(L, "submitted_ms", r->submitted_ms);
	if (r->started_ms)
		set_int(L, "started_ms", r->started_ms);
	if (r->finished_ms)
		set_int(L, "finished_ms", r->finished_ms);
	lua_createtable(L, limit < 64 ? (int)limit : 64, 0);
	for (size_t i = offset, k = 1; i < r->n_changes && k <= limit; i++, k++) {
		lua_pushstring(L, r->changes[i]);
		lua_rawseti(L, -2, (lua_Integer)k);
	}
	lua_setfield(L, -2, "changes");
}

/** replays.get(id, offset, limit) → the replay (a table) | nil */
static int l_get(lua_State *L)
{
	const char *id = luaL_checkstring(L, 1);
	lua_Integer offset = luaL_optinteger(L, 2, 0), limit = luaL_optinteger(L, 3, 0);
	luaL_argcheck(L, offset >= 0, 2, "must be ≥ 0");
	luaL_argcheck(L, limit >= 0, 3, "must be ≥ 0");
	luaL_checkstack(L, 8, "replays.get");
	pthread_mutex_lock(&R.mu);
	const struct replay *r = find(id);
	if (r)
		push_replay(L, r, (size_t)offset, (size_t)limit);
	pthread_mutex_unlock(&R.mu);
	if (!r)
		lua_pushnil(L);
	return 1;
}

/** replays.cancel(id) → "cancelling" (queued: cancelled at once; running:
 * it stops at its next case) | "finished" | nil (not kept) */
static int l_cancel(lua_State *L)
{
	const char *id = luaL_checkstring(L, 1);
	pthread_mutex_lock(&R.mu);
	struct replay *r = find(id);
	const char *out = NULL;
	if (r && (r->state == QUEUED || r->state == RUNNING)) {
		r->cancel = 1;
		if (r->state == QUEUED) {
			r->state = CANCELLED;
			r->finished_ms = wall_ms();
		}
		out = "cancelling";
	} else if (r) {
		out = "finished";
	}
	pthread_mutex_unlock(&R.mu);
	if (out)
		lua_pushstring(L, out);
	else
		lua_pushnil(L);
	return 1;
}

/** replays.list() → the kept replays, newest first, without changed cases */
static int l_list(lua_State *L)
{
	lua_createtable(L, RD_REPLAYS_KEPT, 0);
	pthread_mutex_lock(&R.mu);
	const struct replay *order[RD_REPLAYS_KEPT];
	int n = 0;
	for (int i = 0; i < RD_REPLAYS_KEPT; i++)
		if (R.kept[i].n)
			order[n++] = &R.kept[i];
	for (int i = 1; i < n; i++) /* newest first: a handful, insertion sort */
		for (int j = i; j > 0 && order[j]->n > order[j - 1]->n; j--) {
			const struct replay *t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (int i = 0; i < n; i++) {
		push_replay(L, order[i], 0, 0);
		lua_rawseti(L, -2, i + 1);
	}
	pthread_mutex_unlock(&R.mu);
	return 1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/** replays.dirs(path) → the names of path's folders, sorted (at most 200;
 * names starting with a dot left out) | nil, message */
static int l_dirs(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	DIR *dir = opendir(path);
	if (!dir) {
		lua_pushnil(L);
		lua_pushfstring(L, "cannot read the folder %s", path);
		return 2;
	}
	char *names[200];
	int n = 0;
	struct dirent *e;
	while (n < 200 && (e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		struct stat st;
		char full[4096];
		if (snprintf(full, sizeof full, "%s/%s", path, e->d_name) >= (int)sizeof full)
			continue;
		if (stat(full, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		if ((names[n] = strdup(e->d_name)) != NULL)
			n++;
	}
	closedir(dir);
	qsort(names, (size_t)n, sizeof names[0], by_name);
	lua_createtable(L, n, 0);
	for (int i = 0; i < n; i++) {
		lua_pushstring(L, names[i]);
		lua_rawseti(L, -2, i + 1);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	return 1;
}

/* ---- rd.replays: the replay thread's side (on its current replay) ---- */

/* Whether the replay goes on (not cancelled, the daemon not stopping),
 * after giving way to intake: while the engine has jobs in hand it waits, a
 * millisecond at a time, up to RD_REPLAYS_GIVE_WAY_MS (so it still moves
 * under constant load), and stops waiting at once when it is cancelled or
 * the daemon stops. */
static int give_way(void)
{
	pthread_mutex_lock(&R.mu);
	int go_on = !R.stopping && !(R.current && R.current->cancel);
	pthread_mutex_unlock(&R.mu);
	for (int ms = 0; go_on && R.busy && ms < RD_REPLAYS_GIVE_WAY_MS && R.busy(R.busy_ud); ms++) {
		struct timespec pause = { 0, 1000000 };
		nanosleep(&pause, NULL);
		pthread_mutex_lock(&R.mu);
		go_on = !R.stopping && !(R.current && R.current->cancel);
		pthread_mutex_unlock(&R.mu);
	}
	return go_on;
}

/** replays.progress(done, total) → false when the daemon is stopping or the
 * replay was cancelled; between two cases the replay gives way to intake */
static int l_progress(lua_State *L)
{
	lua_Integer done = luaL_checkinteger(L, 1), total = luaL_checkinteger(L, 2);
	pthread_mutex_lock(&R.mu);
	if (R.current) {
		R.current->done = done;
		R.current->total = total;
	}
	pthread_mutex_unlock(&R.mu);
	lua_pushboolean(L, give_way());
	return 1;
}

/** replays.give_way() → as progress, without a figure: for the count of
 * cases before a replay starts, which reads every case too */
static int l_give_way(lua_State *L)
{
	lua_pushboolean(L, give_way());
	return 1;
}

/** replays.change(json): one changed case (kept while there is room) */
static int l_change(lua_State *L)
{
	const char *json = luaL_checkstring(L, 1);
	pthread_mutex_lock(&R.mu);
	struct replay *r = R.current;
	if (r) {
		r->changes_total++;
		if (r->n_changes < RD_REPLAYS_MAX_CHANGES) {
			if (!r->changes)
				r->changes = calloc(RD_REPLAYS_MAX_CHANGES, sizeof *r->changes);
			if (r->changes && (r->changes[r->n_changes] = strdup(json)) != NULL)
				r->n_changes++;
		}
	}
	pthread_mutex_unlock(&R.mu);
	return 0;
}

/** replays.finish(summary_json): the report, once every case is replayed */
static int l_finish(lua_State *L)
{
	const char *json = luaL_checkstring(L, 1);
	pthread_mutex_lock(&R.mu);
	if (R.current) {
		free(R.current->summary);
		R.current->summary = strdup(json);
	}
	pthread_mutex_unlock(&R.mu);
	return 0;
}

int luaopen_rd_replays(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "submit", l_submit }, { "get", l_get },	    { "list", l_list },	 { "cancel", l_cancel },
		{ "dirs", l_dirs },	{ "progress", l_progress }, { "give_way", l_give_way }, { "change", l_change },
		{ "finish", l_finish }, { NULL, NULL },
	};
	luaL_newlib(L, fns);
	lua_pushinteger(L, RD_REPLAYS_MAX_CHANGES);
	lua_setfield(L, -2, "MAX_CHANGES");
	return 1;
}
