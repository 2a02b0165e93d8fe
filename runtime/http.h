/* http.h — the HTTP/1.1 front door (h2o on libuv). Routing, validation and
 * reads are done by the API Lua state (runtime/lua/redress/api.lua) on the
 * loop thread, but for the reads that scan, which the readers thread runs
 * (readers.h); writes become engine jobs answered after their commit. */
#ifndef RD_HTTP_H
#define RD_HTTP_H

#include <h2o.h>
#include <lua.h>

#include "../bindings/bindings.h"
#include "engine.h"
#include "readers.h"

typedef struct rd_server {
	uv_loop_t *loop;
	h2o_globalconf_t config;
	h2o_context_t ctx;
	h2o_accept_ctx_t accept_ctx;
	uv_tcp_t listener;
	int listening;
	lua_State *api;          /* the API state: loop thread only */
	rd_engine *engine;
	int draining;
	long inflight;           /* jobs and reads submitted and not yet answered */
	int port;                /* the bound port */
	int access_log;          /* a log line per answered request */
} rd_server;

/* Binds host:port (port 0: any free port) and starts serving. */
int rd_server_start(rd_server *srv, uv_loop_t *loop, lua_State *api, rd_engine *engine, const char *host,
		    int port, size_t max_body, int access_log, char *err, size_t errlen);
/* Stops accepting; new requests on open connections get 503. */
void rd_server_stop_accepting(rd_server *srv);
/* Submits a job of the daemon's own (kind "reload"); its answer is logged. */
int rd_server_submit_internal(rd_server *srv, const char *kind);
/* Engine callback: answers a finished job (loop thread); with NULL, sends
 * the answers held since the last NULL (their access lines first). */
void rd_server_job_done(rd_job *job);
/* Readers callback: answers a finished read (loop thread; readers.h). */
void rd_server_read_done(rd_read *read);
/* At exit: closes the connections still open (idle keep-alive ones, idle
 * HTTP/2 ones);
 * 0 when none is left, -1 when some would not close. */
int rd_server_close_connections(rd_server *srv);

#endif
