/* Intrusive FIFO queues; see queue.h. */
#include "lib/queue.h"

void queue_init(struct queue *q)
{
	q->head = q->tail = 0;
	q->len = 0;
}

void queue_push(struct queue *q, struct qnode *n)
{
	n->next = 0;
	if (q->tail)
		q->tail->next = n;
	else
		q->head = n;
	q->tail = n;
	q->len++;
}

/* Unlinks n, which follows prev (NULL: n is the head). */
static void unlink_after(struct queue *q, struct qnode *prev, struct qnode *n)
{
	if (prev)
		prev->next = n->next;
	else
		q->head = n->next;
	if (q->tail == n)
		q->tail = prev;
	n->next = 0;
	q->len--;
}

struct qnode *queue_pop(struct queue *q)
{
	struct qnode *n = q->head;

	if (n)
		unlink_after(q, 0, n);
	return n;
}

struct qnode *queue_take(struct queue *q, bool (*match)(const struct qnode *n, void *arg), void *arg)
{
	for (struct qnode *prev = 0, *n = q->head; n; prev = n, n = n->next) {
		if (match(n, arg)) {
			unlink_after(q, prev, n);
			return n;
		}
	}
	return 0;
}

static bool is(const struct qnode *n, void *target)
{
	return n == target;
}

bool queue_remove(struct queue *q, struct qnode *n)
{
	return queue_take(q, is, n) != 0;
}
