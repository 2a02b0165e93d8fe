/* http.c — h2o handlers: one entry point, answers from Lua or the engine. */
#define _GNU_SOURCE
#include "http.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "cluster.h"
#include "errors.h"
#include "log.h"
#include "metrics.h"
#include "store_lua.h"

static rd_server *the_server; /* the engine callback has no user pointer */

/* A request waiting for a job's or a read's answer. Lives in the request's
 * pool: when h2o frees a request whose client went away, dispose() clears
 * the owner pointer of what it waits for (`back`: &job->owner or
 * &read->owner), so the answer is dropped. */
struct pending {
	void **back;
	h2o_req_t *req;
};

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 503: return "Service Unavailable";
	default: return status < 400 ? "OK" : "Internal Server Error";
	}
}

/* The length of the request's path without its query. */
static size_t path_len(const h2o_req_t *req)
{
	return req->query_at != SIZE_MAX ? req->query_at : req->path.len;
}

/* src[0..len) into dst as a C string, cut to fit, with every byte that is
 * not printable ASCII written as "?". */
static void printable_copy(char *dst, size_t cap, const char *src, size_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[i] = c > 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[n] = '\0';
}

/* "#v" (a raw number for rd_log) into out (at least 32 bytes), with
 * ".fff" after it when frac (0–999) is not negative. */
static void number_text(char *out, unsigned long long v, int frac)
{
	char tmp[24];
	size_t n = 0, at = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	out[at++] = '#';
	while (n)
		out[at++] = tmp[--n];
	if (frac >= 0) {
		out[at++] = '.';
		out[at++] = (char)('0' + frac / 100);
		out[at++] = (char)('0' + frac / 10 % 10);
		out[at++] = (char)('0' + frac % 10);
	}
	out[at] = '\0';
}

/* The access log line of one answer: method, path (never the query: it
 * may hold a customer id), route, status, body bytes, the time since the
 * request began (for a write, its commit included) and who asked (the
 * token's fingerprint and roles; absent before authentication). */
static void access_log(h2o_req_t *req, const char *route, const char *actor, int status, size_t len)
{
	char method[16], path[256], num[3][32];
	printable_copy(method, sizeof method, req->method.base, req->method.len);
	/* a customer id in a path is personal data: a path under /v1/customers
	 * (a near miss too, in any case) is logged by its shape */
	if (strcmp(route, "customer_erase") == 0)
		snprintf(path, sizeof path, "/v1/customers/{id}/erase");
	else if (path_len(req) >= 13 && strncasecmp(req->path.base, "/v1/customers", 13) == 0)
		snprintf(path, sizeof path, "/v1/customers/…");
	else
		printable_copy(path, sizeof path, req->path.base, path_len(req));
	struct timeval now;
	gettimeofday(&now, NULL);
	const struct timeval *began = &req->timestamps.request_begin_at;
	long long us = (now.tv_sec - began->tv_sec) * 1000000LL + (now.tv_usec - began->tv_usec);
	if (us < 0 || began->tv_sec == 0)
		us = 0;
	/* (written by hand: snprintf was most of the line's cost, at a line per request) */
	number_text(num[0], (unsigned long long)(status > 0 ? status : 0), -1);
	number_text(num[1], (unsigned long long)len, -1);
	number_text(num[2], (unsigned long long)(us / 1000), (int)(us % 1000));
	if (actor)
		rd_log(RD_LOG_INFO, "request", "method", method, "path", path, "route", route, "status", num[0], "bytes",
		       num[1], "ms", num[2], "actor", actor, NULL);
	else
		rd_log(RD_LOG_INFO, "request", "method", method, "path", path, "route", route, "status", num[0], "bytes",
		       num[1], "ms", num[2], NULL);
}

/* Everything of an answer but the sending of its body: the access line,
 * the status and headers, the metrics. */
