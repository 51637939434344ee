/*
 * parwork: computation speedup, one of the four reasons processes
 * cooperate (docs/why-cooperate.md).
 *
 * One CPU-bound job, counting the primes below N by trial division, is
 * split into K subtasks run by K worker processes pinned to chosen
 * cores.  The numbers are cut into blocks of BLOCK; worker i takes
 * blocks i, i+K, i+2K, ..., so every worker gets small and large numbers
 * alike and the shares cost about the same.  The workers' counts are
 * gathered in one of two ways:
 *
 *   mbox   each worker sends one message to a mailbox the parent reads;
 *   shm    each worker stores its count in its own slot of a shared page,
 *          and the parent reads the page once the workers have exited.
 *
 * The parent first does the whole job alone (the reference), checks each
 * gathered total against it, and prints a table: cores used, wall time
 * (TSC cycles and ms), speedup over the reference, efficiency, and the
 * per-core counter deltas (counters() before and after) that explain
 * the figures.
 *
 *   parwork [-n N] [-k K] [--method mbox|shm|both] [--sweep]
 *
 * Defaults: N = DEFAULT_N, K = the number of CPUs, both methods.
 * --sweep runs 1, 2, ..., ncpu() cores with one worker per core, then
 * twice as many workers as cores.  Exit status 0 only if every total was
 * verified; 1 if one was wrong or missing, 2 for bad usage.
 *
 * Workers are this same program started as
 *   parwork --worker mbox|shm I K N
 * with the mailbox (send right only) or the shared page as handle 0.
 */
#include "counters.h"
#include "ipc.h"
#include "user/primejob.h"

#define DEFAULT_N	5000000	/* about 1.4 s alone under TCG here */
#define MAX_WORKERS	32
#define RESULT_MAGIC	0x70617277u	/* "parw" */

enum method { METHOD_MBOX = 1, METHOD_SHM = 2, METHOD_BOTH = 3 };

/* What a worker reports. */
struct result {
	uint32_t magic;
	int32_t worker;		/* 0..K-1 */
	uint64_t primes;	/* in its share */
};

/* One worker's slot in the shared page: a cache line each, so workers on
 * different cores never write the same line (no false sharing). */
struct slot {
	struct result r;
	uint32_t done;		/* set last, with release order */
} __attribute__((aligned(64)));

_Static_assert(MAX_WORKERS * sizeof(struct slot) <= 4096, "slots fit one page");

/* The counter deltas of one CPU that the tables print. */
struct core_delta {
	uint64_t busy_cycles, ctx_switches, migrations_in, msgs_sent, msgs_received;
	uint64_t lines_in;	/* the coherence model: lines taken from other cores */
};

/* One run: what the tables print. */
struct run {
	enum method method;
	int cores, workers;
	uint64_t primes;	/* gathered total */
	bool verified;
	uint64_t cycles, ms;	/* wall time */
	bool coh_valid;		/* the coherence model counted this run */
	uint64_t coh_lines, coh_hitm;	/* lines moved between any two cores */
	struct core_delta core[COUNTERS_MAX_CPUS];
};

static struct counters_snap snap_delta;

static struct counters_snap snap_before, snap_after;
static struct run runs[2 * (COUNTERS_MAX_CPUS + 1)];
static int nruns;

/* pi(10^e), to check the reference itself when N is a power of ten. */
static long known_count(long n)
{
	static const long table[][2] = {
		{ 10, 4 }, { 100, 25 }, { 1000, 168 }, { 10000, 1229 }, { 100000, 9592 },
		{ 1000000, 78498 }, { 10000000, 664579 }, { 100000000, 5761455 },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i][0] == n)
			return table[i][1];
	return -1;
}

/* ---- A worker ---- */

