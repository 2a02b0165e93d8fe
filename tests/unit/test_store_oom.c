/* rd.store's reads of many rows (range, range_rev, scan, paired) when the
 * state runs out of memory while the rows become Lua strings: the call
 * fails with a Lua error, no LMDB cursor or row list is left behind (the
 * valgrind and sanitizer runs of this test look for leaks), and the same
 * state reads every row afterwards. */
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../bindings/bindings.h"
#include "../../runtime/store_lua.h"
#include "check.h"

enum { ROWS = 400, VALUE = 300 };

static int fill(const char *dir)
{
	rd_store s;
	char err[256];
	if (rd_store_open(&s, dir, 16 << 20, err, sizeof err) != RD_OK)
		return -1;
	rd_txn *txn;
	int rc = rd_store_write_begin(&s, &txn);
	char key[16], value[VALUE];
	memset(value, 'v', sizeof value);
	for (int i = 0; rc == RD_OK && i < ROWS; i++) {
		int klen = snprintf(key, sizeof key, "C%05d", i);
		rc = rd_store_put(&s, txn, RD_DB_EVENTS, key, (size_t)klen, value, sizeof value);
		if (rc == RD_OK)
			rc = rd_store_put(&s, txn, RD_DB_DECISIONS, key, (size_t)klen, value, sizeof value);
	}
	rc = rc == RD_OK ? rd_store_commit(txn) : (rd_store_abort(txn), rc);
	rd_store_close(&s);
	return rc;
}

/* Runs chunk (given the store module) with the state's memory capped at
 * what it uses now plus room; → whether it failed, with the message. */
static int fails_capped(lua_State *L, rd_lua_ctx *ctx, const char *chunk, long long room, char *msg, size_t cap)
{
	CHECK(luaL_loadstring(L, chunk) == LUA_OK);
	lua_getglobal(L, "store");
	lua_gc(L, LUA_GCCOLLECT);
	ctx->mem_limit = ctx->mem_used + room;
	int rc = lua_pcall(L, 1, 1, 0);
	ctx->mem_limit = 0;
	snprintf(msg, cap, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
	lua_pop(L, 1);
	return rc != LUA_OK;
}

static lua_Integer rows_read(lua_State *L, const char *chunk)
{
	CHECK(luaL_loadstring(L, chunk) == LUA_OK);
	lua_getglobal(L, "store");
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		fprintf(stderr, "%s\n", lua_tostring(L, -1));
		lua_pop(L, 1);
		return -1;
	}
	lua_Integer n = lua_tointeger(L, -1);
	lua_pop(L, 1);
	return n;
}

int main(void)
{
	char dir[] = "/tmp/redress-oom-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	CHECK(fill(dir) == RD_OK);

	rd_lua_ctx ctx;
	lua_State *L = rd_lua_new(&ctx);
	CHECK(L != NULL);
	if (!L)
		return CHECK_DONE();
	CHECK(rd_store_lua_attach(L, NULL, 1) != NULL);
	luaL_requiref(L, "rd.store", luaopen_rd_store, 0);
	lua_setglobal(L, "store");
	lua_getglobal(L, "store");
	lua_getfield(L, -1, "open_readonly");
	lua_pushstring(L, dir);
	CHECK(lua_pcall(L, 1, 1, 0) == LUA_OK && lua_toboolean(L, -1));
	lua_pop(L, 2);

	static const struct {
		const char *name, *chunk; /* the chunk gives how many rows it read */
	} reads[] = {
		{ "range", "local s = ...; return #s.range('events', nil, nil, 1000)" },
		{ "range_rev", "local s = ...; return #s.range_rev('events', nil, nil, 1000)" },
		{ "scan", "local s = ...; return #s.scan('events', nil, nil, 1000, { 'vvv' })" },
		{ "paired", "local s = ...; local _, n = s.paired('events', 'decisions', nil, nil, 1000, false); return n" },
	};
	for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
		char msg[256];
		/* room for the first rows, not for all of them */
		int failed = fails_capped(L, &ctx, reads[i].chunk, 40 * 1024, msg, sizeof msg);
		CHECK(failed && strstr(msg, "memory") != NULL);
		if (!failed || !strstr(msg, "memory"))
			fprintf(stderr, "%s under the cap: %s\n", reads[i].name, msg);
		lua_Integer n = rows_read(L, reads[i].chunk);
		CHECK(n == ROWS);
		if (n != ROWS)
			fprintf(stderr, "%s afterwards: %lld rows\n", reads[i].name, (long long)n);
	}

	rd_lua_close(L);
	char path[256];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
	return CHECK_DONE();
}
