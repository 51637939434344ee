/*
 * Shared memory: the textbook's first IPC model.  A shm object is a set
 * of frames; shm_map() maps all of them into the caller's address space
 * (marked VM_SHARED so the process's own teardown never frees them), and
 * from then on the processes talk through plain loads and stores without
 * the kernel.  The frames are freed when the last reference — handles
 * and mappings alike — goes away, however its holders ended.
 *
 * A mapping is writable only through a handle with RIGHT_MAP_WRITE, so a
 * read-only handle (dup without that right) gives a mapping whose writes
 * fault, ending the writer only.
 */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/handle.h"
#include "kernel/kmalloc.h"
#include "kernel/limits.h"
#include "kernel/names.h"
#include "kernel/param.h"
#include "kernel/pmm.h"
#include "kernel/proc.h"
#include "kernel/shm.h"
#include "kernel/syscall.h"
#include "lib/errno.h"
#include "lib/string.h"

static void free_frames(struct shm *s)
{
	for (size_t i = 0; i < s->npages; i++)
		if (s->frames[i])
			pmm_free(s->frames[i]);
	page_free(s->frames);
}

void shm_destroy(struct shm *s)
{
	names_remove(&s->obj);
	free_frames(s);
	account_uncharge(&s->acct->shm_pages, s->npages);
	account_put(s->acct);
	limits_uncharge(s->lim, LIMIT_PAGES, s->npages);
	limits_put(s->lim);
	kfree(s);
}

void shm_info(struct shm *s, struct handle_info *info)
{
	info->size = s->npages * PAGE_SIZE;
}

static struct shm *shm_new(size_t npages, struct ipc_account *acct)
{
	struct shm *s = kmalloc(sizeof(*s));

	if (!s)
		return 0;
	if (!(s->frames = page_alloc())) {
		kfree(s);
		return 0;
	}
	s->npages = npages;
	for (size_t i = 0; i < npages; i++) {
		void *page = page_alloc();	/* zeroed: no old data leaks */

		if (!page) {
			free_frames(s);
			kfree(s);
			return 0;
		}
		s->frames[i] = virt_to_phys(page);
	}
	s->acct = acct;
	s->lim = 0;
	kobj_init(&s->obj, HANDLE_TYPE_SHM);
	return s;
}

/* shm_create(size, name): a zeroed object of size bytes (rounded up to
 * pages), optionally named; a handle with both map rights.  Its pages
 * count against the creator's shm quota and its limit set until the
 * object dies (-EQUOTA past either). */
int64_t sys_shm_create(const struct sys_shm_create_args *a)
{
	struct proc *p = myproc();
	char name[IPC_NAME_MAX];
	size_t npages = PAGE_ROUND_UP(a->size) / PAGE_SIZE;
	struct shm *s;
	int err, h;

	if (a->size == 0 || a->size > SHM_MAX_SIZE)
		return -EINVAL;
	if (a->name && !(p->sandbox & SB_NAMES))
		sandbox_violation("shm_create", SANDBOX_NAMING);
	if (a->name && (err = names_copyin(name, a->name)) < 0)
		return err;
	if (!handle_room(p))
		return -EQUOTA;
	if (!account_charge(&p->acct->shm_pages, npages, p->acct->max_shm_pages))
		return -EQUOTA;
	if ((err = limits_charge(p->limits, LIMIT_PAGES, npages)) < 0) {
		account_uncharge(&p->acct->shm_pages, npages);
		return err;
	}
	account_get(p->acct);
	if (!(s = shm_new(npages, p->acct))) {
		account_uncharge(&p->acct->shm_pages, npages);
		account_put(p->acct);
		limits_uncharge(p->limits, LIMIT_PAGES, npages);
		return -ENOMEM;
	}
	s->lim = p->limits;	/* from here on, shm_destroy gives the charge back */
	limits_get(s->lim);
	if (a->name && (err = names_add(name, &s->obj)) < 0) {
		kobj_put(&s->obj);
		return err;
	}
	if ((h = handle_install(p, &s->obj, RIGHT_MAP_READ | RIGHT_MAP_WRITE)) < 0)
		kobj_put(&s->obj);
	return h;
}

/* shm_open(name, rights): a handle to a named object with the map rights
 * asked for. */