static void prepare(h2o_req_t *req, const char *route, const char *actor, int status, const char *ctype, size_t len,
		    int replay)
{
	if (the_server && the_server->access_log)
		access_log(req, route, actor, status, len);
	req->res.status = status;
	req->res.reason = reason(status);
	req->res.content_length = len;
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype, strlen(ctype));
	if (strncmp(ctype, "application/json", 16) == 0) {
		/* answers hold cases and customers: no browser or proxy keeps them */
		h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
		h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0, NULL,
				      H2O_STRLIT("nosniff"));
	}
	if (replay)
		h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("idempotent-replay"), 0, NULL,
				      H2O_STRLIT("true"));
	/* every 503 is a short condition (a drain, a full queue, an election,
	 * the first start): a client told when to retry backs off instead of
	 * hammering */
	if (status == 503)
		h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
	rd_metrics_request(route, status);
}

static void respond(h2o_req_t *req, const char *route, const char *actor, int status, const char *ctype,
		    const char *body, size_t len, int replay)
{
	prepare(req, route, actor, status, ctype, len, replay);
	h2o_send_inline(req, body, len);
}

#define JSON "application/json; charset=utf-8"

static void respond_error(h2o_req_t *req, const char *route, int status, const char *code, const char *msg)
{
	char body[512];
	size_t n = rd_error_json(body, sizeof body, code, msg);
	respond(req, route, NULL, status, JSON, body, n, 0);
}

static void pending_dispose(void *p)
{
	struct pending *pd = p;
	if (pd->back)
		*pd->back = NULL;
}

/* Makes req wait on *owner (a job's or a read's owner field). */
static void pending_on(h2o_req_t *req, void **owner)
{
	struct pending *pd = h2o_mem_alloc_shared(&req->pool, sizeof *pd, pending_dispose);
	pd->back = owner;
	pd->req = req;
	*owner = pd;
}

static void owned_dispose(void *p)
{
	free(*(char **)p);
}

/* Sends body, malloc'd, as req's answer without copying it: the request's
 * pool takes it and frees it once h2o is done with the answer (sent, or
 * the connection gone), as h2o_send_inline's copy in the pool would be. A
 * read's answer can be megabytes (a long case's timeline): the copy and
 * its fresh pages cost the loop thread 76-134 us of user time a read of a
 * case of 2,000 events (1.2 MB), every complaint behind it waiting, against
 * 17-82 us without it (bench/read_cpu.sh, runs of 2026-12-03). */
static void respond_owned(h2o_req_t *req, const char *route, const char *actor, int status, char *body,
			  size_t len)
{
	static h2o_generator_t generator = { NULL, NULL };
	char **owned = h2o_mem_alloc_shared(&req->pool, sizeof *owned, owned_dispose);
	*owned = body;
	prepare(req, route, actor, status, JSON, len, 0);
	h2o_start_response(req, &generator);
	h2o_iovec_t buf = h2o_iovec_init(body, len); /* reads are GETs: the router refuses HEAD */
	h2o_send(req, &buf, 1, H2O_SEND_STATE_FINAL);
}

void rd_server_read_done(rd_read *read)
{
	struct pending *pd = read->owner;
	if (the_server)
		the_server->inflight--;
	if (pd) {
		pd->back = NULL;
		if (read->body) {
			respond_owned(pd->req, read->route, read->actor, read->status, read->body, read->body_len);
			read->body = NULL; /* the request's now */
		} else {
			respond(pd->req, read->route, read->actor, read->status, JSON, "", 0, 0);
		}
	}
	rd_read_free(read);
}

/* Hands the API's { fn, args } (table t) to the readers thread; -1 when out
 * of memory (nothing was queued). */
static int submit_read(rd_server *srv, h2o_req_t *req, lua_State *L, int t, const char *route, const char *actor)
{
	lua_getfield(L, t, "fn");
	lua_getfield(L, t, "args");
	const char *name = lua_tostring(L, -2), *query = lua_tostring(L, -1);
	rd_read *r = calloc(1, sizeof *r);
	if (r) {
		r->name = name ? strdup(name) : NULL;
		r->query = query ? strdup(query) : NULL;
		r->actor = actor ? strdup(actor) : NULL;
	}
	lua_pop(L, 2);
	if (!r || !r->name || !r->query || (actor && !r->actor)) {
		rd_read_free(r);
		return -1;
	}
	r->route = route; /* interned: lives as long as the API state */
	pending_on(req, &r->owner);
	srv->inflight++;
	rd_readers_submit(r);
	return 0;
}

