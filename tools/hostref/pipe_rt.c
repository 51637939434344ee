/*
 * pipe_rt [N] [CPU_A] [CPU_B]: two processes pinned to two host CPUs
 * pass 8 bytes back and forth over two pipes, blocking in read() -- the
 * host's version of Baton's blocking mailbox round trip.  Prints the
 * round trip in TSC cycles.
 */
#include "common.h"	/* first: it defines _GNU_SOURCE */

#include <sys/wait.h>
#include <unistd.h>

#define WARMUP 100

static void xfer(int fd_out, int fd_in, uint64_t *v)
{
	if (write(fd_out, v, sizeof(*v)) != sizeof(*v) ||
	    read(fd_in, v, sizeof(*v)) != sizeof(*v)) {
		perror("pipe");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	long rounds = arg_or(argc, argv, 1, 20000);
	int cpu_a = (int)arg_or(argc, argv, 2, 0), cpu_b = (int)arg_or(argc, argv, 3, 1);
	int to[2], from[2];
	uint64_t *samples = malloc(rounds * sizeof(*samples)), v = 0;
	char extra[64];
	pid_t pid;

	if (pipe(to) || pipe(from))
		return 1;
	if ((pid = fork()) == 0) {
		pin(cpu_b);
		for (long k = 0; k < rounds + WARMUP; k++) {
			if (read(to[0], &v, sizeof(v)) != sizeof(v))
				_exit(1);
			if (write(from[1], &v, sizeof(v)) != sizeof(v))
				_exit(1);
		}
		_exit(0);
	}
	pin(cpu_a);
	for (long k = -WARMUP; k < rounds; k++) {
		uint64_t t0 = tsc_now();

		xfer(to[1], from[0], &v);
		if (k >= 0)
			samples[k] = tsc_now() - t0;
	}
	waitpid(pid, NULL, 0);
	snprintf(extra, sizeof(extra), ",\"cpu_a\":%d,\"cpu_b\":%d", cpu_a, cpu_b);
	print_stats("host_pipe_rt", samples, rounds, extra);
	return 0;
}
