/*
 * Limits a sandbox can set (docs/processes.md, "Isolation"): how many
 * processes, memory pages and global names a group of processes may
 * hold at once.
 *
 * A limit set is a budget shared by the processes in it, like a Windows
 * job object or a cgroup: a per-process count would not stop a fork
 * bomb (each child would bring a fresh allowance), nor a process that
 * hands its children to init by exiting.  spawn() with a limit in
 * spawn_opts puts the child in a new set nested in its parent's; fork()
 * and a spawn without limits put the child in its parent's set.  Every
 * charge is made to a set and to each set that encloses it, so a nested
 * set can only narrow what its creator had, never widen it.  A process
 * in no set (p->limits NULL: init, the shell, the browser) is bounded
 * only by the machine and by its per-process quotas.
 *
 * What is charged, and until when:
 *   LIMIT_PROCS  a process slot, from creation until its parent reaps it
 *   LIMIT_PAGES  a private user frame (program, stack, heap), until it is
 *                freed; a shared-memory object's frames, until the object dies
 *   LIMIT_NAMES  a name in the registry (names.c), until it is removed
 * A charge that would pass any enclosing set's maximum fails with
 * -EQUOTA and charges nothing.
 */
#ifndef KERNEL_LIMITS_H
#define KERNEL_LIMITS_H

#include <stdint.h>

enum limit_kind { LIMIT_PROCS, LIMIT_PAGES, LIMIT_NAMES, NLIMIT };

struct limits {
	int refs;			/* [a] member processes, charged names and objects, nested sets */
	struct limits *up;		/* [I] the enclosing set (holds a reference), or NULL */
	uint64_t max[NLIMIT];		/* [I] never above up->max */
	uint64_t used[NLIMIT];		/* [a] charged here, nested sets included */
};

/* A new set inside up (NULL: at the top) with these maxima; 0 in max
 * means up's.  NULL if out of memory. */
struct limits *limits_new(struct limits *up, const uint64_t max[NLIMIT]);
void limits_get(struct limits *l);	/* l may be NULL */
void limits_put(struct limits *l);	/* l may be NULL */
/* Charges n to l and every set above it: 0, or -EQUOTA and nothing charged. */
int limits_charge(struct limits *l, enum limit_kind k, uint64_t n);
void limits_uncharge(struct limits *l, enum limit_kind k, uint64_t n);

#endif
