/*
 * fault KIND: makes the CPU fault on purpose, to show (and test) that the
 * kernel ends just this process and tells its parent why.
 *
 *   null         write to address 0                  -> page fault
 *   gp           hlt, a privileged instruction       -> general protection
 *   ud           ud2, the defined invalid opcode     -> invalid opcode
 *   div          divide by zero                      -> divide error
 *   kernel-addr  read kernel memory (0xffffffff80100000) -> page fault
 *   readonly     write to the program's own text        -> page fault
 *   stack        recursion without end                   -> stack overflow
 *
 * Each fault is an asm statement: in C these would be undefined
 * behaviour, which the compiler may remove or turn into something else.
 */
#include "baton.h"

#define KERNEL_ADDR	0xffffffff80100000ul

static void fault_null(void)
{
	asm volatile("movl $1, (%0)" : : "r"(0ul) : "memory");
}

static void fault_gp(void)
{
	asm volatile("hlt");
}

static void fault_ud(void)
{
	asm volatile("ud2");
}

static void fault_div(void)
{
	unsigned int quot, rem;

	/* edx:eax = 0:1 divided by ecx = 0. */
	asm volatile("divl %%ecx" : "=a"(quot), "=d"(rem) : "0"(1u), "1"(0u), "c"(0u));
	(void)quot;
	(void)rem;
}

static void fault_kernel_addr(void)
{
	unsigned long v;

	asm volatile("movq (%1), %0" : "=r"(v) : "r"(KERNEL_ADDR) : "memory");
	(void)v;
}

static void fault_readonly(void)
{
	asm volatile("movb $0xc3, (%0)" : : "r"((void *)fault_readonly) : "memory");
}

/* Each call keeps 512 bytes on the stack and calls again: the stack
 * pointer walks down into the guard page. */
static volatile int depth_limit = -1;	/* never reached: the stack runs out first */

static int __attribute__((noinline)) recurse(volatile char *up, int depth)
{
	volatile char frame[512];

	frame[0] = up ? up[0] : 1;
	if (depth == depth_limit)
		return frame[0];
	return recurse(frame, depth + 1) + frame[1];
}

static void fault_stack(void)
{
	recurse(0, 0);
}

static const struct {
	const char *name;
	void (*fn)(void);
} kinds[] = {
	{ "null", fault_null },
	{ "gp", fault_gp },
	{ "ud", fault_ud },
	{ "div", fault_div },
	{ "kernel-addr", fault_kernel_addr },
	{ "readonly", fault_readonly },
	{ "stack", fault_stack },
};

#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

int main(int argc, char **argv)
{
	for (size_t i = 0; argc == 2 && i < NKINDS; i++) {
		if (strcmp(argv[1], kinds[i].name) == 0) {
			kinds[i].fn();
			printf("fault: survived?!\n");
			return 1;
		}
	}
	eprintf("usage: fault null|gp|ud|div|kernel-addr|readonly|stack\n");
	return 2;
}
