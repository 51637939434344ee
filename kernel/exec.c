/*
 * Loading programs: exec (replace the caller's image) and spawn (a new
 * process running a program, the way most of Baton's programs start each
 * other).  Programs are ELF64 executables in the initrd, checked by
 * lib/elf.c before a byte is mapped.
 *
 * A new image is built completely in a fresh address space; the old one
 * is dropped only once the new one is ready, so a failed exec changes
 * nothing.  A successful exec drops everything of the old image: its
 * frames and its shared-memory mappings (the objects' handles stay:
 * handles belong to the process, mappings to the image).
 *
 * Every private frame is charged to the process's limit set (limits.h)
 * before it is taken: the new image's while it is built (so both images
 * count for a moment), the heap's by sbrk.  Hitting the limit is -EQUOTA.
 *
 * User layout (lib/uapi.h): program segments from USER_TEXT_BASE up, the
 * heap (sbrk) after the highest segment, and a USER_STACK_PAGES stack
 * below USER_STACK_TOP with an unmapped guard page under it.
 */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/handle.h"
#include "kernel/initrd.h"
#include "kernel/limits.h"
#include "kernel/param.h"
#include "kernel/pmm.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/trace.h"
#include "kernel/vm.h"
#include "lib/elf.h"
#include "lib/errno.h"
#include "lib/string.h"

#define USER_LOW	0x10000ull	/* nothing is mapped below: catches NULL+offset */
#define STACK_BOTTOM	(USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE)
#define HEAP_LIMIT	(STACK_BOTTOM - PAGE_SIZE)	/* keep the guard page */

struct image {
	struct pagetable *pt;
	struct limits *lim;	/* charged for each frame mapped */
	uint64_t pages;		/* user frames mapped (and charged) */
	uint64_t entry, brk, sp, argv;
	int argc;
};

/* Maps one zeroed, writable-or-not page and gives its kernel address
 * in *out: 0, -EQUOTA (over the limit), -ENOMEM, or -ENOEXEC (va already
 * mapped: two segments overlap). */
static int map_page(struct image *im, uint64_t va, int flags, uint8_t **out)
{
	void *page;
	int err;

	if ((err = limits_charge(im->lim, LIMIT_PAGES, 1)) < 0)
		return err;
	if (!(page = page_alloc())) {
		limits_uncharge(im->lim, LIMIT_PAGES, 1);
		return -ENOMEM;
	}
	if ((err = vm_map(im->pt, va, virt_to_phys(page), flags | VM_USER)) < 0) {
		page_free(page);
		limits_uncharge(im->lim, LIMIT_PAGES, 1);
		return err == -EEXIST ? -ENOEXEC : -ENOMEM;
	}
	im->pages++;
	*out = page;
	return 0;
}

static int load_segment(struct image *im, const uint8_t *file, const struct elf_segment *s)
{
	int flags = (s->write ? VM_WRITE : 0) | (s->exec ? VM_EXEC : 0);
	uint64_t end = s->vaddr + s->memsz;

	for (uint64_t va = PAGE_ROUND_DOWN(s->vaddr); va < end; va += PAGE_SIZE) {
		uint64_t lo = va < s->vaddr ? s->vaddr : va;
		uint64_t hi = va + PAGE_SIZE < s->vaddr + s->filesz ? va + PAGE_SIZE : s->vaddr + s->filesz;
		uint8_t *page;
		int err = map_page(im, va, flags, &page);

		if (err < 0)
			return err;
		if (lo < hi)	/* the part of this page backed by the file */
			memcpy(page + (lo - va), file + s->offset + (lo - s->vaddr), hi - lo);
	}
	if (PAGE_ROUND_UP(end) > im->brk)
		im->brk = PAGE_ROUND_UP(end);
	return 0;
}

/* Puts argv strings and the pointer array at the top of the stack:
 *   [strings][pad][argv[0..argc-1], NULL] <- rsi; rsp 16-byte aligned below. */
static int push_args(struct image *im, uint8_t *top_page, char *const argv[])
{
	uint64_t sp = USER_STACK_TOP, ptrs[ARG_MAX_COUNT + 1];
	uint8_t *base = top_page - (USER_STACK_TOP - PAGE_SIZE);	/* user va -> kernel */
	int argc = 0;

	for (; argv && argv[argc]; argc++) {
		size_t len = strlen(argv[argc]) + 1;

		if (argc == ARG_MAX_COUNT || USER_STACK_TOP - (sp - len) > ARG_MAX_BYTES)
			return -E2BIG;
		sp -= len;
		memcpy(base + sp, argv[argc], len);
		ptrs[argc] = sp;
	}
	ptrs[argc] = 0;
	sp = (sp - (argc + 1) * 8) & ~15ull;
	memcpy(base + sp, ptrs, (argc + 1) * 8);
	im->argv = sp;
	im->argc = argc;
	im->sp = sp;
	return 0;
}

