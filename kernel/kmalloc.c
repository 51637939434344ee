/*
 * kmalloc: power-of-two size classes from 32 bytes to 2 KiB, each carved
 * out of whole frames, plus whole frames for anything larger (up to one
 * page of payload).  Every block starts with a small header naming its
 * class and a magic number, so kfree() finds the class without being told
 * the size and catches frees of pointers kmalloc never returned.
 *
 * Lock: kmalloc_lock protects the free lists and the statistics.
 *
 * Each request asks failinject_fail(FI_KMALLOC) once, before the lock
 * (tests make chosen requests fail; failinject.h); the frames kmalloc
 * takes for itself are not asked about again (page_alloc_heap).
 */
#include <stdint.h>

#include "kernel/failinject.h"
#include "kernel/kmalloc.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/pmm.h"
#include "kernel/spinlock.h"
#include "lib/string.h"

#define MIN_SHIFT	5	/* 32 bytes */
#define MAX_SHIFT	11	/* 2048 bytes */
#define NCLASS		(MAX_SHIFT - MIN_SHIFT + 1)
#define PAGE_CLASS	NCLASS	/* a block that owns whole frames */
#define MAGIC_USED	0x6b6d616c6c6f6321ull
#define MAGIC_FREE	0x6672656566726565ull

struct block {
	uint64_t magic;
	uint32_t class;
	uint32_t npages;	/* for PAGE_CLASS */
	struct block *next;	/* free list link while free */
	uint64_t pad;		/* keeps the payload 16-byte aligned */
};

_Static_assert(sizeof(struct block) == 32, "kmalloc header");

static struct spinlock kmalloc_lock = SPINLOCK_INIT("kmalloc");
static struct block *free_list[NCLASS];
static size_t in_use;

static int size_class(size_t total)
{
	for (int c = 0; c < NCLASS; c++)
		if (total <= (1ul << (c + MIN_SHIFT)))
			return c;
	return PAGE_CLASS;
}

/* Splits one fresh frame into blocks of class c.  Called with the lock held. */
static bool refill(int c)
{
	size_t bsize = 1ul << (c + MIN_SHIFT);
	char *page = page_alloc_heap();

	if (!page)
		return false;
	for (size_t off = 0; off + bsize <= PAGE_SIZE; off += bsize) {
		struct block *b = (struct block *)(page + off);

		b->magic = MAGIC_FREE;
		b->class = c;
		b->next = free_list[c];
		free_list[c] = b;
	}
	return true;
}

static void *alloc_pages(size_t total)
{
	size_t npages = PAGE_ROUND_UP(total) / PAGE_SIZE;	/* 1: see KMALLOC_MAX */
	struct block *b;

	if (!(b = page_alloc_heap()))
		return 0;
	b->magic = MAGIC_USED;
	b->class = PAGE_CLASS;
	b->npages = npages;
	acquire(&kmalloc_lock);
	in_use += npages * PAGE_SIZE;
	release(&kmalloc_lock);
	return b + 1;
}

void *kmalloc(size_t size)
{
	size_t total = size + sizeof(struct block);
	int c = size_class(total);
	struct block *b;

	if (size == 0 || size > KMALLOC_MAX || failinject_fail(FI_KMALLOC))
		return 0;
	if (c == PAGE_CLASS)
		return alloc_pages(total);
	acquire(&kmalloc_lock);
	if (!free_list[c] && !refill(c)) {
		release(&kmalloc_lock);
		return 0;
	}
	b = free_list[c];
	if (b->magic != MAGIC_FREE)
		panic("kmalloc: free list of class %d corrupted at %p", c, (void *)b);
	free_list[c] = b->next;
	b->magic = MAGIC_USED;
	in_use += 1ul << (c + MIN_SHIFT);
	release(&kmalloc_lock);
	memset(b + 1, 0, (1ul << (c + MIN_SHIFT)) - sizeof(*b));
	return b + 1;
}

void kfree(void *p)
{
	struct block *b;

	if (!p)
		return;
	b = (struct block *)p - 1;
	if (b->magic == MAGIC_FREE)
		panic("kfree: double free of %p", p);
	if (b->magic != MAGIC_USED || b->class > PAGE_CLASS)
		panic("kfree: %p was not allocated by kmalloc", p);
	acquire(&kmalloc_lock);
	if (b->class == PAGE_CLASS) {
		in_use -= b->npages * PAGE_SIZE;
		release(&kmalloc_lock);
		b->magic = MAGIC_FREE;
		page_free(b);
		return;
	}
	in_use -= 1ul << (b->class + MIN_SHIFT);
	b->magic = MAGIC_FREE;
	b->next = free_list[b->class];
	free_list[b->class] = b;
	release(&kmalloc_lock);
}

size_t kmalloc_in_use(void)
{
	return in_use;
}
