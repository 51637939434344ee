/*
 * The name registry for mailboxes and shared-memory objects: a small
 * table searched linearly (an OS course's programs use a handful of
 * names).
 *
 * Lock: names_lock protects the table.  It may be taken while holding no
 * other lock, and kobj_put() -> *_destroy() -> names_remove() takes it,
 * so nothing holding names_lock may drop a last reference.
 */
#include "kernel/names.h"
#include "kernel/spinlock.h"
#include "kernel/syscall.h"
#include "lib/errno.h"
#include "lib/string.h"

#define NNAMES 64

struct entry {
	char name[IPC_NAME_MAX];
	struct kobj *obj;	/* NULL: free */
};

static struct spinlock names_lock = SPINLOCK_INIT("names");
static struct entry table[NNAMES];

int names_add(const char *name, struct kobj *o)
{
	struct entry *free = 0;

	acquire(&names_lock);
	for (int i = 0; i < NNAMES; i++) {
		if (table[i].obj && strcmp(table[i].name, name) == 0) {
			release(&names_lock);
			return -EEXIST;
		}
		if (!table[i].obj && !free)
			free = &table[i];
	}
	if (free) {
		strlcpy(free->name, name, sizeof(free->name));
		free->obj = o;
	}
	release(&names_lock);
	return free ? 0 : -ENOSPC;
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

void names_remove(struct kobj *o)
{
	acquire(&names_lock);
	for (int i = 0; i < NNAMES; i++)
		if (table[i].obj == o)
			table[i].obj = 0;
	release(&names_lock);
}

int names_unlink(const char *name, int type)
{
	int err = -ENOENT;

	acquire(&names_lock);
	for (int i = 0; i < NNAMES; i++) {
		if (table[i].obj && table[i].obj->type == type && strcmp(table[i].name, name) == 0) {
			table[i].obj = 0;
			err = 0;
		}
	}
	release(&names_lock);
	return err;
}

int names_copyin(char *dst, uint64_t uname)
{
	int n = copyinstr(dst, uname, IPC_NAME_MAX);

	if (n == -E2BIG || n == 0)
		return -EINVAL;
	return n < 0 ? n : 0;
}
