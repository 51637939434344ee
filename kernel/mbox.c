/*
 * Mailboxes: the message-passing model (indirect communication through a
 * kernel queue), plus direct naming by pid through each process's default
 * mailbox.
 *
 * Sending: when a receiver is already waiting on an empty queue (and the
 * message carries no handle), the message is copied once, straight from
 * the sender's buffer into the waiting receiver's buffer, and the
 * receiver is woken.  Otherwise it is copied into the kernel and queued;
 * the receiver copies it out later.  A full mailbox blocks the sender (or
 * returns -EAGAIN / -ETIMEDOUT).  Capacity 0 is a rendezvous: the sender
 * queues its message and waits until a receiver has taken it.
 *
 * Peer death: -EPIPE for senders once no process holds a receive right,
 * and for receivers once the queue is empty and no process holds a send
 * right (a default or event mailbox has open senders: any process by pid,
 * or the kernel, so its receivers never see -EPIPE).  Messages still queued when the last receive right goes are
 * discarded (a receive right travelling inside a message does not count).
 *
 * Channels: receivers sleep on the mailbox, senders on &m->capacity.
 * Every mailbox alive is on the all_mboxes list (all_lock, taken before
 * any m->lock), for the invariant checker.
 * Lock order: m->lock is taken after p->lock is NOT held; kobj_put() of a
 * message's handle happens after m->lock is dropped (it may destroy
 * another mailbox).
 */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/counters.h"
#include "kernel/cpu.h"
#include "kernel/kmalloc.h"
#include "kernel/mbox.h"
#include "kernel/names.h"
#include "kernel/panic.h"
#include "kernel/pmm.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/trace.h"
#include "lib/errno.h"
#include "lib/string.h"

struct msg {
	struct qnode node;		/* in m->msgs */
	int sender;			/* pid */
	uint32_t len;
	uint8_t *data;			/* kmalloc'd, or a page when large */
	struct kobj *xobj;		/* handle travelling with it, or NULL */
	uint32_t xrights;
	struct ipc_account *acct;	/* charged msg_charge(len); NULL if nobody is */
	struct proc *waiting;		/* rendezvous: its sender, blocked until it is taken */
	bool taken;			/* a receiver took it (rendezvous) */
	uint64_t trace_id;		/* pairs its send and receive in a trace, or 0 */
};

/* A sender waiting for room in a full mailbox, on its own kernel stack. */
struct blocked_sender {
	struct qnode node;		/* in m->blocked */
	struct proc *proc;
};

/* A receiver blocked on an empty mailbox, on its own kernel stack. */
struct waiter {
	struct qnode node;		/* in m->waiters */
	struct proc *proc;
	uint64_t buf;			/* its user buffer, checked writable */
	uint64_t cap;
	bool room;			/* its handle table has room (fixed while it is blocked) */
	bool done;			/* a sender filled buf: set last, with release */
	int sender;
	uint32_t len;
	struct kobj *xobj;		/* a handle that came with the message, or NULL */
	uint32_t xrights;
	uint64_t trace_id;		/* of that message (kernel/trace.h), or 0 */
};

/*
 * Killed parties.  proc_kill() sets p->killed under p->lock; here it is
 * read under m->lock, after which nothing more of p's happens in this
 * mailbox: a killed receiver takes no message and is skipped by direct
 * delivery, and a killed sender queues nothing and its rendezvous
 * message is skipped by receivers until it withdraws it.  A kill that
 * returned before a call took m->lock is therefore seen by that call: a
 * message sent after a kill never goes to the killed process.
 */
/* ---- messages ---- */

/* What a queued message costs its sender's queued-bytes quota. */
static uint64_t msg_charge(uint32_t len)
{
	return (uint64_t)len + MSG_OVERHEAD;
}

/* A message of len bytes charged to acct (NULL: to nobody), or NULL with
 * *err = -EQUOTA or -ENOMEM and nothing charged. */
static struct msg *msg_new(struct ipc_account *acct, uint32_t len, int *err)
{
	struct msg *g;

	if (acct && !account_charge(&acct->queued, msg_charge(len), acct->max_queued)) {
		*err = -EQUOTA;
		return 0;
	}
	if (!(g = kmalloc(sizeof(*g))))
		goto out_nomem;
	memset(g, 0, sizeof(*g));
	g->data = len == 0 ? 0 : len <= KMALLOC_MAX ? kmalloc(len) : page_alloc();
	if (len && !g->data) {
		kfree(g);
		goto out_nomem;
	}
	g->len = len;
	if (acct)
		account_get(acct);
	g->acct = acct;
	__atomic_fetch_add(&kobj_count, 1, __ATOMIC_RELAXED);
	return g;
out_nomem:
	if (acct)
		account_uncharge(&acct->queued, msg_charge(len));
	*err = -ENOMEM;
	return 0;
}