static int build_image(struct image *im, const void *file, size_t size, char *const argv[])
{
	struct elf_image elf;
	uint8_t *top = 0;
	int err;

	if (elf_load_info(file, size, USER_LOW, HEAP_LIMIT, &elf) < 0)
		return -ENOEXEC;
	if (!(im->pt = vm_create()))
		return -ENOMEM;
	im->entry = elf.entry;
	for (int i = 0; i < elf.nsegs; i++)
		if ((err = load_segment(im, file, &elf.segs[i])) < 0)
			return err;
	for (uint64_t va = STACK_BOTTOM; va < USER_STACK_TOP; va += PAGE_SIZE)
		if ((err = map_page(im, va, VM_WRITE, &top)) < 0)
			return err;
	return push_args(im, top, argv);
}

static void drop_image(struct pagetable *pt)
{
	vm_free_user(pt);
	vm_destroy(pt);
}

static const char *basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int exec_load(struct proc *p, const char *path, char *const argv[])
{
	struct image im = { .lim = p->limits };
	struct pagetable *old = p->pagetable;
	const void *file;
	size_t size;
	int err;

	if (initrd_find(path, &file, &size) < 0)
		return -ENOENT;
	if ((err = build_image(&im, file, size, argv)) < 0) {
		if (im.pt)
			drop_image(im.pt);
		limits_uncharge(im.lim, LIMIT_PAGES, im.pages);
		return err;
	}
	if (old)
		shm_unmap_all(p);	/* from the old tables, before they go */
	limits_uncharge(p->limits, LIMIT_PAGES, p->charged_pages);
	p->charged_pages = im.pages;
	p->pagetable = im.pt;
	p->user_pages = im.pages;
	p->heap_start = p->brk = im.brk;
	strlcpy(p->name, basename(path), sizeof(p->name));
	trace_exec(p->pid, p->name);
	arch_tf_init_user(p->tf, im.entry, im.sp, im.argc, im.argv);
	arch_proc_exec(p);
	if (old) {
		if (p == myproc())
			vm_activate(im.pt);	/* stop using the old tables first */
		drop_image(old);
	}
	return 0;
}

/* Copies a user argv array into kbuf: pointers in ptrs (NULL-terminated),
 * strings packed in strs. */
static int copy_argv(uint64_t uargv, char **ptrs, char *strs)
{
	size_t used = 0;
	int n = 0;

	for (; uargv; n++) {
		uint64_t up;
		int len;

		if (n == ARG_MAX_COUNT)
			return -E2BIG;
		if (copyin(&up, uargv + n * 8, 8) < 0)
			return -EFAULT;
		if (!up)
			break;
		if ((len = copyinstr(strs + used, up, ARG_MAX_BYTES - used)) < 0)
			return len;
		ptrs[n] = strs + used;
		used += len + 1;
	}
	ptrs[n] = 0;
	return n;
}

struct args {
	char path[PATH_MAX_LEN];
	char *ptrs[ARG_MAX_COUNT + 1];
	char strs[ARG_MAX_BYTES];
};

/* Path and argv from user space; a missing argv becomes { path }. */
static int copy_args(struct args *k, uint64_t upath, uint64_t uargv)
{
	int err = copyinstr(k->path, upath, sizeof(k->path));

	if (err < 0)
		return err == -E2BIG ? -ENOENT : err;
	if ((err = copy_argv(uargv, k->ptrs, k->strs)) < 0)
		return err;
	if (err == 0) {
		k->ptrs[0] = k->path;
		k->ptrs[1] = 0;
	}
	return 0;
}

static struct args *args_alloc(void)
{
	return page_alloc();	/* ~1.4 KiB: too big for a kernel stack */
}

int64_t sys_exec(const struct sys_exec_args *a)
{
	struct args *k = args_alloc();
	int err;

	if (!k)
		return -ENOMEM;
	err = copy_args(k, a->path, a->argv);
	if (err == 0)
		err = exec_load(myproc(), k->path, k->ptrs);
	page_free(k);
	if (err == 0)
		syscall_use_iret();	/* the trapframe now holds the new program's entry */
	return err;
}

static uint64_t lower(uint64_t asked, uint64_t ours)
{
	return asked && asked < ours ? asked : ours;
}

/* The handles spawn_opts asks to pass must all be ours, and fit in the
 * child's handle quota (-EQUOTA: none is silently dropped). */
static int check_spawn_handles(const struct spawn_opts *o, const struct proc *p)
{
	struct kobj *obj;

	if (o->nhandles < 0 || o->nhandles > SPAWN_MAX_HANDLES)
		return -EINVAL;
	if ((uint64_t)o->nhandles > lower(o->max_handles, p->max_handles))
		return -EQUOTA;
	for (int i = 0; i < o->nhandles; i++)
		if (handle_get(o->handles[i], 0, 0, &obj, 0) < 0)
			return -EBADH;
	return 0;
}

/* Copies the chosen handles into the child as 0, 1, ... and sets its
 * quotas: what was asked, never above the parent's. */
