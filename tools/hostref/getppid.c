/*
 * getppid [BATCHES]: the host kernel's null system call, in batches of
 * 1000 raw getppid calls (syscall(2): no library caching).  Prints
 * cycles per call (median of the batches).
 */
#include "common.h"	/* first: it defines _GNU_SOURCE */

#include <sys/syscall.h>
#include <unistd.h>

#define BATCH 1000

int main(int argc, char **argv)
{
	long batches = arg_or(argc, argv, 1, 200);
	uint64_t *samples = malloc(batches * sizeof(*samples));

	pin(0);
	for (long b = -5; b < batches; b++) {
		uint64_t t0 = tsc_now();

		for (int k = 0; k < BATCH; k++)
			syscall(SYS_getppid);
		if (b >= 0)
			samples[b] = (tsc_now() - t0) / BATCH;
	}
	print_stats("host_getppid", samples, batches, NULL);
	return 0;
}
