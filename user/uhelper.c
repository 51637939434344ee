/*
 * uhelper MODE args: small jobs for utest to spawn.  Its exit status is
 * the answer; 2 means it was called wrongly.
 *
 *   exit N        exit with status N
 *   sleep MS      sleep MS milliseconds, exit 0
 *   pin CPU MS    run for MS ms; 0 if always on CPU, 1 if ever elsewhere
 *   move A B      pin itself to CPU A, then B; 0 if each move took
 *                 effect at once, 1 (not on A) or 3 (not on B) if not,
 *                 4 if setaffinity failed
 *   spin MS       burn CPU for MS ms, exit 0
 *   ppid          exit with getppid() & 0xff
 */
#include "baton.h"

static int usage(void)
{
	eprintf("usage: uhelper exit N | sleep MS | pin CPU MS | move A B | spin MS | ppid\n");
	return 2;
}

/* Parses argv[i] as a number >= 0 into *out. */
static bool arg(char **argv, int i, long *out)
{
	return parse_long(argv[i], out) && *out >= 0;
}

static int pin(long cpu, long ms)
{
	uint64_t start = uptime_ms();

	while (uptime_ms() - start < (uint64_t)ms)
		if (getcpu() != cpu)
			return 1;
	return 0;
}

static int move(long a, long b)
{
	if (a >= 64 || b >= 64 || setaffinity(0, 1ull << a) < 0)
		return 4;
	if (getcpu() != a)
		return 1;
	if (setaffinity(0, 1ull << b) < 0)
		return 4;
	if (getcpu() != b)
		return 3;
	return 0;
}

static int spin(long ms)
{
	uint64_t start = uptime_ms();

	while (uptime_ms() - start < (uint64_t)ms)
		;
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc >= 2 ? argv[1] : "";
	long x, y;

	if (strcmp(mode, "exit") == 0 && argc == 3 && parse_long(argv[2], &x))
		return (int)x;
	if (strcmp(mode, "sleep") == 0 && argc == 3 && arg(argv, 2, &x))
		return sleep(x) < 0;
	if (strcmp(mode, "pin") == 0 && argc == 4 && arg(argv, 2, &x) && arg(argv, 3, &y))
		return pin(x, y);
	if (strcmp(mode, "move") == 0 && argc == 4 && arg(argv, 2, &x) && arg(argv, 3, &y))
		return move(x, y);
	if (strcmp(mode, "spin") == 0 && argc == 3 && arg(argv, 2, &x))
		return spin(x);
	if (strcmp(mode, "ppid") == 0 && argc == 2)
		return getppid() & 0xff;
	return usage();
}
