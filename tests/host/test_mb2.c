/*
 * Host unit tests for lib/mb2.c (cmocka).
 *
 * Boot information blocks are built by hand with the helpers below, laid
 * out as GRUB does it.  Each block is parsed from an 8-byte-aligned heap
 * copy of exactly its length, so AddressSanitizer reports any read past
 * the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/mb2.h"

#define BI_CAP 8192

/* A boot information block under construction. */
struct bi {
	_Alignas(8) uint8_t buf[BI_CAP];
	size_t len;
};

/* ---- helpers for building blocks ---- */

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* the host is little-endian x86 too */
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void bi_init(struct bi *b)
{
	memset(b->buf, 0, sizeof(b->buf));
	b->len = 8; /* total_size and reserved, filled in later */
}

/* Appends a tag with the given payload; returns the tag's offset. */
static size_t bi_tag(struct bi *b, uint32_t type, const void *payload, size_t n)
{
	size_t off = b->len;

	assert_true(off + 8 + n + 8 <= BI_CAP);
	put32(b->buf + off, type);
	put32(b->buf + off + 4, (uint32_t)(8 + n));
	if (n)
		memcpy(b->buf + off + 8, payload, n);
	b->len = (off + 8 + n + 7) / 8 * 8; /* pad to 8 */
	return off;
}

static size_t bi_string_tag(struct bi *b, uint32_t type, const char *s)
{
	return bi_tag(b, type, s, strlen(s) + 1);
}

static size_t bi_module(struct bi *b, uint32_t start, uint32_t end, const char *cmdline)
{
	uint8_t p[256];
	size_t n = strlen(cmdline) + 1;

	assert_true(8 + n <= sizeof(p));
	put32(p, start);
	put32(p + 4, end);
	memcpy(p + 8, cmdline, n);
	return bi_tag(b, MB2_TAG_MODULE, p, 8 + n);
}

static size_t bi_meminfo(struct bi *b, uint32_t lower, uint32_t upper)
{
	uint8_t p[8];

	put32(p, lower);
	put32(p + 4, upper);
	return bi_tag(b, MB2_TAG_MEMINFO, p, 8);
}

struct raw_mmap {
	uint64_t base, length;
	uint32_t type;
};

/* A memory map tag with entries of entry_size bytes (24 normally). */
static size_t bi_mmap(struct bi *b, uint32_t entry_size, const struct raw_mmap *e, int n)
{
	static uint8_t p[BI_CAP];
	size_t len = 8 + (size_t)n * entry_size;

	assert_true(len <= sizeof(p));
	memset(p, 0, len);
	put32(p, entry_size);
	put32(p + 4, 0);
	for (int i = 0; i < n; i++) {
		uint8_t *q = p + 8 + (size_t)i * entry_size;

		put64(q, e[i].base);
		put64(q + 8, e[i].length);
		put32(q + 16, e[i].type);
		if (entry_size > 24)
			memset(q + 24, 0xEE, entry_size - 24); /* future fields */
	}
	return bi_tag(b, MB2_TAG_MMAP, p, len);
}

/* An RSDP copy: v1 is 20 bytes, v2 is 36. */
static size_t bi_rsdp(struct bi *b, int version)
{
	uint8_t p[36];

	memset(p, 0, sizeof(p));
	memcpy(p, "RSD PTR ", 8);
	p[15] = version == 2 ? 2 : 0;
	return bi_tag(b, version == 2 ? MB2_TAG_ACPI_NEW : MB2_TAG_ACPI_OLD, p,
		      version == 2 ? 36 : 20);
}

/* A framebuffer tag as GRUB writes it; RGB fields only when rgb is set. */
static size_t bi_fb(struct bi *b, uint64_t addr, uint32_t pitch, uint32_t w, uint32_t h,
		    uint8_t bpp, uint8_t type, const uint8_t rgb[6])
{
	uint8_t p[30];

	memset(p, 0, sizeof(p));
	put64(p, addr);
	put32(p + 8, pitch);
	put32(p + 12, w);
	put32(p + 16, h);
	p[20] = bpp;
	p[21] = type;
	if (rgb)
		memcpy(p + 24, rgb, 6);
	return bi_tag(b, MB2_TAG_FRAMEBUFFER, p, rgb ? 30 : 24);
}

