/*
 * The coherence model's shared memory: what the QEMU plugin (a host
 * program, tools/coherence/) writes and Baton reads (docs/cache-lab.md).
 *
 * The plugin models a MESI directory of 64-byte lines with one state per
 * vCPU and caches of unlimited size, driven by every guest RAM load and
 * store.  Its counts reach the guest through an ivshmem-plain PCI device
 * (vendor 0x1af4, device 0x1110) whose BAR 2 is backed by a file that the
 * plugin maps too.  Layout of that region (COH_REGION_SIZE bytes):
 *
 *   0                      struct coh_header, written once by the plugin
 *   COH_CPU_OFFSET(i)      struct coh_cpu of vCPU i, written only on that
 *                          vCPU's own thread (a page each: the counters
 *                          must not bounce lines themselves)
 *   COH_GUEST_OFFSET(i)    struct coh_guest of CPU i, written only by the
 *                          guest CPU i, read by the plugin
 *
 * The plugin never counts accesses to the region itself (it lies outside
 * guest RAM).  Without the plugin (no device, or magic != COH_MAGIC) every
 * coherence count is "n/a", never 0.
 *
 * This header is shared by the kernel, user programs and the host-side
 * plugin: plain fixed-width types only.
 */
#ifndef LIB_COHERENCE_H
#define LIB_COHERENCE_H

#include <stdint.h>

#define COH_MAGIC	0x3148434e4f544142ull	/* "BATONCH1", little-endian */
#define COH_VERSION	1
#define COH_MAX_CPUS	32			/* = COUNTERS_MAX_CPUS */
#define COH_LINE	64			/* bytes in a modelled cache line */
#define COH_REGION_SIZE	(1u << 20)		/* the ivshmem BAR: 1 MiB */
#define COH_CPU_OFFSET(i)	(4096u * (1 + (i)))
#define COH_GUEST_OFFSET(i)	(4096u * (1 + COH_MAX_CPUS + (i)))

/* Modelled costs (ns) that make up stall_ns; stated in docs/cache-lab.md. */
#define COH_COST_PEER_CLEAN	20	/* a line from another core's clean copy */
#define COH_COST_PEER_MODIFIED	40	/* from another core's modified copy (HITM) */
#define COH_COST_MEMORY		100	/* from memory: first touch */
#define COH_COST_UPGRADE	20	/* invalidating the other copies of a shared line */

struct coh_header {
	uint64_t magic;		/* COH_MAGIC once the plugin is attached */
	uint64_t version;	/* COH_VERSION */
	uint64_t ncpus;		/* vCPUs the plugin saw */
	uint64_t line_size;	/* COH_LINE */
	uint64_t ram_size;	/* guest RAM bytes modelled: physical addresses below */
} __attribute__((aligned(64)));

/* One vCPU's counts since the plugin started.  A miss is an access to a
 * line this vCPU's cache does not hold (state I). */
struct coh_cpu {
	uint64_t loads;			/* RAM loads seen */
	uint64_t stores;		/* RAM stores seen (an atomic counts as a store) */
	uint64_t rd_miss_memory;	/* read miss, no other copy: from memory */
	uint64_t rd_miss_clean;		/* read miss served by a peer's S or E copy */
	uint64_t rd_hitm;		/* read miss served by a peer's M copy */
	uint64_t wr_miss_memory;	/* write miss (RFO), no other copy */
	uint64_t wr_miss_clean;		/* write miss, peers held S/E copies */
	uint64_t wr_hitm;		/* write miss, a peer held it M */
	uint64_t upgrades;		/* write to a line we held S: others invalidated */
	uint64_t stall_ns;		/* modelled cost of the above (COH_COST_*) */
	uint64_t lines_from[COH_MAX_CPUS];	/* lines received from vCPU i (any state) */
	uint64_t modified_from[COH_MAX_CPUS];	/* of those, from i's M copy (HITM) */
	uint64_t inval_to[COH_MAX_CPUS];	/* copies of vCPU i our writes invalidated */
} __attribute__((aligned(64)));

/* What the guest tells the plugin about CPU i (for c2c: which program a
 * user address belongs to). */
struct coh_guest {
	uint64_t pid;			/* running on CPU i now, 0 in the kernel's idle */
	char name[16];			/* its program (PROC_NAME_MAX) */
} __attribute__((aligned(64)));

#endif
