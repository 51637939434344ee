#ifndef KERNEL_INITRD_H
#define KERNEL_INITRD_H

#include <stdbool.h>
#include <stddef.h>

/* Validates the archive GRUB loaded; a bad one is reported and ignored. */
void initrd_init(const void *base, size_t len);
bool initrd_present(void);
/* Finds a regular file; 0 with its bytes, or -ENOENT. */
int initrd_find(const char *name, const void **data, size_t *size);
/* Calls fn for each regular file in archive order. */
void initrd_foreach(void (*fn)(const char *name, size_t size, void *arg), void *arg);

#endif
