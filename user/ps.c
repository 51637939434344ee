/* ps: one line per process, from the kernel's table. */
#include "baton.h"

#define MAXPROCS	128

static const char *state_name(int state)
{
	switch (state) {
	case PSTATE_RUNNABLE:	return "RUNNABLE";
	case PSTATE_RUNNING:	return "RUNNING";
	case PSTATE_SLEEPING:	return "SLEEPING";
	case PSTATE_ZOMBIE:	return "ZOMBIE";
	default:		return "?";
	}
}

int main(void)
{
	static struct proc_info procs[MAXPROCS];
	int n = ps(procs, MAXPROCS);

	if (n < 0) {
		eprintf("ps: %s\n", errno_name(n));
		return 1;
	}
	printf("%5s %5s %-8s %3s %8s %9s %5s %s\n",
	       "PID", "PPID", "STATE", "CPU", "AFFINITY", "TIME(ms)", "PAGES", "NAME");
	for (int i = 0; i < n && i < MAXPROCS; i++) {
		struct proc_info *p = &procs[i];

		printf("%5d %5d %-8s %3d %8lx %9lu %5lu %s\n",
		       p->pid, p->ppid, state_name(p->state), p->cpu, p->affinity,
		       p->runtime_ns / 1000000, p->mem_pages, p->name);
	}
	return 0;
}
