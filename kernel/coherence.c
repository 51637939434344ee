/*
 * The guest's end of the coherence model (see coherence.h and the layout
 * in lib/coherence.h).
 *
 * The region is an ivshmem-plain BAR: memory shared with the plugin,
 * outside guest RAM, so neither our reads of the counts nor our writes
 * of coh_guest are counted by the model.  Each CPU reads only its own
 * coh_cpu page and writes only its own coh_guest page: the plugin writes
 * vCPU i's page on vCPU i's thread, so on the host too every page stays
 * with one thread.
 */
#include <stdbool.h>
#include <stdint.h>

#include "kernel/coherence.h"
#include "kernel/cpu.h"
#include "kernel/param.h"
#include "kernel/pci.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/vm.h"
#include "lib/errno.h"
#include "lib/string.h"

#define IVSHMEM_VENDOR	0x1af4
#define IVSHMEM_DEVICE	0x1110
#define IVSHMEM_BAR	2		/* the shared memory (0 holds registers) */

_Static_assert(COH_MAX_CPUS == COUNTERS_MAX_CPUS, "one coh_cpu page per counters block");
_Static_assert(NCPU <= COH_MAX_CPUS, "every CPU has a page");

static uint8_t *region;		/* [I] after coh_init: the mapped BAR, or NULL */
static bool model_on;		/* [I] after coh_init: the plugin's header is there */

/* Makes [pa, pa + len) reachable at its direct-map address: below the
 * top of the direct map it already is; a BAR the firmware put higher
 * gets 4 KiB pages of its own.  Only inside the first PML4 slot of the
 * direct map (512 GiB), whose tables every address space shares. */
static void *map_region(uint64_t pa, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t va = (uint64_t)phys_to_virt(pa + off);

		if (vm_walk(kernel_pagetable, va, 0, 0) == 0)
			continue;
		if (pa + len > (512ull << 30) || vm_map(kernel_pagetable, va, pa + off, VM_WRITE) < 0)
			return 0;
	}
	return phys_to_virt(pa);
}

/* The plugin writes the header once, before the guest runs. */
static bool header_ok(const volatile struct coh_header *h)
{
	if (h->magic != COH_MAGIC)
		return false;
	if (h->version != COH_VERSION || h->line_size != COH_LINE) {
		printk("coherence: model version %lu, %lu-byte lines: this kernel wants version %d, "
		       "%d-byte lines; ignored\n", h->version, h->line_size, COH_VERSION, COH_LINE);
		return false;
	}
	return true;
}

void coh_init(void)
{
	const volatile struct coh_header *h;
	uint64_t pa, size;
	int err;

	if ((err = pci_find_bar(IVSHMEM_VENDOR, IVSHMEM_DEVICE, IVSHMEM_BAR, &pa, &size)) < 0) {
		printk("coherence: no model (run with COHERENCE=1)\n");
		return;
	}
	if (size < COH_REGION_SIZE || !(region = map_region(pa, COH_REGION_SIZE))) {
		printk("coherence: ivshmem BAR at %#lx (%lu KiB) unusable\n", pa, size >> 10);
		region = 0;
		return;
	}
	h = (const volatile struct coh_header *)region;
	if (!header_ok(h)) {
		printk("coherence: shared memory at %#lx but no model in it "
		       "(run with COHERENCE=1)\n", pa);
		return;
	}
	model_on = true;
	printk("coherence: model on, %lu vcpus (counts at %#lx)\n", h->ncpus, pa);
	if (h->ncpus != (uint64_t)ncpu)
		printk("coherence: the model saw %lu vcpus, %d are online\n", h->ncpus, ncpu);
}

bool coh_model_on(void)
{
	return model_on;
}

const volatile struct coh_cpu *coh_peek(int cpu)
{
	if (!model_on || cpu < 0 || cpu >= COH_MAX_CPUS)
		return 0;
	return (const volatile struct coh_cpu *)(region + COH_CPU_OFFSET(cpu));
}

void coh_read(struct cpu_counters *out)
{
	if (!model_on) {
		out->coh_valid = 0;
		memset(&out->coh, 0, sizeof(out->coh));
		return;
	}
	out->coh_valid = 1;
	memcpy(&out->coh, region + COH_CPU_OFFSET(this_cpu()->id), sizeof(out->coh));
}

void coh_switch(const struct proc *p)
{
	struct coh_guest *g;

	if (!model_on)
		return;
	g = (struct coh_guest *)(region + COH_GUEST_OFFSET(this_cpu()->id));
	g->pid = p ? (uint64_t)p->pid : 0;
	if (p)
		memcpy(g->name, p->name, sizeof(g->name));
	else
		memset(g->name, 0, sizeof(g->name));
}
