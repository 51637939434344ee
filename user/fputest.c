/*
 * fputest: each process has its own x87, MMX and SSE registers
 * (docs/processes.md, "CPU state a process owns").
 *
 *   fputest              run every test
 *   fputest NAME...      run only these
 *   fputest -l           list the tests
 *
 * The register checks load known patterns into mm0..mm7 and
 * xmm0..xmm15 (and chosen x87 control and MXCSR values), enter the
 * kernel, and read everything back with fxsave, all inside one asm
 * statement so that no compiled code touches the registers in between.
 *
 * A new process and a process after exec must start clean: x87 control
 * word 0x37f, MXCSR 0x1f80, every register zero.  A fork child starts
 * with its parent's registers.  An unmasked floating-point exception ends
 * only the process that raised it (FAULT_FP).
 */
#include "tap.h"

#define FCW_DEFAULT	0x037f
#define MXCSR_DEFAULT	0x1f80
#define MXCSR_ZM	0x0200	/* divide-by-zero masked */
#define FCW_ZM		0x0004

#define SWITCHES	2000	/* yields per process in the switch test */

/* The fxsave image (Intel SDM vol. 1, 10.5.1). */
struct fxarea {
	uint16_t fcw, fsw;
	uint8_t ftw, pad1;
	uint16_t fop;
	uint64_t fip, fdp;
	uint32_t mxcsr, mxcsr_mask;
	uint8_t st[8][16];
	uint8_t xmm[16][16];
	uint8_t pad2[96];
} __attribute__((aligned(16)));

/* What a check loads: the layout the asm below indexes by offset. */
struct pattern {
	uint8_t xmm[16][16];	/* offset 0 */
	uint8_t mm[8][8];	/* offset 256 */
	uint32_t mxcsr;		/* offset 320 */
	uint16_t fcw;		/* offset 324 */
} __attribute__((aligned(16)));

_Static_assert(sizeof(struct fxarea) == 512, "fxarea");

static struct fxarea fresh;	/* main's very first act fills it (--fresh) */

static void make_pattern(struct pattern *p, unsigned seed, uint32_t mxcsr, uint16_t fcw)
{
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 16; j++)
			p->xmm[i][j] = (uint8_t)(seed * 37 + i * 16 + j + 1);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			p->mm[i][j] = (uint8_t)(seed * 53 + i * 8 + j + 0x81);
	p->mxcsr = mxcsr;
	p->fcw = fcw;
}

/*
 * Loads *p into the registers, makes system call nr (arguments a0..a2),
 * saves every register into *out, and puts the x87 and MXCSR defaults
 * back.  Returns the call's result.
 */
static long call_with_pattern(const struct pattern *p, long nr, long a0, long a1, long a2,
			      struct fxarea *out)
{
	long rax = nr;

