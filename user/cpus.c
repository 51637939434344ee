/* cpus: the cores online, as the kernel monitor's `cpus` printed them:
 * each core's hardware (APIC) id, timer ticks and IPIs so far. */
#include "baton.h"
#include "counters.h"

int main(void)
{
	static struct cpu_counters c[COUNTERS_MAX_CPUS];
	int n = counters(c, COUNTERS_MAX_CPUS);

	if (n < 0) {
		eprintf("cpus: %s\n", errno_name(n));
		return 1;
	}
	printf("cpu  apic  ticks      ipis-in  ipis-out  busy%%\n");
	for (int i = 0; i < n; i++) {
		uint64_t total = c[i].busy_cycles + c[i].idle_cycles;

		printf("%3d  %4lu  %-9lu  %7lu  %8lu  %5lu\n", i, c[i].hw_id, c[i].timer_irqs,
		       c[i].ipis_received, c[i].ipis_sent,
		       total ? c[i].busy_cycles * 100 / total : 0);
	}
	return 0;
}
