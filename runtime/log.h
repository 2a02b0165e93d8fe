/* log.h — JSON-lines logs on stderr: one object per line, safe from any thread. */
#ifndef RD_LOG_H
#define RD_LOG_H

#include <stddef.h>

enum rd_log_level { RD_LOG_DEBUG, RD_LOG_INFO, RD_LOG_WARN, RD_LOG_ERROR };

void rd_log_set_level(enum rd_log_level lvl);
/* fields: alternating key, value strings, NULL-terminated. A value that
 * starts with "#" is written as a raw JSON number (the "#" is dropped). */
void rd_log(enum rd_log_level lvl, const char *msg, ...);

/* Holds the calling thread's info and debug lines in a buffer of its own
 * (on); off writes what is held, in one write, as does a full buffer; a
 * warning or an error writes what is held, then itself, at once. The loop thread holds the access lines of the
 * answers the engine hands back together and writes them before it sends
 * the first (http.c). */
void rd_log_hold(int on);

/* Appends s as a JSON string literal (with quotes) to buf; returns the new
 * length, or a length >= cap when it did not fit. */
size_t rd_json_quote(char *buf, size_t len, size_t cap, const char *s);

/* Names the calling thread, as top -H, ps -L and /proc/<pid>/task/<tid>/comm
 * show it (at most 15 bytes are kept): an operator sees which of the
 * daemon's threads uses the CPU. */
void rd_thread_name(const char *name);

#endif
