/*
 * board: information sharing, one of the four reasons processes
 * cooperate (docs/why-cooperate.md).  A bulletin board in a named shared
 * page that independent processes, started separately from the shell,
 * read and update.
 *
 *   board serve                    create the board and hold it (run it with &)
 *   board post [-n COUNT [-d MS]] NAME TEXT...
 *                                  set NAME's entry to TEXT (COUNT times:
 *                                  "TEXT #1", "TEXT #2", ..., MS ms apart)
 *   board show                     print every entry with its version
 *   board watch N [--from V]       print each update as it happens, N of
 *                                  them (those after version V), then exit
 *   board stop                     ask `board serve` to exit
 *   board demo                     three updaters and a watcher, checked
 *
 * Who keeps the board alive: a shared-memory object lives while some
 * process holds a handle to it or has it mapped.  `board post` and
 * `board show` hold it only while they run, so the board needs a process
 * that stays: `board serve &`.  When the last holder ends, the object and
 * its name go away, and `board show` says there is no board.
 *
 * Inside the page: a spinlock (a word taken with an atomic
 * compare-and-exchange, `pause` while waiting), a version counter that
 * counts the updates, the entries, and a log of the last LOG_SIZE updates
 * (update v sits in log[v % LOG_SIZE]) so that a watcher that falls
 * behind still sees every update, or knows how many it missed.
 *
 * Exit status: 0 on success; 1 for a failure (no board, a check that
 * failed); 2 for bad usage.
 */
#include "counters.h"
#include "ipc.h"

#define BOARD_NAME	"board"
#define NAME_LEN	16	/* with the NUL */
#define TEXT_LEN	48	/* with the NUL */
#define MAX_ENTRIES	16
#define LOG_SIZE	32
#define SPINS_PER_YIELD	4096
#define OPEN_WAIT_MS	500	/* for a board that is being created */
#define MAXPROCS	128

#define DEMO_UPDATERS	3
#define DEMO_POSTS	8	/* DEMO_UPDATERS * DEMO_POSTS <= LOG_SIZE: none can be missed */
#define DEMO_DELAY	"10"	/* ms between one updater's posts, so the three interleave */
#define DEMO_RACE_POSTS	100000	/* then each posts this many times as fast as it can */

struct entry {
	char name[NAME_LEN];	/* "" = free */
	char text[TEXT_LEN];
	uint64_t version;	/* of its last update */
	uint32_t updates;	/* how many times it was posted */
	int32_t pid;		/* who posted last */
};

/* One update, as the log keeps it. */
struct record {
	uint64_t version;
	uint32_t seq;		/* the entry's update count after this one */
	int32_t pid;
	char name[NAME_LEN];
	char text[TEXT_LEN];
};

/*
 * The shared page.  lock and stop are only touched atomically.  version
 * is written under lock (with a release store) and may be read without
 * it (acquire load) to see whether anything changed.  Every other field
 * is read and written only with lock held.
 */
struct board {
	uint32_t lock;		/* 0: free, else the holder's pid */
	uint32_t stop;		/* set by `board stop`; `board serve` exits */
	uint64_t version;	/* updates so far */
	int32_t server;		/* pid of `board serve`, 0: none */
	uint8_t pad[44];	/* the header fills one cache line */
	struct entry entries[MAX_ENTRIES];
	struct record log[LOG_SIZE];
};

_Static_assert(sizeof(struct board) <= 4096, "the board fits one page");
_Static_assert(DEMO_UPDATERS * DEMO_POSTS <= LOG_SIZE, "the demo's updates fit the log");

static struct proc_info procs[MAXPROCS];
static int my_pid;

/* ---- Finding the board ---- */

static void no_board(void)
{
	eprintf("board: there is no board: start one with `board serve &`\n"
		"board: (a board lives only while some process holds it)\n");
}

/*
 * Maps the board; with create, makes it if there is none.  *created (may
 * be NULL) says which.  NULL on failure, with a message.  Without create
 * we give a board OPEN_WAIT_MS to appear: `board serve &` returns to the
 * shell at once, and the next command may run before the server has
 * created the board.
 */
static struct board *open_board(bool create, bool *created)
{
	int h = shm_open(BOARD_NAME, RIGHT_MAP_READ | RIGHT_MAP_WRITE);
	struct board *b;

