/*
 * pingpong [A B] [-n N]: what a round trip between two cores costs in
 * each IPC model.
 *
 * This process pins itself to CPU A and spawns a partner pinned to CPU B
 * (spawn_opts.affinity), handing it two mailboxes and a shared page
 * through spawn_opts.handles.  Then N round trips (default 1000) each way:
 *
 *   mailbox:      send 8 bytes, the partner's blocking receive returns,
 *                 it sends them back, our blocking receive returns.  The
 *                 kernel copies, blocks and wakes (an IPI across cores).
 *   shared page:  store a counter, the partner spins until it sees it and
 *                 stores it back, we spin until we see that.  No kernel.
 *
 * Each round trip is timed with rdtsc on our own core, so the two cores'
 * time-stamp counters never need to agree.  Printed: median, minimum,
 * 99th percentile and maximum cycles, and the average in nanoseconds
 * (uptime over all N), then one line "pingpong: result key=value ..."
 * for scripts.  The median is the number to quote: under QEMU without
 * KVM a virtual CPU can lose the host CPU for milliseconds, which shows
 * in the maximum and the average, not in the median.
 *
 * Defaults: CPUs 0 and 1.  On a single CPU both sides run on CPU 0,
 * whatever was asked, and the output says so.  With A == B the partner
 * runs only when we block or yield, so the numbers are context-switch
 * costs, and spinning yields at once instead of burning its time slice.
 */
#include "ipc.h"

#define DEFAULT_N	1000
#define MAX_N		100000
#define WARMUP		50
#define STOP		(~0ull)

struct page {
	uint64_t ping __attribute__((aligned(64)));	/* written by us */
	uint64_t pong __attribute__((aligned(64)));	/* written by the partner */
};

/* Handles as the partner sees them (spawn copies them to 0, 1, 2). */
#define H_IN	0	/* receive: our pings */
#define H_OUT	1	/* send: its pongs */
#define H_PAGE	2	/* the shared page */

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static unsigned yield_every = 4096;	/* 1 when both share a CPU */

static void relax(unsigned *spins)
{
	__builtin_ia32_pause();
	if (++*spins % yield_every == 0)
		yield();
}

/* Spins until *p holds want (acquire: what was written before it is
 * visible after). */
static void await(uint64_t *p, uint64_t want)
{
	unsigned spins = 0;

	while (__atomic_load_n(p, __ATOMIC_ACQUIRE) != want)
		relax(&spins);
}

/* ---- The partner ---- */

static int partner(bool same_cpu)
{
	struct page *pg;
	uint64_t v = 0;

	if (same_cpu)
		yield_every = 1;
	/* Mailbox model: echo until STOP. */
	while (v != STOP) {
		if (mbox_recv(H_IN, &v, sizeof(v), TIMEOUT_NEVER, NULL) != sizeof(v) ||
		    mbox_send(H_OUT, &v, sizeof(v), TIMEOUT_NEVER, NO_HANDLE, 0) < 0)
			return 1;
	}
	/* Shared-page model: echo every new ping until STOP. */
	pg = shm_map(H_PAGE, PROT_READ | PROT_WRITE);
	if (ptr_error(pg))
		return 1;
	for (uint64_t next = 1;; next++) {
		unsigned spins = 0;

		while ((v = __atomic_load_n(&pg->ping, __ATOMIC_ACQUIRE)) != next && v != STOP)
			relax(&spins);
		if (v == STOP)
			return 0;
		__atomic_store_n(&pg->pong, v, __ATOMIC_RELEASE);
	}
}

/* ---- Our side ---- */

struct stats {
	uint64_t median, min, p99, max, avg_ns;
};

/* Shell sort: no recursion, fine for MAX_N values. */
static void sort(uint64_t *a, long n)
{
	for (long gap = n / 2; gap > 0; gap /= 2)
		for (long i = gap; i < n; i++)
			for (long j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
				uint64_t t = a[j];

				a[j] = a[j - gap];
				a[j - gap] = t;
			}
}

static void summarize(uint64_t *cycles, long n, uint64_t ns, struct stats *st)
{
	sort(cycles, n);
	st->median = cycles[n / 2];
	st->min = cycles[0];
	st->p99 = cycles[n * 99 / 100];
	st->max = cycles[n - 1];
	st->avg_ns = ns / (uint64_t)n;
}

static int mbox_rounds(int out, int in, uint64_t *cycles, long n, struct stats *st)
{
	uint64_t v, t0 = 0;

	for (long i = -WARMUP; i < n; i++) {
		uint64_t c0 = rdtsc();

		if (i == 0)
			t0 = uptime();
		v = (uint64_t)(i + WARMUP);
		if (mbox_send(out, &v, sizeof(v), TIMEOUT_NEVER, NO_HANDLE, 0) < 0 ||
		    mbox_recv(in, &v, sizeof(v), TIMEOUT_NEVER, NULL) != sizeof(v) ||
		    v != (uint64_t)(i + WARMUP))
			return -1;
		if (i >= 0)
			cycles[i] = rdtsc() - c0;
	}
	summarize(cycles, n, uptime() - t0, st);
	v = STOP;
	return mbox_send(out, &v, sizeof(v), TIMEOUT_NEVER, NO_HANDLE, 0);
}

