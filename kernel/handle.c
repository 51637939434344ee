/*
 * Kernel objects, handles and IPC accounting; see handle.h.
 */
#include <stdint.h>

#include "kernel/handle.h"
#include "kernel/kmalloc.h"
#include "kernel/mbox.h"
#include "kernel/panic.h"
#include "kernel/proc.h"
#include "kernel/shm.h"
#include "kernel/syscall.h"
#include "lib/errno.h"

int kobj_count;

void kobj_init(struct kobj *o, int type)
{
	o->type = type;
	o->refs = 1;
	__atomic_fetch_add(&kobj_count, 1, __ATOMIC_RELAXED);
}

void kobj_get(struct kobj *o)
{
	__atomic_fetch_add(&o->refs, 1, __ATOMIC_ACQ_REL);
}

void kobj_put(struct kobj *o)
{
	int left = __atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL);

	if (left < 0)
		panic("kobj_put: object %p (type %d) released once too often", (void *)o, o->type);
	if (left > 0)
		return;
	__atomic_fetch_sub(&kobj_count, 1, __ATOMIC_RELAXED);
	if (o->type == HANDLE_TYPE_MBOX)
		mbox_destroy((struct mbox *)o);
	else
		shm_destroy((struct shm *)o);
}

void kobj_rights_changed(struct kobj *o, uint32_t rights, int delta)
{
	if (o->type == HANDLE_TYPE_MBOX)
		mbox_rights_changed((struct mbox *)o, rights, delta);
}

struct ipc_account *account_new(uint64_t max_queued, uint64_t max_shm_pages)
{
	struct ipc_account *a = kmalloc(sizeof(*a));

	if (!a)
		return 0;
	a->refs = 1;
	a->max_queued = max_queued;
	a->max_shm_pages = max_shm_pages;
	return a;
}

void account_get(struct ipc_account *a)
{
	__atomic_fetch_add(&a->refs, 1, __ATOMIC_ACQ_REL);
}

void account_put(struct ipc_account *a)
{
	if (a && __atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(a);
}

bool account_charge(uint64_t *counter, uint64_t n, uint64_t max)
{
	uint64_t old = __atomic_load_n(counter, __ATOMIC_RELAXED);

	do {
		if (old + n > max)
			return false;
	} while (!__atomic_compare_exchange_n(counter, &old, old + n, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	return true;
}

void account_uncharge(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_sub(counter, n, __ATOMIC_ACQ_REL);
}

bool handle_room(struct proc *p)
{
	return htable_used(p->handles, QUOTA_HANDLES) < (int)p->max_handles;
}

int handle_install(struct proc *p, struct kobj *o, uint32_t rights)
{
	int h = htable_alloc(p->handles, QUOTA_HANDLES, p->max_handles, o, rights);

	if (h < 0)
		return -EQUOTA;
	kobj_rights_changed(o, rights, +1);
	return h;
}

int handle_install_arrived(struct kobj *o, uint32_t rights)
{
	struct proc *p = myproc();
	int h = htable_alloc(p->handles, QUOTA_HANDLES, p->max_handles, o, rights);

	if (h < 0)
		panic("handle_install_arrived: pid %d has no room for a checked handle", p->pid);
	kobj_rights_changed(o, rights & RIGHT_RECV, +1);
	return h;
}

void handle_copy(struct proc *child, int to, int from)
{
	struct hslot *e = &myproc()->handles[from];

	kobj_get(e->obj);
	child->handles[to] = *e;
	kobj_rights_changed(e->obj, e->rights, +1);
}

int handle_get(int h, int type, uint32_t need, struct kobj **o, uint32_t *rights)
{
	struct proc *p = myproc();
	struct kobj *obj;

	if (htable_check(p->handles, QUOTA_HANDLES, h, 0) < 0)
		return -EBADH;
	obj = p->handles[h].obj;
	if (type && obj->type != type)
		return -EBADH;
	if (htable_check(p->handles, QUOTA_HANDLES, h, need) < 0)
		return -EPERM;
	*o = obj;
	if (rights)
		*rights = p->handles[h].rights;
	return 0;
}

int handle_take(int h, struct kobj **o, uint32_t *rights)
{
	struct hslot slot;

	if (htable_clear(myproc()->handles, QUOTA_HANDLES, h, &slot) < 0)
		return -EBADH;
	*o = slot.obj;
	*rights = slot.rights;
	return 0;
}

void handle_put_back(int h, struct kobj *o, uint32_t rights)
{
	struct hslot *e = &myproc()->handles[h];

	if (e->obj)
		panic("handle_put_back: slot %d was taken meanwhile", h);
	e->obj = o;
	e->rights = rights;
}

int handle_close(struct proc *p, int h)
{
	struct hslot slot;

	if (htable_clear(p->handles, QUOTA_HANDLES, h, &slot) < 0)
		return -EBADH;
	kobj_rights_changed(slot.obj, slot.rights, -1);
	kobj_put(slot.obj);
	return 0;
}

void handle_close_all(struct proc *p)
{
	for (int i = 0; i < QUOTA_HANDLES; i++)
		if (p->handles[i].obj)
			handle_close(p, i);
}

void handle_copy_all(struct proc *dst, struct proc *src)
{
	for (int i = 0; i < QUOTA_HANDLES; i++) {
		struct hslot *e = &src->handles[i];

		if (!e->obj)
			continue;
		kobj_get(e->obj);
		dst->handles[i] = *e;
		kobj_rights_changed(e->obj, e->rights, +1);
	}
}

/* ---- system calls ---- */

int64_t sys_close(const struct sys_close_args *a)
{
	return handle_close(myproc(), a->h);
}

/* dup(h, rights): a second handle to the same object with a subset of
 * h's rights (asking for a right h lacks is -EPERM). */
int64_t sys_dup(const struct sys_dup_args *a)
{
	struct kobj *o;
	uint32_t have, want = a->rights;
	int err = handle_get(a->h, 0, 0, &o, &have);

	if (err < 0)
		return err;
	if (!want)
		return -EINVAL;		/* a handle that can do nothing */
	if (!rights_subset(want, have))
		return -EPERM;
	kobj_get(o);
	if ((err = handle_install(myproc(), o, want)) < 0)
		kobj_put(o);
	return err;
}

int64_t sys_handle_info(const struct sys_handle_info_args *a)
{
	struct handle_info info = { 0 };
	struct kobj *o;
	int err = handle_get(a->h, 0, 0, &o, &info.rights);

	if (err < 0)
		return err;
	info.type = o->type;
	if (o->type == HANDLE_TYPE_MBOX)
		mbox_info((struct mbox *)o, &info);
	else
		shm_info((struct shm *)o, &info);
	return copyout(a->info, &info, sizeof(info));
}
