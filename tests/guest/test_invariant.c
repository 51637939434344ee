/*
 * The invariant checker (kernel/invariant.c): quiet on a healthy kernel,
 * and it names what was broken on purpose.  Each breakage is made on
 * this test thread's own process slot or on a slot nobody uses, and
 * undone before the test returns.  A fake object is not in kobj_count,
 * so the checker may find that broken too: the first report must name
 * the breakage made.
 */
#include "kernel/invariant.h"
#include "kernel/ktest.h"
#include "kernel/mbox.h"
#include "kernel/proc.h"
#include "lib/string.h"
#include "tests/guest/guest.h"

static char why[200];

/* Whether the report names the invariant. */
static bool says(const char *what)
{
	size_t n = strlen(what);

	for (const char *p = why; *p; p++)
		if (strlen(p) >= n && memcmp(p, what, n) == 0)
			return true;
	return false;
}

void test_kcheck_clean(void)
{
	KT_CHECK(kcheck_report(why, sizeof(why)) == 0);
	if (why[0])
		ktest_note("kcheck: %s", why);
	KT_CHECK(kcheck() >= 0);
}

/* A handle to an object whose count says nobody refers to it. */
void test_kcheck_refs(void)
{
	static struct mbox fake;
	struct proc *me = myproc();
	int h = QUOTA_HANDLES - 1;

	fake.obj.type = HANDLE_TYPE_MBOX;
	fake.obj.refs = 0;
	KT_CHECK(me->handles[h].obj == 0);
	me->handles[h].obj = &fake.obj;
	me->handles[h].rights = RIGHT_SEND;
	KT_CHECK(kcheck_report(why, sizeof(why)) >= 1);
	KT_CHECK(says("has 0 references, 1 found"));
	me->handles[h].obj = 0;
	me->handles[h].rights = 0;
	KT_CHECK(kcheck_report(why, sizeof(why)) == 0);
}

/* A handle of a type no object has, and a receive right the mailbox
 * does not count. */
void test_kcheck_types(void)
{
	static struct mbox fake;
	struct proc *me = myproc();
	int h = QUOTA_HANDLES - 1;

	fake.obj.type = 7;
	fake.obj.refs = 5;
	me->handles[h].obj = &fake.obj;
	me->handles[h].rights = RIGHT_RECV;
	KT_CHECK(kcheck_report(why, sizeof(why)) >= 1);
	KT_CHECK(says("object of no known type"));
	fake.obj.type = HANDLE_TYPE_MBOX;
	fake.receivers = 0;
	KT_CHECK(kcheck_report(why, sizeof(why)) >= 1);
	KT_CHECK(says("counts 0 receivers, 1 receive rights found"));
	me->handles[h].obj = 0;
	me->handles[h].rights = 0;
}

/* A zombie that still holds a handle, in a slot nobody uses. */
void test_kcheck_zombie(void)
{
	static struct mbox fake;
	struct proc *p = 0;

	for (struct proc *q = procs + NPROC - 1; q >= procs && !p; q--)
		if (q->state == P_UNUSED)
			p = q;
	if (!KT_CHECK(p != 0))
		return;
	fake.obj.type = HANDLE_TYPE_MBOX;
	fake.obj.refs = 1;
	acquire(&p->lock);
	p->state = P_ZOMBIE;		/* no parent: nobody reaps it */
	p->handles[0].obj = &fake.obj;
	release(&p->lock);
	KT_CHECK(kcheck_report(why, sizeof(why)) >= 1);
	KT_CHECK(says("ZOMBIE still holds a handle"));
	acquire(&p->lock);
	p->handles[0].obj = 0;
	p->state = P_UNUSED;
	release(&p->lock);
	KT_CHECK(kcheck_report(why, sizeof(why)) == 0);
}
