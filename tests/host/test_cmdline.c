/* Host tests for lib/cmdline.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lib/cmdline.h"

static void test_has(void **state)
{
	(void)state;
	assert_true(cmdline_has("test quiet", "test"));
	assert_true(cmdline_has("a=1 test=pmm", "test"));
	assert_false(cmdline_has("testing=1", "test"));
	assert_false(cmdline_has("", "test"));
	assert_false(cmdline_has(NULL, "test"));
}

static void test_get_plain_and_quoted(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(cmdline_get("test=pmm,vm x", "test", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "pmm,vm");
	assert_int_equal(cmdline_get("a run=\"cachebench -n 10\" b", "run", buf, sizeof(buf)), 16);
	assert_string_equal(buf, "cachebench -n 10");
	assert_int_equal(cmdline_get("run=\"\"", "run", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void test_get_missing_and_small(void **state)
{
	char buf[4];

	(void)state;
	assert_int_equal(cmdline_get("test", "test", buf, sizeof(buf)), -1);
	assert_int_equal(cmdline_get("other=1", "test", buf, sizeof(buf)), -1);
	assert_int_equal(cmdline_get("test=abcd", "test", buf, sizeof(buf)), -2);
	assert_int_equal(cmdline_get("test=abc", "test", buf, sizeof(buf)), 3);
}

static void test_unterminated_quote(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(cmdline_get("run=\"echo hi", "run", buf, sizeof(buf)), 7);
	assert_string_equal(buf, "echo hi");
	assert_false(cmdline_has("run=\"echo test", "test"));
}

/* GRUB's form: the whole word quoted, inner quotes and backslashes escaped. */
static void test_grub_quoted_words(void **state)
{
	char buf[64];

	(void)state;
	assert_true(cmdline_has("\"run=echo hi\" test", "test"));
	assert_int_equal(cmdline_get("\"run=echo hi\" test", "run", buf, sizeof(buf)), 7);
	assert_string_equal(buf, "echo hi");
	assert_int_equal(cmdline_get("\"run=browser --script \\\"a; b\\\"\"", "run", buf, sizeof(buf)),
			 23);
	assert_string_equal(buf, "browser --script \"a; b\"");
	assert_int_equal(cmdline_get("\"run=a\\\\b\"", "run", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "a\\b");
	assert_false(cmdline_has("\"run=x test\"", "test"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_has),
		cmocka_unit_test(test_get_plain_and_quoted),
		cmocka_unit_test(test_get_missing_and_small),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_grub_quoted_words),
	};
	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
