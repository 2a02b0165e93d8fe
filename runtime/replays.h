/* replays.h — the what-if thread: stored history replayed under a candidate
 * pack (the console's What-if screen, POST /v1/replays), off the loop thread
 * and off the decision workers.
 *
 * One thread with its own Lua state runs redress.whatif, which shares
 * redress.replay with `redress replay`. It reads the store in short read
 * transactions (one per case, see store.end_read) and never writes: a
 * replay cannot hold up intake, a commit or a growth of the map. One replay
 * runs at a time; a request made while one is queued or running is refused
 * (the API answers 409). The last RD_REPLAYS_KEPT replays are kept in
 * memory, with at most RD_REPLAYS_MAX_CHANGES changed cases each: a restart
 * forgets them.
 *
 * The Lua side is the `rd.replays` module (luaopen_rd_replays): submit, get,
 * list and dirs for the API state; progress, change, finish for the replay
 * thread's state. In a process that did not start the thread (rd.so under
 * busted) submit answers nil, "unavailable".
 *
 * Threads: start and stop on the main thread; the module's functions on
 * any thread (one mutex guards the kept replays).
 */
#ifndef RD_REPLAYS_H
#define RD_REPLAYS_H

#include <lua.h>
#include <stddef.h>

#include "store.h"

#define RD_REPLAYS_KEPT 8
#define RD_REPLAYS_MAX_CHANGES 1000
/* The longest a replay waits between two cases for intake's work to end:
 * under constant load it still does about 1000 / this cases a second. */
#define RD_REPLAYS_GIVE_WAY_MS 20

/* Starts the replay thread (its Lua state loads redress.whatif); 0, or -1
 * with err filled. config_path must outlive the thread. busy(ud) (any
 * thread; may be NULL) says whether intake has work in hand: between two
 * cases the replay waits while it has, up to RD_REPLAYS_GIVE_WAY_MS. */
int rd_replays_start(rd_store *store, const char *config_path, int (*busy)(void *ud), void *busy_ud, char *err,
		     size_t errlen);
/* Stops a running replay at its next case and joins the thread. */
void rd_replays_stop(void);

/* Makes `require "rd.replays"` work in state L (the API's). */
void rd_replays_preload(lua_State *L);
int luaopen_rd_replays(lua_State *L);

#endif
