/*
 * The handle-table logic, free of kernel types so it can be tested on
 * the host (tests/host/test_htable.c): a fixed array of slots, each an
 * object pointer and a rights mask.  kernel/handle.c wraps it with
 * reference counting.
 */
#ifndef LIB_HTABLE_H
#define LIB_HTABLE_H

#include <stdbool.h>
#include <stdint.h>

struct hslot {
	void *obj;		/* NULL: free */
	uint32_t rights;
};

#define HT_EBAD		(-1)	/* no such handle */
#define HT_EPERM	(-2)	/* the handle lacks a right */
#define HT_EFULL	(-3)	/* quota reached */

int htable_used(const struct hslot *t, int n);
/* The lowest free slot, if fewer than quota are in use; else HT_EFULL. */
int htable_alloc(struct hslot *t, int n, int quota, void *obj, uint32_t rights);
/* 0 if h names an object whose rights include need; HT_EBAD or HT_EPERM. */
int htable_check(const struct hslot *t, int n, int h, uint32_t need);
/* Empties slot h, returning what it held in *out; HT_EBAD if empty. */
int htable_clear(struct hslot *t, int n, int h, struct hslot *out);
/* A dup may only keep rights, never add them. */
bool rights_subset(uint32_t want, uint32_t have);

#endif
