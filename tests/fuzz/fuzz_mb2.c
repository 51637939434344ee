/*
 * Fuzz target for lib/mb2.c: the input is a multiboot2 boot information
 * block, copied to an 8-byte-aligned heap buffer of exactly its size.
 *
 * On success every string the result points at must be NUL-terminated
 * inside the block, the RSDP copy must lie inside it, and the counts must
 * be in range; on failure the result must be all zero.  Then, as the
 * kernel does at boot, the RSDP copy goes to acpi_rsdp_check() and the
 * command line to cmdline_get().
 */
#include <stdbool.h>
#include <string.h>

#include "lib/acpi.h"
#include "lib/cmdline.h"
#include "lib/mb2.h"
#include "tests/fuzz/fuzz.h"

static void check_string(const char *s, const uint8_t *base, size_t len)
{
	size_t room;

	if (!s)
		return;
	CHECK(fuzz_within(base, len, s, 1));
	room = len - (size_t)((const uint8_t *)s - base);
	CHECK(strnlen(s, room) < room);
}

static void check_info(const struct mb2_info *mb, const uint8_t *base, size_t len)
{
	check_string(mb->cmdline, base, len);
	check_string(mb->bootloader, base, len);
	CHECK(mb->nmmap >= 0 && mb->nmmap <= MB2_MAX_MMAP);
	CHECK(mb->nmodules >= 0 && mb->nmodules <= MB2_MAX_MODULES);
	for (int i = 0; i < mb->nmodules; i++) {
		CHECK(mb->modules[i].start <= mb->modules[i].end);
		CHECK(mb->modules[i].cmdline != NULL);
		check_string(mb->modules[i].cmdline, base, len);
	}
	CHECK(mb->rsdp_version >= 0 && mb->rsdp_version <= 2);
	if (mb->rsdp_version == 0) {
		CHECK(mb->rsdp == NULL && mb->rsdp_len == 0);
	} else {
		CHECK(mb->rsdp_len >= (mb->rsdp_version == 2 ? 36u : 20u));
		CHECK(fuzz_within(base, len, mb->rsdp, mb->rsdp_len));
	}
}

/* What kernel/main.c and kernel/bootinfo.c do with the result. */
static void use_info(const struct mb2_info *mb)
{
	const struct mb2_module *m = mb2_find_module(mb, "initrd");
	char arg[256];
	uint64_t root;
	bool xsdt;

	CHECK(!m || (m >= mb->modules && m < mb->modules + mb->nmodules));
	if (mb->rsdp)
		acpi_rsdp_check(mb->rsdp, mb->rsdp_len, &root, &xsdt);
	if (mb->cmdline) {
		int n = cmdline_get(mb->cmdline, "run", arg, sizeof(arg));

		CHECK(n < 0 || (size_t)n == strlen(arg));
		cmdline_has(mb->cmdline, "test");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mb2_info zero;
	static struct mb2_info mb;
	uint8_t *block = malloc(size ? size : 1);	/* malloc is 16-aligned */
	int rc;

	if (!block)
		abort();
	memcpy(block, data, size);
	rc = mb2_parse(block, size, &mb);
	if (rc == MB2_EOK) {
		check_info(&mb, block, size);
		use_info(&mb);
	} else {
		CHECK(rc < 0 && rc >= MB2_ETOOMANY);
		CHECK(strcmp(mb2_strerror(rc), "unknown multiboot2 error") != 0);
		CHECK(memcmp(&mb, &zero, sizeof(mb)) == 0);
	}
	if (size >= 4)
		CHECK(mb2_total_size(block) == ((uint32_t)data[0] | (uint32_t)data[1] << 8 |
						(uint32_t)data[2] << 16 | (uint32_t)data[3] << 24));
	free(block);
	return 0;
}
