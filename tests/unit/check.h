/* check.h — the C unit tests' only framework: CHECK records a failure with
 * file:line and goes on; main returns the failure count. Output ends with
 * the plain "N passed, N failed" line. */
#ifndef RD_CHECK_H
#define RD_CHECK_H
#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (cond) {                                                            \
			check_passed++;                                                \
		} else {                                                               \
			check_failed++;                                                \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                      \
	} while (0)

#define CHECK_DONE()                                                                   \
	(printf("%d passed, %d failed\n", check_passed, check_failed), check_failed ? 1 : 0)

#endif
