/*
 * The interrupt descriptor table and the C side of every trap.
 *
 * All 256 vectors point at the stubs in trapentry.S.  trap() sorts what
 * arrived: a CPU exception (0-31), a device interrupt (IRQs), or a
 * spurious interrupt.  An exception in the kernel is a kernel bug: it is
 * reported with a full register dump and the kernel panics; it never
 * silently reboots.
 */
#include <stdint.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/x86.h"
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/counters.h"
#include "kernel/cpu.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/vm.h"
#include "kernel/smp.h"
#include "kernel/symbols.h"
#include "kernel/trace.h"
#include "lib/fmt.h"
#include "lib/uapi.h"

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

static struct idt_gate idt[NIDT];

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range exceeded", "invalid opcode", "device not available",
	"double fault", "coprocessor segment overrun", "invalid TSS",
	"segment not present", "stack-segment fault", "general protection",
	"page fault", "reserved (15)", "x87 floating-point", "alignment check",
	"machine check", "SIMD floating-point", "virtualization",
	"control protection", "reserved (22)", "reserved (23)", "reserved (24)",
	"reserved (25)", "reserved (26)", "reserved (27)", "hypervisor injection",
	"VMM communication", "security", "reserved (31)",
};

const char *trap_name(uint64_t vector)
{
	if (vector < 32)
		return exception_names[vector];
	if (vector == T_SPURIOUS)
		return "spurious interrupt";
	return "interrupt";
}

static void set_gate(int v, uint64_t handler, int ist, int dpl)
{
	idt[v].offset_lo = handler & 0xFFFF;
	idt[v].selector = SEG_KCODE;
	idt[v].ist = ist;
	idt[v].type = 0x8E | (dpl << 5);	/* present, 64-bit interrupt gate */
	idt[v].offset_mid = (handler >> 16) & 0xFFFF;
	idt[v].offset_hi = handler >> 32;
}

/* Fills the IDT once, on the boot CPU. */
void idt_init(void)
{
	for (int v = 0; v < NIDT; v++)
		set_gate(v, trap_vectors[v], 0, 0);
	/* Double faults run on their own stack (TSS IST1): the usual cause is
	 * a kernel stack overflow, and the faulting stack is unusable. */
	set_gate(T_DOUBLE_FAULT, trap_vectors[T_DOUBLE_FAULT], 1, 0);
	/* int3 may be used from user mode (debuggers). */
	set_gate(T_BREAKPOINT, trap_vectors[T_BREAKPOINT], 0, 3);
}

/* Loads the IDT on the calling CPU. */
void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) p = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" : : "m"(p));
}

static void print_symbol(const char *label, uint64_t addr)
{
	uint64_t off;
	const char *name = sym_lookup(addr, &off);

	if (name)
		printk("%s %016lx <%s+0x%lx>\n", label, addr, name, off);
	else
		printk("%s %016lx\n", label, addr);
}

