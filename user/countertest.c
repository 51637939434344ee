/*
 * countertest: the counter test suite (docs/cache-lab.md).  Counters are
 * checked where they can be exact; no timing is ever asserted.
 *
 *   countertest            run every test
 *   countertest NAME...    run only these
 *   countertest -l         list the tests
 *
 * Output is TAP through the shared harness (user/ulib/tap.h): "1..N",
 * one "ok K - name" or "not ok K - name" per test, "# ..." diagnostics;
 * the exit status is the number of failed tests.  A test that needs two
 * CPUs prints "ok K - name # SKIP ..." on one.
 *
 * Helpers are this program again, spawned with a hidden first argument
 * (--child MODE ...) and pinned with spawn_opts.affinity, so a test knows
 * exactly which CPU each piece of work ran on.
 */
#include "counters.h"
#include "ipc.h"
#include "tap.h"

#define GETPIDS		5000		/* syscalls one helper makes */
#define MESSAGES	300		/* messages through one mailbox */
#define MSG_LEN		24
#define CAPTURE_SIZE	(64 * 1024)	/* for a program's JSON output */

static const char *skip_reason;	/* set by a test that cannot run here */
static struct counters_snap s0, s1, d;

/* CHECK and CHECK_EQ come from tap.h; this one says both values too. */
static bool check_ge_at(long got, long want, const char *what, int line)
{
	if (got < want) {
		tap_say("# line %d: %s is %ld, want >= %ld\n", line, what, got, want);
		tap_failed++;
	}
	return got >= want;
}

#define CHECK_GE(got, want)	check_ge_at((long)(got), (long)(want), #got, __LINE__)

/* ---- Helper processes ---- */

static int helper_getpid(long n)
{
	for (long i = 0; i < n; i++)
		sys_getpid();
	return 0;
}

/* Sends or receives n messages of MSG_LEN bytes on handle 0. */
static int helper_mail(bool send, long n)
{
	char buf[MSG_LEN];

	for (long i = 0; i < n; i++) {
		memset(buf, (int)i, sizeof(buf));
		if (send && mbox_send(0, buf, sizeof(buf), TIMEOUT_NEVER, NO_HANDLE, 0) < 0)
			return 1;
		if (!send && (mbox_recv(0, buf, sizeof(buf), TIMEOUT_NEVER, NULL) != MSG_LEN ||
			      buf[MSG_LEN - 1] != (char)i))
			return 1;
	}
	return 0;
}

/* The migration helper's page: step is advanced by each side in turn. */
struct stepper {
	uint64_t step __attribute__((aligned(64)));
	uint64_t cpu_seen;
};

static uint64_t await_step(struct stepper *st, uint64_t want)
{
	uint64_t v;

	while ((v = __atomic_load_n(&st->step, __ATOMIC_ACQUIRE)) < want)
		sleep(1);	/* blocking, not spinning: stays where it is */
	return v;
}

/* Started on CPU a: step 1 = here; on step 2 move to b; step 3 = moved;
 * exit at step 4. */
static int helper_move(long b)
{
	struct stepper *st = shm_map(0, PROT_READ | PROT_WRITE);

	if (ptr_error(st))
		return 1;
	__atomic_store_n(&st->step, 1, __ATOMIC_RELEASE);
	await_step(st, 2);
	if (setaffinity(0, 1ull << b) < 0)
		return 1;
	st->cpu_seen = getcpu();
	__atomic_store_n(&st->step, 3, __ATOMIC_RELEASE);
	await_step(st, 4);
	return 0;
}

/* Two of these share a page: each waits for the other, then yields n
 * times, so every yield finds the other one runnable. */
static int helper_yield(long n)
{
	struct stepper *st = shm_map(0, PROT_READ | PROT_WRITE);

	if (ptr_error(st))
		return 1;
	__atomic_fetch_add(&st->step, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&st->step, __ATOMIC_ACQUIRE) < 2)
		yield();
	for (long i = 0; i < n; i++)
		yield();
	return 0;
}

/* The read-only helper: handle 0 is a page it may only read, handle 1
 * a stepper.  It reads every line of the page, says so (step 1), waits
 * for step 2, reads the page n more times, sets step 3 and exits at
 * step 4 (its exit moves lines too, and must wait until the count is
 * taken).  It spins with pause rather than sleeping: a timed sleep
 * would bring the kernel's wake-up scan into what the test counts. */
