/*
 * Host unit tests for lib/tar.c (cmocka).
 *
 * Archives are built in memory by the helpers below, which write ustar
 * headers the way GNU tar --format=ustar does.  Every archive handed to
 * the parser is first copied into a heap block of exactly its length, so
 * AddressSanitizer reports any read past the end.
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

#include "lib/tar.h"

#define BLK TAR_BLOCK_SIZE
#define AR_CAP (64 * 1024)

/* An archive under construction. */
struct ar {
	uint8_t buf[AR_CAP];
	size_t len;
};

/* ---- helpers for building headers and archives ---- */

/* Writes an octal number into a field of n bytes: n-1 digits and a NUL. */
static void put_octal(uint8_t *field, size_t n, unsigned long long v)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%0*llo", (int)(n - 1), v);
	assert_int_equal(strlen(tmp), n - 1);
	memcpy(field, tmp, n); /* includes the NUL */
}

/* Fills in the checksum field: 6 digits, NUL, space (as GNU tar does). */
static void set_checksum(uint8_t *h)
{
	unsigned sum = 0;

	memset(h + 148, ' ', 8);
	for (int i = 0; i < BLK; i++)
		sum += h[i];
	put_octal(h + 148, 7, sum);
	h[155] = ' ';
}

/* Same, but sums the bytes as signed chars like some old tars. */
static void set_signed_checksum(uint8_t *h)
{
	int sum = 0;

	memset(h + 148, ' ', 8);
	for (int i = 0; i < BLK; i++)
		sum += (signed char)h[i];
	assert_true(sum >= 0);
	put_octal(h + 148, 7, (unsigned)sum);
	h[155] = ' ';
}

/* Builds a POSIX ustar header.  name may be exactly 100 bytes, unterminated. */
static void make_header(uint8_t *h, const char *prefix, const char *name, char type, size_t size)
{
	memset(h, 0, BLK);
	memcpy(h, name, strnlen(name, 100));
	put_octal(h + 100, 8, type == '5' ? 0755 : 0644);
	put_octal(h + 108, 8, 1000);
	put_octal(h + 116, 8, 1000);
	put_octal(h + 124, 12, size);
	put_octal(h + 136, 12, 1700000000);
	h[156] = (uint8_t)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "user", 4);
	memcpy(h + 297, "user", 4);
	if (prefix)
		memcpy(h + 345, prefix, strnlen(prefix, 155));
	set_checksum(h);
}

static void ar_init(struct ar *a)
{
	memset(a->buf, 0, sizeof(a->buf));
	a->len = 0;
}

/* Appends a member; returns the offset of its header. */
static size_t ar_add_prefixed(struct ar *a, const char *prefix, const char *name, char type,
			      const void *data, size_t size)
{
	size_t hdr = a->len;
	size_t padded = (size + BLK - 1) / BLK * BLK;

	assert_true(a->len + BLK + padded <= AR_CAP);
	make_header(a->buf + hdr, prefix, name, type, size);
	if (size)
		memcpy(a->buf + hdr + BLK, data, size);
	memset(a->buf + hdr + BLK + size, 0, padded - size);
	a->len += BLK + padded;
	return hdr;
}

static size_t ar_add(struct ar *a, const char *name, char type, const void *data, size_t size)
{
	return ar_add_prefixed(a, NULL, name, type, data, size);
}

static size_t ar_add_str(struct ar *a, const char *name, const char *text)
{
	return ar_add(a, name, '0', text, strlen(text));
}

/* Appends n zero blocks (two make the normal end-of-archive marker). */
static void ar_zero_blocks(struct ar *a, int n)
{
	assert_true(a->len + (size_t)n * BLK <= AR_CAP);
	memset(a->buf + a->len, 0, (size_t)n * BLK);
	a->len += (size_t)n * BLK;
}

/* A copy of len bytes in a heap block of exactly that size (for ASan). */
static uint8_t *exact_copy(const void *src, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	assert_non_null(p);
	if (len)
		memcpy(p, src, len);
	return p;
}

