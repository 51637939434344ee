/*
 * cachebench: the cache-line lab (docs/cache-lab.md).  How many cache
 * lines move from one core to another, what does that cost, and what do
 * the kernel's own mechanisms add on top?  With the coherence model
 * (COHERENCE=1) every test leads with the lines moved; the timings
 * follow.
 *
 *   cachebench matrix          core-to-core round trip for every pair
 *   cachebench false-sharing   two counters in one line vs one line each
 *   cachebench shm-vs-msg      one hand-off: shared page, mailbox, polling
 *   cachebench all             the three in turn
 *
 * Every measurement runs between this process, pinned to one CPU, and a
 * partner it spawns pinned to another (this same program, started with
 * the hidden first argument --partner), sharing one page and, for the
 * mailbox modes, two mailboxes passed through spawn_opts.handles.  Times
 * are TSC cycles read on our own CPU only, so the two CPUs' clocks never
 * need to agree.
 *
 * Every spin loop executes `pause`.  Real CPUs want it (it saves power
 * and the pipeline flush at the end of the loop); under QEMU's TCG it is
 * what makes the emulator leave the translated block and let the other
 * vCPU's store be seen at all (docs/cache-lab.md, "What pause costs"), and it is
 * part of the cost we measure.
 */
#include "counters.h"
#include "ipc.h"

#define DEFAULT_N	1000
#define MAX_N		100000
#define WARMUP		20
#define FS_PER_N	1000		/* false sharing: increments per -n unit */
#define STOP		(~0ull)
#define STALL_MS	10000		/* no progress this long: give up */

/* The shared page.  Each field the two sides hand over sits in its own
 * cache line, so only the line a test means to bounce ever moves. */
struct lab {
	uint64_t line __attribute__((aligned(64)));	/* the bounced line */
	uint64_t ready __attribute__((aligned(64)));	/* partner: mapped, waiting */
	uint64_t go __attribute__((aligned(64)));	/* us: start now */
	uint64_t same[2] __attribute__((aligned(64)));	/* false sharing: one line */
	struct {
		uint64_t count __attribute__((aligned(64)));	/* padded: a line each */
	} padded[2];
	struct {
		uint64_t tsc0, tsc1, ns0, ns1;
	} __attribute__((aligned(64))) side[2];		/* [0] ours, [1] the partner's: a line each */
};

_Static_assert(sizeof(struct lab) <= 4096, "the lab fits one page");

/* The partner's handles (spawn copies ours to 0, 1, 2). */
#define H_LAB	0
#define H_TO	1	/* mailbox: us -> partner */
#define H_FROM	2	/* mailbox: partner -> us */

struct options {
	long n;
	int cpus[COUNTERS_MAX_CPUS];
	int ncpus;		/* 0: all */
	bool verbose;
	bool no_pause;		/* spin without pause: to measure what it costs */
};

static struct options opt = { .n = DEFAULT_N };
static unsigned yield_every;	/* nonzero when both sides share a CPU */
static uint64_t *samples;

/* ---- Counting the lines that move (the coherence model) ----
 *
 * With COHERENCE=1 every CPU's counters carry the model's counts, and a
 * window of two snapshots shows how many cache lines moved between two
 * CPUs meanwhile (the lines_from and modified_from matrices, so what
 * other CPUs do is left out).  Taking a snapshot moves lines itself (it
 * runs on every CPU and the caller reads their blocks), so a window
 * opens with two snapshots back to back: their difference is that cost,
 * taken off every figure we print.  Two more before them warm the path
 * and the buffers on this CPU: a partner's first interrupt touches fresh
 * stack lines, and a buffer last written on another CPU would have to
 * come here (a window starts where this CPU copies its own block, so it
 * holds the copy-out of that same call: into snap[0] for the cost, into
 * snap[1] for the measurement). */

static bool model;	/* the counters carry the model's counts */
static struct counters_snap snap[3], delta, overhead;

static void window_open(void)
{
	counters_take(&snap[0]);	/* warm-up: see above */
	counters_take(&snap[1]);
	counters_take(&snap[0]);
	counters_take(&snap[1]);
}

static void window_close(void)
{
	counters_take(&snap[2]);
	counters_delta(&snap[0], &snap[1], &overhead);
	counters_delta(&snap[1], &snap[2], &delta);
}

/* Lines moved between CPUs a and b in the last window, raw and what one
 * snapshot moved; all of them, and those taken from a modified copy. */
struct moved {
	uint64_t lines, hitm;		/* in the window */
	uint64_t snap_lines, snap_hitm;	/* one snapshot's own share */
};

static void window_moved(int a, int b, struct moved *m)
{
	m->lines = coh_pair_lines(&delta, a, b);
	m->hitm = coh_pair_hitm(&delta, a, b);
	m->snap_lines = coh_pair_lines(&overhead, a, b);
	m->snap_hitm = coh_pair_hitm(&overhead, a, b);
}

/* raw minus what is not the measured work, never below 0. */
static uint64_t net(uint64_t raw, uint64_t other)
{
	return raw > other ? raw - other : 0;
}

