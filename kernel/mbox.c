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
#include "kernel/pmm.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "lib/errno.h"
#include "lib/string.h"

struct msg {
	struct qnode node;		/* in m->msgs */
	int sender;			/* pid */
	uint32_t len;
	uint8_t *data;			/* kmalloc'd, or a page when large */
	struct kobj *xobj;		/* handle travelling with it, or NULL */
	uint32_t xrights;
	struct ipc_account *acct;	/* charged for len; NULL for kernel posts */
	bool rendezvous;		/* its sender waits until it is taken */
	bool taken;			/* a receiver took it (rendezvous) */
};

/* A receiver blocked on an empty mailbox, on its own kernel stack. */
struct waiter {
	struct qnode node;		/* in m->waiters */
	struct proc *proc;
	uint64_t buf;			/* its user buffer, checked writable */
	uint64_t cap;
	bool done;			/* a sender filled buf */
	int sender;
	uint32_t len;
};

/* ---- messages ---- */

static struct msg *msg_alloc(uint32_t len)
{
	struct msg *g = kmalloc(sizeof(*g));

	if (!g)
		return 0;
	g->data = len == 0 ? 0 : len <= KMALLOC_MAX ? kmalloc(len) : page_alloc();
	if (len && !g->data) {
		kfree(g);
		return 0;
	}
	g->len = len;
	__atomic_fetch_add(&kobj_count, 1, __ATOMIC_RELAXED);
	return g;
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
		account_uncharge(&g->acct->queued, g->len);
		account_put(g->acct);
	}
	if (g->len > KMALLOC_MAX)
		page_free(g->data);
	else
		kfree(g->data);
	kfree(g);
	__atomic_fetch_sub(&kobj_count, 1, __ATOMIC_RELAXED);
}

static struct msg *first_msg(struct mbox *m)
{
	return m->msgs.head ? queue_entry(m->msgs.head, struct msg, node) : 0;
}

static struct waiter *first_waiter(struct mbox *m)
{
	return m->waiters.head ? queue_entry(m->waiters.head, struct waiter, node) : 0;
}

/*
 * Sleeping and waking on a mailbox.  Every sleeper is counted under
 * m->lock, so a send or receive with nobody asleep skips wakeup()'s walk
 * over the process table (most calls, when the peer keeps up).
 * Receivers sleep on the mailbox, senders on &m->capacity.
 */
static bool recv_sleep(struct mbox *m, uint64_t deadline)
{
	bool in_time;

	m->recv_sleepers++;
	in_time = sleep_until(m, &m->lock, deadline);
	m->recv_sleepers--;
	return in_time;
}

static bool send_sleep(struct mbox *m, uint64_t deadline)
{
	bool in_time;

	m->send_sleepers++;
	in_time = sleep_until(&m->capacity, &m->lock, deadline);
	m->send_sleepers--;
	return in_time;
}

/* m->lock held. */
static void wake_receivers(struct mbox *m)
{
	if (m->recv_sleepers)
		wakeup(m);
}

static void wake_senders(struct mbox *m)
{
	if (m->send_sleepers)
		wakeup(&m->capacity);
}

/* ---- the object ---- */

struct mbox *mbox_new(int capacity, bool open_senders)
{
	struct mbox *m = kmalloc(sizeof(*m));

	if (!m)
		return 0;
	spinlock_init(&m->lock, "mbox");
	m->capacity = capacity;
	m->open_senders = open_senders;
	kobj_init(&m->obj, HANDLE_TYPE_MBOX);
	return m;
}

/* The last reference is gone: nobody waits here any more. */
void mbox_destroy(struct mbox *m)
{
	struct qnode *n;

	names_remove(&m->obj);
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
	return !queue_entry(n, struct msg, node)->rendezvous;
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
	if ((rights & RIGHT_SEND) && m->senders == 0)
		wake_receivers(m);			/* receivers of an empty queue: -EPIPE */
	if ((rights & RIGHT_RECV) && m->receivers == 0) {
		detach_unreceivable(m, &dropped);
		wake_senders(m);		/* senders: -EPIPE */
	}
	release(&m->lock);
	while ((n = queue_pop(&dropped)))
		msg_free(queue_entry(n, struct msg, node));
}

/* ---- sending ---- */

