/*
 * Core-local counters from user space: wrappers, snapshots, deltas and
 * printers (see counters.h), and the report() output layer.
 */
#include "counters.h"
#include "ipc.h"

#define NFIELDS (sizeof(struct cpu_counters) / sizeof(uint64_t))
#define PROC_NFIELDS (sizeof(struct proc_counters) / sizeof(uint64_t))

_Static_assert(sizeof(struct cpu_counters) % sizeof(uint64_t) == 0, "all fields are u64");
_Static_assert(sizeof(struct proc_counters) == PROC_NFIELDS * sizeof(uint64_t),
	       "all fields are u64");

int counters(struct cpu_counters *buf, int max)
{
	return (int)sys_counters(buf, max);
}

int proc_counters(int pid, struct proc_counters *out)
{
	return (int)sys_proc_counters(pid, out);
}

int counters_take(struct counters_snap *s)
{
	int n = counters(s->cpu, COUNTERS_MAX_CPUS);

	s->tsc = tsc_now();
	s->ns = uptime();
	s->ncpu = n > 0 ? n : 0;
	return n;
}

/* The blocks are arrays of u64 to a subtraction; pmu_valid and
 * coh_valid are flags, not counts. */
void cpu_counters_delta(const struct cpu_counters *before, const struct cpu_counters *after,
			struct cpu_counters *d)
{
	const uint64_t *b = (const uint64_t *)before, *a = (const uint64_t *)after;
	uint64_t *out = (uint64_t *)d;
	uint64_t valid = before->pmu_valid & after->pmu_valid;

	uint64_t coh = before->coh_valid & after->coh_valid;

	for (size_t i = 0; i < NFIELDS; i++)
		out[i] = a[i] - b[i];
	d->pmu_valid = valid;
	d->coh_valid = coh;
}

void counters_delta(const struct counters_snap *before, const struct counters_snap *after,
		    struct counters_snap *d)
{
	int n = before->ncpu < after->ncpu ? before->ncpu : after->ncpu;

	for (int i = 0; i < n; i++)
		cpu_counters_delta(&before->cpu[i], &after->cpu[i], &d->cpu[i]);
	d->tsc = after->tsc - before->tsc;
	d->ns = after->ns - before->ns;
	d->ncpu = n;
}

void counters_total(const struct counters_snap *s, uint64_t mask, struct cpu_counters *sum)
{
	uint64_t *out = (uint64_t *)sum;
	uint64_t valid = PMU_BASIC | PMU_HITM, coh = 1;

	memset(sum, 0, sizeof(*sum));
	for (int c = 0; c < s->ncpu; c++) {
		const uint64_t *in = (const uint64_t *)&s->cpu[c];

		if (!(mask & (1ull << c)))
			continue;
		for (size_t i = 0; i < NFIELDS; i++)
			out[i] += in[i];
		valid &= s->cpu[c].pmu_valid;
		coh &= s->cpu[c].coh_valid;
	}
	sum->pmu_valid = valid;
	sum->coh_valid = coh;
}

uint64_t counters_migrations_out(const struct counters_snap *s, int cpu)
{
	uint64_t n = 0;

	for (int c = 0; c < s->ncpu; c++)
		if (c != cpu)
			n += s->cpu[c].migrations_from[cpu];
	return n;
}

unsigned counters_busy_permille(const struct cpu_counters *d, uint64_t elapsed_tsc)
{
	uint64_t idle = d->idle_cycles;

	/* Idle time is added when a halt ends, so it can run a tick ahead of
	 * or behind the window: clamp rather than print 104 %. */
	if (elapsed_tsc == 0)
		return 0;
	if (idle > elapsed_tsc)
		idle = elapsed_tsc;
	return (unsigned)((elapsed_tsc - idle) * 1000 / elapsed_tsc);
}

void proc_counters_delta(const struct proc_counters *before, const struct proc_counters *after,
			 struct proc_counters *d)
{
	const uint64_t *b = (const uint64_t *)before, *a = (const uint64_t *)after;
	uint64_t *out = (uint64_t *)d;

	for (size_t i = 0; i < PROC_NFIELDS; i++)
		out[i] = a[i] - b[i];
}

/* ---- Printing ---- */

