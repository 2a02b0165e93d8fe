/* rd_lua_idle_step (bindings/state.c): a state stepped only while idle
 * still makes its major collections. Each round here builds a batch of
 * tables and keeps it through two steps, so the batch grows old, then
 * drops it: old garbage, which only a major collection frees. A round
 * allocates less than a young collection waits for (20 % of the memory in
 * use), so Lua's own steps never run: every collection is the idle step's.
 * A step asked for with LUA_GCSTEP 0 zeroes the debt, never collects the
 * old generation, and memory grows by a batch a round (past 17 MB here,
 * against under 8 MB). A step that collected more than Lua's schedule asks
 * (a full collection each time) would keep memory near the live data: the
 * old garbage must be let grow towards the major multiplier (twice the
 * memory after the last major collection). The live data's build leaves
 * the state in the incremental mode of a bad collection, so the first
 * steps run that path too. */
#include <lauxlib.h>
#include <stdio.h>

#include "../../bindings/bindings.h"
#include "check.h"

#define ROUNDS 400

int main(void)
{
	rd_lua_ctx ctx;
	lua_State *L = rd_lua_new(&ctx);
	CHECK(L != NULL);
	if (!L)
		return CHECK_DONE();
	/* live data the size of a worker's packs, so a batch is small beside it */
	CHECK(luaL_dostring(L, "live = {} for i = 1, 40000 do live[i] = { i } end "
			       "function round() older, newer = newer, {} "
			       "for i = 1, 300 do newer[i] = { i, tostring(i) } end end") == LUA_OK);
	rd_lua_idle_step(L);
	rd_lua_idle_step(L);
	int base = lua_gc(L, LUA_GCCOUNT);
	int most = base;
	for (int r = 0; r < ROUNDS; r++) {
		lua_getglobal(L, "round");
		CHECK(lua_pcall(L, 0, 0, 0) == LUA_OK);
		rd_lua_idle_step(L);
		int kb = lua_gc(L, LUA_GCCOUNT);
		if (kb > most)
			most = kb;
	}
	/* the major multiplier lets memory reach about twice the base before a
	 * major collection; a state that never makes one ends far past it */
	printf("memory: %d KB after the live data, at most %d KB over %d rounds\n", base, most, ROUNDS);
	CHECK(most < base * 3);
	CHECK(most > base * 3 / 2);
	/* what is live is still there */
	CHECK(luaL_dostring(L, "assert(#live == 40000 and #newer == 300 and #older == 300)") == LUA_OK);
	rd_lua_close(L);
	return CHECK_DONE();
}