static uint64_t deadline_of(int64_t timeout_ms)
{
	if (timeout_ms < 0)
		return UINT64_MAX;
	return clock_ns() + (uint64_t)timeout_ms * 1000000ull;
}

/* Hands a message to the first waiting receiver if it can take it whole.
 * from_user: src is the sender's user buffer (the one-copy path). */
static bool deliver_direct(struct mbox *m, const void *src, uint32_t len, bool from_user)
{
	struct waiter *w = first_waiter(m);

	if (!w || m->msgs.len || w->cap < len)
		return false;
	if (copy_to_proc(w->proc, w->buf, src, len, from_user) < 0)
		return false;
	queue_pop(&m->waiters);
	w->done = true;
	w->sender = myproc()->pid;
	w->len = len;
	wake_receivers(m);
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
 * with SEND_KEEP_HANDLE.  Called with no mailbox lock held. */
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
		kobj_rights_changed(o, rights & RIGHT_RECV, -1);
	}
	g->xobj = o;
	g->xrights = rights;
}

/* A send that failed gives the handle back where it was. */
static void detach_handle(struct msg *g, const struct send *s)
{
	if (!g->xobj)
		return;
	if (s->keep) {
		inflight_drop(g->xobj, g->xrights);
	} else {
		struct proc *me = myproc();

		me->handles[s->xfer].obj = g->xobj;
		me->handles[s->xfer].rights = g->xrights;
		kobj_rights_changed(g->xobj, g->xrights & RIGHT_RECV, +1);
	}
	g->xobj = 0;
}

/* Queues g and waits as the mailbox's kind requires.  m->lock held. */
static int send_queued(struct mbox *m, struct msg *g, const struct send *s, uint64_t deadline)
{
	struct proc *me = myproc();

	for (;;) {
		if (m->receivers == 0)
			return -EPIPE;
		if (!g->xobj && deliver_direct(m, g->data, g->len, false))
			return 2;	/* delivered from our copy: the caller frees it */
		if (m->capacity > 0 && m->msgs.len < m->capacity) {
			queue_push(&m->msgs, &g->node);
			wake_receivers(m);
			return 0;
		}
		if (m->capacity == 0 && (m->waiters.len || s->timeout != 0)) {
			g->rendezvous = true;
			queue_push(&m->msgs, &g->node);
			wake_receivers(m);
			return 1;	/* queued: now wait until it is taken */
		}
		if (s->timeout == 0)
			return -EAGAIN;
		if (me->killed)
			return -EINTR;
		if (!send_sleep(m, deadline))
			return -ETIMEDOUT;
	}
}

/* Waits for a receiver to take our rendezvous message.  m->lock held. */
static int await_taken(struct mbox *m, struct msg *g, uint64_t deadline)
{
	struct proc *me = myproc();
	int err = 0;

	while (!g->taken) {
		if (m->receivers == 0)
			err = -EPIPE;
		else if (me->killed)
			err = -EINTR;
		else if (!send_sleep(m, deadline) && !g->taken)
			err = -ETIMEDOUT;
		if (err && queue_remove(&m->msgs, &g->node))
			return err;	/* withdrawn: the caller frees it */
		err = 0;
	}
	return 0;
}

static int mbox_send(struct mbox *m, const struct send *s)
{
	struct proc *me = myproc();
	uint64_t deadline = deadline_of(s->timeout);
	struct msg *g;
	bool ours;
	int r;

	acquire(&m->lock);
	if (m->receivers == 0) {
		release(&m->lock);
		return -EPIPE;
	}
	if (s->xfer == NO_HANDLE && deliver_direct(m, (const void *)s->ubuf, s->len, true)) {
		release(&m->lock);
		return 0;
	}
	release(&m->lock);

	if (!account_charge(&me->acct->queued, s->len, me->acct->max_queued))
		return -EQUOTA;
	if (!(g = msg_alloc(s->len))) {
		account_uncharge(&me->acct->queued, s->len);
		return -ENOMEM;
	}
	account_get(me->acct);
	g->acct = me->acct;
	g->sender = me->pid;
	if (copyin(g->data, s->ubuf, s->len) < 0) {	/* copied into the kernel once */
		msg_free(g);
		return -EFAULT;
	}
	attach_handle(g, s);
	acquire(&m->lock);
	r = send_queued(m, g, s, deadline);
	/* Queued (0): g now belongs to the mailbox and may be gone as soon
	 * as the lock drops.  Otherwise it stays ours to free. */
	ours = r != 0;
	if (r == 1)
		r = await_taken(m, g, deadline);
	release(&m->lock);
	if (r < 0)
		detach_handle(g, s);	/* a failed send changes nothing */
	if (ours)
		msg_free(g);	/* failed, delivered from our copy, or rendezvous */
	return r < 0 ? r : 0;
}

