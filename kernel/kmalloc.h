#ifndef KERNEL_KMALLOC_H
#define KERNEL_KMALLOC_H

#include <stddef.h>

/* Largest request: one frame less the 32-byte block header. */
#define KMALLOC_MAX	(4096 - 32)

/* Small kernel objects (1 to KMALLOC_MAX bytes), zeroed; NULL when
 * memory is short or the size is out of range. */
void *kmalloc(size_t size);
void kfree(void *p);
/* Bytes handed out and not yet freed (tests use it to find leaks). */
size_t kmalloc_in_use(void);

#endif
