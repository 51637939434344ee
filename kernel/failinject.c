/*
 * Allocation-failure injection; see failinject.h.
 *
 * One setting for the whole machine: a mode (the n-th, every n-th, or a
 * seeded 1-in-n chance), which allocators it counts, and a scope (one
 * process, optionally with its descendants).  Only allocations made in
 * scope are counted, so a test can starve one process while the rest of
 * the system, its own harness included, allocates normally.
 *
 * Lock: fi_lock protects the setting and its counts.  It is a leaf: the
 * allocators call failinject_fail() before taking their own locks, and
 * nothing is taken under it.  `armed` is also read without the lock, so
 * that the common case (off) costs one load.
 */
#include <stdint.h>

#include "kernel/failinject.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"
#include "kernel/syscall.h"
#include "lib/errno.h"

static struct spinlock fi_lock = SPINLOCK_INIT("failinject");
static bool armed;			/* [a] mode != FI_OFF */
static struct failinject_set fi;	/* the setting */
static uint64_t counted;		/* allocations in scope since it was set */
static uint64_t injected;		/* failures made since it was set */
static uint64_t rng;			/* FI_RANDOM's xorshift state */

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Whether the current process is fi.pid (or, with FI_CHILDREN, one of
 * its descendants).  The parent links are read without wait_lock, which
 * an allocation may not take (it may run under wait_lock itself): a link
 * only changes when a parent exits and its children move to init, and
 * every link points into procs[], so a stale read picks the wrong scope
 * for one allocation at worst; the walk is bounded in case of a loop. */
static bool in_scope(void)
{
	struct proc *p = myproc();

	if (fi.pid == 0)
		return true;
	for (int depth = 0; p && depth < NPROC; depth++) {
		if (__atomic_load_n(&p->pid, __ATOMIC_RELAXED) == fi.pid)
			return true;
		if (!(fi.flags & FI_CHILDREN))
			return false;
		p = __atomic_load_n(&p->parent, __ATOMIC_RELAXED);
	}
	return false;
}

static bool decide(void)
{
	counted++;
	switch (fi.mode) {
	case FI_NTH:
		return counted == fi.n;
	case FI_EVERY:
		return counted % fi.n == 0;
	case FI_RANDOM:
		return next_random() % fi.n == 0;
	}
	return false;
}

bool failinject_fail(uint32_t what)
{
	bool fail = false;

	if (!__atomic_load_n(&armed, __ATOMIC_ACQUIRE))
		return false;
	acquire(&fi_lock);	/* interrupts off: myproc() stays ours */
	if (armed && (fi.flags & what) && in_scope() && decide()) {
		injected++;
		fail = true;
	}
	release(&fi_lock);
	return fail;
}

int64_t failinject_set(const struct failinject_set *fs)
{
	int64_t old;

	if (fs->mode > FI_RANDOM || (fs->mode != FI_OFF && fs->n == 0) ||
	    (fs->flags & ~(FI_FRAMES | FI_KMALLOC | FI_CHILDREN)) || fs->pid < 0)
		return -EINVAL;
	acquire(&fi_lock);
	old = (int64_t)injected;
	fi = *fs;
	counted = injected = 0;
	rng = fs->seed ? fs->seed : 0x9e3779b97f4a7c15ull;	/* xorshift needs a non-zero state */
	__atomic_store_n(&armed, fs->mode != FI_OFF, __ATOMIC_RELEASE);
	release(&fi_lock);
	return old;
}

/* failinject(const struct failinject_set *fs): see lib/syscalls.h. */
int64_t sys_failinject(const struct sys_failinject_args *a)
{
	struct failinject_set fs;
	int err;

	if ((err = copyin(&fs, a->fs, sizeof(fs))) < 0)
		return err;
	return failinject_set(&fs);
}
