/*
 * Shared by the host fuzz targets (tests/fuzz/fuzz_*.c).
 *
 * Each target defines LLVMFuzzerTestOneInput(), the entry point libFuzzer
 * calls (`make fuzz-host`) and that tests/fuzz/replay.c calls once per
 * corpus file (`make test`).  Besides not crashing under ASan/UBSan, a
 * target checks what the parser promises about its result; a broken
 * promise aborts, which both drivers report as a finding.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

/* Aborts, naming the condition, unless cond holds. */
#define CHECK(cond) ((cond) ? (void)0 : fuzz_fail(#cond, __FILE__, __LINE__))

/* Is [p, p + n) inside [base, base + size)?  (Nothing is added that could wrap.) */
static inline int fuzz_within(const void *base, size_t size, const void *p, size_t n)
{
	const uint8_t *b = base, *q = p;

	return q >= b && (size_t)(q - b) <= size && n <= size - (size_t)(q - b);
}

/*
 * Reads the first and the last byte of [p, p + n), so ASan checks that
 * the range starts and ends inside real memory (fuzz_within() checks the
 * rest).  Reading every byte would make big inputs ten times slower.
 */
static inline void fuzz_touch(const void *p, size_t n)
{
	const volatile uint8_t *q = p;

	if (n > 0) {
		(void)q[0];
		(void)q[n - 1];
	}
}

/* A heap copy of data at an odd address: exactly size bytes are readable. */
static inline uint8_t *fuzz_copy_unaligned(const uint8_t *data, size_t size, uint8_t **block)
{
	*block = malloc(size + 1);
	if (!*block)
		abort();
	if (size > 0)
		memcpy(*block + 1, data, size);
	return *block + 1;
}

#endif