/*
 * Handles in flight.  A send right travelling in a message still counts
 * as a sender of its mailbox (a reply handle on its way keeps the reply
 * box's receiver from seeing -EPIPE); a receive right in flight does not
 * count as a receiver, so messages queued where no process can receive
 * are discarded and cycles of mailboxes holding each other are broken.
 * None of this runs under a mailbox lock: the carried object may be this
 * very mailbox, or one another CPU is locking in the other order.
 */
static void inflight_drop(struct kobj *o, uint32_t rights)
{
	kobj_rights_changed(o, rights & RIGHT_SEND, -1);
	kobj_put(o);
}

/* Frees a message no one will receive, with what it carries.  Never
 * called with a mailbox lock held if the message still carries a handle. */
static void msg_free(struct msg *g)
{
	if (g->xobj)
		inflight_drop(g->xobj, g->xrights);
	if (g->acct) {
		account_uncharge(&g->acct->queued, msg_charge(g->len));
		account_put(g->acct);
	}
	if (g->len > KMALLOC_MAX)
		page_free(g->data);
	else
		kfree(g->data);
	kfree(g);
	__atomic_fetch_sub(&kobj_count, 1, __ATOMIC_RELAXED);
}

/* The first message a receiver may take: any but a rendezvous message
 * whose sender was killed (it is about to withdraw it).  m->lock held. */
static struct msg *first_takeable(struct mbox *m)
{
	for (struct qnode *n = m->msgs.head; n; n = n->next) {
		struct msg *g = queue_entry(n, struct msg, node);

		if (!g->waiting || !proc_killed(g->waiting))
			return g;
	}
	return 0;
}

/* The first waiting receiver that was not killed.  m->lock held. */
static struct waiter *first_live_waiter(struct mbox *m)
{
	for (struct qnode *n = m->waiters.head; n; n = n->next) {
		struct waiter *w = queue_entry(n, struct waiter, node);

		if (!proc_killed(w->proc))
			return w;
	}
	return 0;
}

/*
 * Sleeping and waking on a mailbox.  Who waits is on the mailbox's own
 * lists, so a wake-up goes to exactly the process that can go on, never
 * through a walk over the process table: receivers wait in m->waiters
 * and sleep on the mailbox, senders wait for room in m->blocked (or for
 * their rendezvous message to be taken) and sleep on &m->capacity.
 *
 * One message wakes one receiver: the first live waiter.  If that one is
 * not asleep (it spins, or was woken and has not run yet) it will look at
 * the queue again under m->lock before it sleeps, so nobody else needs
 * waking.  The rule that makes this safe: a party that leaves without
 * using what it was woken for passes the wake-up on (recv_pass_on,
 * send_pass_on).  Peer death (-EPIPE) wakes everyone.  All under m->lock.
 */
static bool recv_sleep(struct mbox *m, uint64_t deadline)
{
	return sleep_until(m, &m->lock, deadline);
}

static bool send_sleep(struct mbox *m, uint64_t deadline)
{
	struct blocked_sender b = { .proc = myproc() };
	bool in_time;

	queue_push(&m->blocked, &b.node);
	in_time = sleep_until(&m->capacity, &m->lock, deadline);
	queue_remove(&m->blocked, &b.node);
	return in_time;
}

static void wake_one_receiver(struct mbox *m)
{
	struct waiter *w = first_live_waiter(m);

	if (w)
		sched_wake(w->proc, m);		/* a no-op if it is not asleep */
}

static void wake_all_receivers(struct mbox *m)
{
	for (struct qnode *n = m->waiters.head; n; n = n->next)
		sched_wake(queue_entry(n, struct waiter, node)->proc, m);
}

static void wake_one_sender(struct mbox *m)
{
	if (m->blocked.head)
		sched_wake(queue_entry(m->blocked.head, struct blocked_sender, node)->proc,
			   &m->capacity);
}

/* Senders waiting for room, and rendezvous senders waiting to be taken. */
static void wake_all_senders(struct mbox *m)
{
	for (struct qnode *n = m->blocked.head; n; n = n->next)
		sched_wake(queue_entry(n, struct blocked_sender, node)->proc, &m->capacity);
	for (struct qnode *n = m->msgs.head; n; n = n->next) {
		struct msg *g = queue_entry(n, struct msg, node);

		if (g->waiting)
			sched_wake(g->waiting, &m->capacity);
	}
}

/* A receiver leaving: a message it did not take goes to the next one. */
static void recv_pass_on(struct mbox *m)
{
	if (first_takeable(m))
		wake_one_receiver(m);
}

/* A sender leaving: room it did not use goes to the next one. */
static bool has_room(const struct mbox *m)
{
	return m->capacity > 0 && m->msgs.len < m->capacity;
}

static void send_pass_on(struct mbox *m)
{
	if (has_room(m))
		wake_one_sender(m);
}

/* ---- the object ---- */

static struct spinlock all_lock = SPINLOCK_INIT("mboxes");
static struct mbox *all_mboxes;		/* all_lock */

struct mbox *mbox_new(int capacity, bool open_senders)
{
	struct mbox *m = kmalloc(sizeof(*m));