	for (int waited = 0; h == -ENOENT && !create && waited < OPEN_WAIT_MS; waited += 10) {
		sleep(10);
		h = shm_open(BOARD_NAME, RIGHT_MAP_READ | RIGHT_MAP_WRITE);
	}
	if (created)
		*created = false;
	if (h == -ENOENT && create) {
		h = shm_create(4096, BOARD_NAME);
		if (h == -EEXIST)	/* someone made it just now */
			h = shm_open(BOARD_NAME, RIGHT_MAP_READ | RIGHT_MAP_WRITE);
		else if (h >= 0 && created)
			*created = true;
	}
	if (h == -ENOENT) {
		no_board();
		return NULL;
	}
	if (h < 0) {
		eprintf("board: cannot open \"%s\": %s\n", BOARD_NAME, errno_name(h));
		return NULL;
	}
	b = shm_map(h, PROT_READ | PROT_WRITE);
	close(h);		/* the mapping keeps the object alive */
	if (ptr_error(b)) {
		eprintf("board: shm_map: %s\n", errno_name(ptr_error(b)));
		return NULL;
	}
	return b;
}

/* ---- The lock in the page ---- */

/* Whether pid is a process that has not exited. */
static bool alive(int pid)
{
	int n = ps(procs, MAXPROCS);

	for (int i = 0; i < n && i < MAXPROCS; i++)
		if (procs[i].pid == pid)
			return procs[i].state != PSTATE_ZOMBIE;
	return false;
}

static void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/*
 * Takes the board's lock: compare-and-exchange 0 -> our pid.  While it is
 * held we spin on plain loads (no bus-locked writes) with `pause`, which
 * QEMU's TCG needs to let other virtual CPUs run.  Now and then we yield,
 * in case the holder was preempted on our own CPU, and check that the
 * holder still lives: a process killed inside its critical section would
 * otherwise leave the lock taken for ever.
 */