/* After a successful reload the API state re-reads the config too (tokens
 * may have changed); the engine has validated the same file already. */
static void api_reload(rd_server *srv)
{
	lua_State *L = srv->api;
	if (lua_getfield(L, LUA_REGISTRYINDEX, "rd.api.reload") != LUA_TFUNCTION) {
		lua_pop(L, 1);
		return;
	}
	if (rd_lua_pcall(L, 0, 0, RD_PCALL_TRACEBACK) != LUA_OK) {
		rd_log(RD_LOG_ERROR, "reload: the API kept its old config", "error", lua_tostring(L, -1), NULL);
		lua_pop(L, 1);
	}
}

int rd_server_submit_internal(rd_server *srv, const char *kind)
{
	rd_job *job = calloc(1, sizeof *job);
	if (!job)
		return -1;
	int k = rd_job_kind_from_name(kind);
	job->body = strdup("");
	job->route = "internal";
	if (k < 0 || !job->body) {
		rd_job_free(job);
		return -1;
	}
	job->kind = k;
	srv->inflight++;
	rd_engine_submit(srv->engine, job);
	return 0;
}

/* The answers the engine hands back together (rd_server_job_done until
 * its NULL), prepared as they come and sent at the end: their access lines
 * are held meanwhile (rd_log_hold) and written in one write before the
 * first answer leaves, so a line is never later than its answer. A write
 * per answer had cost the loop thread about 2 µs a complaint. */
static rd_job **held;
static size_t n_held, cap_held;

static void send_held(void)
{
	rd_log_hold(0); /* the lines first */
	for (size_t i = 0; i < n_held; i++) {
		rd_job *job = held[i];
		/* the request is still waiting unless its connection went while
		 * the others were sent (pending_dispose then cleared the owner) */
		struct pending *pd = job->owner;
		if (pd) {
			pd->back = NULL;
			h2o_send_inline(pd->req, job->resp, job->resp_len);
		}
		rd_job_free(job);
	}
	n_held = 0;
}

/* Keeps job, whose request still waits, for send_held; 0 when there is no
 * room. */
static int hold_answer(rd_job *job)
{
	if (n_held == cap_held) {
		size_t cap = cap_held ? cap_held * 2 : 64;
		rd_job **more = realloc(held, cap * sizeof *more);
		if (!more)
			return 0;
		held = more;
		cap_held = cap;
	}
	if (n_held == 0)
		rd_log_hold(1);
	held[n_held++] = job;
	return 1;
}

void rd_server_job_done(rd_job *job)
{
	if (!job) {
		send_held();
		return;
	}
	struct pending *pd = job->owner;
	if (the_server) {
		the_server->inflight--;
		if (job->kind == RD_JOB_RELOAD) {
			if (job->status == 200)
				api_reload(the_server);
			rd_log(job->status == 200 ? RD_LOG_INFO : RD_LOG_ERROR,
			       job->status == 200 ? "reloaded" : "reload failed; still running the previous packs",
			       "answer", job->resp ? job->resp : "", NULL);
		}
	}
	if (pd && hold_answer(job)) {
		prepare(pd->req, job->route, job->actor, job->status, JSON, job->resp_len, job->replay);
		return;
	}
	if (pd) {
		send_held(); /* no room to hold it: what is held goes first */
		pd->back = NULL;
		respond(pd->req, job->route, job->actor, job->status, JSON, job->resp, job->resp_len, job->replay);
	}
	rd_job_free(job);
}

static char *dup_iov(const char *base, size_t len)
{
	char *s = malloc(len + 1);
	if (s) {
		if (len)
			memcpy(s, base, len);
		s[len] = '\0';
	}
	return s;
}

