/*
 * Segmentation, kept to what long mode still needs: a GDT with kernel and
 * user code/data descriptors and one TSS per CPU.  The TSS gives the CPU
 * the kernel stack to switch to on an interrupt from ring 3 (rsp0) and a
 * separate stack for double faults (IST1), so a kernel stack overflow is
 * reported instead of triple-faulting.
 *
 * Selector order is fixed by syscall/sysret (see MSR_STAR in syscall.c):
 * kernel code, kernel data, then user data before user code.
 */
#include <stdint.h>

#include "arch/x86_64/gdt.h"
#include "kernel/param.h"
#include "lib/string.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "TSS layout");

struct cpu_tables {
	uint64_t gdt[7];	/* null, kcode, kdata, udata, ucode, tss (2 slots) */
	struct tss tss;
	uint8_t df_stack[4096] __attribute__((aligned(16)));
};

static struct cpu_tables tables[NCPU];

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Access byte and flags of a flat long-mode segment. */
static uint64_t segment(int dpl, int code)
{
	uint64_t access = 0x92 | ((uint64_t)dpl << 5) | (code ? 0x08 : 0);
	uint64_t longmode = code ? 1ull << 53 : 0;	/* L bit: 64-bit code */

	return 0xFFFF | (access << 40) | (0xFull << 48) | longmode | (1ull << 55);
}

static void set_tss_desc(uint64_t *slot, struct tss *tss)
{
	uint64_t base = (uint64_t)tss;
	uint64_t limit = sizeof(*tss) - 1;

	slot[0] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) |
		  (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	slot[1] = base >> 32;
}

/* Loads this CPU's GDT and TSS and reloads every segment register. */
void gdt_init_cpu(int id)
{
	struct cpu_tables *t = &tables[id];
	struct desc_ptr p = { sizeof(t->gdt) - 1, (uint64_t)t->gdt };

	memset(t, 0, sizeof(*t));
	t->gdt[SEG_KCODE >> 3] = segment(0, 1);
	t->gdt[SEG_KDATA >> 3] = segment(0, 0);
	t->gdt[SEG_UDATA >> 3] = segment(3, 0);
	t->gdt[SEG_UCODE >> 3] = segment(3, 1);
	set_tss_desc(&t->gdt[SEG_TSS >> 3], &t->tss);
	t->tss.ist[0] = (uint64_t)(t->df_stack + sizeof(t->df_stack));
	t->tss.iomap_base = sizeof(struct tss);	/* no I/O permission bitmap */

	__asm__ volatile("lgdt %0" : : "m"(p));
	/* Reload CS with a far return, then the data segments and TR.
	 * GS and FS bases are set through MSRs, so their selectors are 0. */
	__asm__ volatile("pushq %0\n"
			 "leaq 1f(%%rip), %%rax\n"
			 "pushq %%rax\n"
			 "lretq\n"
			 "1:\n"
			 "movw %w1, %%ds\n"
			 "movw %w1, %%es\n"
			 "movw %w1, %%ss\n"
			 "ltr %w2\n"
			 : : "i"(SEG_KCODE), "r"(SEG_KDATA), "r"(SEG_TSS) : "rax", "memory");
}

/* Kernel stack used when this CPU enters ring 0 from ring 3. */
void gdt_set_kernel_stack(int id, uint64_t rsp0)
{
	tables[id].tss.rsp[0] = rsp0;
}
