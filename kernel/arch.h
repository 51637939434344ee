/*
 * The small interface the portable kernel needs from the architecture.
 * Implemented in arch/<arch>/; nothing in kernel/ includes an arch header.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Early console devices, usable before anything else is initialised. */
void uart_init(void);
void uart_putc(char c);
void vga_init(void);
void vga_putc(char c);

/* This CPU's descriptor tables (GDT, TSS, IDT); id indexes cpus[]. */
void arch_cpu_init(int id);
/* Boot CPU: interrupt controllers (from the ACPI tables GRUB found),
 * timers calibrated and this CPU's tick started, serial input on. */
void arch_interrupts_init(const void *rsdp, size_t rsdp_len);
/* Starts every other CPU; each ends up in cpu_main().  ncpu counts them. */
void arch_start_cpus(void);

/* Inter-processor interrupts. */
enum { IPI_RESCHED, IPI_CALL };
void arch_send_ipi(int cpu, int kind);

/* Monotonic nanoseconds since boot, the same clock on every CPU. */
uint64_t clock_ns(void);
uint64_t arch_cycles_per_second(void);
/* Drops this CPU's cached user and kernel translations. */
void arch_tlb_flush_local(void);

/* Interrupt flag: on, off, and whether it is on. */
void intr_enable(void);
void intr_disable(void);
bool intr_enabled(void);

/* Wait for the next interrupt with interrupts on. */
void cpu_idle_wait(void);
/* Stop this CPU for good (interrupts off). */
void cpu_halt_forever(void) __attribute__((noreturn));
/* Spin-wait hint: pause under TCG leaves the translated block. */
void cpu_relax(void);

/* Ends the machine.  Under QEMU the exit status is `status`
 * (tools/qemu-run maps it back from isa-debug-exit's (v << 1) | 1). */
void arch_poweroff(int status) __attribute__((noreturn));

/* What runs the kernel, for the boot line: "QEMU TCG (software
 * emulation)", "KVM", "hardware", ... */
const char *arch_machine_name(void);

/* Timestamp counter (cycles, or instructions under -icount). */
uint64_t arch_cycles(void);

/* Sends bytes of a trace dump to the host (x86: QEMU's debug console,
 * port 0xe9; nothing happens when no such device listens). */
void arch_trace_out(const void *buf, size_t len);

/* Deliberately raise a CPU exception (for the harness self-test). */
void arch_trigger_exception(int kind);

/* Processes (arch/x86_64/context.c, swtch.S). */
struct proc;
struct trapframe;
/* Saves callee-saved registers, stores the stack pointer in *old and
 * resumes the context saved at new. */
void swtch(uint64_t *old, uint64_t new);
void arch_proc_init_user(struct proc *p);	/* first run returns to user via p->tf */
void arch_proc_init_kthread(struct proc *p, void (*fn)(void *), void *arg);
void arch_tf_init_user(struct trapframe *tf, uint64_t entry, uint64_t sp, uint64_t a0, uint64_t a1);
void arch_tf_copy(struct trapframe *dst, const struct trapframe *src);
void arch_tf_set_return(struct trapframe *tf, int64_t v);
uint64_t arch_syscall_args(const struct trapframe *tf, uint64_t args[6]);
void arch_switch_to(struct proc *p);
/* What else of the CPU a process owns (x86: FPU/SSE registers, p->arch):
 * the scheduler saves it as p leaves a CPU (p->lock held), fork gives
 * the child a copy of the caller's, exec gives p a clean one. */
void arch_switch_from(struct proc *p);
void arch_proc_fork(struct proc *child);
void arch_proc_exec(struct proc *p);
void arch_user_access_begin(void);
void arch_user_access_end(void);
void arch_syscall_init(void);

/* Fills the pmu_ fields of c from this CPU's performance counters, or
 * sets pmu_valid = 0 when the CPU has no architectural PMU. */
struct cpu_counters;
void arch_pmu_init(void);
void arch_pmu_read(struct cpu_counters *c);

/* Stops every other CPU (IPI) so a panic report is not interleaved. */
void arch_stop_other_cpus(void);

#endif
