/*
 * Fuzz target for lib/cmdline.c.
 *
 * Input: byte 0 is the buffer size for cmdline_get (0-255), bytes up to
 * the first NUL (at most 16) the key, and what follows the command line
 * (cut at its first NUL).  The command line and the buffer are heap
 * blocks of exactly their size, so a read or write past them is caught.
 * Also asks for the keys the kernel uses.
 */
#include <stdbool.h>
#include <string.h>

#include "lib/cmdline.h"
#include "tests/fuzz/fuzz.h"

#define KEY_MAX 16

static char *heap_string(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* cmdline_get with a cap-byte buffer: its results must agree with each other. */
static void check_get(const char *cmdline, const char *key, size_t cap)
{
	char *buf = malloc(cap ? cap : 1);
	bool has = cmdline_has(cmdline, key);
	int n;

	if (!buf)
		abort();
	n = cmdline_get(cmdline, key, buf, cap);
	CHECK(n >= -2);
	if (n >= 0) {
		CHECK(has);
		CHECK((size_t)n < cap && strlen(buf) == (size_t)n);
		/* The value fits exactly in n + 1 bytes and not in n. */
		if (n > 0) {
			char *small = malloc((size_t)n);

			if (!small)
				abort();
			CHECK(cmdline_get(cmdline, key, small, (size_t)n) == -2);
			free(small);
		}
	} else if (!has) {
		CHECK(n == -1);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kernel_keys[] = { "run", "test", "" };
	size_t klen = 0, rest, cap;
	char *key, *cmdline;

	if (size < 1)
		return 0;
	cap = data[0];
	data++, size--;
	while (klen < size && klen < KEY_MAX && data[klen] != 0)
		klen++;
	key = heap_string(data, klen);
	rest = klen < size && data[klen] == 0 ? klen + 1 : klen;	/* past the key's NUL */
	cmdline = heap_string(data + rest, strnlen((const char *)data + rest, size - rest));

	check_get(cmdline, key, cap);
	for (size_t i = 0; i < sizeof(kernel_keys) / sizeof(kernel_keys[0]); i++)
		check_get(cmdline, kernel_keys[i], 256);
	CHECK(!cmdline_has(NULL, "run") && cmdline_get(NULL, "run", NULL, 0) == -1);
	free(key);
	free(cmdline);
	return 0;
}
