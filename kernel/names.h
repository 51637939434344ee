#ifndef KERNEL_NAMES_H
#define KERNEL_NAMES_H

#include "kernel/handle.h"

/*
 * Names for kernel objects, so unrelated processes can find a mailbox or
 * a shared-memory object.  A name lives as long as its object (or until
 * unlinked); it holds no reference of its own.
 */
int names_add(const char *name, struct kobj *o);	/* -EEXIST, -ENOSPC */
/* The object named `name` of this type, with a new reference; NULL if none. */
struct kobj *names_lookup(const char *name, int type);
void names_remove(struct kobj *o);			/* when o dies */
int names_unlink(const char *name, int type);		/* -ENOENT */
/* Copies a name argument from user space: 0, or -EFAULT / -EINVAL
 * (empty or too long). */
int names_copyin(char *dst, uint64_t uname);

#endif
