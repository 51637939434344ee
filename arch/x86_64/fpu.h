/* The FPU/SSE side of processes (fpu.c), for the rest of arch/x86_64. */
#ifndef ARCH_FPU_H
#define ARCH_FPU_H

struct proc;

void fpu_init_cpu(void);		/* CR0/CR4 of the calling CPU */
void fpu_init_proc(struct proc *p);	/* clean registers for a new process */
void fpu_switch_to(struct proc *p);	/* load p's registers into this CPU */

#endif
