/*
 * sysfuzz: an in-guest system-call fuzzer.
 *
 *   sysfuzz [-n CALLS] [-s SEED] [-w WORKERS] [-k 0|1] [-x CALL]... [-T]
 *   sysfuzz -r WSEED -l LEN      replay one worker's first LEN calls alone
 *
 * -x CALL leaves a call out (it is made as getpid, so the rest of the
 * run stays the same): for telling which call a leak comes from.  -T
 * plants a finding (dup to a send-only handle succeeding) and exits 0
 * only if it was reported and shrunk to at most 4 ops: the fuzzer's own
 * test.
 *
 * The supervisor starts WORKERS processes (fork) that each make a few
 * thousand random system calls and exit; it starts new ones until CALLS
 * calls were made in all, and (with -k 1, the default) kills workers at
 * random moments.  Everything follows from SEED: the k-th worker started
 * gets worker_seed(SEED, k) (a finding prints it), and its calls follow
 * from that alone; only the timing between processes varies.
 *
 * A call is an op: a call number and six random words, drawn from the
 * worker's seed alone.  The worker turns the words into arguments when it
 * runs the op, from interesting values (0, -1, 2^32 + small, huge), from
 * what it holds (handles it opened, closed ones, handles of the kind it
 * was not asked for, 2^32 + a held one), pids (its own, its siblings',
 * its children's, gone ones), and pointers (its buffer, NULL, kernel and
 * non-canonical addresses, unmapped pages, a read-only page for output,
 * a range straddling the stack's guard page).  Dropping ops keeps the rest
 * meaningful, which is what shrinking needs.
 *
 * What counts as a finding (the worker checks after each call):
 *   - a negative result that is no error code; a bad call number not -ENOSYS;
 *   - success of a call whose buffer was a bad pointer;
 *   - the handle table differing from what the calls reported (the worker
 *     keeps a mirror and compares it with handle_info every 512 calls);
 *     a failed call changes nothing;
 *   - the worker dying of a CPU fault (it never touches what it fuzzes);
 *   - a worker making no progress in a call that cannot block;
 * and, in the supervisor after the run: the kernel's invariant check
 * (kcheck, which panics naming the invariant), and memory and kernel
 * objects back to their baseline.  A kernel panic shows in the console.
 *
 * Every argument is checked at its full width: a call that succeeds
 * although an int argument was not the sign extension of its low 32 bits
 * (or a uint32_t one had bits above 31) is a finding too.
 *
 * On a finding the supervisor prints the seed, the offending worker's
 * last calls (each worker logs its calls in a ring in shared memory),
 * then replays that worker's ops alone and shrinks them (delta
 * debugging) to a minimal sequence that re-triggers the same check.
 */
#include "ipc.h"

#define MAXW		8		/* workers at once */
#define RING		64		/* calls remembered per worker */
#define CHUNK		4000		/* calls per worker before it exits */
#define CHILD_OPS	24		/* calls a worker's forked child makes */
#define MIRROR_EVERY	512		/* calls between handle-table comparisons */
#define SCRATCH		(64 * 1024)	/* the worker's buffer, at the end of its heap */
#define STALL_MS	15000		/* no progress in a non-blocking call: a finding */
#define MAX_SHRINK_RUNS	300
#define MAX_SEQ		(CHUNK + 1)
#define EXIT_FINDING	0x5f2		/* a worker's status: a check failed */
#define MS		1000000ull

/* Addresses for the bad-pointer arguments. */
#define P_KERNEL	0xffffffff80100000ull
#define P_DIRECT	0xffff800000001000ull
#define P_NONCANON	0x0000800000000000ull
#define P_NONCANON2	0x8000000000000000ull
#define P_UNMAPPED	0x10000000ull
#define P_GUARD		(USER_STACK_TOP - USER_STACK_PAGES * 4096ull - 8)	/* 8 bytes below the stack */
#define P_TOP		(USER_END - 8)
#define SHM_BASE	0x0000100000000000ull	/* where the kernel places mappings */

enum check {
	C_NONE,
	C_ERRNO,	/* negative result that is no error code */
	C_ENOSYS,	/* bad call number not -ENOSYS */
	C_BADPTR,	/* success with a bad pointer */
	C_MIRROR,	/* handle table differs from what the calls said */
	C_SLOT,		/* a new handle in a slot that was taken */
	C_FAULT,	/* the worker died of a CPU fault */
	C_STALL,	/* no progress in a call that cannot block */
	C_WIDE,		/* success with a 32-bit argument given more bits */
	C_PLANTED,	/* -T: a finding planted to test the fuzzer itself */
	NCHECK
};

static const char *const check_name[NCHECK] = {
	[C_ERRNO] = "negative result that is no error code",
	[C_ENOSYS] = "bad call number did not return -ENOSYS",
	[C_BADPTR] = "call succeeded with a bad pointer",
	[C_MIRROR] = "handle table differs from what the calls reported",
	[C_SLOT] = "new handle in a slot that was taken",
	[C_FAULT] = "worker died of a CPU fault",
	[C_STALL] = "worker stuck in a call that cannot block",
	[C_WIDE] = "call accepted a 32-bit argument with more bits set",
	[C_PLANTED] = "planted finding (-T: the fuzzer tests itself)",
};

/* One logged call. */
struct rec {
	uint32_t nr;
	uint32_t op;		/* index in the worker's sequence */
	uint64_t a[6];
	int64_t ret;
};

/* A worker's slot in the shared page: written by the worker, read by the
 * supervisor (also after the worker died). */
struct slot {
	uint64_t seed;
	uint64_t done;		/* calls made */
	int pid;
	int may_block;		/* the call under way may wait forever */
	int sandboxed;		/* it narrowed its sandbox: EXIT_SANDBOX is fine */
	int check;		/* enum check of a finding */
	uint32_t head;		/* next ring index */
	uint32_t finding_op;
	char why[160];
	struct rec ring[RING];
};

struct shared {
	uint64_t calls;		/* [atomic] all workers */
	int sup_pid;
	uint64_t made[64], ok[64];	/* [atomic] per entry of calls[]: made, succeeded */
	struct slot slots[MAXW + 1];	/* the last one: replays */
};

#define REPLAY_SLOT	MAXW

/* ---- random numbers (splitmix64) ---- */

static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t worker_seed(uint64_t seed, uint64_t serial)
{
	uint64_t s = seed ^ (serial * 0xd1b54a32d192ed03ull);

	return mix(&s);
}

/* ---- the calls ---- */

enum akind {
	A_NONE, A_INT, A_HANDLE, A_PID, A_PTR_IN, A_PTR_OUT, A_INFO, A_LEN, A_TIMEOUT,
	A_STR, A_MASK, A_RIGHTS, A_ARGV, A_OPTS, A_SIZE, A_MAPADDR, A_INCR, A_SMALL,
	A_XFER, A_FLAGS, A_CAP, A_FD, A_SLEEP, A_PROT,
	A_MBOXH, A_SHMH,	/* handles, preferably of this kind */
	A_PATH,			/* a program or file name, mostly one that exists */
	A_FISET			/* a struct failinject_set */
};

struct call {
	int nr;
	const char *name;
	uint8_t k[6];
	uint8_t weight;
};

/* SYS_poweroff is never made; exit, fork, exec and spawn are kept from
 * ending the run (see run_op). */
