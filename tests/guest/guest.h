/* Every in-kernel test function, listed in tests/guest/tests.c. */
#ifndef TESTS_GUEST_H
#define TESTS_GUEST_H

void test_pmm_alloc_free(void);
void test_pmm_no_double_handout(void);
void test_pmm_exhaustion(void);
void test_vm_map_walk_unmap(void);
void test_vm_bad_arguments(void);
void test_vm_address_space(void);
void test_kmalloc_sizes(void);
void test_kmalloc_churn(void);
void test_printk_format(void);
void test_initrd_lookup(void);
void test_initrd_corrupt(void);
void test_smp_all_online(void);
void test_smp_lock_counter(void);
void test_smp_ipi_each_core(void);
void test_smp_tlb_shootdown(void);
void test_smp_ticks_everywhere(void);
void test_smp_clock_monotonic(void);
void test_sched_pinned_threads(void);
void test_sched_sleep_wakeup(void);
void test_sched_sleep_until(void);
void test_sched_many_threads(void);
void test_kcheck_clean(void);
void test_kcheck_refs(void);
void test_kcheck_types(void);
void test_kcheck_zombie(void);
void test_lockcheck_records_order(void);
void test_lockcheck_order_cycle(void);
void test_lockcheck_sleep_holding(void);
void test_selftest_fail(void);
void test_selftest_exception(void);
void test_selftest_hang(void);
void test_selftest_panic_all(void);

#endif
