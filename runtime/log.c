/* log.c — JSON-lines logger. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

size_t rd_json_quote(char *buf, size_t len, size_t cap, const char *s)
{
	len = put(buf, len, cap, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		switch (*p) {
		case '"': len = put(buf, len, cap, "\\\"", 2); break;
		case '\\': len = put(buf, len, cap, "\\\\", 2); break;
		case '\n': len = put(buf, len, cap, "\\n", 2); break;
		case '\r': len = put(buf, len, cap, "\\r", 2); break;
		case '\t': len = put(buf, len, cap, "\\t", 2); break;
		default:
			if (*p < 0x20) {
				snprintf(esc, sizeof esc, "\\u%04x", *p);
				len = put(buf, len, cap, esc, 6);
			} else {
				len = put(buf, len, cap, (const char *)p, 1);
			}
		}
	}
	return put(buf, len, cap, "\"", 1);
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

void rd_log(enum rd_log_level lvl, const char *msg, ...)
{
	if (lvl < min_level)
		return;
	char stack[4096];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char head[96];
	int n = snprintf(head, sizeof head, "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":\"%s\",\"msg\":",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 ts.tv_nsec / 1000000, level_names[lvl]);
	va_list ap, again;
	va_start(ap, msg);
	va_copy(again, ap);
	char *buf = stack;
	size_t len = format_fields(stack, sizeof stack - 2, head, (size_t)n, msg, ap);
	if (len >= sizeof stack - 2) {
		/* a long line (a reload's pack list, a policy error with its
		 * trace): format it again, whole, on the heap */
		buf = malloc(len + 3);
		if (buf) {
			len = format_fields(buf, len + 1, head, (size_t)n, msg, again);
		} else {
			buf = stack;
			len = put(buf, 0, sizeof stack - 2, head, (size_t)n);
			len = rd_json_quote(buf, len, sizeof stack - 2, "log line too long for the memory left; fields dropped");
		}
	}
	va_end(again);
	va_end(ap);
	buf[len++] = '}';
	buf[len++] = '\n';
	pthread_mutex_lock(&log_mutex);
	fwrite(buf, 1, len, stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_mutex);
	if (buf != stack)
		free(buf);
}
