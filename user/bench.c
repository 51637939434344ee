/*
 * bench: the kernel paths `make bench` measures (tools/bench.py, targets
 * in docs/performance.md).  One program, one subcommand per path:
 *
 *   bench syscall     null system call (getpid)
 *   bench yield       context switch: two processes on one CPU yield in turn
 *   bench spawn       spawn + exit + wait of `uhelper exit 0`
 *   bench mbox-rt     mailbox round trip, blocking, same CPU or two CPUs
 *   bench mbox-self   send + receive on our own mailbox (no blocking, no switch)
 *   bench mbox-tput   mailbox throughput with P sender/receiver pairs
 *   bench procmem     kernel memory per minimal process
 *
 * Times are TSC cycles on our own CPU.  Under QEMU's -icount shift=0 the
 * TSC counts instructions, so the single-CPU figures are instruction
 * counts and repeat exactly from boot to boot.  Each result is also one
 * JSON object per line with --json (what tools/bench.py reads).
 *
 * Helpers run as this same program with the hidden first argument
 * --partner, pinned with spawn_opts.affinity and handed a shared page
 * and mailboxes through spawn_opts.handles.
 */
#include "counters.h"
#include "ipc.h"

#define MAX_N		1000000
#define BATCH		1000		/* syscalls per timed batch */
#define STOP		(~0ull)
#define MAX_PAIRS	8

/* The shared page: one line per field that crosses between processes. */
struct board {
	uint64_t ready __attribute__((aligned(64)));	/* partners that started */
	uint64_t go __attribute__((aligned(64)));
	uint64_t stop __attribute__((aligned(64)));
	struct {
		uint64_t tsc0, tsc1, ns0, ns1, count, ok;
	} side[2 * MAX_PAIRS] __attribute__((aligned(64)));
};

_Static_assert(sizeof(struct board) <= 4096, "one page");

/* A partner's handles: the board, then its mailboxes. */
#define H_BOARD	0
#define H_IN	1
#define H_OUT	2

static long n_opt = -1;
static int cpu_opt[2] = { -1, -1 };
static long pairs_opt = 1;
static struct counters_snap snap0, snap1, dsnap;

/* ---- Small helpers ---- */

/* Waits for *p >= want with pause; with same_cpu, yields every turn. */
static void await_at_least(uint64_t *p, uint64_t want, bool same_cpu)
{
	while (__atomic_load_n(p, __ATOMIC_ACQUIRE) < want) {
		__builtin_ia32_pause();
		if (same_cpu)
			yield();
	}
}

static struct board *board_new(int *h)
{
	struct board *b;

	if ((*h = shm_create(sizeof(struct board), NULL)) < 0)
		return NULL;
	b = shm_map(*h, PROT_READ | PROT_WRITE);
	return ptr_error(b) ? NULL : b;
}

/* Spawns `bench --partner ARGS...` on cpu with handles h[0..nh). */
static int partner_spawn(int cpu, const int *h, int nh, char *a1, char *a2)
{
	struct spawn_opts so = { .affinity = 1ull << cpu, .nhandles = nh };
	char *argv[] = { "bench", "--partner", a1, a2, NULL };

	for (int i = 0; i < nh; i++)
		so.handles[i] = h[i];
	return spawn("bench", argv, &so);
}

static bool reap(int pid)
{
	struct wait_info wi;

	return wait(pid, &wi) == pid && wi.how == EXIT_NORMAL && wi.status == 0;
}

static long iters(long dflt)
{
	return n_opt > 0 ? n_opt : dflt;
}

static void snap_begin(void)
{
	counters_take(&snap0);
}

/* The counter delta since snap_begin(), summed over all CPUs. */
static void snap_end(struct cpu_counters *sum)
{
	counters_take(&snap1);
	counters_delta(&snap0, &snap1, &dsnap);
	counters_total(&dsnap, ~0ull, sum);
}

