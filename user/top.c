/*
 * top: what every core is doing, from its own counters (docs/cache-lab.md).
 *
 *   top            refresh every second until a key is pressed (or Ctrl-C)
 *   top -n N       N refreshes, then exit (a key still stops it early)
 *   top -1         one table over a one-second window, then exit
 *   top -b         batch: no screen clearing, no key reader (for logs)
 *   top --json     one JSON object per CPU per refresh (implies -b)
 *
 * Each refresh takes a counters() snapshot, waits, takes another and
 * prints rates from the difference: nothing is accumulated in between.
 * The PMU columns need KVM; the lines-in and m-hitm columns need the
 * coherence model (COHERENCE=1); each is "n/a" without it.
 *
 * Waiting for a key.  read() blocks and there is no non-blocking read,
 * so a child (this program with the hidden argument --key) does the
 * blocking read and exits when a byte arrives.  We wait for one second
 * at a time on our child-exit mailbox (proc_events) instead of sleeping:
 * a timeout means "refresh", a message means "a key was pressed".  The
 * child is made the console's foreground process, so Ctrl-C kills it
 * rather than us, and we end the same way and leave no reader behind to
 * steal the shell's next keystroke.
 */
#include "counters.h"
#include "ipc.h"

#define INTERVAL_MS	1000

static struct counters_snap before, after, delta;

static bool json, batch, one_shot;
static long refreshes = -1;		/* -1: until a key */

/* Per second, from a count over delta.ns. */
static uint64_t per_s(uint64_t count)
{
	return delta.ns ? count * 1000000000ull / delta.ns : 0;
}

static void print_json(int refresh)
{
	for (int i = 0; i < delta.ncpu; i++) {
		const struct cpu_counters *c = &delta.cpu[i];

		out_begin("top");
		out_u("refresh", refresh);
		out_u("cpu", i);
		out_u("interval_ms", delta.ns / 1000000);
		out_milli("busy_pct", counters_busy_permille(c, delta.tsc) * 100);
		out_u("syscalls_per_s", per_s(c->syscalls));
		out_u("ctx_switches_per_s", per_s(c->ctx_switches));
		out_u("irqs_per_s", per_s(c->timer_irqs + c->device_irqs));
		out_u("ipis_sent_per_s", per_s(c->ipis_sent));
		out_u("ipis_received_per_s", per_s(c->ipis_received));
		out_u("msgs_sent_per_s", per_s(c->msgs_sent));
		out_u("msgs_received_per_s", per_s(c->msgs_received));
		out_u("migrations_in_per_s", per_s(c->migrations_in));
		out_u("migrations_out_per_s", per_s(counters_migrations_out(&delta, i)));
		if (c->pmu_valid & PMU_BASIC) {
			out_u("pmu_cycles_per_s", per_s(c->pmu_cycles));
			out_u("pmu_instructions_per_s", per_s(c->pmu_instructions));
			out_u("pmu_llc_misses_per_s", per_s(c->pmu_llc_misses));
		} else {
			out_null("pmu_cycles_per_s");
			out_null("pmu_instructions_per_s");
			out_null("pmu_llc_misses_per_s");
		}
		if (c->pmu_valid & PMU_HITM)
			out_u("pmu_hitm_per_s", per_s(c->pmu_hitm));
		else
			out_null("pmu_hitm_per_s");
		if (c->coh_valid) {
			out_u("coh_lines_in_per_s", per_s(coh_lines_in(c)));
			out_u("coh_hitm_per_s", per_s(coh_hitm(c)));
			out_u("coh_stall_ns_per_s", per_s(c->coh.stall_ns));
		} else {
			out_null("coh_lines_in_per_s");
			out_null("coh_hitm_per_s");
			out_null("coh_stall_ns_per_s");
		}
		out_end();
	}
}

/* Instructions per cycle as "1.23", or n/a. */
static const char *ipc(const struct cpu_counters *c, char *buf, size_t cap)
{
	if (!(c->pmu_valid & PMU_BASIC) || !c->pmu_cycles)
		return pmu_field(c, 0, 0, buf, cap);
	return milli(c->pmu_instructions * 1000 / c->pmu_cycles, buf, cap);
}

