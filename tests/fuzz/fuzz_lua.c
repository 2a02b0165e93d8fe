/* fuzz_lua.c — libFuzzer targets whose code under test is Lua (the runtime
 * and the stdlib). liblua is not instrumented, so a line hook feeds
 * libFuzzer's extra counters with the Lua lines an input reaches: the
 * fuzzer is guided by Lua coverage. FUZZ_TARGET names a function in
 * tests/fuzz/targets.lua; it must not raise for any input (expected
 * failures are return values), so a raise is a finding and aborts. */
#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bindings/bindings.h"
#include "../../runtime/store_lua.h"

#define NCOUNTERS 65536
__attribute__((section("__libfuzzer_extra_counters"))) static uint8_t counters[NCOUNTERS];

static lua_State *L;
static rd_lua_ctx ctx;

static void line_hook(lua_State *l, lua_Debug *ar)
{
	lua_getinfo(l, "S", ar);
	uintptr_t h = (uintptr_t)ar->source * 31u + (uintptr_t)ar->currentline * 2654435761u;
	counters[h % NCOUNTERS]++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	L = rd_lua_new(&ctx);
	if (!L || !rd_store_lua_attach(L, NULL, 1)) { /* no store: as `redress decide` */
		fprintf(stderr, "fuzz: cannot make a Lua state\n");
		abort();
	}
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "path");
	lua_pushfstring(L, "%s;%s/tests/fuzz/?.lua", lua_tostring(L, -1), rd_home());
	lua_setfield(L, -3, "path");
	lua_pop(L, 2);
	lua_getglobal(L, "require");
	lua_pushliteral(L, "targets");
	if (rd_lua_pcall(L, 1, 1, RD_PCALL_TRACEBACK) != LUA_OK) {
		fprintf(stderr, "fuzz: %s\n", lua_tostring(L, -1));
		abort();
	}
	lua_getfield(L, -1, FUZZ_TARGET);
	if (!lua_isfunction(L, -1)) {
		fprintf(stderr, "fuzz: no target %s\n", FUZZ_TARGET);
		abort();
	}
	lua_setfield(L, LUA_REGISTRYINDEX, "fuzz.target");
	lua_settop(L, 0);
	lua_sethook(L, line_hook, LUA_MASKLINE, 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lua_getfield(L, LUA_REGISTRYINDEX, "fuzz.target");
	lua_pushlstring(L, (const char *)data, size);
	if (rd_lua_pcall(L, 1, 0, RD_PCALL_TRACEBACK) != LUA_OK) {
		fprintf(stderr, "fuzz %s: the code under test raised: %s\n", FUZZ_TARGET, lua_tostring(L, -1));
		abort();
	}
	lua_settop(L, 0);
	lua_gc(L, LUA_GCSTEP, 0);
	return 0;
}
