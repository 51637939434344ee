/*
 * An intrusive FIFO queue: the node lives inside the queued object (a
 * message, a process), so queueing never allocates.  Used by mailboxes
 * (kernel/mbox.c) and the run queues (kernel/sched.c); host-tested in
 * tests/host/test_queue.c.  No locking here: callers hold their lock.
 */
#ifndef LIB_QUEUE_H
#define LIB_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

struct qnode {
	struct qnode *next;
};

struct queue {
	struct qnode *head, *tail;
	int len;
};

/* The object containing node n, whose qnode member is `member`. */
#define queue_entry(n, type, member) ((type *)((char *)(n) - offsetof(type, member)))

void queue_init(struct queue *q);
void queue_push(struct queue *q, struct qnode *n);
/* The first node, unlinked, or NULL when empty. */
struct qnode *queue_pop(struct queue *q);
/* Unlinks n if queued; returns whether it was. */
bool queue_remove(struct queue *q, struct qnode *n);
/* Unlinks and returns the first node for which match(n, arg) holds. */
struct qnode *queue_take(struct queue *q, bool (*match)(const struct qnode *n, void *arg), void *arg);

#endif
