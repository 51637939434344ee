/*
 * Read-only parser for ustar archives, used for the initrd.
 *
 * The initrd is an archive made by `tar --format=ustar` that GRUB loads
 * into memory as a module.  A ustar archive is a sequence of 512-byte
 * blocks: each member is one header block followed by its data, padded
 * with zeros to a whole number of blocks.  The archive ends with two
 * all-zero blocks (this parser stops at the first one, and also accepts an
 * archive that simply ends after its last member).
 *
 * The parser works in place on a (base, len) buffer, allocates nothing and
 * never reads outside [base, base + len).  Entry data pointers point into
 * the buffer.  Malformed input gives a negative TAR_E* code; tar_strerror
 * turns it into a message for the boot log.
 *
 * Both POSIX ustar headers (magic "ustar\0", version "00") and old GNU
 * headers (magic "ustar  \0") are accepted.  Only POSIX headers have a
 * prefix field; GNU headers keep other data there, so it is ignored.
 * GNU long-name ('L') and pax ('x', 'g') members are not interpreted: they
 * are returned as entries of their own type, which tar_find never matches.
 */
#ifndef LIB_TAR_H
#define LIB_TAR_H

#include <stddef.h>
#include <stdint.h>

#define TAR_BLOCK_SIZE 512

/* Longest joined name: prefix (155) + '/' + name (100). */
#define TAR_NAME_MAX 256

/* Error codes: 0 is success, everything else is negative. */
enum tar_error {
	TAR_EOK = 0,
	TAR_ETRUNC = -1,    /* a header, or a member's data, is cut off */
	TAR_EMAGIC = -2,    /* header has no "ustar" magic: not a ustar archive */
	TAR_ECHECKSUM = -3, /* header checksum does not match */
	TAR_ESIZE = -4,	    /* size field is not a valid octal number */
	TAR_EFORMAT = -5,   /* other malformed header (e.g. empty name) */
	TAR_ENOENT = -6,    /* tar_find: no regular file with that name */
};

/* Values of the typeflag byte (struct tar_entry.type). */
#define TAR_TYPE_FILE '0'
#define TAR_TYPE_FILE_OLD '\0' /* pre-POSIX archives: also a regular file */
#define TAR_TYPE_HARDLINK '1'
#define TAR_TYPE_SYMLINK '2'
#define TAR_TYPE_CHARDEV '3'
#define TAR_TYPE_BLOCKDEV '4'
#define TAR_TYPE_DIR '5'
#define TAR_TYPE_FIFO '6'

/* One archive member, as returned by tar_next and tar_find. */
struct tar_entry {
	char name[TAR_NAME_MAX + 1]; /* full path, NUL-terminated (a copy) */
	const void *data;	     /* first byte of the data, inside the buffer */
	size_t size;		     /* data size in bytes */
	char type;		     /* TAR_TYPE_*: '0' file, '5' directory ... */
};

/* Position in an archive; initialise with tar_iter_init. */
struct tar_iter {
	const uint8_t *base;
	size_t len;
	size_t off; /* offset of the next header block */
	int state;  /* 0 reading, 1 at the end, < 0 the error met (repeated) */
};

void tar_iter_init(struct tar_iter *it, const void *base, size_t len);

/*
 * Reads the next member.  Returns 1 and fills *e, 0 at the end of the
 * archive (a zero block, or the buffer ends exactly after a member), or a
 * negative TAR_E* code for malformed input.  Once it has returned 0 or an
 * error it keeps returning the same value.
 */
int tar_next(struct tar_iter *it, struct tar_entry *e);

/* Checks the whole archive: returns the number of members, or TAR_E*. */
int tar_validate(const void *base, size_t len);

/*
 * Finds the first regular file called name.  Leading "./" and "/" are
 * ignored on both the query and the member names, so "init", "./init" and
 * "/init" all find a member stored as "init" or "./init".  Returns TAR_EOK
 * and fills *out, TAR_ENOENT, or another TAR_E* if a malformed header is
 * met before the file (*out is meaningless then).  Members after the one
 * found are not checked: use tar_validate for that.
 */
int tar_find(const void *base, size_t len, const char *name, struct tar_entry *out);

/* A short English description of a TAR_E* code (never NULL). */
const char *tar_strerror(int err);

#endif