/* Appends the end tag and fills in total_size. */
static void bi_finish(struct bi *b)
{
	bi_tag(b, MB2_TAG_END, NULL, 0);
	put32(b->buf, (uint32_t)b->len);
}

/*
 * A heap copy of exactly len bytes, so ASan catches reads past the end.
 * glibc's malloc returns 16-byte-aligned memory, as the parser requires.
 */
static uint8_t *exact_copy(const void *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	assert_true((uintptr_t)p % 8 == 0);
	if (len)
		memcpy(p, src, len);
	return p;
}

static int parse_copy(const void *src, size_t len, struct mb2_info *out)
{
	uint8_t *p = exact_copy(src, len);
	int r = mb2_parse(p, len, out);

	free(p); /* out's pointers dangle now: only look at numbers */
	return r;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *q = p;

	for (size_t i = 0; i < n; i++)
		if (q[i])
			return false;
	return true;
}

static const struct raw_mmap qemu_map[] = {
    {0x0, 0x9fc00, MB2_MMAP_AVAILABLE},
    {0x9fc00, 0x400, MB2_MMAP_RESERVED},
    {0xf0000, 0x10000, MB2_MMAP_RESERVED},
    {0x100000, 0x7ee0000, MB2_MMAP_AVAILABLE},
    {0x7fe0000, 0x20000, MB2_MMAP_RESERVED},
    {0xfffc0000, 0x40000, MB2_MMAP_RESERVED},
    {0x100000000, 0x80000000, MB2_MMAP_AVAILABLE},
};
#define QEMU_MAP_N ((int)(sizeof(qemu_map) / sizeof(qemu_map[0])))

/* A block like the one GRUB gives Baton under QEMU, plus an unknown tag. */
static void build_full(struct bi *b)
{
	static const uint8_t unknown[5] = {1, 2, 3, 4, 5};

	bi_init(b);
	bi_string_tag(b, MB2_TAG_CMDLINE, "console=serial loglevel=3");
	bi_string_tag(b, MB2_TAG_BOOTLOADER, "GRUB 2.06");
	bi_module(b, 0x200000, 0x212800, "initrd");
	bi_module(b, 0x213000, 0x213400, "font extra args");
	bi_meminfo(b, 639, 130944);
	bi_tag(b, 21, unknown, sizeof(unknown)); /* load base addr: skipped */
	bi_mmap(b, 24, qemu_map, QEMU_MAP_N);
	bi_rsdp(b, 1);
	bi_rsdp(b, 2);
	bi_finish(b);
}

/* ---- tests ---- */

static void test_minimal(void **state)
{
	static struct bi b;
	struct mb2_info info;

	(void)state;
	bi_init(&b);
	bi_finish(&b);
	assert_int_equal(b.len, 16);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_EOK);
	assert_null(info.cmdline);
	assert_null(info.bootloader);
	assert_false(info.has_meminfo);
	assert_int_equal(info.nmmap, 0);
	assert_int_equal(info.nmodules, 0);
	assert_null(info.rsdp);
	assert_int_equal(info.rsdp_version, 0);
	assert_null(mb2_find_module(&info, "initrd"));
}