static const struct call calls[] = {
	{ SYS_exit, "exit", { A_SMALL }, 1 },
	{ SYS_fork, "fork", { 0 }, 1 },
	{ SYS_exec, "exec", { A_PATH, A_ARGV }, 1 },
	{ SYS_spawn, "spawn", { A_PATH, A_ARGV, A_OPTS }, 2 },
	{ SYS_wait, "wait", { A_PID, A_INFO }, 2 },
	{ SYS_kill, "kill", { A_PID }, 2 },
	{ SYS_getpid, "getpid", { 0 }, 1 },
	{ SYS_getppid, "getppid", { 0 }, 1 },
	{ SYS_yield, "yield", { 0 }, 1 },
	{ SYS_sleep, "sleep", { A_SLEEP }, 1 },
	{ SYS_uptime, "uptime", { 0 }, 1 },
	{ SYS_write, "write", { A_FD, A_PTR_IN, A_LEN }, 2 },
	{ SYS_read, "read", { A_FD, A_PTR_OUT, A_LEN }, 1 },
	{ SYS_setaffinity, "setaffinity", { A_PID, A_MASK }, 2 },
	{ SYS_getaffinity, "getaffinity", { A_PID }, 1 },
	{ SYS_getcpu, "getcpu", { 0 }, 1 },
	{ SYS_ps, "ps", { A_PTR_OUT, A_SMALL }, 2 },
	{ SYS_sbrk, "sbrk", { A_INCR }, 2 },
	{ SYS_readdir, "readdir", { A_SMALL, A_PTR_OUT }, 2 },
	{ SYS_fileread, "fileread", { A_PATH, A_INT, A_PTR_OUT, A_LEN }, 2 },
	{ SYS_setfg, "setfg", { A_PID }, 1 },
	{ SYS_ncpu, "ncpu", { 0 }, 1 },
	{ SYS_memstat, "memstat", { A_PTR_OUT }, 2 },
	{ SYS_close, "close", { A_HANDLE }, 6 },
	{ SYS_dup, "dup", { A_HANDLE, A_RIGHTS }, 5 },
	{ SYS_shm_create, "shm_create", { A_SIZE, A_STR }, 4 },
	{ SYS_shm_open, "shm_open", { A_STR, A_RIGHTS }, 3 },
	{ SYS_shm_map, "shm_map", { A_SHMH, A_PROT }, 4 },
	{ SYS_shm_unmap, "shm_unmap", { A_MAPADDR }, 3 },
	{ SYS_shm_unlink, "shm_unlink", { A_STR }, 2 },
	{ SYS_mbox_create, "mbox_create", { A_CAP, A_STR }, 4 },
	{ SYS_mbox_open, "mbox_open", { A_STR, A_RIGHTS }, 3 },
	{ SYS_mbox_send, "mbox_send", { A_MBOXH, A_PTR_IN, A_LEN, A_TIMEOUT, A_XFER, A_FLAGS }, 10 },
	{ SYS_mbox_recv, "mbox_recv", { A_MBOXH, A_PTR_OUT, A_LEN, A_TIMEOUT, A_INFO }, 10 },
	{ SYS_msg_send, "msg_send", { A_PID, A_PTR_IN, A_LEN, A_TIMEOUT }, 4 },
	{ SYS_msg_recv, "msg_recv", { A_PTR_OUT, A_LEN, A_TIMEOUT, A_INFO }, 4 },
	{ SYS_proc_events, "proc_events", { 0 }, 2 },
	{ SYS_handle_info, "handle_info", { A_HANDLE, A_INFO }, 4 },
	{ SYS_counters, "counters", { A_PTR_OUT, A_SMALL }, 1 },
	{ SYS_proc_counters, "proc_counters", { A_PID, A_PTR_OUT }, 1 },
	{ SYS_sandbox, "sandbox", { A_MASK }, 1 },
	{ SYS_kcheck, "kcheck", { 0 }, 1 },
	{ SYS_failinject, "failinject", { A_FISET }, 1 },
	{ -1, "bad-number", { A_INT, A_INT, A_INT, A_INT, A_INT, A_INT }, 2 },
};
#define NCALLS	((int)(sizeof(calls) / sizeof(calls[0])))

/* An op: which call and the six words its arguments come from. */
struct op {
	uint32_t call;
	uint64_t r[6];
};

static int total_weight;
static bool excluded[NCALLS];	/* -x NAME: made as getpid instead */
static bool plant;		/* -T: dup(h, RIGHT_SEND) succeeding is a finding */
static uint32_t best_shrunk;	/* fewest ops any shrink kept, 0 while none failed again */

static bool exclude(const char *name)
{
	for (int i = 0; i < NCALLS; i++)
		if (strcmp(calls[i].name, name) == 0)
			return excluded[i] = true;
	return false;
}

static struct op gen_op(uint64_t *rng)
{
	struct op o;
	int w = (int)(mix(rng) % (uint64_t)total_weight);

	for (o.call = 0; w >= calls[o.call].weight; o.call++)
		w -= calls[o.call].weight;
	for (int i = 0; i < 6; i++)
		o.r[i] = mix(rng);
	return o;
}

/* ---- the worker's state ---- */

static struct shared *sh;		/* the shared page (mapped before fork) */
static uint64_t shared_va;
static struct slot *me;			/* our slot, or child_slot */
static struct slot child_slot;		/* a forked child's: nobody reads it */
static bool is_child;			/* a worker's forked child */
static bool allow_forever;		/* -1 timeouts allowed (someone kills us) */
static bool held[QUOTA_HANDLES];	/* the mirror of our handle table */
static int htype[QUOTA_HANDLES];	/* HANDLE_TYPE_* of a held one, 0: not known yet */
static uint64_t maps[16];		/* addresses shm_map gave us */
static int nmaps;
static int kids[8];			/* pids of our children */
static int nkids;
static uint8_t *scratch;		/* SCRATCH bytes at the end of the heap */
static uint64_t heap_floor;		/* sbrk never moves the end below this */
static uint64_t cur_brk;
static int my_pid;

static const char *const names[] = { "fz0", "fz1", "fz2", "fz3" };
static const uint8_t text_page[64] = { 1 };	/* read-only data: never written */

/* Whether a is one of the bad pointers (for a buffer of n > 0 bytes). */
enum ptrclass { PTR_NULL, PTR_OK, PTR_BAD, PTR_RO };

static uint64_t pick(uint64_t r, const uint64_t *v, int n)
{
	return v[r % (uint64_t)n];
}

static uint64_t any_int(uint64_t r)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 7, 63, 64, 65, 4095, 4096, 4097, 0x7fffffff, 0x80000000,
		0xffffffff, 0x100000000ull, 0x100000001ull, 0x100001000ull, 0x7fffffffffffffffull,
		0x8000000000000000ull, (uint64_t)-1, (uint64_t)-2, (uint64_t)-4096,
	};

	if ((r >> 32) % 4 == 0)
		return r >> 8;		/* plain random */
	return pick(r, v, sizeof(v) / sizeof(v[0]));
}

/* A pointer for a buffer, and what kind it is. */
static uint64_t any_ptr(uint64_t r, enum ptrclass *cls, bool output)
{
	uint64_t sel = r % 100;

	*cls = PTR_BAD;
	if (sel < 55) {
		*cls = PTR_OK;
		return (uint64_t)scratch + ((r >> 16) % 256) * 16;
	}
	if (sel < 60 && nmaps) {
		*cls = PTR_OK;
		return maps[(r >> 16) % (uint64_t)nmaps];
	}
	if (sel < 65) {
		*cls = output ? PTR_RO : PTR_OK;
		return (uint64_t)text_page;
	}
	if (sel < 70) {
		*cls = PTR_NULL;
		return 0;
	}
	switch ((r >> 8) % 8) {
	case 0: return P_KERNEL;
	case 1: return P_DIRECT;
	case 2: return P_NONCANON;
	case 3: return P_NONCANON2;
	case 4: return P_UNMAPPED;
	case 5: return P_GUARD;
	case 6: return P_TOP;
	default: return 1;
	}
}

static int nheld(void)
{
	int n = 0;

	for (int h = 0; h < QUOTA_HANDLES; h++)
		n += held[h];
	return n;
}

