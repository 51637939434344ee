/*
 * Cross-CPU function calls and TLB shootdown.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

/*
 * Runs fn(arg) on every other online CPU (in interrupt context) and
 * returns once all of them have.  fn must not take locks.  Call with no
 * spinlock held: a CPU spinning on a lock still answers calls (acquire()
 * polls for them), but one waiting for a lock we hold with interrupts
 * off must not be waited for.
 */
void smp_call_others(void (*fn)(void *), void *arg);
/* The same on every online CPU, this one included, all at once (with
 * interrupts off on each). */
void smp_call_all(void (*fn)(void *), void *arg);
/* Runs this CPU's pending call, if any (IPI handler, lock spinners). */
void smp_call_handler(void);
/* Flushes every CPU's TLB after the kernel changed a mapping. */
void tlb_shootdown(void);

#endif