/* The model's fields of a record, null without the model: the raw
 * window and snapshot counts, the signals that are not the measured
 * work, and the rest per `per_name` (x1000; per: how many). */
static void out_moved(const struct moved *m, uint64_t signals, uint64_t per, const char *per_name)
{
	static const char *const keys[] = { "coh_lines", "coh_hitm", "coh_snapshot_lines",
					    "coh_snapshot_hitm" };
	uint64_t v[] = { m->lines, m->hitm, m->snap_lines, m->snap_hitm };
	char k1[48], k2[48];

	snprintf(k1, sizeof(k1), "coh_lines_per_%s", per_name);
	snprintf(k2, sizeof(k2), "coh_hitm_per_%s", per_name);
	for (int i = 0; i < 4; i++)
		if (model)
			out_u(keys[i], v[i]);
		else
			out_null(keys[i]);
	out_u("coh_signal_lines", signals);
	if (model) {
		out_milli(k1, net(m->lines, m->snap_lines + signals) * 1000 / per);
		out_milli(k2, net(m->hitm, m->snap_hitm + signals) * 1000 / per);
	} else {
		out_null(k1);
		out_null(k2);
	}
}

/* ---- Spinning ---- */

struct spin {
	unsigned long spins;
	uint64_t deadline_ms;
};

static void spin_start(struct spin *s)
{
	s->spins = 0;
	s->deadline_ms = 0;
}

/* One turn of a wait loop.  Returns false once nothing has happened for
 * STALL_MS (the other side died or never started), checked only every
 * 2^18 turns so the check costs nothing in a healthy run. */
static bool relax(struct spin *s)
{
	if (!opt.no_pause)
		__builtin_ia32_pause();
	s->spins++;
	if (yield_every && s->spins % yield_every == 0)
		yield();	/* same CPU: the other side runs only if we let it */
	if (s->spins % (1ul << 18) == 0) {
		uint64_t now = uptime_ms();

		if (!s->deadline_ms)
			s->deadline_ms = now + STALL_MS;
		else if (now > s->deadline_ms)
			return false;
	}
	return true;
}

/* Waits until *p is want or STOP; returns what it saw, or 0 on a stall. */
static uint64_t await(uint64_t *p, uint64_t want)
{
	struct spin s;
	uint64_t v;

	spin_start(&s);
	while ((v = __atomic_load_n(p, __ATOMIC_ACQUIRE)) != want && v != STOP)
		if (!relax(&s))
			return 0;
	return v;
}

/* ---- The partner (cachebench --partner MODE ...) ---- */

/* The line protocol: we store odd values, the partner answers each v
 * with v + 1 in the same word, so one cache line crosses twice per round
 * trip and nothing else moves. */
static int partner_line(struct lab *lab)
{
	for (uint64_t v = 1;; v += 2) {
		uint64_t got = await(&lab->line, v);

		if (got == STOP)
			return 0;
		if (got != v)
			return 1;
		__atomic_store_n(&lab->line, v + 1, __ATOMIC_RELEASE);
	}
}

/* Receives one 8-byte value: blocking, or polling with pause. */
static bool recv_value(int h, uint64_t *v, bool poll)
{
	struct spin s;
	long r;

	if (!poll)
		return mbox_recv(h, v, sizeof(*v), TIMEOUT_NEVER, NULL) == sizeof(*v);
	spin_start(&s);
	while ((r = mbox_recv(h, v, sizeof(*v), TIMEOUT_POLL, NULL)) == -EAGAIN)
		if (!relax(&s))
			return false;
	return r == sizeof(*v);
}

static bool send_value(int h, uint64_t v, bool poll)
{
	struct spin s;
	int r;

	if (!poll)
		return mbox_send(h, &v, sizeof(v), TIMEOUT_NEVER, NO_HANDLE, 0) == 0;
	spin_start(&s);
	while ((r = mbox_send(h, &v, sizeof(v), TIMEOUT_POLL, NO_HANDLE, 0)) == -EAGAIN)
		if (!relax(&s))
			return false;
	return r == 0;
}

/* Echoes every value back until STOP. */
static int partner_mbox(bool poll)
{
	for (;;) {
		uint64_t v;

		if (!recv_value(H_TO, &v, poll))
			return 1;
		if (v == STOP)
			return 0;
		if (!send_value(H_FROM, v, poll))
			return 1;
	}
}

/* Increments its counter n times once go is 1, then sets go to 2: the
 * two signals move the go line exactly twice.  It then waits for go 3,
 * sent once the counting is over: our exit would move some thirty lines
 * the other side wrote (the shared page's object, the parent's wake-up),
 * and must not fall inside the count. */
