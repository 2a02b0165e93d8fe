/* store_lua.c — the `rd.store` module for the daemon's trusted Lua (see
 * store_lua.h; `rd.metrics` is metrics_lua.c). Keys and values are built in
 * runtime/lua/redress/store.lua, the only Lua that requires `rd.store`. */
#define _GNU_SOURCE /* memmem */
#include "store_lua.h"

#include <lauxlib.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../bindings/bindings.h"
#include "metrics.h"

static const char HOST_KEY[] = "rd.store.host";

typedef struct host {
	rd_store_lua pub;
	rd_store owned; /* the store opened by store.open_readonly */
} host;

rd_store_lua *rd_store_lua_of(lua_State *L)
{
	return rd_lua_context(L)->host;
}

void rd_store_lua_end_read(lua_State *L)
{
	rd_store_lua *h = rd_store_lua_of(L);
	if (h && h->lazy_read && h->txn) {
		rd_store_read_end(h->store, h->txn);
		h->txn = NULL;
	}
}

/* Runs when the state closes: ends a lazy read, closes an owned store. */
static int host_gc(lua_State *L)
{
	host *h = lua_touserdata(L, 1);
	rd_store_lua_end_read(L);
	if (h->pub.owns_store) {
		rd_store_close(&h->owned);
		h->pub.owns_store = 0;
	}
	h->pub.store = NULL;
	rd_lua_context(L)->host = NULL;
	return 0;
}

/* Makes the state's host data, once; raises on out of memory. */
static int make_host(lua_State *L)
{
	rd_lua_ctx *ctx = rd_lua_context(L);
	if (ctx->host)
		return 0;
	host *h = lua_newuserdatauv(L, sizeof *h, 0);
	memset(h, 0, sizeof *h);
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, host_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, HOST_KEY); /* lives as long as the state */
	ctx->host = &h->pub;
	return 0;
}

lua_State *rd_store_lua_new(rd_lua_ctx *ctx, rd_store *store)
{
	lua_State *L = rd_lua_new(ctx);
	if (L && !rd_store_lua_attach(L, store, 1)) {
		rd_lua_close(L);
		L = NULL;
	}
	return L;
}

rd_store_lua *rd_store_lua_attach(lua_State *L, rd_store *store, int lazy_read)
{
	lua_pushcfunction(L, make_host);
	if (rd_lua_pcall(L, 0, 0, RD_PCALL_PLAIN) != LUA_OK) {
		lua_pop(L, 1);
		return NULL;
	}
	rd_store_lua *h = rd_store_lua_of(L);
	h->store = store;
	h->lazy_read = lazy_read;
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_rd_store);
	lua_setfield(L, -2, "rd.store");
	lua_pushcfunction(L, luaopen_rd_metrics);
	lua_setfield(L, -2, "rd.metrics");
	lua_pushcfunction(L, luaopen_rd_dashboard);
	lua_setfield(L, -2, "rd.dashboard");
	lua_pushcfunction(L, luaopen_rd_summary);
	lua_setfield(L, -2, "rd.summary");
	lua_pop(L, 1);
	return h;
}

static rd_store_lua *host_of(lua_State *L)
{
	rd_store_lua *h = rd_store_lua_of(L);
	if (h == NULL || h->store == NULL)
		luaL_error(L, "store: this Lua state has no store");
	return h;
}

static rd_txn *current_txn(lua_State *L, rd_store_lua *h)
{
	if (h->txn == NULL && h->lazy_read) {
		int rc = rd_store_read_begin(h->store, &h->txn);
		if (rc)
			luaL_error(L, "store: %s", rd_store_strerror(rc));
	}
	if (h->txn == NULL)
		luaL_error(L, "store: no transaction is open here");
	return h->txn;
}

static int check_db(lua_State *L, int arg)
{
	int db = rd_db_from_name(luaL_checkstring(L, arg));
	if (db < 0)
		luaL_argerror(L, arg, "not a database of the store");
	return db;
}

static int store_fail(lua_State *L, int rc, const char *op)
{
	return luaL_error(L, "store %s: %s", op, rd_store_strerror(rc));
}