static int helper_reader(long n)
{
	const volatile uint64_t *page = shm_map(0, PROT_READ);
	struct stepper *st = shm_map(1, PROT_READ | PROT_WRITE);
	uint64_t sum = 0;

	if (ptr_error((const void *)page) || ptr_error(st))
		return 1;
	for (int i = 0; i < 4096 / 8; i += 8)
		sum += page[i];
	__atomic_store_n(&st->step, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&st->step, __ATOMIC_ACQUIRE) < 2)
		__builtin_ia32_pause();
	for (long k = 0; k < n; k++)
		for (int i = 0; i < 4096 / 8; i += 8)
			sum += page[i];
	st->cpu_seen = sum;
	__atomic_store_n(&st->step, 3, __ATOMIC_RELEASE);
	while (__atomic_load_n(&st->step, __ATOMIC_ACQUIRE) < 4)
		__builtin_ia32_pause();
	return 0;
}

static int helper(int argc, char **argv)
{
	long n = 0;

	if (argc < 4 || !parse_long(argv[3], &n))
		return 2;
	if (strcmp(argv[2], "getpid") == 0)
		return helper_getpid(n);
	if (strcmp(argv[2], "send") == 0 || strcmp(argv[2], "recv") == 0)
		return helper_mail(argv[2][0] == 's', n);
	if (strcmp(argv[2], "move") == 0)
		return helper_move(n);
	if (strcmp(argv[2], "yield") == 0)
		return helper_yield(n);
	if (strcmp(argv[2], "reader") == 0)
		return helper_reader(n);
	return 2;
}

/* Spawns `countertest --child MODE N` on cpu, with handle h (or none). */
static int spawn_helper(const char *mode, long n, int cpu, int h)
{
	struct spawn_opts so = { .affinity = 1ull << cpu };
	char nbuf[24];
	char *argv[] = { "countertest", "--child", (char *)mode, nbuf, NULL };

	snprintf(nbuf, sizeof(nbuf), "%ld", n);
	if (h >= 0) {
		so.handles[0] = h;
		so.nhandles = 1;
	}
	return spawn("countertest", argv, &so);
}

/* Waits (up to 10 s) until pid is a zombie: its counters are final then,
 * and can still be read because it is not reaped yet. */
static bool await_zombie(int pid)
{
	struct proc_info pi[64];

	for (int tries = 0; tries < 1000; tries++) {
		int n = ps(pi, 64);

		for (int i = 0; i < n && i < 64; i++)
			if (pi[i].pid == pid && pi[i].state == PSTATE_ZOMBIE)
				return true;
		sleep(10);
	}
	return false;
}

/* Reaps pid; true if it exited with status 0. */
static bool reaped_ok(int pid)
{
	struct wait_info wi;
	char why[96];

	if (wait(pid, &wi) != pid) {
		tap_say("# wait(%d) failed\n", pid);
		return false;
	}
	if (wi.how == EXIT_NORMAL && wi.status == 0)
		return true;
	exit_reason(&wi, why, sizeof(why));
	tap_say("# helper pid %d (%s): %s\n", pid, wi.name, why);
	return false;
}

/* ---- JSON lines ---- */

/* A small validating parser: true if *p starts with one JSON value; *p
 * moves past it.  Enough of RFC 8259 for what our programs print:
 * objects, arrays, strings without escapes, numbers, true/false/null. */
static bool json_value(const char **p, int depth);