static void print_stats(const char *what, const struct sample_stats *st)
{
	report("%s: median %lu, p10 %lu, p90 %lu, min %lu (n=%ld)\n", what, st->median, st->p10,
	       st->p90, st->min, st->n);
}

static void out_stats(const struct sample_stats *st)
{
	out_u("median", st->median);
	out_u("p10", st->p10);
	out_u("p90", st->p90);
	out_u("min", st->min);
	out_u("mean", st->mean);
	out_u("n", st->n);
}

/* ---- syscall ---- */

/* Batches of BATCH getpid calls; the figure is cycles per call, x1000. */
static int cmd_syscall(void)
{
	long nb = iters(100);
	uint64_t *v = malloc(nb * sizeof(uint64_t));
	struct sample_stats st;
	struct cpu_counters d;
	char b1[32], b2[32];

	if (!v)
		return 1;
	snap_begin();
	for (long i = -2; i < nb; i++) {
		uint64_t t0 = tsc_now();

		for (int k = 0; k < BATCH; k++)
			sys_getpid();
		if (i >= 0)
			v[i] = (tsc_now() - t0) * 1000 / BATCH;
	}
	snap_end(&d);
	samples_stats(v, nb, &st);
	out_begin("null_syscall");
	out_u("ncpu", ncpu());
	out_u("cpu", getcpu());
	out_u("calls", (nb + 2) * BATCH);
	out_milli("per_call_median", st.median);
	out_milli("per_call_min", st.min);
	out_milli("per_call_p10", st.p10);
	out_milli("per_call_p90", st.p90);
	out_u("syscalls_counted", d.syscalls);
	out_end();
	if (out_get_format() == OUT_TEXT)
		report("null syscall (getpid), %d cpus: %s cycles per call (median of %ld batches "
		       "of %d), min %s; the counters saw %lu syscalls\n", ncpu(),
		       milli(st.median, b1, 32), nb, BATCH, milli(st.min, b2, 32), d.syscalls);
	free(v);
	return 0;
}

/* ---- yield ---- */

static int partner_yield(struct board *b)
{
	__atomic_store_n(&b->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE))
		yield();
	return 0;
}

/* We and a partner on one CPU yield in turn: each of our n yields
 * switches to the partner and its yield switches back, 2n switches. */
static int cmd_yield(void)
{
	long n = iters(10000);
	int cpu = cpu_opt[0] >= 0 ? cpu_opt[0] : 0, h, pid;
	struct board *b = board_new(&h);
	struct cpu_counters d;
	uint64_t t;
	char b1[32];

	if (!b || setaffinity(0, 1ull << cpu) < 0)
		return 1;
	if ((pid = partner_spawn(cpu, &h, 1, "yield", "0")) < 0)
		return 1;
	await_at_least(&b->ready, 1, true);
	for (int k = 0; k < 100; k++)		/* warm up */
		yield();
	snap_begin();
	t = tsc_now();
	for (long k = 0; k < n; k++)
		yield();
	t = tsc_now() - t;
	snap_end(&d);
	__atomic_store_n(&b->stop, 1, __ATOMIC_RELEASE);
	if (!reap(pid))
		return 1;
	out_begin("yield");
	out_u("ncpu", ncpu());
	out_u("cpu", cpu);
	out_u("yields", n);
	out_milli("per_switch", t * 1000 / (2 * n));
	out_u("ctx_switches_counted", d.ctx_switches);
	out_end();
	if (out_get_format() == OUT_TEXT)
		report("context switch (yield ping-pong on cpu %d): %s cycles per switch; "
		       "%lu switches counted for %ld expected\n", cpu,
		       milli(t * 1000 / (2 * n), b1, 32), d.ctx_switches, 2 * n);
	return 0;
}

/* ---- spawn ---- */

