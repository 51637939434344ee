/*
 * flagtest: a process's rflags are its own, and no value of them can
 * hurt the kernel (docs/processes.md, "CPU state a process owns").
 *
 *   flagtest              run every test
 *   flagtest NAME...      run only these
 *   flagtest -l           list the tests
 *
 * A ring-3 program can change these flags with popf (or iretq to itself):
 * the arithmetic ones,
 * TF (single step), DF (string direction), NT (nested task), AC
 * (alignment check) and ID.  IOPL and IF it cannot (popf leaves them
 * alone at CPL 3).  Each test sets flags "every way a program can" and
 * then enters the kernel every way a program can: system calls (getpid,
 * yield with another process runnable on the same CPU, sleep, fork,
 * exec), a fatal page fault, and timer interrupts while it spins.  The
 * kernel must survive, and the flags must come back as the process left
 * them, never as another process's.
 *
 * TF makes the CPU trap after each instruction; nobody is debugging the
 * process, so the kernel ends it with a debug fault (FAULT_DEBUG).
 *
 * The flag work is done in asm statements that set the flags, enter the
 * kernel and read them back, then clear them again: compiled C code may
 * assume DF is clear, so no C runs with it set.
 */
#include "tap.h"

#define FL_TF	(1ul << 8)
#define FL_IF	(1ul << 9)
#define FL_DF	(1ul << 10)
#define FL_IOPL	(3ul << 12)
#define FL_NT	(1ul << 14)
#define FL_AC	(1ul << 18)
#define FL_ID	(1ul << 21)
#define USER_FLAGS	(FL_DF | FL_NT | FL_AC | FL_ID)	/* settable, harmless to keep */

#define SPIN_MS		200	/* long enough for several timer ticks */