static int partner_inc(struct lab *lab, bool padded, long n)
{
	volatile uint64_t *c = padded ? &lab->padded[1].count : &lab->same[1];

	if (await(&lab->go, 1) != 1)
		return 1;
	lab->side[1].ns0 = uptime();
	lab->side[1].tsc0 = tsc_now();
	for (long k = 0; k < n; k++)
		(*c)++;
	lab->side[1].tsc1 = tsc_now();
	lab->side[1].ns1 = uptime();
	__atomic_store_n(&lab->go, 2, __ATOMIC_RELEASE);
	return await(&lab->go, 3) == 3 ? 0 : 1;
}

static int partner(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[2] : "";
	struct lab *lab = shm_map(H_LAB, PROT_READ | PROT_WRITE);
	long n = 0;

	if (ptr_error(lab))
		return 1;
	if (argc > 3 && strcmp(argv[3], "yield") == 0)
		yield_every = 1;
	opt.no_pause = argc > 3 && strcmp(argv[3], "nopause") == 0;
	if (argc > 4)
		parse_long(argv[4], &n);
	/* Our own lines come here before anything is counted: the first
	 * touch of a line the other side cleared would move it. */
	lab->padded[1].count = 0;
	lab->side[1].tsc0 = 0;
	__atomic_store_n(&lab->ready, 1, __ATOMIC_RELEASE);
	if (strcmp(mode, "line") == 0)
		return partner_line(lab);
	if (strcmp(mode, "mbox") == 0 || strcmp(mode, "poll") == 0)
		return partner_mbox(mode[0] == 'p');
	if (strcmp(mode, "same") == 0 || strcmp(mode, "padded") == 0)
		return partner_inc(lab, mode[0] == 'p', n);
	return 2;
}

/* ---- Our side ---- */

struct session {
	int h[3];		/* lab, mailbox to, mailbox from */
	struct lab *lab;
	int pid;		/* the partner, while it runs */
};

static bool session_open(struct session *s)
{
	s->h[0] = shm_create(sizeof(struct lab), NULL);
	s->h[1] = mbox_create(4, NULL);
	s->h[2] = mbox_create(4, NULL);
	s->pid = 0;
	if (s->h[0] < 0 || s->h[1] < 0 || s->h[2] < 0) {
		eprintf("cachebench: cannot create the shared page or mailboxes\n");
		return false;
	}
	s->lab = shm_map(s->h[0], PROT_READ | PROT_WRITE);
	if (ptr_error(s->lab)) {
		eprintf("cachebench: shm_map: %s\n", errno_name(ptr_error(s->lab)));
		return false;
	}
	return true;
}

static void session_close(struct session *s)
{
	if (!ptr_error(s->lab))
		shm_unmap(s->lab);
	for (int i = 0; i < 3; i++)
		if (s->h[i] >= 0)
			close(s->h[i]);
}

/*
 * Pins us to cpu a, starts the partner on cpu b in mode (with an
 * increment count for the false-sharing modes) and waits until it has
 * mapped the page.  The lab is cleared first, on cpu a.
 */
static bool partner_start(struct session *s, int a, int b, const char *mode, long n)
{
	struct spawn_opts so = { .affinity = 1ull << b, .nhandles = 3 };
	char nbuf[24];
	char *argv[] = { "cachebench", "--partner", (char *)mode,
			 a == b ? "yield" : opt.no_pause ? "nopause" : "spin", nbuf, NULL };
	int err;

	snprintf(nbuf, sizeof(nbuf), "%ld", n);
	for (int i = 0; i < 3; i++)
		so.handles[i] = s->h[i];
	yield_every = a == b ? 1 : 0;
	if ((err = setaffinity(0, 1ull << a)) < 0) {
		eprintf("cachebench: setaffinity(cpu %d): %s\n", a, errno_name(err));
		return false;
	}
	/* Cleared on cpu a, and the samples written once there: every line
	 * we use starts in cpu a's cache, none in the one we came from. */
	memset(s->lab, 0, sizeof(*s->lab));
	memset(samples, 0, opt.n * sizeof(uint64_t));
	if ((s->pid = spawn("cachebench", argv, &so)) < 0) {
		eprintf("cachebench: spawn partner: %s\n", errno_name(s->pid));
		s->pid = 0;
		return false;
	}
	if (await(&s->lab->ready, 1) != 1) {
		eprintf("cachebench: the partner on cpu %d never started\n", b);
		return false;
	}
	return true;
}

/* Waits for the partner; true if it exited with status 0.  A partner
 * that is stuck is killed first when kill_it is set. */
static bool partner_end(struct session *s, bool kill_it)
{
	struct wait_info wi;
	char why[96];

	if (!s->pid)
		return false;
	if (kill_it)
		kill(s->pid);
	if (wait(s->pid, &wi) != s->pid) {
		s->pid = 0;
		return false;
	}
	s->pid = 0;
	if (wi.how == EXIT_NORMAL && wi.status == 0)
		return true;
	if (!kill_it) {
		exit_reason(&wi, why, sizeof(why));
		eprintf("cachebench: partner ended with %s\n", why);
	}
	return false;
}

/* n timed round trips over the line (after WARMUP untimed ones) into
 * samples[], inside a counting window; false if the partner stopped
 * answering. */