static void test_full(void **state)
{
	static struct bi b;
	struct mb2_info info;
	uint8_t *p;

	(void)state;
	build_full(&b);
	p = exact_copy(b.buf, b.len);
	assert_int_equal(mb2_total_size(p), b.len);
	assert_int_equal(mb2_parse(p, b.len, &info), MB2_EOK);

	assert_string_equal(info.cmdline, "console=serial loglevel=3");
	assert_string_equal(info.bootloader, "GRUB 2.06");

	assert_int_equal(info.nmodules, 2);
	assert_int_equal(info.modules[0].start, 0x200000);
	assert_int_equal(info.modules[0].end, 0x212800);
	assert_string_equal(info.modules[0].cmdline, "initrd");
	assert_string_equal(info.modules[1].cmdline, "font extra args");

	assert_true(info.has_meminfo);
	assert_int_equal(info.mem_lower_kb, 639);
	assert_int_equal(info.mem_upper_kb, 130944);

	assert_int_equal(info.nmmap, QEMU_MAP_N);
	for (int i = 0; i < QEMU_MAP_N; i++) {
		assert_int_equal(info.mmap[i].base, qemu_map[i].base);
		assert_int_equal(info.mmap[i].length, qemu_map[i].length);
		assert_int_equal(info.mmap[i].type, qemu_map[i].type);
	}

	assert_int_equal(info.rsdp_version, 2);
	assert_int_equal(info.rsdp_len, 36);
	assert_memory_equal(info.rsdp, "RSD PTR ", 8);
	assert_int_equal(((const uint8_t *)info.rsdp)[15], 2);
	/* Everything points inside the block. */
	assert_true((const uint8_t *)info.rsdp > p && (const uint8_t *)info.rsdp + 36 <= p + b.len);
	assert_true((const uint8_t *)info.cmdline > p && (const uint8_t *)info.cmdline < p + b.len);
	free(p);
}

static void test_rsdp_versions(void **state)
{
	static struct bi b;
	struct mb2_info info;

	(void)state;
	/* Old only. */
	bi_init(&b);
	bi_rsdp(&b, 1);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_EOK);
	assert_int_equal(info.rsdp_version, 1);
	assert_int_equal(info.rsdp_len, 20);

	/* New before old: new still wins. */
	bi_init(&b);
	size_t new_off = bi_rsdp(&b, 2);
	bi_rsdp(&b, 1);
	bi_finish(&b);
	uint8_t *p = exact_copy(b.buf, b.len);
	assert_int_equal(mb2_parse(p, b.len, &info), MB2_EOK);
	assert_int_equal(info.rsdp_version, 2);
	assert_int_equal(info.rsdp_len, 36);
	assert_ptr_equal(info.rsdp, p + new_off + 8);
	free(p);

	/* RSDP tags too small for their version. */
	bi_init(&b);
	bi_tag(&b, MB2_TAG_ACPI_OLD, "RSD PTR ", 8);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETAGSIZE);
	bi_init(&b);
	bi_tag(&b, MB2_TAG_ACPI_NEW, "RSD PTR 0123456789ab", 20);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETAGSIZE);
}

static void test_find_module(void **state)
{
	static struct bi b;
	struct mb2_info info;
	const struct mb2_module *m;

	(void)state;
	build_full(&b);
	assert_int_equal(mb2_parse(b.buf, b.len, &info), MB2_EOK);

	m = mb2_find_module(&info, "initrd");
	assert_non_null(m);
	assert_ptr_equal(m, &info.modules[0]);
	m = mb2_find_module(&info, "font"); /* first word matches */
	assert_ptr_equal(m, &info.modules[1]);
	assert_null(mb2_find_module(&info, "init")); /* prefix only */
	assert_null(mb2_find_module(&info, "initrd2"));
	assert_null(mb2_find_module(&info, "extra"));
	assert_ptr_equal(mb2_find_module(&info, "font extra"), /* ends at ' ' */
			 &info.modules[1]);
	assert_null(mb2_find_module(&info, "font ex"));
	assert_ptr_equal(mb2_find_module(&info, "font extra args"), &info.modules[1]);
	assert_null(mb2_find_module(&info, ""));
	assert_null(mb2_find_module(&info, NULL));
	assert_null(mb2_find_module(NULL, "initrd"));
}

static void test_bad_total_size(void **state)
{
	static struct bi b;
	struct mb2_info info;

	(void)state;
	build_full(&b);
	/* len too small for even the header. */
	assert_int_equal(parse_copy(b.buf, 0, &info), MB2_ETOTAL);
	assert_int_equal(parse_copy(b.buf, 7, &info), MB2_ETOTAL);
	/* total_size larger than the readable length. */
	assert_int_equal(parse_copy(b.buf, b.len - 8, &info), MB2_ETOTAL);
	put32(b.buf, 0xFFFFFFF8u);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETOTAL);
	/* total_size too small to hold the end tag. */
	put32(b.buf, 8);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETOTAL);
	put32(b.buf, 0);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETOTAL);
	/* len larger than total_size is fine. */
	build_full(&b);
	assert_int_equal(parse_copy(b.buf, b.len + 64, &info), MB2_EOK);
}

