/*
 * prodcons-shm: the textbook's bounded buffer in shared memory, between
 * two unrelated processes.
 *
 *   prodcons-shm [-n N]               run both and check the result
 *   prodcons-shm producer N [NAME]    the producer alone
 *   prodcons-shm consumer N [NAME]    the consumer alone
 *
 * Without a role the program spawns "prodcons-shm producer N NAME" and
 * "prodcons-shm consumer N NAME" as two children, on CPUs 0 and 1.  They share nothing but
 * the name: the producer creates the shared page with the POSIX calls
 * (px_shm_open + px_ftruncate + px_mmap, as the textbook's figure does),
 * the consumer finds it by name.  The producer puts items 0..N-1, each
 * with a checksum, into a circular buffer of BUFFER_SIZE slots indexed by
 * `in` and `out`; as in the book the buffer holds at most BUFFER_SIZE - 1
 * items, since in == out has to mean "empty".  The consumer checks that
 * every item arrives once, in order, intact.  Exit status 0 only then.
 *
 * The two roles also run by hand from the shell, as truly separate
 * commands:  prodcons-shm producer 1000 &   then   prodcons-shm consumer 1000
 */
#include "counters.h"
#include "ipc.h"

#define BUFFER_SIZE	10
#define DEFAULT_N	100000
#define DEFAULT_NAME	"prodcons-shm"
#define OPEN_WAIT_MS	10000	/* how long the consumer looks for the page */
#define DRAIN_WAIT_MS	60000	/* how long the producer waits for the consumer */
#define SPINS_PER_YIELD	1024

/* Exit statuses of the two roles. */
#define ST_VERIFIED	0
#define ST_WRONG	1	/* an item was lost, repeated, out of order or damaged */
#define ST_USAGE	2
#define ST_SETUP	3	/* could not create, find or map the page */

struct item {
	uint32_t seq;		/* 0, 1, 2, ... */
	uint32_t producer;	/* pid of the producer */
	uint64_t value;		/* "the data": derived from seq */
	uint64_t check;		/* checksum over the three fields above */
};

/*
 * The shared page.  `in` is written only by the producer and `out` only
 * by the consumer; each sits on its own 64-byte cache line so that the
 * two cores do not fight over one line for unrelated writes (false
 * sharing).
 */
struct shared {
	int in __attribute__((aligned(64)));	/* next free slot: producer's */
	int out __attribute__((aligned(64)));	/* next full slot: consumer's */
	struct item buffer[BUFFER_SIZE] __attribute__((aligned(64)));
};

static uint64_t checksum(const struct item *it)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a over the fields */

	h = (h ^ it->seq) * 0x100000001b3ull;
	h = (h ^ it->producer) * 0x100000001b3ull;
	h = (h ^ it->value) * 0x100000001b3ull;
	return h;
}

static struct item make_item(uint32_t seq)
{
	struct item it = {
		.seq = seq,
		.producer = (uint32_t)getpid(),
		.value = seq * 0x9e3779b97f4a7c15ull,
	};

	it.check = checksum(&it);
	return it;
}

/*
 * The body of the textbook's empty `while (...) ;` loop.  pause tells the
 * CPU this is a spin-wait (it saves power and, on a hyperthreaded core,
 * gives the sibling the pipeline).  The book's busy loop assumes each
 * process has its own CPU; when both share one (SMP=1, or the scheduler
 * put them together) the other one cannot run until our time slice ends,
 * so every so often we hand the CPU over with yield().  With only one CPU
 * spinning can never help, and we yield at once.
 */
static unsigned spins_per_yield = SPINS_PER_YIELD;	/* 1 on a single CPU */

static void relax(unsigned *spins)
{
	__builtin_ia32_pause();
	if (++*spins % spins_per_yield == 0)
		yield();
}