static void json_ws(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static bool json_string(const char **p)
{
	if (**p != '"')
		return false;
	for ((*p)++; **p != '"'; (*p)++)
		if (!**p || **p == '\\' || (unsigned char)**p < ' ')
			return false;
	(*p)++;
	return true;
}

static bool json_number(const char **p)
{
	const char *s = *p;

	if (*s == '-')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	if (*s == '0' && s[1] >= '0' && s[1] <= '9')
		return false;		/* no leading zeros */
	while (*s >= '0' && *s <= '9')
		s++;
	if (*s == '.') {
		if (*++s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	*p = s;
	return true;
}

static bool json_word(const char **p, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(*p, w, n) != 0)
		return false;
	*p += n;
	return true;
}

/* An object or array body after its opening bracket, up to close. */
static bool json_members(const char **p, char close, bool keys, int depth)
{
	json_ws(p);
	if (**p == close) {
		(*p)++;
		return true;
	}
	for (;;) {
		json_ws(p);
		if (keys) {
			if (!json_string(p))
				return false;
			json_ws(p);
			if (*(*p)++ != ':')
				return false;
		}
		if (!json_value(p, depth + 1))
			return false;
		json_ws(p);
		if (**p == close) {
			(*p)++;
			return true;
		}
		if (*(*p)++ != ',')
			return false;
	}
}

static bool json_value(const char **p, int depth)
{
	json_ws(p);
	if (depth > 8)
		return false;
	switch (**p) {
	case '{':
		(*p)++;
		return json_members(p, '}', true, depth);
	case '[':
		(*p)++;
		return json_members(p, ']', false, depth);
	case '"':
		return json_string(p);
	case 't':
		return json_word(p, "true");
	case 'f':
		return json_word(p, "false");
	case 'n':
		return json_word(p, "null");
	default:
		return json_number(p);
	}
}

/* True if line (up to its end) is exactly one JSON object. */
static bool json_line_ok(const char *line, const char *end)
{
	char buf[1024];
	size_t n = end - line;
	const char *p = buf;

	if (n >= sizeof(buf) || line[0] != '{')
		return false;
	memcpy(buf, line, n);
	buf[n] = 0;
	if (n && buf[n - 1] == '\r')
		buf[--n] = 0;
	if (!json_value(&p, 0))
		return false;
	json_ws(&p);
	return *p == 0;
}

/* The value of "key" in a JSON line: true and *out set if it is there
 * as an unsigned integer (a decimal part is dropped). */
static bool json_uint(const char *line, const char *end, const char *key, uint64_t *out)
{
	char pat[40];
	size_t n = (size_t)snprintf(pat, sizeof(pat), "\"%s\":", key);

	for (const char *s = line; s + n <= end; s++)
		if (strncmp(s, pat, n) == 0 && s[n] >= '0' && s[n] <= '9') {
			*out = 0;
			for (s += n; s < end && *s >= '0' && *s <= '9'; s++)
				*out = *out * 10 + (uint64_t)(*s - '0');
			return true;
		}
	return false;
}

static bool json_has(const char *line, const char *end, const char *text)
{
	size_t n = strlen(text);

	for (const char *s = line; s + n <= end; s++)
		if (strncmp(s, text, n) == 0)
			return true;
	return false;
}

/* Spawns argv with a CAPTURE_SIZE shared page as handle 0 (argv carries
 * "--capture 0"), checks it exits with status 0, and returns the page
 * (NUL-terminated text), or NULL. */
static char *run_captured(char **argv)
{
	struct spawn_opts so = { .nhandles = 1 };
	int h = shm_create(CAPTURE_SIZE, NULL), pid;
	char *buf;

	if (!CHECK(h >= 0))
		return NULL;
	buf = shm_map(h, PROT_READ | PROT_WRITE);
	so.handles[0] = h;
	if (!CHECK(!ptr_error(buf)))
		return NULL;
	buf[CAPTURE_SIZE - 1] = 0;
	pid = spawn(argv[0], argv, &so);
	close(h);		/* our mapping keeps the page */
	if (!CHECK(pid > 0) || !CHECK(reaped_ok(pid)))
		return NULL;
	if (buf[CAPTURE_SIZE - 1] != 0 || !CHECK(buf[0] != 0))
		return NULL;
	return buf;
}

/* Every line must be one JSON object; counts the lines and those whose
 * "test" is test_name. */
static bool json_lines(const char *text, const char *test_name, int *lines, int *named)
{
	char tag[48];

	snprintf(tag, sizeof(tag), "\"test\":\"%s\"", test_name);
	*lines = *named = 0;
	for (const char *l = text; *l;) {
		const char *e = l;

		while (*e && *e != '\n')
			e++;
		if (e > l && !(e == l + 1 && *l == '\r')) {
			if (!json_line_ok(l, e)) {
				int len = (int)(e - l > 100 ? 100 : e - l);

				tap_say("# not a JSON object: %.*s\n", len, l);
				return false;
			}
			(*lines)++;
			if (json_has(l, e, tag))
				(*named)++;
		}
		l = *e ? e + 1 : e;
	}
	return true;
}

static bool contains(const char *text, const char *word)
{
	return json_has(text, text + strlen(text), word);
}

/* ---- The tests ---- */

/* counters() gives one block per CPU, each a whole number of cache
 * lines, every count only growing, and rejects bad arguments. */
static void test_snapshot_per_cpu(void)
{
	int n = ncpu();

	CHECK_EQ(sizeof(struct cpu_counters) % 64, 0);
	CHECK_EQ(__alignof__(struct cpu_counters), 64);
	CHECK_EQ(counters_take(&s0), n);
	CHECK_EQ(counters(s1.cpu, 1), 1);
	CHECK_EQ(counters(s1.cpu, 0), -EINVAL);
	CHECK_EQ(counters((struct cpu_counters *)0x10000000ul, n), -EFAULT);
	CHECK_EQ(counters((struct cpu_counters *)0xffff800000000000ul, n), -EFAULT);
	sleep(30);			/* every CPU's timer ticks meanwhile */
	CHECK_EQ(counters_take(&s1), n);
	for (int c = 0; c < n && c < s1.ncpu; c++) {
		const uint64_t *a = (const uint64_t *)&s0.cpu[c], *b = (const uint64_t *)&s1.cpu[c];

		for (size_t i = 0; i < sizeof(struct cpu_counters) / 8; i++)
			if (!CHECK(b[i] >= a[i]))
				tap_say("# cpu %d field %d went from %lu to %lu\n", c, (int)i, a[i],
				       b[i]);
		CHECK(s1.cpu[c].timer_irqs > s0.cpu[c].timer_irqs);
	}
	CHECK_EQ(proc_counters(99999, &(struct proc_counters){ 0 }), -ESRCH);
	CHECK_EQ(proc_counters(0, (struct proc_counters *)0x10000000ul), -EFAULT);
}

/* N getpid calls from a helper pinned to CPU k: k's syscall counter
 * grows by at least N, and the helper's own totals show >= N syscalls
 * and cycles on k only. */
static void test_syscalls_on_core(void)
{
	for (int k = 0; k < ncpu(); k++) {
		struct proc_counters pc;
		int pid;

		counters_take(&s0);
		if (!CHECK((pid = spawn_helper("getpid", GETPIDS, k, -1)) > 0))
			return;
		CHECK(await_zombie(pid));
		counters_take(&s1);
		CHECK_EQ(proc_counters(pid, &pc), 0);
		CHECK(reaped_ok(pid));
		counters_delta(&s0, &s1, &d);
		CHECK_GE(d.cpu[k].syscalls, GETPIDS);
		CHECK_GE(pc.syscalls, GETPIDS);
		CHECK(pc.cycles_on[k] > 0);
		for (int c = 0; c < ncpu(); c++)
			if (c != k && !CHECK_EQ(pc.cycles_on[c], 0))
				tap_say("# pinned to cpu %d, but %lu cycles on cpu %d\n", k,
				       pc.cycles_on[c], c);
		CHECK_EQ(pc.migrations, 0);
	}
}

/* Two processes on one CPU yielding in turn: that CPU counts at least
 * one context switch per yield. */
static void test_yield_switches(void)
{
	int k = ncpu() - 1, p1, p2, h = shm_create(4096, NULL);

	if (!CHECK(h >= 0))
		return;
	counters_take(&s0);
	p1 = spawn_helper("yield", 1000, k, h);
	p2 = spawn_helper("yield", 1000, k, h);
	close(h);
	if (!CHECK(p1 > 0 && p2 > 0))
		return;
	CHECK(reaped_ok(p1));
	CHECK(reaped_ok(p2));
	counters_take(&s1);
	counters_delta(&s0, &s1, &d);
	CHECK_GE(d.cpu[k].ctx_switches, 1000);
	CHECK_GE(d.cpu[k].syscalls, 2000);
}

/* M messages from a sender pinned to a to a receiver pinned to b:
 * exactly M sent and M received in their own totals, at least M in the
 * two CPUs' blocks. */
static void test_mbox_counts_exact(void)
{
	int a = 0, b = ncpu() > 1 ? 1 : 0, h, ps_, pr;
	struct proc_counters cs, cr;

	if (!CHECK((h = mbox_create(16, NULL)) >= 0))
		return;
	counters_take(&s0);
	pr = spawn_helper("recv", MESSAGES, b, h);
	ps_ = spawn_helper("send", MESSAGES, a, h);
	close(h);
	if (!CHECK(pr > 0 && ps_ > 0))
		return;
	CHECK(await_zombie(ps_));
	CHECK(await_zombie(pr));
	counters_take(&s1);
	CHECK_EQ(proc_counters(ps_, &cs), 0);
	CHECK_EQ(proc_counters(pr, &cr), 0);
	CHECK(reaped_ok(ps_));
	CHECK(reaped_ok(pr));
	counters_delta(&s0, &s1, &d);
	CHECK_EQ(cs.msgs_sent, MESSAGES);
	CHECK_EQ(cs.msgs_received, 0);
	CHECK_EQ(cr.msgs_received, MESSAGES);
	CHECK_EQ(cr.msgs_sent, 0);
	CHECK_GE(d.cpu[a].msgs_sent, MESSAGES);
	CHECK_GE(d.cpu[b].msgs_received, MESSAGES);
	CHECK_GE(d.cpu[a].bytes_sent, MESSAGES * MSG_LEN);
	CHECK_GE(d.cpu[b].bytes_received, MESSAGES * MSG_LEN);
	if (a != b) {		/* the CPU that did neither saw none of it */
		CHECK_EQ(cs.cycles_on[b], 0);
		CHECK_EQ(cr.cycles_on[a], 0);
	}
}

/* A helper started on a moves itself to b: b counts it in migrations_in
 * and migrations_from[a], a sees it leave, and the helper's own total
 * grows by exactly one. */
static void test_migration_once(void)
{
	int a = 0, b = 1, h, pid;
	struct proc_counters before, after;
	struct stepper *st;

	if (ncpu() < 2) {
		skip_reason = "needs 2 CPUs";
		return;
	}
	setaffinity(0, 1ull << a);	/* we stay put: our own moves are not counted */
	if (!CHECK((h = shm_create(4096, NULL)) >= 0))
		return;
	st = shm_map(h, PROT_READ | PROT_WRITE);
	if (!CHECK(!ptr_error(st)) || !CHECK((pid = spawn_helper("move", b, a, h)) > 0))
		return;
	await_step(st, 1);
	CHECK_EQ(proc_counters(pid, &before), 0);
	counters_take(&s0);
	__atomic_store_n(&st->step, 2, __ATOMIC_RELEASE);
	await_step(st, 3);
	counters_take(&s1);
	CHECK_EQ(proc_counters(pid, &after), 0);
	__atomic_store_n(&st->step, 4, __ATOMIC_RELEASE);
	CHECK(reaped_ok(pid));
	CHECK_EQ(st->cpu_seen, b);
	shm_unmap(st);
	close(h);
	setaffinity(0, ~0ull);
	counters_delta(&s0, &s1, &d);
	CHECK_EQ(before.migrations, 0);
	CHECK_EQ(after.migrations, 1);
	CHECK_GE(d.cpu[b].migrations_in, 1);
	CHECK_GE(d.cpu[b].migrations_from[a], 1);
	CHECK_GE(counters_migrations_out(&d, a), 1);
	CHECK_EQ(d.cpu[a].migrations_from[a], 0);	/* nobody migrates to itself */
}

/* Without an architectural PMU the kernel can use (CPUID leaf 0xA:
 * version 2 or later with at least two general and two fixed counters;
 * TCG has none) pmu_valid is 0 everywhere and the printers say n/a;
 * with one, PMU_BASIC is set. */
static void test_pmu_unavailable(void)
{
	uint32_t eax, ebx, ecx, edx, max;
	static char text[4096];
	bool has_pmu;

	asm volatile("cpuid" : "=a"(max), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0), "c"(0));
	eax = edx = 0;
	if (max >= 0xA)
		asm volatile("cpuid"
			     : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx)
			     : "a"(0xA), "c"(0));
	has_pmu = (eax & 0xff) >= 2 && ((eax >> 8) & 0xff) >= 2 && (edx & 0x1f) >= 2;
	tap_say("# CPUID.0xA version %u: %s\n", eax & 0xff, has_pmu ? "PMU present" : "no PMU");
	CHECK_EQ(counters_take(&s0), ncpu());
	for (int c = 0; c < s0.ncpu; c++) {
		if (has_pmu)
			CHECK(s0.cpu[c].pmu_valid & PMU_BASIC);
		else
			CHECK_EQ(s0.cpu[c].pmu_valid, 0);
	}
	report_capture(text, sizeof(text), true);
	counters_print(&s0);
	report_capture(NULL, 0, false);
	/* n/a exactly when some PMU figure is missing, never a 0 instead. */
	if (!has_pmu || !(s0.cpu[0].pmu_valid & PMU_HITM))
		CHECK(contains(text, "n/a"));
	else
		CHECK(!contains(text, "n/a"));
}

