/*
 * Physical frame allocator: one bit per 4 KiB frame of RAM.
 */
#ifndef KERNEL_PMM_H
#define KERNEL_PMM_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/vm.h"

struct pmm_range {
	paddr_t start, end;	/* [start, end) */
};

/* avail: the RAM ranges of the memory map; reserved: ranges in use
 * (kernel image, boot information, modules).  Frames below 1 MiB are
 * never handed out. */
void pmm_init(const struct pmm_range *avail, int navail,
	      const struct pmm_range *reserved, int nreserved);

/* One frame, contents undefined; 0 when none is left (frame 0 is never free). */
paddr_t pmm_alloc(void);
/* n contiguous frames (first address), or 0. */
paddr_t pmm_alloc_contig(size_t n);
/* Returns a frame; freeing a frame that is not allocated panics. */
void pmm_free(paddr_t pa);

/* A zeroed frame through the direct map, or NULL. */
void *page_alloc(void);
void page_free(void *page);
/* page_alloc for kmalloc, which has already asked failinject_fail() about
 * the request this frame serves: no second injected failure. */
void *page_alloc_heap(void);

size_t pmm_free_frames(void);
size_t pmm_total_frames(void);
/* Highest RAM address + 1. */
paddr_t pmm_phys_top(void);

#endif