static void shm_rounds(struct page *pg, uint64_t *cycles, long n, struct stats *st)
{
	uint64_t t0 = 0;

	for (long i = -WARMUP; i < n; i++) {
		uint64_t v = (uint64_t)(i + WARMUP + 1), c0 = rdtsc();

		if (i == 0)
			t0 = uptime();
		__atomic_store_n(&pg->ping, v, __ATOMIC_RELEASE);
		await(&pg->pong, v);
		if (i >= 0)
			cycles[i] = rdtsc() - c0;
	}
	summarize(cycles, n, uptime() - t0, st);
	__atomic_store_n(&pg->ping, STOP, __ATOMIC_RELEASE);
}

/* Makes the mailboxes and page, starts the partner on CPU b. */
static int start_partner(long b, int *ping, int *pong, int *page)
{
	char *argv[] = { "pingpong", "--partner", NULL, NULL };
	struct spawn_opts opts = { .affinity = 1ull << b, .nhandles = 3 };
	int pid;

	*ping = mbox_create(1, NULL);
	*pong = mbox_create(1, NULL);
	*page = shm_create(sizeof(struct page), NULL);
	if (*ping < 0 || *pong < 0 || *page < 0)
		return *ping < 0 ? *ping : *pong < 0 ? *pong : *page;
	/* The partner gets only what it needs: receive pings, send pongs. */
	opts.handles[H_IN] = dup(*ping, RIGHT_RECV);
	opts.handles[H_OUT] = dup(*pong, RIGHT_SEND);
	opts.handles[H_PAGE] = *page;
	if (opts.handles[H_IN] < 0 || opts.handles[H_OUT] < 0)
		return -EQUOTA;
	argv[2] = yield_every == 1 ? "same" : "other";
	pid = spawn("pingpong", argv, &opts);
	close(opts.handles[H_IN]);
	close(opts.handles[H_OUT]);
	return pid;
}

static int usage(void)
{
	eprintf("usage: pingpong [A B] [-n N]   (CPUs A and B, N round trips, N <= %d)\n", MAX_N);
	return 2;
}

int main(int argc, char **argv)
{
	long a = 0, b = ncpu() > 1 ? 1 : 0, n = DEFAULT_N;
	int ping, pong, page, pid, pos = 0;
	struct stats sm, ss;
	struct wait_info wi;
	struct page *pg;
	uint64_t *cycles;

	if (argc == 3 && strcmp(argv[1], "--partner") == 0)
		return partner(strcmp(argv[2], "same") == 0);
	for (int i = 1; i < argc; i++) {
		long v;

		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc && parse_long(argv[i + 1], &n))
			i++;
		else if (pos < 2 && parse_long(argv[i], &v))
			*(pos++ == 0 ? &a : &b) = v;
		else
			return usage();
	}
	if (pos == 1 || n < 1 || n > MAX_N)
		return usage();
	if (ncpu() == 1 && (a != 0 || b != 0)) {
		printf("pingpong: only one CPU: both sides run on cpu 0\n");
		a = b = 0;
	}
	if (a < 0 || b < 0 || a >= ncpu() || b >= ncpu()) {
		eprintf("pingpong: CPUs 0..%d only\n", ncpu() - 1);
		return 2;
	}
	if (a == b)
		yield_every = 1;
	cycles = malloc((size_t)n * sizeof(*cycles));
	if (!cycles || setaffinity(0, 1ull << a) < 0) {
		eprintf("pingpong: no memory, or cannot run on CPU %ld\n", a);
		return 1;
	}
	pid = start_partner(b, &ping, &pong, &page);
	if (pid < 0) {
		eprintf("pingpong: cannot start the partner: %s\n", errno_name(pid));
		return 1;
	}
	pg = shm_map(page, PROT_READ | PROT_WRITE);
	if (ptr_error(pg) || mbox_rounds(ping, pong, cycles, n, &sm) < 0) {
		eprintf("pingpong: mailbox round trips failed\n");
		kill(pid);
		wait(pid, &wi);
		return 1;
	}
	shm_rounds(pg, cycles, n, &ss);
	if (wait(pid, &wi) != pid || wi.how != EXIT_NORMAL || wi.status != 0) {
		eprintf("pingpong: the partner failed\n");
		return 1;
	}
	printf("pingpong: cpu %ld <-> cpu %ld, %ld round trips per model%s\n", a, b, n,
	       a == b ? " (same CPU: each round trip is two context switches)" : "");
	printf("  mailbox (blocking send/recv): median %lu cycles, min %lu, p99 %lu, max %lu; "
	       "avg %lu ns\n", sm.median, sm.min, sm.p99, sm.max, sm.avg_ns);
	printf("  shared page (spinning):       median %lu cycles, min %lu, p99 %lu, max %lu; "
	       "avg %lu ns\n", ss.median, ss.min, ss.p99, ss.max, ss.avg_ns);
	printf("pingpong: result cpu_a=%ld cpu_b=%ld n=%ld mbox_median_cycles=%lu "
	       "mbox_min_cycles=%lu mbox_p99_cycles=%lu mbox_avg_ns=%lu shm_median_cycles=%lu "
	       "shm_min_cycles=%lu shm_p99_cycles=%lu shm_avg_ns=%lu\n",
	       a, b, n, sm.median, sm.min, sm.p99, sm.avg_ns, ss.median, ss.min, ss.p99, ss.avg_ns);
	shm_unmap(pg);
	close(ping);
	close(pong);
	close(page);
	free(cycles);
	return 0;
}