/* ---- receiving ---- */

struct recv {
	uint64_t ubuf, cap;
	int64_t timeout;
	struct msg_info info;
	struct kobj *xobj;	/* a handle that came with the message, to install */
	uint32_t xrights;
};

/* Takes the head message if it fits.  m->lock held. */
static int take_head(struct mbox *m, struct recv *r)
{
	struct proc *me = myproc();
	struct msg *g = first_msg(m);
	int h = NO_HANDLE;

	if (g->len > r->cap)
		return -E2BIG;			/* it stays queued */
	if (g->xobj && !handle_room(me))
		return -EQUOTA;			/* likewise */
	if (copyout(r->ubuf, g->data, g->len) < 0)
		return -EFAULT;
	queue_remove(&m->msgs, &g->node);
	r->xobj = g->xobj;		/* installed once m->lock is dropped */
	r->xrights = g->xrights;
	g->xobj = 0;
	r->info.sender = g->sender;
	r->info.handle = h;
	r->info.len = g->len;
	wake_senders(m);			/* room for a sender, or a rendezvous done */
	if (g->rendezvous)
		g->taken = true;		/* its sender frees it */
	else
		msg_free(g);			/* carries no handle any more */
	return (int)r->info.len;
}

/*
 * Before going to sleep, a receiver spins briefly (registered as a
 * waiter, without the lock) in case the message is about to come: a
 * sleeping receiver costs its sender an IPI and itself a wake-up from
 * hlt, which under emulation dominate a round trip between two cores
 * (QEMU-GRUB-NOTES.md).  Only while no other process waits for this CPU:
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
	       !__atomic_load_n(&m->msgs.len, __ATOMIC_RELAXED) && !w->proc->killed &&
	       !__atomic_load_n(&this_cpu()->rq.len, __ATOMIC_RELAXED) && clock_ns() < until)
		cpu_relax();
	acquire(&m->lock);
}

static int mbox_recv(struct mbox *m, struct recv *r)
{
	struct proc *me = myproc();
	uint64_t deadline = deadline_of(r->timeout);
	struct waiter w = { .proc = me, .buf = r->ubuf, .cap = r->cap };
	bool spun = false;
	int ret;

	acquire(&m->lock);
	for (;;) {
		if (m->msgs.len) {
			ret = take_head(m, r);
			break;
		}
		if (m->senders == 0 && !m->open_senders) {
			ret = -EPIPE;
			break;
		}
		if (r->timeout == 0) {
			ret = -EAGAIN;
			break;
		}
		if (me->killed) {
			ret = -EINTR;
			break;
		}
		w.done = false;
		queue_push(&m->waiters, &w.node);
		wake_senders(m);		/* a rendezvous sender may proceed */
		bool in_time = true;
		if (!spun) {
			spin_for_message(m, &w, deadline);	/* then look at everything again */
			spun = true;
		} else {
			in_time = recv_sleep(m, deadline);
		}
		if (w.done) {
			r->info.sender = w.sender;
			r->info.handle = NO_HANDLE;
			r->info.len = w.len;
			ret = (int)w.len;
			break;
		}
		queue_remove(&m->waiters, &w.node);
		if (!in_time && !m->msgs.len) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	release(&m->lock);
	return ret;
}

/* ---- kernel posts, default mailboxes, exit ---- */

void mbox_post(struct mbox *m, int sender, const void *data, uint32_t len)
{
	struct msg *g;

	acquire(&m->lock);
	if (m->receivers == 0) {
		release(&m->lock);
		return;
	}
	release(&m->lock);
	if (!(g = msg_alloc(len)))
		return;
	memcpy(g->data, data, len);
	g->sender = sender;
	acquire(&m->lock);
	queue_push(&m->msgs, &g->node);
	wake_receivers(m);
	release(&m->lock);
}

