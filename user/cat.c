/* cat: copies initrd files to the console, one after another. */
#include "baton.h"

#define CHUNK	512

/* Prints one file; returns 0, or 1 after reporting an error. */
static int cat_file(const char *path)
{
	static char buf[CHUNK];
	uint64_t off = 0;

	for (;;) {
		long n = fileread(path, off, buf, sizeof(buf));

		if (n == 0)
			return 0;
		if (n < 0) {
			eprintf("cat: %s: %s\n", path,
				n == -ENOENT ? "no such file" : errno_name((int)n));
			return 1;
		}
		write(FD_STDOUT, buf, n);
		off += n;
	}
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		eprintf("usage: cat file...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		status |= cat_file(argv[i]);
	return status;
}
