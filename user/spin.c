/*
 * spin [-v] ms: keeps a CPU busy for ms milliseconds of wall-clock time,
 * then exits 0.  With -v it prints a dot every 100 ms and names the CPU
 * it is on whenever that changes, which makes migration visible.
 */
#include "baton.h"

static int usage(void)
{
	eprintf("usage: spin [-v] ms\n");
	return 2;
}

int main(int argc, char **argv)
{
	bool verbose = false;
	long ms = -1;
	uint64_t start, next_dot;
	int cpu = -1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else if (ms >= 0 || !parse_long(argv[i], &ms) || ms < 0)
			return usage();
	}
	if (ms < 0)
		return usage();

	start = uptime_ms();
	next_dot = start + 100;
	while (uptime_ms() - start < (uint64_t)ms) {
		if (!verbose || uptime_ms() < next_dot)
			continue;
		next_dot += 100;
		if (getcpu() != cpu) {
			cpu = getcpu();
			printf("[cpu %d]", cpu);
		}
		printf(".");
		flush();	/* no newline yet: show the dot now */
	}
	if (verbose)
		printf("\n");
	return 0;
}
