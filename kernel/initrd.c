/*
 * The initrd: a ustar archive of user programs and text files that GRUB
 * loads as the module named "initrd" (see boot/grub.cfg).  The archive is
 * validated once at boot with the parser in lib/tar.c; if it is corrupt,
 * Baton says so and runs on without it.
 */
#include "kernel/initrd.h"
#include "kernel/printk.h"
#include "lib/errno.h"
#include "lib/tar.h"

static const void *archive;
static size_t archive_len;

void initrd_init(const void *base, size_t len)
{
	int n = tar_validate(base, len);

	if (n < 0) {
		printk("initrd: corrupt archive (%s); continuing without programs\n", tar_strerror(n));
		return;
	}
	archive = base;
	archive_len = len;
	printk("initrd: %d entries, %lu bytes\n", n, len);
}

bool initrd_present(void)
{
	return archive != 0;
}

int initrd_find(const char *name, const void **data, size_t *size)
{
	struct tar_entry e;

	if (!archive || tar_find(archive, archive_len, name, &e) != 0)
		return -ENOENT;
	*data = e.data;
	*size = e.size;
	return 0;
}

void initrd_foreach(void (*fn)(const char *name, size_t size, void *arg), void *arg)
{
	struct tar_iter it;
	struct tar_entry e;

	if (!archive)
		return;
	tar_iter_init(&it, archive, archive_len);
	while (tar_next(&it, &e) > 0)
		if (e.type == '0' || e.type == 0)
			fn(e.name, e.size, arg);
}