	if (!m)
		return 0;
	memset(m, 0, sizeof(*m));
	spinlock_init(&m->lock, "mbox");
	m->capacity = capacity;
	m->open_senders = open_senders;
	kobj_init(&m->obj, HANDLE_TYPE_MBOX);
	acquire(&all_lock);
	m->all_next = all_mboxes;
	if (all_mboxes)
		all_mboxes->all_prev = m;
	all_mboxes = m;
	release(&all_lock);
	return m;
}

/* The last reference is gone: nobody waits here any more. */
void mbox_destroy(struct mbox *m)
{
	struct qnode *n;

	names_remove(&m->obj);
	acquire(&all_lock);
	if (m->all_prev)
		m->all_prev->all_next = m->all_next;
	else
		all_mboxes = m->all_next;
	if (m->all_next)
		m->all_next->all_prev = m->all_prev;
	release(&all_lock);
	while ((n = queue_pop(&m->msgs)))
		msg_free(queue_entry(n, struct msg, node));
	kfree(m);
}

void mbox_info(struct mbox *m, struct handle_info *info)
{
	acquire(&m->lock);
	info->size = m->capacity;
	info->queued = m->msgs.len;
	release(&m->lock);
}

static bool not_rendezvous(const struct qnode *n, void *arg)
{
	(void)arg;
	return !queue_entry(n, struct msg, node)->waiting;
}

/* Moves every message that is not a waiting sender's rendezvous (its
 * sender frees that one) to `dropped`, to be freed outside the lock. */
static void detach_unreceivable(struct mbox *m, struct queue *dropped)
{
	struct qnode *n;

	while ((n = queue_take(&m->msgs, not_rendezvous, 0)))
		queue_push(dropped, n);
}

void mbox_rights_changed(struct mbox *m, uint32_t rights, int delta)
{
	struct queue dropped;
	struct qnode *n;

	queue_init(&dropped);
	acquire(&m->lock);
	if (rights & RIGHT_SEND)
		m->senders += delta;
	if (rights & RIGHT_RECV)
		m->receivers += delta;
	if (m->senders < 0 || m->receivers < 0)
		panic("mbox %p: %d senders, %d receivers", (void *)m, m->senders, m->receivers);
	if ((rights & RIGHT_SEND) && m->senders == 0)
		wake_all_receivers(m);		/* receivers of an empty queue: -EPIPE */
	if ((rights & RIGHT_RECV) && m->receivers == 0) {
		detach_unreceivable(m, &dropped);
		wake_all_senders(m);		/* senders: -EPIPE */
	}
	release(&m->lock);
	while ((n = queue_pop(&dropped)))
		msg_free(queue_entry(n, struct msg, node));
}

/* ---- sending ---- */

/* Timeouts were checked at decode: TIMEOUT_NEVER or 0..TIMEOUT_MAX_MS,
 * so the sum cannot wrap. */
static uint64_t deadline_of(int64_t timeout_ms)
{
	if (timeout_ms < 0)
		return UINT64_MAX;
	return clock_ns() + (uint64_t)timeout_ms * 1000000ull;
}

/* What a sender hands over: bytes (its own user buffer, or the kernel
 * copy in a message) and perhaps a handle. */
struct payload {
	const void *src;
	uint32_t len;
	bool from_user;		/* src is the sender's user buffer */
	struct kobj *xobj;
	uint32_t xrights;
};

/* Hands the payload to the first live waiting receiver if it can take it
 * whole (its buffer, and room in its table for a handle).  Never
 * overtakes a queued message.  m->lock held. */
static bool deliver_direct(struct mbox *m, const struct payload *pl)
{
	struct waiter *w;

	if (first_takeable(m) || !(w = first_live_waiter(m)))
		return false;
	if (w->cap < pl->len || (pl->xobj && !w->room))
		return false;
	if (copy_to_proc(w->proc, w->buf, pl->src, pl->len, pl->from_user) < 0)
		return false;
	queue_remove(&m->waiters, &w->node);
	w->sender = myproc()->pid;
	w->len = pl->len;
	w->xobj = pl->xobj;
	w->xrights = pl->xrights;
	w->trace_id = trace_send(pl->len);
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);	/* it may be spinning on this */
	sched_wake(w->proc, m);
	return true;
}

struct send {
	uint64_t ubuf;
	uint32_t len;
	int64_t timeout;
	int xfer;		/* our handle to send, or NO_HANDLE */
	bool keep;		/* send a copy and keep ours */
};

/* Puts the handle to transfer into g: moved out of our table, or a copy
 * with SEND_KEEP_HANDLE (whose send right counts from now on, as every
 * send right in flight does).  A moved receive right still counts as a
 * receiver until the send succeeds (mbox_send), so a send that fails
 * changes nothing.  Called with no mailbox lock held. */
static void attach_handle(struct msg *g, const struct send *s)
{
	struct kobj *o;
	uint32_t rights;

	if (s->xfer == NO_HANDLE)
		return;
	if (s->keep) {
		handle_get(s->xfer, 0, 0, &o, &rights);
		kobj_get(o);
		kobj_rights_changed(o, rights & RIGHT_SEND, +1);
	} else {
		handle_take(s->xfer, &o, &rights);
	}
	g->xobj = o;
	g->xrights = rights;
}

