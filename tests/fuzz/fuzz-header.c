/* Fuzzes the reading of answer headers (Link rel="next", x-next-page,
 * Retry-After): the server chooses them, and a next link read wrong would
 * end a tree early.  Each input line is one header. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct fetch_answer a;

	memset(&a, 0, sizeof a);
	a.retry_after = -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		fetch_header(&a, p, n);
		p += n;
	}
	if (strnlen(a.next_link, sizeof a.next_link) == sizeof a.next_link ||
	    strnlen(a.next_page, sizeof a.next_page) == sizeof a.next_page || a.retry_after < -1)
		abort();
	/* a link is kept whole or flagged, never cut */
	if (a.next_link[0] != '\0' && memmem(data, size, a.next_link, strlen(a.next_link)) == NULL)
		abort();
	return 0;
}