static void push_header(lua_State *L, h2o_req_t *req, const char *name, size_t nlen, const char *field)
{
	ssize_t i = h2o_find_header_by_str(&req->headers, name, nlen, -1);
	if (i != -1) {
		h2o_iovec_t v = req->headers.entries[i].value;
		lua_pushlstring(L, v.base, v.len);
		lua_setfield(L, -2, field);
	}
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Turns the API state's job table into an engine job; the body is copied
 * from h2o's buffer, not from Lua. */
static int submit_job(rd_server *srv, h2o_req_t *req, lua_State *L, const char *route, int64_t now)
{
	rd_job *job = calloc(1, sizeof *job);
	if (!job)
		return -1;
	lua_getfield(L, -1, "kind");
	lua_getfield(L, -2, "case_id");
	lua_getfield(L, -3, "idem_key");
	lua_getfield(L, -4, "customer_id");
	lua_getfield(L, -5, "actor");
	int kind = rd_job_kind_from_name(luaL_optstring(L, -5, "complaint"));
	job->case_id = lua_isstring(L, -4) ? strdup(lua_tostring(L, -4)) : NULL;
	job->idem_key = lua_isstring(L, -3) ? strdup(lua_tostring(L, -3)) : NULL;
	job->customer_id = lua_isstring(L, -2) ? strdup(lua_tostring(L, -2)) : NULL;
	job->actor = lua_isstring(L, -1) ? strdup(lua_tostring(L, -1)) : NULL;
	lua_pop(L, 5);
	if (kind < 0) {
		rd_job_free(job);
		return -1;
	}
	job->kind = kind;
	job->body = dup_iov(req->entity.base, req->entity.base ? req->entity.len : 0);
	job->body_len = req->entity.base ? req->entity.len : 0;
	job->now_ms = now;
	job->route = route; /* a string constant from api.lua, kept alive by the registry */
	if (!job->body) {
		rd_job_free(job);
		return -1;
	}
	pending_on(req, &job->owner);
	srv->inflight++;
	rd_engine_submit(srv->engine, job);
	return 0;
}

static const char *intern_route(lua_State *L, const char *route)
{
	/* Routes are few and fixed; keep each name alive in the registry so the
	 * pointer stays valid for metrics after the Lua stack is popped. */
	lua_getfield(L, LUA_REGISTRYINDEX, "rd.routes");
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, LUA_REGISTRYINDEX, "rd.routes");
	}
	lua_getfield(L, -1, route);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushstring(L, route);
		lua_pushvalue(L, -1);
		lua_setfield(L, -3, route);
	}
	const char *s = lua_tostring(L, -1);
	lua_pop(L, 2);
	return s;
}

/* The answer's own headers (the console's Set-Cookie, Location, caching):
 * a flat list { name, value, name, value, … } in the answer's "headers",
 * copied into the request's pool (the Lua strings die with the stack). */
static void add_headers(h2o_req_t *req, lua_State *L, int answer)
{
	lua_getfield(L, answer, "headers");
	if (lua_istable(L, -1)) {
		lua_Integer n = luaL_len(L, -1);
		for (lua_Integer i = 1; i + 1 <= n; i += 2) {
			lua_geti(L, -1, i);
			lua_geti(L, -2, i + 1);
			size_t nlen, vlen;
			const char *name = lua_tolstring(L, -2, &nlen);
			const char *value = lua_tolstring(L, -1, &vlen);
			if (name && value) {
				h2o_iovec_t nv = h2o_strdup(&req->pool, name, nlen);
				h2o_iovec_t vv = h2o_strdup(&req->pool, value, vlen);
				h2o_add_header_by_str(&req->pool, &req->res.headers, nv.base, nv.len, 1, NULL, vv.base,
						      vv.len);
			}
			lua_pop(L, 2);
		}
	}
	lua_pop(L, 1);
}

/* Cluster mode, on a node that does not lead: a write goes to the leader
 * (307 to its advertised URL, same path and query: the client repeats the
 * request there, body and Idempotency-Key included), or 503 while no
 * leader is known. Reads never come here: every node serves them. */
