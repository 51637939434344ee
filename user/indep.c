/*
 * indep: K independent worker processes, for comparison with parwork
 * (docs/why-cooperate.md).
 *
 * The workers do exactly parwork's subtasks (worker i of K counts the
 * primes in blocks i, i+K, i+2K, ... below N), pinned the same way, but
 * they share nothing and send nothing: each just exits with status 0.
 * Nobody adds the shares up, so there is no answer to verify: without
 * cooperation the K pieces never become one result.
 *
 *   indep [-n N] [-k K]
 *
 * It prints each worker's own counters (proc_counters, read while the
 * worker is a zombie, before it is reaped) and the per-core counter
 * deltas of counters() around the run, with the same columns as
 * parwork.  Exit status: 0 if every worker exited with 0 and none of
 * them sent or received a message; 1 otherwise; 2 for bad usage.
 *
 * Workers are this program started as `indep --worker I K N`.
 */
#include "counters.h"
#include "user/primejob.h"

#define DEFAULT_N	5000000	/* parwork's default */
#define MAX_WORKERS	32
#define MAXPROCS	128

static struct cpu_counters snap_before[COUNTERS_MAX_CPUS];
static struct cpu_counters snap_after[COUNTERS_MAX_CPUS];
static struct proc_counters worker_pc[MAX_WORKERS];
static struct proc_info procs[MAXPROCS];


static int worker_main(char **argv)
{
	long i, k, n;
	volatile uint64_t primes;	/* computed, and told to no one */

	if (!parse_long(argv[2], &i) || !parse_long(argv[3], &k) || !parse_long(argv[4], &n) ||
	    k < 1 || k > MAX_WORKERS || i < 0 || i >= k || n < 2 || n > 0x7fffffff)
		return 2;
	primes = count_share((uint32_t)n, (int)i, (int)k);
	(void)primes;
	return 0;
}

/* True once pid is a zombie (it has exited but is not reaped yet). */
static bool is_zombie(int pid)
{
	int n = ps(procs, MAXPROCS);

	for (int i = 0; i < n && i < MAXPROCS; i++)
		if (procs[i].pid == pid)
			return procs[i].state == PSTATE_ZOMBIE;
	return false;
}

/* Waits for worker pid to end; its counters go to *pc first, since a
 * reaped process has none.  True if it exited with status 0. */
static bool collect(int i, int pid, struct proc_counters *pc)
{
	struct wait_info wi = { 0 };
	char why[96];

	while (!is_zombie(pid))
		sleep(2);
	if (proc_counters(pid, pc) < 0)
		memset(pc, 0, sizeof(*pc));
	if (wait(pid, &wi) != pid || wi.how != EXIT_NORMAL || wi.status != 0) {
		exit_reason(&wi, why, sizeof(why));
		eprintf("indep: worker %d: %s\n", i, why);
		return false;
	}
	return true;
}

/* The CPU a worker spent most of its time on. */
static int main_cpu(const struct proc_counters *pc, int cpus)
{
	int best = 0;

	for (int c = 1; c < cpus; c++)
		if (pc->cycles_on[c] > pc->cycles_on[best])
			best = c;
	return best;
}

static int usage(void)
{
	eprintf("usage: indep [-n N] [-k K]\n"
		"  N: each worker counts primes in its share of 2..N-1 (default %d)\n"
		"  K: worker processes (1..%d, default: one per CPU)\n", DEFAULT_N, MAX_WORKERS);
	return 2;
}

static void print_workers(int k, const int *pids, int cpus)
{
	printf("\n%6s %5s %4s %9s %8s %8s %8s %6s\n", "worker", "pid", "cpu", "Mcycles",
	       "syscalls", "msgs out", "msgs in", "migr");
	for (int i = 0; i < k; i++) {
		const struct proc_counters *pc = &worker_pc[i];
		uint64_t cycles = 0;

		for (int c = 0; c < cpus; c++)
			cycles += pc->cycles_on[c];
		printf("%6d %5d %4d %9lu %8lu %8lu %8lu %6lu\n", i, pids[i], main_cpu(pc, cpus),
		       cycles / 1000000, pc->syscalls, pc->msgs_sent, pc->msgs_received,
		       pc->migrations);
	}
}

