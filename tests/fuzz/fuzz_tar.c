/*
 * Fuzz target for lib/tar.c: the input is an initrd archive.
 *
 * Walks the archive with tar_next and checks each member: its name is a
 * non-empty string, its data lies inside the archive, and the walk agrees
 * with tar_validate; errors and the end stay put once met.  Then looks
 * the first few members up again with tar_find.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
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
	return 0;
}