static bool line_round_trips(struct lab *lab, long n)
{
	uint64_t v = 1;

	for (long k = -WARMUP; k < n; k++, v += 2) {
		uint64_t t0;

		if (k == 0)
			window_open();
		t0 = tsc_now();
		__atomic_store_n(&lab->line, v, __ATOMIC_RELEASE);
		if (await(&lab->line, v + 1) != v + 1)
			return false;
		if (k >= 0)
			samples[k] = tsc_now() - t0;
	}
	window_close();
	__atomic_store_n(&lab->line, STOP, __ATOMIC_RELEASE);
	return true;
}

static bool mbox_round_trips(struct session *s, long n, bool poll)
{
	for (long k = -WARMUP; k < n; k++) {
		uint64_t t0, v = (uint64_t)(k + WARMUP), back = 0;

		if (k == 0)
			window_open();
		t0 = tsc_now();
		if (!send_value(s->h[1], v, poll) || !recv_value(s->h[2], &back, poll) || back != v)
			return false;
		if (k >= 0)
			samples[k] = tsc_now() - t0;
	}
	window_close();
	return send_value(s->h[1], STOP, poll);
}

/* ---- matrix ---- */

static int cpu_list(int *list)
{
	int n = 0;

	if (opt.ncpus) {
		memcpy(list, opt.cpus, opt.ncpus * sizeof(int));
		return opt.ncpus;
	}
	for (int i = 0; i < ncpu() && i < COUNTERS_MAX_CPUS; i++)
		list[n++] = i;
	return n;
}

/* Median, p10 and p90 for every ordered pair (i measures, j answers),
 * and the lines that moved between them. */
static struct sample_stats grid[COUNTERS_MAX_CPUS][COUNTERS_MAX_CPUS];
static struct moved grid_moved[COUNTERS_MAX_CPUS][COUNTERS_MAX_CPUS];

enum grid_what { G_MEDIAN, G_SPREAD, G_LINES, G_HITM };

/* One cell of a table: the median, "p10/p90", or lines (all, or HITM
 * only) per round trip with the snapshots' share taken off. */
static void grid_cell(int i, int j, enum grid_what what, char *buf, size_t cap)
{
	const struct sample_stats *st = &grid[i][j];
	const struct moved *m = &grid_moved[i][j];
	char b[32];

	if (what == G_MEDIAN)
		snprintf(buf, cap, "%lu", st->median);
	else if (what == G_SPREAD)
		snprintf(buf, cap, "%lu/%lu", st->p10, st->p90);
	else if (what == G_LINES)
		strlcpy(buf, milli(net(m->lines, m->snap_lines) * 1000 / opt.n, b, sizeof(b)), cap);
	else
		strlcpy(buf, milli(net(m->hitm, m->snap_hitm) * 1000 / opt.n, b, sizeof(b)), cap);
}

/* The table, every column as wide as its widest cell. */
static void print_grid(const int *cpu, int n, enum grid_what what)
{
	char cell[48];
	int w = 6;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			if (i != j) {
				grid_cell(cpu[i], cpu[j], what, cell, sizeof(cell));
				w = (int)strlen(cell) > w ? (int)strlen(cell) : w;
			}
	report("  from\\to");
	for (int j = 0; j < n; j++)
		report("  %*d", w, cpu[j]);
	report("\n");
	for (int i = 0; i < n; i++) {
		report("  %7d", cpu[i]);
		for (int j = 0; j < n; j++) {
			if (i == j)
				strlcpy(cell, "-", sizeof(cell));
			else
				grid_cell(cpu[i], cpu[j], what, cell, sizeof(cell));
			report("  %*s", w, cell);
		}
		report("\n");
	}
}

