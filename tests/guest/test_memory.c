/* In-kernel tests of the frame allocator, page tables and kmalloc. */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/kmalloc.h"
#include "kernel/ktest.h"
#include "kernel/param.h"
#include "kernel/pmm.h"
#include "kernel/vm.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "tests/guest/guest.h"

void test_pmm_alloc_free(void)
{
	size_t before = pmm_free_frames();
	paddr_t a = pmm_alloc(), b = pmm_alloc();

	KT_CHECK(a != 0 && b != 0);
	KT_CHECK(a != b);
	KT_CHECK((a & (PAGE_SIZE - 1)) == 0 && (b & (PAGE_SIZE - 1)) == 0);
	KT_CHECK(a >= 0x100000 && b >= 0x100000);	/* low 1 MiB is never handed out */
	KT_CHECK(pmm_free_frames() == before - 2);
	pmm_free(a);
	pmm_free(b);
	KT_CHECK(pmm_free_frames() == before);
}

/* Tags 1000 frames with their own index: a frame handed out twice would
 * hold the later tag, not its own. */
void test_pmm_no_double_handout(void)
{
	static paddr_t frames[1000];
	size_t before = pmm_free_frames();
	int bad = 0;

	for (int i = 0; i < 1000; i++) {
		frames[i] = pmm_alloc();
		KT_CHECK(frames[i] != 0);
		*(uint64_t *)phys_to_virt(frames[i]) = 0xba70000000000000ull | i;
	}
	for (int i = 0; i < 1000; i++)
		bad += *(uint64_t *)phys_to_virt(frames[i]) != (0xba70000000000000ull | i);
	KT_CHECK(bad == 0);
	for (int i = 0; i < 1000; i++)
		pmm_free(frames[i]);
	KT_CHECK(pmm_free_frames() == before);
}

/* Takes every free frame (chained through their first word), checks that
 * the next allocation fails cleanly, then gives them all back. */
void test_pmm_exhaustion(void)
{
	size_t before = pmm_free_frames(), taken = 0;
	paddr_t head = 0, pa;

	while ((pa = pmm_alloc()) != 0) {
		*(paddr_t *)phys_to_virt(pa) = head;
		head = pa;
		taken++;
	}
	KT_CHECK(taken == before);
	KT_CHECK(pmm_free_frames() == 0);
	KT_CHECK(pmm_alloc() == 0);
	KT_CHECK(page_alloc() == 0);
	KT_CHECK(kmalloc(KMALLOC_MAX) == 0);
	while (head) {
		pa = head;
		head = *(paddr_t *)phys_to_virt(pa);
		pmm_free(pa);
	}
	KT_CHECK(pmm_free_frames() == before);
	ktest_note("%lu frames taken and returned", taken);
}

void test_vm_map_walk_unmap(void)
{
	size_t before = pmm_free_frames();
	struct pagetable *pt = vm_create();
	paddr_t frame = pmm_alloc(), pa = 0;
	uint64_t va = 0x400000;
	int flags = 0;

	KT_CHECK(pt != 0 && frame != 0);
	KT_CHECK(vm_walk(pt, va, &pa, &flags) == -ENOENT);
	KT_CHECK(vm_map(pt, va, frame, VM_WRITE | VM_USER) == 0);
	KT_CHECK(vm_walk(pt, va + 0x123, &pa, &flags) == 0);
	KT_CHECK(pa == frame + 0x123);
	KT_CHECK(flags == (VM_WRITE | VM_USER));
	KT_CHECK(vm_map(pt, va, frame, VM_USER) == -EEXIST);

	/* The hardware agrees: write through the new mapping, read back
	 * through the direct map. */
	vm_activate(pt);
	arch_user_access_begin();	/* SMAP: the kernel touches user pages only so */
	*(volatile uint64_t *)va = 0x5eed;
	arch_user_access_end();
	vm_activate(kernel_pagetable);
	KT_CHECK(*(uint64_t *)phys_to_virt(frame) == 0x5eed);

	KT_CHECK(vm_unmap(pt, va, &pa) == 0 && pa == frame);
	KT_CHECK(vm_walk(pt, va, &pa, &flags) == -ENOENT);
	KT_CHECK(vm_unmap(pt, va, &pa) == -ENOENT);
	/* The kernel half is shared: the direct map translates here too. */
	KT_CHECK(vm_walk(pt, (uint64_t)phys_to_virt(frame), &pa, &flags) == 0 && pa == frame);
	KT_CHECK(!(flags & VM_USER) && !(flags & VM_EXEC));
	vm_destroy(pt);
	pmm_free(frame);
	KT_CHECK(pmm_free_frames() == before);
}