/* A handle argument, preferably one held of kind want (0: any); *hi
 * says whether it is 2^32 + a held one (which the kernel must refuse,
 * not take for the held one). */
static uint64_t any_handle(uint64_t r, bool *hi, int want)
{
	uint64_t sel = r % 100;
	int n = nheld(), nwant = 0;

	for (int h = 0; h < QUOTA_HANDLES; h++)
		nwant += held[h] && htype[h] == want;
	if (!want || !nwant || sel >= 40)
		want = 0, nwant = n;
	*hi = false;
	if (sel < 60 && nwant) {
		int k = (int)((r >> 8) % (uint64_t)nwant);

		for (int h = 0; h < QUOTA_HANDLES; h++)
			if (held[h] && (!want || htype[h] == want) && k-- == 0) {
				if (sel < 5) {
					*hi = true;
					return (1ull << 32) | (uint64_t)h;
				}
				return (uint64_t)h;
			}
	}
	if (sel < 85)
		return (r >> 8) % (QUOTA_HANDLES + 2);
	return any_int(r >> 4);
}

/* A pid: ours, a sibling's, a child's, a gone or impossible one.  Never
 * the supervisor's (killing it ends the run) nor init's default mailbox. */
static uint64_t any_pid(uint64_t r, bool *hi)
{
	uint64_t sel = r % 100, pid;

	*hi = false;
	if (sel < 20)
		pid = (uint64_t)my_pid;
	else if (sel < 50) {
		int w = (int)((r >> 8) % MAXW);

		pid = sh->slots[w].pid > 0 ? (uint64_t)sh->slots[w].pid : 0;
	} else if (sel < 65 && nkids)
		pid = (uint64_t)kids[(r >> 8) % (uint64_t)nkids];
	else if (sel < 75)
		pid = (uint64_t)getpid() + 1 + (r >> 8) % 16;
	else
		pid = any_int(r >> 4);
	/* Nothing older than the supervisor: not init, a shell, itself. */
	if ((pid & 0xffffffffull) >= 1 && (pid & 0xffffffffull) <= (uint64_t)sh->sup_pid)
		pid = (uint64_t)-1;
	if ((r >> 40) % 20 == 0 && pid && pid != (uint64_t)-1) {
		*hi = true;
		pid |= 1ull << 32;
	}
	return pid;
}

static uint64_t any_len(uint64_t r)
{
	static const uint64_t v[] = {
		0, 1, 8, 16, 64, 100, 4095, 4096, 4097, 8192, 0x100000008ull, (uint64_t)-1,
		0x8000000000000000ull,
	};

	if (r % 3 == 0)
		return (r >> 8) % 512;
	return pick(r >> 2, v, sizeof(v) / sizeof(v[0]));
}

/* Timeouts: mostly polls and a few ms; -1 only when someone will kill us. */
static uint64_t any_timeout(uint64_t r)
{
	uint64_t sel = r % 100;

	if (sel < 60)
		return 0;
	if (sel < 85)
		return 1 + (r >> 8) % 3;
	if (sel < 90)
		return allow_forever ? (uint64_t)-5 : 1;
	if (sel < 95)
		return allow_forever ? (uint64_t)-1 : 0;
	return allow_forever ? 0x4000000000000000ull : 2;
}

static uint64_t any_str(uint64_t r, enum ptrclass *cls)
{
	static char longname[40];
	uint64_t sel = r % 100;
	char *s = (char *)scratch + 8192 + ((r >> 8) % 4) * 64;

	*cls = PTR_OK;
	if (sel < 50) {
		strlcpy(s, names[(r >> 16) % 4], 64);
		return (uint64_t)s;
	}
	if (sel < 60) {
		static const char *const files[] = { "motd", "uhelper", "nope", "" };

		strlcpy(s, files[(r >> 16) % 4], 64);
		return (uint64_t)s;
	}
	if (sel < 65) {
		memset(longname, 'x', sizeof(longname) - 1);
		return (uint64_t)longname;
	}
	if (sel < 70) {		/* no NUL before the end of the heap */
		uint8_t *end = scratch + SCRATCH - 16;

		memset(end, 'y', 16);
		return (uint64_t)end;
	}
	return any_ptr(r >> 3, cls, false);
}

static uint64_t any_path(uint64_t r, enum ptrclass *cls)
{
	static const char *const files[] = { "uhelper", "uhelper", "uhelper", "motd", "nope", "" };
	char *s = (char *)scratch + 8448 + ((r >> 8) % 4) * 64;

	*cls = PTR_OK;
	if (r % 2)
		return any_str(r >> 2, cls);
	strlcpy(s, files[(r >> 8) % 6], 64);
	return (uint64_t)s;
}

static uint64_t any_argv(uint64_t r, enum ptrclass *cls)
{
	char **v = (char **)(scratch + 9000);
	char *s = (char *)scratch + 9100;

	*cls = PTR_OK;
	strlcpy(s, "uhelper", 16);
	strlcpy(s + 16, "exit", 16);
	strlcpy(s + 32, "0", 16);
	v[0] = s;
	v[1] = s + 16;
	v[2] = s + 32;
	v[3] = 0;
	switch (r % 6) {
	case 0:
	case 1:
	case 2: return (uint64_t)v;
	case 3: v[1] = (char *)P_KERNEL; *cls = PTR_BAD; return (uint64_t)v;
	default: {	/* a bad array; not NULL or our own memory, whose zeros make
			 * an empty argv, and uhelper would print its usage */
		uint64_t p = any_ptr(r >> 3, cls, false);

		if (*cls == PTR_BAD)
			return p;
		*cls = PTR_BAD;
		return P_KERNEL;
	}
	}
}

static uint64_t any_opts(uint64_t r, enum ptrclass *cls)
{
	struct spawn_opts *o = (struct spawn_opts *)(scratch + 10000);

	memset(o, 0, sizeof(*o));
	*cls = PTR_OK;
	if (r % 4 == 0) {
		*cls = PTR_NULL;
		return 0;
	}
	if (r % 4 == 1)
		return any_ptr(r >> 2, cls, false);
	o->nhandles = (r >> 4) % 5 < 3 ? (int32_t)((r >> 8) % 3) : (int32_t)((r >> 8) % 10) - 1;
	for (int i = 0; i < SPAWN_MAX_HANDLES; i++) {
		bool hi;

		o->handles[i] = (int32_t)any_handle(mix(&r), &hi, 0);
	}
	o->affinity = (r >> 16) % 3 == 0 ? any_int(r >> 20) : 0;
	o->max_handles = (uint32_t)((r >> 24) % 3 == 0 ? any_int(r >> 26) : 0);
	o->sandbox = (r >> 28) % 3 == 0 ? any_int(r >> 30) : 0;
	return (uint64_t)o;
}

/* Allocation failures for a worker (or a sibling, a child): the calls
 * after it meet -ENOMEM where the kernel allocates. */
static uint64_t any_fiset(uint64_t r, enum ptrclass *cls)
{
	struct failinject_set *fs = (struct failinject_set *)(scratch + 11000);
	bool hi;

	if (r % 10 < 3)
		return any_ptr(r >> 4, cls, false);
	*cls = PTR_OK;
	memset(fs, 0, sizeof(*fs));
	fs->mode = (uint32_t)((r >> 4) % 5);	/* 4: no such mode */
	fs->flags = (r >> 8) % 4 ? (uint32_t)((r >> 12) % 8) : (uint32_t)any_int(r >> 12);
	fs->n = (r >> 16) % 8 ? 1 + (r >> 20) % 40 : any_int(r >> 20);
	fs->seed = r;
	fs->pid = (int32_t)any_pid(mix(&r), &hi);
	if (fs->pid == 0)
		fs->pid = my_pid;	/* 0 is every process: the supervisor too */
	return (uint64_t)fs;
}

/* One argument of kind k from word r; *cls for pointers, *hi for
 * 32-bit values given bits above 31. */