const char *pmu_field(const struct cpu_counters *c, uint64_t bit, uint64_t value, char *buf,
		      size_t cap)
{
	if (c->pmu_valid & bit)
		snprintf(buf, cap, "%lu", value);
	else
		snprintf(buf, cap, "n/a");
	return buf;
}

void counters_print(const struct counters_snap *d)
{
	char cyc[24], ins[24], llc[24], hitm[24], busy[16];

	report("cpu  syscalls    ctxsw  timer    dev  ipi-out  ipi-in  tlb-sd  msgs-out  msgs-in"
	       "  mig-in  mig-out  busy%%   pmu-cycles    pmu-instr  llc-miss     hitm\n");
	for (int i = 0; i < d->ncpu; i++) {
		const struct cpu_counters *c = &d->cpu[i];
		uint64_t total = c->busy_cycles + c->idle_cycles;
		unsigned pm = total ? (unsigned)(c->busy_cycles * 1000 / total) : 0;

		if (d->tsc)	/* a delta: measure against the window itself */
			pm = counters_busy_permille(c, d->tsc);

		snprintf(busy, sizeof(busy), "%u.%u", pm / 10, pm % 10);
		report("%3d  %8lu %8lu %6lu %6lu %8lu %7lu %7lu %9lu %8lu %7lu %8lu %6s"
		       " %12s %12s %9s %8s\n", i, c->syscalls, c->ctx_switches, c->timer_irqs,
		       c->device_irqs, c->ipis_sent, c->ipis_received, c->tlb_shootdowns,
		       c->msgs_sent, c->msgs_received, c->migrations_in,
		       counters_migrations_out(d, i), busy,
		       pmu_field(c, PMU_BASIC, c->pmu_cycles, cyc, sizeof(cyc)),
		       pmu_field(c, PMU_BASIC, c->pmu_instructions, ins, sizeof(ins)),
		       pmu_field(c, PMU_BASIC, c->pmu_llc_misses, llc, sizeof(llc)),
		       pmu_field(c, PMU_HITM, c->pmu_hitm, hitm, sizeof(hitm)));
	}
	if (d->ncpu > 0 && !(d->cpu[0].pmu_valid & PMU_BASIC))
		report("(pmu: n/a -- this CPU has no architectural PMU, e.g. QEMU TCG; "
		       "see docs/cache-lab.md)\n");
	coh_print(d);
}

/* ---- The coherence model ---- */

uint64_t coh_lines_in(const struct cpu_counters *c)
{
	return c->coh.rd_miss_clean + c->coh.rd_hitm + c->coh.wr_miss_clean + c->coh.wr_hitm;
}

uint64_t coh_hitm(const struct cpu_counters *c)
{
	return c->coh.rd_hitm + c->coh.wr_hitm;
}

uint64_t coh_pair_lines(const struct counters_snap *d, int a, int b)
{
	if (a == b || a >= d->ncpu || b >= d->ncpu)
		return 0;
	return d->cpu[a].coh.lines_from[b] + d->cpu[b].coh.lines_from[a];
}

uint64_t coh_pair_hitm(const struct counters_snap *d, int a, int b)
{
	if (a == b || a >= d->ncpu || b >= d->ncpu)
		return 0;
	return d->cpu[a].coh.modified_from[b] + d->cpu[b].coh.modified_from[a];
}

uint64_t coh_lines_among(const struct counters_snap *d, uint64_t mask)
{
	uint64_t n = 0;

	for (int a = 0; a < d->ncpu; a++)
		for (int b = 0; b < d->ncpu; b++)
			if (a != b && (mask >> a & 1) && (mask >> b & 1))
				n += d->cpu[a].coh.lines_from[b];
	return n;
}

void coh_print_moved(const char *who, const struct counters_snap *before,
		     const struct counters_snap *after, uint64_t n, const char *unit)
{
	uint64_t lines, hitm;
	char b[32];

	if (!coh_moved(before, after, &lines, &hitm))
		return;
	printf("%s: %lu cache lines moved between cores (%lu from a modified copy), %s per %s\n",
	       who, lines, hitm, milli(n ? lines * 1000 / n : 0, b, sizeof(b)), unit);
}