static void test_alignment_and_null(void **state)
{
	static struct bi b;
	struct mb2_info info;
	uint8_t *p;

	(void)state;
	build_full(&b);
	p = malloc(b.len + 8);
	assert_non_null(p);
	memcpy(p + 4, b.buf, b.len);
	assert_int_equal(mb2_parse(p + 4, b.len, &info), MB2_EALIGN);
	free(p);
	assert_int_equal(mb2_parse(NULL, 100, &info), MB2_EINVAL);
	assert_int_equal(mb2_parse(b.buf, b.len, NULL), MB2_EINVAL);
}

static void test_tag_size_too_small(void **state)
{
	static struct bi b;
	struct mb2_info info;
	size_t off;

	(void)state;
	for (uint32_t size = 0; size < 8; size++) {
		build_full(&b);
		off = 8; /* the cmdline tag */
		put32(b.buf + off + 4, size);
		assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETAGSIZE);
		assert_true(all_zero(&info, sizeof(info)));
	}
	/* An end tag with size 0. */
	bi_init(&b);
	bi_finish(&b);
	put32(b.buf + 12, 0);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETAGSIZE);

	/* A module tag without room for mod_start/mod_end. */
	bi_init(&b);
	bi_tag(&b, MB2_TAG_MODULE, "\0\0\0\0", 4);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETAGSIZE);

	/* A meminfo tag with only mem_lower. */
	bi_init(&b);
	bi_tag(&b, MB2_TAG_MEMINFO, "\0\0\0\0", 4);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETAGSIZE);

	/* An mmap tag without entry_size/entry_version. */
	bi_init(&b);
	bi_tag(&b, MB2_TAG_MMAP, "\x18\0\0\0", 4);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETAGSIZE);
}

static void test_tag_past_end(void **state)
{
	static struct bi b;
	struct mb2_info info;

	(void)state;
	build_full(&b);
	put32(b.buf + 8 + 4, (uint32_t)b.len); /* cmdline tag too big */
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETRUNC);
	put32(b.buf + 8 + 4, 0xFFFFFFFFu);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETRUNC);

	/* The end tag claims more than is left. */
	build_full(&b);
	put32(b.buf + b.len - 4, 16);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETRUNC);
}

static void test_missing_end_tag(void **state)
{
	static struct bi b;
	struct mb2_info info;

	(void)state;
	/* total_size stops right before the end tag. */
	build_full(&b);
	put32(b.buf, (uint32_t)b.len - 8);
	assert_int_equal(parse_copy(b.buf, b.len - 8, &info), MB2_ENOEND);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ENOEND);

	/* The end tag replaced by an unknown tag. */
	build_full(&b);
	put32(b.buf + b.len - 8, 99);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ENOEND);

	/* Fewer than 8 bytes left after the last tag. */
	bi_init(&b);
	bi_string_tag(&b, MB2_TAG_CMDLINE, "abc"); /* 12 bytes + 4 padding */
	put32(b.buf, 8 + 12 + 4);
	assert_int_equal(parse_copy(b.buf, 24, &info), MB2_ENOEND);
	/* ... or not even room for the last tag's padding. */
	put32(b.buf, 8 + 12 + 2);
	assert_int_equal(parse_copy(b.buf, 22, &info), MB2_ENOEND);
}

static void test_mmap_entry_size(void **state)
{
	static struct bi b;
	struct mb2_info info;

	(void)state;
	for (uint32_t es = 0; es < 24; es += 4) {
		bi_init(&b);
		bi_mmap(&b, es, qemu_map, es ? 2 : 0);
		bi_finish(&b);
		assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_EMMAP);
	}
	/* Larger entries from a later spec version: only 24 bytes are read. */
	bi_init(&b);
	bi_mmap(&b, 40, qemu_map, QEMU_MAP_N);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_EOK);
	assert_int_equal(info.nmmap, QEMU_MAP_N);
	assert_int_equal(info.mmap[6].base, 0x100000000ull);
	assert_int_equal(info.mmap[6].length, 0x80000000ull);
	assert_int_equal(info.mmap[6].type, MB2_MMAP_AVAILABLE);

	/* A partial entry at the end of the tag. */
	bi_init(&b);
	size_t off = bi_mmap(&b, 24, qemu_map, 3);
	put32(b.buf + off + 4, 16 + 3 * 24 - 8);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_EMMAP);

	/* An empty map is fine. */
	bi_init(&b);
	bi_mmap(&b, 24, qemu_map, 0);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_EOK);
	assert_int_equal(info.nmmap, 0);
}