static uint64_t arg(int k, uint64_t r, enum ptrclass *cls, bool *hi)
{
	static const uint64_t sizes[] = {
		0, 1, 4096, 4097, 8192, 65536, SHM_MAX_SIZE, SHM_MAX_SIZE + 1,
		0x100001000ull, (uint64_t)-1,
	};
	static const uint64_t caps[] = { 0, 1, 2, 4, 16, MBOX_MAX_CAPACITY, MBOX_MAX_CAPACITY + 1,
					 (uint64_t)-1, 0x100000001ull, 0x80000000ull };

	*cls = PTR_OK;
	*hi = false;
	switch (k) {
	case A_INT: return any_int(r);
	case A_HANDLE: return any_handle(r, hi, 0);
	case A_MBOXH: return any_handle(r, hi, HANDLE_TYPE_MBOX);
	case A_SHMH: return any_handle(r, hi, HANDLE_TYPE_SHM);
	case A_XFER: return r % 3 ? (uint64_t)NO_HANDLE : any_handle(r >> 2, hi, 0);
	case A_PATH: return any_path(r, cls);
	case A_FISET: return any_fiset(r, cls);
	case A_PID: return any_pid(r, hi);
	case A_PTR_IN: return any_ptr(r, cls, false);
	case A_PTR_OUT: return any_ptr(r, cls, true);
	case A_INFO:
		if (r % 10 < 7)
			return (uint64_t)scratch + 12000;
		return any_ptr(r >> 4, cls, true);
	case A_LEN: return any_len(r);
	case A_TIMEOUT: return any_timeout(r);
	case A_STR: return any_str(r, cls);
	case A_MASK: return r % 2 ? any_int(r >> 1) : (r >> 8) % 16;
	case A_RIGHTS: {
		static const uint64_t v[] = { RIGHT_SEND | RIGHT_RECV, RIGHT_SEND, RIGHT_RECV,
					      RIGHT_MAP_READ, RIGHT_MAP_READ | RIGHT_MAP_WRITE, RIGHT_ALL };

		if (r % 4 < 2)
			return pick(r >> 2, v, 6);
		return r % 4 == 2 ? (r >> 8) % 16 : any_int(r >> 2);
	}
	case A_ARGV: return any_argv(r, cls);
	case A_OPTS: return any_opts(r, cls);
	case A_SIZE: return r % 4 ? 1 + (r >> 8) % 20000 : pick(r >> 2, sizes, 10);
	case A_CAP: return r % 3 ? (r >> 8) % 8 : pick(r >> 2, caps, 10);
	case A_PROT: return r % 4 ? 1 + (r >> 8) % 3 : any_int(r >> 2);
	case A_FLAGS: return r % 4 ? (r >> 8) % 2 : any_int(r >> 2);
	case A_SMALL: return r % 4 ? (r >> 8) % 40 : any_int(r >> 2);
	case A_FD: return r % 3 ? 1 + (r >> 8) % 2 : any_int(r >> 2);
	case A_SLEEP: return r % 4 ? (r >> 8) % 3 : 1000000000000001ull + (r >> 8) % 1000;
	case A_MAPADDR:
		if (r % 3 && nmaps)
			return maps[(r >> 8) % (uint64_t)nmaps];
		return r % 3 == 1 ? SHM_BASE + ((r >> 8) % 64) * 4096 : any_int(r >> 2);
	case A_INCR: {
		int64_t d = (int64_t)((r >> 8) % 32768) - 8192;

		if (r % 8 == 0)
			return r % 16 == 0 ? 0x7fffffff00000000ull : 0x8000000100000000ull;
		return (uint64_t)d;
	}
	default: return 0;
	}
}

/* ---- running ops and checking them ---- */

static void finding(enum check c, uint32_t opi, const char *fmt, ...)
{
	va_list ap;

	if (me->check)
		return;
	va_start(ap, fmt);
	vsnprintf(me->why, sizeof(me->why), fmt, ap);
	va_end(ap);
	me->finding_op = opi;
	__atomic_store_n(&me->check, c, __ATOMIC_RELEASE);
}

static bool is_errno(int64_t v)
{
	static const int codes[] = { EPERM, ENOENT, ESRCH, EINTR, EIO, E2BIG, ENOEXEC, ECHILD,
				     EAGAIN, ENOMEM, EFAULT, EBUSY, EEXIST, EINVAL, ENOSPC,
				     EPIPE, ERANGE, ENOSYS, ETIMEDOUT, EBADH, EQUOTA };

	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (v == -codes[i])
			return true;
	return false;
}

/* Compares the mirror with the kernel's table, then adopts the kernel's. */
static void check_mirror(uint32_t opi, bool report)
{
	struct handle_info hi;

	for (int h = 0; h < QUOTA_HANDLES; h++) {
		bool there = sys_handle_info(h, &hi) == 0;

		if (there != held[h] && report)
			finding(C_MIRROR, opi, "handle %d is %s, but the calls said %s", h,
				there ? "open" : "closed", held[h] ? "open" : "closed");
		if (there && held[h] && htype[h] && htype[h] != hi.type && report)
			finding(C_MIRROR, opi, "handle %d changed kind from %d to %d", h, htype[h],
				hi.type);
		held[h] = there;
		htype[h] = there ? hi.type : 0;
	}
}

static void new_handle(int64_t h, int type, uint32_t opi)
{
	if (h < 0 || h >= QUOTA_HANDLES) {
		finding(C_SLOT, opi, "new handle %ld is outside the table", (long)h);
		return;
	}
	if (held[h])
		finding(C_SLOT, opi, "new handle %ld was already open", (long)h);
	held[h] = true;
	htype[h] = type;
}

static void log_call(uint32_t opi, int nr, const uint64_t *a)
{
	struct rec *r = &me->ring[me->head % RING];

	r->nr = (uint32_t)nr;
	r->op = opi;
	for (int i = 0; i < 6; i++)
		r->a[i] = a[i];
	r->ret = 0x5555;	/* not back yet */
	me->head++;
}

static void log_ret(int64_t ret)
{
	me->ring[(me->head - 1) % RING].ret = ret;
}

static void child_exit(void)
{
	sys_exit(0);
}

/* Keeps the process alive and the run going: adjusts arguments that
 * would end it for reasons that are no bug. */
static void tame(int nr, uint64_t *a, uint64_t sel)
{
	switch (nr) {
	case SYS_sbrk: {
		int64_t d = (int64_t)a[0];

		if (d < 0 && d > -(1ll << 40) && cur_brk + (uint64_t)d < heap_floor)
			a[0] = (uint64_t)-d;	/* never below our buffer */
		if (d > 0 && d < (1ll << 40) && cur_brk + (uint64_t)d > heap_floor + (16 << 20))
			a[0] = 0;
		break;
	}
	case SYS_shm_unmap:
		if (a[0] == shared_va)
			a[0] += 4096;		/* not our log */
		break;
	case SYS_sandbox:
		if (sel % 32)
			a[0] = SB_ALL;	/* rarely narrows */
		break;
	}
}

/* A program a worker may start: uhelper, or a name no program has.
 * Buffers hold what readdir and ps wrote (names of every program), and a
 * run must not start a shell, init or a benchmark. */
static bool harmless_path(uint64_t p)
{
	static const char *const ok[] = { "uhelper", "motd", "nope", "", "fz0", "fz1", "fz2", "fz3" };
	uint64_t room = 0;	/* readable bytes from p on */

	if (p >= (uint64_t)scratch && p < (uint64_t)scratch + SCRATCH)
		room = (uint64_t)scratch + SCRATCH - p;
	if (p == (uint64_t)text_page)
		room = sizeof(text_page);
	for (int i = 0; i < nmaps; i++)
		if (p >= maps[i] && p < maps[i] + 4096)
			room = maps[i] + 4096 - p;
	if (!room)
		return true;	/* not ours: a bad pointer, the call must fail */
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strlen(ok[i]) < room && memcmp((const void *)p, ok[i], strlen(ok[i]) + 1) == 0)
			return true;
	return false;
}