static int cmd_matrix(void)
{
	int cpu[COUNTERS_MAX_CPUS], n = cpu_list(cpu), pairs = 0;
	uint64_t meds[COUNTERS_MAX_CPUS * COUNTERS_MAX_CPUS];
	struct session s;
	struct sample_stats all;

	if (n < 2) {
		out_begin("matrix");
		out_s("skipped", "needs two CPUs");
		out_u("ncpu", ncpu());
		out_end();
		if (out_get_format() == OUT_TEXT)
			report("matrix: needs two CPUs, this machine has %d (try make run SMP=4)\n",
			       ncpu());
		return 0;
	}
	if (!session_open(&s))
		return 1;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			struct sample_stats *st = &grid[cpu[i]][cpu[j]];

			if (i == j)
				continue;
			if (!partner_start(&s, cpu[i], cpu[j], "line", 0) ||
			    !line_round_trips(s.lab, opt.n)) {
				eprintf("cachebench: matrix: pair %d -> %d failed\n", cpu[i],
					cpu[j]);
				partner_end(&s, true);
				session_close(&s);
				return 1;
			}
			partner_end(&s, false);
			samples_stats(samples, opt.n, st);
			window_moved(cpu[i], cpu[j], &grid_moved[cpu[i]][cpu[j]]);
			meds[pairs++] = st->median;
			out_begin("matrix");
			out_u("from", cpu[i]);
			out_u("to", cpu[j]);
			out_u("n", opt.n);
			out_u("median", st->median);
			out_u("p10", st->p10);
			out_u("p90", st->p90);
			out_u("min", st->min);
			out_u("max", st->max);
			out_moved(&grid_moved[cpu[i]][cpu[j]], 0, opt.n, "rt");
			out_end();
		}
	session_close(&s);
	samples_stats(meds, pairs, &all);
	out_begin("matrix_summary");
	out_u("ncpu", n);
	out_u("pairs", pairs);
	out_u("n", opt.n);
	out_u("median_of_medians", all.median);
	out_u("min_median", all.min);
	out_u("max_median", all.max);
	out_end();
	if (out_get_format() != OUT_TEXT)
		return 0;
	report("core-to-core round trip of one cache line, %ld round trips per pair\n", opt.n);
	report("(row: the CPU that measures and writes first; column: the CPU that answers)\n\n");
	if (model) {
		report("cache lines moved between the two CPUs per round trip (the coherence model):\n");
		print_grid(cpu, n, G_LINES);
		report("\nof them taken from the other core's modified copy (HITM):\n");
		print_grid(cpu, n, G_HITM);
		report("\n");
	} else {
		report("lines moved per round trip: n/a (no coherence model; make run COHERENCE=1)\n\n");
	}
	report("median, TSC cycles:\n");
	print_grid(cpu, n, G_MEDIAN);
	report("\nspread, p10/p90:\n");
	print_grid(cpu, n, G_SPREAD);
	report("\nover all %d pairs: median of medians %lu, lowest %lu, highest %lu cycles\n",
	       pairs, all.median, all.min, all.max);
	return 0;
}

/* ---- false-sharing ---- */

struct fs_result {
	uint64_t tsc, ns;		/* from the first start to the last end */
	uint64_t side_tsc[2];
	struct moved m;			/* lines moved between the two CPUs */
};

#define FS_SIGNALS	2	/* the go line: to the partner, and back when it is done */

static bool fs_run(struct session *s, int a, int b, bool padded, long n, struct fs_result *r)
{
	volatile uint64_t *c = padded ? &s->lab->padded[0].count : &s->lab->same[0];
	struct lab *lab = s->lab;
	bool done;

	if (!partner_start(s, a, b, padded ? "padded" : "same", n))
		return false;
	window_open();
	__atomic_store_n(&lab->go, 1, __ATOMIC_RELEASE);
	lab->side[0].ns0 = uptime();
	lab->side[0].tsc0 = tsc_now();
	for (long k = 0; k < n; k++)
		(*c)++;
	lab->side[0].tsc1 = tsc_now();
	lab->side[0].ns1 = uptime();
	done = await(&lab->go, 2) == 2;
	window_close();
	window_moved(a, b, &r->m);
	__atomic_store_n(&lab->go, 3, __ATOMIC_RELEASE);	/* the partner may exit now */
	if (!partner_end(s, false) || !done)
		return false;
	uint64_t t0 = lab->side[0].tsc0 < lab->side[1].tsc0 ? lab->side[0].tsc0 : lab->side[1].tsc0;
	uint64_t t1 = lab->side[0].tsc1 > lab->side[1].tsc1 ? lab->side[0].tsc1 : lab->side[1].tsc1;
	uint64_t n0 = lab->side[0].ns0 < lab->side[1].ns0 ? lab->side[0].ns0 : lab->side[1].ns0;
	uint64_t n1 = lab->side[0].ns1 > lab->side[1].ns1 ? lab->side[0].ns1 : lab->side[1].ns1;

	r->tsc = t1 - t0;
	r->ns = n1 > n0 ? n1 - n0 : 1;
	for (int i = 0; i < 2; i++)
		r->side_tsc[i] = lab->side[i].tsc1 - lab->side[i].tsc0;
	/* Both counters must hold exactly n: no increment was lost. */
	return padded ? lab->padded[0].count == (uint64_t)n && lab->padded[1].count == (uint64_t)n
		      : lab->same[0] == (uint64_t)n && lab->same[1] == (uint64_t)n;
}

/* Two CPUs to use: --cpus a,b, else 0 and 1 (0 and 0 on one CPU). */
static void cpu_pair(int *a, int *b)
{
	*a = opt.ncpus >= 1 ? opt.cpus[0] : 0;
	*b = opt.ncpus >= 2 ? opt.cpus[1] : (ncpu() > 1 ? 1 : 0);
}

