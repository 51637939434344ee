/*
 * The name registry for mailboxes and shared-memory objects: a small
 * table searched linearly (an OS course's programs use a handful of
 * names).
 *
 * The table is shared by every process, so each name is charged to the
 * limit set of the process that registered it (LIMIT_NAMES, limits.h)
 * until the name goes: a process in a set cannot take more than its
 * share of the NNAMES entries.
 *
 * Lock: names_lock protects the table.  It may be taken while holding no
 * other lock, and kobj_put() -> *_destroy() -> names_remove() takes it,
 * so nothing holding names_lock may drop a last reference (of an object
 * or of a limit set).
 */
#include "kernel/limits.h"
#include "kernel/names.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"
#include "kernel/syscall.h"
#include "lib/errno.h"
#include "lib/string.h"

#define NNAMES 64

struct entry {
	char name[IPC_NAME_MAX];
	struct kobj *obj;	/* NULL: free */
	struct limits *lim;	/* charged for this name (a reference), or NULL */
};

static struct spinlock names_lock = SPINLOCK_INIT("names");
static struct entry table[NNAMES];

/* Registers name for o, charged to the calling process's limit set. */
int names_add(const char *name, struct kobj *o)
{
	struct limits *lim = myproc()->limits;
	struct entry *free = 0;
	int err = 0;

	if ((err = limits_charge(lim, LIMIT_NAMES, 1)) < 0)
		return err;
	acquire(&names_lock);
	for (int i = 0; i < NNAMES && err == 0; i++) {
		if (table[i].obj && strcmp(table[i].name, name) == 0)
			err = -EEXIST;
		if (!table[i].obj && !free)
			free = &table[i];
	}
	if (err == 0 && free) {
		strlcpy(free->name, name, sizeof(free->name));
		free->obj = o;
		free->lim = lim;
		limits_get(lim);
	}
	release(&names_lock);
	if (err == 0 && !free)
		err = -ENOSPC;
	if (err < 0)
		limits_uncharge(lim, LIMIT_NAMES, 1);
	return err;
}

/* Frees entry e (names_lock held); returns its limit set, whose charge
 * and reference the caller drops once the lock is released. */
static struct limits *clear(struct entry *e)
{
	struct limits *lim = e->lim;

	e->obj = 0;
	e->lim = 0;
	return lim;
}

/* Gives back a cleared entry's charge (names_lock not held). */
static void uncharge(struct limits *lim)
{
	limits_uncharge(lim, LIMIT_NAMES, 1);
	limits_put(lim);
}

/* Takes a reference only if the object is not already dying (refs 0). */
static bool get_unless_dead(struct kobj *o)
{
	int refs = __atomic_load_n(&o->refs, __ATOMIC_ACQUIRE);

	while (refs > 0)
		if (__atomic_compare_exchange_n(&o->refs, &refs, refs + 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return true;
	return false;
}

struct kobj *names_lookup(const char *name, int type)
{
	struct kobj *found = 0;

	acquire(&names_lock);
	for (int i = 0; i < NNAMES; i++) {
		struct kobj *o = table[i].obj;

		if (o && o->type == type && strcmp(table[i].name, name) == 0 && get_unless_dead(o))
			found = o;
	}
	release(&names_lock);
	return found;
}

/* An object has at most one name (names_add refuses a second entry for
 * the same name, and each object is named once, at creation). */
void names_remove(struct kobj *o)
{
	struct limits *lim = 0;
	bool found = false;

	acquire(&names_lock);
	for (int i = 0; i < NNAMES && !found; i++) {
		if (table[i].obj == o) {
			lim = clear(&table[i]);
			found = true;
		}
	}
	release(&names_lock);
	if (found)
		uncharge(lim);
}

int names_unlink(const char *name, int type)
{
	struct limits *lim = 0;
	int err = -ENOENT;

	acquire(&names_lock);
	for (int i = 0; i < NNAMES && err; i++) {
		if (table[i].obj && table[i].obj->type == type && strcmp(table[i].name, name) == 0) {
			lim = clear(&table[i]);
			err = 0;
		}
	}
	release(&names_lock);
	if (err == 0)
		uncharge(lim);
	return err;
}

int names_copyin(char *dst, uint64_t uname)
{
	int n = copyinstr(dst, uname, IPC_NAME_MAX);

	if (n == -E2BIG || n == 0)
		return -EINVAL;
	return n < 0 ? n : 0;
}