static int producer(long n, const char *name)
{
	struct shared *sh;
	unsigned spins = 0;
	int fd, err, in = 0;
	uint64_t start;

	/* As printed in the book: create, size, map. */
	fd = px_shm_open(name, O_CREAT | O_RDWR, 0666);
	err = fd < 0 ? fd : px_ftruncate(fd, sizeof(struct shared));
	if (err < 0) {
		eprintf("producer: cannot create %s: %s\n", name, errno_name(err));
		return ST_SETUP;
	}
	sh = px_mmap(0, sizeof(struct shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ptr_error(sh)) {
		eprintf("producer: mmap: %s\n", errno_name(ptr_error(sh)));
		return ST_SETUP;
	}
	for (long next = 0; next < n; next++) {
		struct item next_produced = make_item((uint32_t)next);

		/*
		 * while (((in + 1) % BUFFER_SIZE) == out) ;   -- full: wait.
		 *
		 * The acquire load of `out` pairs with the consumer's release
		 * store of it: once we see out move past a slot, the
		 * consumer's reads of that slot are finished, so overwriting
		 * it below cannot change an item under the consumer's eyes.
		 */
		while ((in + 1) % BUFFER_SIZE == __atomic_load_n(&sh->out, __ATOMIC_ACQUIRE))
			relax(&spins);
		sh->buffer[in] = next_produced;
		in = (in + 1) % BUFFER_SIZE;
		/*
		 * The release store publishes the slot: every write above
		 * (the item) becomes visible to another core no later than
		 * the new `in`.  Without it the compiler (or, on a weakly
		 * ordered CPU like ARM, the hardware) could let `in` move
		 * first and the consumer would read a half-written item.  On
		 * x86 stores already leave in program order, so this is a
		 * plain mov plus a promise to the compiler; on ARM it is stlr.
		 * We keep our own copy of `in`: nobody else writes it.
		 */
		__atomic_store_n(&sh->in, in, __ATOMIC_RELEASE);
	}

	/* The page lives only while someone holds it: stay until the
	 * consumer has taken everything, so it cannot miss the page. */
	start = uptime_ms();
	while (__atomic_load_n(&sh->out, __ATOMIC_ACQUIRE) != in) {
		if (uptime_ms() - start > DRAIN_WAIT_MS) {
			eprintf("producer: the consumer took nothing for %d s\n",
				DRAIN_WAIT_MS / 1000);
			return ST_SETUP;
		}
		relax(&spins);
	}
	px_munmap(sh, sizeof(struct shared));
	px_close(fd);
	return ST_VERIFIED;
}

/* Whether it is item number expect, intact; says what is wrong if not. */
static bool item_ok(const struct item *it, uint32_t expect)
{
	bool intact = it->check == checksum(it) && it->value == it->seq * 0x9e3779b97f4a7c15ull;

	if (intact && it->seq == expect)
		return true;
	eprintf("consumer: item %u: got seq %u value %lx check %lx (%s)\n", expect, it->seq,
		it->value, it->check, intact ? "lost, repeated or out of order" : "damaged");
	return false;
}

/* The consumer may start first: look for the page for a while. */
static int open_existing(const char *name)
{
	uint64_t start = uptime_ms();
	int fd;

	/* O_RDWR, not the book's O_RDONLY: this consumer writes `out`. */
	while ((fd = px_shm_open(name, O_RDWR, 0666)) == -ENOENT &&
	       uptime_ms() - start < OPEN_WAIT_MS)
		sleep(5);
	return fd;
}

static int consumer(long n, const char *name)
{
	struct shared *sh;
	unsigned spins = 0;
	int fd, out = 0;

	if ((fd = open_existing(name)) < 0) {
		eprintf("consumer: cannot open %s: %s\n", name, errno_name(fd));
		return ST_SETUP;
	}
	sh = px_mmap(0, sizeof(struct shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ptr_error(sh)) {
		eprintf("consumer: mmap: %s\n", errno_name(ptr_error(sh)));
		return ST_SETUP;
	}
	for (long expect = 0; expect < n; expect++) {
		struct item next_consumed;

		/*
		 * while (in == out) ;   -- empty: wait.
		 *
		 * The acquire load of `in` pairs with the producer's release
		 * store: seeing the new `in` guarantees that we also see the
		 * item written before it.  Our loads of the slot below cannot
		 * be moved above this load.
		 */
		while (__atomic_load_n(&sh->in, __ATOMIC_ACQUIRE) == out)
			relax(&spins);
		next_consumed = sh->buffer[out];
		out = (out + 1) % BUFFER_SIZE;
		/*
		 * Release: our reads of the slot are done before the
		 * producer can see it free and overwrite it.
		 */
		__atomic_store_n(&sh->out, out, __ATOMIC_RELEASE);

		if (!item_ok(&next_consumed, (uint32_t)expect))
			return ST_WRONG;
	}
	px_munmap(sh, sizeof(struct shared));
	px_close(fd);
	/* As the book's consumer does; the page goes with its last holder. */
	px_shm_unlink(name);
	return ST_VERIFIED;
}

/* Spawns "prodcons-shm ROLE N NAME" on CPU cpu (if there is more than
 * one: the busy-waits assume a CPU each); returns the pid or an error. */
static int start(const char *role, const char *count, const char *name, int cpu)
{
	char *argv[] = { "prodcons-shm", (char *)role, (char *)count, (char *)name, NULL };
	struct spawn_opts opts = { .affinity = 1ull << cpu };

	return spawn("prodcons-shm", argv, ncpu() > 1 ? &opts : NULL);
}

static const char *describe(int status)
{
	switch (status) {
	case ST_VERIFIED:	return "verified";
	case ST_WRONG:		return "items lost, repeated, out of order or damaged";
	case ST_SETUP:		return "setup failed";
	default:		return "failed";
	}
}

static struct counters_snap snap0, snap1;

/* With the coherence model (COHERENCE=1): the cache lines the run moved
 * between cores, whole machine, including starting and reaping the two
 * processes; nothing without it. */
static void print_moved(long n)
{
	coh_print_moved("prodcons-shm", &snap0, &snap1, (uint64_t)n, "item");
}

static int run_both(long n)
{
	char count[24], name[IPC_NAME_MAX], why[96];
	int pid[2], ok = 1;
	uint64_t t0;

	snprintf(count, sizeof(count), "%ld", n);
	snprintf(name, sizeof(name), "prodcons-shm.%d", getpid());
	t0 = uptime();
	counters_take(&snap0);
	pid[0] = start("producer", count, name, 0);
	pid[1] = start("consumer", count, name, 1);
	for (int i = 0; i < 2; i++) {
		struct wait_info wi;

		if (pid[i] < 0 || wait(pid[i], &wi) != pid[i]) {
			printf("prodcons-shm: cannot run the %s: %s\n", i ? "consumer" : "producer",
			       errno_name(pid[i] < 0 ? pid[i] : -ECHILD));
			ok = 0;
			continue;
		}
		if (wi.how != EXIT_NORMAL || wi.status != ST_VERIFIED) {
			if (wi.how == EXIT_NORMAL)
				snprintf(why, sizeof(why), "%s", describe(wi.status));
			else
				exit_reason(&wi, why, sizeof(why));
			printf("prodcons-shm: %s: %s\n", i ? "consumer" : "producer", why);
			ok = 0;
		}
	}
	counters_take(&snap1);
	if (!ok) {
		printf("prodcons-shm: FAILED\n");
		return 1;
	}
	printf("prodcons-shm: verified: %ld items produced, %ld consumed, each once, in order, "
	       "checksums ok (BUFFER_SIZE %d, at most %d in the buffer, %s); %lu ms\n",
	       n, n, BUFFER_SIZE, BUFFER_SIZE - 1,
	       ncpu() > 1 ? "producer on cpu 0, consumer on cpu 1" : "both on cpu 0",
	       (uptime() - t0) / 1000000);
	print_moved(n);
	return 0;
}

static int usage(void)
{
	eprintf("usage: prodcons-shm [-n N] | prodcons-shm producer|consumer N [NAME]\n");
	return ST_USAGE;
}

int main(int argc, char **argv)
{
	long n = DEFAULT_N;

	if (ncpu() == 1)
		spins_per_yield = 1;
	if (argc == 1)
		return run_both(n);
	if (argc == 3 && strcmp(argv[1], "-n") == 0)
		return parse_long(argv[2], &n) && n >= 0 ? run_both(n) : usage();
	if ((argc == 3 || argc == 4) && parse_long(argv[2], &n) && n >= 0) {
		const char *name = argc == 4 ? argv[3] : DEFAULT_NAME;

		if (strcmp(argv[1], "producer") == 0)
			return producer(n, name);
		if (strcmp(argv[1], "consumer") == 0)
			return consumer(n, name);
	}
	return usage();
}