static int validate_copy(const void *src, size_t len)
{
	uint8_t *p = exact_copy(src, len);
	int r = tar_validate(p, len);

	free(p);
	return r;
}

/* The data of the test programs. */
static uint8_t init_data[1000];
static const char hello_text[] = "Hello, Baton!\n";

static void init_data_fill(void)
{
	for (size_t i = 0; i < sizeof(init_data); i++)
		init_data[i] = (uint8_t)(i * 7 + 3);
}

/* A typical initrd: a directory, two files in it, a text file, an empty file. */
static void build_good(struct ar *a)
{
	init_data_fill();
	ar_init(a);
	ar_add(a, "bin/", '5', NULL, 0);
	ar_add(a, "bin/init", '0', init_data, sizeof(init_data));
	ar_add(a, "bin/sh", '0', init_data, 512);
	ar_add_str(a, "hello.txt", hello_text);
	ar_add(a, "empty", '0', NULL, 0);
	ar_zero_blocks(a, 2);
}

#define GOOD_COUNT 5

/* ---- tests ---- */

static void test_empty_buffer(void **state)
{
	struct tar_iter it;
	struct tar_entry e;
	uint8_t *p = exact_copy("", 0);

	(void)state;
	assert_int_equal(tar_validate(p, 0), 0);
	assert_int_equal(tar_validate(NULL, 0), 0);
	assert_int_equal(tar_validate(NULL, 1234), 0); /* NULL = empty */
	tar_iter_init(&it, p, 0);
	assert_int_equal(tar_next(&it, &e), 0);
	assert_int_equal(tar_find(p, 0, "init", &e), TAR_ENOENT);
	free(p);
}

static void test_all_zeros(void **state)
{
	static uint8_t zeros[20 * BLK];
	struct tar_entry e;

	(void)state;
	assert_int_equal(validate_copy(zeros, sizeof(zeros)), 0);
	assert_int_equal(validate_copy(zeros, BLK), 0);
	assert_int_equal(tar_find(zeros, sizeof(zeros), "x", &e), TAR_ENOENT);
	/* A few zero bytes that are not even a block: truncated. */
	assert_int_equal(validate_copy(zeros, 100), TAR_ETRUNC);
}

static void test_good_archive(void **state)
{
	static struct ar a;
	struct tar_iter it;
	struct tar_entry e;
	uint8_t *p;

	(void)state;
	build_good(&a);
	p = exact_copy(a.buf, a.len);
	assert_int_equal(tar_validate(p, a.len), GOOD_COUNT);

	tar_iter_init(&it, p, a.len);
	assert_int_equal(tar_next(&it, &e), 1);
	assert_string_equal(e.name, "bin/");
	assert_int_equal(e.type, TAR_TYPE_DIR);
	assert_int_equal(e.size, 0);

	assert_int_equal(tar_next(&it, &e), 1);
	assert_string_equal(e.name, "bin/init");
	assert_int_equal(e.type, TAR_TYPE_FILE);
	assert_int_equal(e.size, sizeof(init_data));
	assert_ptr_equal(e.data, p + 2 * BLK);
	assert_memory_equal(e.data, init_data, sizeof(init_data));

	assert_int_equal(tar_next(&it, &e), 1);
	assert_string_equal(e.name, "bin/sh");
	assert_int_equal(e.size, 512);
	assert_ptr_equal(e.data, p + 5 * BLK);

	assert_int_equal(tar_next(&it, &e), 1);
	assert_string_equal(e.name, "hello.txt");
	assert_int_equal(e.size, strlen(hello_text));
	assert_memory_equal(e.data, hello_text, strlen(hello_text));

	assert_int_equal(tar_next(&it, &e), 1);
	assert_string_equal(e.name, "empty");
	assert_int_equal(e.size, 0);

	/* The end, and it stays the end. */
	assert_int_equal(tar_next(&it, &e), 0);
	assert_int_equal(tar_next(&it, &e), 0);
	free(p);
}

