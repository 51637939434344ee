/*
 * Host tests for lib/mesi.c, the coherence model's state machine: named
 * scenarios (ping-pong, false sharing, upgrade, first touch), then a
 * randomised run against a reference model written here separately, one
 * state per CPU and the textbook MESI rules spelled out case by case,
 * and threads racing on shared words through mesi_apply (the plugin's
 * compare-and-swap), checked by counting copies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>

#include "lib/coherence.h"
#include "lib/mesi.h"

/* Applies an access to *word and returns its outcome. */
static struct mesi_outcome step(uint64_t *word, unsigned cpu, int write)
{
	struct mesi_outcome o;

	mesi_access(*word, cpu, write, &o);
	assert_true(mesi_valid(o.next));
	*word = o.next;
	return o;
}

static void test_first_touch(void **state)
{
	uint64_t w = 0;
	struct mesi_outcome o;

	(void)state;
	o = step(&w, 3, 0);
	assert_int_equal(o.event, MESI_RD_MEMORY);
	assert_int_equal(o.from, -1);
	assert_int_equal(mesi_state_of(w, 3), MESI_E);
	o = step(&w, 3, 1);		/* E -> M is silent */
	assert_int_equal(o.event, MESI_HIT);
	assert_int_equal(mesi_state_of(w, 3), MESI_M);
	w = 0;
	o = step(&w, 5, 1);
	assert_int_equal(o.event, MESI_WR_MEMORY);
	assert_int_equal(mesi_state_of(w, 5), MESI_M);
	assert_int_equal(mesi_cost(MESI_WR_MEMORY), COH_COST_MEMORY);
}

/* Two CPUs incrementing one counter: every access after the first is a
 * HITM, each one invalidating the other's copy. */
static void test_pingpong_writes(void **state)
{
	uint64_t w = 0;
	struct mesi_outcome o;

	(void)state;
	step(&w, 0, 1);
	for (int i = 1; i <= 10; i++) {
		unsigned cpu = i % 2;
		o = step(&w, cpu, 1);
		assert_int_equal(o.event, MESI_WR_HITM);
		assert_int_equal(o.from, 1 - cpu);
		assert_int_equal(o.invalidated, 1u << (1 - cpu));
		assert_int_equal(mesi_state_of(w, 1 - cpu), MESI_I);
	}
	assert_int_equal(mesi_cost(MESI_WR_HITM), COH_COST_PEER_MODIFIED);
}

/* Reading a peer's modified line shares it; the writer then upgrades. */
static void test_read_hitm_then_upgrade(void **state)
{
	uint64_t w = 0;
	struct mesi_outcome o;

	(void)state;
	step(&w, 1, 1);
	o = step(&w, 2, 0);
	assert_int_equal(o.event, MESI_RD_HITM);
	assert_int_equal(o.from, 1);
	assert_int_equal(mesi_state_of(w, 1), MESI_S);
	assert_int_equal(mesi_state_of(w, 2), MESI_S);
	o = step(&w, 2, 0);
	assert_int_equal(o.event, MESI_HIT);
	assert_true(mesi_hit_unchanged(w, 1, 0));
	assert_false(mesi_hit_unchanged(w, 1, 1));
	o = step(&w, 1, 1);
	assert_int_equal(o.event, MESI_UPGRADE);
	assert_int_equal(o.invalidated, 1u << 2);
	assert_int_equal(mesi_state_of(w, 1), MESI_M);
	assert_int_equal(mesi_state_of(w, 2), MESI_I);
}

/* A write miss to a line three peers share invalidates all three and is
 * supplied by the lowest-numbered of them. */