static int worker_main(char **argv)
{
	long i, k, n;
	struct result r = { .magic = RESULT_MAGIC };

	if (!parse_long(argv[3], &i) || !parse_long(argv[4], &k) || !parse_long(argv[5], &n) ||
	    k < 1 || k > MAX_WORKERS || i < 0 || i >= k || n < 2 || n > 0x7fffffff)
		return 2;
	r.worker = (int32_t)i;
	r.primes = count_share((uint32_t)n, (int)i, (int)k);

	if (strcmp(argv[2], "mbox") == 0) {
		int err = mbox_send(0, &r, sizeof(r), TIMEOUT_NEVER, NO_HANDLE, 0);

		if (err < 0) {
			eprintf("parwork: worker %ld: mbox_send: %s\n", i, errno_name(err));
			return 3;
		}
	} else {
		struct slot *slots = shm_map(0, PROT_READ | PROT_WRITE);

		if (ptr_error(slots)) {
			eprintf("parwork: worker %ld: shm_map: %s\n", i,
				errno_name(ptr_error(slots)));
			return 3;
		}
		slots[i].r = r;
		/* Release: whoever sees done == 1 also sees the result. */
		__atomic_store_n(&slots[i].done, 1, __ATOMIC_RELEASE);
	}
	return 0;
}

/* ---- The parent ---- */

/* Starts K workers, pinned round-robin to CPUs 0..cores-1, each with
 * handle h as its handle 0.  Fills pids[]; returns how many started. */
static int start_workers(const char *how, int h, int cores, int k, long n, int *pids)
{
	char si[16], sk[16], sn[24];
	char *argv[] = { "parwork", "--worker", (char *)how, si, sk, sn, NULL };
	struct spawn_opts opts = { .nhandles = 1 };
	int started = 0;

	opts.handles[0] = h;
	snprintf(sk, sizeof(sk), "%d", k);
	snprintf(sn, sizeof(sn), "%ld", n);
	for (int i = 0; i < k; i++) {
		snprintf(si, sizeof(si), "%d", i);
		opts.affinity = 1ull << (i % cores);
		pids[i] = spawn("parwork", argv, &opts);
		if (pids[i] < 0) {
			eprintf("parwork: spawn worker %d: %s\n", i, errno_name(pids[i]));
			break;
		}
		started++;
	}
	return started;
}

/* Waits for the started workers; true if all exited with status 0. */
static bool reap_workers(const int *pids, int started)
{
	bool ok = true;

	for (int i = 0; i < started; i++) {
		struct wait_info wi = { 0 };
		char why[96];

		if (wait(pids[i], &wi) != pids[i] || wi.how != EXIT_NORMAL || wi.status != 0) {
			exit_reason(&wi, why, sizeof(why));
			eprintf("parwork: worker %d: %s\n", i, why);
			ok = false;
		}
	}
	return ok;
}

/* Adds a worker's result to *total unless it is malformed or a repeat. */
static bool take_result(const struct result *r, int k, bool *seen, uint64_t *total)
{
	if (r->magic != RESULT_MAGIC || r->worker < 0 || r->worker >= k || seen[r->worker]) {
		eprintf("parwork: bad or repeated result (worker %d)\n", r->worker);
		return false;
	}
	seen[r->worker] = true;
	*total += r->primes;
	return true;
}

/*
 * Gathering through a mailbox.  The workers get a send-only handle and
 * we keep a receive-only one: once every worker has gone, a receive on
 * an empty mailbox says -EPIPE instead of waiting for ever.
 */
static bool job_mbox(int cores, int k, long n, uint64_t *total)
{
	int h = mbox_create(k, NULL), hs, hr, pids[MAX_WORKERS], started, got = 0;
	bool seen[MAX_WORKERS] = { false }, ok = true;

	if (h < 0) {
		eprintf("parwork: mbox_create: %s\n", errno_name(h));
		return false;
	}
	hs = dup(h, RIGHT_SEND);
	hr = dup(h, RIGHT_RECV);
	close(h);
	if (hs < 0 || hr < 0) {
		eprintf("parwork: dup: %s\n", errno_name(hs < 0 ? hs : hr));
		return false;
	}
	started = start_workers("mbox", hs, cores, k, n, pids);
	close(hs);
	while (got < started) {
		struct result r;
		long len = mbox_recv(hr, &r, sizeof(r), TIMEOUT_NEVER, NULL);

		if (len == -EPIPE)
			break;		/* no sender left: a worker died silently */
		if (len != (long)sizeof(r)) {
			eprintf("parwork: mbox_recv: %s\n",
				len < 0 ? errno_name((int)len) : "short");
			ok = false;
			break;
		}
		ok &= take_result(&r, k, seen, total);
		got++;
	}
	ok &= reap_workers(pids, started);
	close(hr);
	return ok && got == k;
}

