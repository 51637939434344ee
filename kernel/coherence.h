/*
 * The coherence model's counts (docs/cache-lab.md, docs/coherence-model.md).
 *
 * Under `make run COHERENCE=1` a QEMU plugin models a MESI directory of
 * 64-byte lines and keeps each vCPU's counts in a page of an ivshmem PCI
 * device (lib/coherence.h lays it out).  This file finds that device at
 * boot, copies CPU i's page into its cpu_counters snapshot (on CPU i, so
 * the copy never bounces a line between vCPUs) and tells the plugin
 * which process runs on each CPU.  Without the plugin every coh_ figure
 * is unavailable (coh_valid 0), never zero.
 */
#ifndef KERNEL_COHERENCE_H
#define KERNEL_COHERENCE_H

#include <stdbool.h>

#include "lib/coherence.h"
#include "lib/uapi.h"

struct proc;

/* Boot CPU, once, after the other CPUs are up: find and map the device,
 * check the plugin's header, and say on the console whether the model
 * is on. */
void coh_init(void);
/* True once coh_init() found the plugin's header. */
bool coh_model_on(void);
/* Fills out->coh_valid and out->coh from the plugin's page of the
 * calling CPU.  Called on that CPU (counters.c copy_own). */
void coh_read(struct cpu_counters *out);
/* Tells the plugin that p now runs on the calling CPU (NULL: none).
 * The scheduler calls it on every switch into a process, p->lock held;
 * the entry keeps naming p while the CPU is idle afterwards, when it
 * touches no user addresses (the plugin uses the pid to say whose user
 * address a line is). */
void coh_switch(const struct proc *p);
/* CPU i's page for a racy glance (the Ctrl-T report), or NULL when the
 * model is off. */
const volatile struct coh_cpu *coh_peek(int cpu);

#endif