static int cmd_false_sharing(void)
{
	long n = opt.n * FS_PER_N;
	struct fs_result r[2];
	uint64_t rate[2];		/* increments per microsecond, x1000 */
	char b1[32], b2[32], b3[32], b4[32], b5[32];
	struct session s;
	int a, b;

	cpu_pair(&a, &b);
	if (!session_open(&s))
		return 1;
	for (int padded = 0; padded < 2; padded++) {
		if (!fs_run(&s, a, b, padded, n, &r[padded])) {
			eprintf("cachebench: false-sharing: run failed or lost increments\n");
			partner_end(&s, true);
			session_close(&s);
			return 1;
		}
		rate[padded] = 2 * (uint64_t)n * 1000000 / r[padded].ns;
		out_begin("false_sharing");
		out_s("layout", padded ? "padded" : "same_line");
		out_u("cpu_a", a);
		out_u("cpu_b", b);
		out_u("increments", 2 * n);
		out_u("tsc", r[padded].tsc);
		out_u("ns", r[padded].ns);
		out_milli("minc_per_s", rate[padded]);
		out_milli("cycles_per_inc", r[padded].tsc * 1000 / n);
		out_moved(&r[padded].m, FS_SIGNALS, 1, "run");
		out_end();
	}
	session_close(&s);
	uint64_t ratio = rate[0] ? rate[1] * 1000 / rate[0] : 0;

	out_begin("false_sharing_summary");
	out_milli("padded_over_same", ratio);
	out_end();
	if (out_get_format() != OUT_TEXT)
		return 0;
	report("false sharing: cpu %d and cpu %d each increment their own counter %ld times\n", a,
	       b, n);
	report("  layout                     lines moved  of them HITM   M increments/s"
	       "   cycles per increment (each side)\n");
	for (int p = 0; p < 2; p++) {
		const struct moved *m = &r[p].m;

		if (model) {
			snprintf(b4, sizeof(b4), "%lu", net(m->lines, m->snap_lines + FS_SIGNALS));
			snprintf(b5, sizeof(b5), "%lu", net(m->hitm, m->snap_hitm + FS_SIGNALS));
		} else {
			strlcpy(b4, "n/a", sizeof(b4));
			strlcpy(b5, "n/a", sizeof(b5));
		}
		report("  %-26s %11s %13s %16s   %s / %s\n",
		       p ? "padded (a line each)" : "same line (false sharing)", b4, b5,
		       milli(rate[p], b1, sizeof(b1)),
		       milli(r[p].side_tsc[0] * 1000 / n, b2, sizeof(b2)),
		       milli(r[p].side_tsc[1] * 1000 / n, b3, sizeof(b3)));
	}
	if (model)
		report("  lines moved: between the two CPUs while both counted, from the coherence\n"
		       "  model, without the start and stop signals and the counters' own reads\n");
	else
		report("  lines moved: n/a (no coherence model; make run COHERENCE=1)\n");
	report("  padded is %s x the rate of the shared line\n", milli(ratio, b1, sizeof(b1)));
	if (a == b)
		report("  (one CPU: the two take turns, so no line ever moves; "
		       "use SMP=2 or more)\n");
	else if (model && net(r[0].m.lines, r[0].m.snap_lines + FS_SIGNALS) < (uint64_t)n / FS_PER_N)
		report("  note: fewer than 1 line moved per %d increments of the shared line: the\n"
		       "  host hardly ran the two vCPU threads at the same time (it is busy, or has\n"
		       "  fewer free cores than vCPUs), and a line only moves when the other side\n"
		       "  wrote it in between.  The padded run's 0 holds anyway; run again on a\n"
		       "  quieter host to see the shared line move on most increments.\n", FS_PER_N);
	return 0;
}

/* ---- shm-vs-msg ---- */

enum mode { M_SHM, M_MBOX, M_POLL, NMODES };

static const char *const mode_name[NMODES] = { "shm", "mbox", "poll" };
static const char *const mode_title[NMODES] = {
	"shared page (spinning)", "mailbox (blocking)", "mailbox (polling)",
};
static const char *const partner_mode[NMODES] = { "line", "mbox", "poll" };

struct handoff {
	struct sample_stats st;
	struct cpu_counters d;		/* all CPUs, over the timed round trips */
	struct moved m;			/* lines moved between the two CPUs meanwhile */
	struct proc_counters us, them;
};

/* delta minus what taking a snapshot itself costs, never below 0. */
static void take_off(struct cpu_counters *d, const struct cpu_counters *cost)
{
	uint64_t *v = (uint64_t *)d;
	const uint64_t *c = (const uint64_t *)cost;

	for (size_t i = 0; i < sizeof(*d) / sizeof(uint64_t); i++)
		v[i] = v[i] > c[i] ? v[i] - c[i] : 0;
}

static bool handoff_run(struct session *s, int a, int b, enum mode m, struct handoff *h)
{
	struct proc_counters us0, them0, us1, them1;
	struct cpu_counters cost;
	bool ok;

	if (!partner_start(s, a, b, partner_mode[m], 0))
		return false;
	proc_counters(0, &us0);
	proc_counters(s->pid, &them0);
	ok = m == M_SHM ? line_round_trips(s->lab, opt.n)
			: mbox_round_trips(s, opt.n, m == M_POLL);
	proc_counters(s->pid, &them1);
	proc_counters(0, &us1);
	if (!ok)
		return false;
	window_moved(a, b, &h->m);
	counters_total(&overhead, ~0ull, &cost);
	counters_total(&delta, ~0ull, &h->d);
	take_off(&h->d, &cost);
	proc_counters_delta(&us0, &us1, &h->us);
	proc_counters_delta(&them0, &them1, &h->them);
	samples_stats(samples, opt.n, &h->st);
	if (opt.verbose) {
		report("\n%s, every CPU over the timed round trips:\n", mode_title[m]);
		counters_print(&delta);
	}
	return partner_end(s, false);
}