/* cachebench all, small: exits 0, and every line it prints with --json
 * is a JSON object, with the records each test must produce. */
static void test_cachebench_runs(void)
{
	char *argv[] = { "cachebench", "all", "-n", "20", "--json", "--capture", "0", NULL };
	int n = ncpu(), lines, named;
	char *out = run_captured(argv);

	if (!out)
		return;
	CHECK(json_lines(out, "matrix", &lines, &named));
	CHECK_EQ(named, n >= 2 ? n * (n - 1) : 1);
	CHECK(json_lines(out, "matrix_summary", &lines, &named));
	CHECK_EQ(named, n >= 2 ? 1 : 0);
	CHECK(json_lines(out, "false_sharing", &lines, &named));
	CHECK_EQ(named, 2);
	CHECK(json_lines(out, "shm_vs_msg", &lines, &named));
	CHECK_EQ(named, 3);
	/* Each shm_vs_msg record has a median, and mailbox ones count their
	 * messages: two per round trip. */
	for (const char *l = out; *l;) {
		const char *e = strchr(l, '\n');
		uint64_t v;

		e = e ? e : l + strlen(l);
		if (json_has(l, e, "\"test\":\"shm_vs_msg\"")) {
			CHECK(json_uint(l, e, "rt_median", &v) && v > 0);
			if (json_has(l, e, "\"mode\":\"mbox\""))
				CHECK(json_uint(l, e, "msgs_per_rt", &v) && v >= 2);
		}
		l = *e ? e + 1 : e;
	}
}

