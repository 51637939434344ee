/*
 * Fuzz target for lib/tar.c: the input is an initrd archive.
 *
 * Walks the archive with tar_next and checks each member: its name is a
 * non-empty string, its data lies inside the archive, and the walk agrees
 * with tar_validate; errors and the end stay put once met.  Then looks
 * the first few members up again with tar_find.  Each input is checked
 * twice: as it is, and with the checksum of every header fixed, since a
 * mutated header would otherwise almost never get past that test.
 */
#include <stdbool.h>
#include <string.h>

#include "lib/tar.h"
#include "tests/fuzz/fuzz.h"

#define FIND_CHECKS 8	/* members looked up again with tar_find */

static const char *skip_dots(const char *s)
{
	for (;;) {
		if (s[0] == '/')
			s++;
		else if (s[0] == '.' && s[1] == '/')
			s += 2;
		else
			return s;
	}
}

static void check_entry(const struct tar_entry *e, const uint8_t *base, size_t len)
{
	size_t n = strnlen(e->name, sizeof(e->name));

	CHECK(n > 0 && n <= TAR_NAME_MAX);
	CHECK(fuzz_within(base, len, e->data, e->size));
	/* The header block sits just before the data. */
	CHECK((const uint8_t *)e->data - base >= TAR_BLOCK_SIZE);
	CHECK(((const uint8_t *)e->data - base) % TAR_BLOCK_SIZE == 0);
	fuzz_touch(e->data, e->size);
}

/* tar_find on a member's name must find a regular file of that name. */
static void check_find(const struct tar_entry *e, const uint8_t *base, size_t len)
{
	struct tar_entry found;
	int rc = tar_find(base, len, e->name, &found);

	if (rc == TAR_EOK) {
		CHECK(found.type == TAR_TYPE_FILE || found.type == TAR_TYPE_FILE_OLD);
		CHECK(strcmp(skip_dots(found.name), skip_dots(e->name)) == 0);
		CHECK(fuzz_within(base, len, found.data, found.size));
	} else {
		CHECK(rc < 0 && rc >= TAR_ENOENT);
		/* A regular file found by the walk must be found again. */
		CHECK(!((e->type == TAR_TYPE_FILE || e->type == TAR_TYPE_FILE_OLD) &&
			skip_dots(e->name)[0] != '\0'));
	}
}

static void check_archive(const uint8_t *data, size_t size)
{
	struct tar_iter it;
	struct tar_entry e;
	int n = 0, r;
	int valid = tar_validate(data, size);

	tar_iter_init(&it, data, size);
	while ((r = tar_next(&it, &e)) == 1) {
		check_entry(&e, data, size);
		if (n < FIND_CHECKS)
			check_find(&e, data, size);
		n++;
	}
	CHECK(r <= 0 && r >= TAR_EFORMAT);
	CHECK(valid == (r < 0 ? r : n));
	CHECK(tar_next(&it, &e) == r);	/* the end, or the error, stays */
	CHECK(tar_strerror(r) != NULL);
}

/*
 * Rewrites the checksum of every block that looks like a header ("ustar"
 * at offset 257), so that mutated headers get past the checksum test and
 * the fuzzer reaches the code behind it.
 */
static void fix_checksums(uint8_t *a, size_t len)
{
	for (size_t off = 0; len - off >= TAR_BLOCK_SIZE; off += TAR_BLOCK_SIZE) {
		uint8_t *h = a + off;
		unsigned sum = 0;

		if (memcmp(h + 257, "ustar", 5) != 0)
			continue;
		memset(h + 148, ' ', 8);
		for (size_t i = 0; i < TAR_BLOCK_SIZE; i++)
			sum += h[i];
		snprintf((char *)h + 148, 8, "%06o", sum & 0777777);	/* byte 155 stays ' ' */
	}
}

/* The archive as it is, then with its header checksums made right. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		abort();
	check_archive(data, size);
	memcpy(copy, data, size);
	fix_checksums(copy, size);
	check_archive(copy, size);
	free(copy);
	return 0;
}