/* x per round trip, x1000 (the window holds the timed ones only). */
static uint64_t per_rt(uint64_t x)
{
	return x * 1000 / (uint64_t)opt.n;
}

/* Lines (or HITM) moved per hand-off, x1000, the snapshots' share off;
 * "n/a" without the model. */
static const char *per_handoff(const struct handoff *h, bool hitm, char *buf, size_t cap)
{
	uint64_t x = hitm ? net(h->m.hitm, h->m.snap_hitm) : net(h->m.lines, h->m.snap_lines);

	if (!model) {
		strlcpy(buf, "n/a", cap);
		return buf;
	}
	return milli(x * 1000 / (2 * (uint64_t)opt.n), buf, cap);
}

static int cmd_shm_vs_msg(void)
{
	struct handoff h[NMODES];
	char b[7][32];
	struct session s;
	int a, c;

	cpu_pair(&a, &c);
	if (!session_open(&s))
		return 1;
	for (int m = 0; m < NMODES; m++) {
		if (!handoff_run(&s, a, c, m, &h[m])) {
			eprintf("cachebench: shm-vs-msg: %s failed\n", mode_name[m]);
			partner_end(&s, true);
			session_close(&s);
			return 1;
		}
		out_begin("shm_vs_msg");
		out_s("mode", mode_name[m]);
		out_u("cpu_a", a);
		out_u("cpu_b", c);
		out_u("n", opt.n);
		out_u("rt_median", h[m].st.median);
		out_u("rt_p10", h[m].st.p10);
		out_u("rt_p90", h[m].st.p90);
		out_u("rt_min", h[m].st.min);
		out_u("handoff_median", h[m].st.median / 2);
		out_milli("syscalls_per_rt", per_rt(h[m].d.syscalls));
		out_milli("ctx_switches_per_rt", per_rt(h[m].d.ctx_switches));
		out_milli("ipis_per_rt", per_rt(h[m].d.ipis_sent));
		out_milli("msgs_per_rt", per_rt(h[m].d.msgs_sent));
		out_u("our_syscalls", h[m].us.syscalls);
		out_u("partner_syscalls", h[m].them.syscalls);
		out_moved(&h[m].m, 0, 2 * opt.n, "handoff");
		out_end();
	}
	session_close(&s);
	if (out_get_format() != OUT_TEXT)
		return 0;
	report("shm-vs-msg: cpu %d <-> cpu %d, %ld round trips per mode "
	       "(a hand-off is half a round trip)\n\n", a, c, opt.n);
	report("  %-24s  lines moved per hand-off | per round trip: %8s %8s %8s %8s\n", "mode",
	       "syscalls", "ctxsw", "IPIs", "msgs");
	report("  %-24s  %11s %12s |\n", "", "all", "of them HITM");
	for (int m = 0; m < NMODES; m++)
		report("  %-24s  %11s %12s | %24s %8s %8s %8s\n", mode_title[m],
		       per_handoff(&h[m], false, b[5], 32), per_handoff(&h[m], true, b[6], 32),
		       milli(per_rt(h[m].d.syscalls), b[0], 32),
		       milli(per_rt(h[m].d.ctx_switches), b[1], 32),
		       milli(per_rt(h[m].d.ipis_sent), b[2], 32),
		       milli(per_rt(h[m].d.msgs_sent), b[3], 32));
	report("\n  TSC cycles %15s %9s %9s %10s\n", "median", "p10", "p90", "hand-off");
	for (int m = 0; m < NMODES; m++)
		report("  %-24s %9lu %9lu %9lu %10lu\n", mode_title[m], h[m].st.median, h[m].st.p10,
		       h[m].st.p90, h[m].st.median / 2);
	if (!model)
		report("\n  lines moved: n/a (no coherence model; make run COHERENCE=1)\n");
	report("\n  counter deltas: all CPUs, timed round trips only, the cost of reading "
	       "the counters taken off.\n");
	if (a == c)
		report("  (one CPU: every hand-off is a context switch, "
		       "spinning yields at once)\n");
	else if (h[M_MBOX].d.ipis_sent)
		report("  blocking costs %s IPIs per round trip: the receiver's CPU halts and "
		       "must be woken.\n", milli(per_rt(h[M_MBOX].d.ipis_sent), b[4], 32));
	return 0;
}

/* ---- Options ---- */

