/*
 * x86_64 4-level page tables: PML4 -> PDPT -> PD -> PT.
 *
 * Each level indexes 9 bits of the virtual address.  Kernel mappings live
 * in the upper half (PML4 entries 256-511); vm_init() creates every
 * upper-half PML4 entry the kernel will ever use, and vm_create() copies
 * them into each new address space, so the kernel half is shared and
 * never needs to be synchronised afterwards.
 */
#include <stdint.h>

#include "arch/x86_64/x86.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/pmm.h"
#include "kernel/vm.h"
#include "lib/errno.h"
#include "lib/string.h"

#define PTE_P		(1ull << 0)
#define PTE_W		(1ull << 1)
#define PTE_U		(1ull << 2)
#define PTE_PS		(1ull << 7)	/* large page, in a PDPT or PD entry */
#define PTE_G		(1ull << 8)
#define PTE_SHARED	(1ull << 9)	/* software bit: frame belongs to a shm object */
#define PTE_NX		(1ull << 63)
#define PTE_ADDR	0x000FFFFFFFFFF000ull

#define LARGE_PAGE	(2ull << 20)

typedef uint64_t pte_t;

struct pagetable *kernel_pagetable;

static inline int pt_index(uint64_t va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

static inline pte_t *pte_table(pte_t e)
{
	return phys_to_virt(e & PTE_ADDR);
}

static bool canonical(uint64_t va)
{
	uint64_t top = va >> 47;

	return top == 0 || top == 0x1FFFF;
}

/*
 * Returns the level-0 (4 KiB) entry for va, creating intermediate tables
 * when create is set.  NULL if a table is missing (or cannot be
 * allocated), or if va lies inside a large page.
 */
static pte_t *walk(struct pagetable *pt, uint64_t va, bool create)
{
	pte_t *table = (pte_t *)pt;

	for (int level = 3; level > 0; level--) {
		pte_t *e = &table[pt_index(va, level)];

		if (*e & PTE_P) {
			if (*e & PTE_PS)
				return 0;
		} else {
			void *page;

			if (!create || !(page = page_alloc()))
				return 0;
			/* Permissions are decided at the leaf; intermediate
			 * entries allow everything.  User-half tables must
			 * carry U for ring 3 to reach its leaves. */
			*e = virt_to_phys(page) | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
		}
		table = pte_table(*e);
	}
	return &table[pt_index(va, 0)];
}

static pte_t leaf_bits(int flags)
{
	pte_t bits = PTE_P;

	if (flags & VM_WRITE)
		bits |= PTE_W;
	if (flags & VM_USER)
		bits |= PTE_U;
	if (!(flags & VM_EXEC))
		bits |= PTE_NX;
	if (flags & VM_SHARED)
		bits |= PTE_SHARED;
	return bits;
}

int vm_map(struct pagetable *pt, uint64_t va, paddr_t pa, int flags)
{
	pte_t *e;

	if ((va | pa) & (PAGE_SIZE - 1) || !canonical(va))
		return -EINVAL;
	if (!(e = walk(pt, va, true)))
		return -ENOMEM;
	if (*e & PTE_P)
		return -EEXIST;
	*e = pa | leaf_bits(flags);
	return 0;
}

int vm_unmap(struct pagetable *pt, uint64_t va, paddr_t *pa)
{
	pte_t *e = walk(pt, va, false);

	if (!e || !(*e & PTE_P))
		return -ENOENT;
	if (pa)
		*pa = *e & PTE_ADDR;
	*e = 0;
	invlpg(va);	/* this CPU only; other CPUs need a shootdown */
	return 0;
}

static int pte_flags(pte_t e)
{
	return (e & PTE_W ? VM_WRITE : 0) | (e & PTE_U ? VM_USER : 0) | (e & PTE_NX ? 0 : VM_EXEC) |
	       (e & PTE_SHARED ? VM_SHARED : 0);
}

/* Translation in software, including large pages. */
int vm_walk(struct pagetable *pt, uint64_t va, paddr_t *pa, int *flags)
{
	pte_t *table = (pte_t *)pt;

	if (!canonical(va))
		return -ENOENT;
	for (int level = 3; level >= 0; level--) {
		pte_t e = table[pt_index(va, level)];
		uint64_t span = 1ull << (12 + 9 * level);

		if (!(e & PTE_P))
			return -ENOENT;
		if (level == 0 || (e & PTE_PS)) {
			if (pa)
				*pa = (e & PTE_ADDR & ~(span - 1)) + (va & (span - 1));
			if (flags)
				*flags = pte_flags(e);
			return 0;
		}
		table = pte_table(e);
	}
	return -ENOENT;
}

/* Direct map of [0, top) with 2 MiB pages, read/write, never executable. */
static void map_direct(pte_t *pml4, paddr_t top)
{
	for (paddr_t pa = 0; pa < top; pa += LARGE_PAGE) {
		uint64_t va = DIRECT_MAP_BASE + pa;
		pte_t *table = pml4;

		for (int level = 3; level > 1; level--) {
			pte_t *e = &table[pt_index(va, level)];

			if (!(*e & PTE_P)) {
				void *page = page_alloc();

				if (!page)
					panic("vm_init: out of memory for the direct map");
				*e = virt_to_phys(page) | PTE_P | PTE_W;
			}
			table = pte_table(*e);
		}
		table[pt_index(va, 1)] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
	}
}

extern char _kernel_start[], _etext[], _erodata[], _kernel_end[];

/* Kernel image with 4 KiB pages: text read+exec, rodata read-only,
 * data and bss read/write and not executable. */
static void map_kernel_image(struct pagetable *pt)
{
	for (uint64_t va = (uint64_t)_kernel_start; va < (uint64_t)_kernel_end; va += PAGE_SIZE) {
		int flags = va < (uint64_t)_etext ? VM_EXEC : va < (uint64_t)_erodata ? 0 : VM_WRITE;

		if (vm_map(pt, va, va - KERNEL_VMA, flags) < 0)
			panic("vm_init: cannot map the kernel image");
	}
}

void vm_init(paddr_t phys_top)
{
	pte_t *pml4 = page_alloc();

	if (!pml4)
		panic("vm_init: no frame for the kernel PML4");
	if (phys_top < (4ull << 30))
		phys_top = 4ull << 30;	/* reach the local APIC, IOAPIC and other MMIO */
	map_direct(pml4, PAGE_ROUND_UP(phys_top));
	kernel_pagetable = (struct pagetable *)pml4;
	map_kernel_image(kernel_pagetable);
	vm_activate(kernel_pagetable);
}

struct pagetable *vm_create(void)
{
	pte_t *pml4 = page_alloc();

	if (!pml4)
		return 0;
	memcpy(pml4 + 256, (pte_t *)kernel_pagetable + 256, 256 * sizeof(pte_t));
	return (struct pagetable *)pml4;
}

static void free_table(pte_t *table, int level)
{
	for (int i = 0; level > 0 && i < 512; i++)
		if ((table[i] & PTE_P) && !(table[i] & PTE_PS))
			free_table(pte_table(table[i]), level - 1);
	page_free(table);
}

void vm_destroy(struct pagetable *pt)
{
	pte_t *pml4 = (pte_t *)pt;

	for (int i = 0; i < 256; i++)
		if (pml4[i] & PTE_P)
			free_table(pte_table(pml4[i]), 2);
	page_free(pml4);
}

void vm_activate(struct pagetable *pt)
{
	uint64_t pa = virt_to_phys(pt);

	if (read_cr3() != pa)	/* a reload flushes the TLB: skip it when we can */
		write_cr3(pa);
}

/*
 * Calls fn for every present 4 KiB leaf in the user half.  fn may clear
 * the entry.  Page-table pages themselves are left for vm_destroy().
 */
static long walk_user(struct pagetable *pt, long (*fn)(pte_t *e, uint64_t va, void *arg), void *arg)
{
	pte_t *pml4 = (pte_t *)pt;
	long total = 0;

	for (uint64_t i4 = 0; i4 < 256; i4++) {
		if (!(pml4[i4] & PTE_P))
			continue;
		pte_t *pdpt = pte_table(pml4[i4]);
		for (uint64_t i3 = 0; i3 < 512; i3++) {
			if (!(pdpt[i3] & PTE_P))
				continue;
			pte_t *pd = pte_table(pdpt[i3]);
			for (uint64_t i2 = 0; i2 < 512; i2++) {
				if (!(pd[i2] & PTE_P))
					continue;
				pte_t *ptab = pte_table(pd[i2]);
				for (uint64_t i1 = 0; i1 < 512; i1++) {
					long r;

					if (!(ptab[i1] & PTE_P))
						continue;
					r = fn(&ptab[i1], i4 << 39 | i3 << 30 | i2 << 21 | i1 << 12, arg);
					if (r < 0)
						return r;
					total += r;
				}
			}
		}
	}
	return total;
}

static long free_leaf(pte_t *e, uint64_t va, void *arg)
{
	(void)va;
	(void)arg;
	if (!(*e & PTE_SHARED))
		pmm_free(*e & PTE_ADDR);
	*e = 0;
	return 1;
}

void vm_free_user(struct pagetable *pt)
{
	walk_user(pt, free_leaf, 0);
}

/* Shared frames are mapped again, not copied (their object counts the
 * new mapping: see shm.c). */
static long copy_leaf(pte_t *e, uint64_t va, void *dst)
{
	paddr_t pa = *e & PTE_ADDR;
	int flags = pte_flags(*e);
	void *copy;

	if (!(*e & PTE_SHARED)) {
		if (!(copy = page_alloc()))
			return -ENOMEM;
		memcpy(copy, phys_to_virt(pa), PAGE_SIZE);
		pa = virt_to_phys(copy);
	}
	if (vm_map(dst, va, pa, flags) < 0) {
		if (!(*e & PTE_SHARED))
			pmm_free(pa);
		return -ENOMEM;
	}
	return 1;
}

long vm_copy_user(struct pagetable *src, struct pagetable *dst)
{
	return walk_user(src, copy_leaf, dst);
}
