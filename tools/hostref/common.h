/*
 * Shared bits of the host-native reference programs (tools/hostref/,
 * built and run by tools/bench.py): the TSC, CPU pinning, a summary of
 * samples, and the one JSON line each program prints.
 */
#ifndef HOSTREF_COMMON_H
#define HOSTREF_COMMON_H

#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline uint64_t tsc_now(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Pins the calling thread to cpu; exits on failure. */
static inline void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		perror("sched_setaffinity");
		exit(1);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v and prints {"test":name,"n":..,"median":..,...} on one line. */
static inline void print_stats(const char *name, uint64_t *v, long n, const char *extra)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("{\"test\":\"%s\",\"n\":%ld,\"median\":%llu,\"p10\":%llu,\"p90\":%llu,"
	       "\"min\":%llu%s}\n", name, n, (unsigned long long)v[n / 2],
	       (unsigned long long)v[n / 10], (unsigned long long)v[n - 1 - n / 10],
	       (unsigned long long)v[0], extra ? extra : "");
}

/* argv[i] as a number, or dflt when absent. */
static inline long arg_or(int argc, char **argv, int i, long dflt)
{
	return argc > i ? strtol(argv[i], NULL, 0) : dflt;
}

#endif