/* A send that failed gives the handle back where it was. */
static void detach_handle(struct msg *g, const struct send *s)
{
	if (!g->xobj)
		return;
	if (s->keep)
		inflight_drop(g->xobj, g->xrights);
	else
		handle_put_back(s->xfer, g->xobj, g->xrights);
	g->xobj = 0;
}

/* Where send_place() put a message, and so who frees it. */
enum placed {
	PLACED_NOT,		/* nowhere (*err says why): the sender frees it */
	PLACED_QUEUED,		/* queued: the mailbox owns it from now on */
	PLACED_RENDEZVOUS,	/* queued, its sender waits until it is taken or
				 * withdraws it; either way the sender frees it */
	PLACED_DIRECT,		/* copied into a waiting receiver: the sender frees it */
};

/* Puts g where a receiver gets it, waiting for room as s allows.
 * m->lock held. */
static enum placed send_place(struct mbox *m, struct msg *g, const struct send *s,
			      uint64_t deadline, int *err)
{
	struct payload pl = { g->data, g->len, false, g->xobj, g->xrights };

	for (;;) {
		if (proc_killed(myproc()))
			*err = -EINTR;
		else if (m->receivers == 0)
			*err = -EPIPE;
		else if (deliver_direct(m, &pl)) {
			g->xobj = 0;		/* the receiver has it */
			send_pass_on(m);	/* the room we were woken for is still there */
			return PLACED_DIRECT;
		} else if (has_room(m)) {
			g->trace_id = trace_send(g->len);
			queue_push(&m->msgs, &g->node);
			wake_one_receiver(m);
			send_pass_on(m);
			return PLACED_QUEUED;
		} else if (m->capacity == 0 && s->timeout != 0) {
			g->waiting = myproc();
			g->trace_id = trace_send(g->len);
			queue_push(&m->msgs, &g->node);
			wake_one_receiver(m);
			return PLACED_RENDEZVOUS;
		} else if (s->timeout == 0)
			*err = -EAGAIN;
		else if (!send_sleep(m, deadline))
			*err = -ETIMEDOUT;
		else
			continue;
		send_pass_on(m);
		return PLACED_NOT;
	}
}

/* Waits until a receiver takes our rendezvous message g, or withdraws it
 * (then it is as if never sent).  m->lock held. */
static int await_taken(struct mbox *m, struct msg *g, uint64_t deadline)
{
	int err = 0;

	while (!g->taken && !err) {
		if (m->receivers == 0)
			err = -EPIPE;
		else if (proc_killed(myproc()))
			err = -EINTR;
		else if (!sleep_until(&m->capacity, &m->lock, deadline) && !g->taken)
			err = -ETIMEDOUT;	/* take() wakes us (g->waiting) */
	}
	if (err)
		queue_remove(&m->msgs, &g->node);	/* not taken: still queued */
	return err;
}

/* The first look, under the lock: a reason to fail at once, or a direct
 * copy from the user buffer into a waiting receiver (*done). */
static int send_fast(struct mbox *m, const struct send *s, bool *done)
{
	struct payload pl = { (const void *)s->ubuf, s->len, true, 0, 0 };
	int err = 0;

	acquire(&m->lock);
	if (proc_killed(myproc()))
		err = -EINTR;
	else if (m->receivers == 0)
		err = -EPIPE;
	else if (s->xfer == NO_HANDLE)
		*done = deliver_direct(m, &pl);
	release(&m->lock);
	return err;
}

static int mbox_send(struct mbox *m, const struct send *s)
{
	struct proc *me = myproc();
	uint64_t deadline = deadline_of(s->timeout);
	struct kobj *moved = 0;	/* a receive right leaving our table with g */
	enum placed placed;
	bool done = false;
	struct msg *g;
	int err;

	if ((err = send_fast(m, s, &done)) < 0 || done)
		return err;
	if (!(g = msg_new(me->acct, s->len, &err)))
		return err;
	g->sender = me->pid;
	if (copyin(g->data, s->ubuf, s->len) < 0) {	/* copied into the kernel once */
		msg_free(g);
		return -EFAULT;
	}
	attach_handle(g, s);
	if (g->xobj && !s->keep && (g->xrights & RIGHT_RECV)) {
		moved = g->xobj;
		kobj_get(moved);	/* the message may be received and closed at once */
	}
	acquire(&m->lock);
	placed = send_place(m, g, s, deadline, &err);
	if (placed == PLACED_RENDEZVOUS)
		err = await_taken(m, g, deadline);
	release(&m->lock);
	/* Unless queued, g is still ours; queued, it may already be gone. */
	if (err < 0)
		detach_handle(g, s);	/* a failed send changes nothing */
	else if (moved)
		kobj_rights_changed(moved, RIGHT_RECV, -1);	/* sent: now it is in flight */
	if (moved)
		kobj_put(moved);
	if (placed != PLACED_QUEUED)
		msg_free(g);
	return err;
}

