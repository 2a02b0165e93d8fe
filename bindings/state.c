/* state.c — making a Lua state: capped allocator, libraries, search path. */
#define _GNU_SOURCE
#include "bindings.h"

#include <dlfcn.h>

#include <lauxlib.h>
#include <limits.h>
#include <lua-cjson.h>
#include <lualib.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef REDRESS_MIMALLOC
#include <mimalloc.h>
#endif

#ifndef REDRESS_SOURCE_DIR
#define REDRESS_SOURCE_DIR "."
#endif

static char home[PATH_MAX];

/* rd_home's search (bindings.h). An installed tree keeps the Lua in
 * <prefix>/share/redress (CMakeLists.txt's install rules) and the binaries
 * in <prefix>/bin: the prefix is read from the executable's own path. */
static void find_home(void)
{
	const char *env = getenv("REDRESS_HOME");
	if (env && *env) {
		snprintf(home, sizeof home, "%s", env);
		return;
	}
	char exe[PATH_MAX], probe[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	char *slash = strrchr(exe, '/'); /* <prefix>/bin/redressd */
	if (slash) {
		*slash = '\0';
		slash = strrchr(exe, '/');
	}
	if (slash) {
		*slash = '\0'; /* <prefix> */
		snprintf(probe, sizeof probe, "%s/share/redress/runtime/lua/redress/engine.lua", exe);
		if (access(probe, R_OK) == 0 && snprintf(home, sizeof home, "%s/share/redress", exe) < (int)sizeof home)
			return;
	}
	snprintf(home, sizeof home, "%s", REDRESS_SOURCE_DIR);
}

const char *rd_home(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, find_home);
	return home;
}

/* The allocator every state uses. While a sandboxed call runs, mem_limit
 * caps the total: a policy that allocates without end gets a memory error
 * (caught by the call's pcall), never the process. States made here take
 * their blocks from mimalloc where the build has it (REDRESS_MIMALLOC: a
 * Lua decision is a storm of small blocks, and mimalloc's free lists cost
 * about a tenth of a decision's instructions less than glibc's; see
 * docs/PERFORMANCE.md); a state adopted from stock lua5.4 already holds
 * glibc blocks, so it keeps realloc and free. */
#define CAPPED_ALLOC(name, MALLOC, REALLOC, FREE)                                                          \
	static void *name(void *ud, void *ptr, size_t osize, size_t nsize)                                 \
	{                                                                                                  \
		rd_lua_ctx *ctx = ud;                                                                      \
		long long old = ptr ? (long long)osize : 0;                                                \
		if (nsize == 0) {                                                                          \
			FREE(ptr);                                                                         \
			ctx->mem_used -= old;                                                              \
			return NULL;                                                                       \
		}                                                                                          \
		if (ctx->mem_limit && (long long)nsize > old &&                                            \
		    ctx->mem_used + ((long long)nsize - old) > ctx->mem_limit) {                           \
			ctx->mem_tripped = 1;                                                              \
			return NULL;                                                                       \
		}                                                                                          \
		/* most calls make a new block: straight to the allocator */                               \
		void *p = ptr ? REALLOC(ptr, nsize) : MALLOC(nsize);                                       \
		if (p)                                                                                     \
			ctx->mem_used = ctx->mem_used - old + (long long)nsize;                            \
		return p;                                                                                  \
	}

CAPPED_ALLOC(capped_alloc, malloc, realloc, free)
#ifdef REDRESS_MIMALLOC
CAPPED_ALLOC(capped_mi_alloc, mi_malloc, mi_realloc, mi_free)
#else
#define capped_mi_alloc capped_alloc
#endif

static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

int rd_lua_pcall(lua_State *L, int nargs, int nresults, int flags)
{
	if (!(flags & RD_PCALL_TRACEBACK))
		return lua_pcall(L, nargs, nresults, 0);
	int base = lua_gettop(L) - nargs;
	lua_pushcfunction(L, traceback);
	lua_insert(L, base);
	int rc = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	return rc;
}

void rd_lua_idle_step(lua_State *L)
{
	int kb = lua_gc(L, LUA_GCCOUNT);
	lua_gc(L, LUA_GCSTEP, kb / 5 + 1);
}

rd_lua_ctx *rd_lua_context(lua_State *L)
{
	void *ud;
	lua_getallocf(L, &ud);
	return ud;
}

#define RD_KEYS 256 /* names kept per state; past them, plain lua_pushstring */
_Static_assert(RD_KEYS == 256, "rd_pushkey hashes to the top 8 bits");

struct rd_keys {
	const char *name[RD_KEYS]; /* by the text's address, open addressing */
	int ref[RD_KEYS];          /* the interned string in the registry */
};

void rd_pushkey(lua_State *L, const char *k)
{
	void *ud;
	lua_Alloc f = lua_getallocf(L, &ud);
	rd_lua_ctx *ctx = ud;
	/* a state that is not ours (a module required before rd adopted it) */
	if (f != capped_alloc && f != capped_mi_alloc) {
		lua_pushstring(L, k);
		return;
	}
	struct rd_keys *c = ctx->keys;
	if (!c && !(c = ctx->keys = calloc(1, sizeof *c))) {
		lua_pushstring(L, k);
		return;
	}
	/* Knuth's multiplicative hash of the address: its top 8 bits */
	uint32_t h = ((uint32_t)((uintptr_t)k >> 3) * 2654435761u) >> 24;
	for (unsigned probe = 0; probe < 8; probe++) {
		unsigned i = (h + probe) & (RD_KEYS - 1);
		if (c->name[i] == k) {
			lua_rawgeti(L, LUA_REGISTRYINDEX, c->ref[i]);
			return;
		}
		if (!c->name[i]) {
			lua_pushstring(L, k);
			lua_pushvalue(L, -1);
			c->ref[i] = luaL_ref(L, LUA_REGISTRYINDEX);
			c->name[i] = k; /* after the ref: a memory error leaves no entry */
			return;
		}
	}
	lua_pushstring(L, k);
}