static int cmd_spawn(void)
{
	long n = iters(50);
	char *argv[] = { "uhelper", "exit", "0", NULL };
	uint64_t *v = malloc(n * sizeof(uint64_t));
	struct sample_stats st;
	uint64_t total = 0;

	if (!v)
		return 1;
	for (long i = -1; i < n; i++) {
		uint64_t t0 = tsc_now();
		int pid = spawn("uhelper", argv, NULL);

		if (pid < 0 || !reap(pid)) {
			eprintf("bench: spawn uhelper: %s\n", pid < 0 ? errno_name(pid) : "failed");
			return 1;
		}
		if (i >= 0) {
			v[i] = tsc_now() - t0;
			total += v[i];
		}
	}
	samples_stats(v, n, &st);
	out_begin("spawn");
	out_u("ncpu", ncpu());
	out_stats(&st);
	out_end();
	if (out_get_format() == OUT_TEXT)
		print_stats("spawn+exit+wait of uhelper, cycles", &st);
	free(v);
	return 0;
}

/* ---- mbox-rt ---- */

static int partner_echo(struct board *b)
{
	uint64_t v;

	__atomic_store_n(&b->ready, 1, __ATOMIC_RELEASE);
	for (;;) {
		if (mbox_recv(H_IN, &v, sizeof(v), TIMEOUT_NEVER, NULL) != sizeof(v))
			return 1;
		if (v == STOP)
			return 0;
		if (mbox_send(H_OUT, &v, sizeof(v), TIMEOUT_NEVER, NO_HANDLE, 0) < 0)
			return 1;
	}
}

static int cmd_mbox_rt(void)
{
	long n = iters(1000);
	int a = cpu_opt[0] >= 0 ? cpu_opt[0] : 0;
	int c = cpu_opt[1] >= 0 ? cpu_opt[1] : (ncpu() > 1 ? 1 : 0);
	int h[3], pid;
	struct board *b = board_new(&h[0]);
	uint64_t *v = malloc(n * sizeof(uint64_t)), stop = STOP;
	struct sample_stats st;
	struct cpu_counters d;
	char b1[32], b2[32];

	h[1] = mbox_create(4, NULL);
	h[2] = mbox_create(4, NULL);
	if (!b || !v || h[1] < 0 || h[2] < 0 || setaffinity(0, 1ull << a) < 0)
		return 1;
	if ((pid = partner_spawn(c, h, 3, "echo", "0")) < 0)
		return 1;
	await_at_least(&b->ready, 1, a == c);
	snap_begin();
	for (long i = -20; i < n; i++) {
		uint64_t t0 = tsc_now(), x = (uint64_t)(i + 20), back;

		if (mbox_send(h[1], &x, sizeof(x), TIMEOUT_NEVER, NO_HANDLE, 0) < 0 ||
		    mbox_recv(h[2], &back, sizeof(back), TIMEOUT_NEVER, NULL) != sizeof(back) ||
		    back != x)
			return 1;
		if (i >= 0)
			v[i] = tsc_now() - t0;
	}
	snap_end(&d);
	mbox_send(h[1], &stop, sizeof(stop), TIMEOUT_NEVER, NO_HANDLE, 0);
	if (!reap(pid))
		return 1;
	samples_stats(v, n, &st);
	out_begin("mbox_rt");
	out_u("ncpu", ncpu());
	out_u("cpu_a", a);
	out_u("cpu_b", c);
	out_stats(&st);
	out_milli("ipis_per_rt", d.ipis_sent * 1000 / (n + 20));
	out_milli("ctx_switches_per_rt", d.ctx_switches * 1000 / (n + 20));
	out_end();
	if (out_get_format() == OUT_TEXT) {
		report("mailbox round trip, cpu %d <-> cpu %d, blocking, cycles\n", a, c);
		print_stats("  round trip", &st);
		report("  per round trip: %s IPIs, %s context switches\n",
		       milli(d.ipis_sent * 1000 / (n + 20), b1, 32),
		       milli(d.ctx_switches * 1000 / (n + 20), b2, 32));
	}
	free(v);
	return 0;
}

/* ---- mbox-self ---- */

/* Send to our own mailbox and receive it back: the mailbox's own cost,
 * two system calls, with no blocking and no switch. */