static void test_find(void **state)
{
	static struct ar a;
	struct tar_entry e;
	uint8_t *p;

	(void)state;
	build_good(&a);
	p = exact_copy(a.buf, a.len);

	assert_int_equal(tar_find(p, a.len, "hello.txt", &e), TAR_EOK);
	assert_string_equal(e.name, "hello.txt");
	assert_memory_equal(e.data, hello_text, strlen(hello_text));
	assert_int_equal(tar_find(p, a.len, "./hello.txt", &e), TAR_EOK);
	assert_string_equal(e.name, "hello.txt");
	assert_int_equal(tar_find(p, a.len, "/bin/init", &e), TAR_EOK);
	assert_int_equal(e.size, sizeof(init_data));
	assert_int_equal(tar_find(p, a.len, "./bin/sh", &e), TAR_EOK);
	assert_int_equal(e.size, 512);
	assert_int_equal(tar_find(p, a.len, "empty", &e), TAR_EOK);
	assert_int_equal(e.size, 0);

	/* Directories are not regular files; partial names do not match. */
	assert_int_equal(tar_find(p, a.len, "bin/", &e), TAR_ENOENT);
	assert_int_equal(tar_find(p, a.len, "bin", &e), TAR_ENOENT);
	assert_int_equal(tar_find(p, a.len, "bin/ini", &e), TAR_ENOENT);
	assert_int_equal(tar_find(p, a.len, "init", &e), TAR_ENOENT);
	assert_int_equal(tar_find(p, a.len, "nothere", &e), TAR_ENOENT);
	assert_int_equal(tar_find(p, a.len, "", &e), TAR_ENOENT);
	assert_int_equal(tar_find(p, a.len, "./", &e), TAR_ENOENT);
	free(p);
}

/* `tar -C dir .` stores names as "./", "./bin/", "./bin/init" ... */
static void test_find_dot_slash_members(void **state)
{
	static struct ar a;
	struct tar_entry e;

	(void)state;
	ar_init(&a);
	ar_add(&a, "./", '5', NULL, 0);
	ar_add_str(&a, "./motd", "welcome\n");
	ar_add_str(&a, "./etc/passwd", "root\n");
	ar_zero_blocks(&a, 2);

	assert_int_equal(validate_copy(a.buf, a.len), 3);
	assert_int_equal(tar_find(a.buf, a.len, "motd", &e), TAR_EOK);
	assert_string_equal(e.name, "./motd");
	assert_int_equal(tar_find(a.buf, a.len, "./motd", &e), TAR_EOK);
	assert_int_equal(tar_find(a.buf, a.len, "etc/passwd", &e), TAR_EOK);
	assert_memory_equal(e.data, "root\n", 5);
}

/* Old-style regular files have typeflag NUL. */
static void test_old_regular_type(void **state)
{
	static struct ar a;
	struct tar_entry e;

	(void)state;
	ar_init(&a);
	ar_add(&a, "old", '\0', "abc", 3);
	ar_zero_blocks(&a, 2);
	assert_int_equal(tar_find(a.buf, a.len, "old", &e), TAR_EOK);
	assert_int_equal(e.type, TAR_TYPE_FILE_OLD);
	assert_int_equal(e.size, 3);
}

static void test_exact_end(void **state)
{
	static struct ar a;

	(void)state;
	build_good(&a);
	/* No end-of-archive blocks at all. */
	assert_int_equal(validate_copy(a.buf, a.len - 2 * BLK), GOOD_COUNT);
	/* A single zero block. */
	assert_int_equal(validate_copy(a.buf, a.len - BLK), GOOD_COUNT);
}

static void test_stops_at_zero_block(void **state)
{
	static struct ar a;

	(void)state;
	build_good(&a);
	/* Whatever follows the end marker (here garbage) is ignored. */
	memset(a.buf + a.len, 0xAB, 3 * BLK);
	a.len += 3 * BLK;
	assert_int_equal(validate_copy(a.buf, a.len), GOOD_COUNT);
	/* Even a partial block after the marker. */
	assert_int_equal(validate_copy(a.buf, a.len - BLK - 7), GOOD_COUNT);
}