static uint64_t get_flags(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

/* NT, AC and ID change nothing a C program relies on, so these may be
 * left set across C code (DF may not). */
static void set_flags(uint64_t bits)
{
	__asm__ volatile("pushfq; orq %0, (%%rsp); popfq" : : "r"(bits) : "memory", "cc");
}

static void clear_flags(uint64_t bits)
{
	__asm__ volatile("pushfq; andq %0, (%%rsp); popfq" : : "r"(~bits) : "memory", "cc");
}

/* Sets bits in rflags, makes system call nr with argument a0, reads
 * rflags, and clears bits again.  Returns the flags seen after the call;
 * *ret gets its result. */
static uint64_t call_with_flags(uint64_t bits, long nr, long a0, long *ret)
{
	uint64_t after, mask = ~bits;
	long rax = nr;

	__asm__ volatile("pushfq\n\t"
			 "orq %[bits], (%%rsp)\n\t"
			 "popfq\n\t"
			 "syscall\n\t"
			 "pushfq\n\t"
			 "popq %[after]\n\t"
			 "pushfq\n\t"
			 "andq %[mask], (%%rsp)\n\t"
			 "popfq"
			 : [after] "=&r"(after), "+a"(rax)
			 : [bits] "r"(bits), [mask] "r"(mask), "D"(a0)
			 : "rcx", "r11", "memory", "cc");
	*ret = rax;
	return after;
}

/* Spins for about ms milliseconds with bits set, checking after every
 * short stretch of the loop (timer interrupts land anywhere in it) that
 * the flags are still exactly ours.  Returns the number of bad reads. */
static long spin_with_flags(uint64_t bits, uint64_t ms)
{
	uint64_t end = uptime_ms() + ms, want = bits & USER_FLAGS;
	long bad = 0;

	while (uptime_ms() < end) {
		uint64_t f, mask = ~bits;

		__asm__ volatile("pushfq\n\t"
				 "orq %[bits], (%%rsp)\n\t"
				 "popfq\n\t"
				 "mov $20000, %%ecx\n"
				 "1:\tdec %%ecx\n\t"
				 "jnz 1b\n\t"
				 "pushfq\n\t"
				 "popq %[f]\n\t"
				 "pushfq\n\t"
				 "andq %[mask], (%%rsp)\n\t"
				 "popfq"
				 : [f] "=&r"(f)
				 : [bits] "r"(bits), [mask] "r"(mask)
				 : "rcx", "memory", "cc");
		if ((f & (USER_FLAGS | FL_IF | FL_IOPL | FL_TF)) != (want | FL_IF))
			bad++;
	}
	return bad;
}

/* The other way a program sets its flags: iretq to itself, with bits
 * or'ed into the flags of the frame.  Returns the flags it got. */
static uint64_t iret_with_flags(uint64_t bits)
{
	uint64_t f;

	__asm__ volatile("mov %%rsp, %%rdx\n\t"
			 "mov %%ss, %%eax\n\t"
			 "push %%rax\n\t"
			 "push %%rdx\n\t"
			 "pushfq\n\t"
			 "orq %[bits], (%%rsp)\n\t"
			 "mov %%cs, %%eax\n\t"
			 "push %%rax\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "push %%rax\n\t"
			 "iretq\n"
			 "1:\tpushfq\n\t"
			 "popq %[f]"
			 : [f] "=r"(f)
			 : [bits] "r"(bits)
			 : "rax", "rdx", "memory", "cc");
	return f;
}

/* Forks a child that runs fn and exits with its result (0: all well).
 * Returns the child's pid. */
static int child(int (*fn)(uint64_t), uint64_t arg)
{
	int pid = fork();

	if (pid == 0)
		exit(fn(arg));
	CHECK(pid > 0);
	return pid;
}

/* Waits for pid; checks it exited normally with status 0. */
static void expect_ok(int pid, const char *what)
{
	struct wait_info wi = { 0 };
	char why[96];

	if (pid <= 0)
		return;
	CHECK_EQ(wait(pid, &wi), pid);
	if (!CHECK(wi.how == EXIT_NORMAL && wi.status == 0)) {
		exit_reason(&wi, why, sizeof(why));
		printf("# %s: %s\n", what, why);
	}
}

/* Waits for pid; checks a CPU fault of this kind ended it. */
static void expect_fault(int pid, int fault, const char *what)
{
	struct wait_info wi = { 0 };
	char why[96];

	if (pid <= 0)
		return;
	CHECK_EQ(wait(pid, &wi), pid);
	if (!CHECK(wi.how == EXIT_FAULT && wi.fault == fault)) {
		exit_reason(&wi, why, sizeof(why));
		printf("# %s: %s\n", what, why);
	}
}

/* Keeps this process (and so its children) on the CPU it is on. */
static void pin_here(void)
{
	CHECK_EQ(setaffinity(0, 1ul << getcpu()), 0);
}

static void unpin(void)
{
	setaffinity(0, (1ul << ncpu()) - 1);
}

/* ---- Children ---- */

/* Enters the basic sandbox, then spins with bits set. */
static int spinner(uint64_t bits)
{
	sandbox(SB_BASIC);
	return spin_with_flags(bits, SPIN_MS) ? 1 : 0;
}

/* Makes n yields with bits set, each checking the flags came back. */
static int yielder(uint64_t bits)
{
	int bad = 0;

	sandbox(SB_BASIC);
	for (int i = 0; i < 200; i++) {
		long r;
		uint64_t f = call_with_flags(bits, SYS_yield, 0, &r);

		if ((f & (USER_FLAGS | FL_IF | FL_IOPL)) != ((bits & USER_FLAGS) | FL_IF) || r != 0)
			bad++;
	}
	return bad ? 1 : 0;
}

/* exec with NT set: the new image must start with clean flags. */
static int nt_execer(uint64_t bits)
{
	char *argv[] = { "flagtest", "--clean-flags", NULL };

	set_flags(bits);
	exec("flagtest", argv);
	return 2;	/* exec failed */
}

/* Page fault with flags set. */
static int null_writer(uint64_t bits)
{
	set_flags(bits);
	__asm__ volatile("movl $1, (%0)" : : "r"(0ul) : "memory");
	return 3;
}

/* iretq with NT already set: a nested-task return, #GP in long mode. */
static int nt_iretq(uint64_t bits)
{
	set_flags(bits);
	iret_with_flags(0);
	return 5;
}

/* Sets TF: the next instruction traps. */
static int stepper(uint64_t how)
{
	if (how == 0)
		__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq; nop; nop" : : : "memory", "cc");
	/* TF set by popf right before syscall: the kernel is entered with it. */
	if (how == 1)
		__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq; syscall"
				 : : "a"((long)SYS_getpid) : "rcx", "r11", "memory", "cc");
	return 4;
}