static void add_to_writes(lua_State *L, rd_store_lua *h, int op, int db, const char *k, size_t klen, const void *v,
			  size_t vlen)
{
	int rc = rd_writes_add(h->ws, op, db, k, klen, v, vlen);
	if (rc)
		luaL_error(L, "store: %s", rd_store_strerror(rc));
}

/** store.get(db, key [, nocheck]) → value string or nil. With a write set
 * (a decision worker), what the set wrote wins, and the value read from the
 * snapshot is recorded as a check unless nocheck (a read whose change later
 * must not undo the decision, e.g. other cases for a summary). */
static int l_get(lua_State *L)
{
	rd_store_lua *h = host_of(L);
	rd_txn *txn = current_txn(L, h);
	int db = check_db(L, 1);
	size_t klen, vlen;
	const char *k = luaL_checklstring(L, 2, &klen);
	const void *v;
	if (h->ws) {
		int f = rd_writes_find(h->ws, db, k, klen, &v, &vlen);
		if (f) {
			if (f == 1)
				lua_pushlstring(L, v, vlen);
			else
				lua_pushnil(L);
			return 1;
		}
	}
	int rc = rd_store_get(h->store, txn, db, k, klen, &v, &vlen);
	if (rc && rc != RD_ENOTFOUND)
		return store_fail(L, rc, "get");
	if (h->ws && !lua_toboolean(L, 3) && !rd_writes_checks(h->ws, db, k, klen)) {
		if (rc == RD_ENOTFOUND)
			add_to_writes(L, h, RD_OP_CHECK_ABSENT, db, k, klen, NULL, 0);
		else
			add_to_writes(L, h, RD_OP_CHECK, db, k, klen, v, vlen);
	}
	if (rc == RD_ENOTFOUND)
		lua_pushnil(L);
	else
		lua_pushlstring(L, v, vlen);
	return 1;
}

/** store.put(db, key, value) */
static int l_put(lua_State *L)
{
	rd_store_lua *h = host_of(L);
	rd_txn *txn = h->ws ? NULL : current_txn(L, h);
	int db = check_db(L, 1);
	size_t klen, vlen;
	const char *k = luaL_checklstring(L, 2, &klen);
	const char *v = luaL_checklstring(L, 3, &vlen);
	if (h->ws) {
		add_to_writes(L, h, RD_OP_PUT, db, k, klen, v, vlen);
		return 0;
	}
	int rc = rd_store_put(h->store, txn, db, k, klen, v, vlen);
	if (rc)
		return store_fail(L, rc, "put");
	return 0;
}

/** store.del(db, key) → true when the key existed */
static int l_del(lua_State *L)
{
	rd_store_lua *h = host_of(L);
	rd_txn *txn = current_txn(L, h);
	int db = check_db(L, 1);
	size_t klen;
	const char *k = luaL_checklstring(L, 2, &klen);
	if (h->ws) {
		const void *v;
		size_t vlen;
		int f = rd_writes_find(h->ws, db, k, klen, &v, &vlen);
		int existed = f == 1;
		if (!f) {
			int rc = rd_store_get(h->store, txn, db, k, klen, &v, &vlen);
			if (rc && rc != RD_ENOTFOUND)
				return store_fail(L, rc, "del");
			existed = rc == RD_OK;
		}
		add_to_writes(L, h, RD_OP_DEL, db, k, klen, NULL, 0);
		lua_pushboolean(L, existed);
		return 1;
	}
	int rc = rd_store_del(h->store, txn, db, k, klen);
	if (rc && rc != RD_ENOTFOUND)
		return store_fail(L, rc, "del");
	lua_pushboolean(L, rc == RD_OK);
	return 1;
}

/** store.outbox_append(tail): a decision worker's outbox row; the writer
 * numbers it (see rd_writes in store.h). tail: the row's JSON without its
 * opening brace. */