static void test_bad_checksum(void **state)
{
	static struct ar a;
	struct tar_entry e;
	size_t h;

	(void)state;
	build_good(&a);
	h = 6 * BLK; /* header of hello.txt */
	assert_memory_equal(a.buf + h, "hello.txt", 10);
	a.buf[h] = 'j'; /* name changed, sum not */
	assert_int_equal(validate_copy(a.buf, a.len), TAR_ECHECKSUM);
	/* Members before the bad one are still found. */
	assert_int_equal(tar_find(a.buf, a.len, "bin/init", &e), TAR_EOK);
	assert_int_equal(tar_find(a.buf, a.len, "empty", &e), TAR_ECHECKSUM);

	/* A checksum field that is not octal. */
	build_good(&a);
	memcpy(a.buf + 148, "01234x\0 ", 8);
	assert_int_equal(validate_copy(a.buf, a.len), TAR_ECHECKSUM);
	memcpy(a.buf + 148, "        ", 8);
	assert_int_equal(validate_copy(a.buf, a.len), TAR_ECHECKSUM);
	memcpy(a.buf + 148, "\0\0\0\0\0\0\0\0", 8);
	assert_int_equal(validate_copy(a.buf, a.len), TAR_ECHECKSUM);
}

/* A high byte in the name: the signed and unsigned sums differ. */
static void test_signed_checksum(void **state)
{
	static struct ar a;
	struct tar_entry e;

	(void)state;
	ar_init(&a);
	ar_add_str(&a, "caf\xc3\xa9", "coffee\n");
	ar_zero_blocks(&a, 2);
	assert_int_equal(validate_copy(a.buf, a.len), 1); /* unsigned sum */
	set_signed_checksum(a.buf);
	assert_int_equal(validate_copy(a.buf, a.len), 1); /* signed sum */
	assert_int_equal(tar_find(a.buf, a.len, "caf\xc3\xa9", &e), TAR_EOK);
	assert_int_equal(e.size, 7);
}

static void test_bad_magic(void **state)
{
	static struct ar a;
	static const char *const bad[] = {
	    "ustar\0"
	    "01",
	    "USTAR\0"
	    "00",
	    "ustar "
	    "00",
	    "ustar\0"
	    " \0",
	    "\0\0\0\0\0\0\0\0",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_good(&a);
		memcpy(a.buf + 257, bad[i], 8);
		set_checksum(a.buf); /* only the magic is wrong */
		assert_int_equal(validate_copy(a.buf, a.len), TAR_EMAGIC);
	}
	/* The magic of a later member too. */
	build_good(&a);
	memcpy(a.buf + 6 * BLK + 257, "tar\0\0\0", 6);
	set_checksum(a.buf + 6 * BLK);
	assert_int_equal(validate_copy(a.buf, a.len), TAR_EMAGIC);
}

/* Old GNU headers: "ustar  \0", and the prefix area holds other data. */
static void test_gnu_magic(void **state)
{
	static struct ar a;
	struct tar_entry e;

	(void)state;
	ar_init(&a);
	ar_add_str(&a, "gnufile", "gnu\n");
	ar_zero_blocks(&a, 2);
	memcpy(a.buf + 257, "ustar  \0", 8);
	memcpy(a.buf + 345, "14650272543", 12); /* atime, not a prefix */
	set_checksum(a.buf);
	assert_int_equal(validate_copy(a.buf, a.len), 1);
	assert_int_equal(tar_find(a.buf, a.len, "gnufile", &e), TAR_EOK);
	assert_string_equal(e.name, "gnufile");
}

static void test_truncated_header(void **state)
{
	static struct ar a;
	struct tar_iter it;
	struct tar_entry e;
	uint8_t *p;
	size_t cut = 6 * BLK + 300; /* inside hello.txt's header */

	(void)state;
	build_good(&a);
	assert_int_equal(validate_copy(a.buf, cut), TAR_ETRUNC);
	assert_int_equal(validate_copy(a.buf, 6 * BLK + 1), TAR_ETRUNC);
	assert_int_equal(validate_copy(a.buf, 1), TAR_ETRUNC);
	assert_int_equal(validate_copy(a.buf, BLK - 1), TAR_ETRUNC);

	/* The members before the cut are returned, then the error sticks. */
	p = exact_copy(a.buf, cut);
	tar_iter_init(&it, p, cut);
	for (int i = 0; i < 3; i++)
		assert_int_equal(tar_next(&it, &e), 1);
	assert_int_equal(tar_next(&it, &e), TAR_ETRUNC);
	assert_int_equal(tar_next(&it, &e), TAR_ETRUNC);
	free(p);
}