/* ---- Tests ---- */

/* The reproduction: NT set, then exec.  The kernel returned from
 * exec by iretq with the user's NT still set in its own flags: #GP. */
static void test_nt_exec(void)
{
	expect_ok(child(nt_execer, FL_NT), "exec with NT");
	expect_ok(child(nt_execer, FL_NT | FL_AC | FL_ID), "exec with NT AC ID");
}

/* NT set, yield while another process (preempted by the timer, so it
 * returns by iretq) is runnable on the same CPU; both sandboxed. */
static void test_nt_yield(void)
{
	pin_here();
	int a = child(spinner, 0);
	int b = child(yielder, FL_NT);
	int c = child(spinner, FL_AC);

	expect_ok(a, "spinner without flags");
	expect_ok(b, "yielder with NT");
	expect_ok(c, "spinner with AC");
	unpin();
}

/* Each settable flag, alone and together, across several calls: the flags
 * come back as they were and the calls work.  A spinner on the same CPU
 * (preempted by the timer, so it returns by iretq) is what yield and
 * sleep switch to. */
static void test_flags_syscalls(void)
{
	static const uint64_t sets[] = { FL_NT, FL_AC, FL_DF, FL_ID, FL_NT | FL_AC | FL_DF | FL_ID };
	static const long calls[][2] = {
		{ SYS_getpid, 0 }, { SYS_yield, 0 }, { SYS_sleep, 1 }, { SYS_uptime, 0 },
		{ SYS_ncpu, 0 },
	};
	long pid = getpid();

	pin_here();
	int a = child(spinner, 0);

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		for (size_t j = 0; j < sizeof(calls) / sizeof(calls[0]); j++) {
			long r;
			uint64_t f = call_with_flags(sets[i], calls[j][0], calls[j][1], &r);

			if (!CHECK_EQ(f & (USER_FLAGS | FL_IF | FL_IOPL | FL_TF), sets[i] | FL_IF))
				printf("# flags %lx, call %ld\n", sets[i], calls[j][0]);
			CHECK(r >= 0);
		}
		long r;

		call_with_flags(sets[i], SYS_getpid, 0, &r);
		CHECK_EQ(r, pid);
	}
	expect_ok(a, "spinner beside them");
	unpin();
}

/* A system call that copies memory for us, made with DF set: the kernel
 * must copy forwards all the same. */
static void test_df_copy(void)
{
	struct memstat st[2];
	long r;

	memset(st, 0x5a, sizeof(st));
	call_with_flags(FL_DF, SYS_memstat, (long)&st[0], &r);
	CHECK_EQ(r, 0);
	CHECK(st[0].total_frames > 0);
	for (size_t i = 0; i < sizeof(st[1]); i++)
		if (((unsigned char *)&st[1])[i] != 0x5a) {
			CHECK(!"memstat wrote past its struct");
			break;
		}
}

/* popf cannot raise IOPL in ring 3; neither can anything the kernel does
 * with the flags on the way back. */
static void test_iopl(void)
{
	long r;

	set_flags(FL_IOPL);
	CHECK_EQ(get_flags() & FL_IOPL, 0);
	CHECK_EQ(call_with_flags(FL_IOPL, SYS_yield, 0, &r) & FL_IOPL, 0);
	CHECK_EQ(call_with_flags(FL_IOPL, SYS_getpid, 0, &r) & FL_IOPL, 0);
	/* And cli/sti stay privileged: IF cannot be cleared by popf either. */
	clear_flags(FL_IF);
	CHECK(get_flags() & FL_IF);
}

/* iretq from ring 3 to ring 3 can set NT and AC but not IOPL; the flags
 * it set behave like popf's across system calls.  Run in a child:
 * QEMU's TCG pops a ring-3 iretq's frame as a kernel access, which SMAP
 * refuses, so there the child dies of a page fault at the iretq (the
 * kernel must survive that too). */