static void print_cores(int cpus, uint64_t wall)
{
	printf("\nper-core counter deltas (counters() before and after):\n");
	printf("%4s %10s %6s %6s %6s %8s %8s\n", "cpu", "busy Mcyc", "busy%", "ctxsw", "mig-in",
	       "msgs out", "msgs in");
	for (int c = 0; c < cpus; c++) {
		const struct cpu_counters *a = &snap_after[c], *b = &snap_before[c];
		uint64_t busy = a->busy_cycles - b->busy_cycles;

		printf("%4d %10lu %5lu%% %6lu %6lu %8lu %8lu\n", c, busy / 1000000,
		       wall ? (busy * 100 + wall / 2) / wall : 0, a->ctx_switches - b->ctx_switches,
		       a->migrations_in - b->migrations_in, a->msgs_sent - b->msgs_sent,
		       a->msgs_received - b->msgs_received);
	}
}

int main(int argc, char **argv)
{
	long n = DEFAULT_N, k = 0;
	int cpus = ncpu(), pids[MAX_WORKERS], started = 0;
	char *wargv[] = { "indep", "--worker", NULL, NULL, NULL, NULL };
	char si[16], sk[16], sn[24];
	uint64_t t0, ms0, msgs = 0;
	bool ok = true;

	if (argc == 5 && strcmp(argv[1], "--worker") == 0)
		return worker_main(argv);
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "-n") == 0 && v && parse_long(v, &n))
			i++;
		else if (strcmp(argv[i], "-k") == 0 && v && parse_long(v, &k) && k >= 1)
			i++;
		else
			return usage();
	}
	if (n < 2 || n > 0x7fffffff || k > MAX_WORKERS)
		return usage();
	if (cpus > COUNTERS_MAX_CPUS)
		cpus = COUNTERS_MAX_CPUS;
	if (k == 0)
		k = cpus;
	printf("indep: %ld workers on %ld cores, each counting the primes in its share of 2..%ld;\n"
	       "indep: no shared memory, no messages, so nobody adds the shares up\n",
	       k, k < cpus ? k : cpus, n - 1);

	wargv[2] = si;
	wargv[3] = sk;
	wargv[4] = sn;
	snprintf(sk, sizeof(sk), "%ld", k);
	snprintf(sn, sizeof(sn), "%ld", n);
	sleep(1);		/* credit our own busy cycles before the snapshot (see parwork) */
	counters(snap_before, COUNTERS_MAX_CPUS);
	t0 = tsc_now();
	ms0 = uptime_ms();
	for (int i = 0; i < k; i++) {
		struct spawn_opts opts = { .affinity = 1ull << (i % cpus) };

		snprintf(si, sizeof(si), "%d", i);
		pids[i] = spawn("indep", wargv, &opts);
		if (pids[i] < 0) {
			eprintf("indep: spawn worker %d: %s\n", i, errno_name(pids[i]));
			ok = false;
			break;
		}
		started++;
	}
	for (int i = 0; i < started; i++)
		ok &= collect(i, pids[i], &worker_pc[i]);
	t0 = tsc_now() - t0;
	ms0 = uptime_ms() - ms0;
	counters(snap_after, COUNTERS_MAX_CPUS);

	print_workers(started, pids, cpus);
	print_cores(cpus, t0);
	for (int i = 0; i < started; i++)
		msgs += worker_pc[i].msgs_sent + worker_pc[i].msgs_received;
	printf("\nwall time: %lu Mcycles, %lu ms; messages sent or received by the workers: %lu\n",
	       t0 / 1000000, ms0, msgs);
	if (msgs != 0)
		ok = false;
	printf("indep: %s\n", ok ? "all workers done, no messages" : "FAILED");
	return ok && started == k ? 0 : 1;
}