/* ---- receiving ---- */

struct recv {
	uint64_t ubuf, cap;
	int64_t timeout;
	struct msg_info info;
	struct kobj *xobj;	/* a handle that came with the message, to install */
	uint32_t xrights;
};

/* Takes message g (the first takeable) if it fits.  m->lock held. */
static int take(struct mbox *m, struct msg *g, struct recv *r)
{
	if (g->len > r->cap)
		return -E2BIG;			/* it stays queued */
	if (g->xobj && !handle_room(myproc()))
		return -EQUOTA;			/* likewise */
	if (copyout(r->ubuf, g->data, g->len) < 0)
		return -EFAULT;
	queue_remove(&m->msgs, &g->node);
	r->xobj = g->xobj;		/* installed once m->lock is dropped */
	r->xrights = g->xrights;
	g->xobj = 0;
	r->info.sender = g->sender;
	r->info.len = g->len;
	trace_recv(g->trace_id, g->len);
	if (g->waiting) {
		g->taken = true;		/* its sender frees it */
		sched_wake(g->waiting, &m->capacity);
	} else {
		msg_free(g);			/* carries no handle any more */
		wake_one_sender(m);		/* there is room now */
	}
	return (int)r->info.len;
}

/*
 * Before going to sleep, a receiver spins briefly (registered as a
 * waiter, without the lock) in case the message is about to come: a
 * sleeping receiver costs its sender an IPI and itself a wake-up from
 * hlt, which under emulation dominate a round trip between two cores
 * (docs/ipc.md).  Only while no other process waits for this CPU:
 * spinning must not take time from the very senders it waits for.
 * m->lock is held on entry and on return.
 */
#define RECV_SPIN_NS	30000

static void spin_for_message(struct mbox *m, struct waiter *w, uint64_t deadline)
{
	uint64_t until = clock_ns() + RECV_SPIN_NS;

	if (ncpu == 1)
		return;		/* the sender cannot run while we spin */
	if (until > deadline)
		until = deadline;
	release(&m->lock);
	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&m->msgs.len, __ATOMIC_RELAXED) && !proc_killed(w->proc) &&
	       !__atomic_load_n(&this_cpu()->rq.len, __ATOMIC_RELAXED) && clock_ns() < until)
		cpu_relax();
	acquire(&m->lock);
}

/* Why a receive cannot go on now (0: it may wait).  m->lock held. */
static int recv_stop(struct mbox *m, const struct recv *r, bool timed_out)
{
	if (m->senders == 0 && !m->open_senders)
		return -EPIPE;
	if (r->timeout == 0)
		return -EAGAIN;
	return timed_out ? -ETIMEDOUT : 0;
}

static int mbox_recv(struct mbox *m, struct recv *r)
{
	struct proc *me = myproc();
	uint64_t deadline = deadline_of(r->timeout);
	struct waiter w = { .proc = me, .buf = r->ubuf, .cap = r->cap };
	bool spun = false, timed_out = false;
	struct msg *g;
	int ret;

	r->info.handle = NO_HANDLE;
	acquire(&m->lock);
	for (;;) {
		if (proc_killed(me)) {
			ret = -EINTR;
			break;
		}
		if ((g = first_takeable(m))) {
			ret = take(m, g, r);
			break;
		}
		if ((ret = recv_stop(m, r, timed_out)) < 0)
			break;
		w.done = false;
		w.room = handle_room(me);
		queue_push(&m->waiters, &w.node);
		if (!spun) {
			spin_for_message(m, &w, deadline);	/* then look at everything again */
			spun = true;
		} else if (!recv_sleep(m, deadline)) {
			timed_out = true;
		}
		if (w.done) {			/* a sender filled our buffer */
			r->info.sender = w.sender;
			r->info.len = w.len;
			r->xobj = w.xobj;
			r->xrights = w.xrights;
			trace_recv(w.trace_id, w.len);
			ret = (int)w.len;
			break;
		}
		queue_remove(&m->waiters, &w.node);
	}
	recv_pass_on(m);
	release(&m->lock);
	return ret;
}

/* ---- kernel posts, default mailboxes, exit ---- */

/*
 * Child-exit events.  Every process reserves its event message when it is
 * created (mbox_reserve_exit), so exit never allocates: an event is lost
 * only by the rules in docs/ipc.md (nobody holds the mailbox, it is full,
 * or the parent's queued-bytes quota is spent), never because memory ran
 * out.
 */
bool mbox_reserve_exit(struct proc *p)
{
	int err;

	p->exit_event = msg_new(0, sizeof(struct wait_info), &err);
	return p->exit_event != 0;
}

void mbox_unreserve_exit(struct proc *p)
{
	if (p->exit_event)
		msg_free(p->exit_event);
	p->exit_event = 0;
}

/* Queues kernel message g (charged to acct, or dropped) on m: never
 * blocks; dropped when nobody can receive it or m is full. */
