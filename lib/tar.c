/*
 * ustar archive parser (see lib/tar.h).
 *
 * Layout of a ustar header block (offsets in bytes; numeric fields are
 * ASCII octal, usually ending in NUL or space):
 *
 *     0  name[100]     148 chksum[8]     263 version[2]   329 devmajor[8]
 *   100  mode[8]       156 typeflag      265 uname[32]    337 devminor[8]
 *   108  uid[8]        157 linkname[100] 297 gname[32]    345 prefix[155]
 *   116  gid[8]        257 magic[6]                       500 (padding)
 *   124  size[12]
 *   136  mtime[12]
 *
 * The checksum is the sum of all 512 header bytes, counting the eight
 * chksum bytes as spaces.  POSIX says the bytes are unsigned; some old
 * tars summed them as signed chars, so both sums are accepted.
 *
 * Every length is checked against what is left of the buffer *before*
 * anything is read or added, so a corrupt size can neither make us read
 * past the buffer nor wrap an offset around.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "lib/tar.h"
#include "lib/string.h"

/* Header field offsets and lengths. */
#define H_NAME 0
#define H_NAME_LEN 100
#define H_SIZE 124
#define H_SIZE_LEN 12
#define H_CHKSUM 148
#define H_CHKSUM_LEN 8
#define H_TYPE 156
#define H_MAGIC 257 /* magic[6] followed by version[2] */
#define H_PREFIX 345
#define H_PREFIX_LEN 155

/* Values of iter.state besides errors. */
#define ITER_READING 0
#define ITER_END 1

void tar_iter_init(struct tar_iter *it, const void *base, size_t len)
{
	it->base = base;
	it->len = base ? len : 0; /* a NULL buffer is an empty archive */
	it->off = 0;
	it->state = ITER_READING;
}

static bool is_zero_block(const uint8_t *blk)
{
	for (size_t i = 0; i < TAR_BLOCK_SIZE; i++)
		if (blk[i] != 0)
			return false;
	return true;
}

/*
 * Parses an octal field of n bytes: optional leading spaces, one or more
 * digits 0-7, then only spaces and NULs.  (A field may also be all digits
 * with no terminator.)  GNU's base-256 encoding for huge values, marked by
 * the top bit of the first byte, is not supported and fails here.
 * Returns 0 and sets *out, or -1.
 */
static int parse_octal(const uint8_t *f, size_t n, size_t *out)
{
	size_t i = 0, v = 0;
	bool any = false;

	while (i < n && f[i] == ' ')
		i++;
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (SIZE_MAX >> 3))
			return -1; /* would overflow */
		v = (v << 3) | (size_t)(f[i] - '0');
		any = true;
	}
	if (!any)
		return -1;
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	*out = v;
	return 0;
}

/*
 * The 8 bytes magic[6] version[2] are "ustar\0" "00" in POSIX headers and
 * "ustar " " \0" in GNU ones.  (The C literals below include their NUL,
 * so "ustar" is 6 bytes and " " is 2.)  Sets *gnu accordingly.
 */
static int check_magic(const uint8_t *h, bool *gnu)
{
	const uint8_t *magic = h + H_MAGIC, *version = h + H_MAGIC + 6;

	if (memcmp(magic, "ustar", 6) == 0 && memcmp(version, "00", 2) == 0) {
		*gnu = false;
		return TAR_EOK;
	}
	if (memcmp(magic, "ustar ", 6) == 0 && memcmp(version, " ", 2) == 0) {
		*gnu = true;
		return TAR_EOK;
	}
	return TAR_EMAGIC;
}

static int check_checksum(const uint8_t *h)
{
	size_t stored;
	uint32_t usum = 0;
	int32_t ssum = 0;

	if (parse_octal(h + H_CHKSUM, H_CHKSUM_LEN, &stored) < 0)
		return TAR_ECHECKSUM;
	for (size_t i = 0; i < TAR_BLOCK_SIZE; i++) {
		bool in_chksum = i >= H_CHKSUM && i < H_CHKSUM + H_CHKSUM_LEN;
		uint8_t c = in_chksum ? ' ' : h[i];

		usum += c;
		ssum += c < 128 ? c : c - 256; /* the byte as a signed char */
	}
	if (stored == usum || (ssum >= 0 && stored == (size_t)ssum))
		return TAR_EOK;
	return TAR_ECHECKSUM;
}

