/*
 * line_pingpong [N] [CPU_A] [CPU_B]: two threads pinned to two host CPUs
 * bounce one cache line, exactly as Baton's cachebench does between two
 * processes: A stores an odd value, B answers v + 1 in the same word,
 * both spin with `pause`.  Prints the round trip in TSC cycles.
 */
#include "common.h"	/* first: it defines _GNU_SOURCE */

#include <pthread.h>

#define WARMUP 100

static volatile uint64_t line __attribute__((aligned(64)));
static int cpu_b;
static long rounds;

static void *answer(void *arg)
{
	(void)arg;
	pin(cpu_b);
	for (uint64_t v = 1; v < 2 * (uint64_t)(rounds + WARMUP); v += 2) {
		while (__atomic_load_n(&line, __ATOMIC_ACQUIRE) != v)
			__builtin_ia32_pause();
		__atomic_store_n(&line, v + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int cpu_a = (int)arg_or(argc, argv, 2, 0);
	uint64_t *samples;
	pthread_t t;
	char extra[64];

	rounds = arg_or(argc, argv, 1, 100000);
	cpu_b = (int)arg_or(argc, argv, 3, 1);
	samples = malloc(rounds * sizeof(*samples));
	pin(cpu_a);
	pthread_create(&t, NULL, answer, NULL);
	uint64_t v = 1;
	for (long k = -WARMUP; k < rounds; k++, v += 2) {
		uint64_t t0 = tsc_now();

		__atomic_store_n(&line, v, __ATOMIC_RELEASE);
		while (__atomic_load_n(&line, __ATOMIC_ACQUIRE) != v + 1)
			__builtin_ia32_pause();
		if (k >= 0)
			samples[k] = tsc_now() - t0;
	}
	pthread_join(t, NULL);
	snprintf(extra, sizeof(extra), ",\"cpu_a\":%d,\"cpu_b\":%d", cpu_a, cpu_b);
	print_stats("host_line_rt", samples, rounds, extra);
	return 0;
}
