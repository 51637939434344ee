/*
 * The x86 side of processes: laying out a new kernel stack so the first
 * swtch() into it lands in the right place, filling a trapframe for user
 * mode, reading system-call arguments, switching address spaces and the
 * per-CPU kernel stack, and the syscall MSRs.  The FPU/SSE registers a
 * process also owns are in fpu.c.
 */
#include <stdint.h>

#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/x86.h"
#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/proc.h"
#include "kernel/vm.h"
#include "lib/string.h"

#define CR4_SMEP	(1ull << 20)
#define CR4_SMAP	(1ull << 21)

extern char syscall_entry[], user_first_run[], kthread_first_run[];

static bool has_smap;	/* [I] */

/* The trapframe sits at the very top of the kernel stack: where both the
 * CPU (TSS rsp0) and the syscall stub build it. */
static struct trapframe *tf_of(struct proc *p)
{
	return (struct trapframe *)(p->kstack + PROC_KSTACK_PAGES * PAGE_SIZE) - 1;
}

/* Saved registers for swtch() just below the trapframe: rflags, r15 r14
 * r13 r12 rbx rbp, then the address the first swtch() returns to. */
static void push_first_context(struct proc *p, void *ret, uint64_t r12, uint64_t r13)
{
	uint64_t *sp = (uint64_t *)p->tf;

	*--sp = (uint64_t)ret;
	*--sp = 0;		/* rbp */
	*--sp = 0;		/* rbx */
	*--sp = r12;
	*--sp = r13;
	*--sp = 0;		/* r14 */
	*--sp = 0;		/* r15 */
	*--sp = RFLAGS_RESERVED;	/* interrupts off, as in every swtch() */
	p->context = (uint64_t)sp;
}

void arch_proc_init_user(struct proc *p)
{
	p->tf = tf_of(p);
	push_first_context(p, user_first_run, 0, 0);
	fpu_init_proc(p);
}

void arch_proc_init_kthread(struct proc *p, void (*fn)(void *), void *arg)
{
	p->tf = tf_of(p);
	memset(p->tf, 0, sizeof(*p->tf));
	push_first_context(p, kthread_first_run, (uint64_t)arg, (uint64_t)fn);
	fpu_init_proc(p);
}

/* User mode at entry with the stack at sp and two arguments. */
void arch_tf_init_user(struct trapframe *tf, uint64_t entry, uint64_t sp, uint64_t a0, uint64_t a1)
{
	memset(tf, 0, sizeof(*tf));
	tf->rip = entry;
	tf->rsp = sp;
	tf->rdi = a0;
	tf->rsi = a1;
	tf->cs = SEG_UCODE | 3;
	tf->ss = SEG_UDATA | 3;
	tf->rflags = RFLAGS_IF | RFLAGS_RESERVED;
}

void arch_tf_copy(struct trapframe *dst, const struct trapframe *src)
{
	*dst = *src;
}

void arch_tf_set_return(struct trapframe *tf, int64_t v)
{
	tf->rax = v;
}

/* Number in rax; arguments in rdi rsi rdx r10 r8 r9 (rcx holds rip). */
uint64_t arch_syscall_args(const struct trapframe *tf, uint64_t args[6])
{
	args[0] = tf->rdi;
	args[1] = tf->rsi;
	args[2] = tf->rdx;
	args[3] = tf->r10;
	args[4] = tf->r8;
	args[5] = tf->r9;
	return tf->rax;
}

/* Runs on the scheduler's CPU just before it switches to p. */
void arch_switch_to(struct proc *p)
{
	struct cpu *c = this_cpu();
	uint64_t top = (uint64_t)(p->kstack + PROC_KSTACK_PAGES * PAGE_SIZE);

	c->kstack_top = top;
	gdt_set_kernel_stack(c->id, top);
	vm_activate(p->pagetable ? p->pagetable : kernel_pagetable);
	fpu_switch_to(p);
}

/* SMAP makes any kernel access to user pages fault unless bracketed by
 * stac/clac: only copyin/copyout open that window. */
void arch_user_access_begin(void)
{
	if (has_smap)
		__asm__ volatile("stac" : : : "memory");
}

void arch_user_access_end(void)
{
	if (has_smap)
		__asm__ volatile("clac" : : : "memory");
}

/* Per CPU: syscall/sysret MSRs, SMEP/SMAP when the CPU has them. */
void arch_syscall_init(void)
{
	uint32_t a, b, c, d;

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | 1);	/* SCE: syscall enable */
	/* sysret loads CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8, which
	 * is why user data comes before user code in the GDT. */
	wrmsr(MSR_STAR, ((uint64_t)SEG_KDATA << 48) | ((uint64_t)SEG_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, RFLAGS_ENTRY_MASK);	/* rflags.h */

	cpuid(0, 0, &a, &b, &c, &d);
	if (a < 7)
		return;
	cpuid(7, 0, &a, &b, &c, &d);
	if (b & (1u << 7))
		write_cr4(read_cr4() | CR4_SMEP);
	if (b & (1u << 20)) {
		write_cr4(read_cr4() | CR4_SMAP);
		has_smap = true;
	}
}