static int l_outbox_append(lua_State *L)
{
	rd_store_lua *h = host_of(L);
	size_t len;
	const char *tail = luaL_checklstring(L, 1, &len);
	if (!h->ws)
		return luaL_error(L, "store.outbox_append: only a decision worker writes the outbox");
	add_to_writes(L, h, RD_OP_OUTBOX, RD_DB_OUTBOX, "", 0, tail, len);
	return 0;
}

/** store.add(db, key, deltas): a decision worker adds deltas ("name\tinteger"
 * lines) to a running-count row when the writer applies the set (RD_OP_ADD in
 * store.h): decisions that touch the same row never conflict over it. */
/* The worker's host, the database (1) and key (2) of an op only a decision
 * worker's write set takes; raises "store.<fn>: …" elsewhere. */
static rd_store_lua *worker_row(lua_State *L, const char *fn, int *db, const char **k, size_t *klen)
{
	rd_store_lua *h = host_of(L);
	*db = check_db(L, 1);
	*k = luaL_checklstring(L, 2, klen);
	if (!h->ws)
		luaL_error(L, "store.%s: only a decision worker's write set takes it", fn);
	return h;
}

static int l_add(lua_State *L)
{
	int db;
	size_t klen, vlen;
	const char *k;
	rd_store_lua *h = worker_row(L, "add", &db, &k, &klen);
	const char *v = luaL_checklstring(L, 3, &vlen);
	add_to_writes(L, h, RD_OP_ADD, db, k, klen, v, vlen);
	return 0;
}

/** store.at_most(db, key, name, limit): the set applies only if the
 * running-count row's line name is then at most limit (RD_OP_AT_MOST in
 * store.h: a cap decisions share, checked by the writer where they meet). */
static int l_at_most(lua_State *L)
{
	int db;
	size_t klen, nlen;
	const char *k;
	rd_store_lua *h = worker_row(L, "at_most", &db, &k, &klen);
	const char *name = luaL_checklstring(L, 3, &nlen);
	lua_Integer limit = luaL_checkinteger(L, 4);
	if (nlen == 0 || memchr(name, '\t', nlen) || memchr(name, '\n', nlen))
		return luaL_error(L, "store.at_most: a line's name is a non-empty word without tabs or newlines");
	lua_pushfstring(L, "%s\t%I", name, limit);
	size_t vlen;
	const char *v = lua_tolstring(L, -1, &vlen);
	add_to_writes(L, h, RD_OP_AT_MOST, db, k, klen, v, vlen);
	lua_pop(L, 1);
	return 0;
}

/* The rows a scan finds, as pointers into the map (valid while the read
 * lasts), gathered with no Lua call: a Lua error inside LMDB's cursor loop
 * (out of memory, making a string) would leave the cursor open. They are
 * pushed to Lua after the scan. The list lives in a userdata whose __gc
 * frees it, so an error while they are pushed frees it too. */
struct found {
	lua_Integer n, cap, limit;
	int oom;
	struct found_row {
		const void *k, *v;
		size_t klen, vlen;
	} *row;
};

static const char FOUND_MT[] = "rd.store.found";

/* Gives the list's memory back at once (its __gc then has nothing to do). */
static void found_free(struct found *f)
{
	free(f->row);
	f->row = NULL;
	f->n = f->cap = 0;
}

static int found_gc(lua_State *L)
{
	found_free(lua_touserdata(L, 1));
	return 0;
}

/* A new, empty list for at most limit rows, on top of the stack. */
static struct found *found_new(lua_State *L, lua_Integer limit)
{
	struct found *f = lua_newuserdatauv(L, sizeof *f, 0);
	memset(f, 0, sizeof *f);
	f->limit = limit;
	rd_getfield(L, LUA_REGISTRYINDEX, FOUND_MT);
	lua_setmetatable(L, -2);
	return f;
}

/* rd_store_range's callback (ud: a struct found): keeps one row; stops the
 * scan at the limit, or when memory runs out (f->oom, raised after the
 * cursor is closed). */
