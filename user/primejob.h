/*
 * The CPU-bound job of the cooperation demos (parwork, indep): count the
 * primes below n by trial division, the numbers dealt out in BLOCK-sized
 * blocks, block b to worker b mod k.  One definition, so both programs
 * (and parwork's single-process reference) run the very same code.
 */
#ifndef USER_PRIMEJOB_H
#define USER_PRIMEJOB_H

#include <stdbool.h>
#include <stdint.h>

#define BLOCK	1024	/* numbers per block */

static bool is_prime(uint32_t n)
{
	if (n < 4)
		return n >= 2;
	if (n % 2 == 0)
		return false;
	for (uint32_t d = 3; d * d <= n; d += 2)
		if (n % d == 0)
			return false;
	return true;
}

/* Primes below n in the blocks of worker w out of k.  Not inlined, so
 * the reference and the workers run the very same machine code. */
static __attribute__((noinline, unused)) uint64_t count_share(uint32_t n, int w, int k)
{
	uint64_t primes = 0;

	for (uint64_t start = (uint64_t)w * BLOCK; start < n; start += (uint64_t)k * BLOCK) {
		uint64_t end = start + BLOCK < n ? start + BLOCK : n;

		for (uint64_t x = start; x < end; x++)
			primes += is_prime((uint32_t)x);
	}
	return primes;
}

#endif
