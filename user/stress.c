/*
 * stress: load tests that end with the kernel's invariant check and
 * memory back to its baseline.
 *
 *   stress procs [-n N]         N processes created (fork and spawn) and
 *                               reaped, up to 32 alive at once, pinned
 *                               round robin across the CPUs
 *   stress msgs [-n N] [-s S]   N messages among 16 processes with random
 *                               kills, each delivered exactly once
 *   stress all [-n N]           both (msgs with 10 N)
 *
 * Exactly once, and what it means when processes are killed.  Four
 * mailboxes (capacity 8); per mailbox one anchor receiver that is never
 * killed, so a message reported sent can always be received.  Eight
 * senders draw message ids from a counter in shared memory (the ledger)
 * and record each id's fate there: ATTEMPTED before mbox_send, then SENT
 * (it returned 0) or FAILED (an error).  A sender killed in the call
 * leaves ATTEMPTED: such a message may or may not arrive, both are right.
 * Receivers record what they took: an anchor counts id in the ledger; a
 * killable receiver (four of them, holding receive handles of the same
 * mailboxes as the anchors) receives straight into a fresh landing slot
 * of a second shared object, so what it took is on record even if it is
 * killed the instant the call returns.  The check, over every id:
 *   received more than once                    duplicate
 *   received, but its send reported an error   delivered after a failure
 *   SENT, but received nowhere                 lost
 *   payload not what was sent                  corrupted
 * Phase 1 (the first half of the ids) kills only senders; phase 2 also
 * kills the killable receivers, whose receive rights the anchors share.
 *
 * The exit status is 0 only if every check passed.
 */
#include "ipc.h"

#define MS		1000000ull
#define NBOX		4
#define NSEND		8
#define NKILLRECV	4
#define BOX_CAP		8
#define MSG_MIN		16
#define MSG_MAXLEN	64		/* landing slots are this big */
#define LANDING		(SHM_MAX_SIZE / MSG_MAXLEN)
#define LEDGER_IDS	(SHM_MAX_SIZE / 2 - 4096)	/* state + count bytes */

enum fate { F_NONE, F_ATTEMPTED, F_SENT, F_FAILED };

/* The ledger: one shm object shared by the controller and every child. */
struct ledger {
	uint64_t next_id;		/* [atomic] ids handed out */
	uint64_t limit;			/* ids to hand out */
	uint64_t next_landing;		/* [atomic] landing slots handed out */
	uint64_t bad_payload;		/* [atomic] corrupted messages seen */
	uint64_t bad_result;		/* [atomic] results no call may give */
	int64_t last_bad;
	int phase;			/* 1: senders are killed; 2: receivers too */
	int done;			/* senders are finished: anchors drain and exit */
	uint8_t fate[LEDGER_IDS / 2];	/* enum fate per id */
	uint8_t got[LEDGER_IDS / 2];	/* receipts by anchors per id */
	uint8_t back[LANDING];		/* its mbox_recv returned (killable receivers) */
};

static struct ledger *L;
static uint8_t *landing;		/* LANDING slots of MSG_MAXLEN bytes */
static int boxes[NBOX];

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ---- payloads: id, length, then bytes that follow from both ---- */

static uint32_t fill(uint8_t *m, uint64_t id, uint64_t *seed)
{
	uint32_t len = MSG_MIN + (uint32_t)(rnd(seed) % (MSG_MAXLEN - MSG_MIN + 1));

	memcpy(m, &id, 8);
	memcpy(m + 8, &len, 4);
	for (uint32_t i = 12; i < len; i++)
		m[i] = (uint8_t)(id * 31 + i);
	return len;
}

/* The id of a received message, or -1 if it is not what was sent. */
static int64_t payload_id(const uint8_t *m, long len)
{
	uint64_t id;
	uint32_t want;

	if (len < MSG_MIN)
		return -1;
	memcpy(&id, m, 8);
	memcpy(&want, m + 8, 4);
	if (want != (uint32_t)len || id >= L->limit)
		return -1;
	for (uint32_t i = 12; i < want; i++)
		if (m[i] != (uint8_t)(id * 31 + i))
			return -1;
	return (int64_t)id;
}

static void bad_result(long r)
{
	__atomic_fetch_add(&L->bad_result, 1, __ATOMIC_RELAXED);
	L->last_bad = r;
}

/* ---- the processes ---- */