static int found_row(void *ud, const void *k, size_t klen, const void *v, size_t vlen)
{
	struct found *f = ud;
	if (f->n >= f->limit)
		return 1;
	if (f->n == f->cap) {
		lua_Integer cap = f->cap ? f->cap * 2 : 64;
		void *grown = (size_t)cap <= SIZE_MAX / sizeof *f->row ? realloc(f->row, (size_t)cap * sizeof *f->row) : NULL;
		if (!grown) {
			f->oom = 1;
			return 1;
		}
		f->row = grown;
		f->cap = cap;
	}
	f->row[f->n++] = (struct found_row){ k, v, klen, vlen };
	return f->n >= f->limit;
}

/* Pushes the rows found as two lists, keys and values, and frees the list. */
static void push_found(lua_State *L, struct found *f)
{
	lua_createtable(L, (int)(f->n < INT_MAX ? f->n : INT_MAX), 0);
	lua_createtable(L, (int)(f->n < INT_MAX ? f->n : INT_MAX), 0);
	for (lua_Integer i = 0; i < f->n; i++) {
		lua_pushlstring(L, f->row[i].k, f->row[i].klen);
		lua_rawseti(L, -3, i + 1);
		lua_pushlstring(L, f->row[i].v, f->row[i].vlen);
		lua_rawseti(L, -2, i + 1);
	}
	found_free(f);
}

/* What range and scan are asked: (db, a, b, …), a and b optional keys. */
struct span {
	rd_store_lua *h;
	rd_txn *txn;
	int db;
	const char *a, *b;
	size_t alen, blen;
};

static struct span span_args(lua_State *L)
{
	struct span sp = { .h = host_of(L) };
	sp.txn = current_txn(L, sp.h);
	sp.db = check_db(L, 1);
	sp.a = luaL_optlstring(L, 2, NULL, &sp.alen);
	sp.b = luaL_optlstring(L, 3, NULL, &sp.blen);
	return sp;
}

static int range(lua_State *L, int reverse)
{
	struct span sp = span_args(L);
	struct found *f = found_new(L, luaL_optinteger(L, 4, 1000));
	rd_store *st = sp.h->store;
	int rc = f->limit <= 0 ? RD_OK
			       : reverse ? rd_store_range(st, sp.txn, sp.db, sp.b, sp.blen, sp.a, sp.alen, 1, found_row, f)
					 : rd_store_range(st, sp.txn, sp.db, sp.a, sp.alen, sp.b, sp.blen, 0, found_row, f);
	if (f->oom)
		return luaL_error(L, "store.%s: out of memory", reverse ? "range_rev" : "range");
	if (rc)
		return store_fail(L, rc, reverse ? "range_rev" : "range");
	push_found(L, f);
	return 2;
}

/** store.range(db, from, to, limit) → keys, values: rows with from <= key < to
 * in key order (from or to nil: unbounded), at most limit rows. */
static int l_range(lua_State *L)
{
	return range(L, 0);
}

struct counted {
	lua_Integer limit, n;
};

static int count_row(void *ud, const void *k, size_t klen, const void *v, size_t vlen)
{
	(void)k, (void)klen, (void)v, (void)vlen;
	struct counted *r = ud;
	return ++r->n >= r->limit;
}

/** store.count(db, from, to, limit) → how many rows range would give (from
 * <= key < to, at most limit), none of them copied out of the store: a
 * backlog's size, counted to ten thousand, is not ten thousand strings. */
static int l_count(lua_State *L)
{
	struct span sp = span_args(L);
	struct counted r = { luaL_optinteger(L, 4, 1000), 0 };
	int rc = r.limit <= 0 ? RD_OK : rd_store_range(sp.h->store, sp.txn, sp.db, sp.a, sp.alen, sp.b, sp.blen, 0, count_row, &r);
	if (rc)
		return store_fail(L, rc, "count");
	lua_pushinteger(L, r.n);
	return 1;
}

/* A scan's state: the rows kept, the needles every kept value holds, and
 * the last key looked at (in the map, as the rows: the next page starts
 * after it). */
struct scan {
	lua_State *L;
	struct found *found;
	lua_Integer looked, limit;
	int needles; /* stack index of the needles' list */
	size_t nneedles;
	const void *last;
	size_t last_len;
};

