/* cli.c — `redress`: the offline command-line tool. The commands live in
 * runtime/lua/redress/cli.lua; this file makes the Lua state and passes
 * the arguments. */
#define _GNU_SOURCE
#include <lauxlib.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../bindings/bindings.h"
#include "replays.h"
#include "store_lua.h"
#include "version.h"

/* The folder holding lua/rd.so, the bindings for stock busted (`pack
 * test`): <prefix>/lib/redress in an installed tree (CMakeLists.txt's
 * install rules), else beside the binary (a build tree). */
static void module_dir(char *out, size_t size)
{
	char exe[PATH_MAX], probe[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	const char *bin = n > 0 ? dirname(exe) : ".";
	snprintf(probe, sizeof probe, "%s/../lib/redress/lua/rd.so", bin);
	if (access(probe, R_OK) == 0)
		snprintf(out, size, "%s/../lib/redress", bin);
	else
		snprintf(out, size, "%s", bin);
}

/* Appends Lua's default search path (luaconf.h's LUA_PATH_DEFAULT: where
 * Debian's lua-* packages put pure-Lua modules, e.g. lua-argparse) after
 * rd_home's, so the CLI can require packaged libraries while the project's
 * own modules still come first. Its "./" entries are left out: the working
 * directory must not supply code. The daemon's states keep rd_home's path
 * alone, and policies never see package.path (their require is a table). */
static void add_system_path(lua_State *L)
{
	luaL_Buffer b;
	lua_getglobal(L, "package");
	luaL_buffinit(L, &b);
	lua_getfield(L, -2, "path");
	luaL_addvalue(&b);
	for (const char *p = LUA_PATH_DEFAULT; *p;) {
		size_t n = strcspn(p, ";");
		if (strncmp(p, "./", 2) != 0) {
			luaL_addchar(&b, ';');
			luaL_addlstring(&b, p, n);
		}
		p += n + (p[n] == ';');
	}
	luaL_pushresult(&b);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
}

int main(int argc, char **argv)
{
	/* `redress version --help` and stray arguments go to the parser */
	if (argc == 2 && (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0)) {
		printf("redress %s (engine API %s)\nhome: %s\n", RD_VERSION, RD_ENGINE_API, rd_home());
		return 0;
	}
	rd_lua_ctx ctx;
	lua_State *L = rd_store_lua_new(&ctx, NULL); /* store.open_readonly gives it one */
	if (!L) {
		fprintf(stderr, "redress: out of memory\n");
		return 1;
	}
	add_system_path(L);
	rd_replays_preload(L); /* redress.api's: `timers` reads through it (no replay thread here) */
	char modules[PATH_MAX + 32];
	module_dir(modules, sizeof modules);

	int rc = 1;
	lua_getglobal(L, "require");
	lua_pushliteral(L, "redress.cli");
	if (rd_lua_pcall(L, 1, 1, RD_PCALL_PLAIN) != LUA_OK) /* a user error */
		goto fail;
	lua_getfield(L, -1, "main");
	lua_createtable(L, argc, 0);
	for (int i = 1; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i);
	}
	lua_pushstring(L, rd_home());
	lua_pushstring(L, modules);
	if (rd_lua_pcall(L, 3, 1, RD_PCALL_PLAIN) != LUA_OK) /* the CLI's messages are for people */
		goto fail;
	rc = (int)lua_tointeger(L, -1);
	rd_lua_close(L);
	return rc;
fail:
	fprintf(stderr, "redress: %s\n", lua_tostring(L, -1));
	rd_lua_close(L);
	return 1;
}