static void sender(uint64_t seed)
{
	uint8_t m[MSG_MAXLEN];

	for (;;) {
		uint64_t id = __atomic_fetch_add(&L->next_id, 1, __ATOMIC_RELAXED);
		uint64_t r = rnd(&seed);
		int64_t timeout = r % 10 < 5 ? TIMEOUT_NEVER : r % 10 < 7 ? 0 : (int64_t)(1 + r % 5);
		uint32_t len;
		int ret;

		if (id >= L->limit)
			exit(0);
		len = fill(m, id, &seed);
		__atomic_store_n(&L->fate[id], F_ATTEMPTED, __ATOMIC_RELEASE);
		ret = mbox_send(boxes[(r >> 8) % NBOX], m, len, timeout, NO_HANDLE, 0);
		__atomic_store_n(&L->fate[id], ret == 0 ? F_SENT : F_FAILED, __ATOMIC_RELEASE);
		if (ret != 0 && ret != -EAGAIN && ret != -ETIMEDOUT)
			bad_result(ret);
	}
}

/* Never killed: counts what it takes; drains and exits once senders are done. */
static void anchor(int box)
{
	uint8_t m[MSG_MAXLEN];

	for (;;) {
		int done = __atomic_load_n(&L->done, __ATOMIC_ACQUIRE);
		long r = mbox_recv(boxes[box], m, sizeof(m), done ? 0 : 20, 0);

		if (r >= 0) {
			int64_t id = payload_id(m, r);

			if (id < 0)
				__atomic_fetch_add(&L->bad_payload, 1, __ATOMIC_RELAXED);
			else
				__atomic_fetch_add(&L->got[id], 1, __ATOMIC_RELAXED);
		} else if (r == -EAGAIN && done) {
			exit(0);
		} else if (r != -EAGAIN && r != -ETIMEDOUT) {
			bad_result(r);
		}
	}
}

/* Killable: each receive lands in a slot of its own in shared memory. */
static void killable(uint64_t seed)
{
	for (;;) {
		uint64_t k = __atomic_fetch_add(&L->next_landing, 1, __ATOMIC_RELAXED);
		uint64_t r = rnd(&seed);
		long got;

		if (k >= LANDING)
			exit(0);
		got = mbox_recv(boxes[r % NBOX], landing + k * MSG_MAXLEN, MSG_MAXLEN,
				r % 2 ? TIMEOUT_NEVER : 5, 0);
		L->back[k] = 1;
		if (got >= 0 && payload_id(landing + k * MSG_MAXLEN, got) < 0)
			__atomic_fetch_add(&L->bad_payload, 1, __ATOMIC_RELAXED);
		if (got < 0 && got != -ETIMEDOUT)
			bad_result(got);
	}
}

static int start(void (*fn)(uint64_t), uint64_t arg)
{
	int pid = fork();

	if (pid == 0) {
		fn(arg);
		exit(0);
	}
	return pid;
}

static void anchor_entry(uint64_t box)
{
	anchor((int)box);
}

/* ---- checks shared by both modes ---- */

static struct memstat base;

static void take_baseline(void)
{
	kcheck();
	memstat(&base);
}

/* kcheck, and processes, objects, heap and frames as at the baseline
 * (kmalloc may keep frames it carved: a repeat tells growth from a leak). */
static bool back_to_baseline(const char *what)
{
	struct memstat now;
	int objs = kcheck();

	for (int tries = 0; tries < 100; tries++) {
		if (tries)
			sleep(20);
		memstat(&now);
		if (now.nprocs == base.nprocs && now.nobjects == base.nobjects &&
		    now.kmalloc_bytes == base.kmalloc_bytes && now.free_frames == base.free_frames)
			break;
	}
	printf("stress %s: kcheck ok (%d objects); free frames %lu -> %lu, heap %lu -> %lu, "
	       "objects %lu -> %lu, processes %lu -> %lu\n", what, objs, base.free_frames,
	       now.free_frames, base.kmalloc_bytes, now.kmalloc_bytes, base.nobjects,
	       now.nobjects, base.nprocs, now.nprocs);
	return now.nprocs == base.nprocs && now.nobjects == base.nobjects &&
	       now.kmalloc_bytes == base.kmalloc_bytes && now.free_frames == base.free_frames;
}

/* ---- stress procs ---- */

#define LIVE_MAX	32