static int scan_row(void *ud, const void *k, size_t klen, const void *v, size_t vlen)
{
	struct scan *sc = ud;
	lua_State *L = sc->L;
	sc->looked++;
	sc->last = k;
	sc->last_len = klen;
	int keep = 1;
	for (size_t i = 1; keep && i <= sc->nneedles; i++) {
		size_t nlen; /* raw reads of strings: no Lua error can come of them */
		lua_rawgeti(L, sc->needles, (lua_Integer)i);
		const char *needle = lua_tolstring(L, -1, &nlen);
		keep = needle && memmem(v, vlen, needle, nlen) != NULL;
		lua_pop(L, 1);
	}
	if (keep && found_row(sc->found, k, klen, v, vlen))
		return 1;
	return sc->looked >= sc->limit;
}

/** store.scan(db, from, to, limit, needles) → keys, values, last, looked:
 * looks at up to limit rows with from <= key < to in key order (from or to
 * nil: unbounded) and keeps those whose value holds every string of the
 * list needles, found by a plain byte search on the stored bytes, so the
 * rows skipped are never copied into Lua; last: the key of the last row
 * looked at (nil when none), looked: how many. */
static int l_scan(lua_State *L)
{
	struct span sp = span_args(L);
	lua_Integer limit = luaL_checkinteger(L, 4);
	luaL_checktype(L, 5, LUA_TTABLE);
	struct scan sc = { .L = L, .limit = limit, .needles = 5 };
	sc.nneedles = lua_rawlen(L, 5);
	for (size_t i = 1; i <= sc.nneedles; i++) {
		if (lua_rawgeti(L, 5, (lua_Integer)i) != LUA_TSTRING)
			return luaL_error(L, "store.scan: needles must be strings");
		lua_pop(L, 1);
	}
	lua_settop(L, 5);
	sc.found = found_new(L, limit);
	int rc = limit <= 0 ? RD_OK : rd_store_range(sp.h->store, sp.txn, sp.db, sp.a, sp.alen, sp.b, sp.blen, 0, scan_row, &sc);
	if (sc.found->oom)
		return luaL_error(L, "store.scan: out of memory");
	if (rc)
		return store_fail(L, rc, "scan");
	push_found(L, sc.found);
	if (sc.looked > 0)
		lua_pushlstring(L, sc.last, sc.last_len);
	else
		lua_pushnil(L);
	lua_pushinteger(L, sc.looked);
	return 4;
}

/** store.range_rev(db, below, from, limit) → keys, values: rows with
 * from <= key < below in descending key order (below nil: from the last;
 * from nil: to the first), at most limit rows. */
static int l_range_rev(lua_State *L)
{
	return range(L, 1);
}

/** store.paired(db, with, from, to, limit, newest) → text, n, oldest: the
 * values of db's rows with from <= key < to (at most limit: the first ones,
 * or the last ones when newest), oldest first, each followed by the value
 * under the same key in db `with` when it has one, joined by "," into one
 * text; n: how many rows of db; oldest: the first one's key (nil when
 * none). A case's timeline, its events each with its decision, is one
 * string built here rather than a Lua string per row joined in Lua. Reads
 * only: a write set's own rows are not looked at, so inside one it raises. */
