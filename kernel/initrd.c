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

#define MAX_FILES 128

/* The regular files, indexed once at boot: looking a program up on
 * every spawn must not re-parse (and re-checksum) the whole archive. */
struct file {
	char name[PATH_MAX_LEN];
	const void *data;
	size_t size;
};

static struct file files[MAX_FILES];	/* [I] after initrd_init */
static int nfiles;			/* [I] */
static bool present;			/* [I] */

static void index_files(const void *base, size_t len)
{
	struct tar_iter it;
	struct tar_entry e;

	tar_iter_init(&it, base, len);
	while (tar_next(&it, &e) > 0) {
		const char *name = e.name;

		if (e.type != '0' && e.type != 0)
			continue;
		while (name[0] == '.' && name[1] == '/')
			name += 2;
		if (strlen(name) >= PATH_MAX_LEN) {
			printk("initrd: %s: name too long; skipped\n", name);
			continue;
		}
		if (nfiles == MAX_FILES) {
			printk("initrd: more than %d files; the rest are ignored\n", MAX_FILES);
			return;
		}
		strlcpy(files[nfiles].name, name, PATH_MAX_LEN);
		files[nfiles].data = e.data;
		files[nfiles].size = e.size;
		nfiles++;
	}
}

void initrd_init(const void *base, size_t len)
{
	int n = tar_validate(base, len);

	if (n < 0) {
		printk("initrd: corrupt archive (%s); continuing without programs\n", tar_strerror(n));
		return;
	}
	index_files(base, len);
	present = true;
	printk("initrd: %d entries, %lu bytes\n", n, len);
}

bool initrd_present(void)
{
	return present;
}

int initrd_find(const char *name, const void **data, size_t *size)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	for (int i = 0; i < nfiles; i++) {
		if (strcmp(files[i].name, name) == 0) {
			*data = files[i].data;
			*size = files[i].size;
			return 0;
		}
	}
	return -ENOENT;
}

void initrd_foreach(void (*fn)(const char *name, size_t size, void *arg), void *arg)
{
	for (int i = 0; i < nfiles; i++)
		fn(files[i].name, files[i].size, arg);
}

/* readdir(index, ent): the index-th file of the initrd. */
int64_t sys_readdir(const struct sys_readdir_args *a)
{
	int index = a->index;
	struct dirent d;

	if (!user_writable(a->ent, sizeof(d)))
		return -EFAULT;
	if (index < 0 || index >= nfiles)
		return -ENOENT;
	memset(&d, 0, sizeof(d));
	d.size = files[index].size;
	strlcpy(d.name, files[index].name, sizeof(d.name));
	return copyout(a->ent, &d, sizeof(d));
}

/* fileread(path, off, buf, len): bytes of an initrd file from off. */
int64_t sys_fileread(const struct sys_fileread_args *a)
{
	char path[PATH_MAX_LEN];
	const void *data;
	size_t size, n;
	int err = copyinstr(path, a->path, sizeof(path));

	if (err < 0)
		return err == -E2BIG ? -ENOENT : err;
	if (!user_writable(a->buf, a->len))
		return -EFAULT;
	if (initrd_find(path, &data, &size) < 0)
		return -ENOENT;
	if (a->off >= size)
		return 0;
	n = size - a->off < a->len ? size - a->off : a->len;
	return copyout(a->buf, (const char *)data + a->off, n) < 0 ? -EFAULT : (int64_t)n;
}