static int procs_once(uint64_t n, bool quiet)
{
	char *argv[] = { "uhelper", "exit", "7", 0 };
	int live = 0, cpus = ncpu(), wrong = 0;
	uint64_t made = 0, reaped = 0, t0 = uptime_ms();
	struct wait_info wi;

	while (reaped < n) {
		while (live < LIVE_MAX && made < n) {
			int pid;

			if (made % 4 == 3) {
				pid = spawn("uhelper", argv, 0);
			} else if ((pid = fork()) == 0) {
				yield();
				exit((int)(getpid() & 0x7f));
			}
			if (pid < 0) {
				if (live == 0) {
					printf("stress procs: cannot create a process: %s\n",
					       errno_name(pid));
					return 1;
				}
				break;		/* the table is full: reap first */
			}
			setaffinity(pid, 1ull << (made % (uint64_t)cpus));
			made++;
			live++;
		}
		int pid = wait(WAIT_ANY, &wi);

		if (pid < 0) {
			printf("stress procs: wait: %s with %d alive\n", errno_name(pid), live);
			return 1;
		}
		live--;
		reaped++;
		if (wi.how != EXIT_NORMAL ||
		    (wi.status != 7 && wi.status != (int)(pid & 0x7f)))
			wrong++;
	}
	if (!quiet)
		printf("stress procs: %lu processes created and reaped in %lu ms on %d cpus, "
		       "%d ended wrongly\n", n, uptime_ms() - t0, cpus, wrong);
	return wrong != 0;
}

static int procs_mode(uint64_t n)
{
	int bad;

	procs_once(n / 10 < 50 ? 50 : n / 10, true);	/* grow the kernel's caches */
	take_baseline();
	bad = procs_once(n, false);
	if (!back_to_baseline("procs")) {
		/* frames only: one more round must not lose more */
		memstat(&base);
		bad |= procs_once(n / 10 < 50 ? 50 : n / 10, true);
		bad |= !back_to_baseline("procs (after a settling round)");
	}
	return bad;
}

/* ---- stress msgs ---- */

struct verdict {
	uint64_t sent, failed, attempted, received, landed, unseen, dup, after_fail, lost;
};

static void verify(uint64_t ids, struct verdict *v)
{
	static uint8_t landed[LEDGER_IDS / 2];

	memset(v, 0, sizeof(*v));
	memset(landed, 0, sizeof(landed));
	for (uint64_t k = 0; k < LANDING && k < L->next_landing; k++) {
		uint8_t *s = landing + k * MSG_MAXLEN;
		uint32_t len;

		memcpy(&len, s + 8, 4);
		int64_t id = payload_id(s, len);

		if (id >= 0 && landed[id] < 255) {
			landed[id]++;
			v->landed++;
			v->unseen += !L->back[k];
		}
	}
	for (uint64_t id = 0; id < ids; id++) {
		int times = L->got[id] + landed[id];
		int f = L->fate[id];

		v->sent += f == F_SENT;
		v->failed += f == F_FAILED;
		v->attempted += f == F_ATTEMPTED;
		v->received += times > 0;
		if (times > 1)
			v->dup++;
		if (times > 0 && (f == F_FAILED || f == F_NONE))
			v->after_fail++;
		if (times == 0 && f == F_SENT)
			v->lost++;
		if ((times > 1 || (times && f == F_FAILED) || (!times && f == F_SENT)) &&
		    v->dup + v->after_fail + v->lost <= 5)
			printf("stress msgs:   id %lu: fate %d, received %d times\n", id, f, times);
	}
}