static int l_paired(lua_State *L)
{
	rd_store_lua *h = host_of(L);
	if (h->ws)
		return luaL_error(L, "store.paired: only outside a write set");
	rd_txn *txn = current_txn(L, h);
	int db = check_db(L, 1), with = check_db(L, 2);
	size_t alen, blen;
	const char *a = luaL_optlstring(L, 3, NULL, &alen), *b = luaL_optlstring(L, 4, NULL, &blen);
	lua_Integer limit = luaL_checkinteger(L, 5);
	int newest = lua_toboolean(L, 6);
	lua_settop(L, 6);
	struct found *f = found_new(L, limit); /* 7, kept there while the text is built */
	int rc = limit <= 0 ? RD_OK : rd_store_range(h->store, txn, db, a, alen, b, blen, newest, found_row, f);
	if (f->oom)
		return luaL_error(L, "store.paired: out of memory");
	if (rc)
		return store_fail(L, rc, "paired");
	luaL_Buffer out;
	luaL_buffinit(L, &out);
	for (lua_Integer i = 0; i < f->n; i++) {
		lua_Integer at = newest ? f->n - 1 - i : i;
		if (i > 0)
			luaL_addchar(&out, ',');
		luaL_addlstring(&out, f->row[at].v, f->row[at].vlen);
		const void *v;
		size_t vlen;
		rc = rd_store_get(h->store, txn, with, f->row[at].k, f->row[at].klen, &v, &vlen);
		if (rc == RD_OK) {
			luaL_addchar(&out, ',');
			luaL_addlstring(&out, v, vlen);
		} else if (rc != RD_ENOTFOUND) {
			return store_fail(L, rc, "paired");
		}
	}
	luaL_pushresult(&out);
	lua_pushinteger(L, f->n);
	if (f->n > 0)
		lua_pushlstring(L, f->row[newest ? f->n - 1 : 0].k, f->row[newest ? f->n - 1 : 0].klen);
	else
		lua_pushnil(L);
	found_free(f);
	return 3;
}

/** store.open_readonly(dir) → true | nil, message: gives this state (the
 * CLI's) a read-only store; store calls then read in one lazily opened read
 * transaction, a consistent snapshot for the whole command. */
static int l_open_readonly(lua_State *L)
{
	const char *dir = luaL_checkstring(L, 1);
	make_host(L);
	host *h = (host *)rd_store_lua_of(L);
	if (h->pub.store)
		return luaL_error(L, "store.open_readonly: this state already has a store");
	char err[1024];
	if (rd_store_open_readonly(&h->owned, dir, err, sizeof err) != RD_OK) {
		lua_pushnil(L);
		lua_pushstring(L, err);
		return 2;
	}
	h->pub.store = &h->owned;
	h->pub.lazy_read = 1;
	h->pub.owns_store = 1;
	lua_pushboolean(L, 1);
	return 1;
}

/** store.end_read(): ends the state's lazily opened read transaction (a
 * no-op when none is open, or in a worker's state, whose transaction is
 * the job's). */
static int l_end_read(lua_State *L)
{
	rd_store_lua_end_read(L);
	return 0;
}

/** store.backup(dir, file) → what it covers (JSON) | nil, message */
static int l_backup(lua_State *L)
{
	char info[1024], err[1024];
	if (rd_store_backup(luaL_checkstring(L, 1), luaL_checkstring(L, 2), info, sizeof info, err, sizeof err) != RD_OK) {
		lua_pushnil(L);
		lua_pushstring(L, err);
		return 2;
	}
	lua_pushstring(L, info);
	return 1;
}

/** store.restore(file, dir, force) → what the backup covers (JSON) | nil, message */
static int l_restore(lua_State *L)
{
	char info[1024], err[1024];
	if (rd_store_restore(luaL_checkstring(L, 1), luaL_checkstring(L, 2), lua_toboolean(L, 3), info, sizeof info, err,
			     sizeof err) != RD_OK) {
		lua_pushnil(L);
		lua_pushstring(L, err);
		return 2;
	}
	lua_pushstring(L, info);
	return 1;
}

int luaopen_rd_store(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "get", l_get },
		{ "put", l_put },
		{ "del", l_del },
		{ "range", l_range },
		{ "range_rev", l_range_rev },
		{ "paired", l_paired },
		{ "count", l_count },
		{ "scan", l_scan },
		{ "at_most", l_at_most },
		{ "outbox_append", l_outbox_append },
		{ "add", l_add },
		{ "open_readonly", l_open_readonly },
		{ "end_read", l_end_read },
		{ "backup", l_backup },
		{ "restore", l_restore },
		{ NULL, NULL },
	};
	rd_lua_adopt(L); /* stock lua5.4 loading rd.so: the context lives there */
	if (luaL_newmetatable(L, FOUND_MT)) { /* found_new's: frees a scan's rows */
		lua_pushcfunction(L, found_gc);
		lua_setfield(L, -2, "__gc");
	}
	lua_pop(L, 1);
	luaL_newlib(L, fns);
	return 1;
}

