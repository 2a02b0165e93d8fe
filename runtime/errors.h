/* errors.h — the JSON error body every failure the C core answers with:
 * {"error":{"code":…,"message":…,"field":null}}, the same shape as the Lua
 * side's (redress.json.error_body). One builder, so no answer can differ. */
#ifndef RD_ERRORS_H
#define RD_ERRORS_H

#include <stddef.h>

/* Writes the body into buf (NUL-terminated; the message is escaped and cut
 * to fit) and returns its length. code is a word; message is UTF-8 text. */
size_t rd_error_json(char *buf, size_t size, const char *code, const char *message);

#endif
