/* The MESI state machine of the coherence model; see mesi.h. */
#include "lib/mesi.h"
#include "lib/coherence.h"

_Static_assert(MESI_MAX_CPUS == COH_MAX_CPUS, "one holder bit per modelled vCPU");

enum mesi_state mesi_state_of(uint64_t word, unsigned cpu)
{
	if (!(mesi_holders(word) & (1u << cpu)))
		return MESI_I;
	return mesi_kind(word);
}

int mesi_valid(uint64_t word)
{
	uint32_t h = mesi_holders(word);

	if (word >> 34)
		return 0;
	switch (mesi_kind(word)) {
	case MESI_I:
		return h == 0;
	case MESI_S:
		return h != 0;
	default:			/* E, M: exactly one holder */
		return h != 0 && (h & (h - 1)) == 0;
	}
}

/* The peer that supplies a line to a miss: the M or E owner, or the
 * lowest-numbered sharer (the model has no forwarding state). */
static int supplier(uint32_t peers)
{
	return peers ? __builtin_ctz(peers) : -1;
}

/* A read by cpu of a line it does not hold. */
static void read_miss(uint64_t word, uint32_t me, struct mesi_outcome *out)
{
	uint32_t peers = mesi_holders(word);

	out->from = supplier(peers);
	out->invalidated = 0;
	if (peers == 0) {
		out->event = MESI_RD_MEMORY;
		out->next = mesi_word(MESI_E, me);
		return;
	}
	/* The M owner writes back and keeps an S copy; an E owner drops to S. */
	out->event = mesi_kind(word) == MESI_M ? MESI_RD_HITM : MESI_RD_CLEAN;
	out->next = mesi_word(MESI_S, peers | me);
}

/* A write by cpu: every other copy is invalidated, cpu ends up M. */
static void write_access(uint64_t word, uint32_t me, struct mesi_outcome *out)
{
	uint32_t h = mesi_holders(word);
	uint32_t peers = h & ~me;

	out->next = mesi_word(MESI_M, me);
	out->invalidated = peers;
	out->from = -1;
	if (h & me) {
		/* E -> M silently; S -> M by invalidating the others. */
		out->event = mesi_kind(word) == MESI_S ? MESI_UPGRADE : MESI_HIT;
		return;
	}
	out->from = supplier(peers);
	if (peers == 0)
		out->event = MESI_WR_MEMORY;
	else if (mesi_kind(word) == MESI_M)
		out->event = MESI_WR_HITM;
	else
		out->event = MESI_WR_CLEAN;
}

void mesi_access(uint64_t word, unsigned cpu, int write, struct mesi_outcome *out)
{
	uint32_t me = 1u << cpu;

	if (write) {
		write_access(word, me, out);
		return;
	}
	if (mesi_holders(word) & me) {
		out->next = word;
		out->event = MESI_HIT;
		out->from = -1;
		out->invalidated = 0;
		return;
	}
	read_miss(word, me, out);
}

void mesi_apply(uint64_t *word, unsigned cpu, int write, struct mesi_outcome *out)
{
	uint64_t old = __atomic_load_n(word, __ATOMIC_RELAXED);

	if (mesi_hit_unchanged(old, cpu, write)) {
		out->next = old;
		out->event = MESI_HIT;
		out->from = -1;
		out->invalidated = 0;
		return;
	}
	/* A failed compare-and-swap reloads old: recompute from what won. */
	do {
		mesi_access(old, cpu, write, out);
	} while (out->next != old && !__atomic_compare_exchange_n(word, &old, out->next, 0,
				     __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

unsigned mesi_cost(enum mesi_event e)
{
	switch (e) {
	case MESI_RD_MEMORY:
	case MESI_WR_MEMORY:
		return COH_COST_MEMORY;
	case MESI_RD_CLEAN:
	case MESI_WR_CLEAN:
		return COH_COST_PEER_CLEAN;
	case MESI_RD_HITM:
	case MESI_WR_HITM:
		return COH_COST_PEER_MODIFIED;
	case MESI_UPGRADE:
		return COH_COST_UPGRADE;
	default:
		return 0;
	}
}

const char *mesi_event_name(enum mesi_event e)
{
	static const char *const names[MESI_NEVENTS] = {
		[MESI_HIT] = "hit",
		[MESI_RD_MEMORY] = "rd_miss_memory",
		[MESI_RD_CLEAN] = "rd_miss_clean",
		[MESI_RD_HITM] = "rd_hitm",
		[MESI_WR_MEMORY] = "wr_miss_memory",
		[MESI_WR_CLEAN] = "wr_miss_clean",
		[MESI_WR_HITM] = "wr_hitm",
		[MESI_UPGRADE] = "upgrades",
	};

	return (unsigned)e < MESI_NEVENTS ? names[e] : "?";
}