static int cmd_mbox_self(void)
{
	long n = iters(1000);
	int h = mbox_create(4, NULL);
	uint64_t t = 0, x = 1, back;
	char b1[32];

	if (h < 0)
		return 1;
	for (long i = -20; i < n; i++) {
		if (i == 0)
			t = tsc_now();
		if (mbox_send(h, &x, sizeof(x), TIMEOUT_POLL, NO_HANDLE, 0) < 0 ||
		    mbox_recv(h, &back, sizeof(back), TIMEOUT_POLL, NULL) != sizeof(back))
			return 1;
	}
	t = tsc_now() - t;
	close(h);
	out_begin("mbox_self");
	out_u("ncpu", ncpu());
	out_milli("per_send_recv", t * 1000 / n);
	out_end();
	if (out_get_format() == OUT_TEXT)
		report("mailbox send + receive to itself, never blocking: %s cycles per pair\n",
		       milli(t * 1000 / n, b1, 32));
	return 0;
}

/* ---- mbox-tput ---- */

/* One side of a pair: slot i of the board; sends or receives n messages
 * through the mailbox H_IN once told to go. */
static int partner_stream(struct board *b, bool sender, long slot, long n)
{
	uint64_t v = 0;
	long k;

	__atomic_fetch_add(&b->ready, 1, __ATOMIC_ACQ_REL);
	await_at_least(&b->go, 1, false);
	b->side[slot].ns0 = uptime();
	b->side[slot].tsc0 = tsc_now();
	for (k = 0; k < n; k++) {
		if (sender && mbox_send(H_IN, &k, sizeof(k), TIMEOUT_NEVER, NO_HANDLE, 0) < 0)
			break;
		if (!sender && (mbox_recv(H_IN, &v, sizeof(v), TIMEOUT_NEVER, NULL) != sizeof(v) ||
				v != (uint64_t)k))
			break;
	}
	b->side[slot].tsc1 = tsc_now();
	b->side[slot].ns1 = uptime();
	b->side[slot].count = k;
	return k == n ? 0 : 1;
}

static int cmd_mbox_tput(void)
{
	long n = iters(20000), p = pairs_opt;
	int h, mb[MAX_PAIRS], pid[2 * MAX_PAIRS];
	struct board *b = board_new(&h);
	char nbuf[24], slot[2 * MAX_PAIRS][8];
	uint64_t t0 = ~0ull, t1 = 0, ns0 = ~0ull, ns1 = 0, msgs = 0;
	bool ok = true;

	if (p < 1 || p > MAX_PAIRS || 2 * p > ncpu()) {
		out_begin("mbox_tput");
		out_u("pairs", p);
		out_s("skipped", "needs 2 CPUs per pair");
		out_end();
		if (out_get_format() == OUT_TEXT)
			report("mbox-tput: %ld pairs need %ld CPUs, this machine has %d\n", p,
			       2 * p, ncpu());
		return 0;
	}
	if (!b)
		return 1;
	snprintf(nbuf, sizeof(nbuf), "%ld", n);
	for (int i = 0; i < p; i++)
		if ((mb[i] = mbox_create(64, NULL)) < 0)
			return 1;
	for (int s = 0; s < 2 * p; s++) {
		int hh[2] = { h, mb[s / 2] };
		struct spawn_opts so = { .affinity = 1ull << s, .nhandles = 2 };
		char *role = s % 2 ? "recv" : "send";
		char *argv[] = { "bench", "--partner", role, slot[s], nbuf, NULL };

		snprintf(slot[s], sizeof(slot[s]), "%d", s);
		so.handles[0] = hh[0];
		so.handles[1] = hh[1];
		if ((pid[s] = spawn("bench", argv, &so)) < 0)
			return 1;
	}
	await_at_least(&b->ready, 2 * p, false);
	snap_begin();
	__atomic_store_n(&b->go, 1, __ATOMIC_RELEASE);
	for (int s = 0; s < 2 * p; s++)
		ok &= reap(pid[s]);
	if (!ok)
		return 1;
	for (int s = 0; s < 2 * p; s++) {
		t0 = b->side[s].tsc0 < t0 ? b->side[s].tsc0 : t0;
		t1 = b->side[s].tsc1 > t1 ? b->side[s].tsc1 : t1;
		ns0 = b->side[s].ns0 < ns0 ? b->side[s].ns0 : ns0;
		ns1 = b->side[s].ns1 > ns1 ? b->side[s].ns1 : ns1;
		if (s % 2)
			msgs += b->side[s].count;
	}
	uint64_t per_mcycle = msgs * 1000000000ull / (t1 - t0);	/* msgs per Mcycle, x1000 */
	uint64_t per_s = msgs * 1000000000ull / (ns1 > ns0 ? ns1 - ns0 : 1);
	char b1[32];

	out_begin("mbox_tput");
	out_u("ncpu", ncpu());
	out_u("pairs", p);
	out_u("msgs", msgs);
	out_u("tsc", t1 - t0);
	out_u("ns", ns1 - ns0);
	out_milli("msgs_per_mcycle", per_mcycle);
	out_u("msgs_per_s", per_s);
	out_end();
	if (out_get_format() == OUT_TEXT)
		report("mailbox throughput, %ld pair(s) on cpus 0..%ld, 8-byte messages: "
		       "%lu msgs/s (%s per million cycles)\n", p, 2 * p - 1, per_s,
		       milli(per_mcycle, b1, 32));
	return 0;
}