void mbox_post_exit(struct proc *parent, const struct wait_info *info)
{
	struct mbox *m;

	acquire(&parent->lock);
	m = parent->events;
	if (m)
		kobj_get(&m->obj);
	release(&parent->lock);
	if (!m)
		return;
	mbox_post(m, info->pid, info, sizeof(*info));
	kobj_put(&m->obj);
}

void mbox_exit(struct proc *p)
{
	struct mbox *inbox, *events;

	acquire(&p->lock);
	inbox = p->inbox;
	events = p->events;
	p->inbox = p->events = 0;
	release(&p->lock);
	if (inbox) {
		mbox_rights_changed(inbox, RIGHT_RECV, -1);	/* pid senders: -EPIPE */
		kobj_put(&inbox->obj);
	}
	if (events)
		kobj_put(&events->obj);
}

/* The default mailbox of process pid, created on first use, with a new
 * reference.  NULL if there is no such live process. */
static struct mbox *inbox_of(int pid, int *err)
{
	for (struct proc *p = procs; p < procs + NPROC; p++) {
		struct mbox *m;

		acquire(&p->lock);
		if (p->pid != pid || p->state == P_UNUSED || p->state == P_ZOMBIE ||
		    p->state == P_EMBRYO || !p->pagetable) {
			release(&p->lock);
			continue;
		}
		if (!p->inbox && (p->inbox = mbox_new(INBOX_CAPACITY, true)))
			p->inbox->receivers = 1;	/* its owner, until it exits */
		m = p->inbox;
		if (m)
			kobj_get(&m->obj);
		release(&p->lock);
		*err = m ? 0 : -ENOMEM;
		return m;
	}
	*err = -ESRCH;
	return 0;
}

/* ---- system calls ---- */

/* mbox_create(capacity, name) */
int64_t sys_mbox_create(const uint64_t *a)
{
	char name[IPC_NAME_MAX];
	int64_t cap = (int64_t)a[0];
	struct mbox *m;
	int err, h;

	if (cap < 0 || cap > MBOX_MAX_CAPACITY)
		return -EINVAL;
	if (a[1] && !(myproc()->sandbox & SB_NAMES))
		sandbox_violation("mbox_create", SANDBOX_NAMING);
	if (a[1] && (err = names_copyin(name, a[1])) < 0)
		return err;
	if (!handle_room(myproc()))
		return -EQUOTA;
	if (!(m = mbox_new((int)cap, false)))
		return -ENOMEM;
	if (a[1] && (err = names_add(name, &m->obj)) < 0) {
		kobj_put(&m->obj);
		return err;
	}
	if ((h = handle_install(myproc(), &m->obj, RIGHT_SEND | RIGHT_RECV)) < 0)
		kobj_put(&m->obj);
	return h;
}

/* mbox_open(name, rights) */
int64_t sys_mbox_open(const uint64_t *a)
{
	uint32_t rights = (uint32_t)a[1];
	char name[IPC_NAME_MAX];
	struct kobj *o;
	int err, h;

	if (!rights || (rights & ~(RIGHT_SEND | RIGHT_RECV)))
		return -EINVAL;
	if ((err = names_copyin(name, a[0])) < 0)
		return err;
	if (!(o = names_lookup(name, HANDLE_TYPE_MBOX)))
		return -ENOENT;
	if ((h = handle_install(myproc(), o, rights)) < 0)
		kobj_put(o);
	return h;
}

static void count_sent(int err, uint32_t len)
{
	if (err < 0)
		return;
	COUNT(msgs_sent, 1);
	COUNT(bytes_sent, len);
	myproc()->pc.msgs_sent++;
}

static int check_send(const struct send *s)
{
	struct kobj *o;

	if (s->len > MSG_MAX)
		return -EINVAL;
	if (!user_readable(s->ubuf, s->len))
		return -EFAULT;
	if (s->xfer != NO_HANDLE && handle_get(s->xfer, 0, 0, &o, 0) < 0)
		return -EBADH;
	return 0;
}