/*
 * Gathering through a shared page.  No message at all: each worker
 * writes its own slot; wait() tells us they are done, and each slot's
 * done flag (release store, acquire load) that its result is complete.
 */
static bool job_shm(int cores, int k, long n, uint64_t *total)
{
	int h = shm_create(4096, NULL), pids[MAX_WORKERS], started;
	bool seen[MAX_WORKERS] = { false }, ok;
	struct slot *slots;

	if (h < 0) {
		eprintf("parwork: shm_create: %s\n", errno_name(h));
		return false;
	}
	slots = shm_map(h, PROT_READ | PROT_WRITE);
	if (ptr_error(slots)) {
		eprintf("parwork: shm_map: %s\n", errno_name(ptr_error(slots)));
		close(h);
		return false;
	}
	started = start_workers("shm", h, cores, k, n, pids);
	close(h);			/* our mapping keeps the page alive */
	ok = reap_workers(pids, started) && started == k;
	for (int i = 0; i < k; i++) {
		if (!__atomic_load_n(&slots[i].done, __ATOMIC_ACQUIRE)) {
			eprintf("parwork: worker %d left no result\n", i);
			ok = false;
			continue;
		}
		ok &= take_result(&slots[i].r, k, seen, total);
	}
	shm_unmap(slots);
	return ok;
}

/* Runs the job once with k workers on `cores` cores; records a row. */
static bool timed_run(enum method m, int cores, int k, long n, uint64_t want)
{
	struct run *r = &runs[nruns++];
	bool ok;

	r->method = m;
	r->cores = cores;
	r->workers = k;
	r->primes = 0;
	/* A CPU credits a process's busy cycles when it leaves the CPU, so
	 * sleep a moment first: our own work so far (the reference count,
	 * the last run) is then credited before the first snapshot and not
	 * inside this run's deltas. */
	sleep(1);
	counters_take(&snap_before);
	if (m == METHOD_MBOX)
		ok = job_mbox(cores, k, n, &r->primes);
	else
		ok = job_shm(cores, k, n, &r->primes);
	counters_take(&snap_after);
	r->cycles = snap_after.tsc - snap_before.tsc;
	r->ms = (snap_after.ns - snap_before.ns) / 1000000;
	if (snap_before.ncpu <= 0 || snap_after.ncpu != snap_before.ncpu)
		ok = false;
	counters_delta(&snap_before, &snap_after, &snap_delta);
	r->coh_valid = snap_delta.ncpu > 0 && snap_delta.cpu[0].coh_valid;
	r->coh_lines = coh_lines_among(&snap_delta, ~0ull);
	r->coh_hitm = 0;
	for (int c = 0; c < snap_delta.ncpu; c++) {
		const struct cpu_counters *d = &snap_delta.cpu[c];

		r->core[c] = (struct core_delta){ d->busy_cycles, d->ctx_switches, d->migrations_in,
						   d->msgs_sent, d->msgs_received, coh_lines_in(d) };
		r->coh_hitm += coh_hitm(d);
	}
	r->verified = ok && r->primes == want;
	return r->verified;
}

/* ---- Output ---- */

/* x.yy from a ratio num/den, as an integer count of hundredths. */
static uint64_t hundredths(uint64_t num, uint64_t den)
{
	return den ? (num * 100 + den / 2) / den : 0;
}

static const char *method_name(enum method m)
{
	return m == METHOD_MBOX ? "mbox" : "shm";
}