static void test_truncated_data(void **state)
{
	static struct ar a;

	(void)state;
	build_good(&a);
	/* bin/init: header at block 1, 1000 bytes of data in blocks 2-3. */
	assert_int_equal(validate_copy(a.buf, 2 * BLK), TAR_ETRUNC);
	assert_int_equal(validate_copy(a.buf, 2 * BLK + 999), TAR_ETRUNC);
	/* All data present but the padding of its last block cut off. */
	assert_int_equal(validate_copy(a.buf, 2 * BLK + 1000), TAR_ETRUNC);
	assert_int_equal(validate_copy(a.buf, 4 * BLK - 1), TAR_ETRUNC);
	/* Exactly up to the end of that member is fine. */
	assert_int_equal(validate_copy(a.buf, 4 * BLK), 2);
}

/* Puts a 12-byte size field into the first header and fixes the sum. */
static int validate_with_size_field(struct ar *a, const char field[12])
{
	build_good(a);
	memcpy(a->buf + BLK + 124, field, 12); /* bin/init */
	set_checksum(a->buf + BLK);
	return validate_copy(a->buf, a->len);
}

static void test_size_field(void **state)
{
	static struct ar a;

	(void)state;
	/* Accepted spellings of 1000 (octal 1750). */
	assert_int_equal(validate_with_size_field(&a, "00000001750\0"), GOOD_COUNT);
	assert_int_equal(validate_with_size_field(&a, "00000001750 "), GOOD_COUNT);
	assert_int_equal(validate_with_size_field(&a, "     1750 \0\0"), GOOD_COUNT);
	assert_int_equal(validate_with_size_field(&a, "1750\0\0\0\0\0\0\0\0"), GOOD_COUNT);
	assert_int_equal(validate_with_size_field(&a, "000000001750"), GOOD_COUNT);

	/* Garbage. */
	assert_int_equal(validate_with_size_field(&a, "0000000175x\0"), TAR_ESIZE);
	assert_int_equal(validate_with_size_field(&a, "00000001758\0"), TAR_ESIZE);
	assert_int_equal(validate_with_size_field(&a, "0000000-750\0"), TAR_ESIZE);
	assert_int_equal(validate_with_size_field(&a, "000 00001750"), TAR_ESIZE);
	assert_int_equal(validate_with_size_field(&a, "1750\0"
						      "0000000"),
			 TAR_ESIZE);
	assert_int_equal(validate_with_size_field(&a, "           \0"), TAR_ESIZE);
	assert_int_equal(validate_with_size_field(&a, "\0\0\0\0\0\0\0\0\0\0\0\0"), TAR_ESIZE);
	/* GNU base-256 encoding of 1000. */
	assert_int_equal(validate_with_size_field(&a, "\x80\0\0\0\0\0\0\0\0\0\x03\xe8"), TAR_ESIZE);
}

static void test_huge_size(void **state)
{
	static struct ar a;

	(void)state;
	/* 8 GiB - 1: the largest 11-digit size; data would run past the buffer. */
	assert_int_equal(validate_with_size_field(&a, "77777777777\0"), TAR_ETRUNC);
	assert_int_equal(validate_with_size_field(&a, "777777777777"), TAR_ETRUNC);
	/* One byte more than the rest of the buffer. */
	build_good(&a);
	put_octal(a.buf + BLK + 124, 12, a.len - 2 * BLK + 1);
	set_checksum(a.buf + BLK);
	assert_int_equal(validate_copy(a.buf, a.len), TAR_ETRUNC);
}

