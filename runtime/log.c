/* log.c — JSON-lines logger. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static enum rd_log_level min_level = RD_LOG_INFO;
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;
static const char *const level_names[] = { "debug", "info", "warn", "error" };

void rd_log_set_level(enum rd_log_level lvl)
{
	min_level = lvl;
}

static size_t put(char *buf, size_t len, size_t cap, const char *s, size_t n)
{
	if (len + n < cap)
		memcpy(buf + len, s, n);
	return len + n;
}

/* 1 for a byte a JSON string takes as it is: not a quote, a backslash or a
 * control character (UTF-8 passes: log text is UTF-8 or the caller's). */
static int plain_byte(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

size_t rd_json_quote(char *buf, size_t len, size_t cap, const char *s)
{
	len = put(buf, len, cap, "\"", 1);
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		/* a run of bytes that need nothing, copied at once */
		const unsigned char *run = p;
		while (*p && plain_byte(*p))
			p++;
		if (p > run)
			len = put(buf, len, cap, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		char esc[8];
		switch (*p) {
		case '"': len = put(buf, len, cap, "\\\"", 2); break;
		case '\\': len = put(buf, len, cap, "\\\\", 2); break;
		case '\n': len = put(buf, len, cap, "\\n", 2); break;
		case '\r': len = put(buf, len, cap, "\\r", 2); break;
		case '\t': len = put(buf, len, cap, "\\t", 2); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			len = put(buf, len, cap, esc, 6);
		}
		p++;
	}
	return put(buf, len, cap, "\"", 1);
}

/* Two digits, or three, of v into out. */
static void digits(char *out, int v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		out[i] = (char)('0' + v % 10);
}

/* The line's head, {"ts":"…","level":"…","msg": — the date and time of the
 * second kept per thread: a busy daemon logs a line per request, and
 * formatting the whole time each time cost most of a line. */
static size_t format_head(char *head, enum rd_log_level lvl)
{
	static __thread time_t last_sec = (time_t)-1;
	static __thread char last_text[64]; /* 2026-12-02T08:57:12 */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last_sec) {
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(last_text, sizeof last_text, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		last_sec = ts.tv_sec;
	}
	size_t n = 0;
	memcpy(head, "{\"ts\":\"", 7);
	n = 7;
	size_t tl = strlen(last_text);
	memcpy(head + n, last_text, tl);
	n += tl;
	head[n++] = '.';
	digits(head + n, (int)(ts.tv_nsec / 1000000), 3);
	n += 3;
	memcpy(head + n, "Z\",\"level\":\"", 12);
	n += 12;
	size_t ll = strlen(level_names[lvl]);
	memcpy(head + n, level_names[lvl], ll);
	n += ll;
	memcpy(head + n, "\",\"msg\":", 8);
	n += 8;
	return n;
}

/* Writes the line's fields into buf (up to cap) and returns the length the
 * whole line needs, written or not. */
static size_t format_fields(char *buf, size_t cap, const char *head, size_t hn, const char *msg, va_list ap)
{
	size_t len = put(buf, 0, cap, head, hn);
	len = rd_json_quote(buf, len, cap, msg);
	const char *k;
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		len = put(buf, len, cap, ",", 1);
		len = rd_json_quote(buf, len, cap, k);
		len = put(buf, len, cap, ":", 1);
		if (v && v[0] == '#')
			len = put(buf, len, cap, v + 1, strlen(v + 1));
		else
			len = rd_json_quote(buf, len, cap, v ? v : "");
	}
	return len;
}

/* The calling thread's held lines (rd_log_hold): a thread that never
 * holds never touches the pages. */
#define HOLD_CAP (32 * 1024)
static __thread char held[HOLD_CAP];
static __thread size_t held_len;
static __thread int holding;

/* Writes len bytes to stderr, under the log's mutex, whole. */
static void write_out(const char *buf, size_t len)
{
	pthread_mutex_lock(&log_mutex);
	fflush(stderr);
	int fd = fileno(stderr);
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* stderr is gone: nothing better to do with a log line */
		buf += w;
		len -= (size_t)w;
	}
	pthread_mutex_unlock(&log_mutex);
}

/* Writes what the calling thread holds. */
static void flush_held(void)
{
	if (held_len)
		write_out(held, held_len);
	held_len = 0;
}

void rd_log_hold(int on)
{
	holding = on;
	if (!on)
		flush_held();
}

/* A finished line (ending in a newline): held, or written. */
static void emit(enum rd_log_level lvl, const char *buf, size_t len)
{
	if (holding && lvl <= RD_LOG_INFO && len <= HOLD_CAP) {
		if (held_len + len > HOLD_CAP)
			flush_held();
		memcpy(held + held_len, buf, len);
		held_len += len;
		return;
	}
	flush_held(); /* what was held comes first */
	write_out(buf, len);
}

void rd_log(enum rd_log_level lvl, const char *msg, ...)
{
	if (lvl < min_level)
		return;
	char stack[4096];
	char head[96];
	size_t n = format_head(head, lvl);
	va_list ap, again;
	va_start(ap, msg);
	va_copy(again, ap);
	char *buf = stack;
	size_t len = format_fields(stack, sizeof stack - 2, head, n, msg, ap);
	if (len >= sizeof stack - 2) {
		/* a long line (a reload's pack list, a policy error with its
		 * trace): format it again, whole, on the heap */
		buf = malloc(len + 3);
		if (buf) {
			len = format_fields(buf, len + 1, head, n, msg, again);
		} else {
			buf = stack;
			len = put(buf, 0, sizeof stack - 2, head, n);
			len = rd_json_quote(buf, len, sizeof stack - 2, "log line too long for the memory left; fields dropped");
		}
	}
	va_end(again);
	va_end(ap);
	buf[len++] = '}';
	buf[len++] = '\n';
	emit(lvl, buf, len);
	if (buf != stack)
		free(buf);
}

void rd_thread_name(const char *name)
{
	prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0); /* a name is a help, not a need: no error to report */
}
