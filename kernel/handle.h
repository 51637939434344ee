/*
 * Kernel objects and handles.
 *
 * A kernel object (mailbox, shared-memory object) is reference counted:
 * every handle to it — in a process's table or travelling inside a
 * message — and every mapping holds one reference.  The last reference
 * destroys it.
 *
 * A handle is a small integer indexing a per-process table, like a file
 * descriptor, and carries rights (lib/uapi.h RIGHT_*).  The table is
 * private to its process: only the process itself changes it (syscalls,
 * exit), or its creator before it first runs (spawn, fork).
 */
#ifndef KERNEL_HANDLE_H
#define KERNEL_HANDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/htable.h"
#include "lib/uapi.h"

struct proc;

struct kobj {
	int type;		/* [I] HANDLE_TYPE_* */
	int refs;		/* [a] handles, in-flight handles and mappings */
};

/* Per-process IPC accounting, shared with the messages and objects that
 * are charged to the process, so it outlives the process if they do. */
struct ipc_account {
	int refs;		/* [a] the process + each charged message and object */
	uint64_t queued;	/* [a] bytes of its messages still queued */
	uint64_t shm_pages;	/* [a] pages of shared memory it created */
	uint64_t max_queued;	/* [I] */
	uint64_t max_shm_pages;	/* [I] */
};

/* A handle is a slot of struct hslot (lib/htable.h) in p->handles: obj
 * is a struct kobj *, NULL when the slot is free. */

void kobj_init(struct kobj *o, int type);
void kobj_get(struct kobj *o);
void kobj_put(struct kobj *o);
/* Kernel objects alive (memstat: tests prove nothing leaks). */
extern int kobj_count;

struct ipc_account *account_new(uint64_t max_queued, uint64_t max_shm_pages);
void account_get(struct ipc_account *a);
void account_put(struct ipc_account *a);
/* Charges n to *counter if it stays within max; false otherwise. */
bool account_charge(uint64_t *counter, uint64_t n, uint64_t max);
void account_uncharge(uint64_t *counter, uint64_t n);

/* Installs a reference the caller already holds (it moves into the table)
 * with the given rights.  Returns the handle, or -EQUOTA. */
int handle_install(struct proc *p, struct kobj *o, uint32_t rights);
/* Installs in the current process a handle that travelled in a message
 * (the reference moves into the table).  Its send right was counted all
 * along, as every send right in flight is; its receive right counts from
 * now on.  The caller checked there is room (handle_room). */
int handle_install_arrived(struct kobj *o, uint32_t rights);
/* Gives child slot `to` a new reference to our handle `from` (spawn). */
void handle_copy(struct proc *child, int to, int from);
/* Looks up h in the current process: 0 and the object (no new reference),
 * -EBADH (no such handle, or another type), -EPERM (missing rights). */
int handle_get(int h, int type, uint32_t need, struct kobj **o, uint32_t *rights);
/* Removes h from the current process's table, returning its reference. */
int handle_take(int h, struct kobj **o, uint32_t *rights);
/* Undoes handle_take(): puts the reference back into the (still free)
 * slot h, with no change to the object's counted rights. */
void handle_put_back(int h, struct kobj *o, uint32_t rights);
int handle_close(struct proc *p, int h);
void handle_close_all(struct proc *p);
/* Copies every handle of src into dst (fork, spawn): new references. */
void handle_copy_all(struct proc *dst, struct proc *src);
bool handle_room(struct proc *p);


/* The per-type reaction to a handle with `rights` appearing (+1) or going
 * away (-1): mailboxes count senders and receivers. */
void kobj_rights_changed(struct kobj *o, uint32_t rights, int delta);

#endif
