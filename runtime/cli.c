/* cli.c — `redress`: the offline command-line tool. */
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "../bindings/bindings.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: redress COMMAND [ARGS]\n"
		   "commands:\n"
		   "  version               print the version\n"
		   "  check-config FILE     validate a redressd config file and load its packs\n");
}

/* Loads the config and every pack it names, exactly as redressd's engine
 * does, without opening the store. */
static int check_config(const char *path)
{
	rd_lua_ctx ctx;
	lua_State *L = rd_lua_new(&ctx, NULL);
	if (!L) {
		fprintf(stderr, "redress: out of memory\n");
		return 1;
	}
	int rc = 1;
	lua_getglobal(L, "require");
	lua_pushliteral(L, "redress.engine");
	if (rd_lua_pcall(L, 1, 1) != LUA_OK)
		goto out;
	lua_getfield(L, -1, "new");
	lua_pushstring(L, path);
	if (rd_lua_pcall(L, 1, 1) != LUA_OK)
		goto out;
	lua_getfield(L, -1, "packs");
	printf("%s: ok\n", path);
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_getfield(L, -1, "version");
		lua_getfield(L, -2, "dir");
		printf("  pack %s %s (%s)\n", lua_tostring(L, -4), lua_tostring(L, -2), lua_tostring(L, -1));
		lua_pop(L, 3);
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "redress: %s\n", lua_tostring(L, -1));
	rd_lua_close(L);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("redress %s (engine API %s)\n", RD_VERSION, RD_ENGINE_API);
		return 0;
	}
	if (strcmp(argv[1], "check-config") == 0 && argc == 3)
		return check_config(argv[2]);
	fprintf(stderr, "redress: unknown command or arguments: %s\n", argv[1]);
	usage(stderr);
	return 2;
}