/*
 * Builds the full name: "prefix/name" when there is a prefix, else name.
 * Neither field needs a NUL terminator when it is full.
 */
static int build_name(const uint8_t *h, bool gnu, char *out)
{
	const char *name = (const char *)h + H_NAME;
	const char *prefix = (const char *)h + H_PREFIX;
	size_t nlen = strnlen(name, H_NAME_LEN);
	size_t plen = gnu ? 0 : strnlen(prefix, H_PREFIX_LEN);
	size_t pos = 0;

	if (nlen == 0)
		return TAR_EFORMAT;
	if (plen > 0) {
		memcpy(out, prefix, plen);
		out[plen] = '/';
		pos = plen + 1;
	}
	memcpy(out + pos, name, nlen); /* at most 155 + 1 + 100 = 256 */
	out[pos + nlen] = '\0';
	return TAR_EOK;
}

/*
 * Reads the member whose header is at it->off and advances past it.
 * Returns 1, 0 at the end of the archive, or TAR_E*.
 */
static int read_member(struct tar_iter *it, struct tar_entry *e)
{
	size_t left = it->len - it->off;
	const uint8_t *h = it->base + it->off;
	size_t size, pad;
	bool gnu;
	int err;

	if (left == 0)
		return 0; /* ends right after the last member */
	if (left < TAR_BLOCK_SIZE)
		return TAR_ETRUNC;
	if (is_zero_block(h))
		return 0; /* end-of-archive marker */

	if ((err = check_magic(h, &gnu)) < 0)
		return err;
	if ((err = check_checksum(h)) < 0)
		return err;
	if (parse_octal(h + H_SIZE, H_SIZE_LEN, &size) < 0)
		return TAR_ESIZE;
	if ((err = build_name(h, gnu, e->name)) < 0)
		return err;

	/* The data and its padding must fit in what follows the header. */
	left -= TAR_BLOCK_SIZE;
	if (size > left)
		return TAR_ETRUNC;
	pad = (TAR_BLOCK_SIZE - size % TAR_BLOCK_SIZE) % TAR_BLOCK_SIZE;
	if (pad > left - size)
		return TAR_ETRUNC;

	e->data = h + TAR_BLOCK_SIZE;
	e->size = size;
	e->type = (char)h[H_TYPE];
	it->off += TAR_BLOCK_SIZE + size + pad;
	return 1;
}

int tar_next(struct tar_iter *it, struct tar_entry *e)
{
	int r;

	if (it->state == ITER_END)
		return 0;
	if (it->state < 0)
		return it->state;

	r = read_member(it, e);
	if (r == 0)
		it->state = ITER_END;
	else if (r < 0)
		it->state = r;
	return r;
}

int tar_validate(const void *base, size_t len)
{
	struct tar_iter it;
	struct tar_entry e;
	int count = 0, r;

	tar_iter_init(&it, base, len);
	while ((r = tar_next(&it, &e)) == 1) {
		if (count == INT32_MAX) /* cannot happen below 1 TiB */
			return TAR_EFORMAT;
		count++;
	}
	return r < 0 ? r : count;
}

/* Skips leading "/" and "./" so that "./bin/sh", "/bin/sh" and "bin/sh" match. */
static const char *skip_leading_dots(const char *s)
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

static bool is_regular(char type)
{
	return type == TAR_TYPE_FILE || type == TAR_TYPE_FILE_OLD;
}

int tar_find(const void *base, size_t len, const char *name, struct tar_entry *out)
{
	struct tar_iter it;
	int r;

	name = skip_leading_dots(name);
	if (name[0] == '\0')
		return TAR_ENOENT;

	tar_iter_init(&it, base, len);
	while ((r = tar_next(&it, out)) == 1) {
		if (is_regular(out->type) && strcmp(skip_leading_dots(out->name), name) == 0)
			return TAR_EOK;
	}
	return r < 0 ? r : TAR_ENOENT;
}

const char *tar_strerror(int err)
{
	switch (err) {
	case TAR_EOK:
		return "success";
	case TAR_ETRUNC:
		return "archive is truncated";
	case TAR_EMAGIC:
		return "not a ustar archive (bad magic)";
	case TAR_ECHECKSUM:
		return "header checksum mismatch";
	case TAR_ESIZE:
		return "bad size field in header";
	case TAR_EFORMAT:
		return "malformed header";
	case TAR_ENOENT:
		return "no such file in archive";
	default:
		return "unknown tar error";
	}
}