static void test_unterminated_strings(void **state)
{
	static struct bi b;
	struct mb2_info info;
	size_t off;

	(void)state;
	/* Command line whose NUL is replaced: the padding is outside the tag. */
	bi_init(&b);
	off = bi_string_tag(&b, MB2_TAG_CMDLINE, "abc");
	b.buf[off + 8 + 3] = 'd';
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ESTRING);

	/* An empty payload has no NUL at all. */
	bi_init(&b);
	bi_tag(&b, MB2_TAG_CMDLINE, NULL, 0);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ESTRING);

	bi_init(&b);
	bi_tag(&b, MB2_TAG_BOOTLOADER, "GRUB", 4);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ESTRING);

	/* Module command line. */
	bi_init(&b);
	off = bi_module(&b, 0x1000, 0x2000, "initrd");
	put32(b.buf + off + 4, 16 + 6); /* cut the NUL off */
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ESTRING);
	bi_init(&b);
	bi_tag(&b, MB2_TAG_MODULE, "\0\x10\0\0\0\x20\0\0", 8);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ESTRING);

	/* An empty string is fine. */
	bi_init(&b);
	bi_string_tag(&b, MB2_TAG_CMDLINE, "");
	bi_module(&b, 0x1000, 0x1000, "");
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_EOK);
	assert_int_equal(info.nmodules, 1);
}

static void test_module_end_before_start(void **state)
{
	static struct bi b;
	struct mb2_info info;

	(void)state;
	bi_init(&b);
	bi_module(&b, 0x2000, 0x1fff, "initrd");
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_EMODULE);
}

static void test_too_many(void **state)
{
	static struct bi b;
	static struct raw_mmap big[MB2_MAX_MMAP + 1];
	struct mb2_info info;

	(void)state;
	for (int i = 0; i <= MB2_MAX_MMAP; i++)
		big[i] = (struct raw_mmap){(uint64_t)i << 20, 1 << 20, 1};

	bi_init(&b);
	bi_mmap(&b, 24, big, MB2_MAX_MMAP);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_EOK);
	assert_int_equal(info.nmmap, MB2_MAX_MMAP);
	assert_int_equal(info.mmap[MB2_MAX_MMAP - 1].base, (uint64_t)(MB2_MAX_MMAP - 1) << 20);

	bi_init(&b);
	bi_mmap(&b, 24, big, MB2_MAX_MMAP + 1);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETOOMANY);

	/* Split over two tags. */
	bi_init(&b);
	bi_mmap(&b, 24, big, MB2_MAX_MMAP / 2 + 8);
	bi_mmap(&b, 24, big, MB2_MAX_MMAP / 2 - 7);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETOOMANY);

	bi_init(&b);
	for (int i = 0; i < MB2_MAX_MODULES; i++)
		bi_module(&b, 0x1000u * (uint32_t)i, 0x1000u * (uint32_t)i + 1, "m");
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_EOK);
	assert_int_equal(info.nmodules, MB2_MAX_MODULES);

	bi_init(&b);
	for (int i = 0; i <= MB2_MAX_MODULES; i++)
		bi_module(&b, 0, 1, "m");
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETOOMANY);
}

/* Tag sizes that are not multiples of 8 are followed by padding. */
static void test_padding(void **state)
{
	static struct bi b;
	struct mb2_info info;

	(void)state;
	bi_init(&b);
	for (size_t n = 1; n <= 9; n++) {
		static const uint8_t junk[9] = {9, 9, 9, 9, 9, 9, 9, 9, 9};

		bi_tag(&b, 1000 + (uint32_t)n, junk, n);
	}
	bi_string_tag(&b, MB2_TAG_CMDLINE, "after padding");
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_EOK);
	assert_int_equal(b.len % 8, 0);

	uint8_t *p = exact_copy(b.buf, b.len);
	assert_int_equal(mb2_parse(p, b.len, &info), MB2_EOK);
	assert_string_equal(info.cmdline, "after padding");
	free(p);
}