static void mbox_post(struct mbox *m, struct msg *g, struct ipc_account *acct)
{
	if (!account_charge(&acct->queued, msg_charge(g->len), acct->max_queued)) {
		msg_free(g);
		return;
	}
	account_get(acct);
	g->acct = acct;
	acquire(&m->lock);
	if (m->receivers > 0 && has_room(m)) {
		queue_push(&m->msgs, &g->node);
		wake_one_receiver(m);
		g = 0;
	}
	release(&m->lock);
	if (g)
		msg_free(g);
}

void mbox_post_exit(struct proc *parent, struct proc *child)
{
	struct msg *g = child->exit_event;
	struct ipc_account *acct = 0;
	struct mbox *m;

	child->exit_event = 0;
	acquire(&parent->lock);
	m = parent->events;
	if (m) {
		kobj_get(&m->obj);
		acct = parent->acct;	/* alive: mbox_exit() clears events first */
		account_get(acct);
	}
	release(&parent->lock);
	if (!m) {
		msg_free(g);
		return;
	}
	memcpy(g->data, &child->exit, sizeof(child->exit));
	g->sender = child->pid;
	mbox_post(m, g, acct);
	account_put(acct);
	kobj_put(&m->obj);
}

/* Exit: drops p's default and event mailboxes, and from now on none is
 * made for p (inbox_of), so nothing is left behind after exit. */
void mbox_exit(struct proc *p)
{
	struct mbox *inbox, *events;

	acquire(&p->lock);
	inbox = p->inbox;
	events = p->events;
	p->inbox = p->events = 0;
	p->ipc_closed = true;
	release(&p->lock);
	if (inbox) {
		mbox_rights_changed(inbox, RIGHT_RECV, -1);	/* pid senders: -EPIPE */
		kobj_put(&inbox->obj);
	}
	if (events)
		kobj_put(&events->obj);
}

/* Whether p is the live process pid that may still get mailboxes.
 * p->lock held. */
static bool inbox_owner(const struct proc *p, int pid)
{
	return p->pid == pid && p->state != P_UNUSED && p->state != P_ZOMBIE &&
	       p->state != P_EMBRYO && p->pagetable && !p->ipc_closed;
}

/* p's default mailbox with a new reference in *m (NULL if it has none
 * yet), installing *fresh first if it has none and *fresh is set (*fresh
 * becomes NULL).  false: p is no longer the live process pid. */
static bool inbox_take(struct proc *p, int pid, struct mbox **fresh, struct mbox **m)
{
	bool live;

	*m = 0;
	acquire(&p->lock);
	live = inbox_owner(p, pid);
	if (live && !p->inbox && *fresh) {
		p->inbox = *fresh;
		*fresh = 0;
	}
	if (live && (*m = p->inbox))
		kobj_get(&(*m)->obj);
	release(&p->lock);
	return live;
}

/* The default mailbox of process pid, created on first use, with a new
 * reference.  NULL and -ESRCH if there is no such live process (or it is
 * exiting), or -ENOMEM.  The mailbox is made with no process lock held:
 * mbox_new() takes the mailbox list's lock, which the invariant checker
 * holds while it takes m->lock, which comes before p->lock. */
static struct mbox *inbox_of(int pid, int *err)
{
	for (struct proc *p = procs; p < procs + NPROC; p++) {
		struct mbox *m, *fresh = 0;
		bool live;

		if (__atomic_load_n(&p->pid, __ATOMIC_RELAXED) != pid)
			continue;
		if (!inbox_take(p, pid, &fresh, &m))
			break;
		if (m)
			return m;
		if (!(fresh = mbox_new(INBOX_CAPACITY, true))) {
			*err = -ENOMEM;
			return 0;
		}
		fresh->receivers = 1;		/* its owner, until it exits */
		live = inbox_take(p, pid, &fresh, &m);
		if (fresh)
			kobj_put(&fresh->obj);	/* another sender's came first, or p ended */
		if (live)
			return m;
		break;
	}
	*err = -ESRCH;
	return 0;
}

/* ---- the invariant checker's part ---- */

/* A queue's links agree with its length and tail. */
static bool queue_sound(const struct queue *q)
{
	const struct qnode *n = q->head, *last = 0;
	int len = 0;

	for (; n && len <= q->len; n = n->next, len++)
		last = n;
	return len == q->len && last == q->tail;
}

static void check_msg(struct mbox *m, const struct msg *g)
{
	if (g->len > MSG_MAX)
		panic("invariant: mbox %p: a queued message of %u bytes", (void *)m, g->len);
	if (m->capacity > 0 && g->waiting)
		panic("invariant: mbox %p (capacity %d): a rendezvous message", (void *)m,
		      m->capacity);
	if (m->capacity == 0 && !g->waiting)
		panic("invariant: mbox %p (rendezvous): a message with no waiting sender",
		      (void *)m);
	if (g->taken)
		panic("invariant: mbox %p: a taken message still queued", (void *)m);
	if (g->acct && __atomic_load_n(&g->acct->queued, __ATOMIC_RELAXED) < msg_charge(g->len))
		panic("invariant: mbox %p: a message charged more than its account holds",
		      (void *)m);
	if (g->xobj && __atomic_load_n(&g->xobj->refs, __ATOMIC_RELAXED) <= 0)
		panic("invariant: mbox %p: a message carries a dead object", (void *)m);
}

