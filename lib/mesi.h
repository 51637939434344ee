/*
 * The MESI state machine of the coherence model (tools/coherence/, the
 * QEMU plugin; docs/coherence-model.md), kept apart from the plugin so
 * it can be host-tested (tests/host/test_mesi.c).  Pure: no memory, no
 * locks, no libc.
 *
 * One 64-byte line's directory entry is a single 64-bit word, so the
 * plugin can move a line from one state to the next with one
 * compare-and-swap:
 *
 *   bits  0..31  holders: bit i is set when vCPU i has a copy
 *   bits 32..33  the state of those copies (enum mesi_state)
 *
 * Invariant (mesi_valid): I has no holder; E and M exactly one; S one or
 * more.  Every vCPU not in the holder mask is in I.
 */
#ifndef LIB_MESI_H
#define LIB_MESI_H

#include <stdint.h>

#define MESI_MAX_CPUS	32

enum mesi_state { MESI_I, MESI_S, MESI_E, MESI_M };

/* What one access did to the line, from the accessing vCPU's side. */
enum mesi_event {
	MESI_HIT,		/* held in a sufficient state (E -> M is silent) */
	MESI_RD_MEMORY,		/* read miss, no other copy: from memory, now E */
	MESI_RD_CLEAN,		/* read miss, a peer held S or E: now S */
	MESI_RD_HITM,		/* read miss, a peer held M: both now S */
	MESI_WR_MEMORY,		/* write miss, no other copy: now M */
	MESI_WR_CLEAN,		/* write miss, peers held S or E: invalidated */
	MESI_WR_HITM,		/* write miss, a peer held M: invalidated */
	MESI_UPGRADE,		/* write to our S copy: the other copies invalidated */
	MESI_NEVENTS
};

struct mesi_outcome {
	uint64_t next;		/* the line's new directory word */
	enum mesi_event event;
	int from;		/* vCPU that supplied the line, -1: memory or none */
	uint32_t invalidated;	/* vCPUs whose copies this access invalidated */
};

static inline uint32_t mesi_holders(uint64_t word)
{
	return (uint32_t)word;
}

static inline enum mesi_state mesi_kind(uint64_t word)
{
	return (enum mesi_state)((word >> 32) & 3);
}

static inline uint64_t mesi_word(enum mesi_state kind, uint32_t holders)
{
	return (uint64_t)kind << 32 | holders;
}

/* The state of vCPU cpu's copy of the line. */
enum mesi_state mesi_state_of(uint64_t word, unsigned cpu);

/* True when the access needs no change to the word at all: a read of a
 * line we hold in any state, a write to a line we hold M.  The plugin's
 * fast path: one load of the word and this test. */
static inline int mesi_hit_unchanged(uint64_t word, unsigned cpu, int write)
{
	if (!(mesi_holders(word) & (1u << cpu)))
		return 0;
	return !write || mesi_kind(word) == MESI_M;
}

/* The effect of one access by cpu (< MESI_MAX_CPUS) on a line whose word
 * is `word`: fills *out.  The word must satisfy mesi_valid. */
void mesi_access(uint64_t word, unsigned cpu, int write, struct mesi_outcome *out);

/* One access by cpu to the line whose directory word is *word, shared
 * with other CPUs: the word moves to its next state atomically (one
 * compare-and-swap, retried if another CPU changed the word first), so
 * every line goes through one total order of accesses.  Fills *out with
 * what this access did.  A hit that changes nothing writes nothing. */
void mesi_apply(uint64_t *word, unsigned cpu, int write, struct mesi_outcome *out);

/* Whether word satisfies the invariant above. */
int mesi_valid(uint64_t word);

/* The modelled stall (ns, lib/coherence.h COH_COST_*) of an event. */
unsigned mesi_cost(enum mesi_event e);

/* Short name of an event, for reports: "rd_hitm", ... */
const char *mesi_event_name(enum mesi_event e);

#endif