static void test_strerror(void **state)
{
	(void)state;
	for (int err = MB2_ETOOMANY; err <= MB2_EOK; err++) {
		const char *msg = mb2_strerror(err);

		assert_non_null(msg);
		assert_true(strlen(msg) > 0);
		assert_string_not_equal(msg, mb2_strerror(12345));
		for (int other = err + 1; other <= MB2_EOK; other++)
			assert_string_not_equal(msg, mb2_strerror(other));
	}
	assert_non_null(mb2_strerror(-1000));
}

/* ---- fuzzing ---- */

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

static uint32_t rnd_below(uint32_t n)
{
	return rnd() % n;
}

static bool inside(const uint8_t *base, size_t len, const void *p, size_t n)
{
	const uint8_t *q = p;

	return q >= base && n <= len && (size_t)(q - base) <= len - n;
}

/* Parses a copy and checks every result lies inside the block. */
static void check_parse(const uint8_t *src, size_t len)
{
	uint8_t *p = exact_copy(src, len);
	struct mb2_info info;
	int r = mb2_parse(p, len, &info);

	assert_true(r <= MB2_EOK && r >= MB2_ETOOMANY);
	if (r < 0) {
		assert_true(all_zero(&info, sizeof(info)));
		free(p);
		return;
	}
	if (info.cmdline)
		assert_true(inside(p, len, info.cmdline, strlen(info.cmdline) + 1));
	if (info.bootloader)
		assert_true(inside(p, len, info.bootloader, strlen(info.bootloader) + 1));
	for (int i = 0; i < info.nmodules; i++) {
		const char *c = info.modules[i].cmdline;

		assert_true(inside(p, len, c, strlen(c) + 1));
		assert_true(info.modules[i].start <= info.modules[i].end);
	}
	assert_true(info.nmmap >= 0 && info.nmmap <= MB2_MAX_MMAP);
	assert_true(info.nmodules >= 0 && info.nmodules <= MB2_MAX_MODULES);
	if (info.rsdp) {
		assert_true(inside(p, len, info.rsdp, info.rsdp_len));
		assert_true(info.rsdp_len >= (info.rsdp_version == 2 ? 36u : 20u));
	} else {
		assert_int_equal(info.rsdp_version, 0);
	}
	(void)mb2_find_module(&info, "initrd");
	free(p);
}

static void test_fuzz_mutations(void **state)
{
	static struct bi good, m;
	int errors = 0;

	(void)state;
	build_full(&good);
	for (int iter = 0; iter < 30000; iter++) {
		size_t len = good.len;
		int n = 1 + (int)rnd_below(6);

		memcpy(m.buf, good.buf, good.len);
		for (int k = 0; k < n; k++) {
			size_t pos = rnd_below((uint32_t)good.len);

			switch (rnd_below(5)) {
			case 0:
				m.buf[pos] = (uint8_t)rnd();
				break;
			case 1:
				m.buf[pos] ^= (uint8_t)(1u << rnd_below(8));
				break;
			case 2:
				m.buf[pos] = 0;
				break;
			case 3: /* a plausible small size or type in a u32 field */
				put32(m.buf + pos / 4 * 4, rnd_below(64));
				break;
			case 4: /* a huge value in a u32 field */
				put32(m.buf + pos / 4 * 4, 0xFFFFFFFFu - rnd_below(16));
				break;
			}
		}
		if (rnd_below(4) == 0)
			len = rnd_below((uint32_t)good.len + 1);
		if (rnd_below(2) == 0 && len >= 4 && get32(m.buf) > len)
			put32(m.buf, (uint32_t)len); /* keep total_size sane */

		check_parse(m.buf, len);
		{
			struct mb2_info info;

			errors += mb2_parse(m.buf, len, &info) < 0;
		}
	}
	assert_true(errors > 1000);
}

