/*
 * Cross-CPU function calls and TLB shootdown.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

/*
 * Runs fn(arg) on every other online CPU (in interrupt context) and
 * returns once all of them have.  Call with no spinlock held: a CPU
 * spinning on a lock still answers calls (acquire() polls for them), so
 * the only way to deadlock is for the caller to hold a lock some target
 * waits for.  fn itself may take a lock only if no holder of that lock
 * can be waiting for this call (the tests' counter lock is taken only
 * inside fn).
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