/* mbox_send(h, buf, len, timeout, xfer, flags) */
int64_t sys_mbox_send(const uint64_t *a)
{
	struct send s = { a[1], (uint32_t)a[2], (int64_t)a[3], (int)a[4], a[5] & SEND_KEEP_HANDLE };
	struct kobj *o;
	int err;

	if (a[2] > MSG_MAX)
		return -EINVAL;
	if ((err = handle_get((int)a[0], HANDLE_TYPE_MBOX, RIGHT_SEND, &o, 0)) < 0)
		return err;
	if ((err = check_send(&s)) < 0)
		return err;
	kobj_get(o);	/* alive for the call, even if h itself is what we send */
	err = mbox_send((struct mbox *)o, &s);
	kobj_put(o);
	count_sent(err, s.len);
	return err;
}

/* Installs a handle that travelled in a message: its send right was
 * counted all along (see inflight_drop), its receive right counts now.
 * take_head() checked there is room. */
static int install_received(struct proc *p, struct kobj *o, uint32_t rights)
{
	int h = htable_alloc(p->handles, QUOTA_HANDLES, p->max_handles, o, rights);

	if (h < 0) {
		inflight_drop(o, rights);	/* cannot happen: room was checked */
		return NO_HANDLE;
	}
	kobj_rights_changed(o, rights & RIGHT_RECV, +1);
	return h;
}

static int64_t finish_recv(struct mbox *m, const uint64_t *a, uint64_t uinfo)
{
	struct recv r = { .ubuf = a[1], .cap = a[2], .timeout = (int64_t)a[3] };
	int ret;

	if (r.cap > MSG_MAX)
		r.cap = MSG_MAX;
	if (!user_writable(r.ubuf, r.cap) || (uinfo && !user_writable(uinfo, sizeof(r.info))))
		return -EFAULT;
	ret = mbox_recv(m, &r);
	if (r.xobj)
		r.info.handle = install_received(myproc(), r.xobj, r.xrights);
	if (ret >= 0 && uinfo)
		copyout(uinfo, &r.info, sizeof(r.info));
	if (ret >= 0) {
		COUNT(msgs_received, 1);
		COUNT(bytes_received, ret);
		myproc()->pc.msgs_received++;
	}
	return ret;
}

/* mbox_recv(h, buf, cap, timeout, info) */
int64_t sys_mbox_recv(const uint64_t *a)
{
	struct kobj *o;
	int err = handle_get((int)a[0], HANDLE_TYPE_MBOX, RIGHT_RECV, &o, 0);

	if (err < 0)
		return err;
	kobj_get(o);			/* stays alive even if we close h meanwhile */
	int64_t ret = finish_recv((struct mbox *)o, a, a[4]);
	kobj_put(o);
	return ret;
}

/* msg_send(pid, buf, len, timeout): to pid's default mailbox. */
int64_t sys_msg_send(const uint64_t *a)
{
	struct send s = { a[1], (uint32_t)a[2], (int64_t)a[3], NO_HANDLE, false };
	struct mbox *m;
	int err;

	if ((err = check_send(&s)) < 0)
		return err;
	if (!(m = inbox_of((int)a[0], &err)))
		return err;
	err = mbox_send(m, &s);
	kobj_put(&m->obj);
	count_sent(err, s.len);
	return err;
}

/* msg_recv(buf, cap, timeout, info): from our own default mailbox. */
int64_t sys_msg_recv(const uint64_t *a)
{
	uint64_t args[4] = { 0, a[0], a[1], a[2] };
	struct mbox *m;
	int64_t ret;
	int err;

	if (!(m = inbox_of(myproc()->pid, &err)))
		return err;
	ret = finish_recv(m, args, a[3]);
	kobj_put(&m->obj);
	return ret;
}

/* proc_events(): a receive handle to our child-exit mailbox. */
int64_t sys_proc_events(const uint64_t *a)
{
	struct proc *me = myproc();
	struct mbox *m;
	int h;

	(void)a;
	if (!handle_room(me))
		return -EQUOTA;
	acquire(&me->lock);
	if (!me->events)
		me->events = mbox_new(MBOX_MAX_CAPACITY, true);
	m = me->events;
	if (m)
		kobj_get(&m->obj);
	release(&me->lock);
	if (!m)
		return -ENOMEM;
	if ((h = handle_install(me, &m->obj, RIGHT_RECV)) < 0)
		kobj_put(&m->obj);
	return h;
}