/* Whether the call may wait for as long as nobody acts. */
static bool may_block(int nr, const uint64_t *a)
{
	switch (nr) {
	case SYS_wait: return true;
	case SYS_mbox_send: return (int64_t)a[3] < 0 || a[3] > 60000;
	case SYS_mbox_recv: return (int64_t)a[3] < 0 || a[3] > 60000;
	case SYS_msg_send: return (int64_t)a[3] < 0 || a[3] > 60000;
	case SYS_msg_recv: return (int64_t)a[2] < 0 || a[2] > 60000;
	case SYS_sleep: return a[0] > 60000;
	case SYS_read: return true;
	default: return false;
	}
}

/* The argument index that must be a good buffer for the call to succeed,
 * and whether the call moved any bytes through it (ret). */
static bool badptr_success(int nr, const uint64_t *a, const enum ptrclass *cls, int64_t ret)
{
	bool bad[6];

	for (int i = 0; i < 6; i++)
		bad[i] = cls[i] == PTR_BAD || cls[i] == PTR_RO;
	switch (nr) {
	case SYS_write: return bad[1] && a[2] && ret > 0;
	case SYS_read: return bad[1] && ret > 0;
	case SYS_ps: return (bad[0] || cls[0] == PTR_NULL) && ret > 0;
	case SYS_readdir: return (bad[1] || cls[1] == PTR_NULL) && ret == 0;
	case SYS_fileread: return (bad[0] && ret >= 0) || ((bad[2] || cls[2] == PTR_NULL) && ret > 0);
	case SYS_memstat: return (bad[0] || cls[0] == PTR_NULL) && ret == 0;
	case SYS_wait: return bad[1] && ret > 0;
	case SYS_handle_info: return (bad[1] || cls[1] == PTR_NULL) && ret == 0;
	case SYS_shm_create: return bad[1] && ret >= 0;
	case SYS_shm_open: return (bad[0] || cls[0] == PTR_NULL) && ret >= 0;
	case SYS_shm_unlink: return (bad[0] || cls[0] == PTR_NULL) && ret == 0;
	case SYS_mbox_create: return bad[1] && ret >= 0;
	case SYS_mbox_open: return (bad[0] || cls[0] == PTR_NULL) && ret >= 0;
	case SYS_mbox_send: return (bad[1] || cls[1] == PTR_NULL) && a[2] && ret == 0;
	case SYS_mbox_recv: return ((bad[1] || cls[1] == PTR_NULL) && ret > 0) || (bad[4] && ret >= 0);
	case SYS_msg_send: return (bad[1] || cls[1] == PTR_NULL) && a[2] && ret == 0;
	case SYS_msg_recv: return ((bad[0] || cls[0] == PTR_NULL) && ret > 0) || (bad[3] && ret >= 0);
	case SYS_spawn: return (bad[0] || cls[0] == PTR_NULL || bad[1] || bad[2]) && ret > 0;
	case SYS_counters: return (bad[0] || cls[0] == PTR_NULL) && a[1] && ret > 0;
	case SYS_proc_counters: return (bad[1] || cls[1] == PTR_NULL) && ret == 0;
	case SYS_failinject: return (bad[0] || cls[0] == PTR_NULL) && ret >= 0;
	default: return false;
	}
}

/* Whether value v is too wide for an argument of kind k: an int must be
 * the sign extension of its low 32 bits, a uint32_t have none above. */
static bool too_wide(int k, uint64_t v)
{
	switch (k) {
	case A_HANDLE: case A_MBOXH: case A_SHMH: case A_XFER: case A_PID: case A_CAP:
	case A_FD: case A_PROT: case A_SMALL:
		return (int64_t)v != (int64_t)(int32_t)v;
	case A_RIGHTS: case A_FLAGS:
		return (v >> 32) != 0;
	default:
		return false;
	}
}

/* Updates the mirror and children after a call that returned ret. */
static void after(int nr, const uint64_t *a, const bool *hi, int64_t ret, uint32_t opi)
{
	struct msg_info *mi = (struct msg_info *)(scratch + 12000);

	switch (nr) {
	case SYS_close:
		if (ret == 0 && !hi[0] && a[0] < QUOTA_HANDLES)
			htype[a[0]] = 0;
		if (ret == 0 && !hi[0] && a[0] >= QUOTA_HANDLES)
			finding(C_MIRROR, opi, "close(%#lx) succeeded on no handle", a[0]);
		else if (ret == 0 && !hi[0]) {
			if (!held[a[0]])
				finding(C_MIRROR, opi, "close(%lu) succeeded on a closed handle", a[0]);
			held[a[0]] = false;
		}
		break;
	case SYS_dup:
		if (ret >= 0)
			new_handle(ret, a[0] < QUOTA_HANDLES ? htype[a[0]] : 0, opi);
		break;
	case SYS_shm_create:
	case SYS_shm_open:
		if (ret >= 0)
			new_handle(ret, HANDLE_TYPE_SHM, opi);
		break;
	case SYS_mbox_create:
	case SYS_mbox_open:
	case SYS_proc_events:
		if (ret >= 0)
			new_handle(ret, HANDLE_TYPE_MBOX, opi);
		break;
	case SYS_mbox_send:
		if (ret == 0 && (int64_t)a[4] != NO_HANDLE && !(a[5] & SEND_KEEP_HANDLE) && !hi[4] &&
		    a[4] < QUOTA_HANDLES)
			held[a[4]] = false;
		break;
	case SYS_mbox_recv:
	case SYS_msg_recv: {
		uint64_t info = nr == SYS_mbox_recv ? a[4] : a[3];

		if (ret < 0)
			break;
		if (info == (uint64_t)mi) {
			if (mi->handle != NO_HANDLE)
				new_handle(mi->handle, 0, opi);
		} else {
			check_mirror(opi, false);	/* a handle may have come unseen */
		}
		break;
	}
	case SYS_sbrk:
		if (ret > 0)
			cur_brk = (uint64_t)sys_sbrk(0);
		break;
	case SYS_shm_map:
		if (ret > 0 && nmaps < 16)
			maps[nmaps++] = (uint64_t)ret;
		break;
	case SYS_shm_unmap:
		if (ret == 0)
			for (int i = 0; i < nmaps; i++)
				if (maps[i] == a[0])
					maps[i] = maps[--nmaps];
		break;
	case SYS_fork:
	case SYS_spawn:
		if (ret > 0 && nkids < 8)
			kids[nkids++] = (int)ret;
		break;
	case SYS_wait:
		for (int i = 0; ret > 0 && i < nkids; i++)
			if (kids[i] == ret)
				kids[i] = kids[--nkids];
		break;
	}
}

/* Runs one op; returns false when the process must stop (it was a
 * forked child's end). */