bool coh_moved(const struct counters_snap *before, const struct counters_snap *after,
	       uint64_t *lines, uint64_t *hitm)
{
	int n = before->ncpu < after->ncpu ? before->ncpu : after->ncpu;

	*lines = *hitm = 0;
	if (n <= 0 || !before->cpu[0].coh_valid || !after->cpu[0].coh_valid)
		return false;
	for (int a = 0; a < n; a++)
		for (int b = 0; b < n; b++) {
			if (a == b)
				continue;
			*lines += after->cpu[a].coh.lines_from[b] - before->cpu[a].coh.lines_from[b];
			*hitm += after->cpu[a].coh.modified_from[b] -
				 before->cpu[a].coh.modified_from[b];
		}
	return true;
}

const char *coh_field(const struct cpu_counters *c, uint64_t value, char *buf, size_t cap)
{
	if (c->coh_valid)
		snprintf(buf, cap, "%lu", value);
	else
		snprintf(buf, cap, "n/a");
	return buf;
}

void coh_print(const struct counters_snap *d)
{
	if (d->ncpu == 0 || !d->cpu[0].coh_valid) {
		report("(coherence: n/a -- QEMU runs without the coherence model; "
		       "make run COHERENCE=1, docs/cache-lab.md)\n");
		return;
	}
	report("coherence model   loads       stores    from-mem  from-peer  of-them-hitm"
	       "  upgrades  stall-us\n");
	for (int i = 0; i < d->ncpu; i++) {
		const struct cpu_counters *c = &d->cpu[i];

		report("  cpu %2d  %12lu %12lu %11lu %10lu %13lu %9lu %9lu\n", i, c->coh.loads,
		       c->coh.stores, c->coh.rd_miss_memory + c->coh.wr_miss_memory,
		       coh_lines_in(c), coh_hitm(c), c->coh.upgrades, c->coh.stall_ns / 1000);
	}
	report("lines moved (row: the CPU that received them, column: the one it took "
	       "them from)\n      ");
	for (int j = 0; j < d->ncpu; j++)
		report(" %9d", j);
	report("\n");
	for (int i = 0; i < d->ncpu; i++) {
		report("  %3d ", i);
		for (int j = 0; j < d->ncpu; j++)
			if (i == j)
				report(" %9s", "-");
			else
				report(" %9lu", d->cpu[i].coh.lines_from[j]);
		report("\n");
	}
}

void proc_counters_print(const char *label, const struct proc_counters *pc, int ncpu)
{
	report("%s: syscalls %lu, msgs sent %lu, received %lu, migrations %lu, cycles on",
	       label, pc->syscalls, pc->msgs_sent, pc->msgs_received, pc->migrations);
	for (int i = 0; i < ncpu && i < COUNTERS_MAX_CPUS; i++)
		if (pc->cycles_on[i])
			report(" cpu%d=%lu", i, pc->cycles_on[i]);
	report("\n");
}

/* ---- Output for scripts ---- */

static char *cap_buf;
static size_t cap_size, cap_len;
static bool cap_full, cap_quiet;

#define OVERFLOW_MARK "!capture overflow\n"

void report_capture(char *buf, size_t cap, bool quiet)
{
	cap_buf = buf && cap > sizeof(OVERFLOW_MARK) ? buf : NULL;
	cap_quiet = quiet && cap_buf;
	cap_size = cap;
	cap_len = 0;
	cap_full = false;
	if (cap_buf)
		buf[0] = 0;
}

int report_capture_shm(int h, bool quiet)
{
	struct handle_info hi;
	char *buf;
	int err;

	if ((err = handle_info(h, &hi)) < 0)
		return err;
	if (hi.type != HANDLE_TYPE_SHM)
		return -EINVAL;
	buf = shm_map(h, PROT_READ | PROT_WRITE);
	if ((err = ptr_error(buf)) < 0)
		return err;
	report_capture(buf, hi.size, quiet);
	return 0;
}

/* Appends a line; the first line that does not fit ends the capture
 * with a mark a parser cannot mistake for a result. */
static void capture(const char *line, size_t n)
{
	if (!cap_buf || cap_full)
		return;
	if (cap_len + n + sizeof(OVERFLOW_MARK) > cap_size) {
		strlcpy(cap_buf + cap_len, OVERFLOW_MARK, cap_size - cap_len);
		cap_full = true;
		return;
	}
	memcpy(cap_buf + cap_len, line, n);
	cap_len += n;
	cap_buf[cap_len] = 0;
}