	__asm__ volatile(
		"ldmxcsr 320(%[p])\n\t"
		"fldcw 324(%[p])\n\t"
		"movdqu 0(%[p]), %%xmm0\n\t"
		"movdqu 16(%[p]), %%xmm1\n\t"
		"movdqu 32(%[p]), %%xmm2\n\t"
		"movdqu 48(%[p]), %%xmm3\n\t"
		"movdqu 64(%[p]), %%xmm4\n\t"
		"movdqu 80(%[p]), %%xmm5\n\t"
		"movdqu 96(%[p]), %%xmm6\n\t"
		"movdqu 112(%[p]), %%xmm7\n\t"
		"movdqu 128(%[p]), %%xmm8\n\t"
		"movdqu 144(%[p]), %%xmm9\n\t"
		"movdqu 160(%[p]), %%xmm10\n\t"
		"movdqu 176(%[p]), %%xmm11\n\t"
		"movdqu 192(%[p]), %%xmm12\n\t"
		"movdqu 208(%[p]), %%xmm13\n\t"
		"movdqu 224(%[p]), %%xmm14\n\t"
		"movdqu 240(%[p]), %%xmm15\n\t"
		"movq 256(%[p]), %%mm0\n\t"
		"movq 264(%[p]), %%mm1\n\t"
		"movq 272(%[p]), %%mm2\n\t"
		"movq 280(%[p]), %%mm3\n\t"
		"movq 288(%[p]), %%mm4\n\t"
		"movq 296(%[p]), %%mm5\n\t"
		"movq 304(%[p]), %%mm6\n\t"
		"movq 312(%[p]), %%mm7\n\t"
		"syscall\n\t"
		"fxsave64 (%[out])\n\t"
		"emms\n\t"
		"fninit\n\t"
		"push %[mx]\n\t"
		"ldmxcsr (%%rsp)\n\t"
		"add $8, %%rsp"
		: "+a"(rax)
		: [p] "b"(p), [out] "r"(out), "D"(a0), "S"(a1), "d"(a2), [mx] "r"((long)MXCSR_DEFAULT)
		: "rcx", "r11", "memory", "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
		  "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
		  "xmm15", "mm0", "mm1", "mm2", "mm3", "mm4", "mm5", "mm6", "mm7", "st", "st(1)",
		  "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
	return rax;
}

/* Whether the saved registers are the pattern; says what differs. */
static bool matches(const struct fxarea *a, const struct pattern *p, bool quiet)
{
	bool ok = true;

	if (a->mxcsr != p->mxcsr || a->fcw != p->fcw) {
		if (!quiet)
			printf("# mxcsr %x fcw %x, want %x %x\n", a->mxcsr, a->fcw, p->mxcsr, p->fcw);
		ok = false;
	}
	for (int i = 0; i < 16; i++)
		if (memcmp(a->xmm[i], p->xmm[i], 16) != 0) {
			if (!quiet)
				printf("# xmm%d differs\n", i);
			ok = false;
		}
	for (int i = 0; i < 8; i++)
		if (memcmp(a->st[i], p->mm[i], 8) != 0) {
			if (!quiet)
				printf("# mm%d differs\n", i);
			ok = false;
		}
	return ok;
}

/* Whether a is the state a new program starts with; says what is not. */
static bool is_clean(const struct fxarea *a)
{
	static const uint8_t zero[16];
	bool ok = true;

	if (a->fcw != FCW_DEFAULT || a->mxcsr != MXCSR_DEFAULT || a->fsw != 0 || a->ftw != 0) {
		printf("# fcw %x mxcsr %x fsw %x ftw %x\n", a->fcw, a->mxcsr, a->fsw, a->ftw);
		ok = false;
	}
	for (int i = 0; i < 16; i++)
		if (memcmp(a->xmm[i], zero, 16) != 0) {
			printf("# xmm%d not zero\n", i);
			ok = false;
		}
	for (int i = 0; i < 8; i++)
		if (memcmp(a->st[i], zero, 10) != 0) {
			printf("# st%d not zero\n", i);
			ok = false;
		}
	return ok;
}

/* A deterministic floating-point workload in both units: double in SSE
 * registers, long double on the x87 stack.  Every so often it yields. */
static double workload(int n, int yield_every)
{
	double s = 0, x = 1.0;
	long double l = 0;

	for (int i = 1; i <= n; i++) {
		s += 1.0 / ((double)i * i);
		x = x * 1.0000001 + s / (i + 3.5);
		l += 1.0L / ((long double)i * 3 + 1);
		if (yield_every && i % yield_every == 0)
			yield();
	}
	return s + x + (double)l;
}

static void pin_here(void)
{
	CHECK_EQ(setaffinity(0, 1ul << getcpu()), 0);
}

static void unpin(void)
{
	setaffinity(0, (1ul << ncpu()) - 1);
}

/* Waits for pid; checks it exited with status 0. */
static void expect_ok(int pid, const char *what)
{
	struct wait_info wi = { 0 };
	char why[96];

	if (!CHECK(pid > 0))
		return;
	CHECK_EQ(wait(pid, &wi), pid);
	if (!CHECK(wi.how == EXIT_NORMAL && wi.status == 0)) {
		exit_reason(&wi, why, sizeof(why));
		printf("# %s: %s\n", what, why);
	}
}

/* ---- Children ---- */

/* Yields SWITCHES times with its own register pattern, and runs the
 * workload between.  Sandboxed, so it cannot print: exits 0 if it never
 * saw anything but its own values, 1 if a register changed, 2 if the
 * workload's result did. */
static int switcher(unsigned seed, double want)
{
	static struct pattern pat;
	static struct fxarea out;
	bool regs_bad = false, work_bad = false;

	sandbox(SB_BASIC);
	make_pattern(&pat, seed, seed & 1 ? 0x7f80 : MXCSR_DEFAULT, seed & 1 ? 0x027f : 0x037f);
	for (int i = 0; i < SWITCHES; i++) {
		memset(&out, 0, sizeof(out));
		if (call_with_pattern(&pat, SYS_yield, 0, 0, 0, &out) != 0 || !matches(&out, &pat, true))
			regs_bad = true;
		if (i % 100 == 0 && workload(2000, 0) != want)
			work_bad = true;
	}
	/* And the same work with yields inside it: not one bit differs. */
	if (workload(20000, 500) != workload(20000, 0))
		work_bad = true;
	return regs_bad ? 1 : work_bad ? 2 : 0;
}

/* Exit statuses of the children below when no exception came. */
#define NO_TRAP		2	/* and nothing recorded it: a kernel or test bug */
#define NO_TRAP_SSE	5	/* MXCSR records the error, but no #XM: an emulator */

/* 1.0 / 0.0 with the zero-divide exception unmasked in MXCSR.  QEMU's TCG
 * (7.2 at least) computes the flags but never raises #XM; the child says
 * so with NO_TRAP_SSE rather than pretend. */
static int sse_divide_by_zero(void)
{
	volatile double zero = 0.0;
	double r = 1.0;
	uint32_t mx = 0;

	__asm__ volatile("push %2; ldmxcsr (%%rsp); add $8, %%rsp; divsd %3, %0; stmxcsr %1"
			 : "+x"(r), "=m"(mx) : "r"((long)(MXCSR_DEFAULT & ~MXCSR_ZM)), "x"((double)zero)
			 : "memory");
	return (mx & 0x4) ? NO_TRAP_SSE : NO_TRAP;	/* ZE: zero-divide flag */
}

static int x87_divide_by_zero(void)
{
	uint16_t cw = FCW_DEFAULT & ~FCW_ZM;
	volatile double zero = 0.0;

	/* 1 / 0 with the zero-divide exception unmasked: pending until the
	 * next waiting x87 instruction, which raises #MF. */
	__asm__ volatile("fldcw %0; fld1; fdivl %1; fstp %%st(0); fwait"
			 : : "m"(cw), "m"(zero) : "st", "memory");
	return NO_TRAP;
}

/* ---- Tests ---- */

/* The reproduction and more: two sandboxed processes on one CPU,
 * each with its own register pattern, yield to each other thousands of
 * times and run floating-point work; neither sees the other's values. */
static void test_switch_isolation(void)
{
	double want = workload(2000, 0);
	int a, b;

	pin_here();
	if ((a = fork()) == 0)
		exit(switcher(1, want));
	if ((b = fork()) == 0)
		exit(switcher(2, want));
	expect_ok(a, "switcher 1");
	expect_ok(b, "switcher 2");
	unpin();
}

/* A process spawned right after its parent dirtied every register, on
 * the same CPU, starts clean. */
static void test_fresh_process(void)
{
	static struct pattern pat;
	static struct fxarea out;
	char *argv[] = { "fputest", "--fresh", NULL };
	struct spawn_opts opts = { .affinity = 1ul << getcpu() };
	struct wait_info wi = { 0 };

	make_pattern(&pat, 3, 0x3f80, 0x027f);
	pin_here();
	/* spawn from inside the pattern: the registers are dirty as the
	 * kernel builds and first runs the child. */
	long pid = call_with_pattern(&pat, SYS_spawn, (long)"fputest", (long)argv, (long)&opts,
				     &out);

	if (CHECK(pid > 0)) {
		CHECK_EQ(wait((int)pid, &wi), pid);
		CHECK(wi.how == EXIT_NORMAL && wi.status == 0);
	}
	unpin();
}

/* exec from a process whose registers are all dirty: the new image
 * starts clean. */
static void test_exec_clean(void)
{
	int pid = fork();

	if (pid == 0) {
		static struct pattern pat;
		static struct fxarea out;
		char *argv[] = { "fputest", "--fresh", NULL };

		make_pattern(&pat, 4, 0x5f80, 0x007f);
		call_with_pattern(&pat, SYS_exec, (long)"fputest", (long)argv, 0, &out);
		exit(9);	/* exec failed */
	}
	expect_ok(pid, "exec'd image");
}

/* fork from inside the pattern: the child sees exactly its parent's
 * registers and control words, and so does the parent. */
static void test_fork_inherits(void)
{
	static struct pattern pat;
	static struct fxarea out;
	struct wait_info wi = { 0 };

	make_pattern(&pat, 5, 0x7f80, 0x027f);
	long pid = call_with_pattern(&pat, SYS_fork, 0, 0, 0, &out);

	if (pid == 0)
		exit(matches(&out, &pat, false) ? 0 : 1);
	CHECK(matches(&out, &pat, false));
	if (CHECK(pid > 0)) {
		CHECK_EQ(wait((int)pid, &wi), pid);
		CHECK(wi.how == EXIT_NORMAL && wi.status == 0);
	}
}

/* An unmasked floating-point exception (SSE #XM, x87 #MF) ends only the
 * process that raised it; a neighbour on the same CPU computing with
 * floats goes on and gets the right answer. */
static void test_fp_exception(void)
{
	static int (*const raise[])(void) = { sse_divide_by_zero, x87_divide_by_zero };
	static const char *const names[] = { "SSE", "x87" };
	double want = workload(2000, 0);

	pin_here();
	for (int i = 0; i < 2; i++) {
		struct wait_info wi = { 0 };
		int n = fork();

		if (n == 0)
			exit(switcher(7, want));
		int pid = fork();

		if (pid == 0)
			exit(raise[i]());
		if (CHECK(pid > 0) && CHECK_EQ(wait(pid, &wi), pid)) {
			if (i == 0 && wi.how == EXIT_NORMAL && wi.status == NO_TRAP_SSE)
				printf("# this CPU does not raise #XM (QEMU TCG): SSE case skipped\n");
			else if (!CHECK(wi.how == EXIT_FAULT && wi.fault == FAULT_FP)) {
				char why[96];

				exit_reason(&wi, why, sizeof(why));
				printf("# %s: %s\n", names[i], why);
			}
		}
		expect_ok(n, "neighbour");
	}
	CHECK(workload(2000, 0) == want);
	unpin();
}

/* printf's %f %e %g through the real output path. */
static void test_printf_float(void)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.3f|%e|%g|%8.2f|%-6.1f|", 3.14159, 12345.678, 0.0001, -2.5,
		 1.25);
	if (!CHECK(strcmp(buf, "3.142|1.234568e+04|0.0001|   -2.50|1.2   |") == 0))
		printf("# got \"%s\"\n", buf);
	snprintf(buf, sizeof(buf), "%d %.2f %s %g", 7, 1.0 / 3, "x", 1e100);
	if (!CHECK(strcmp(buf, "7 0.33 x 1e+100") == 0))
		printf("# got \"%s\"\n", buf);
}

static const struct tap_test tests[] = {
	{ "switch_isolation", test_switch_isolation },
	{ "fresh_process", test_fresh_process },
	{ "exec_clean", test_exec_clean },
	{ "fork_inherits", test_fork_inherits },
	{ "fp_exception", test_fp_exception },
	{ "printf_float", test_printf_float },
};

int main(int argc, char **argv)
{
	/* Before any compiled code can touch a register. */
	__asm__ volatile("fxsave64 %0" : "=m"(fresh));
	if (argc == 2 && strcmp(argv[1], "--fresh") == 0)
		return is_clean(&fresh) ? 0 : 1;
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]), NULL);
}