/* top -1 --json: exits 0, one valid object per CPU. */
static void test_top_runs(void)
{
	char *argv[] = { "top", "-1", "--json", "--capture", "0", NULL };
	int lines, named;
	char *out = run_captured(argv);
	uint64_t cpu, seen = 0;

	if (!out)
		return;
	counters_take(&s0);
	CHECK(json_lines(out, "top", &lines, &named));
	CHECK_EQ(lines, ncpu());
	CHECK_EQ(named, ncpu());
	for (const char *l = out; *l;) {
		const char *e = strchr(l, '\n');

		e = e ? e : l + strlen(l);
		if (json_uint(l, e, "cpu", &cpu) && cpu < 64)
			seen |= 1ull << cpu;
		if (!(s0.cpu[0].pmu_valid & PMU_BASIC))
			CHECK(e == l || json_has(l, e, "\"pmu_cycles_per_s\":null"));
		l = *e ? e + 1 : e;
	}
	CHECK_EQ(seen, (1ull << ncpu()) - 1);
}

/* ---- The coherence model (COHERENCE=1; docs/cache-lab.md) ---- */

/* Without the model every CPU says coh_valid 0, its coh counts are all
 * zero, and the printers and top's JSON say n/a / null, never 0. */
static void test_coh_na_without_model(void)
{
	char *argv[] = { "top", "-1", "--json", "--capture", "0", NULL };
	static char text[8192];
	char *out;

	CHECK_EQ(counters_take(&s0), ncpu());
	if (s0.cpu[0].coh_valid) {
		skip_reason = "the coherence model is on";
		return;
	}
	for (int c = 0; c < s0.ncpu; c++) {
		const uint64_t *v = (const uint64_t *)&s0.cpu[c].coh;

		CHECK_EQ(s0.cpu[c].coh_valid, 0);
		for (size_t i = 0; i < sizeof(struct coh_cpu) / 8; i++)
			CHECK_EQ(v[i], 0);
	}
	report_capture(text, sizeof(text), true);
	coh_print(&s0);
	report_capture(NULL, 0, false);
	CHECK(contains(text, "n/a"));
	if ((out = run_captured(argv)))
		CHECK(contains(out, "\"coh_hitm_per_s\":null"));
}

