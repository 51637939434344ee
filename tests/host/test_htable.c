/* Host tests for lib/htable.c: slots, quota, rights. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/htable.h"

static int objs[16];

static void test_alloc_lowest_free_and_quota(void **state)
{
	struct hslot t[8] = { 0 };
	struct hslot out;

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(htable_alloc(t, 8, 4, &objs[i], 1), i);
	assert_int_equal(htable_alloc(t, 8, 4, &objs[4], 1), HT_EFULL);	/* quota, not size */
	assert_int_equal(htable_clear(t, 8, 1, &out), 0);
	assert_ptr_equal(out.obj, &objs[1]);
	assert_int_equal(htable_alloc(t, 8, 4, &objs[5], 3), 1);	/* reuses the hole */
	assert_int_equal(htable_used(t, 8), 4);
	assert_int_equal(htable_alloc(t, 8, 100, &objs[6], 1), 4);	/* quota above size */
	for (int i = 5; i < 8; i++)
		assert_int_equal(htable_alloc(t, 8, 100, &objs[7], 1), i);
	assert_int_equal(htable_alloc(t, 8, 100, &objs[7], 1), HT_EFULL);
}

static void test_check_rights_and_bad_handles(void **state)
{
	struct hslot t[4] = { 0 };
	struct hslot out;

	(void)state;
	assert_int_equal(htable_alloc(t, 4, 4, &objs[0], 0x1 | 0x2), 0);
	assert_int_equal(htable_check(t, 4, 0, 0x1), 0);
	assert_int_equal(htable_check(t, 4, 0, 0x3), 0);
	assert_int_equal(htable_check(t, 4, 0, 0x4), HT_EPERM);
	assert_int_equal(htable_check(t, 4, 0, 0x5), HT_EPERM);
	assert_int_equal(htable_check(t, 4, 1, 0), HT_EBAD);		/* empty slot */
	assert_int_equal(htable_check(t, 4, -1, 0), HT_EBAD);
	assert_int_equal(htable_check(t, 4, 4, 0), HT_EBAD);		/* past the end */
	assert_int_equal(htable_check(t, 4, 1 << 30, 0), HT_EBAD);
	assert_int_equal(htable_clear(t, 4, 2, &out), HT_EBAD);
	assert_int_equal(htable_clear(t, 4, 0, &out), 0);
	assert_int_equal(htable_check(t, 4, 0, 0), HT_EBAD);		/* closed */
	assert_int_equal(htable_clear(t, 4, 0, &out), HT_EBAD);		/* twice */
}

static void test_rights_subset(void **state)
{
	(void)state;
	assert_true(rights_subset(0, 0));
	assert_true(rights_subset(0x1, 0x3));
	assert_true(rights_subset(0x3, 0x3));
	assert_false(rights_subset(0x4, 0x3));
	assert_false(rights_subset(0x7, 0x3));
	assert_true(rights_subset(0, 0xF));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_lowest_free_and_quota),
		cmocka_unit_test(test_check_rights_and_bad_handles),
		cmocka_unit_test(test_rights_subset),
	};
	return cmocka_run_group_tests_name("htable", tests, NULL, NULL);
}