static void test_fuzz_random_tags(void **state)
{
	static struct bi b;

	(void)state;
	for (int iter = 0; iter < 5000; iter++) {
		int ntags = (int)rnd_below(12);

		bi_init(&b);
		for (int t = 0; t < ntags; t++) {
			uint8_t payload[96];
			size_t n = rnd_below(sizeof(payload));

			for (size_t i = 0; i < n; i++)
				payload[i] = (uint8_t)(rnd_below(4) ? rnd_below(40) : rnd());
			bi_tag(&b, rnd_below(17), payload, n);
		}
		if (rnd_below(8))
			bi_finish(&b);
		else
			put32(b.buf, (uint32_t)b.len);
		check_parse(b.buf, b.len);
	}
}

/* The framebuffer tag: copied as it is, 32 and 24 bpp RGB and EGA text. */
static void test_framebuffer(void **state)
{
	static struct bi b;
	static const uint8_t bgrx[6] = {16, 8, 8, 8, 0, 8};	/* OVMF's GOP: x8r8g8b8 */
	struct mb2_info info;

	(void)state;
	bi_init(&b);
	bi_fb(&b, 0x80000000ull, 800 * 4, 800, 600, 32, MB2_FB_RGB, bgrx);
	bi_rsdp(&b, 2);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_EOK);
	assert_true(info.has_fb);
	assert_int_equal(info.fb.addr, 0x80000000ull);
	assert_int_equal(info.fb.pitch, 3200);
	assert_int_equal(info.fb.width, 800);
	assert_int_equal(info.fb.height, 600);
	assert_int_equal(info.fb.bpp, 32);
	assert_int_equal(info.fb.type, MB2_FB_RGB);
	assert_int_equal(info.fb.red_pos, 16);
	assert_int_equal(info.fb.green_pos, 8);
	assert_int_equal(info.fb.blue_pos, 0);
	assert_int_equal(info.fb.blue_size, 8);
	assert_int_equal(info.rsdp_version, 2);	/* later tags still parsed */
	assert_int_equal(mb2_fb_check(&info.fb), MB2_EOK);
	assert_int_equal(mb2_fb_pixel(&info.fb, 0xAA, 0xBB, 0xCC), 0xAABBCCu);

	/* VGA text under BIOS: parsed, but not drawable for fbcon. */
	bi_init(&b);
	bi_fb(&b, 0xB8000, 160, 80, 25, 16, MB2_FB_EGA_TEXT, NULL);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_EOK);
	assert_true(info.has_fb);
	assert_int_equal(info.fb.type, MB2_FB_EGA_TEXT);
	assert_int_equal(info.fb.width, 80);
	assert_int_equal(mb2_fb_check(&info.fb), MB2_EFBFORMAT);

	/* No tag: no framebuffer. */
	bi_init(&b);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_EOK);
	assert_false(info.has_fb);

	/* An RGB tag without its colour fields is too small; so is a short one. */
	bi_init(&b);
	bi_fb(&b, 0x80000000ull, 3200, 800, 600, 32, MB2_FB_RGB, NULL);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETAGSIZE);
	assert_false(info.has_fb);
	bi_init(&b);
	bi_tag(&b, MB2_TAG_FRAMEBUFFER, bgrx, 6);
	bi_finish(&b);
	assert_int_equal(parse_copy(b.buf, b.len, &info), MB2_ETAGSIZE);
}

static struct mb2_framebuffer rgb_fb(uint8_t bpp, uint32_t pitch)
{
	struct mb2_framebuffer fb = {
		.addr = 0xFD000000ull, .pitch = pitch, .width = 1024, .height = 768, .bpp = bpp,
		.type = MB2_FB_RGB, .red_pos = 16, .red_size = 8, .green_pos = 8, .green_size = 8,
		.blue_pos = 0, .blue_size = 8,
	};
	return fb;
}