/*
 * Under the model (runtests: the coh-smp* runs).  The counts are exact
 * where the lesson is: a moved line is an event of the model, not a
 * time.  The kernel adds a little around them (taking a snapshot runs on
 * every CPU and reads their blocks), so every check allows at most that
 * snapshot's own measured share plus COH_SLACK lines on top.
 */
#define COH_SLACK	16

/* true (and a SKIP) when there is no model to test. */
static bool no_model(void)
{
	CHECK_EQ(counters_take(&s0), ncpu());
	if (s0.cpu[0].coh_valid && s0.cpu[0].coh.loads != 1000)	/* 1000: cohfake */
		return false;
	skip_reason = "needs the coherence model (COHERENCE=1)";
	return true;
}

/* Runs argv with its output captured, when the model is on and there
 * are two CPUs (else the test is skipped, saying why): the output or NULL. */
static char *run_on_two_cpus(char **argv)
{
	if (no_model())
		return 0;
	if (ncpu() < 2) {
		skip_reason = "needs two CPUs";
		return 0;
	}
	return run_captured(argv);
}

/* The spinning ping-pong: for every pair of CPUs, exactly 2 lines move
 * per round trip, both from a modified copy (HITM), plus what one
 * snapshot moves (bounded). */
static void test_coh_pingpong(void)
{
	char *argv[] = { "cachebench", "matrix", "-n", "100", "--json", "--capture", "0", NULL };
	const uint64_t n = 100;
	int pairs = 0;
	char *out;

	if (!(out = run_on_two_cpus(argv)))
		return;
	for (const char *l = out; *l;) {
		const char *e = strchr(l, '\n');
		uint64_t from = 0, to = 0, lines = 0, hitm = 0, snap_l = 0, snap_h = 0;

		e = e ? e : l + strlen(l);
		if (json_has(l, e, "\"test\":\"matrix\"")) {
			pairs++;
			CHECK(json_uint(l, e, "from", &from) && json_uint(l, e, "to", &to));
			CHECK(json_uint(l, e, "coh_lines", &lines) && json_uint(l, e, "coh_hitm", &hitm));
			CHECK(json_uint(l, e, "coh_snapshot_lines", &snap_l) &&
			      json_uint(l, e, "coh_snapshot_hitm", &snap_h));
			if (!CHECK(hitm >= 2 * n && hitm <= 2 * n + snap_h + COH_SLACK) ||
			    !CHECK(lines >= hitm && lines <= 2 * n + snap_l + COH_SLACK))
				tap_say("# %lu -> %lu: %lu lines, %lu HITM in %lu round trips "
					"(a snapshot: %lu, %lu)\n", from, to, lines, hitm, n, snap_l,
					snap_h);
		}
		l = *e ? e + 1 : e;
	}
	CHECK_EQ(pairs, ncpu() * (ncpu() - 1));
}

