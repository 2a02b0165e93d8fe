/* errors.c — the C core's JSON error body (see errors.h). */
#include "errors.h"

#include <stdio.h>
#include <string.h>

/* Appends s to buf at *at as JSON string content (quotes, backslashes and
 * control characters escaped), leaving room for end bytes. */
static void escaped(char *buf, size_t size, size_t *at, const char *s, size_t end)
{
	size_t start = *at;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char tmp[8];
		size_t n;
		if (c == '"' || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			n = 2;
		} else if (c < 0x20) {
			n = (size_t)snprintf(tmp, sizeof tmp, "\\u%04x", c);
		} else {
			tmp[0] = (char)c;
			n = 1;
		}
		if (*at + n + end >= size) {
			/* cut before the character this byte belongs to, never inside it */
			if ((c & 0xC0) == 0x80) {
				while (*at > start && ((unsigned char)buf[*at - 1] & 0xC0) == 0x80)
					(*at)--;
				if (*at > start)
					(*at)--;
			}
			return;
		}
		memcpy(buf + *at, tmp, n);
		*at += n;
	}
}

size_t rd_error_json(char *buf, size_t size, const char *code, const char *message)
{
	static const char tail[] = "\",\"field\":null}}";
	if (size < 64)
		return 0;
	size_t at = 0;
	int n = snprintf(buf, size, "{\"error\":{\"code\":\"");
	at = (size_t)n;
	escaped(buf, size, &at, code, sizeof tail + 16);
	memcpy(buf + at, "\",\"message\":\"", 13);
	at += 13;
	escaped(buf, size, &at, message, sizeof tail);
	memcpy(buf + at, tail, sizeof tail); /* with its NUL */
	return at + sizeof tail - 1;
}