static void not_leader(rd_server *srv, h2o_req_t *req, const char *route)
{
	char url[256];
	if (!rd_cluster_leader_url(srv->engine->cluster, url, sizeof url)) {
		respond_error(req, route, 503, "unavailable", "the cluster has no leader right now; retry shortly");
		return;
	}
	size_t n = strlen(url);
	char *loc = h2o_mem_alloc_pool(&req->pool, n + req->path.len + 1);
	memcpy(loc, url, n);
	memcpy(loc + n, req->path.base, req->path.len);
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_LOCATION, NULL, loc, n + req->path.len);
	respond_error(req, route, 307, "not_leader", "this node does not decide; send the request to the leader at Location");
}

/* req.cluster_status() in the API state: GET /v1/cluster's body. */
static int l_cluster_status(lua_State *L)
{
	char *s = the_server && the_server->engine->cluster ? rd_cluster_status_json(the_server->engine->cluster) : NULL;
	if (!s)
		return luaL_error(L, "cluster status: out of memory");
	lua_pushstring(L, s);
	free(s);
	return 1;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
	(void)self;
	rd_server *srv = the_server;
	lua_State *L = srv->api;
	int top = lua_gettop(L);
	int64_t now = wall_ms();

	lua_getfield(L, LUA_REGISTRYINDEX, "rd.api.handle");
	lua_createtable(L, 0, 8);
	lua_pushlstring(L, req->method.base, req->method.len);
	lua_setfield(L, -2, "method");
	lua_pushlstring(L, req->path.base, path_len(req));
	lua_setfield(L, -2, "path");
	if (req->query_at != SIZE_MAX) {
		lua_pushlstring(L, req->path.base + req->query_at + 1, req->path.len - req->query_at - 1);
		lua_setfield(L, -2, "query");
	}
	if (req->entity.base) {
		lua_pushlstring(L, req->entity.base, req->entity.len);
		lua_setfield(L, -2, "body");
	}
	push_header(L, req, H2O_STRLIT("authorization"), "authorization");
	push_header(L, req, H2O_STRLIT("idempotency-key"), "idempotency_key");
	/* the console's session cookie, its CSRF header, its files' revalidation */
	push_header(L, req, H2O_STRLIT("cookie"), "cookie");
	push_header(L, req, H2O_STRLIT("x-redress-csrf"), "csrf");
	push_header(L, req, H2O_STRLIT("if-none-match"), "if_none_match");
	if (srv->draining) { /* absent is false: a field less to set per request */
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "draining");
	}
	lua_pushinteger(L, now);
	lua_setfield(L, -2, "now_ms");
	if (rd_readers_running()) { /* reads that scan go to the readers thread */
		lua_pushboolean(L, 1);
		lua_setfield(L, -2, "reads");
	}
	if (srv->engine->cluster) {
		lua_pushcfunction(L, l_cluster_status);
		lua_setfield(L, -2, "cluster_status");
		lua_pushboolean(L, !rd_engine_leads(srv->engine));
		lua_setfield(L, -2, "follower");
	}

	int rc = rd_lua_pcall(L, 1, 1, RD_PCALL_TRACEBACK);
	rd_store_lua_end_read(L);
	if (rc != LUA_OK || !lua_istable(L, -1)) {
		rd_log(RD_LOG_ERROR, "api failure", "error", lua_tostring(L, -1), NULL);
		lua_settop(L, top);
		respond_error(req, "unknown", 500, "internal", "internal error; nothing was written");
		return 0;
	}
	lua_getfield(L, -1, "route");
	const char *route = intern_route(L, luaL_optstring(L, -1, "unknown"));
	lua_pop(L, 1);

	lua_getfield(L, -1, "replay");
	int replay = lua_toboolean(L, -1);
	lua_pop(L, 1);
	lua_getfield(L, -1, "forward");
	int forward = lua_toboolean(L, -1);
	lua_pop(L, 1);
	lua_getfield(L, -1, "job");
	if (forward || lua_istable(L, -1)) {
		if (forward || !rd_engine_leads(srv->engine)) {
			lua_settop(L, top);
			not_leader(srv, req, route);
			return 0;
		}
		if (submit_job(srv, req, L, route, now) != 0) {
			lua_settop(L, top);
			respond_error(req, route, 500, "internal", "out of memory");
			return 0;
		}
		lua_settop(L, top);
		return 0;
	}
	lua_pop(L, 1);
	if (lua_getfield(L, -1, "read") == LUA_TTABLE) {
		lua_getfield(L, -2, "actor");
		int rc = submit_read(srv, req, L, lua_gettop(L) - 1, route, lua_tostring(L, -1));
		lua_settop(L, top);
		if (rc != 0)
			respond_error(req, route, 500, "internal", "out of memory");
		return 0;
	}
	lua_pop(L, 1);
	lua_getfield(L, -1, "status");
	lua_getfield(L, -2, "body");
	lua_getfield(L, -3, "content_type");
	size_t len;
	const char *body = lua_tolstring(L, -2, &len);
	int status = (int)lua_tointeger(L, -3);
	const char *ctype = luaL_optstring(L, -1, JSON);
	lua_getfield(L, -4, "actor");
	const char *actor = lua_tostring(L, -1);
	add_headers(req, L, -5);
	respond(req, route, actor, status ? status : 500, ctype, body ? body : "", body ? len : 0, replay);
	lua_settop(L, top);
	return 0;
}