void test_vm_bad_arguments(void)
{
	struct pagetable *pt = vm_create();
	paddr_t pa;
	int flags;

	KT_CHECK(vm_map(pt, 0x400001, 0x200000, 0) == -EINVAL);
	KT_CHECK(vm_map(pt, 0x400000, 0x200001, 0) == -EINVAL);
	KT_CHECK(vm_map(pt, 0x0000900000000000ull, 0x200000, 0) == -EINVAL);	/* non-canonical */
	KT_CHECK(vm_walk(pt, 0x0000900000000000ull, &pa, &flags) == -ENOENT);
	vm_destroy(pt);
}

/* Many mappings, then vm_destroy returns every page-table frame. */
void test_vm_address_space(void)
{
	size_t before = pmm_free_frames();
	struct pagetable *pt = vm_create();
	paddr_t frame = pmm_alloc();
	int ok = 0;

	/* Spread over several PML4, PDPT and PD entries. */
	for (uint64_t i = 0; i < 64; i++)
		ok += vm_map(pt, (i << 39 >> (i % 3 * 9)) + 0x1000 * i, frame, VM_USER) == 0;
	KT_CHECK(ok == 64);
	KT_CHECK(pmm_free_frames() < before - 1);
	vm_destroy(pt);
	pmm_free(frame);
	KT_CHECK(pmm_free_frames() == before);
}

void test_kmalloc_sizes(void)
{
	size_t before = kmalloc_in_use();
	static const size_t sizes[] = { 1, 8, 16, 17, 31, 32, 100, 480, 481, 1000, 2016, 2017, KMALLOC_MAX };

	KT_CHECK(kmalloc(0) == 0);
	KT_CHECK(kmalloc(KMALLOC_MAX + 1) == 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = kmalloc(sizes[i]);
		size_t zero = 0;

		KT_CHECK(p != 0);
		if (!p)
			continue;
		KT_CHECK(((uintptr_t)p & 15) == 0);
		for (size_t j = 0; j < sizes[i]; j++)
			zero += p[j] == 0;
		KT_CHECK(zero == sizes[i]);
		memset(p, 0xab, sizes[i]);
		kfree(p);
	}
	KT_CHECK(kmalloc_in_use() == before);
}

/* Random allocations and frees with a fill pattern per block: any
 * overlap between live blocks shows up as a changed pattern. */
void test_kmalloc_churn(void)
{
	static unsigned char *slot[256];
	static size_t len[256];
	size_t before = kmalloc_in_use();
	uint32_t seed = 12345;
	int corrupt = 0, failed = 0;

	for (int iter = 0; iter < 20000; iter++) {
		int i;

		seed = seed * 1103515245 + 12345;
		i = (seed >> 16) & 255;
		if (slot[i]) {
			for (size_t j = 0; j < len[i]; j++)
				corrupt += slot[i][j] != (unsigned char)i;
			kfree(slot[i]);
			slot[i] = 0;
		} else {
			len[i] = 1 + (seed >> 8) % 3000;
			slot[i] = kmalloc(len[i]);
			failed += slot[i] == 0;
			if (slot[i])
				memset(slot[i], i, len[i]);
		}
	}
	for (int i = 0; i < 256; i++)
		kfree(slot[i]);
	KT_CHECK(corrupt == 0);
	KT_CHECK(failed == 0);
	KT_CHECK(kmalloc_in_use() == before);
}