/* The hypervisor's CPUID signature ("TCGTCGTCGTCG" under QEMU's
 * emulator, "KVMKVMKVM" under KVM), or "" on bare metal. */
static void hypervisor_name(char *out)
{
	uint32_t a, b, c, d;

	out[0] = 0;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 31)))
		return;		/* no hypervisor bit */
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000000), "c"(0));
	memcpy(out, &b, 4);
	memcpy(out + 4, &c, 4);
	memcpy(out + 8, &d, 4);
	out[12] = 0;
}

static void print_note(void)
{
	char hv[13];

	hypervisor_name(hv);
	if (strncmp(hv, "TCGTCGTCG", 9) == 0) {
		printf("note: running under QEMU's TCG emulator: each virtual CPU is a "
		       "host thread,\n"
		       "note: so speedup is bounded by the host's physical cores under TCG; "
		       "see docs.\n"
		       "note: a guest cannot count the host's cores "
		       "(docs/why-cooperate.md: here, 2).\n");
	} else if (strncmp(hv, "KVMKVMKVM", 9) == 0) {
		printf("note: running under KVM: speedup is bounded by the host cores the\n"
		       "note: virtual CPUs get; see docs/why-cooperate.md.\n");
	} else if (hv[0]) {
		printf("note: hypervisor \"%s\": speedup is bounded by the host's physical\n"
		       "note: cores; see docs/why-cooperate.md.\n", hv);
	}
}

/* A count of the coherence model, or n/a without it. */
static const char *coh_num(bool valid, uint64_t v, char *buf, size_t cap)
{
	if (valid)
		snprintf(buf, cap, "%lu", v);
	else
		strlcpy(buf, "n/a", cap);
	return buf;
}

static void print_table(uint64_t ref_cycles, uint64_t ref_ms)
{
	char b1[24], b2[24];

	printf("\n%5s %7s %6s %8s %8s %11s %9s %9s %7s %8s %6s %9s\n", "cores", "workers",
	       "method", "primes", "verified", "lines moved", "of them", "Mcycles", "ms",
	       "speedup", "effic", "cpu Mcyc");
	printf("%5s %7s %6s %8s %8s %11s %9s\n", "", "", "", "", "", "", "HITM");
	for (int i = 0; i < nruns; i++) {
		const struct run *r = &runs[i];
		uint64_t sp = hundredths(ref_cycles, r->cycles), busy = 0;

		for (int c = 0; c < ncpu() && c < COUNTERS_MAX_CPUS; c++)
			busy += r->core[c].busy_cycles;
		printf("%5d %7d %6s %8lu %8s %11s %9s %9lu %7lu %5lu.%02lux %5lu%% %9lu\n", r->cores,
		       r->workers, method_name(r->method), r->primes, r->verified ? "yes" : "NO",
		       coh_num(r->coh_valid, r->coh_lines, b1, sizeof(b1)),
		       coh_num(r->coh_valid, r->coh_hitm, b2, sizeof(b2)),
		       r->cycles / 1000000, r->ms, sp / 100, sp % 100, sp / r->cores,
		       busy / 1000000);
	}
	printf("(reference: 1 process, no workers: %lu Mcycles, %lu ms.  speedup = reference /\n"
	       " wall time; effic = speedup / cores; cpu Mcyc = busy cycles summed over all "
	       "cores;\n lines moved: cache lines that went from one core's cache to another's "
	       "during the run,\n whole machine, kernel included (the coherence model; n/a "
	       "without COHERENCE=1))\n", ref_cycles / 1000000, ref_ms);
}