/* h2o refuses an oversized body from Content-Length before reading it,
 * with a plain-text 413. This filter rewrites that one answer into our JSON
 * error so that every error has the same shape. */
static char too_large_body[256];
static size_t too_large_len;

struct json413_ostream {
	h2o_ostream_t super;
};

static void json413_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t cnt,
			 h2o_send_state_t state)
{
	(void)bufs;
	(void)cnt;
	h2o_iovec_t body = h2o_iovec_init(too_large_body, too_large_len);
	if (h2o_send_state_is_in_progress(state)) {
		h2o_ostream_send_next(self, req, NULL, 0, state);
		return;
	}
	h2o_ostream_send_next(self, req, &body, 1, state);
}

static void json413_setup(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
	if (req->res.status == 413) {
		req->res.content_length = too_large_len;
		ssize_t i = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1);
		if (i != -1)
			req->res.headers.entries[i].value = h2o_iovec_init(H2O_STRLIT(JSON));
		h2o_iovec_t p = req->input.path;
		const char *route = "unknown";
		if (p.len >= 14 && memcmp(p.base, "/v1/complaints", 14) == 0)
			route = "complaints";
		else if (p.len >= 10 && memcmp(p.base, "/v1/cases/", 10) == 0)
			route = "events";
		else if (p.len >= 10 && memcmp(p.base, "/v1/outbox", 10) == 0)
			route = "outbox_ack";
		rd_metrics_request(route, 413);
		struct json413_ostream *os = (void *)h2o_add_ostream(req, sizeof *os, slot);
		os->super.do_send = json413_send;
		slot = &os->super.next;
	}
	h2o_setup_next_ostream(req, slot);
	(void)self;
}

static void on_accept(uv_stream_t *listener, int status)
{
	rd_server *srv = listener->data;
	if (status != 0 || srv->draining)
		return;
	uv_tcp_t *conn = malloc(sizeof *conn);
	if (!conn)
		return;
	uv_tcp_init(listener->loop, conn);
	if (uv_accept(listener, (uv_stream_t *)conn) != 0) {
		uv_close((uv_handle_t *)conn, (uv_close_cb)free);
		return;
	}
	h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)conn, (uv_close_cb)free);
	h2o_accept(&srv->accept_ctx, sock);
}