static void test_write_miss_shared(void **state)
{
	uint64_t w = 0;
	struct mesi_outcome o;

	(void)state;
	o = step(&w, 4, 0);
	assert_int_equal(o.event, MESI_RD_MEMORY);
	o = step(&w, 6, 0);
	assert_int_equal(o.event, MESI_RD_CLEAN);
	assert_int_equal(o.from, 4);
	step(&w, 31, 0);
	o = step(&w, 0, 1);
	assert_int_equal(o.event, MESI_WR_CLEAN);
	assert_int_equal(o.from, 4);
	assert_int_equal(o.invalidated, (1u << 4) | (1u << 6) | (1u << 31));
	assert_int_equal(mesi_holders(w), 1u);
}

static void test_valid(void **state)
{
	(void)state;
	assert_true(mesi_valid(0));
	assert_false(mesi_valid(mesi_word(MESI_I, 1)));
	assert_false(mesi_valid(mesi_word(MESI_E, 3)));
	assert_false(mesi_valid(mesi_word(MESI_M, 0)));
	assert_true(mesi_valid(mesi_word(MESI_S, 0xff)));
	assert_false(mesi_valid(mesi_word(MESI_S, 0)));
	assert_false(mesi_valid((uint64_t)1 << 40));
}

/* ------------------------------------------------------------ reference */

enum { NCPU = 6 };

struct ref {
	char st[NCPU];		/* 'M', 'E', 'S' or 'I' per CPU */
};

static int count(const struct ref *r, char s)
{
	int n = 0;

	for (int i = 0; i < NCPU; i++)
		n += r->st[i] == s;
	return n;
}

static int lowest_holder(const struct ref *r, int except)
{
	for (int i = 0; i < NCPU; i++)
		if (i != except && r->st[i] != 'I')
			return i;
	return -1;
}

/* The textbook rules, one case at a time. */
static enum mesi_event ref_access(struct ref *r, int cpu, int write, int *from,
				  uint32_t *inval)
{
	char mine = r->st[cpu];
	int others = NCPU - count(r, 'I') - (mine != 'I');
	int other_m = count(r, 'M') - (mine == 'M');
	enum mesi_event e;

	*from = -1;
	*inval = 0;
	if (!write) {
		if (mine != 'I')
			return MESI_HIT;
		if (others == 0) {
			r->st[cpu] = 'E';
			return MESI_RD_MEMORY;
		}
		*from = lowest_holder(r, cpu);
		e = other_m ? MESI_RD_HITM : MESI_RD_CLEAN;
		for (int i = 0; i < NCPU; i++)
			if (r->st[i] != 'I')
				r->st[i] = 'S';
		r->st[cpu] = 'S';
		return e;
	}
	if (mine == 'M' || mine == 'E')
		e = MESI_HIT;
	else if (mine == 'S')
		e = MESI_UPGRADE;
	else if (others == 0)
		e = MESI_WR_MEMORY;
	else
		e = other_m ? MESI_WR_HITM : MESI_WR_CLEAN;
	if (mine == 'I')
		*from = lowest_holder(r, cpu);
	for (int i = 0; i < NCPU; i++) {
		if (i != cpu && r->st[i] != 'I') {
			*inval |= 1u << i;
			r->st[i] = 'I';
		}
	}
	r->st[cpu] = 'M';
	return e;
}

static char letter(enum mesi_state s)
{
	return "ISEM"[s];
}

/* Random accesses by NCPU CPUs to 4 lines: every outcome and every
 * CPU's resulting state agree with the reference model. */
