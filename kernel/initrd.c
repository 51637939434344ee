/*
 * The initrd: a ustar archive of user programs and text files that GRUB
 * loads as the module named "initrd" (see boot/grub.cfg).  The archive is
 * validated once at boot with the parser in lib/tar.c; if it is corrupt,
 * Baton says so and runs on without it.
 */
#include "kernel/initrd.h"
#include "kernel/printk.h"
#include "kernel/syscall.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/uapi.h"
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

/* The index-th regular file; -ENOENT past the end. */
static int entry_at(int index, struct tar_entry *out)
{
	struct tar_iter it;
	int i = 0;

	if (!archive || index < 0)
		return -ENOENT;
	tar_iter_init(&it, archive, archive_len);
	while (tar_next(&it, out) > 0)
		if ((out->type == '0' || out->type == 0) && i++ == index)
			return 0;
	return -ENOENT;
}

/* readdir(index, ent): the index-th file of the initrd. */
int64_t sys_readdir(const uint64_t *a)
{
	struct tar_entry e;
	struct dirent d;

	if (!user_writable(a[1], sizeof(d)))
		return -EFAULT;
	if (entry_at((int)a[0], &e) < 0)
		return -ENOENT;
	memset(&d, 0, sizeof(d));
	d.size = e.size;
	strlcpy(d.name, e.name, sizeof(d.name));
	return copyout(a[1], &d, sizeof(d));
}

/* fileread(path, off, buf, len): bytes of an initrd file from off. */
int64_t sys_fileread(const uint64_t *a)
{
	char path[PATH_MAX_LEN];
	const void *data;
	size_t size, n;
	int err = copyinstr(path, a[0], sizeof(path));

	if (err < 0)
		return err == -E2BIG ? -ENOENT : err;
	if (!user_writable(a[2], a[3]))
		return -EFAULT;
	if (initrd_find(path, &data, &size) < 0)
		return -ENOENT;
	if (a[1] >= size)
		return 0;
	n = size - a[1] < a[3] ? size - a[1] : a[3];
	return copyout(a[2], (const char *)data + a[1], n) < 0 ? -EFAULT : (int64_t)n;
}
