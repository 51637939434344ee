#ifndef KERNEL_MBOX_H
#define KERNEL_MBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/handle.h"
#include "kernel/spinlock.h"
#include "lib/queue.h"

#define INBOX_CAPACITY	16	/* a process's default mailbox (msg_send by pid) */

struct msg;
struct waiter;

struct mbox {
	struct kobj obj;
	struct spinlock lock;
	int capacity;		/* [I] 0 = rendezvous */
	bool open_senders;	/* [I] senders are not counted: by pid or the kernel */
	/* m->lock protects the rest: */
	struct queue msgs;	/* struct msg, FIFO; rendezvous ones included */
	struct queue waiters;	/* struct waiter: receivers blocked on an empty queue */
	struct queue blocked;	/* struct blocked_sender: senders waiting for room */
	int senders;		/* handles with RIGHT_SEND in process tables */
	int receivers;		/* handles with RIGHT_RECV in process tables */
	/* all_lock (mbox.c) protects these: every mailbox alive, for mbox_check_all */
	struct mbox *all_prev, *all_next;
};

struct mbox *mbox_new(int capacity, bool open_senders);
void mbox_destroy(struct mbox *m);
void mbox_rights_changed(struct mbox *m, uint32_t rights, int delta);
void mbox_info(struct mbox *m, struct handle_info *info);
/* Reserves p's child-exit event at creation (false: out of memory), and
 * frees it if it was never posted. */
bool mbox_reserve_exit(struct proc *p);
void mbox_unreserve_exit(struct proc *p);
/* Tells parent's event mailbox that child ended (proc_exit), with the
 * child's reserved message: charged to the parent, dropped when the
 * mailbox is full or the quota spent. */
void mbox_post_exit(struct proc *parent, struct proc *child);
/* Releases a process's default and event mailboxes (exit); none is made
 * for it afterwards. */
void mbox_exit(struct proc *p);
/* The invariant checker's mailbox part (kernel/invariant.c): checks every
 * mailbox alive and panics naming the first broken invariant.  Exact
 * while no mailbox call is in progress; otherwise it checks only what
 * holds at every moment. */
void mbox_check_all(void);

#endif