static void board_lock(struct board *b)
{
	uint32_t expected = 0;
	unsigned spins = 0;

	while (!__atomic_compare_exchange_n(&b->lock, &expected, (uint32_t)my_pid, false,
					    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		uint32_t holder;

		expected = 0;
		while (__atomic_load_n(&b->lock, __ATOMIC_RELAXED) != 0) {
			cpu_relax();
			if (++spins % SPINS_PER_YIELD != 0)
				continue;
			yield();
			holder = __atomic_load_n(&b->lock, __ATOMIC_RELAXED);
			if (holder && !alive((int)holder) &&
			    __atomic_compare_exchange_n(&b->lock, &holder, 0, false,
							__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				eprintf("board: pid %u died holding the lock; freed it\n", holder);
		}
	}
}

static void board_unlock(struct board *b)
{
	__atomic_store_n(&b->lock, 0, __ATOMIC_RELEASE);
}

/* ---- Updates (called with the lock held) ---- */

/* NAME's entry, or a free one for it; NULL if the board is full. */
static struct entry *entry_for(struct board *b, const char *name)
{
	struct entry *empty = NULL;

	for (int i = 0; i < MAX_ENTRIES; i++) {
		if (strcmp(b->entries[i].name, name) == 0)
			return &b->entries[i];
		if (!empty && b->entries[i].name[0] == 0)
			empty = &b->entries[i];
	}
	return empty;
}

/* Sets NAME's entry to text as update number version+1; returns that
 * version, or 0 if the board is full. */
static uint64_t update_locked(struct board *b, const char *name, const char *text)
{
	struct entry *e = entry_for(b, name);
	uint64_t v = b->version + 1;
	struct record *r = &b->log[v % LOG_SIZE];

	if (!e)
		return 0;
	if (e->name[0] == 0)
		strlcpy(e->name, name, sizeof(e->name));
	strlcpy(e->text, text, sizeof(e->text));
	e->version = v;
	e->updates++;
	e->pid = my_pid;

	r->version = v;
	r->seq = e->updates;
	r->pid = my_pid;
	strlcpy(r->name, name, sizeof(r->name));
	strlcpy(r->text, text, sizeof(r->text));
	/* Last: a watcher that sees the new version finds all of the above
	 * (it takes the lock before reading them anyway). */
	__atomic_store_n(&b->version, v, __ATOMIC_RELEASE);
	return v;
}

/* ---- Commands ---- */

static int cmd_serve(void)
{
	bool created;
	struct board *b = open_board(true, &created);
	int other;

	if (!b)
		return 1;
	board_lock(b);
	other = b->server;
	if (other && other != my_pid && alive(other)) {
		board_unlock(b);
		eprintf("board: already served by pid %d\n", other);
		return 1;
	}
	b->server = my_pid;
	__atomic_store_n(&b->stop, 0, __ATOMIC_RELAXED);
	board_unlock(b);
	printf("board: %s \"%s\" as pid %d; it lives while a process holds it\n",
	       created ? "serving a new board" : "serving the existing board", BOARD_NAME, my_pid);
	while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE))
		sleep(50);
	board_lock(b);
	b->server = 0;
	board_unlock(b);
	printf("board: server pid %d stopping; the board goes when its last holder does\n", my_pid);
	return 0;
}

static int cmd_stop(void)
{
	struct board *b = open_board(false, NULL);
	int server;

	if (!b)
		return 1;
	board_lock(b);
	server = b->server;
	board_unlock(b);
	if (!server) {
		eprintf("board: no server is running\n");
		return 1;
	}
	__atomic_store_n(&b->stop, 1, __ATOMIC_RELEASE);
	printf("board: asked server pid %d to stop\n", server);
	return 0;
}

/* TEXT... joined by single spaces into buf (cut short if too long). */
static void join_words(char **words, int n, char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = 0;
	for (int i = 0; i < n && len + 1 < cap; i++) {
		if (i)
			buf[len++] = ' ';
		len += strlcpy(buf + len, words[i], cap - len);
		if (len >= cap)
			len = cap - 1;
	}
	buf[len] = 0;
}

static int cmd_post(int argc, char **argv)
{
	char text[TEXT_LEN], line[TEXT_LEN + 16];
	long count = 1, delay = 0;
	uint64_t first = 0, last = 0, stretches = 0;
	const char *name;
	struct board *b;
	int i = 2;

	if (argc > 3 && strcmp(argv[2], "-n") == 0) {
		if (!parse_long(argv[3], &count) || count < 1 || count > 10000000)
			return 2;
		i = 4;
		if (argc > 5 && strcmp(argv[4], "-d") == 0) {
			if (!parse_long(argv[5], &delay) || delay < 0 || delay > 10000)
				return 2;
			i = 6;
		}
	}
	if (argc - i < 2 || strlen(argv[i]) == 0 || strlen(argv[i]) >= NAME_LEN) {
		eprintf("board: post NAME TEXT: NAME is 1..%d characters\n", NAME_LEN - 1);
		return 2;
	}
	name = argv[i];
	join_words(argv + i + 1, argc - i - 1, text, sizeof(text));
	if (!(b = open_board(false, NULL)))
		return 1;
	for (long j = 1; j <= count; j++) {
		uint64_t v;

		if (j > 1 && delay)
			sleep((uint64_t)delay);
		if (count > 1)
			snprintf(line, sizeof(line), "%s #%ld", text, j);
		else
			strlcpy(line, text, sizeof(line));
		board_lock(b);
		v = update_locked(b, name, line);
		board_unlock(b);
		if (!v) {
			eprintf("board: full: %d names already\n", MAX_ENTRIES);
			return 1;
		}
		if (count == 1)
			printf("v%lu %s: %s\n", v, name, line);
		/* A new stretch: our first post, or others posted since our last. */
		if (j == 1 || v != last + 1)
			stretches++;
		if (j == 1)
			first = v;
		last = v;
	}
	/* One line, so updaters running at once do not mix their output. */
	if (count > 1)
		printf("board: %s posted %ld times: versions %lu..%lu, in %lu stretch%s\n", name,
		       count, first, last, stretches, stretches == 1 ? "" : "es");
	return 0;
}

static int cmd_show(void)
{
	static struct board copy;
	struct board *b = open_board(false, NULL);
	int shown = 0;

	if (!b)
		return 1;
	board_lock(b);
	copy = *b;		/* a consistent snapshot; print it unlocked */
	board_unlock(b);
	printf("board version %lu", copy.version);
	if (copy.server)
		printf(", served by pid %d", copy.server);
	printf("\n");
	for (int i = 0; i < MAX_ENTRIES; i++) {
		const struct entry *e = &copy.entries[i];
		char v[24];

		if (e->name[0] == 0)
			continue;
		snprintf(v, sizeof(v), "v%lu", e->version);
		if (!shown++)
			printf("  %7s  %-15s %7s %5s  %s\n", "version", "name", "updates", "pid",
			       "text");
		printf("  %7s  %-15s %7u %5d  %s\n", v, e->name, e->updates, e->pid, e->text);
	}
	if (!shown)
		printf("  (empty)\n");
	return 0;
}

/* What a watcher remembers per name, to check each name's updates come
 * one after another (seq 1, 2, 3, ...), none twice. */
struct seen_name {
	char name[NAME_LEN];
	uint32_t seq;
};

/* Checks one record against what the watcher saw before. */
static bool check_record(const struct record *r, uint64_t want, struct seen_name *names)
{
	bool ok = r->version == want;

	for (int i = 0; i < MAX_ENTRIES; i++) {
		if (names[i].name[0] == 0) {
			strlcpy(names[i].name, r->name, sizeof(names[i].name));
			names[i].seq = r->seq;
			break;
		}
		if (strcmp(names[i].name, r->name) == 0) {
			ok &= r->seq == names[i].seq + 1;
			names[i].seq = r->seq;
			break;
		}
	}
	if (!ok)
		printf("watch: out of order: v%lu (%s's update %u), expected v%lu\n", r->version,
		       r->name, r->seq, want);
	return ok;
}

/* Copies the records after *seen up to the current version (at most
 * LOG_SIZE back: older ones are overwritten and counted in *missed). */
static int fetch(struct board *b, uint64_t *seen, struct record *out, uint64_t *missed)
{
	uint64_t v;
	int n = 0;

	board_lock(b);
	v = b->version;
	if (v - *seen > LOG_SIZE) {
		*missed += v - *seen - LOG_SIZE;
		*seen = v - LOG_SIZE;
	}
	while (*seen < v)
		out[n++] = b->log[++*seen % LOG_SIZE];
	board_unlock(b);
	return n;
}

static int cmd_watch(int argc, char **argv)
{
	static struct record got[LOG_SIZE];
	struct seen_name names[MAX_ENTRIES];
	long want, from = -1;
	uint64_t seen, first, missed = 0;
	struct board *b;
	long printed = 0;
	bool ok = true;

	if (argc < 3 || !parse_long(argv[2], &want) || want < 1)
		return 2;
	if (argc == 5 && strcmp(argv[3], "--from") == 0) {
		if (!parse_long(argv[4], &from) || from < 0)
			return 2;
	} else if (argc != 3) {
		return 2;
	}
	if (!(b = open_board(false, NULL)))
		return 1;
	memset(names, 0, sizeof(names));
	seen = from >= 0 ? (uint64_t)from : __atomic_load_n(&b->version, __ATOMIC_ACQUIRE);
	first = seen + 1;
	printf("watch: waiting for %ld updates after version %lu\n", want, seen);
	while (printed < want) {
		uint64_t before = seen, lost = missed;
		int n;

		if (__atomic_load_n(&b->version, __ATOMIC_ACQUIRE) <= seen) {
			sleep(2);
			continue;
		}
		n = fetch(b, &seen, got, &missed);
		if (missed != lost) {
			printf("watch: fell behind: missed %lu updates\n", missed - lost);
			before += missed - lost;
			ok = false;
		}
		for (int i = 0; i < n && printed < want; i++, printed++) {
			const struct record *r = &got[i];

			printf("watch: v%lu %s: %s (pid %d)\n", r->version, r->name, r->text,
			       r->pid);
			ok &= check_record(&got[i], before + 1 + i, names);
		}
	}
	printf("watch: saw %ld updates, v%lu..v%lu: %s\n", printed, first, first + printed - 1,
	       ok ? "each once, in version order" : "NOT each once in order");
	return ok ? 0 : 1;
}

/* Spawns board with argv; the pid, or a negative error with a message. */
static int start(char **argv)
{
	int pid = spawn("board", argv, NULL);

	if (pid < 0)
		eprintf("board: spawn %s: %s\n", argv[1], errno_name(pid));
	return pid;
}

/* Waits for pid; true if it exited with status 0. */
static bool finished_ok(int pid, const char *what)
{
	struct wait_info wi = { 0 };
	char why[96];

	if (pid < 0)
		return false;
	if (wait(pid, &wi) == pid && wi.how == EXIT_NORMAL && wi.status == 0)
		return true;
	exit_reason(&wi, why, sizeof(why));
	eprintf("board: demo: %s: %s\n", what, why);
	return false;
}

/* The demo's updaters and what they had before it began. */
static const char *demo_names[DEMO_UPDATERS] = { "ann", "bob", "cy" };

/* Version and the demo names' update counts, under the lock. */
static uint64_t demo_state(struct board *b, uint32_t *updates)
{
	uint64_t v;

	board_lock(b);
	v = b->version;
	for (int i = 0; i < DEMO_UPDATERS; i++) {
		struct entry *e = entry_for(b, demo_names[i]);

		updates[i] = e ? e->updates : 0;
	}
	board_unlock(b);
	return v;
}

/*
 * One round: the updaters post `posts` times each, `delay` ms apart,
 * all at once (and the watcher, if any, watches).  Then every updater
 * must have exited 0, each name must have exactly `posts` more updates,
 * and the version must have gone up by exactly their sum: an update lost
 * to a race would show there (this assumes nobody else posts meanwhile).
 */
static struct counters_snap snap0, snap1;

/* With the coherence model: the cache lines the round moved between
 * cores, whole machine (the board's lock, version, entries and log, and
 * the kernel starting and reaping the processes). */
static void print_moved(uint64_t updates)
{
	coh_print_moved("demo", &snap0, &snap1, updates, "update");
}

static bool demo_round(struct board *b, int posts, const char *delay, char **watch)
{
	char count[16];
	uint32_t before[DEMO_UPDATERS], after[DEMO_UPDATERS];
	int updaters[DEMO_UPDATERS], watcher = -1;
	uint64_t v0 = demo_state(b, before), v1;
	bool ok = true;

	counters_take(&snap0);

	snprintf(count, sizeof(count), "%d", posts);
	if (watch) {
		snprintf(watch[4], 24, "%lu", v0);
		watcher = start(watch);
	}
	for (int i = 0; i < DEMO_UPDATERS; i++) {
		char *post[] = { "board", "post", "-n", count, "-d", (char *)delay,
				 (char *)demo_names[i], "hello", NULL };

		updaters[i] = start(post);
	}
	for (int i = 0; i < DEMO_UPDATERS; i++)
		ok &= finished_ok(updaters[i], "updater");
	if (watch)
		ok &= finished_ok(watcher, "watcher");
	counters_take(&snap1);
	v1 = demo_state(b, after);
	print_moved(v1 - v0);
	for (int i = 0; i < DEMO_UPDATERS; i++) {
		if (after[i] != before[i] + (uint32_t)posts) {
			printf("demo: %s has %u updates, expected %u\n", demo_names[i], after[i],
			       before[i] + posts);
			ok = false;
		}
	}
	if (v1 - v0 != (uint64_t)DEMO_UPDATERS * posts) {
		printf("demo: the version went from %lu to %lu: %lu updates, expected %d\n", v0,
		       v1, v1 - v0, DEMO_UPDATERS * posts);
		ok = false;
	}
	return ok;
}

/*
 * The demo, in two rounds.  First three updaters post a few times, 10 ms
 * apart, while a watcher prints every update: their versions interleave,
 * and the watcher checks it saw each one exactly once, in version order
 * (its exit status).  Then they post many times with no pause, fighting
 * for the lock, and the counts must still add up.
 */
static int cmd_demo(void)
{
	char total[16], from[24];
	char *watch[] = { "board", "watch", total, "--from", from, NULL };
	struct board *b = open_board(true, NULL);
	bool ok;

	if (!b)
		return 1;
	snprintf(total, sizeof(total), "%d", DEMO_UPDATERS * DEMO_POSTS);
	printf("demo: %d updaters post %d times each, %s ms apart; a watcher prints each update\n",
	       DEMO_UPDATERS, DEMO_POSTS, DEMO_DELAY);
	ok = demo_round(b, DEMO_POSTS, DEMO_DELAY, watch);
	printf("demo: the same updaters post %d times each with no pause, racing for the lock\n",
	       DEMO_RACE_POSTS);
	ok &= demo_round(b, DEMO_RACE_POSTS, "0", NULL);
	printf("demo: %s\n", ok ? "ok: every update seen exactly once in version order, none lost"
				: "FAILED");
	return ok ? 0 : 1;
}

static int usage(void)
{
	eprintf("usage: board serve | post [-n COUNT [-d MS]] NAME TEXT... | show\n"
		"       | watch N [--from V] | stop | demo\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int r;

	my_pid = getpid();
	if (strcmp(cmd, "serve") == 0 && argc == 2)
		return cmd_serve();
	if (strcmp(cmd, "stop") == 0 && argc == 2)
		return cmd_stop();
	if (strcmp(cmd, "show") == 0 && argc == 2)
		return cmd_show();
	if (strcmp(cmd, "demo") == 0 && argc == 2)
		return cmd_demo();
	if (strcmp(cmd, "post") == 0)
		r = cmd_post(argc, argv);
	else if (strcmp(cmd, "watch") == 0)
		r = cmd_watch(argc, argv);
	else
		r = 2;
	return r == 2 ? usage() : r;
}