static void help(void)
{
	printf("usage: cachebench COMMAND [-n ITER] [--cpus A,B,...] [--json | --csv] [-v]\n"
	       "                  [--no-pause]\n"
	       "\n"
	       "The cache-line lab (docs/cache-lab.md).  Each test pins this process to\n"
	       "one CPU and a partner process to another; they share one page.  With\n"
	       "the coherence model (make run COHERENCE=1) each test first counts the\n"
	       "cache lines that moved between the two CPUs, then gives the timings.\n"
	       "\n"
	       "commands:\n"
	       "  matrix         round trip of one cache line for every pair of CPUs:\n"
	       "                 lines moved per round trip (2), then the medians and\n"
	       "                 p10/p90 as N x N tables (needs 2 CPUs)\n"
	       "  false-sharing  two counters in one cache line vs one line each: lines\n"
	       "                 moved, rates and their ratio\n"
	       "  shm-vs-msg     one round trip through a shared page (spinning), a\n"
	       "                 mailbox (blocking) and a mailbox polled with timeout 0:\n"
	       "                 lines moved per hand-off and the counter deltas that\n"
	       "                 explain the difference\n"
	       "  all            the three in turn\n"
	       "\n"
	       "options:\n"
	       "  -n ITER        round trips per pair or mode (default %d, max %d);\n"
	       "                 false-sharing makes ITER x %d increments per side\n"
	       "  --cpus A,B,..  CPUs to use: the matrix's rows, or the pair for the\n"
	       "                 others (default: all; 0 and 1)\n"
	       "  --json         one JSON object per line instead of tables\n"
	       "  --csv          CSV rows (a header row before each kind)\n"
	       "  -v             shm-vs-msg: also the per-CPU counter deltas\n"
	       "  --no-pause     spin without `pause`, to see what it costs (can hang\n"
	       "                 under single-threaded TCG or -icount: never there)\n"
	       "  --capture H    write the output into shared memory handle H instead\n"
	       "                 of the console (for countertest)\n",
	       DEFAULT_N, MAX_N, FS_PER_N);
}

static bool parse_cpus(const char *s)
{
	char num[8];
	int n = 0;

	opt.ncpus = 0;
	while (*s) {
		size_t len = 0;
		long v;

		while (s[len] && s[len] != ',')
			len++;
		if (len == 0 || len >= sizeof(num) || opt.ncpus == COUNTERS_MAX_CPUS)
			return false;
		memcpy(num, s, len);
		num[len] = 0;
		if (!parse_long(num, &v) || v < 0 || v >= ncpu())
			return false;
		opt.cpus[opt.ncpus++] = (int)v;
		s += len + (s[len] == ',');
		n++;
	}
	return n > 0;
}

static int usage_error(const char *what)
{
	eprintf("cachebench: %s (cachebench --help)\n", what);
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd = NULL;
	int64_t old_mask = getaffinity(0);
	int status = 0;

	if (argc > 1 && strcmp(argv[1], "--partner") == 0)
		return partner(argc, argv);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			help();
			return 0;
		} else if (strcmp(a, "-n") == 0 && i + 1 < argc) {
			if (!parse_long(argv[++i], &opt.n) || opt.n < 1 || opt.n > MAX_N)
				return usage_error("-n wants 1..100000");
		} else if (strcmp(a, "--cpus") == 0 && i + 1 < argc) {
			if (!parse_cpus(argv[++i]))
				return usage_error("--cpus wants online CPU numbers like 0,1");
		} else if (strcmp(a, "--json") == 0) {
			out_set_format(OUT_JSON);
		} else if (strcmp(a, "--csv") == 0) {
			out_set_format(OUT_CSV);
		} else if (strcmp(a, "-v") == 0) {
			opt.verbose = true;
		} else if (strcmp(a, "--no-pause") == 0) {
			opt.no_pause = true;
		} else if (strcmp(a, "--capture") == 0 && i + 1 < argc) {
			long h;

			if (!parse_long(argv[++i], &h) || report_capture_shm((int)h, true) < 0)
				return usage_error("--capture wants a shared memory handle");
		} else if (a[0] != '-' && !cmd) {
			cmd = a;
		} else {
			return usage_error("unknown argument");
		}
	}
	if (!cmd) {
		help();
		return 0;
	}
	if (!(samples = malloc(opt.n * sizeof(uint64_t))))
		return usage_error("out of memory for the samples");
	counters_take(&snap[0]);
	model = snap[0].ncpu > 0 && snap[0].cpu[0].coh_valid;
	if (strcmp(cmd, "matrix") == 0)
		status = cmd_matrix();
	else if (strcmp(cmd, "false-sharing") == 0)
		status = cmd_false_sharing();
	else if (strcmp(cmd, "shm-vs-msg") == 0)
		status = cmd_shm_vs_msg();
	else if (strcmp(cmd, "all") == 0) {
		status = cmd_matrix();
		if (out_get_format() == OUT_TEXT)
			report("\n");
		status |= cmd_false_sharing();
		if (out_get_format() == OUT_TEXT)
			report("\n");
		status |= cmd_shm_vs_msg();
	} else {
		return usage_error("unknown command");
	}
	if (old_mask > 0)
		setaffinity(0, (uint64_t)old_mask);
	return status;
}
