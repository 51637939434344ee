/*
 * Virtual memory: the layout, and the page-table operations the portable
 * kernel uses (implemented per architecture in arch/<arch>/paging.c).
 *
 * Layout (x86_64, 48-bit addresses):
 *   0x0000000000000000 - 0x00007FFFFFFFFFFF  user space (per process)
 *   0xFFFF800000000000 - ...                 direct map of all physical memory
 *   0xFFFFFFFF80000000 - ...                 kernel image (physical 1 MiB up)
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;

#define DIRECT_MAP_BASE	0xFFFF800000000000ull
#define KERNEL_VMA	0xFFFFFFFF80000000ull
#define USER_TOP	0x0000800000000000ull	/* first address above user space */

static inline void *phys_to_virt(paddr_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}

/* Physical address of a direct-map or kernel-image address. */
static inline paddr_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;

	return v >= KERNEL_VMA ? v - KERNEL_VMA : v - DIRECT_MAP_BASE;
}

/* Mapping permissions; a mapping is always readable. */
#define VM_WRITE	0x1
#define VM_USER		0x2
#define VM_EXEC		0x4
#define VM_SHARED	0x8	/* frame owned by a shared-memory object, not the process */

struct pagetable;	/* opaque: the architecture's top-level table */

extern struct pagetable *kernel_pagetable;

/* Builds the kernel's own page table (direct map of [0, phys_top), kernel
 * image with per-section permissions) and switches to it. */
void vm_init(paddr_t phys_top);

/* A new address space whose kernel half is the kernel's; NULL if out of memory. */
struct pagetable *vm_create(void);
/* Frees the user half's page-table pages (not the frames they map). */
void vm_destroy(struct pagetable *pt);
void vm_activate(struct pagetable *pt);
/* Frees every user frame mapped in pt (not VM_SHARED ones) and unmaps them. */
void vm_free_user(struct pagetable *pt);
/* Copies every user page of src into fresh frames mapped in dst (fork).
 * Returns the number of pages copied or -ENOMEM (dst then holds a
 * partial copy for the caller to free). */
long vm_copy_user(struct pagetable *src, struct pagetable *dst);

/* Maps one 4 KiB page.  0, -ENOMEM (no frame for a table), -EEXIST
 * (already mapped) or -EINVAL (unaligned or non-canonical address). */
int vm_map(struct pagetable *pt, uint64_t va, paddr_t pa, int flags);
/* Unmaps one page; 0 and the old frame in *pa, or -ENOENT. */
int vm_unmap(struct pagetable *pt, uint64_t va, paddr_t *pa);
/* Translates va; 0 with the frame address and VM_* flags, or -ENOENT. */
int vm_walk(struct pagetable *pt, uint64_t va, paddr_t *pa, int *flags);

#endif