/* False sharing: with a line each, the two counters move no line while
 * they count (only the start and stop signals and the snapshot's share). */
static void test_coh_padded(void)
{
	char *argv[] = { "cachebench", "false-sharing", "-n", "20", "--json", "--capture", "0",
			 NULL };
	int seen = 0;
	char *out;

	if (!(out = run_on_two_cpus(argv)))
		return;
	for (const char *l = out; *l;) {
		const char *e = strchr(l, '\n');
		uint64_t lines = 0, snap = 0, sig = 0, inc = 0;

		e = e ? e : l + strlen(l);
		if (json_has(l, e, "\"layout\":\"padded\"")) {
			seen++;
			CHECK(json_uint(l, e, "coh_lines", &lines) &&
			      json_uint(l, e, "coh_snapshot_lines", &snap) &&
			      json_uint(l, e, "coh_signal_lines", &sig) &&
			      json_uint(l, e, "increments", &inc));
			CHECK_EQ(sig, 2);
			if (!CHECK(lines <= snap + sig + COH_SLACK))
				tap_say("# padded: %lu lines moved over %lu increments (snapshot %lu)\n",
					lines, inc, snap);
		}
		l = *e ? e + 1 : e;
	}
	CHECK_EQ(seen, 1);
}

/* One CPU: no line ever comes from another cache, whatever runs.  Two
 * processes take turns at one counter line first. */
static void test_coh_one_cpu(void)
{
	char *argv[] = { "cachebench", "false-sharing", "-n", "5", "--cpus", "0,0", "--json",
			 "--capture", "0", NULL };
	const struct coh_cpu *k = &s1.cpu[0].coh;

	if (no_model())
		return;
	if (ncpu() != 1) {
		skip_reason = "needs exactly one CPU (the coh-smp1 run)";
		return;
	}
	if (!run_captured(argv))
		return;
	CHECK_EQ(counters_take(&s1), 1);
	CHECK(k->loads > 0 && k->stores > 0 && k->rd_miss_memory > 0);
	CHECK_EQ(coh_lines_in(&s1.cpu[0]), 0);
	CHECK_EQ(k->rd_miss_clean + k->wr_miss_clean, 0);
	CHECK_EQ(coh_hitm(&s1.cpu[0]), 0);
	CHECK_EQ(k->upgrades, 0);
	for (int j = 0; j < COH_MAX_CPUS; j++)
		CHECK_EQ(k->lines_from[j] + k->modified_from[j] + k->inval_to[j], 0);
}

static struct counters_snap s2, ov;

/* A counting window on this CPU (see cachebench's): two warm-up
 * snapshots, then two whose difference is a snapshot's own cost. */
static void window_open(void)
{
	counters_take(&s0);
	counters_take(&s1);
	counters_take(&s0);
	counters_take(&s1);
}

static void window_close(void)
{
	counters_take(&s2);
	counters_delta(&s0, &s1, &ov);
	counters_delta(&s1, &s2, &d);
}

/* A page that two CPUs only read moves no modified line: after each has
 * fetched its copy, 64 lines read 200 times each by both stay put.
 * Only the stepper's line moves, twice (go, done). */