static void print_counters(void)
{
	int n = ncpu() < COUNTERS_MAX_CPUS ? ncpu() : COUNTERS_MAX_CPUS;

	printf("\nper-core counter deltas, each run (counters() before and after):\n");
	printf("%4s %4s %10s %6s %6s %6s %8s %8s %9s\n", "run", "cpu", "busy Mcyc", "busy%",
	       "ctxsw", "mig-in", "msgs out", "msgs in", "lines in");
	for (int i = 0; i < nruns; i++) {
		const struct run *r = &runs[i];

		for (int c = 0; c < n; c++) {
			const struct core_delta *d = &r->core[c];
			char label[16] = "", b[24];

			if (c == 0)
				snprintf(label, sizeof(label), "%d", i + 1);
			printf("%4s %4d %10lu %5lu%% %6lu %6lu %8lu %8lu %9s\n", label, c,
			       d->busy_cycles / 1000000, hundredths(d->busy_cycles, r->cycles),
			       d->ctx_switches, d->migrations_in, d->msgs_sent, d->msgs_received,
			       coh_num(r->coh_valid, d->lines_in, b, sizeof(b)));
		}
	}
}

/* ---- main ---- */

static int usage(void)
{
	eprintf("usage: parwork [-n N] [-k K] [--method mbox|shm|both] [--sweep]\n"
		"  N: count primes below N (2..2147483647, default %d)\n"
		"  K: worker processes (1..%d, default: one per CPU)\n", DEFAULT_N, MAX_WORKERS);
	return 2;
}

/* METHOD_* for a --method argument, or 0. */
static enum method parse_method(const char *v)
{
	if (strcmp(v, "mbox") == 0)
		return METHOD_MBOX;
	if (strcmp(v, "shm") == 0)
		return METHOD_SHM;
	if (strcmp(v, "both") == 0)
		return METHOD_BOTH;
	return 0;
}

/* Runs the chosen methods for one (cores, workers) pair. */
static bool run_methods(enum method m, int cores, int k, long n, uint64_t want)
{
	bool ok = true;

	if (m & METHOD_MBOX)
		ok &= timed_run(METHOD_MBOX, cores, k, n, want);
	if (m & METHOD_SHM)
		ok &= timed_run(METHOD_SHM, cores, k, n, want);
	return ok;
}

int main(int argc, char **argv)
{
	long n = DEFAULT_N, k = 0, known;	/* k = 0: one worker per CPU */
	enum method m = METHOD_BOTH;
	bool sweep = false, ok = true;
	int cpus = ncpu();
	int64_t mask = getaffinity(0);
	uint64_t ref, t0, ms0, ref_ms;

	if (argc == 6 && strcmp(argv[1], "--worker") == 0)
		return worker_main(argv);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--sweep") == 0)
			sweep = true;
		else if (strcmp(a, "-n") == 0 && v && parse_long(v, &n))
			i++;
		else if (strcmp(a, "-k") == 0 && v && parse_long(v, &k) && k >= 1)
			i++;
		else if (strcmp(a, "--method") == 0 && v && (m = parse_method(v)) != 0)
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

	printf("parwork: count the primes below %ld, split into blocks of %d; %d CPUs online\n",
	       n, BLOCK, cpus);
	print_note();

	/* The reference: the whole job in this one process, on CPU 0. */
	setaffinity(0, 1);
	t0 = tsc_now();
	ms0 = uptime_ms();
	ref = count_share((uint32_t)n, 0, 1);
	t0 = tsc_now() - t0;
	ref_ms = uptime_ms() - ms0;
	setaffinity(0, (uint64_t)mask);
	known = known_count(n);
	printf("reference: 1 process on cpu 0: %lu primes in %lu ms%s\n", ref, ref_ms,
	       known < 0 ? "" : known == (long)ref ? " (the known value)" : " (NOT pi(N))");
	if (known >= 0 && known != (long)ref)
		ok = false;

	if (sweep) {
		for (int c = 1; c <= cpus; c++)
			ok &= run_methods(m, c, c, n, ref);
		if (2 * cpus <= MAX_WORKERS)
			ok &= run_methods(m, cpus, 2 * cpus, n, ref);
	} else {
		ok &= run_methods(m, k < cpus ? (int)k : cpus, (int)k, n, ref);
	}
	print_table(t0, ref_ms);
	print_counters();
	printf("\nparwork: %s\n",
	       ok ? "every result verified" : "FAILED: a result was wrong or missing");
	return ok ? 0 : 1;
}