int report(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;	/* lines here are far shorter */
	if (n > 0) {
		if (!cap_quiet)
			printf("%s", line);
		capture(line, n);
	}
	return n;
}

const char *milli(uint64_t value_x1000, char *buf, size_t cap)
{
	snprintf(buf, cap, "%lu.%03lu", value_x1000 / 1000, value_x1000 % 1000);
	return buf;
}

/* ---- Records ---- */

static enum out_format format = OUT_TEXT;
static char rec_keys[512], rec_vals[768], last_keys[512];
static size_t nkeys, nvals;

void out_set_format(enum out_format f)
{
	format = f;
	last_keys[0] = 0;
}

enum out_format out_get_format(void)
{
	return format;
}

/* Appends to one of the record buffers; silently stops at the end
 * (records here are far smaller). */
static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= cap - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	*len = *len + n < cap - 1 ? *len + n : cap - 1;
}

static void field(const char *key, const char *json_value, const char *csv_value)
{
	const char *sep = nkeys ? "," : "";

	append(rec_keys, sizeof(rec_keys), &nkeys, "%s%s", sep, key);
	if (format == OUT_JSON)
		append(rec_vals, sizeof(rec_vals), &nvals, "%s\"%s\":%s", sep, key, json_value);
	else
		append(rec_vals, sizeof(rec_vals), &nvals, "%s%s", sep, csv_value);
}

void out_begin(const char *test)
{
	nkeys = nvals = 0;
	rec_keys[0] = rec_vals[0] = 0;
	out_s("test", test);
}

void out_u(const char *key, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%lu", v);
	field(key, b, b);
}

void out_i(const char *key, int64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%ld", v);
	field(key, b, b);
}

/* Strings are names and messages we write ourselves; quotes, backslashes
 * and control bytes are still kept out of them so a line always parses. */
void out_s(const char *key, const char *v)
{
	char json[128], csv[128];
	size_t j = 0, c = 0;

	json[j++] = '"';
	for (; *v && j < sizeof(json) - 3 && c < sizeof(csv) - 2; v++) {
		bool odd = *v == '"' || *v == '\\' || *v == ',' || (unsigned char)*v < ' ';
		char ch = odd ? '_' : *v;

		json[j++] = ch;
		csv[c++] = ch;
	}
	json[j++] = '"';
	json[j] = 0;
	csv[c] = 0;
	field(key, json, csv);
}

void out_milli(const char *key, uint64_t v_x1000)
{
	char b[32];

	milli(v_x1000, b, sizeof(b));
	field(key, b, b);
}

void out_null(const char *key)
{
	field(key, "null", "");
}

void out_end(void)
{
	if (format == OUT_JSON) {
		report("{%s}\n", rec_vals);
	} else if (format == OUT_CSV) {
		if (strcmp(rec_keys, last_keys) != 0) {
			strlcpy(last_keys, rec_keys, sizeof(last_keys));
			report("%s\n", rec_keys);
		}
		report("%s\n", rec_vals);
	}
}

/* ---- Measurement helpers ---- */

static void sift_down(uint64_t *v, long root, long n)
{
	for (long child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && v[child + 1] > v[child])
			child++;
		if (v[root] >= v[child])
			return;
		uint64_t t = v[root];
		v[root] = v[child];
		v[child] = t;
	}
}

/* Heapsort: n log n in the worst case, no recursion, no extra memory. */
static void sort_u64(uint64_t *v, long n)
{
	for (long i = n / 2 - 1; i >= 0; i--)
		sift_down(v, i, n);
	for (long end = n - 1; end > 0; end--) {
		uint64_t t = v[0];

		v[0] = v[end];
		v[end] = t;
		sift_down(v, 0, end);
	}
}

void samples_stats(uint64_t *v, long n, struct sample_stats *st)
{
	uint64_t sum = 0;

	sort_u64(v, n);
	for (long i = 0; i < n; i++)
		sum += v[i];
	st->n = n;
	st->min = v[0];
	st->p10 = v[n / 10];
	st->median = v[n / 2];
	st->p90 = v[n - 1 - n / 10];
	st->max = v[n - 1];
	st->mean = sum / n;
}