static void spawn_ipc(struct proc *np, struct proc *p, const struct spawn_opts *o)
{
	np->max_handles = lower(o->max_handles, p->max_handles);
	np->sandbox = p->sandbox & (o->sandbox ? (o->sandbox | SB_BASIC) : SB_ALL);
	np->acct->max_queued = lower(o->max_queued, p->acct->max_queued);
	np->acct->max_shm_pages = lower(o->max_shm_pages, p->acct->max_shm_pages);
	for (int i = 0; i < o->nhandles; i++)
		handle_copy(np, i, o->handles[i]);
}

/* Puts the child in its limit set before its image is built (the image
 * is charged to it): a new set nested in ours if opts asks for any
 * limit, else ours.  0, -EQUOTA (our set has no room for a process) or
 * -ENOMEM. */
static int spawn_limits(struct proc *np, struct proc *p, const struct spawn_opts *o)
{
	uint64_t max[NLIMIT] = {
		[LIMIT_PROCS] = o->max_procs,
		[LIMIT_PAGES] = o->max_pages,
		[LIMIT_NAMES] = o->max_names,
	};
	struct limits *l;
	int err;

	if (!o->max_procs && !o->max_pages && !o->max_names)
		return proc_set_limits(np, p->limits);
	if (!(l = limits_new(p->limits, max)))
		return -ENOMEM;
	err = proc_set_limits(np, l);
	limits_put(l);		/* np holds it now, or it goes */
	return err;
}

/* spawn(path, argv, opts): a new child running path. */
int64_t sys_spawn(const struct sys_spawn_args *a)
{
	struct spawn_opts opts = { 0 };
	struct args *k;
	struct proc *np;
	int err;

	if (a->opts && copyin(&opts, a->opts, sizeof(opts)) < 0)
		return -EFAULT;
	if (opts.affinity && !(opts.affinity & online_mask()))
		return -EINVAL;
	if ((err = check_spawn_handles(&opts, myproc())) < 0)
		return err;
	if (!(k = args_alloc()))
		return -ENOMEM;
	if ((err = copy_args(k, a->path, a->argv)) < 0 || !(np = proc_alloc())) {
		page_free(k);
		return err < 0 ? err : -ENOMEM;
	}
	arch_proc_init_user(np);
	if ((err = spawn_limits(np, myproc(), &opts)) == 0)
		err = exec_load(np, k->path, k->ptrs);
	page_free(k);
	if (err < 0) {
		acquire(&np->lock);
		proc_free(np);
		release(&np->lock);
		return err;
	}
	if (opts.affinity)
		np->affinity = opts.affinity & online_mask();
	spawn_ipc(np, myproc(), &opts);
	proc_set_parent(np, myproc());
	trace_event(TR_SPAWN, np->pid, (uint64_t)myproc()->pid, 0);
	proc_launch(np);
	return np->pid;
}

/* Unmaps and frees the heap pages in [from, to), giving back their
 * charge. */
static void heap_free(struct proc *p, uint64_t from, uint64_t to)
{
	for (uint64_t va = from; va < to; va += PAGE_SIZE) {
		paddr_t pa;

		if (vm_unmap(p->pagetable, va, &pa) == 0) {
			pmm_free(pa);
			p->user_pages--;
			p->charged_pages--;
			limits_uncharge(p->limits, LIMIT_PAGES, 1);
		}
	}
}

/* sbrk(increment): moves the end of the heap; returns the old end, or
 * -EQUOTA (past the limit set's pages: charged for all of them before a
 * frame is taken), -ENOMEM (past the heap's end or out of frames) or
 * -EINVAL (shrinking below the heap's start).  A failed call maps
 * nothing new. */
int64_t sys_sbrk(const struct sys_sbrk_args *a)
{
	struct proc *p = myproc();
	int64_t inc = a->increment;
	uint64_t old = p->brk, new = old + inc, lo = PAGE_ROUND_UP(old);
	int err;

	if (inc > 0 && (new < old || new > HEAP_LIMIT))
		return -ENOMEM;
	if (inc < 0 && (new > old || new < p->heap_start))
		return -EINVAL;
	if (new > old && (err = limits_charge(p->limits, LIMIT_PAGES,
					      (PAGE_ROUND_UP(new) - lo) / PAGE_SIZE)) < 0)
		return err;
	for (uint64_t va = lo; va < PAGE_ROUND_UP(new); va += PAGE_SIZE) {
		void *page = page_alloc();

		if (!page || vm_map(p->pagetable, va, virt_to_phys(page), VM_USER | VM_WRITE) < 0) {
			if (page)
				page_free(page);
			/* The pages mapped so far, then the rest of the charge. */
			heap_free(p, lo, va);
			limits_uncharge(p->limits, LIMIT_PAGES, (PAGE_ROUND_UP(new) - va) / PAGE_SIZE);
			return -ENOMEM;
		}
		p->user_pages++;
		p->charged_pages++;
	}
	heap_free(p, PAGE_ROUND_UP(new), lo);
	p->brk = new;
	return (int64_t)old;
}
