/* In-kernel tests of formatting, the initrd, and the harness itself. */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/panic.h"
#include "kernel/smp.h"
#include "kernel/initrd.h"
#include "kernel/kmalloc.h"
#include "kernel/ktest.h"
#include "kernel/printk.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "lib/tar.h"
#include "tests/guest/guest.h"

void test_printk_format(void)
{
	char buf[64];

	fmt_snprintf(buf, sizeof(buf), "%d|%u|%x|%s|%c", -42, 42u, 0xbeef, "hi", 'z');
	KT_CHECK(strcmp(buf, "-42|42|beef|hi|z") == 0);
	fmt_snprintf(buf, sizeof(buf), "[%5d][%-5d][%05d]", 7, 7, -7);
	KT_CHECK(strcmp(buf, "[    7][7    ][-0007]") == 0);
	fmt_snprintf(buf, sizeof(buf), "%lu %lx %p", 18446744073709551615ul, 0xffffffff80000000ul,
		     (void *)0xffffffff80100000ul);
	KT_CHECK(strcmp(buf, "18446744073709551615 ffffffff80000000 0xffffffff80100000") == 0);
	KT_CHECK(fmt_snprintf(buf, 4, "%s", "truncated") == 9 && strcmp(buf, "tru") == 0);
	KT_CHECK(printk("# printk returns its length\n") == 28);
}

void test_initrd_lookup(void)
{
	const void *data;
	size_t size;

	KT_CHECK(initrd_present());
	KT_CHECK(initrd_find("motd", &data, &size) == 0);
	KT_CHECK(size > 8 && memcmp(data, "Welcome", 7) == 0);
	KT_CHECK(initrd_find("no-such-file", &data, &size) == -ENOENT);
	KT_CHECK(initrd_find("", &data, &size) == -ENOENT);
}

/* The parser refuses a damaged copy of the real archive. */
void test_initrd_corrupt(void)
{
	const void *data;
	size_t size;
	unsigned char *copy = kmalloc(2048);

	KT_CHECK(initrd_find("motd", &data, &size) == 0);
	/* The first header sits 512 bytes before the first file's data in a
	 * ustar archive; copy that header and the data block. */
	memcpy(copy, (const unsigned char *)data - 512, 1024);
	memset(copy + 1024, 0, 1024);	/* end-of-archive blocks */
	KT_CHECK(tar_validate(copy, 2048) >= 1);
	copy[0] ^= 0x55;		/* breaks the header checksum */
	KT_CHECK(tar_validate(copy, 2048) < 0);
	copy[0] ^= 0x55;
	KT_CHECK(tar_validate(copy, 600) < 0);	/* data cut short */
	kfree(copy);
}

/* The harness self-tests: run only with test=selftest/..., and the test
 * runner expects each to be reported as a failure. */
void test_selftest_fail(void)
{
	KT_CHECK(1 + 1 == 3);
}

void test_selftest_exception(void)
{
	arch_trigger_exception(1);
	KT_CHECK(!"the deliberate exception returned");
}

static void panic_here(void *arg)
{
	(void)arg;
	panic("deliberate panic on cpu %d", cpu_id());
}

/* Every core panics at once: exactly one report must come out. */
void test_selftest_panic_all(void)
{
	smp_call_all(panic_here, 0);
}

void test_selftest_hang(void)
{
	for (;;)
		cpu_idle_wait();
}
