/*
 * Limit sets: shared budgets of processes, pages and names; see limits.h.
 *
 * Counters are updated with atomics, each set on its own, so no lock is
 * needed and charging may happen under any lock.  A charge walks up the
 * chain of sets; if one of them is full, the sets already charged are
 * given back, so a failed charge leaves every count as it was.
 */
#include <stdint.h>

#include "kernel/handle.h"
#include "kernel/kmalloc.h"
#include "kernel/limits.h"
#include "lib/errno.h"
#include "lib/string.h"

struct limits *limits_new(struct limits *up, const uint64_t max[NLIMIT])
{
	struct limits *l = kmalloc(sizeof(*l));

	if (!l)
		return 0;
	memset(l, 0, sizeof(*l));
	l->refs = 1;
	l->up = up;
	limits_get(up);
	for (int k = 0; k < NLIMIT; k++) {
		uint64_t above = up ? up->max[k] : UINT64_MAX;

		l->max[k] = max[k] && max[k] < above ? max[k] : above;
	}
	return l;
}

void limits_get(struct limits *l)
{
	if (l)
		__atomic_fetch_add(&l->refs, 1, __ATOMIC_ACQ_REL);
}

void limits_put(struct limits *l)
{
	while (l && __atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct limits *up = l->up;

		kfree(l);
		l = up;		/* the dead set's reference to its parent */
	}
}

int limits_charge(struct limits *l, enum limit_kind k, uint64_t n)
{
	for (struct limits *s = l; s; s = s->up) {
		if (!account_charge(&s->used[k], n, s->max[k])) {
			for (struct limits *undo = l; undo != s; undo = undo->up)
				account_uncharge(&undo->used[k], n);
			return -EQUOTA;
		}
	}
	return 0;
}

void limits_uncharge(struct limits *l, enum limit_kind k, uint64_t n)
{
	for (struct limits *s = l; s; s = s->up)
		account_uncharge(&s->used[k], n);
}