/* ---- procmem ---- */

/* Frames and heap that k sleeping minimal processes cost the kernel,
 * beyond their own user pages (struct proc itself is a static table
 * entry, not counted). */
static int cmd_procmem(void)
{
	long k = iters(16);
	char *argv[] = { "uhelper", "sleep", "3000", NULL };
	struct memstat m0, m1;
	struct proc_info *pi = malloc(128 * sizeof(*pi));
	int pids[64], np;
	uint64_t user_pages = 0;

	if (!pi || k > 64)
		return 1;
	memstat(&m0);
	for (int i = 0; i < k; i++)
		if ((pids[i] = spawn("uhelper", argv, NULL)) < 0)
			return 1;
	sleep(100);		/* all started and asleep */
	memstat(&m1);
	np = ps(pi, 128);
	for (int i = 0; i < np; i++)
		for (int j = 0; j < k; j++)
			if (pi[i].pid == pids[j])
				user_pages += pi[i].mem_pages;
	for (int i = 0; i < k; i++) {
		kill(pids[i]);
		reap(pids[i]);
	}
	uint64_t frames = m0.free_frames - m1.free_frames;
	uint64_t kbytes = frames > user_pages ? (frames - user_pages) * 4096 / k : 0;

	out_begin("procmem");
	out_u("procs", k);
	out_u("frames", frames);
	out_u("user_pages", user_pages);
	out_u("kernel_bytes_per_proc", kbytes);
	out_u("kmalloc_bytes_per_proc", (m1.kmalloc_bytes - m0.kmalloc_bytes) / k);
	out_end();
	if (out_get_format() == OUT_TEXT)
		report("%ld minimal processes: %lu frames, %lu of them user pages: %lu bytes of "
		       "kernel memory each\n", k, frames, user_pages, kbytes);
	free(pi);
	return 0;
}

/* ---- main ---- */

static int partner(int argc, char **argv)
{
	struct board *b = shm_map(H_BOARD, PROT_READ | PROT_WRITE);
	long x = 0, n = 0;

	if (ptr_error(b) || argc < 4)
		return 2;
	parse_long(argv[3], &x);
	if (argc > 4)
		parse_long(argv[4], &n);
	if (strcmp(argv[2], "yield") == 0)
		return partner_yield(b);
	if (strcmp(argv[2], "echo") == 0)
		return partner_echo(b);
	if (strcmp(argv[2], "send") == 0 || strcmp(argv[2], "recv") == 0)
		return partner_stream(b, argv[2][0] == 's', x, n);
	return 2;
}