/* Returns whether the waiter is asleep. */
static bool check_waiter(struct mbox *m, const struct waiter *w)
{
	int state = __atomic_load_n(&w->proc->state, __ATOMIC_RELAXED);

	if (w->done)
		panic("invariant: mbox %p: pid %d served but still waiting", (void *)m,
		      w->proc->pid);
	if (state != P_SLEEPING && state != P_RUNNING && state != P_RUNNABLE)
		panic("invariant: mbox %p: waiter pid %d is in state %d", (void *)m, w->proc->pid,
		      state);
	return state == P_SLEEPING;
}

static bool first_blocked_asleep(const struct mbox *m)
{
	const struct proc *p = queue_entry(m->blocked.head, struct blocked_sender, node)->proc;

	return __atomic_load_n(&p->state, __ATOMIC_RELAXED) == P_SLEEPING;
}

/* One mailbox; m->lock held. */
static void check_one(struct mbox *m)
{
	int unreceivable = 0, asleep = 0, live = 0;

	if (!queue_sound(&m->msgs) || !queue_sound(&m->waiters))
		panic("invariant: mbox %p: a queue's links disagree with its length", (void *)m);
	if (m->senders < 0 || m->receivers < 0)
		panic("invariant: mbox %p: negative count (%d senders, %d receivers)", (void *)m,
		      m->senders, m->receivers);
	if (m->capacity > 0 && m->msgs.len > m->capacity)
		panic("invariant: mbox %p: %d messages queued, capacity %d", (void *)m, m->msgs.len,
		      m->capacity);
	if (!queue_sound(&m->blocked))
		panic("invariant: mbox %p: the blocked-sender list is broken", (void *)m);
	if (m->blocked.len && has_room(m) && first_blocked_asleep(m))
		panic("invariant: mbox %p: room while the first blocked sender sleeps (lost wake-up)",
		      (void *)m);
	for (struct qnode *n = m->msgs.head; n; n = n->next) {
		const struct msg *g = queue_entry(n, struct msg, node);

		check_msg(m, g);
		unreceivable += !g->waiting;	/* if no one holds a receive right */
	}
	for (struct qnode *n = m->waiters.head; n; n = n->next) {
		const struct waiter *w = queue_entry(n, struct waiter, node);

		asleep += check_waiter(m, w);
		live += !proc_killed(w->proc);
	}
	if (m->receivers == 0 && unreceivable)
		panic("invariant: mbox %p: %d messages queued where no one can receive", (void *)m,
		      unreceivable);
	/* A queued message has woken a receiver, which is on its way to it
	 * (wake_one_receiver, recv_pass_on). */
	if (live && asleep == live && first_takeable(m))
		panic("invariant: mbox %p: a message is queued while all %d receivers sleep "
		      "(lost wake-up)", (void *)m, asleep);
}

void mbox_check_all(void)
{
	acquire(&all_lock);
	for (struct mbox *m = all_mboxes; m; m = m->all_next) {
		if (__atomic_load_n(&m->obj.refs, __ATOMIC_ACQUIRE) <= 0)
			continue;	/* being destroyed */
		acquire(&m->lock);
		check_one(m);
		release(&m->lock);
	}
	release(&all_lock);
}

/* ---- system calls ----
 *
 * Arguments arrive decoded (lib/syscalls.h): capacity, len and flags are
 * in range and timeouts cannot wrap.  What is left is what only the
 * kernel's state can tell: handles, rights, user memory.  The twin calls
 * share one path each: mbox_send and msg_send go through send_call(),
 * mbox_recv and msg_recv through recv_call().
 */

/* mbox_create(capacity, name) */
int64_t sys_mbox_create(const struct sys_mbox_create_args *a)
{
	char name[IPC_NAME_MAX];
	struct mbox *m;
	int err, h;

	if (a->name && !(myproc()->sandbox & SB_NAMES))
		sandbox_violation("mbox_create", SANDBOX_NAMING);
	if (a->name && (err = names_copyin(name, a->name)) < 0)
		return err;
	if (!handle_room(myproc()))
		return -EQUOTA;
	if (!(m = mbox_new(a->capacity, false)))
		return -ENOMEM;
	if (a->name && (err = names_add(name, &m->obj)) < 0) {
		kobj_put(&m->obj);
		return err;
	}
	if ((h = handle_install(myproc(), &m->obj, RIGHT_SEND | RIGHT_RECV)) < 0)
		kobj_put(&m->obj);
	return h;
}