static void run_op(const struct op *o, uint32_t opi)
{
	const struct call *c = &calls[o->call];
	uint64_t a[6];
	enum ptrclass cls[6];
	bool hi[6];
	int nr = c->nr;
	int64_t ret;

	for (int i = 0; i < 6; i++) {
		a[i] = arg(c->k[i], o->r[i], &cls[i], &hi[i]);
		hi[i] = too_wide(c->k[i], a[i]);
	}
	if (nr < 0) {		/* a number no call has */
		static const uint64_t bad[] = { 0, NSYSCALL, NSYSCALL + 1, 100, 0x100000000ull | SYS_getpid,
						(uint64_t)-1, 0x8000000000000000ull, 255 };
		nr = (int)(o->r[0] % 8);
		a[0] = o->r[1] >> 60;	/* harmless arguments */
		ret = syscall6((long)bad[nr], 0, 0, 0, 0, 0, 0);
		log_call(opi, (int)bad[nr], a);
		log_ret(ret);
		__atomic_fetch_add(&sh->made[o->call], 1, __ATOMIC_RELAXED);
		if (ret != -ENOSYS)
			finding(C_ENOSYS, opi, "call number %#lx returned %ld", bad[nr], (long)ret);
		return;
	}
	if (excluded[o->call])
		nr = SYS_getpid;
	if ((nr == SYS_exec || nr == SYS_spawn) && cls[0] == PTR_OK && !harmless_path(a[0]))
		a[0] = (uint64_t)"nope";
	tame(nr, a, o->r[5]);
	/* Console calls only with buffers that must fail, or no bytes: no
	 * noise on the console, no waiting for input. */
	if ((nr == SYS_write || nr == SYS_read) && cls[1] != PTR_BAD)
		a[2] = 0;
	if (nr == SYS_exit && o->r[5] % 8)
		nr = SYS_getpid;	/* exits rarely */
	if (nr == SYS_exit && (int)a[0] == EXIT_FINDING)
		a[0] = 0;
	if (nr == SYS_fork && (is_child || nkids >= 4))
		nr = SYS_yield;
	if (nr == SYS_kcheck && o->r[0] % 16)
		nr = SYS_getpid;	/* it stops every CPU's scheduling a moment: rarely */
	if (nr == SYS_sandbox && a[0] != SB_ALL)
		me->sandboxed = 1;
	if (nr == SYS_wait && nkids == 0)
		a[0] = (uint64_t)-1;	/* nothing to wait for: -ECHILD at once */
	if (nr == SYS_wait && is_child)
		nr = SYS_getppid;
	/* Nobody kills a forked child or a replay: they never wait for
	 * long (a worker waits for its children, which end soon). */
	if ((is_child || !allow_forever) && may_block(nr, a) && !(nr == SYS_wait && !is_child))
		nr = SYS_yield;
	log_call(opi, nr, a);
	me->may_block = may_block(nr, a);
	ret = syscall6(nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4], (long)a[5]);
	me->may_block = 0;
	log_ret(ret);
	if (!is_child) {
		__atomic_fetch_add(&sh->made[o->call], 1, __ATOMIC_RELAXED);
		if (ret >= 0)
			__atomic_fetch_add(&sh->ok[o->call], 1, __ATOMIC_RELAXED);
	}
	if (nr == SYS_fork && ret == 0) {	/* the child: a few ops, then exit */
		my_pid = getpid();
		is_child = true;
		me = &child_slot;
		nkids = 0;
		return;
	}
	for (int i = 0; i < 6 && nr == c->nr && ret >= 0; i++)
		if (hi[i])
			finding(C_WIDE, opi, "%s argument %d = %#lx: returned %ld", c->name, i + 1,
				a[i], (long)ret);
	if (ret < 0 && !is_errno(ret) && nr != SYS_sandbox && nr != SYS_uptime)
		finding(C_ERRNO, opi, "%s returned %ld", c->name, (long)ret);
	if (badptr_success(nr, a, cls, ret))
		finding(C_BADPTR, opi, "%s returned %ld with a bad pointer", c->name, (long)ret);
	if (plant && nr == SYS_dup && ret >= 0 && a[1] == RIGHT_SEND)
		finding(C_PLANTED, opi, "dup(%lu, RIGHT_SEND) returned %ld", a[0], (long)ret);
	after(nr, a, hi, ret, opi);
}

static int sup_events = -1, sup_shm = -1;	/* the supervisor's own handles */

/* A new worker (or replay): forgets the supervisor's own handles, takes
 * its buffer and learns its handle table. */
static void worker_setup(void)
{
	close(sup_events);
	close(sup_shm);
	heap_floor = (uint64_t)sbrk(0);
	scratch = sbrk(SCRATCH);
	if (ptr_error(scratch))
		exit(2);
	heap_floor += SCRATCH;
	cur_brk = heap_floor;
	nmaps = nkids = 0;
	my_pid = getpid();
	check_mirror(0, false);
}

static void run_ops_from_seed(uint64_t seed, uint64_t n)
{
	uint64_t rng = seed;

	for (uint64_t i = 0; i < n && !me->check; i++) {
		struct op o = gen_op(&rng);

		run_op(&o, (uint32_t)i);
		if (is_child && (me->done++ > CHILD_OPS))
			child_exit();
		if (is_child)
			continue;
		__atomic_store_n(&me->done, me->done + 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&sh->calls, 1, __ATOMIC_RELAXED);
		if (i % MIRROR_EVERY == MIRROR_EVERY - 1)
			check_mirror((uint32_t)i, true);
	}
	if (is_child)
		child_exit();
	if (!me->check)
		check_mirror((uint32_t)n, true);
	for (int i = 0; i < nkids; i++)
		kill(kids[i]);
	while (wait(WAIT_ANY, 0) > 0)
		;
}

static void worker(int slot, uint64_t seed, uint64_t n)
{
	me = &sh->slots[slot];
	worker_setup();
	run_ops_from_seed(seed, n);
	exit(me->check ? EXIT_FINDING : 0);
}

/* ---- the supervisor ---- */

struct run {
	uint64_t seed, n, serial, kills, starts, findings, stalls;
	int nworkers, events, shm_h;
	bool kill;
	int pids[MAXW];
	uint64_t last_done[MAXW], last_change[MAXW];
	uint64_t seeds[MAXW];
	int shrunk;
};

static const char *call_name(uint32_t nr)
{
	static char num[24];

	for (int i = 0; i < NCALLS; i++)
		if (calls[i].nr == (int)nr)
			return calls[i].name;
	snprintf(num, sizeof(num), "syscall%#x", nr);
	return num;
}

static void print_ring(const struct slot *s, int last)
{
	uint32_t n = s->head < RING ? s->head : RING;

	if ((int)n > last)
		n = (uint32_t)last;
	printf("sysfuzz:   its last %u calls (op: call(args) = result):\n", n);
	for (uint32_t i = s->head - n; i != s->head; i++) {
		const struct rec *r = &s->ring[i % RING];

		printf("sysfuzz:     #%u %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = %ld\n", r->op,
		       call_name(r->nr), r->a[0], r->a[1], r->a[2], r->a[3], r->a[4], r->a[5],
		       (long)r->ret);
	}
}

/* Runs ops seq[0..n-1] (drawn from seed) alone in a child; returns the
 * check it failed, or C_NONE.  keep[i]: whether op i is in. */
static struct op seq[MAX_SEQ];
static bool keep[MAX_SEQ];

static enum check replay(uint32_t n)
{
	struct wait_info wi;
	struct slot *s = &sh->slots[REPLAY_SLOT];
	int pid;

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	if ((pid = fork()) == 0) {
		me = s;
		allow_forever = false;
		worker_setup();
		for (uint32_t i = 0; i < n && !me->check; i++)
			if (keep[i])
				run_op(&seq[i], i);
		if (is_child)
			child_exit();
		if (!me->check)
			check_mirror(n, true);
		for (int i = 0; i < nkids; i++)
			kill(kids[i]);
		while (wait(WAIT_ANY, 0) > 0)
			;
		exit(me->check ? EXIT_FINDING : 0);
	}
	if (pid < 0)
		return C_NONE;
	s->pid = pid;
	/* A replay makes no call that waits for someone else (run_op turns
	 * them into yields), so this wait ends. */
	if (wait(pid, &wi) != pid)
		return C_NONE;
	if (wi.how == EXIT_FAULT)
		return C_FAULT;
	return wi.how == EXIT_NORMAL && wi.status == EXIT_FINDING ? (enum check)s->check : C_NONE;
}

static uint32_t count_kept(uint32_t n)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++)
		k += keep[i];
	return k;
}