static void print_table(int refresh)
{
	char busy[16], b1[24], b2[24], b3[24], b4[24], b5[24];
	struct memstat ms;

	if (!batch)
		report("\033[H\033[2J");
	memstat(&ms);
	report("top: %d cpus, up %lu s, %lu processes, %lu MiB free, refresh %d (%lu ms)%s\n",
	       delta.ncpu, after.ns / 1000000000, ms.nprocs, ms.free_frames / 256, refresh,
	       delta.ns / 1000000, batch ? "" : "; any key quits");
	report("cpu  busy%%  sysc/s  ctxsw/s  irq/s  ipi-out/s  ipi-in/s  msg-out/s  msg-in/s"
	       "  mig-in/s  mig-out/s    IPC  llc-miss/s  hitm/s  lines-in/s  m-hitm/s\n");
	for (int i = 0; i < delta.ncpu; i++) {
		const struct cpu_counters *c = &delta.cpu[i];
		unsigned pm = counters_busy_permille(c, delta.tsc);

		snprintf(busy, sizeof(busy), "%u.%u", pm / 10, pm % 10);
		report("%3d  %5s %7lu %8lu %6lu %10lu %9lu %10lu %9lu %9lu %10lu %6s %11s %7s %11s"
		       " %9s\n", i,
		       busy, per_s(c->syscalls), per_s(c->ctx_switches),
		       per_s(c->timer_irqs + c->device_irqs), per_s(c->ipis_sent),
		       per_s(c->ipis_received), per_s(c->msgs_sent), per_s(c->msgs_received),
		       per_s(c->migrations_in), per_s(counters_migrations_out(&delta, i)),
		       ipc(c, b1, sizeof(b1)),
		       pmu_field(c, PMU_BASIC, per_s(c->pmu_llc_misses), b2, sizeof(b2)),
		       pmu_field(c, PMU_HITM, per_s(c->pmu_hitm), b3, sizeof(b3)),
		       coh_field(c, per_s(coh_lines_in(c)), b4, sizeof(b4)),
		       coh_field(c, per_s(coh_hitm(c)), b5, sizeof(b5)));
	}
	if (delta.ncpu && !(delta.cpu[0].pmu_valid & PMU_BASIC))
		report("PMU columns n/a: no architectural PMU here (QEMU TCG); try KVM=1\n");
	if (delta.ncpu && !delta.cpu[0].coh_valid)
		report("lines-in/s, m-hitm/s n/a: no coherence model (make run COHERENCE=1)\n");
	else if (delta.ncpu)
		report("lines-in/s: cache lines taken from another core, m-hitm/s: of them from a "
		       "modified copy (the coherence model)\n");
}

/* The key reader: exits when a byte arrives (or when killed). */
static int key_reader(void)
{
	char c;

	return read(FD_STDIN, &c, 1) == 1 ? 0 : 1;
}

static int start_key_reader(void)
{
	char *argv[] = { "top", "--key", NULL };
	int pid = spawn("top", argv, NULL);

	if (pid > 0)
		setfg(pid);		/* Ctrl-C ends the reader, and so us */
	return pid;
}

/* Waits one interval; false if the key reader ended meanwhile. */
static bool wait_interval(int events, int reader)
{
	struct wait_info wi;
	long r;

	if (reader <= 0) {
		sleep(INTERVAL_MS);
		return true;
	}
	r = mbox_recv(events, &wi, sizeof(wi), INTERVAL_MS, NULL);
	return !(r == sizeof(wi) && wi.pid == reader);
}

static int usage(void)
{
	eprintf("usage: top [-n N | -1] [-b] [--json]\n"
		"  refreshes a per-core table every second until a key is pressed;\n"
		"  -n N: N refreshes; -1: one refresh, then exit; -b: batch (no screen\n"
		"  clearing, no key reader); --json: one JSON object per CPU and refresh\n");
	return 2;
}

int main(int argc, char **argv)
{
	int events = -1, reader = 0, err;
	struct wait_info wi;
	long h;

	if (argc == 2 && strcmp(argv[1], "--key") == 0)
		return key_reader();
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			if (!parse_long(argv[++i], &refreshes) || refreshes < 1)
				return usage();
		} else if (strcmp(argv[i], "-1") == 0) {
			one_shot = batch = true;
			refreshes = 1;
		} else if (strcmp(argv[i], "-b") == 0) {
			batch = true;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = batch = true;
			out_set_format(OUT_JSON);
		} else if (strcmp(argv[i], "--capture") == 0 && i + 1 < argc) {
			if (!parse_long(argv[++i], &h) || report_capture_shm((int)h, true) < 0)
				return usage();
		} else {
			return usage();
		}
	}
	if (!batch) {
		events = proc_events();
		reader = events >= 0 ? start_key_reader() : -1;
	}
	if ((err = counters_take(&before)) < 0) {
		eprintf("top: counters: %s\n", errno_name(err));
		return 1;
	}
	for (int refresh = 1; refreshes < 0 || refresh <= refreshes; refresh++) {
		if (!wait_interval(events, reader)) {
			reader = 0;	/* a key: the reader has ended, reaped below */
			break;
		}
		counters_take(&after);
		counters_delta(&before, &after, &delta);
		if (json)
			print_json(refresh);
		else
			print_table(refresh);
		before = after;
	}
	if (reader > 0)
		kill(reader);
	if (!batch) {
		wait(WAIT_ANY, &wi);
		close(events);
	}
	return 0;
}
