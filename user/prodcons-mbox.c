/*
 * prodcons-mbox: the producer/consumer of prodcons-shm, with message
 * passing instead of shared memory: the bounded buffer is now the
 * kernel's, a mailbox of CAP messages, and the kernel does the waiting.
 *
 *   prodcons-mbox                     capacity 8, then capacity 0; both checked
 *   prodcons-mbox [-c CAP] [-n N]     one run with capacity CAP (default 8)
 *   prodcons-mbox consumer N NAME CAP   the roles, as the runs spawn them
 *   prodcons-mbox producer N NAME
 *
 * The consumer creates the mailbox NAME; the producer, an unrelated
 * process, finds it by name with a send-only handle and sends items
 * 0..N-1 with checksums, blocking when the mailbox is full (capacity 0:
 * until the consumer takes each one, a rendezvous).  The consumer checks
 * each item, its order and the sender's pid, and at the end that, with the
 * producer gone and the queue empty, a receive reports -EPIPE rather than
 * waiting for ever.  Exit status 0 only if all of that held.
 */
#include "counters.h"
#include "ipc.h"

#define DEFAULT_N	10000
#define DEFAULT_CAP	8
#define OPEN_WAIT_MS	10000
#define EPIPE_WAIT_MS	10000

#define ST_VERIFIED	0
#define ST_WRONG	1
#define ST_USAGE	2
#define ST_SETUP	3
#define ST_NO_EPIPE	4	/* no -EPIPE after the producer left */

struct item {
	uint32_t seq;
	uint32_t producer;
	uint64_t value;
	uint64_t check;
};

static uint64_t checksum(const struct item *it)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = (h ^ it->seq) * 0x100000001b3ull;
	h = (h ^ it->producer) * 0x100000001b3ull;
	h = (h ^ it->value) * 0x100000001b3ull;
	return h;
}

static int open_send(const char *name)
{
	uint64_t start = uptime_ms();
	int h;

	while ((h = mbox_open(name, RIGHT_SEND)) == -ENOENT && uptime_ms() - start < OPEN_WAIT_MS)
		sleep(5);
	return h;
}

static int producer(long n, const char *name)
{
	long waited = 0;
	int h = open_send(name);

	if (h < 0) {
		eprintf("producer: cannot open %s: %s\n", name, errno_name(h));
		return ST_SETUP;
	}
	for (long seq = 0; seq < n; seq++) {
		struct item it = {
			.seq = (uint32_t)seq,
			.producer = (uint32_t)getpid(),
			.value = seq * 0x9e3779b97f4a7c15ull,
		};
		int r;

		it.check = checksum(&it);
		/* send(mailbox, item): try without blocking first, only to
		 * count how often the producer had to wait. */
		r = mbox_send(h, &it, sizeof(it), TIMEOUT_POLL, NO_HANDLE, 0);
		if (r == -EAGAIN) {
			waited++;
			r = mbox_send(h, &it, sizeof(it), TIMEOUT_NEVER, NO_HANDLE, 0);
		}
		if (r < 0) {
			eprintf("producer: send %ld: %s\n", seq, errno_name(r));
			return ST_WRONG;
		}
	}
	printf("prodcons-mbox: producer sent %ld items; %ld times it had to wait\n", n, waited);
	return ST_VERIFIED;
}

/* Receives one item and checks it. */
static int take(int h, long expect)
{
	struct msg_info info;
	struct item it;
	long len = mbox_recv(h, &it, sizeof(it), TIMEOUT_NEVER, &info);

	if (len < 0) {
		eprintf("consumer: receive %ld: %s\n", expect, errno_name((int)len));
		return ST_WRONG;
	}
	if (len != sizeof(it) || it.seq != (uint32_t)expect || it.check != checksum(&it) ||
	    it.value != it.seq * 0x9e3779b97f4a7c15ull || info.sender != (int)it.producer ||
	    info.handle != NO_HANDLE) {
		eprintf("consumer: item %ld: len %ld seq %u sender %d (item says %u) handle %d\n",
			expect, len, it.seq, info.sender, it.producer, info.handle);
		return ST_WRONG;
	}
	return ST_VERIFIED;
}

