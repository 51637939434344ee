/*
 * trace: record what the cores do while a program runs (docs/tracing.md).
 *
 *   trace [-s] [-o NAME] -- prog args...   trace one run of prog
 *   trace on [-s]                           start tracing (then run things)
 *   trace off [-o NAME]                     stop, and dump what was recorded
 *
 * -s records every system call's entry and exit too (they are many).
 * The dump leaves the machine through the kernel's trace channel (QEMU's
 * debug console: `make trace` puts it in build/trace/), where
 * tools/trace2json turns it into NAME.json (Perfetto, chrome://tracing)
 * and NAME.svg.  Exit status: that of prog.
 */
#include "baton.h"
#include "counters.h"
#include "lib/trace.h"

long sys_trace_ctl(long op, long arg);	/* stub from lib/syscalls.h */

/* The counters when tracing started, to say how many messages the trace
 * should show (a trace run's "messages" line; tools/runtests.py checks it). */
static struct counters_snap before, after;

static void usage(void)
{
	eprintf("usage: trace [-s] [-o NAME] -- prog args...\n"
		"       trace on [-s]\n"
		"       trace off [-o NAME]\n");
	exit(2);
}

/* Stops tracing and writes the buffers out under name. */
static int stop_and_dump(const char *name)
{
	long lost = sys_trace_ctl(TRACE_STOP, 0);
	long n;

	if (lost < 0) {
		eprintf("trace: stop: %s\n", errno_name((int)lost));
		return 1;
	}
	n = sys_trace_ctl(TRACE_DUMP, (long)name);
	if (n < 0) {
		eprintf("trace: dump: %s\n", errno_name((int)n));
		return 1;
	}
	/* Always said, so a full buffer is never a silent gap. */
	printf("trace: %s: %ld records, %ld lost\n", name, n, lost);
	if (before.ncpu > 0 && counters_take(&after) > 0) {
		struct cpu_counters sum;

		counters_delta(&before, &after, &after);
		counters_total(&after, ~0ull, &sum);
		printf("trace: %s: messages sent %lu, received %lu\n", name, sum.msgs_sent,
		       sum.msgs_received);
	}
	return 0;
}

static int start(unsigned flags)
{
	long err = sys_trace_ctl(TRACE_START, flags);

	if (err < 0)
		eprintf("trace: start: %s\n", errno_name((int)err));
	return err < 0;
}

/* Runs argv[0] traced; returns its exit status. */
static int run_traced(char **argv, unsigned flags, const char *name)
{
	struct wait_info wi;
	char why[96];
	int pid;

	counters_take(&before);
	if (start(flags))
		return 1;
	pid = spawn(argv[0], argv, NULL);
	if (pid < 0) {
		eprintf("trace: %s: %s\n", argv[0], errno_name(pid));
		stop_and_dump(name);
		return 1;
	}
	setfg(pid);
	pid = wait(pid, &wi);
	setfg(0);
	if (stop_and_dump(name) || pid < 0)
		return 1;
	if (wi.how == EXIT_NORMAL)
		return wi.status;
	exit_reason(&wi, why, sizeof(why));
	printf("trace: %s %s\n", argv[0], why);
	return 127;
}

int main(int argc, char **argv)
{
	const char *name = NULL;
	unsigned flags = TRACE_ON;
	int i;

	if (argc >= 2 && !strcmp(argv[1], "on")) {
		if (argc == 3 && !strcmp(argv[2], "-s"))
			flags |= TRACE_SYSCALLS;
		else if (argc != 2)
			usage();
		return start(flags);
	}
	if (argc >= 2 && !strcmp(argv[1], "off")) {
		if (argc == 4 && !strcmp(argv[2], "-o"))
			name = argv[3];
		else if (argc != 2)
			usage();
		return stop_and_dump(name ? name : "trace");
	}
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-s"))
			flags |= TRACE_SYSCALLS;
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			name = argv[++i];
		else
			usage();
	}
	if (i >= argc)
		usage();
	return run_traced(argv + i, flags, name ? name : argv[i]);
}