int64_t sys_shm_open(const struct sys_shm_open_args *a)
{
	uint32_t rights = a->rights;
	char name[IPC_NAME_MAX];
	struct kobj *o;
	int err, h;

	if (!rights || (rights & ~(RIGHT_MAP_READ | RIGHT_MAP_WRITE)))
		return -EINVAL;
	if ((err = names_copyin(name, a->name)) < 0)
		return err;
	if (!(o = names_lookup(name, HANDLE_TYPE_SHM)))
		return -ENOENT;
	if ((h = handle_install(myproc(), o, rights)) < 0)
		kobj_put(o);
	return h;
}

int64_t sys_shm_unlink(const struct sys_shm_unlink_args *a)
{
	char name[IPC_NAME_MAX];
	int err = names_copyin(name, a->name);

	return err < 0 ? err : names_unlink(name, HANDLE_TYPE_SHM);
}

/* The lowest address from SHM_BASE up where npages are all unmapped. */
static uint64_t find_space(struct proc *p, size_t npages)
{
	uint64_t va = SHM_BASE;

	for (size_t i = 0; i < npages; i++) {
		if (vm_walk(p->pagetable, va + i * PAGE_SIZE, 0, 0) == 0) {
			va += (i + 1) * PAGE_SIZE;	/* skip past the occupied page */
			i = (size_t)-1;
		}
	}
	return va;
}

static void unmap_pages(struct proc *p, uint64_t va, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vm_unmap(p->pagetable, va + i * PAGE_SIZE, 0);
	p->user_pages -= n;
}

/* shm_map(h, prot): maps the whole object; returns its address. */
int64_t sys_shm_map(const struct sys_shm_map_args *a)
{
	struct proc *p = myproc();
	int prot = a->prot;
	uint32_t need = RIGHT_MAP_READ | (prot & PROT_WRITE ? RIGHT_MAP_WRITE : 0);
	struct shm_mapping *slot = 0;
	struct kobj *o;
	struct shm *s;
	uint64_t va;
	int err;

	if (!(prot & PROT_READ) || (prot & ~(PROT_READ | PROT_WRITE)))
		return -EINVAL;
	if ((err = handle_get(a->h, HANDLE_TYPE_SHM, need, &o, 0)) < 0)
		return err;
	for (int i = 0; i < NSHMMAP && !slot; i++)
		if (!p->maps[i].va)
			slot = &p->maps[i];
	if (!slot)
		return -EQUOTA;
	s = (struct shm *)o;
	va = find_space(p, s->npages);
	for (size_t i = 0; i < s->npages; i++) {
		int flags = VM_USER | VM_SHARED | (prot & PROT_WRITE ? VM_WRITE : 0);

		if (vm_map(p->pagetable, va + i * PAGE_SIZE, s->frames[i], flags) < 0) {
			p->user_pages += i;
			unmap_pages(p, va, i);
			return -ENOMEM;
		}
	}
	p->user_pages += s->npages;
	kobj_get(o);
	slot->va = va;
	slot->shm = s;
	return (int64_t)va;
}

static void unmap_slot(struct proc *p, struct shm_mapping *m)
{
	unmap_pages(p, m->va, m->shm->npages);
	kobj_put(&m->shm->obj);
	m->va = 0;
	m->shm = 0;
}

/* shm_unmap(addr): addr must be what shm_map returned. */
int64_t sys_shm_unmap(const struct sys_shm_unmap_args *a)
{
	struct proc *p = myproc();

	for (int i = 0; i < NSHMMAP; i++) {
		if (p->maps[i].va && p->maps[i].va == a->addr) {
			unmap_slot(p, &p->maps[i]);
			return 0;
		}
	}
	return -EINVAL;
}

/* At exit: drop every mapping's reference (the page tables go later). */
void shm_unmap_all(struct proc *p)
{
	for (int i = 0; i < NSHMMAP; i++)
		if (p->maps[i].va)
			unmap_slot(p, &p->maps[i]);
}

/* fork: vm_copy_user() mapped the same frames; count the new mappings. */
void shm_copy_mappings(struct proc *dst, struct proc *src)
{
	for (int i = 0; i < NSHMMAP; i++) {
		if (!src->maps[i].va)
			continue;
		kobj_get(&src->maps[i].shm->obj);
		dst->maps[i] = src->maps[i];
	}
}