static void help(void)
{
	printf("usage: bench COMMAND [-n N] [--cpus A[,B]] [--pairs P] [--json | --csv]\n"
	       "\n"
	       "The paths `make bench` measures, in TSC cycles (instructions under\n"
	       "QEMU -icount shift=0).  Targets: docs/performance.md.\n"
	       "\n"
	       "  syscall     N batches of %d getpid calls (default 100)\n"
	       "  yield       two processes on CPU A yield in turn, N times (10000)\n"
	       "  spawn       spawn + exit + wait of `uhelper exit 0`, N times (50)\n"
	       "  mbox-rt     N blocking mailbox round trips between CPU A and B (1000;\n"
	       "              default CPUs 0 and 1, or 0 and 0 on one CPU)\n"
	       "  mbox-self   N send + receive pairs on our own mailbox, never blocking\n"
	       "              (1000): the mailbox without any switch\n"
	       "  mbox-tput   P pairs (--pairs, default 1), sender on CPU 2i, receiver\n"
	       "              on 2i+1, N 8-byte messages each (20000)\n"
	       "  procmem     kernel memory per process, from N sleeping ones (16)\n",
	       BATCH);
}

int main(int argc, char **argv)
{
	const char *cmd = NULL;
	int64_t mask = getaffinity(0);
	int status;

	if (argc > 1 && strcmp(argv[1], "--partner") == 0)
		return partner(argc, argv);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			help();
			return 0;
		} else if (strcmp(a, "-n") == 0 && i + 1 < argc) {
			if (!parse_long(argv[++i], &n_opt) || n_opt < 1 || n_opt > MAX_N)
				return eprintf("bench: -n wants 1..%d\n", MAX_N), 2;
		} else if (strcmp(a, "--pairs") == 0 && i + 1 < argc) {
			if (!parse_long(argv[++i], &pairs_opt))
				return eprintf("bench: --pairs wants a number\n"), 2;
		} else if (strcmp(a, "--cpus") == 0 && i + 1 < argc) {
			char *end;

			cpu_opt[0] = (int)strtol(argv[++i], &end, 10);
			cpu_opt[1] = *end == ',' ? (int)strtol(end + 1, &end, 10) : cpu_opt[0];
			if (*end || cpu_opt[0] < 0 || cpu_opt[0] >= ncpu() || cpu_opt[1] < 0 ||
			    cpu_opt[1] >= ncpu())
				return eprintf("bench: --cpus wants online CPUs, like 0,1\n"), 2;
		} else if (strcmp(a, "--json") == 0) {
			out_set_format(OUT_JSON);
		} else if (strcmp(a, "--csv") == 0) {
			out_set_format(OUT_CSV);
		} else if (a[0] != '-' && !cmd) {
			cmd = a;
		} else {
			eprintf("bench: unknown argument %s (bench --help)\n", a);
			return 2;
		}
	}
	if (!cmd) {
		help();
		return 0;
	}
	if (strcmp(cmd, "syscall") == 0)
		status = cmd_syscall();
	else if (strcmp(cmd, "yield") == 0)
		status = cmd_yield();
	else if (strcmp(cmd, "spawn") == 0)
		status = cmd_spawn();
	else if (strcmp(cmd, "mbox-rt") == 0)
		status = cmd_mbox_rt();
	else if (strcmp(cmd, "mbox-self") == 0)
		status = cmd_mbox_self();
	else if (strcmp(cmd, "mbox-tput") == 0)
		status = cmd_mbox_tput();
	else if (strcmp(cmd, "procmem") == 0)
		status = cmd_procmem();
	else {
		eprintf("bench: unknown command %s (bench --help)\n", cmd);
		return 2;
	}
	if (mask > 0)
		setaffinity(0, (uint64_t)mask);
	if (status)
		eprintf("bench: %s failed\n", cmd);
	return status;
}
