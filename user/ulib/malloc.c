/*
 * malloc and free: a first-fit free list over sbrk, in the manner of
 * K&R's allocator.
 *
 * Every block, used or free, starts with a struct header; the caller's
 * bytes follow it.  Free blocks are kept on a list sorted by address, so
 * free() can merge a block with free neighbours and the heap does not
 * crumble into small pieces.  malloc() takes the first free block that is
 * big enough, splitting off the rest when the rest is worth keeping, and
 * asks sbrk for more (at least GROW_MIN bytes at a time) when none is.
 * Memory is never given back to the kernel.
 *
 * The magic number in each header lets free() recognise a pointer that
 * malloc did not hand out, or one already freed, and stop the program
 * with a message instead of corrupting the list.
 */
#include "baton.h"

#define ALIGN		16		/* every payload is 16-byte aligned */
#define GROW_MIN	(64 * 1024)	/* smallest sbrk request */
#define MAGIC_USED	0xba70a110c8ed0001ull
#define MAGIC_FREE	0xba70f4eeb10c0002ull

struct header {
	uint64_t magic;		/* MAGIC_USED or MAGIC_FREE */
	size_t size;		/* payload bytes after the header, multiple of ALIGN */
	struct header *next;	/* next free block by address (free blocks only) */
	uint64_t unused;	/* pads the header to a multiple of ALIGN */
};

_Static_assert(sizeof(struct header) % ALIGN == 0, "header keeps payloads aligned");

static struct header *free_list;	/* sorted by address */
static uintptr_t heap_lo, heap_hi;	/* all memory ever obtained from sbrk */

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

static void *payload(struct header *h)
{
	return h + 1;
}

/* The header right after h's payload (which may not exist). */
static struct header *next_in_memory(struct header *h)
{
	return (struct header *)((char *)payload(h) + h->size);
}

/* Puts free block h on the list, merging it with adjacent free blocks. */
static void insert_free(struct header *h)
{
	struct header *prev = NULL, *cur = free_list;

	while (cur && cur < h) {
		prev = cur;
		cur = cur->next;
	}
	h->magic = MAGIC_FREE;
	h->next = cur;
	if (cur && next_in_memory(h) == cur) {
		h->size += sizeof(struct header) + cur->size;
		h->next = cur->next;
	}
	if (prev && next_in_memory(prev) == h) {
		prev->size += sizeof(struct header) + h->size;
		prev->next = h->next;
	} else if (prev) {
		prev->next = h;
	} else {
		free_list = h;
	}
}

/* Aligns the heap's start the first time; false if sbrk fails. */
static bool heap_init(void)
{
	uintptr_t brk = (uintptr_t)sbrk(0);
	size_t pad = round_up(brk, ALIGN) - brk;

	if (ptr_error((void *)brk) || (pad && ptr_error(sbrk(pad))))
		return false;
	heap_lo = heap_hi = brk + pad;
	return true;
}

/* Gets at least need payload bytes more from the kernel, as a free block. */
static bool grow(size_t need)
{
	size_t bytes = round_up(need + sizeof(struct header), 4096);
	struct header *h;

	if (heap_hi == 0 && !heap_init())
		return false;
	if (bytes < GROW_MIN)
		bytes = GROW_MIN;
	h = sbrk((intptr_t)bytes);
	if (ptr_error(h))
		return false;
	/* Anyone else calling sbrk would leave a hole; the list copes, since
	 * only adjacent blocks are merged.  Keep the bounds generous. */
	if ((uintptr_t)h < heap_lo)
		heap_lo = (uintptr_t)h;
	heap_hi = (uintptr_t)h + bytes;
	h->size = bytes - sizeof(struct header);
	insert_free(h);
	return true;
}

/* First fit: unlinks and returns a free block with room for size, or NULL. */
static struct header *take_free(size_t size)
{
	struct header **link, *h;

	for (link = &free_list; (h = *link) != NULL; link = &h->next) {
		if (h->size < size)
			continue;
		if (h->size >= size + sizeof(struct header) + ALIGN) {
			/* Split: the tail stays free, in h's place on the list. */
			struct header *rest = (struct header *)((char *)payload(h) + size);

			rest->magic = MAGIC_FREE;
			rest->size = h->size - size - sizeof(struct header);
			rest->next = h->next;
			*link = rest;
			h->size = size;
		} else {
			*link = h->next;
		}
		return h;
	}
	return NULL;
}

void *malloc(size_t size)
{
	struct header *h;

	if (size > ((size_t)1 << 46))
		return NULL;	/* more than the address space: also no overflow below */
	size = round_up(size ? size : 1, ALIGN);
	h = take_free(size);
	if (!h) {
		if (!grow(size))
			return NULL;
		h = take_free(size);
	}
	h->magic = MAGIC_USED;
	h->next = NULL;
	return payload(h);
}

/* The header of p if p is a live malloc block; otherwise ends the program. */
static struct header *checked_header(void *p, const char *who)
{
	uintptr_t a = (uintptr_t)p;
	struct header *h = (struct header *)p - 1;
	const char *why;

	/* Look at the header only once p is known to lie inside the heap. */
	if (a % ALIGN != 0 || a < heap_lo + sizeof(*h) || a >= heap_hi)
		why = "not from malloc";
	else if (h->magic == MAGIC_USED)
		return h;
	else if (h->magic == MAGIC_FREE)
		why = "already freed";
	else
		why = "not from malloc, or its header was overwritten";
	eprintf("%s: bad pointer %p (%s)\n", who, p, why);
	exit(1);
}

void free(void *p)
{
	if (!p)
		return;
	insert_free(checked_header(p, "free"));
}

void *calloc(size_t count, size_t size)
{
	void *p;

	if (size && count > SIZE_MAX / size)
		return NULL;
	p = malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *realloc(void *p, size_t size)
{
	struct header *h;
	void *q;

	if (!p)
		return malloc(size);
	h = checked_header(p, "realloc");
	if (size <= h->size)
		return p;
	q = malloc(size);
	if (!q)
		return NULL;	/* p is still valid, as in C */
	memcpy(q, p, h->size);
	free(p);
	return q;
}