/* mbox_open(name, rights) */
int64_t sys_mbox_open(const struct sys_mbox_open_args *a)
{
	char name[IPC_NAME_MAX];
	struct kobj *o;
	int err, h;

	if (!a->rights || (a->rights & ~(RIGHT_SEND | RIGHT_RECV)))
		return -EINVAL;
	if ((err = names_copyin(name, a->name)) < 0)
		return err;
	if (!(o = names_lookup(name, HANDLE_TYPE_MBOX)))
		return -ENOENT;
	if ((h = handle_install(myproc(), o, a->rights)) < 0)
		kobj_put(o);
	return h;
}

/* Both send calls: checks what needs our state, sends s to m (whose
 * reference the caller holds), and counts it. */
static int send_call(struct mbox *m, const struct send *s)
{
	struct kobj *o;
	int err;

	if (!user_readable(s->ubuf, s->len))
		return -EFAULT;
	if (s->xfer != NO_HANDLE && handle_get(s->xfer, 0, 0, &o, 0) < 0)
		return -EBADH;
	if ((err = mbox_send(m, s)) < 0)
		return err;
	COUNT(msgs_sent, 1);
	COUNT(bytes_sent, s->len);
	myproc()->pc.msgs_sent++;
	return 0;
}

/* mbox_send(h, buf, len, timeout, xfer, flags) */
int64_t sys_mbox_send(const struct sys_mbox_send_args *a)
{
	struct send s = { a->buf, a->len, a->timeout, a->xfer, a->flags & SEND_KEEP_HANDLE };
	struct kobj *o;
	int err;

	if ((err = handle_get(a->h, HANDLE_TYPE_MBOX, RIGHT_SEND, &o, 0)) < 0)
		return err;
	kobj_get(o);	/* alive for the call, even if h itself is what we send */
	err = send_call((struct mbox *)o, &s);
	kobj_put(o);
	return err;
}

/* msg_send(pid, buf, len, timeout): to pid's default mailbox. */
int64_t sys_msg_send(const struct sys_msg_send_args *a)
{
	struct send s = { a->buf, a->len, a->timeout, NO_HANDLE, false };
	struct mbox *m;
	int err;

	if (!user_readable(s.ubuf, s.len))
		return -EFAULT;		/* before inbox_of() makes a mailbox */
	if (!(m = inbox_of(a->pid, &err)))
		return err;
	err = send_call(m, &s);
	kobj_put(&m->obj);
	return err;
}

/* Both receive calls: from m (whose reference the caller holds) into
 * the user's buffer, with the message's info. */
static int64_t recv_call(struct mbox *m, uint64_t ubuf, size_t cap, timeout_t timeout,
			 uint64_t uinfo)
{
	struct recv r = { .ubuf = ubuf, .cap = cap < MSG_MAX ? cap : MSG_MAX, .timeout = timeout };
	int ret;

	if (!user_writable(r.ubuf, r.cap) || (uinfo && !user_writable(uinfo, sizeof(r.info))))
		return -EFAULT;
	ret = mbox_recv(m, &r);
	if (r.xobj)
		r.info.handle = handle_install_arrived(r.xobj, r.xrights);
	if (ret < 0)
		return ret;
	if (uinfo)
		copyout(uinfo, &r.info, sizeof(r.info));
	COUNT(msgs_received, 1);
	COUNT(bytes_received, ret);
	myproc()->pc.msgs_received++;
	return ret;
}

/* mbox_recv(h, buf, cap, timeout, info) */
int64_t sys_mbox_recv(const struct sys_mbox_recv_args *a)
{
	struct kobj *o;
	int64_t ret;

	if ((ret = handle_get(a->h, HANDLE_TYPE_MBOX, RIGHT_RECV, &o, 0)) < 0)
		return ret;
	kobj_get(o);			/* stays alive even if we close h meanwhile */
	ret = recv_call((struct mbox *)o, a->buf, a->cap, a->timeout, a->info);
	kobj_put(o);
	return ret;
}

/* msg_recv(buf, cap, timeout, info): from our own default mailbox. */
int64_t sys_msg_recv(const struct sys_msg_recv_args *a)
{
	struct mbox *m;
	int64_t ret;
	int err;

	if (!(m = inbox_of(myproc()->pid, &err)))
		return err;
	ret = recv_call(m, a->buf, a->cap, a->timeout, a->info);
	kobj_put(&m->obj);
	return ret;
}

/* proc_events(): a receive handle to our child-exit mailbox. */
int64_t sys_proc_events(void)
{
	struct proc *me = myproc();
	struct mbox *m, *fresh = 0;
	int h;

	if (!handle_room(me))
		return -EQUOTA;
	/* Only we set our events mailbox, so it is made before me->lock is
	 * taken (mbox_new() must not run under a process lock: inbox_of). */
	if (!me->events && !(fresh = mbox_new(MBOX_MAX_CAPACITY, true)))
		return -ENOMEM;
	acquire(&me->lock);
	if (fresh)
		me->events = fresh;
	m = me->events;
	kobj_get(&m->obj);
	release(&me->lock);
	if ((h = handle_install(me, &m->obj, RIGHT_RECV)) < 0)
		kobj_put(&m->obj);
	return h;
}