int rd_server_start(rd_server *srv, uv_loop_t *loop, lua_State *api, rd_engine *engine, const char *host,
		    int port, size_t max_body, int access_log, char *err, size_t errlen)
{
	memset(srv, 0, sizeof *srv);
	srv->access_log = access_log;
	the_server = srv;
	srv->loop = loop;
	srv->api = api;
	srv->engine = engine;

	too_large_len = rd_error_json(too_large_body, sizeof too_large_body, "payload_too_large",
				      "request body is larger than limits.max_body_bytes");
	h2o_config_init(&srv->config);
	srv->config.max_request_entity_size = max_body;
	srv->config.server_name = h2o_iovec_init(H2O_STRLIT("redressd"));
	h2o_hostconf_t *host_conf = h2o_config_register_host(&srv->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	h2o_pathconf_t *path = h2o_config_register_path(host_conf, "/", 0);
	h2o_handler_t *handler = h2o_create_handler(path, sizeof *handler);
	handler->on_req = on_req;
	/* the 413 is sent before path lookup, through the host's fallback path */
	h2o_filter_t *f = h2o_create_filter(&host_conf->fallback_path, sizeof *f);
	f->on_setup_ostream = json413_setup;
	f = h2o_create_filter(path, sizeof *f);
	f->on_setup_ostream = json413_setup;

	h2o_context_init(&srv->ctx, loop, &srv->config);
	srv->accept_ctx.ctx = &srv->ctx;
	srv->accept_ctx.hosts = srv->config.hosts;

	struct sockaddr_in addr;
	int rc = uv_ip4_addr(host, port, &addr);
	if (rc == 0)
		rc = uv_tcp_init(loop, &srv->listener);
	if (rc == 0) {
		srv->listener.data = srv;
		rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&addr, 0);
		if (rc == 0)
			rc = uv_listen((uv_stream_t *)&srv->listener, 1024, on_accept);
		if (rc != 0)
			uv_close((uv_handle_t *)&srv->listener, NULL);
	}
	if (rc != 0) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, uv_strerror(rc));
		return -1;
	}
	srv->listening = 1;
	struct sockaddr_storage bound;
	int blen = sizeof bound;
	uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &blen);
	srv->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
	return 0;
}

void rd_server_stop_accepting(rd_server *srv)
{
	srv->draining = 1;
	if (srv->listening) {
		uv_close((uv_handle_t *)&srv->listener, NULL);
		srv->listening = 0;
	}
	h2o_context_request_shutdown(&srv->ctx);
}

/* Whether h2o still has connections (or their timeouts) on this context.
 * (one_sec_timeout is left out: h2o keeps an entry of its own there for as
 * long as the context lives — which is also why h2o 2.2's
 * h2o_context_dispose asserts on a context that has served a request, and
 * why redressd does not call it: see close_loop in main.c.) */
static int has_connections(rd_server *srv)
{
	h2o_context_t *c = &srv->ctx;
	h2o_timeout_t *all[] = { &c->zero_timeout, &c->hundred_ms_timeout, &c->handshake_timeout,
				 &c->http1.req_timeout, &c->http2.idle_timeout, &c->http2.graceful_shutdown_timeout };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (!h2o_linklist_is_empty(&all[i]->_entries))
			return 1;
	return 0;
}

int rd_server_close_connections(rd_server *srv)
{
	/* Idle keep-alive connections wait on the request timeout, HTTP/2 ones
	 * (a client that opened with the HTTP/2 preface) on the idle and the
	 * graceful-shutdown timeouts: let them expire now, so h2o closes them
	 * itself, cleanly; then give closing sockets a few turns of the loop. */
	h2o_timeout_t *waits[] = { &srv->ctx.http1.req_timeout, &srv->ctx.http2.idle_timeout,
				   &srv->ctx.http2.graceful_shutdown_timeout };
	for (int round = 0; round < 200 && has_connections(srv); round++) {
		for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++) {
			waits[i]->timeout = 0;
			h2o_timeout_run(srv->loop, waits[i], h2o_now(srv->loop) + 1);
		}
		uv_run(srv->loop, UV_RUN_NOWAIT);
	}
	if (n_held == 0) { /* the engine has stopped: no answer will be held again */
		free(held);
		held = NULL;
		cap_held = 0;
	}
	return has_connections(srv) ? -1 : 0;
}