static int msgs_once(uint64_t n, uint64_t seed, bool quiet)
{
	int sh_l, sh_land, senders[NSEND], recvs[NKILLRECV], anchors[NBOX];
	uint64_t rng = seed, kills = 0, t0;
	struct verdict v;
	struct wait_info wi;
	int bad;

	if ((sh_l = shm_create(sizeof(struct ledger), 0)) < 0 ||
	    (sh_land = shm_create(SHM_MAX_SIZE, 0)) < 0 ||
	    ptr_error(L = shm_map(sh_l, PROT_READ | PROT_WRITE)) ||
	    ptr_error(landing = shm_map(sh_land, PROT_READ | PROT_WRITE))) {
		printf("stress msgs: no shared memory\n");
		return 1;
	}
	L->limit = n;
	L->phase = 1;
	for (int b = 0; b < NBOX; b++)
		boxes[b] = mbox_create(BOX_CAP, 0);
	for (int b = 0; b < NBOX; b++)
		anchors[b] = start(anchor_entry, (uint64_t)b);
	for (int i = 0; i < NSEND; i++)
		senders[i] = start(sender, rnd(&rng));
	for (int i = 0; i < NKILLRECV; i++)
		recvs[i] = 0;
	t0 = uptime_ms();
	while (__atomic_load_n(&L->next_id, __ATOMIC_RELAXED) < n) {
		sleep(rnd(&rng) % 3);
		if (L->phase == 1 && L->next_id >= n / 2) {
			L->phase = 2;
			for (int i = 0; i < NKILLRECV; i++)
				recvs[i] = start(killable, rnd(&rng));
		}
		int i = (int)(rnd(&rng) % NSEND);

		kill(senders[i]);	/* a sender that ended already: -ESRCH, fine */
		wait(senders[i], &wi);
		senders[i] = start(sender, rnd(&rng));
		kills++;
		if (L->phase == 2) {
			i = (int)(rnd(&rng) % NKILLRECV);
			kill(recvs[i]);
			wait(recvs[i], &wi);
			recvs[i] = start(killable, rnd(&rng));
			kills++;
		}
	}
	for (int i = 0; i < NSEND; i++)		/* senders end on their own */
		wait(senders[i], &wi);
	for (int i = 0; i < NKILLRECV; i++)
		if (recvs[i] > 0) {
			kill(recvs[i]);
			wait(recvs[i], &wi);
		}
	__atomic_store_n(&L->done, 1, __ATOMIC_RELEASE);
	for (int b = 0; b < NBOX; b++)
		wait(anchors[b], &wi);
	verify(n, &v);
	bad = v.dup || v.after_fail || v.lost || L->bad_payload || L->bad_result;
	if (!quiet || bad) {
		printf("stress msgs: %lu messages by %d senders to %d mailboxes in %lu ms, %lu kills: "
		       "%lu sent, %lu failed, %lu fate unknown (sender killed), %lu received (%lu by killable "
		       "receivers, %lu of them by one killed before its call returned)\n", n, NSEND,
		       NBOX, uptime_ms() - t0, kills, v.sent, v.failed, v.attempted, v.received,
		       v.landed, v.unseen);
		printf("stress msgs: %lu duplicates, %lu received after a failed send, %lu lost, %lu "
		       "corrupted, %lu impossible results (last %ld)\n", v.dup, v.after_fail, v.lost,
		       L->bad_payload, L->bad_result, (long)L->last_bad);
	}
	for (int b = 0; b < NBOX; b++)
		close(boxes[b]);
	shm_unmap(L);
	shm_unmap(landing);
	close(sh_l);
	close(sh_land);
	return bad;
}

static int msgs_mode(uint64_t n, uint64_t seed)
{
	uint64_t warm = n / 10 < 2000 ? 2000 : n / 10;
	int bad;

	if (n > LEDGER_IDS / 2)
		n = LEDGER_IDS / 2;
	msgs_once(warm, seed + 1, true);	/* grow the kernel's caches */
	take_baseline();
	bad = msgs_once(n, seed, false);
	if (!back_to_baseline("msgs")) {
		memstat(&base);
		bad |= msgs_once(warm, seed + 2, true);
		bad |= !back_to_baseline("msgs (after a settling round)");
	}
	return bad;
}

static int usage(void)
{
	eprintf("usage: stress procs|msgs|all [-n N] [-s SEED]\n");
	return 2;
}

int main(int argc, char **argv)
{
	long n = -1, seed = 1;
	int bad = 0;

	if (argc < 2)
		return usage();
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-n") == 0 && parse_long(argv[i + 1], &n) && n > 0)
			continue;
		if (strcmp(argv[i], "-s") == 0 && parse_long(argv[i + 1], &seed))
			continue;
		return usage();
	}
	if (argc % 2)
		return usage();
	if (strcmp(argv[1], "procs") == 0)
		bad = procs_mode(n > 0 ? (uint64_t)n : 10000);
	else if (strcmp(argv[1], "msgs") == 0)
		bad = msgs_mode(n > 0 ? (uint64_t)n : 100000, (uint64_t)seed);
	else if (strcmp(argv[1], "all") == 0) {
		bad = procs_mode(n > 0 ? (uint64_t)n : 10000);
		bad |= msgs_mode(n > 0 ? (uint64_t)n * 10 : 100000, (uint64_t)seed);
	} else
		return usage();
	printf("stress: %s\n", bad ? "FAILED" : "ok");
	return bad;
}