/* Delta debugging (ddmin) over the kept ops: drops chunks while the
 * same check still fails. */
static void shrink(uint64_t seed, uint32_t upto, enum check want)
{
	uint64_t rng = seed;
	int runs = 0, parts = 2;
	uint32_t n = upto + 1 > MAX_SEQ ? MAX_SEQ : upto + 1;

	for (uint32_t i = 0; i < n; i++) {
		seq[i] = gen_op(&rng);
		keep[i] = true;
	}
	if (replay(n) != want) {
		printf("sysfuzz:   replayed alone, ops 0..%u do not fail again "
		       "(it needed the other processes or their timing)\n", n - 1);
		return;
	}
	while (count_kept(n) >= 2 && runs < MAX_SHRINK_RUNS) {
		uint32_t kept = count_kept(n), size = (kept + (uint32_t)parts - 1) / (uint32_t)parts;
		bool reduced = false;

		for (int p = 0; p < parts && !reduced && runs < MAX_SHRINK_RUNS; p++) {
			uint32_t idx = 0;
			bool saved[MAX_SEQ];

			memcpy(saved, keep, n);
			for (uint32_t i = 0; i < n; i++) {	/* drop part p */
				if (!keep[i])
					continue;
				if (idx / size == (uint32_t)p)
					keep[i] = false;
				idx++;
			}
			runs++;
			if (replay(n) == want) {
				reduced = true;
				parts = parts > 2 ? parts - 1 : 2;
			} else {
				memcpy(keep, saved, n);
			}
		}
		if (!reduced) {
			if ((uint32_t)parts >= kept)
				break;
			parts = parts * 2 > (int)kept ? (int)kept : parts * 2;
		}
	}
	printf("sysfuzz:   minimal sequence (%u of %u ops, %d replays; replay with "
	       "sysfuzz -r %#lx -l %u):\n", count_kept(n), n, runs, seed, n);
	for (uint32_t i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		const struct call *c = &calls[seq[i].call];

		printf("sysfuzz:     op %u: %s  words %#lx %#lx %#lx %#lx %#lx %#lx\n", i, c->name,
		       seq[i].r[0], seq[i].r[1], seq[i].r[2], seq[i].r[3], seq[i].r[4], seq[i].r[5]);
	}
	if (!best_shrunk || count_kept(n) < best_shrunk)
		best_shrunk = count_kept(n);
	if (replay(n) == want) {	/* once more, to show the calls as made */
		printf("sysfuzz:   as made in the last replay:\n");
		print_ring(&sh->slots[REPLAY_SLOT], RING);
	}
}

/* sysfuzz -r WSEED -l LEN: a worker's first LEN ops alone, shrunk if
 * they fail a check. */
static int replay_main(uint64_t seed, uint32_t n)
{
	uint64_t rng = seed;
	enum check c;

	for (uint32_t i = 0; i < n; i++) {
		seq[i] = gen_op(&rng);
		keep[i] = true;
	}
	c = replay(n);
	printf("sysfuzz: replay of worker seed %#lx, %u ops: %s\n", seed, n,
	       c ? check_name[c] : "no finding");
	if (c != C_NONE)
		shrink(seed, n - 1, c);
	return c != C_NONE;
}

static void report(struct run *rn, int w, const char *how)
{
	struct slot *s = &sh->slots[w];
	enum check c = s->check ? (enum check)s->check : C_FAULT;

	rn->findings++;
	printf("sysfuzz: FINDING (seed %#lx, worker seed %#lx, pid %d): %s: %s\n", rn->seed,
	       s->seed, s->pid, check_name[c], s->check ? s->why : how);
	print_ring(s, 16);
	if (rn->shrunk < 3 && c != C_STALL) {
		rn->shrunk++;
		shrink(s->seed, s->check ? s->finding_op : (s->head ? s->ring[(s->head - 1) % RING].op : 0),
		       c);
	}
}

static void start_worker(struct run *rn, int w)
{
	uint64_t seed = worker_seed(rn->seed, rn->serial++);
	int pid;

	memset(&sh->slots[w], 0, sizeof(sh->slots[w]));
	sh->slots[w].seed = seed;
	sh->slots[w].pid = -1;
	if ((pid = fork()) == 0) {
		allow_forever = rn->kill;
		worker(w, seed, CHUNK);
	}
	if (pid < 0) {
		printf("sysfuzz: fork failed: %s\n", errno_name(pid));
		return;
	}
	sh->slots[w].pid = pid;
	rn->pids[w] = pid;
	rn->seeds[w] = seed;
	rn->last_done[w] = 0;
	rn->last_change[w] = uptime_ms();
	rn->starts++;
}

/* A worker ended: judge how. */
static void ended(struct run *rn, int w, const struct wait_info *wi, bool killed_by_us)
{
	struct slot *s = &sh->slots[w];
	char why[120];

	rn->pids[w] = 0;
	s->pid = wi->pid;	/* for the report */
	if (wi->how == EXIT_NORMAL && wi->status == EXIT_FINDING)
		report(rn, w, "");
	else if (wi->how == EXIT_FAULT) {
		exit_reason(wi, why, sizeof(why));
		report(rn, w, why);
	} else if (wi->how == EXIT_SANDBOX && !s->sandboxed) {
		snprintf(why, sizeof(why), "sandbox violation in call %d without a sandbox",
			 wi->status);
		s->check = C_MIRROR;
		snprintf(s->why, sizeof(s->why), "%s", why);
		report(rn, w, why);
	} else if (wi->how == EXIT_KILLED && !killed_by_us)
		rn->kills++;	/* a sibling killed it: fine */
	s->pid = 0;
}

static int slot_of(struct run *rn, int pid)
{
	for (int w = 0; w < rn->nworkers; w++)
		if (rn->pids[w] == pid)
			return w;
	return -1;
}

/* Reaps every child that ended (their exit events), without blocking. */
static void reap(struct run *rn)
{
	struct wait_info wi;
	struct msg_info mi;

	while (mbox_recv(rn->events, &wi, sizeof(wi), 0, &mi) >= 0) {
		int w = slot_of(rn, wi.pid);

		wait(wi.pid, &wi);
		if (w >= 0)
			ended(rn, w, &wi, false);
	}
}

/* Kills workers at random and those stuck; true if it killed one. */
static void police(struct run *rn, uint64_t *rng)
{
	uint64_t now = uptime_ms();

	for (int w = 0; w < rn->nworkers; w++) {
		struct slot *s = &sh->slots[w];
		uint64_t done = __atomic_load_n(&s->done, __ATOMIC_RELAXED);

		if (!rn->pids[w])
			continue;
		if (done != rn->last_done[w]) {
			rn->last_done[w] = done;
			rn->last_change[w] = now;
		} else if (now - rn->last_change[w] > STALL_MS) {
			if (!s->may_block && !s->check) {
				s->check = C_STALL;
				snprintf(s->why, sizeof(s->why), "no call returned in %d ms", STALL_MS);
				report(rn, w, "");
			}
			kill(rn->pids[w]);
			rn->stalls++;
			rn->last_change[w] = now;
		}
		if (rn->kill && mix(rng) % 100 < 1) {
			kill(rn->pids[w]);
			rn->kills++;
		}
	}
}

/* Waits (2 s at most) for processes, objects, heap bytes and, if
 * frames, free frames to be back at base. */
static bool settled(const struct memstat *base, struct memstat *now, bool frames)
{
	for (int tries = 0; tries < 100; tries++) {
		if (tries)
			sleep(20);
		memstat(now);
		if (now->nprocs == base->nprocs && now->nobjects == base->nobjects &&
		    now->kmalloc_bytes == base->kmalloc_bytes &&
		    (!frames || now->free_frames == base->free_frames))
			return true;
	}
	return false;
}