static void test_random_against_reference(void **state)
{
	uint64_t words[4] = {0};
	struct ref refs[4];
	uint64_t seen[MESI_NEVENTS] = {0};

	(void)state;
	for (int l = 0; l < 4; l++)
		for (int i = 0; i < NCPU; i++)
			refs[l].st[i] = 'I';
	srand(1234);
	for (int n = 0; n < 200000; n++) {
		int l = rand() % 4, cpu = rand() % NCPU, write = rand() % 3 == 0;
		int from, fast = mesi_hit_unchanged(words[l], cpu, write);
		int ref_fast = refs[l].st[cpu] == 'M' || (!write && refs[l].st[cpu] != 'I');
		uint32_t inval;
		uint64_t before = words[l];
		enum mesi_event want = ref_access(&refs[l], cpu, write, &from, &inval);
		struct mesi_outcome o = step(&words[l], (unsigned)cpu, write);

		assert_int_equal(o.event, want);
		if (want != MESI_HIT && want != MESI_UPGRADE)
			assert_int_equal(o.from, from);
		assert_int_equal(o.invalidated, inval);
		for (int i = 0; i < NCPU; i++)
			assert_int_equal(letter(mesi_state_of(words[l], i)), refs[l].st[i]);
		assert_int_equal(fast, ref_fast);
		if (fast)
			assert_true(o.next == before && want == MESI_HIT);
		seen[want]++;
	}
	for (int e = 0; e < MESI_NEVENTS; e++)
		assert_true(seen[e] > 0);	/* every transition was exercised */
}

/* ------------------------------------------------------------ threads */

enum { NTHREADS = 4, NWORDS = 2, NACCESS = 500000 };

static uint64_t shared_words[NWORDS];

/* What one thread's accesses did to the number of copies in existence. */
struct tally {
	unsigned cpu;
	long misses;		/* each adds the accessor's copy */
	long invalidated;	/* copies removed */
	long events[MESI_NEVENTS];
};

static void *hammer(void *arg)
{
	struct tally *t = arg;
	unsigned seed = t->cpu * 7919 + 1;

	for (int n = 0; n < NACCESS; n++) {
		struct mesi_outcome o;
		int w = rand_r(&seed) % NWORDS, write = rand_r(&seed) % 3 == 0;

		mesi_apply(&shared_words[w], t->cpu, write, &o);
		t->events[o.event]++;
		if (o.event != MESI_HIT && o.event != MESI_UPGRADE)
			t->misses++;
		t->invalidated += __builtin_popcount(o.invalidated);
		if (o.invalidated & (1u << t->cpu))
			t->invalidated = -1000000000;	/* never invalidates itself */
	}
	return NULL;
}

/* Copies are conserved: the copies left at the end are the misses that
 * made one, minus those invalidated.  A lost update (two CPUs both
 * "winning" one line) breaks the sum or leaves an invalid word. */
static void test_threads_conserve_copies(void **state)
{
	pthread_t th[NTHREADS];
	struct tally t[NTHREADS] = {0};
	long made = 0, left = 0;

	(void)state;
	for (unsigned i = 0; i < NTHREADS; i++) {
		t[i].cpu = i * 9;		/* spread over the 32 holder bits */
		assert_int_equal(pthread_create(&th[i], NULL, hammer, &t[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_true(t[i].invalidated >= 0);
		made += t[i].misses - t[i].invalidated;
	}
	for (int w = 0; w < NWORDS; w++) {
		assert_true(mesi_valid(shared_words[w]));
		left += __builtin_popcount(mesi_holders(shared_words[w]));
	}
	assert_int_equal(made, left);
}

static void test_names_and_costs(void **state)
{
	(void)state;
	assert_string_equal(mesi_event_name(MESI_RD_HITM), "rd_hitm");
	assert_string_equal(mesi_event_name(MESI_UPGRADE), "upgrades");
	assert_int_equal(mesi_cost(MESI_HIT), 0);
	assert_int_equal(mesi_cost(MESI_RD_CLEAN), COH_COST_PEER_CLEAN);
	assert_int_equal(mesi_cost(MESI_UPGRADE), COH_COST_UPGRADE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_touch),
		cmocka_unit_test(test_pingpong_writes),
		cmocka_unit_test(test_read_hitm_then_upgrade),
		cmocka_unit_test(test_write_miss_shared),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_random_against_reference),
		cmocka_unit_test(test_threads_conserve_copies),
		cmocka_unit_test(test_names_and_costs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
