/* The C core's JSON error body: the same shape as the Lua side's, escaped,
 * and cut to fit without splitting a UTF-8 character. */
#include <string.h>

#include "../../runtime/errors.h"
#include "check.h"

int main(void)
{
	char buf[512];
	size_t n = rd_error_json(buf, sizeof buf, "internal", "internal error; nothing was written");
	CHECK(strcmp(buf, "{\"error\":{\"code\":\"internal\",\"message\":\"internal error; nothing was written\","
			  "\"field\":null}}") == 0);
	CHECK(n == strlen(buf));

	rd_error_json(buf, sizeof buf, "bad", "a \"quote\", a \\ and a\nnewline");
	CHECK(strstr(buf, "a \\\"quote\\\", a \\\\ and a\\u000anewline") != NULL);

	/* a long Thai message in a small buffer: cut between characters */
	char msg[400] = "";
	for (int i = 0; i < 40; i++)
		strcat(msg, "ข้อ"); /* 9 bytes each */
	char small[100];
	n = rd_error_json(small, sizeof small, "x", msg);
	CHECK(n < sizeof small && n == strlen(small));
	CHECK(strcmp(small + n - 16, "\",\"field\":null}}") == 0);
	/* every byte before the tail completes its character */
	const unsigned char *m = (const unsigned char *)strstr(small, "\"message\":\"") + 11;
	const unsigned char *end = (const unsigned char *)small + n - 16;
	while (m < end) {
		int len = *m < 0x80 ? 1 : *m >= 0xF0 ? 4 : *m >= 0xE0 ? 3 : 2;
		CHECK(m + len <= end);
		m += len;
	}
	return CHECK_DONE();
}
