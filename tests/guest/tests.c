/*
 * The table of in-kernel tests, run by kernel/ktest.c when Baton boots
 * with `test` on its command line.  One line per test: suite, name,
 * function.  Explicit-only tests run only when named (test=selftest).
 */
#include "kernel/ktest.h"
#include "tests/guest/guest.h"

const struct ktest ktests[] = {
	{ "pmm", "alloc_free", test_pmm_alloc_free, false },
	{ "pmm", "no_double_handout", test_pmm_no_double_handout, false },
	{ "pmm", "exhaustion", test_pmm_exhaustion, false },
	{ "vm", "map_walk_unmap", test_vm_map_walk_unmap, false },
	{ "vm", "bad_arguments", test_vm_bad_arguments, false },
	{ "vm", "address_space", test_vm_address_space, false },
	{ "kmalloc", "sizes", test_kmalloc_sizes, false },
	{ "kmalloc", "churn", test_kmalloc_churn, false },
	{ "printk", "format", test_printk_format, false },
	{ "initrd", "lookup", test_initrd_lookup, false },
	{ "initrd", "corrupt", test_initrd_corrupt, false },
	{ "smp", "all_online", test_smp_all_online, false },
	{ "smp", "lock_counter", test_smp_lock_counter, false },
	{ "smp", "ipi_each_core", test_smp_ipi_each_core, false },
	{ "smp", "tlb_shootdown", test_smp_tlb_shootdown, false },
	{ "smp", "ticks_everywhere", test_smp_ticks_everywhere, false },
	{ "smp", "clock_monotonic", test_smp_clock_monotonic, false },
	{ "sched", "pinned_threads", test_sched_pinned_threads, false },
	{ "sched", "sleep_wakeup", test_sched_sleep_wakeup, false },
	{ "sched", "sleep_until", test_sched_sleep_until, false },
	{ "sched", "many_threads", test_sched_many_threads, false },
	{ "kcheck", "clean", test_kcheck_clean, false },
	{ "kcheck", "refs", test_kcheck_refs, false },
	{ "kcheck", "types", test_kcheck_types, false },
	{ "kcheck", "zombie", test_kcheck_zombie, false },
	{ "lockcheck", "records_order", test_lockcheck_records_order, false },
	{ "lockcheck", "order_cycle", test_lockcheck_order_cycle, true },
	{ "lockcheck", "sleep_holding", test_lockcheck_sleep_holding, true },
	{ "selftest", "fail", test_selftest_fail, true },
	{ "selftest", "exception", test_selftest_exception, true },
	{ "selftest", "hang", test_selftest_hang, true },
	{ "selftest", "panic_all", test_selftest_panic_all, true },
};

const int nktests = sizeof(ktests) / sizeof(ktests[0]);