static int consumer(long n, const char *name, long cap)
{
	char byte;
	long r;
	int h = mbox_create((int)cap, name), rh;

	if (h < 0) {
		eprintf("consumer: cannot create %s: %s\n", name, errno_name(h));
		return ST_SETUP;
	}
	/*
	 * We hold a send right ourselves until the first item is in, so a
	 * receive cannot see "no senders" before the producer has opened
	 * the mailbox.  After that only the producer can send.
	 */
	for (long expect = 0; expect < n; expect++) {
		if ((r = take(h, expect)) != ST_VERIFIED)
			return (int)r;
		if (expect == 0) {
			rh = dup(h, RIGHT_RECV);
			if (rh < 0 || close(h) < 0) {
				eprintf("consumer: dropping the send right: %s\n", errno_name(rh));
				return ST_SETUP;
			}
			h = rh;
		}
	}
	if (n == 0)
		return ST_VERIFIED;
	/* The producer exits after its last send: then nobody can send and
	 * the queue is empty, so the receive fails instead of blocking. */
	r = mbox_recv(h, &byte, 1, EPIPE_WAIT_MS, NULL);
	if (r != -EPIPE) {
		eprintf("consumer: after the last item, receive gave %ld (%s), want -EPIPE\n", r,
			r < 0 ? errno_name((int)r) : "a message");
		return ST_NO_EPIPE;
	}
	close(h);
	return ST_VERIFIED;
}

static int start(char **argv, int *pid)
{
	*pid = spawn(argv[0], argv, NULL);
	return *pid;
}

static struct counters_snap snap0, snap1;

/* With the coherence model (COHERENCE=1): the cache lines the run moved
 * between cores, whole machine, including starting and reaping the two
 * processes; nothing without it. */
static void print_moved(long n)
{
	coh_print_moved("prodcons-mbox", &snap0, &snap1, (uint64_t)n, "item");
}

/* One producer/consumer run over a mailbox of capacity cap. */
static bool run_one(long cap, long n)
{
	char count[24], capacity[24], name[IPC_NAME_MAX], why[96];
	char *cons[] = { "prodcons-mbox", "consumer", count, name, capacity, NULL };
	char *prod[] = { "prodcons-mbox", "producer", count, name, NULL };
	const char *role[] = { "consumer", "producer" };
	int pid[2];
	bool ok = true;
	uint64_t t0;

	snprintf(count, sizeof(count), "%ld", n);
	snprintf(capacity, sizeof(capacity), "%ld", cap);
	snprintf(name, sizeof(name), "prodcons-mbox.%d.%ld", getpid(), cap);
	t0 = uptime();
	counters_take(&snap0);
	start(cons, &pid[0]);
	start(prod, &pid[1]);
	for (int i = 0; i < 2; i++) {
		struct wait_info wi;

		if (pid[i] < 0 || wait(pid[i], &wi) != pid[i]) {
			printf("prodcons-mbox: cannot run the %s: %s\n", role[i],
			       errno_name(pid[i] < 0 ? pid[i] : -ECHILD));
			ok = false;
			continue;
		}
		if (wi.how != EXIT_NORMAL || wi.status != ST_VERIFIED) {
			if (wi.how == EXIT_NORMAL)
				snprintf(why, sizeof(why), "status %d", wi.status);
			else
				exit_reason(&wi, why, sizeof(why));
			printf("prodcons-mbox: capacity %ld: %s: %s\n", cap, role[i], why);
			ok = false;
		}
	}
	counters_take(&snap1);
	if (ok)
		printf("prodcons-mbox: capacity %ld%s: verified: %ld items sent, %ld received, "
		       "each once, in order, checksums and sender pid ok, then -EPIPE; %lu ms\n",
		       cap, cap ? "" : " (rendezvous)", n, n, (uptime() - t0) / 1000000);
	else
		printf("prodcons-mbox: capacity %ld: FAILED\n", cap);
	if (ok)
		print_moved(n);
	return ok;
}

static int usage(void)
{
	eprintf("usage: prodcons-mbox [-c CAP] [-n N]\n"
		"       prodcons-mbox consumer N NAME CAP | producer N NAME\n");
	return ST_USAGE;
}

int main(int argc, char **argv)
{
	long n = DEFAULT_N, cap = DEFAULT_CAP;
	bool one = false;

	if (argc == 5 && strcmp(argv[1], "consumer") == 0) {
		if (!parse_long(argv[2], &n) || n < 0 || !parse_long(argv[4], &cap) || cap < 0)
			return usage();
		return consumer(n, argv[3], cap);
	}
	if (argc == 4 && strcmp(argv[1], "producer") == 0) {
		if (!parse_long(argv[2], &n) || n < 0)
			return usage();
		return producer(n, argv[3]);
	}
	for (int i = 1; i < argc; i += 2) {
		long *v = NULL;

		if (strcmp(argv[i], "-c") == 0)
			v = &cap;
		else if (strcmp(argv[i], "-n") == 0)
			v = &n;

		if (!v || i + 1 >= argc || !parse_long(argv[i + 1], v) || *v < 0)
			return usage();
		one |= v == &cap;
	}
	if (one)
		return run_one(cap, n) ? 0 : 1;
	return run_one(DEFAULT_CAP, n) & run_one(0, n) ? 0 : 1;
}
