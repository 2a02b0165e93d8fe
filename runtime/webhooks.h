/* webhooks.h — push delivery of the outbox to the subscriptions in the
 * config (`webhooks = { … }`), over HTTP or HTTPS with libcurl.
 *
 * One delivery thread walks each subscription's cursor through the outbox
 * in sequence order: an item of a type the subscription takes is POSTed,
 * signed with HMAC-SHA256; a 2xx moves the cursor on, anything else is
 * retried with exponential backoff, and after the last attempt the item goes
 * to the subscription's dead-letter list and the cursor moves past it.
 * Cursors and dead letters are written by the engine's writer (a "webhook"
 * job), so the writer stays the only thread that commits. Delivery is at
 * least once: a cursor not yet committed when the daemon stops is redone.
 *
 * Threads: start, stop on the loop thread; wake from any thread.
 */
#ifndef RD_WEBHOOKS_H
#define RD_WEBHOOKS_H

#include <lua.h>
#include <pthread.h>
#include <stdint.h>

#include "engine.h"
#include "store.h"

struct rd_webhook_sub;

typedef struct rd_webhooks {
	rd_store *store;
	rd_engine *engine;
	struct rd_webhook_sub *subs;
	int n;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running, quit, woken;
} rd_webhooks;

/* Reads the subscriptions from the validated config table at index cfg of
 * L (its `webhooks` list). Returns 0, or -1 with err filled. */
int rd_webhooks_configure(rd_webhooks *w, lua_State *L, int cfg, char *err, size_t errlen);
/* Starts the delivery thread (none when there are no subscriptions). */
int rd_webhooks_start(rd_webhooks *w, rd_store *store, rd_engine *engine, char *err, size_t errlen);
/* New outbox rows were committed: deliver without waiting. */
void rd_webhooks_wake(void *w);
/* Stops the thread (an attempt in flight ends with its timeout) and frees. */
void rd_webhooks_stop(rd_webhooks *w);

#endif
