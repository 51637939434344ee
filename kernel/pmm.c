/*
 * Physical frame allocator.
 *
 * A bitmap with one bit per frame (1 = in use) covers every frame up to
 * the top of RAM.  Holes and reserved ranges simply stay marked in use.
 * Allocation scans upward from a hint, so early allocations come from low
 * memory, which the boot page tables already map.  A bitmap (rather than
 * a free list) lets pmm_free() catch a double free.
 *
 * Lock: pmm_lock protects the bitmap, the hint and the free count.
 *
 * Every request from outside asks failinject_fail(FI_FRAMES) first, so
 * tests can make chosen ones fail (failinject.h); kmalloc's own frames
 * come through page_alloc_heap(), which does not ask again.
 */
#include <stdint.h>

#include "kernel/failinject.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/pmm.h"
#include "kernel/spinlock.h"
#include "lib/string.h"

#define LOW_LIMIT	0x100000ull		/* never hand out the first 1 MiB */
#define BOOT_MAPPED	(1ull << 30)		/* boot page tables map 1 GiB */

static struct spinlock pmm_lock = SPINLOCK_INIT("pmm");
static uint64_t *bitmap;	/* through the direct map */
static size_t nframes;		/* frames the bitmap covers */
static size_t free_count;
static size_t total_count;
static size_t hint;

static bool frame_used(size_t f)
{
	return bitmap[f / 64] & (1ull << (f % 64));
}

static void mark(size_t f, bool used)
{
	if (used)
		bitmap[f / 64] |= 1ull << (f % 64);
	else
		bitmap[f / 64] &= ~(1ull << (f % 64));
}

static bool overlaps(paddr_t s, paddr_t e, const struct pmm_range *r, int n, paddr_t *past)
{
	for (int i = 0; i < n; i++) {
		if (s < r[i].end && r[i].start < e) {
			*past = r[i].end;
			return true;
		}
	}
	return false;
}

/* First page-aligned spot of `size` bytes inside available RAM, below the
 * boot mapping, that touches no reserved range. */
static paddr_t place_bitmap(size_t size, const struct pmm_range *avail, int navail,
			    const struct pmm_range *reserved, int nreserved)
{
	for (int i = 0; i < navail; i++) {
		paddr_t s = PAGE_ROUND_UP(avail[i].start < LOW_LIMIT ? LOW_LIMIT : avail[i].start);
		paddr_t past;

		while (s + size <= avail[i].end && s + size <= BOOT_MAPPED) {
			if (!overlaps(s, s + size, reserved, nreserved, &past))
				return s;
			s = PAGE_ROUND_UP(past);
		}
	}
	panic("pmm_init: no room for the frame bitmap (%lu bytes)", size);
}

static void set_range(paddr_t start, paddr_t end, bool used)
{
	size_t first = used ? start / PAGE_SIZE : PAGE_ROUND_UP(start) / PAGE_SIZE;
	size_t last = used ? PAGE_ROUND_UP(end) / PAGE_SIZE : end / PAGE_SIZE;

	for (size_t f = first; f < last && f < nframes; f++) {
		if (frame_used(f) != used)
			free_count += used ? -1 : 1;
		mark(f, used);
	}
}

void pmm_init(const struct pmm_range *avail, int navail,
	      const struct pmm_range *reserved, int nreserved)
{
	paddr_t top = 0, at;
	size_t bytes;

	for (int i = 0; i < navail; i++)
		if (avail[i].end > top)
			top = avail[i].end;
	nframes = top / PAGE_SIZE;
	bytes = PAGE_ROUND_UP((nframes + 63) / 64 * 8);
	at = place_bitmap(bytes, avail, navail, reserved, nreserved);
	bitmap = phys_to_virt(at);
	memset(bitmap, 0xFF, bytes);

	free_count = 0;
	for (int i = 0; i < navail; i++)
		set_range(avail[i].start, avail[i].end, false);
	set_range(0, LOW_LIMIT, true);
	for (int i = 0; i < nreserved; i++)
		set_range(reserved[i].start, reserved[i].end, true);
	set_range(at, at + bytes, true);
	total_count = free_count;
	hint = 0;
}

/* One frame, with no failure injected. */
static paddr_t take_frame(void)
{
	paddr_t pa = 0;

	acquire(&pmm_lock);
	for (size_t n = 0; n < nframes && free_count > 0; n++) {
		size_t f = (hint + n) % nframes;

		if (!frame_used(f)) {
			mark(f, true);
			free_count--;
			hint = f + 1;
			pa = (paddr_t)f * PAGE_SIZE;
			break;
		}
	}
	release(&pmm_lock);
	return pa;
}

paddr_t pmm_alloc(void)
{
	return failinject_fail(FI_FRAMES) ? 0 : take_frame();
}

/* n physically contiguous frames (kernel stacks), or 0.  Searches from
 * the allocation hint, like pmm_alloc, rather than from the bottom,
 * which every spawn would otherwise walk past the kernel and initrd. */
paddr_t pmm_alloc_contig(size_t n)
{
	size_t low = LOW_LIMIT / PAGE_SIZE, run = 0;
	paddr_t pa = 0;

	if (failinject_fail(FI_FRAMES))
		return 0;
	acquire(&pmm_lock);
	for (size_t k = 0; k < nframes && free_count >= n; k++) {
		size_t f = (hint + k) % nframes;

		if (f == 0 || f < low)
			run = 0;	/* wrapped around, or below the floor */
		else
			run = frame_used(f) ? 0 : run + 1;
		if (run == n) {
			for (size_t g = f + 1 - n; g <= f; g++)
				mark(g, true);
			free_count -= n;
			pa = (paddr_t)(f + 1 - n) * PAGE_SIZE;
			break;
		}
	}
	release(&pmm_lock);
	return pa;
}

void pmm_free(paddr_t pa)
{
	size_t f = pa / PAGE_SIZE;

	if (pa & (PAGE_SIZE - 1) || f >= nframes || pa < LOW_LIMIT)
		panic("pmm_free: %lx is not a frame the allocator owns", pa);
	acquire(&pmm_lock);
	if (!frame_used(f))
		panic("pmm_free: double free of frame %lx", pa);
	mark(f, false);
	free_count++;
	if (f < hint)
		hint = f;	/* keep allocations low */
	release(&pmm_lock);
}

static void *zeroed(paddr_t pa)
{
	void *p;

	if (!pa)
		return 0;
	p = phys_to_virt(pa);
	memset(p, 0, PAGE_SIZE);
	return p;
}

void *page_alloc(void)
{
	return zeroed(pmm_alloc());
}

void *page_alloc_heap(void)
{
	return zeroed(take_frame());
}

void page_free(void *page)
{
	pmm_free(virt_to_phys(page));
}

size_t pmm_free_frames(void)
{
	return __atomic_load_n(&free_count, __ATOMIC_RELAXED);
}

size_t pmm_total_frames(void)
{
	return total_count;
}

paddr_t pmm_phys_top(void)
{
	return (paddr_t)nframes * PAGE_SIZE;
}
