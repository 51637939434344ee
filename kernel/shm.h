#ifndef KERNEL_SHM_H
#define KERNEL_SHM_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/handle.h"
#include "kernel/vm.h"

#define NSHMMAP		16			/* mappings per process */
#define SHM_BASE	0x0000100000000000ull	/* where shm_map places mappings */

struct shm {
	struct kobj obj;
	size_t npages;			/* [I] */
	paddr_t *frames;		/* [I] a page holding the frame addresses */
	struct ipc_account *acct;	/* [I] charged for npages */
	struct limits *lim;		/* [I] the creator's limit set, charged for npages too */
};

struct shm_mapping {
	uint64_t va;			/* 0: free slot */
	struct shm *shm;		/* holds a reference */
};

void shm_destroy(struct shm *s);
void shm_info(struct shm *s, struct handle_info *info);
void shm_unmap_all(struct proc *p);
void shm_copy_mappings(struct proc *dst, struct proc *src);

#endif
