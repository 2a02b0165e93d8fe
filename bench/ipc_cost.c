/* ipc_cost.c — what handing a decision to a worker costs, by mechanism:
 * a thread (mutex + condition variable, the job passed by pointer) against
 * a process (the job's bytes through a socketpair and back). The message
 * is the size of a retail case view and of its decision; the JSON encode
 * and decode a process would add on both sides are measured by
 * bench/ipc_cost.sh beside it. Prints microseconds per round trip.
 *   build/ipc_cost [round trips] [bytes]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static char *slot;
static int turn; /* 1: the worker's, 2: the caller's, 3: stop */

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (turn != 1 && turn != 3)
			pthread_cond_wait(&cv, &mu);
		if (turn == 3)
			break;
		slot[0]++; /* "decide" */
		turn = 2;
		pthread_cond_broadcast(&cv);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

static int full(int fd, char *buf, size_t n, int writing)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = writing ? write(fd, buf + done, n - done) : read(fd, buf + done, n - done);
		if (r <= 0)
			return -1;
		done += (size_t)r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;
	size_t bytes = argc > 2 ? (size_t)atol(argv[2]) : 6000;
	char *buf = calloc(1, bytes);
	if (!buf || n <= 0)
		return 2;

	pthread_t t;
	slot = buf;
	pthread_create(&t, NULL, worker, NULL);
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&mu);
		turn = 1;
		pthread_cond_broadcast(&cv);
		while (turn != 2)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
	}
	double thread_us = (now_s() - t0) / n * 1e6;
	pthread_mutex_lock(&mu);
	turn = 3;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(t, NULL);

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		while (full(sv[1], buf, bytes, 0) == 0) {
			buf[0]++;
			if (full(sv[1], buf, bytes, 1) != 0)
				break;
		}
		_exit(0);
	}
	close(sv[1]);
	t0 = now_s();
	for (long i = 0; i < n; i++)
		if (full(sv[0], buf, bytes, 1) != 0 || full(sv[0], buf, bytes, 0) != 0)
			return 1;
	double process_us = (now_s() - t0) / n * 1e6;
	close(sv[0]);
	waitpid(pid, NULL, 0);
	printf("thread handoff %.1f us, process round trip of %zu bytes each way %.1f us\n", thread_us, bytes,
	       process_us);
	free(buf);
	return 0;
}