static void test_coh_readonly(void)
{
	const long passes = 200;
	int a = 0, b = 1, hd, hs, hro = -1, pid;
	volatile uint64_t *page;
	struct stepper *st;
	uint64_t sum = 0, hitm, lines;

	if (no_model())
		return;
	if (ncpu() < 2) {
		skip_reason = "needs two CPUs";
		return;
	}
	hd = shm_create(4096, NULL);
	hs = shm_create(4096, NULL);
	if (!CHECK(hd >= 0 && hs >= 0) || !CHECK(setaffinity(0, 1ull << a) == 0))
		goto out;
	page = shm_map(hd, PROT_READ | PROT_WRITE);
	st = shm_map(hs, PROT_READ | PROT_WRITE);
	hro = dup(hd, RIGHT_MAP_READ);
	if (!CHECK(!ptr_error((const void *)page) && !ptr_error(st) && hro >= 0))
		goto out;
	for (int i = 0; i < 4096 / 8; i++)
		page[i] = i;		/* written here once, before anyone counts */
	st->step = 0;
	{
		struct spawn_opts so = { .affinity = 1ull << b, .nhandles = 2,
					 .handles = { hro, hs } };
		char *argv[] = { "countertest", "--child", "reader", "200", NULL };

		if (!CHECK((pid = spawn("countertest", argv, &so)) > 0))
			goto out;
	}
	while (__atomic_load_n(&st->step, __ATOMIC_ACQUIRE) < 1)
		__builtin_ia32_pause();
	for (int i = 0; i < 4096 / 8; i += 8)
		sum += page[i];		/* our copy is now shared, not modified */
	window_open();
	__atomic_store_n(&st->step, 2, __ATOMIC_RELEASE);
	for (long k = 0; k < passes; k++)
		for (int i = 0; i < 4096 / 8; i += 8)
			sum += page[i];
	while (__atomic_load_n(&st->step, __ATOMIC_ACQUIRE) < 3)
		__builtin_ia32_pause();
	window_close();
	__atomic_store_n(&st->step, 4, __ATOMIC_RELEASE);
	CHECK(reaped_ok(pid));
	hitm = coh_pair_hitm(&d, a, b);
	lines = coh_pair_lines(&d, a, b);
	if (!CHECK(hitm <= coh_pair_hitm(&ov, a, b) + 2 + COH_SLACK) ||
	    !CHECK(lines <= coh_pair_lines(&ov, a, b) + 2 + COH_SLACK))
		tap_say("# read-only page: %lu lines, %lu HITM moved (a snapshot: %lu, %lu); "
			"sum %lu\n", lines, hitm, coh_pair_lines(&ov, a, b),
			coh_pair_hitm(&ov, a, b), sum);
out:
	setaffinity(0, ~0ull);
	if (hro >= 0)
		close(hro);
	if (hd >= 0)
		close(hd);
	if (hs >= 0)
		close(hs);
}

/* Under tools/cohfake.py (the plugin's stand-in, fixed counts from a
 * formula): every CPU's block carries its own page, field by field, and
 * a helper runs on each CPU so that each names it in its coh_guest
 * entry (the runner reads those back). */
static void test_coh_fake(void)
{
	int n = ncpu();

	CHECK_EQ(counters_take(&s0), n);
	if (!s0.cpu[0].coh_valid || s0.cpu[0].coh.loads != 1000) {
		skip_reason = "needs tools/cohfake.py in the plugin's place";
		return;
	}
	for (int c = 0; c < n; c++) {
		int pid = spawn_helper("getpid", 1, c, -1);

		if (CHECK(pid > 0))
			CHECK(reaped_ok(pid));
	}
	CHECK_EQ(counters_take(&s0), n);
	for (int c = 0; c < s0.ncpu; c++) {
		const struct coh_cpu *k = &s0.cpu[c].coh;
		const uint64_t *v = (const uint64_t *)k;

		CHECK_EQ(s0.cpu[c].coh_valid, 1);
		for (int f = 0; f < 10; f++)	/* loads .. stall_ns */
			if (!CHECK_EQ(v[f], 1000 * (c + 1) + f))
				tap_say("# cpu %d field %d\n", c, f);
		for (int j = 0; j < COH_MAX_CPUS; j++) {
			CHECK_EQ(k->lines_from[j], 100 + 10 * c + j);
			CHECK_EQ(k->modified_from[j], 200 + 10 * c + j);
			CHECK_EQ(k->inval_to[j], 300 + 10 * c + j);
		}
	}
}

static const struct tap_test tests[] = {
	{ "snapshot_per_cpu", test_snapshot_per_cpu },
	{ "syscalls_on_core", test_syscalls_on_core },
	{ "yield_switches", test_yield_switches },
	{ "mbox_counts_exact", test_mbox_counts_exact },
	{ "migration_once", test_migration_once },
	{ "pmu_unavailable", test_pmu_unavailable },
	{ "cachebench_runs", test_cachebench_runs },
	{ "top_runs", test_top_runs },
	{ "coh_na_without_model", test_coh_na_without_model },
	{ "coh_fake", test_coh_fake },
	{ "coh_pingpong", test_coh_pingpong },
	{ "coh_padded", test_coh_padded },
	{ "coh_one_cpu", test_coh_one_cpu },
	{ "coh_readonly", test_coh_readonly },
};

/* tap_run_tests, plus "# SKIP" for a test that set skip_reason. */
static int run_tests(const struct tap_test **selected, int n)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		tap_failed = 0;
		skip_reason = NULL;
		selected[i]->fn();
		if (tap_reap_leftovers() > 0)
			tap_failed++;
		if (skip_reason && !tap_failed)
			tap_say("ok %d - %s # SKIP %s\n", i + 1, selected[i]->name, skip_reason);
		else if (!tap_result(i + 1, selected[i]->name))
			failed++;
	}
	return failed;
}

int main(int argc, char **argv)
{
	static const struct tap_hooks hooks = { .run = run_tests };

	if (argc > 1 && strcmp(argv[1], "--child") == 0)
		return helper(argc, argv);
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]), &hooks);
}