/* One pass: n calls by up to nworkers workers at a time. */
static void pass(struct run *rn, uint64_t n)
{
	uint64_t rng = rn->seed ^ 0x5bd1e995;
	struct wait_info wi;

	uint64_t next_report = 100000;

	sh->calls = 0;
	for (int w = 0; w < rn->nworkers; w++)
		start_worker(rn, w);
	while (__atomic_load_n(&sh->calls, __ATOMIC_RELAXED) < n && rn->findings < 10) {
		if (sh->calls >= next_report) {
			printf("sysfuzz: %lu calls\n", next_report);
			next_report += 100000;
		}
		sleep(1 + mix(&rng) % 20);
		reap(rn);
		police(rn, &rng);
		reap(rn);
		for (int w = 0; w < rn->nworkers; w++)
			if (!rn->pids[w] && __atomic_load_n(&sh->calls, __ATOMIC_RELAXED) < n)
				start_worker(rn, w);
	}
	for (int w = 0; w < rn->nworkers; w++)
		if (rn->pids[w])
			kill(rn->pids[w]);
	for (int w = 0; w < rn->nworkers; w++) {
		if (!rn->pids[w])
			continue;
		wait(rn->pids[w], &wi);
		ended(rn, w, &wi, true);
	}
	reap(rn);	/* drop the events of what we just reaped */
	while (mbox_recv(rn->events, &wi, sizeof(wi), 0, 0) >= 0)
		;
}

/* How often each call was made and succeeded (both passes). */
static void print_tally(void)
{
	uint64_t made = 0, ok = 0;
	char line[100];
	int n = 0;

	for (int i = 0; i < NCALLS; i++) {
		made += sh->made[i];
		ok += sh->ok[i];
	}
	printf("sysfuzz: %lu of %lu calls succeeded; made/succeeded per call:\n", ok, made);
	for (int i = 0; i < NCALLS; i++) {
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  %s %lu/%lu", calls[i].name,
			      sh->made[i], sh->ok[i]);
		if (n > 70 || i == NCALLS - 1) {
			printf("sysfuzz: %s\n", line);
			n = 0;
		}
	}
}

/* Ends any allocation-failure injection a worker left armed. */
static void injection_off(void)
{
	struct failinject_set off = { .mode = FI_OFF };

	failinject(&off);
}

static int usage(void)
{
	eprintf("usage: sysfuzz [-n CALLS] [-s SEED] [-w WORKERS] [-k 0|1] [-x CALL]... [-T] | "
		"-r WSEED -l LEN\n");
	return 2;
}

/* The objects the workers share: mailboxes and a shm object, inherited. */
static void make_shared_objects(int *h)
{
	h[0] = mbox_create(4, 0);
	h[1] = mbox_create(0, 0);
	h[2] = shm_create(8192, 0);
}

int main(int argc, char **argv)
{
	struct run rn = { .seed = 1, .n = 20000, .nworkers = 4, .kill = true };
	long v, replay_len = -1;
	uint64_t replay_seed = 0;
	struct memstat base, now;
	int objs[3], h;

	for (int i = 0; i < NCALLS; i++)
		total_weight += calls[i].weight;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-T") == 0) {
			plant = true;
			continue;
		}
		if (i + 1 < argc && strcmp(argv[i], "-x") == 0) {
			if (!exclude(argv[++i]))
				return usage();
			continue;
		}
		if (i + 1 >= argc || !parse_long(argv[i + 1], &v))
			return usage();
		switch (argv[i][0] == '-' ? argv[i][1] : 0) {
		case 'n': rn.n = (uint64_t)v; break;
		case 's': rn.seed = (uint64_t)v; break;
		case 'w': rn.nworkers = v < 1 ? 1 : v > MAXW ? MAXW : (int)v; break;
		case 'k': rn.kill = v != 0; break;
		case 'r': replay_seed = (uint64_t)v; break;
		case 'l': replay_len = v; break;
		default: return usage();
		}
		i++;
	}
	memstat(&now);
	uint64_t nprocs0 = now.nprocs;

	/* Everything the supervisor keeps exists before the baseline. */
	injection_off();
	rn.events = sup_events = proc_events();
	kcheck();
	if ((rn.shm_h = sup_shm = shm_create(sizeof(struct shared), 0)) < 0 ||
	    ptr_error(sh = shm_map(rn.shm_h, PROT_READ | PROT_WRITE))) {
		printf("sysfuzz: no shared page\n");
		return 1;
	}
	shared_va = (uint64_t)sh;
	sh->sup_pid = getpid();
	if (replay_len > 0)
		return replay_main(replay_seed, (uint32_t)(replay_len > MAX_SEQ ? MAX_SEQ : replay_len));
	printf("sysfuzz: seed %ld, %lu calls, %d workers, kills %s\n", (long)rn.seed, rn.n,
	       rn.nworkers, rn.kill ? "on" : "off");
	/* A short warm-up pass first, so caches the kernel keeps (kmalloc's
	 * frames) have grown before the baseline. */
	make_shared_objects(objs);
	pass(&rn, rn.n / 20 > 5000 ? 5000 : rn.n / 20);
	injection_off();
	for (int i = 0; i < 3; i++)
		close(objs[i]);
	uint64_t warm = sh->calls;

	for (int tries = 0; tries < 100 && memstat(&base) == 0 && base.nprocs > nprocs0; tries++)
		sleep(20);	/* orphans of workers: init reaps them */
	kcheck();
	memstat(&base);
	make_shared_objects(objs);
	uint64_t t0 = uptime_ms();

	pass(&rn, rn.n);
	injection_off();
	uint64_t calls = sh->calls, ms = uptime_ms() - t0;

	for (int i = 0; i < 3; i++)
		close(objs[i]);
	h = kcheck();
	bool same = settled(&base, &now, true);
	struct memstat mid = now;

	if (!same && settled(&base, &now, false)) {
		/* Only frames differ: kmalloc keeps the frames it carved, so
		 * the pool may have grown.  Another pass must not lose more. */
		mid = now;
		printf("sysfuzz: %ld frames fewer than at the start; a settling pass tells a "
		       "leak from kmalloc's pool growing\n", (long)(base.free_frames - now.free_frames));
		make_shared_objects(objs);
		pass(&rn, rn.n / 10 > 20000 ? 20000 : rn.n / 10);
		injection_off();
		for (int i = 0; i < 3; i++)
			close(objs[i]);
		kcheck();
		struct memstat want = mid;

		same = settled(&want, &now, true);
		base.free_frames = mid.free_frames;
	}

	printf("sysfuzz: %lu calls (+%lu warm-up) in %lu ms by %lu workers, %lu killed, %lu "
	       "stalled\n", calls, warm, ms, rn.starts, rn.kills, rn.stalls);
	printf("sysfuzz: kcheck: ok (%d objects)\n", h);
	printf("sysfuzz: memory: free frames %lu -> %lu, kernel heap %lu -> %lu bytes, objects "
	       "%lu -> %lu, processes %lu -> %lu: %s\n", base.free_frames, now.free_frames,
	       base.kmalloc_bytes, now.kmalloc_bytes, base.nobjects, now.nobjects, base.nprocs,
	       now.nprocs, same ? "back to baseline" : "NOT back to baseline");
	print_tally();
	if (plant) {
		bool ok = same && rn.findings > 0 && best_shrunk >= 1 && best_shrunk <= 4;

		printf("sysfuzz: self-test: the planted finding was %s (%lu findings, best "
		       "shrunk to %u ops): %s\n", ok ? "reported and shrunk" : "MISSED",
		       rn.findings, best_shrunk, ok ? "ok" : "FAILED");
		return !ok;
	}
	printf("sysfuzz: %lu findings\n", rn.findings);
	if (!same || rn.findings)
		return 1;
	printf("sysfuzz: ok\n");
	return 0;
}