/* A 100-character name fills the field with no NUL. */
static void test_name_100(void **state)
{
	static struct ar a;
	char name[101];
	struct tar_entry e;

	(void)state;
	for (int i = 0; i < 100; i++)
		name[i] = (char)('a' + i % 26);
	name[100] = '\0';

	ar_init(&a);
	ar_add_str(&a, name, "long\n");
	ar_zero_blocks(&a, 2);
	assert_int_not_equal(a.buf[99], 0);
	assert_int_not_equal(a.buf[100], 0); /* mode follows directly */

	assert_int_equal(validate_copy(a.buf, a.len), 1);
	assert_int_equal(tar_find(a.buf, a.len, name, &e), TAR_EOK);
	assert_int_equal(strlen(e.name), 100);
	assert_string_equal(e.name, name);
}

static void test_prefix(void **state)
{
	static struct ar a;
	char prefix[156], name[101], full[258];
	struct tar_entry e;

	(void)state;
	ar_init(&a);
	ar_add_prefixed(&a, "usr/share/doc", "README", '0', "doc\n", 4);

	/* Longest possible: 155-byte prefix + '/' + 100-byte name. */
	memset(prefix, 'p', 155);
	prefix[155] = '\0';
	memset(name, 'n', 100);
	name[100] = '\0';
	snprintf(full, sizeof(full), "%s/%s", prefix, name);
	ar_add_prefixed(&a, prefix, name, '0', "max\n", 4);
	ar_zero_blocks(&a, 2);

	assert_int_equal(validate_copy(a.buf, a.len), 2);
	assert_int_equal(tar_find(a.buf, a.len, "usr/share/doc/README", &e), TAR_EOK);
	assert_memory_equal(e.data, "doc\n", 4);
	assert_int_equal(tar_find(a.buf, a.len, "README", &e), TAR_ENOENT);
	assert_int_equal(tar_find(a.buf, a.len, full, &e), TAR_EOK);
	assert_int_equal(strlen(e.name), TAR_NAME_MAX);
	assert_string_equal(e.name, full);
	assert_memory_equal(e.data, "max\n", 4);
}

static void test_empty_name(void **state)
{
	static struct ar a;

	(void)state;
	build_good(&a);
	memset(a.buf + BLK, 0, 100); /* bin/init's name */
	set_checksum(a.buf + BLK);
	assert_int_equal(validate_copy(a.buf, a.len), TAR_EFORMAT);
}

static void test_strerror(void **state)
{
	(void)state;
	for (int err = TAR_ENOENT; err <= TAR_EOK; err++) {
		const char *msg = tar_strerror(err);

		assert_non_null(msg);
		assert_true(strlen(msg) > 0);
		assert_string_not_equal(msg, tar_strerror(12345));
		for (int other = err + 1; other <= TAR_EOK; other++)
			assert_string_not_equal(msg, tar_strerror(other));
	}
	assert_non_null(tar_strerror(-1000));
	assert_string_equal(tar_strerror(TAR_ETRUNC), "archive is truncated");
}

/* ---- fuzzing ---- */

/* xorshift64: a small PRNG with a fixed seed, so failures are repeatable. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

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

/*
 * Runs every entry point over buf and checks what comes back: either an
 * error, or entries whose data lies inside the buffer, in order.
 */
static void check_parse(const uint8_t *src, size_t len)
{
	uint8_t *p = exact_copy(src, len);
	struct tar_iter it;
	struct tar_entry e;
	int r, n = 0, v;
	const uint8_t *prev_end = p;

	tar_iter_init(&it, p, len);
	while ((r = tar_next(&it, &e)) == 1) {
		const uint8_t *d = e.data;

		assert_true(d >= prev_end + BLK);
		assert_true(e.size <= len && (size_t)(d - p) <= len - e.size);
		assert_true(strlen(e.name) >= 1 && strlen(e.name) <= TAR_NAME_MAX);
		prev_end = d + e.size;
		n++;
	}
	assert_true(r <= 0 && r >= TAR_EFORMAT);
	assert_int_equal(tar_next(&it, &e), r); /* sticky */

	v = tar_validate(p, len);
	assert_int_equal(v, r < 0 ? r : n);
	r = tar_find(p, len, "bin/init", &e);
	assert_true(r == TAR_EOK || (r < 0 && r >= TAR_ENOENT));
	if (r == TAR_EOK)
		assert_true((const uint8_t *)e.data + e.size <= p + len);
	free(p);
}