/* Which framebuffers a console accepts, and pixel values in each format. */
static void test_fb_check_and_pixel(void **state)
{
	struct mb2_framebuffer fb;

	(void)state;
	fb = rgb_fb(24, 1024 * 3);		/* packed 24 bpp (SeaBIOS VBE, some GPUs) */
	assert_int_equal(mb2_fb_check(&fb), MB2_EOK);
	assert_int_equal(mb2_fb_pixel(&fb, 0x12, 0x34, 0x56), 0x123456u);
	fb = rgb_fb(32, 1024 * 4 + 64);		/* lines padded past the width */
	assert_int_equal(mb2_fb_check(&fb), MB2_EOK);
	fb.red_pos = 0;				/* r8g8b8x8 order */
	fb.blue_pos = 16;
	assert_int_equal(mb2_fb_pixel(&fb, 0x12, 0x34, 0x56), 0x563412u);

	fb = rgb_fb(16, 1024 * 2);		/* r5g6b5 */
	fb.red_pos = 11, fb.red_size = 5, fb.green_pos = 5, fb.green_size = 6;
	fb.blue_pos = 0, fb.blue_size = 5;
	assert_int_equal(mb2_fb_check(&fb), MB2_EOK);
	assert_int_equal(mb2_fb_pixel(&fb, 0xFF, 0xFF, 0xFF), 0xFFFFu);
	assert_int_equal(mb2_fb_pixel(&fb, 0xFF, 0, 0), 0xF800u);

	fb = rgb_fb(32, 1024 * 4 - 4);		/* pitch shorter than a line */
	assert_int_equal(mb2_fb_check(&fb), MB2_EFBFORMAT);
	fb = rgb_fb(8, 1024);			/* unsupported depths */
	assert_int_equal(mb2_fb_check(&fb), MB2_EFBFORMAT);
	fb = rgb_fb(15, 2048);
	assert_int_equal(mb2_fb_check(&fb), MB2_EFBFORMAT);
	fb = rgb_fb(32, 4096);
	fb.red_pos = 30;			/* field runs out of the pixel */
	assert_int_equal(mb2_fb_check(&fb), MB2_EFBFORMAT);
	fb = rgb_fb(32, 4096);
	fb.green_size = 0;
	assert_int_equal(mb2_fb_check(&fb), MB2_EFBFORMAT);
	fb = rgb_fb(32, 4096);
	fb.blue_size = 9;
	assert_int_equal(mb2_fb_check(&fb), MB2_EFBFORMAT);
	fb = rgb_fb(32, 4096);
	fb.height = 0;
	assert_int_equal(mb2_fb_check(&fb), MB2_EFBFORMAT);
	fb = rgb_fb(32, 0x40000);
	fb.height = 0x10000;			/* frame larger than 4 GiB */
	assert_int_equal(mb2_fb_check(&fb), MB2_EFBFORMAT);
	fb = rgb_fb(32, 4096);
	fb.addr = 0xFFFFFFFFFFFFF000ull;	/* wraps around */
	assert_int_equal(mb2_fb_check(&fb), MB2_EFBFORMAT);
	fb = rgb_fb(32, 4096);
	fb.type = MB2_FB_INDEXED;
	assert_int_equal(mb2_fb_check(&fb), MB2_EFBFORMAT);
	assert_int_equal(mb2_fb_check(NULL), MB2_EFBFORMAT);
	assert_string_equal(mb2_strerror(MB2_EFBFORMAT), "framebuffer format a console cannot draw on");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_rsdp_versions),
	    cmocka_unit_test(test_find_module),
	    cmocka_unit_test(test_bad_total_size),
	    cmocka_unit_test(test_alignment_and_null),
	    cmocka_unit_test(test_tag_size_too_small),
	    cmocka_unit_test(test_tag_past_end),
	    cmocka_unit_test(test_missing_end_tag),
	    cmocka_unit_test(test_mmap_entry_size),
	    cmocka_unit_test(test_unterminated_strings),
	    cmocka_unit_test(test_module_end_before_start),
	    cmocka_unit_test(test_too_many),
	    cmocka_unit_test(test_padding),
	    cmocka_unit_test(test_strerror),
	    cmocka_unit_test(test_framebuffer),
	    cmocka_unit_test(test_fb_check_and_pixel),
	    cmocka_unit_test(test_fuzz_mutations),
	    cmocka_unit_test(test_fuzz_random_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