/* Prints every register of a trap frame, symbolizing rip. */
void trap_dump(const struct trapframe *tf)
{
	printk("trap %lu (%s), error code 0x%lx, from ring %lu\n", tf->vector,
	       trap_name(tf->vector), tf->error, tf->cs & 3);
	print_symbol("  rip", tf->rip);
	if (tf->vector == T_PAGE_FAULT)
		printk("  cr2 %016lx (%s, %s, %s)\n", read_cr2(),
		       tf->error & 1 ? "protection violation" : "not present",
		       tf->error & 2 ? "write" : "read",
		       tf->error & 16 ? "instruction fetch" : tf->error & 4 ? "user" : "kernel");
	printk("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
	printk("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->rsp);
	printk("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", tf->r8, tf->r9, tf->r10, tf->r11);
	printk("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", tf->r12, tf->r13, tf->r14, tf->r15);
	printk("  cs %lx ss %lx rflags %016lx cr3 %016lx\n", tf->cs, tf->ss, tf->rflags, read_cr3());
}

static void kernel_exception(struct trapframe *tf)
{
	panic_begin();
	printk("\nkernel exception: %s\n", trap_name(tf->vector));
	trap_dump(tf);
	panic_backtrace(tf->rbp);
	panic_end();
}

static int fault_kind(uint64_t vector)
{
	switch (vector) {
	case T_PAGE_FAULT: return FAULT_PAGE;
	case T_GP: return FAULT_GP;
	case T_INVALID_OP: return FAULT_UD;
	case T_DIVIDE: return FAULT_DIV;
	case T_DEBUG: return FAULT_DEBUG;	/* TF set: nobody is debugging it */
	case T_X87_FP: return FAULT_FP;
	case T_SIMD_FP: return FAULT_FP;
	default: return FAULT_OTHER;
	}
}

/* Page-fault error code bits (Intel SDM vol. 3, 4.7). */
#define PF_PRESENT	0x01	/* 0: the page is not mapped; 1: a protection check failed */
#define PF_WRITE	0x02
#define PF_FETCH	0x10

#define STACK_BOTTOM	(USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE)

/* A page fault in words a student can act on: what the access was, what
 * was there, and "stack overflow" when the stack pointer has left the
 * stack (a runaway recursion hits the guard page below it). */
static void page_fault_words(const struct trapframe *tf, uint64_t addr, char *buf, size_t cap)
{
	const char *access = tf->error & PF_FETCH ? "instruction fetch from" :
			     tf->error & PF_WRITE ? "write to" : "read of";
	const char *page = addr >= USER_END ? "a kernel address" :
			   !(tf->error & PF_PRESENT) ? "an unmapped page" :
			   tf->error & PF_FETCH ? "a no-execute page" :
			   tf->error & PF_WRITE ? "a read-only page" : "a protected page";

	if (tf->rsp < STACK_BOTTOM && addr < STACK_BOTTOM && addr + 2 * PAGE_SIZE >= tf->rsp)
		fmt_snprintf(buf, cap, "stack overflow (page fault: %s the guard page below the "
			 "%d KiB stack)", access, USER_STACK_PAGES * (int)PAGE_SIZE / 1024);
	else
		fmt_snprintf(buf, cap, "page fault: %s %s", access, page);
}

/* An exception in user mode ends that process only. */
static void user_exception(struct trapframe *tf)
{
	uint64_t addr = tf->vector == T_PAGE_FAULT ? read_cr2() : 0;
	char what[96];
	int flags;

	if (tf->vector == T_PAGE_FAULT && vm_walk(myproc()->pagetable, addr, 0, &flags) == 0 &&
	    (flags & VM_SHARED)) {
		COUNT(shm_faults, 1);
		trace_event(TR_SHM_FAULT, -1, addr, 0);
	}
	intr_enable();
	if (tf->vector == T_PAGE_FAULT)
		page_fault_words(tf, addr, what, sizeof(what));
	else
		fmt_snprintf(what, sizeof(what), "%s", trap_name(tf->vector));
	proc_fault(fault_kind(tf->vector), tf->rip, addr, what);
}

/* syscall_entry found a non-canonical rip to return to: returning would
 * fault in ring 0, so the process ends as if it had faulted itself. */
void user_bad_return(struct trapframe *tf)
{
	intr_enable();
	proc_fault(FAULT_GP, tf->rip, 0, "return to a non-canonical address");
}

static void dispatch(struct trapframe *tf);

void trap(struct trapframe *tf)
{
	bool from_user = (tf->cs & 3) == 3;

	if (from_user && tf->vector < 32 && tf->vector != T_NMI)
		user_exception(tf);
	dispatch(tf);
	if (from_user)
		user_return_checks();
}

static void dispatch(struct trapframe *tf)
{
	switch (tf->vector) {
	case T_NMI:
		if (panicking())
			cpu_halt_forever();	/* another CPU panicked: stop here */
		kernel_exception(tf);
		return;
	case T_TIMER:
		lapic_eoi();
		clock_tick();
		return;
	case T_IPI_RESCHED:		/* woke us; need_resched was set by the sender */
		lapic_eoi();
		COUNT(ipis_received, 1);
		trace_event(TR_IPI_RECV, -1, IPI_RESCHED, 0);
		return;
	case T_IPI_CALL:
		lapic_eoi();
		COUNT(ipis_received, 1);
		trace_event(TR_IPI_RECV, -1, IPI_CALL, 0);
		smp_call_handler();
		return;
	case T_LAPIC_ERROR:
		lapic_eoi();
		printk("lapic: error interrupt on cpu %d\n", cpu_id());
		return;
	case T_SPURIOUS:
		return;		/* no EOI for a spurious interrupt */
	}
	if (tf->vector < 32) {
		kernel_exception(tf);	/* user-mode exceptions never get here */
		return;
	}
	if (tf->vector >= T_IRQ0 && tf->vector < T_IRQ0 + 16) {
		irq_dispatch(tf->vector);
		return;
	}
	lapic_eoi();
	printk("trap: unexpected vector %lu on cpu %d\n", tf->vector, cpu_id());
}