int rd_getfield(lua_State *L, int t, const char *k)
{
	t = lua_absindex(L, t);
	rd_pushkey(L, k);
	return lua_gettable(L, t);
}

void rd_setfield(lua_State *L, int t, const char *k)
{
	t = lua_absindex(L, t);
	rd_pushkey(L, k);
	lua_insert(L, -2);
	lua_settable(L, t);
}

/* type(v) and math.type(v) as the base and math libraries define them
 * (luaB_type, math_type: the same checks and messages), answering with
 * names interned once, as the closure's upvalues: the library's own push
 * the name from C text through the API's string cache on every call, and
 * the engine, the stdlib and policies ask type() dozens of times a
 * decision. */
static int fast_type(lua_State *L)
{
	int t = lua_type(L, 1);
	luaL_argcheck(L, t != LUA_TNONE, 1, "value expected");
	lua_pushvalue(L, lua_upvalueindex(t + 1));
	return 1;
}

static int fast_math_type(lua_State *L)
{
	if (lua_type(L, 1) == LUA_TNUMBER) {
		lua_pushvalue(L, lua_upvalueindex(lua_isinteger(L, 1) ? 1 : 2));
	} else {
		luaL_checkany(L, 1);
		luaL_pushfail(L);
	}
	return 1;
}

void rd_typenames_install(lua_State *L)
{
	for (int t = 0; t < LUA_NUMTYPES; t++)
		lua_pushstring(L, lua_typename(L, t));
	lua_pushcclosure(L, fast_type, LUA_NUMTYPES);
	lua_setglobal(L, "type");
	if (lua_getglobal(L, "math") == LUA_TTABLE) {
		lua_pushliteral(L, "integer");
		lua_pushliteral(L, "float");
		lua_pushcclosure(L, fast_math_type, 2);
		lua_setfield(L, -2, "type");
	}
	lua_pop(L, 1);
}

int rd_lua_is(lua_State *L, int idx, const char *want)
{
	size_t len;
	if (lua_type(L, idx) != LUA_TSTRING)
		return 0;
	const char *s = lua_tolstring(L, idx, &len);
	return len == strlen(want) && memcmp(s, want, len) == 0;
}

void rd_lua_adopt(lua_State *L)
{
	void *ud;
	lua_Alloc f = lua_getallocf(L, &ud);
	if (f == capped_alloc || f == capped_mi_alloc)
		return;
	/* Stock Lua allocates with realloc/free too, so its blocks can be freed
	 * by capped_alloc. The context must outlive lua_close (which allocates
	 * through it to the end), so it is malloc'd and kept for the process:
	 * one small block per adopted state. */
	/* lua_close unloads C modules before its last frees; pin this library
	 * so capped_alloc is still mapped then. */
	Dl_info info;
	if (dladdr((void *)capped_alloc, &info) && info.dli_fname)
		dlopen(info.dli_fname, RTLD_NOW | RTLD_NODELETE);
	rd_lua_ctx *ctx = calloc(1, sizeof *ctx);
	if (!ctx)
		luaL_error(L, "rd: out of memory");
	lua_setallocf(L, capped_alloc, ctx);
}

lua_State *rd_lua_new(rd_lua_ctx *ctx)
{
	memset(ctx, 0, sizeof *ctx);
	lua_State *L = lua_newstate(capped_mi_alloc, ctx);
	if (!L)
		return NULL;
	luaL_openlibs(L);
	rd_typenames_install(L);
	rd_patterns_install(L);
	rd_charged_install(L);
	/* Most garbage here dies young (one request's tables). */
	lua_gc(L, LUA_GCGEN, 0, 0);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_cjson);
	lua_setfield(L, -2, "cjson");
	lua_pushcfunction(L, luaopen_rd);
	lua_setfield(L, -2, "rd");
	lua_pushcfunction(L, luaopen_rd_icu);
	lua_setfield(L, -2, "rd.icu");
	lua_pushcfunction(L, luaopen_rd_json);
	lua_setfield(L, -2, "rd.json");
	lua_pop(L, 1);

	const char *home = rd_home();
	lua_getglobal(L, "package");
	lua_pushfstring(L, "%s/runtime/lua/?.lua;%s/stdlib/?.lua;%s/stdlib/?/init.lua", home, home, home);
	lua_setfield(L, -2, "path");
	lua_pushliteral(L, "");
	lua_setfield(L, -2, "cpath"); /* no C modules but ours */
	lua_pop(L, 1);
	return L;
}

void rd_lua_close(lua_State *L)
{
	if (!L)
		return;
	rd_lua_ctx *ctx = rd_lua_context(L);
	lua_close(L);
	free(ctx->keys);
	ctx->keys = NULL;
}