static int iretq_setter(uint64_t bits)
{
	long r;
	uint64_t f = iret_with_flags(bits);

	if ((f & (FL_IOPL | FL_NT | FL_AC)) != (bits & (FL_NT | FL_AC)))
		return 1;
	f = call_with_flags(0, SYS_yield, 0, &r);
	if ((f & (FL_IOPL | FL_NT | FL_AC | FL_IF)) != ((bits & (FL_NT | FL_AC)) | FL_IF))
		return 2;
	clear_flags(FL_NT | FL_AC);
	return (get_flags() & (FL_NT | FL_AC)) ? 3 : 0;
}

/* With NT already set, iretq is the program's own #GP. */
static void test_iretq_flags(void)
{
	struct wait_info wi = { 0 };
	int pid = child(iretq_setter, FL_IOPL | FL_NT | FL_AC);

	if (pid > 0 && CHECK_EQ(wait(pid, &wi), pid)) {
		if (wi.how == EXIT_FAULT && wi.fault == FAULT_PAGE)
			printf("# a ring-3 iretq page-faults on this CPU (QEMU TCG with SMAP)\n");
		else
			CHECK(wi.how == EXIT_NORMAL && wi.status == 0);
	}
	expect_fault(child(nt_iretq, FL_NT), FAULT_GP, "iretq with NT");
}

/* Flags set and then a fatal page fault: only that process ends. */
static void test_flags_fault(void)
{
	pin_here();
	int a = child(spinner, 0);

	expect_fault(child(null_writer, FL_NT | FL_AC), FAULT_PAGE, "page fault with NT AC");
	expect_fault(child(null_writer, FL_NT | FL_DF), FAULT_PAGE, "page fault with NT DF");
	expect_ok(a, "spinner beside them");
	unpin();
}

/* Timer interrupts while processes with different flags spin on one CPU:
 * each keeps its own. */
static void test_flags_timer(void)
{
	pin_here();
	int a = child(spinner, FL_NT | FL_AC);
	int b = child(spinner, 0);
	int c = child(spinner, FL_DF | FL_ID);
	int d = child(yielder, FL_NT | FL_DF);

	expect_ok(a, "spinner with NT AC");
	expect_ok(b, "spinner without flags");
	expect_ok(c, "spinner with DF ID");
	expect_ok(d, "yielder with NT DF");
	unpin();
}

/* fork made with NT and AC set: the child returns with them set too.
 * The parent then yields with NT set, to the child on the same CPU,
 * whose first return to user mode is an iretq. */
static void test_flags_fork(void)
{
	long r, y;

	pin_here();
	uint64_t f = call_with_flags(FL_NT | FL_AC, SYS_fork, 0, &r);

	if (r == 0) {
		clear_flags(FL_NT | FL_AC);
		exit((f & (FL_NT | FL_AC)) == (FL_NT | FL_AC) ? 0 : 1);
	}
	call_with_flags(FL_NT, SYS_yield, 0, &y);
	CHECK(r > 0);
	CHECK_EQ(f & (FL_NT | FL_AC), FL_NT | FL_AC);
	expect_ok((int)r, "fork child with NT AC");
	unpin();
}

/* TF: a debug trap that ends the process, whether it traps in user code
 * or was set right before a system call. */
static void test_tf_single_step(void)
{
	pin_here();
	int a = child(spinner, 0);

	expect_fault(child(stepper, 0), FAULT_DEBUG, "TF then nop");
	expect_fault(child(stepper, 1), FAULT_DEBUG, "TF then syscall");
	expect_ok(a, "spinner beside them");
	CHECK_EQ(get_flags() & FL_TF, 0);
	unpin();
}

static const struct tap_test tests[] = {
	{ "nt_exec", test_nt_exec },
	{ "nt_yield", test_nt_yield },
	{ "flags_syscalls", test_flags_syscalls },
	{ "df_copy", test_df_copy },
	{ "iopl", test_iopl },
	{ "iretq_flags", test_iretq_flags },
	{ "flags_fault", test_flags_fault },
	{ "flags_timer", test_flags_timer },
	{ "flags_fork", test_flags_fork },
	{ "tf_single_step", test_tf_single_step },
};

/* Run by nt_execer's exec: a new image starts with only IF set among the
 * flags a program can see change. */
static int clean_flags(void)
{
	uint64_t f = get_flags();

	return (f & (USER_FLAGS | FL_TF | FL_IOPL | FL_IF)) == FL_IF ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--clean-flags") == 0)
		return clean_flags();
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]), NULL);
}
