/*
 * Core-local counters from user space (docs/cache-lab.md).
 *
 * The kernel keeps one block of event counts per CPU, each written only
 * by its own CPU (struct cpu_counters in lib/uapi.h), and totals per
 * process (struct proc_counters).  This header gives typed wrappers for
 * the two calls, a snapshot type that also records when it was taken,
 * deltas between two snapshots, and printers that say "n/a" for PMU
 * figures the CPU cannot count (TCG has no PMU: those fields are
 * unavailable, never zero) and for the coherence model's counts when
 * QEMU runs without it.
 *
 * It also holds the small output layer the lab programs share for their
 * machine-readable lines (report(), report_capture()): every line goes
 * to the console and, when a test asked for it, into a shared page.
 *
 * Include "counters.h" (it includes baton.h).
 */
#ifndef USER_COUNTERS_H
#define USER_COUNTERS_H

#include "baton.h"

/* ---- Raw stubs (build/user/usys.S) ---- */
long sys_counters(struct cpu_counters *buf, long max);
long sys_proc_counters(long pid, struct proc_counters *out);

/* ---- The calls ---- */

/* Copies one block per online CPU into buf (at most max) and returns how
 * many: ncpu() when max is large enough.  Each CPU copies its own block,
 * so every block is consistent in itself.  -EINVAL if max <= 0. */
int counters(struct cpu_counters *buf, int max);
/* The totals of process pid (0: this process), which may be a zombie not
 * yet reaped.  -ESRCH if there is no such process.  cycles_on[] grows
 * when the process leaves a CPU, so a running process's own figure
 * lags by its current time slice. */
int proc_counters(int pid, struct proc_counters *out);

/* The time-stamp counter.  Under TCG it is the host's, one clock for all
 * vCPUs; under -icount it counts instructions. */
