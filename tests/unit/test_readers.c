/* Readers: the queue's limits — at most RD_READERS_MAX_PER_ACTOR reads of one
 * token wait, another token's still queue, the whole queue holds at most
 * RD_READERS_MAX_QUEUED — checked with the thread held, so what waits is
 * exactly what was submitted (a spec through the daemon depends on how fast
 * the loop reads its connections). Then every accepted read is answered. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../runtime/readers.h"
#include "check.h"

static char dir[] = "/tmp/redress-test-readers-XXXXXX";

/* The thread asks busy() before each read: the first call holds it until
 * released, so the reads submitted meanwhile all wait in the queue. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int entered, released;

static int busy(void *ud)
{
	(void)ud;
	pthread_mutex_lock(&mu);
	if (!entered) {
		entered = 1;
		pthread_cond_broadcast(&cv);
		while (!released)
			pthread_cond_wait(&cv, &mu);
	}
	pthread_mutex_unlock(&mu);
	return 0;
}

static int answered, ok, refused_share, refused_full;

static void done(rd_read *r)
{
	answered++;
	if (r->status == 200)
		ok++;
	else if (r->status == 503 && r->body && strstr(r->body, "this token has too many"))
		refused_share++;
	else if (r->status == 503 && r->body && strstr(r->body, "too many reads are waiting"))
		refused_full++;
	rd_read_free(r);
}

static void submit(const char *actor)
{
	rd_read *r = calloc(1, sizeof *r);
	r->name = strdup("cases");
	r->query = strdup("{\"query\":{},\"now_ms\":0}");
	r->route = "cases";
	r->actor = strdup(actor);
	rd_readers_submit(r);
}

static void test_shares(void)
{
	rd_store store;
	char err[512];
	CHECK(rd_store_open(&store, dir, 1 << 20, err, sizeof err) == RD_OK);
	uv_loop_t loop;
	uv_loop_init(&loop);
	CHECK(rd_readers_start(&loop, &store, done, busy, NULL, err, sizeof err) == 0);

	/* one read takes the thread, which holds before running it */
	submit("0000000000aa read");
	pthread_mutex_lock(&mu);
	while (!entered)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);

	/* token A: its share waits, the next read is refused at once */
	for (int i = 0; i < RD_READERS_MAX_PER_ACTOR; i++)
		submit("3f2a9c1b7d04 read");
	CHECK(answered == 0);
	submit("3f2a9c1b7d04 read");
	CHECK(answered == 1 && refused_share == 1);
	/* token B (another fingerprint, the same roles) still queues, up to
	 * the whole queue's limit: tokens C, D… fill it, then any is refused */
	submit("9e1d2c3b4a50 read");
	CHECK(answered == 1);
	int queued = RD_READERS_MAX_PER_ACTOR + 1;
	for (char t = 'c'; queued < RD_READERS_MAX_QUEUED; t++) {
		char actor[32];
		snprintf(actor, sizeof actor, "%c0000000000%c agent", t, t);
		for (int i = 0; i < RD_READERS_MAX_PER_ACTOR && queued < RD_READERS_MAX_QUEUED; i++, queued++)
			submit(actor);
	}
	CHECK(answered == 1);
	submit("ffffffffffff admin");
	CHECK(answered == 2 && refused_full == 1);

	/* released: every accepted read runs and is answered on the loop */
	pthread_mutex_lock(&mu);
	released = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	int want = 2 + 1 + RD_READERS_MAX_QUEUED; /* the refused, the first, the queue */
	for (int ms = 0; answered < want && ms < 60000; ms++) { /* a minute, under valgrind too */
		uv_run(&loop, UV_RUN_NOWAIT);
		if (answered < want)
			usleep(1000);
	}
	CHECK(answered == want);
	CHECK(ok == 1 + RD_READERS_MAX_QUEUED);

	rd_readers_stop();
	uv_run(&loop, UV_RUN_DEFAULT); /* the async handle's close */
	CHECK(uv_loop_close(&loop) == 0);
	rd_store_close(&store);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_shares();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return CHECK_DONE();
}