static void test_fuzz_mutations(void **state)
{
	static struct ar good, m;
	int errors = 0;

	(void)state;
	build_good(&good);
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = good.len;
		int nflips = 1 + (int)rnd_below(8);

		memcpy(m.buf, good.buf, good.len);
		for (int k = 0; k < nflips; k++) {
			size_t pos = rnd_below((uint32_t)good.len);

			switch (rnd_below(4)) {
			case 0:
				m.buf[pos] = (uint8_t)rnd();
				break;
			case 1:
				m.buf[pos] ^= (uint8_t)(1u << rnd_below(8));
				break;
			case 2:
				m.buf[pos] = (uint8_t) "0123456789 \0"[rnd_below(12)];
				break;
			case 3:
				m.buf[pos] = 0;
				break;
			}
			/*
			 * Usually repair the checksum of the block we hit, so that the
			 * damage reaches the size, name and magic checks.
			 */
			if (rnd_below(4) != 0)
				set_checksum(m.buf + pos / BLK * BLK);
		}
		if (rnd_below(4) == 0)
			len = rnd_below((uint32_t)good.len + 1); /* and truncate */

		check_parse(m.buf, len);
		errors += tar_validate(m.buf, len) < 0;
	}
	/* The mutations must have hit the error paths, not only harmless bytes. */
	assert_true(errors > 1000);
}

/* Headers with random sizes and correct checksums. */
static void test_fuzz_sizes(void **state)
{
	static struct ar good, m;

	(void)state;
	build_good(&good);
	for (int iter = 0; iter < 5000; iter++) {
		size_t h = BLK * (size_t)rnd_below(3); /* a header or a data block */
		unsigned long long size = rnd();

		memcpy(m.buf, good.buf, good.len);
		if (rnd_below(2))
			size %= 4 * BLK;
		else
			size = size << rnd_below(4) * 8;
		put_octal(m.buf + h + 124, 12, size & 077777777777ull);
		set_checksum(m.buf + h);
		check_parse(m.buf, good.len - BLK * rnd_below(3));
	}
}

static void test_fuzz_random_bytes(void **state)
{
	static uint8_t buf[8 * BLK];

	(void)state;
	for (int iter = 0; iter < 3000; iter++) {
		size_t len = rnd_below(sizeof(buf) + 1);

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rnd();
		/* Sometimes make the first block look like a header. */
		if (len >= BLK && rnd_below(2)) {
			memcpy(buf + 257,
			       "ustar\0"
			       "00",
			       8);
			set_checksum(buf);
		}
		check_parse(buf, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_buffer),
	    cmocka_unit_test(test_all_zeros),
	    cmocka_unit_test(test_good_archive),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_find_dot_slash_members),
	    cmocka_unit_test(test_old_regular_type),
	    cmocka_unit_test(test_exact_end),
	    cmocka_unit_test(test_stops_at_zero_block),
	    cmocka_unit_test(test_bad_checksum),
	    cmocka_unit_test(test_signed_checksum),
	    cmocka_unit_test(test_bad_magic),
	    cmocka_unit_test(test_gnu_magic),
	    cmocka_unit_test(test_truncated_header),
	    cmocka_unit_test(test_truncated_data),
	    cmocka_unit_test(test_size_field),
	    cmocka_unit_test(test_huge_size),
	    cmocka_unit_test(test_name_100),
	    cmocka_unit_test(test_prefix),
	    cmocka_unit_test(test_empty_name),
	    cmocka_unit_test(test_strerror),
	    cmocka_unit_test(test_fuzz_mutations),
	    cmocka_unit_test(test_fuzz_sizes),
	    cmocka_unit_test(test_fuzz_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
