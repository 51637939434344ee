/*
 * Performance counters, when the CPU has an architectural PMU (CPUID
 * leaf 0xA; real under KVM with -cpu host, absent under TCG, where
 * rdpmc faults and MSR reads return 0: see docs/toolchain.md).  So the
 * PMU is detected through CPUID only, and without it the counters are
 * reported unavailable (pmu_valid = 0), never as zeros.
 *
 * Programmed per CPU, counting in ring 0 and ring 3:
 *   fixed counter 0: instructions retired, fixed counter 1: core cycles,
 *   PMC0: LLC misses (architectural event 0x2E, umask 0x41),
 *   PMC1 on Intel family 6: MEM_LOAD_L3_HIT_RETIRED.XSNP_HITM (event 0xD2,
 *        umask 0x04, Skylake and later): loads served from a line another
 *        core held modified — the direct count of cache-line migrations.
 *        Model-specific; on other models it stays unavailable.
 */
#include <stdint.h>

#include "arch/x86_64/x86.h"
#include "kernel/arch.h"
#include "lib/uapi.h"

#define MSR_PERFEVTSEL0		0x186
#define MSR_PERFEVTSEL1		0x187
#define MSR_PMC0		0xC1
#define MSR_PMC1		0xC2
#define MSR_FIXED_CTR0		0x309	/* instructions */
#define MSR_FIXED_CTR1		0x30A	/* cycles */
#define MSR_FIXED_CTR_CTRL	0x38D
#define MSR_PERF_GLOBAL_CTRL	0x38F
#define EVTSEL(ev, umask)	((ev) | ((umask) << 8) | (1 << 16) | (1 << 17) | (1 << 22))

static bool have_pmu;		/* [I] architectural PMU v2+, 2 GP and 2 fixed counters */
static bool have_hitm;		/* [I] the HITM event is known for this model */

static void detect(void)
{
	uint32_t a, b, c, d, family, vendor_ebx;

	cpuid(0, 0, &a, &vendor_ebx, &c, &d);
	if (a < 0xA)
		return;
	cpuid(0xA, 0, &a, &b, &c, &d);
	have_pmu = (a & 0xFF) >= 2 && ((a >> 8) & 0xFF) >= 2 && (d & 0x1F) >= 2;
	cpuid(1, 0, &a, &b, &c, &d);
	family = (a >> 8) & 0xF;
	have_hitm = have_pmu && vendor_ebx == 0x756e6547 /* "Genu" */ && family == 6;
}

/* Per CPU, at start-up. */
void arch_pmu_init(void)
{
	static bool detected;

	if (!detected) {
		detect();
		detected = true;
	}
	if (!have_pmu)
		return;
	wrmsr(MSR_FIXED_CTR_CTRL, 0x33);	/* fixed 0 and 1: ring 0 + 3 */
	wrmsr(MSR_PERFEVTSEL0, EVTSEL(0x2E, 0x41));
	if (have_hitm)
		wrmsr(MSR_PERFEVTSEL1, EVTSEL(0xD2, 0x04));
	wrmsr(MSR_PERF_GLOBAL_CTRL, (3ull << 32) | (have_hitm ? 3 : 1));
}

void arch_pmu_read(struct cpu_counters *c)
{
	c->pmu_valid = (have_pmu ? PMU_BASIC : 0) | (have_hitm ? PMU_HITM : 0);
	if (!have_pmu)
		return;
	c->pmu_instructions = rdmsr(MSR_FIXED_CTR0);
	c->pmu_cycles = rdmsr(MSR_FIXED_CTR1);
	c->pmu_llc_misses = rdmsr(MSR_PMC0);
	c->pmu_hitm = have_hitm ? rdmsr(MSR_PMC1) : 0;
}