static inline uint64_t tsc_now(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* ---- Snapshots and deltas ---- */

/* Every CPU's block at one moment, with the moment itself. */
struct counters_snap {
	int ncpu;		/* blocks filled */
	uint64_t tsc;		/* tsc_now() just after the call */
	uint64_t ns;		/* uptime() just after the call */
	struct cpu_counters cpu[COUNTERS_MAX_CPUS];
};

/* Fills *s; returns ncpu or a negative error. */
int counters_take(struct counters_snap *s);
/* d = after - before, field by field; d's pmu_valid is the PMU bits
 * valid in both, its coh_valid whether both had the model.  d may be
 * either argument. */
void counters_delta(const struct counters_snap *before, const struct counters_snap *after,
		    struct counters_snap *d);
/* One CPU's block minus another's (the same CPU at two times). */
void cpu_counters_delta(const struct cpu_counters *before, const struct cpu_counters *after,
			struct cpu_counters *d);
/* Sum over the CPUs in mask (bit i: CPU i; ~0: all); PMU bits (and
 * coh_valid) valid in all of them. */
void counters_total(const struct counters_snap *s, uint64_t mask, struct cpu_counters *sum);
/* Processes that left cpu for another CPU: the sum, over the other
 * blocks, of their migrations_from[cpu] (each CPU counts arrivals only). */
uint64_t counters_migrations_out(const struct counters_snap *s, int cpu);
/* Busy share of cpu over a delta, in tenths of a percent (0..1000):
 * from idle_cycles against the elapsed TSC, elapsed_tsc > 0. */
unsigned counters_busy_permille(const struct cpu_counters *d, uint64_t elapsed_tsc);
void proc_counters_delta(const struct proc_counters *before, const struct proc_counters *after,
			 struct proc_counters *d);

/* ---- Printing ---- */

/* A per-CPU table of a delta (or of totals since boot): syscalls,
 * context switches, interrupts, IPIs, messages, migrations, busy share,
 * and the PMU columns, "n/a" where pmu_valid says so; then coh_print(). */
void counters_print(const struct counters_snap *d);
/* One process's totals, one line (cycles only for CPUs it ran on). */
void proc_counters_print(const char *label, const struct proc_counters *pc, int ncpu);
/* Writes the PMU figure into buf: the number, or "n/a" when the bit
 * (PMU_BASIC or PMU_HITM) is not set in c->pmu_valid. */
const char *pmu_field(const struct cpu_counters *c, uint64_t bit, uint64_t value, char *buf,
		      size_t cap);

/* ---- The coherence model (COHERENCE=1, lib/coherence.h) ---- */

/* Lines this CPU received from another core's cache: clean or modified,
 * read or write misses (the sum of coh.lines_from[]). */
uint64_t coh_lines_in(const struct cpu_counters *c);
/* Of those, the ones taken from a modified copy (HITM). */
uint64_t coh_hitm(const struct cpu_counters *c);
/* Lines moved between CPUs a and b, both ways, over a delta: from the
 * lines_from matrices, so other CPUs' traffic is not included. */
uint64_t coh_pair_lines(const struct counters_snap *d, int a, int b);
/* Of those, the ones taken from a modified copy (modified_from). */
uint64_t coh_pair_hitm(const struct counters_snap *d, int a, int b);
/* Lines moved between any two of the CPUs in mask, over a delta. */
uint64_t coh_lines_among(const struct counters_snap *d, uint64_t mask);
/* Lines moved between any two CPUs from before to after (*lines), and
 * of them from a modified copy (*hitm); false (and zeros) when either
 * snapshot has no model.  For the demos: one line of counts per run. */
bool coh_moved(const struct counters_snap *before, const struct counters_snap *after,
	       uint64_t *lines, uint64_t *hitm);
/* With the model: prints "WHO: L cache lines moved between cores (H from
 * a modified copy), X per UNIT" for the run from before to after, over n
 * units of work; nothing without it.  The demos' closing line. */
void coh_print_moved(const char *who, const struct counters_snap *before,
		     const struct counters_snap *after, uint64_t n, const char *unit);
/* Writes value into buf, or "n/a" when c has no coherence model. */
const char *coh_field(const struct cpu_counters *c, uint64_t value, char *buf, size_t cap);
/* The model's per-CPU table of a delta (or totals) and the matrix of
 * lines moved between CPUs; one "n/a" line without the model. */
void coh_print(const struct counters_snap *d);

/* ---- Output for scripts ---- */

/* Copies every report() line into buf (cap bytes, kept NUL-terminated
 * and never overrun; a line that does not fit ends the capture with the
 * line "!capture overflow").  quiet: into buf only, not the console.
 * buf NULL stops capturing. */
void report_capture(char *buf, size_t cap, bool quiet);
/* The same into shared memory handle h, mapped read-write here (a test
 * hands us a page this way): 0, or a negative error (-EINVAL if h is not
 * shared memory). */
int report_capture_shm(int h, bool quiet);
/* printf that also feeds the capture buffer, for JSON lines and tables
 * alike.  Returns the length of what it formatted (at most 511). */
int report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes "W.FFF" (value / 1000 with three decimals) into buf: JSON and
 * tables both accept it, and no floating point is needed. */
const char *milli(uint64_t value_x1000, char *buf, size_t cap);

/*
 * Records: one result as key/value pairs, printed as one JSON object per
 * line (OUT_JSON) or one CSV row (OUT_CSV, with a header row whenever the
 * keys change); with OUT_TEXT they print nothing and the program prints
 * its own tables.  A record is out_begin(test), any out_* fields, then
 * out_end(), which prints it through report().
 */
enum out_format { OUT_TEXT, OUT_JSON, OUT_CSV };

void out_set_format(enum out_format f);
enum out_format out_get_format(void);
void out_begin(const char *test);
void out_u(const char *key, uint64_t v);
void out_i(const char *key, int64_t v);
void out_s(const char *key, const char *v);
void out_milli(const char *key, uint64_t v_x1000);
/* A figure that does not exist here (a PMU count without a PMU): JSON
 * null, an empty CSV cell -- never a zero. */
void out_null(const char *key);
void out_end(void);

/* ---- Measurement helpers ---- */

struct sample_stats {
	long n;
	uint64_t min, p10, median, p90, max, mean;
};

/* Sorts v[0..n) in place and summarises it (n > 0). */
void samples_stats(uint64_t *v, long n, struct sample_stats *st);

#endif
