/*
 * multiboot2 boot information parser (see lib/mb2.h).
 *
 * The block is walked with an offset that always satisfies
 * off <= total <= len.  Before a field is read, the parser checks that it
 * lies inside the current tag, and before a tag is used, that the tag lies
 * inside the block.  Sizes are compared against the room that is left
 * (total - off) rather than added to off, so a huge size cannot wrap the
 * offset around.
 *
 * Fields are read a byte at a time (x86 is little-endian), so the code
 * makes no assumption about the alignment of anything inside the block.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "lib/mb2.h"
#include "lib/string.h"

#define HEADER_SIZE 8  /* total_size + reserved */
#define TAG_HDR_SIZE 8 /* type + size */
#define END_TAG_SIZE 8

/* Fixed parts of tags, counted from the start of the tag. */
#define MODULE_FIXED 16	  /* type, size, mod_start, mod_end */
#define MEMINFO_SIZE 16	  /* type, size, mem_lower, mem_upper */
#define MMAP_FIXED 16	  /* type, size, entry_size, entry_version */
#define MMAP_ENTRY_MIN 24 /* base_addr, length, type, reserved */
#define FB_FIXED 32	  /* type, size, addr, pitch, width, height, bpp, type, reserved */
#define FB_RGB_SIZE 38	  /* FB_FIXED + six bytes of colour fields */
#define RSDP_V1_SIZE 20
#define RSDP_V2_SIZE 36

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

uint32_t mb2_total_size(const void *base)
{
	return get_u32(base);
}

/* Returns s if a NUL ends it within n bytes, else NULL. */
static const char *checked_string(const uint8_t *s, size_t n)
{
	const char *str = (const char *)s;

	return strnlen(str, n) < n ? str : NULL;
}

/* Tag 1 (command line) and tag 2 (boot loader name): just a string. */
static int parse_string_tag(const uint8_t *tag, uint32_t size, const char **out)
{
	*out = checked_string(tag + TAG_HDR_SIZE, size - TAG_HDR_SIZE);
	return *out ? MB2_EOK : MB2_ESTRING;
}

/* Tag 3: u32 mod_start, u32 mod_end, then the module's command line. */
static int parse_module(const uint8_t *tag, uint32_t size, struct mb2_info *out)
{
	struct mb2_module *m;

	if (size < MODULE_FIXED)
		return MB2_ETAGSIZE;
	if (out->nmodules == MB2_MAX_MODULES)
		return MB2_ETOOMANY;

	m = &out->modules[out->nmodules];
	m->start = get_u32(tag + 8);
	m->end = get_u32(tag + 12);
	m->cmdline = checked_string(tag + MODULE_FIXED, size - MODULE_FIXED);
	if (m->cmdline == NULL)
		return MB2_ESTRING;
	if (m->end < m->start)
		return MB2_EMODULE;
	out->nmodules++;
	return MB2_EOK;
}

/* Tag 4: u32 mem_lower, u32 mem_upper (both in KiB). */
static int parse_meminfo(const uint8_t *tag, uint32_t size, struct mb2_info *out)
{
	if (size < MEMINFO_SIZE)
		return MB2_ETAGSIZE;
	out->has_meminfo = true;
	out->mem_lower_kb = get_u32(tag + 8);
	out->mem_upper_kb = get_u32(tag + 12);
	return MB2_EOK;
}

/*
 * Tag 6: u32 entry_size, u32 entry_version, then entries of entry_size
 * bytes each.  Later versions of the spec may make entries longer, so
 * only the first 24 bytes of each are read.
 */
static int parse_mmap(const uint8_t *tag, uint32_t size, struct mb2_info *out)
{
	uint32_t entry_size, n;
	const uint8_t *p;

	if (size < MMAP_FIXED)
		return MB2_ETAGSIZE;
	entry_size = get_u32(tag + 8);
	if (entry_size < MMAP_ENTRY_MIN || (size - MMAP_FIXED) % entry_size != 0)
		return MB2_EMMAP;

	n = (size - MMAP_FIXED) / entry_size;
	p = tag + MMAP_FIXED;
	for (uint32_t i = 0; i < n; i++, p += entry_size) {
		struct mb2_mmap_entry *e;

		if (out->nmmap == MB2_MAX_MMAP)
			return MB2_ETOOMANY;
		e = &out->mmap[out->nmmap++];
		e->base = get_u64(p);
		e->length = get_u64(p + 8);
		e->type = get_u32(p + 16);
	}
	return MB2_EOK;
}

/* Tags 14 and 15: a copy of the ACPI RSDP, version 1 or 2. */
static int parse_rsdp(const uint8_t *tag, uint32_t size, int version, struct mb2_info *out)
{
	uint32_t need = version == 2 ? RSDP_V2_SIZE : RSDP_V1_SIZE;

	if (size - TAG_HDR_SIZE < need)
		return MB2_ETAGSIZE;
	if (version < out->rsdp_version)
		return MB2_EOK; /* already have a newer one */
	out->rsdp = tag + TAG_HDR_SIZE;
	out->rsdp_len = size - TAG_HDR_SIZE;
	out->rsdp_version = version;
	return MB2_EOK;
}

/*
 * Tag 8: u64 addr, u32 pitch, u32 width, u32 height, u8 bpp, u8 type,
 * u16 reserved, then for RGB the position and size of red, green and
 * blue (one byte each).  Whether a console can use it is mb2_fb_check's
 * question; the parser only copies what is there.
 */
static int parse_framebuffer(const uint8_t *tag, uint32_t size, struct mb2_info *out)
{
	struct mb2_framebuffer *fb = &out->fb;

	if (size < FB_FIXED)
		return MB2_ETAGSIZE;
	if (tag[29] == MB2_FB_RGB && size < FB_RGB_SIZE)
		return MB2_ETAGSIZE;
	memset(fb, 0, sizeof(*fb));
	fb->addr = get_u64(tag + 8);
	fb->pitch = get_u32(tag + 16);
	fb->width = get_u32(tag + 20);
	fb->height = get_u32(tag + 24);
	fb->bpp = tag[28];
	fb->type = tag[29];
	if (fb->type == MB2_FB_RGB) {
		fb->red_pos = tag[32];
		fb->red_size = tag[33];
		fb->green_pos = tag[34];
		fb->green_size = tag[35];
		fb->blue_pos = tag[36];
		fb->blue_size = tag[37];
	}
	out->has_fb = true;
	return MB2_EOK;
}

/* Dispatches one tag; size >= 8 and the tag lies inside the block. */
static int parse_tag(const uint8_t *tag, uint32_t type, uint32_t size, struct mb2_info *out)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		return parse_string_tag(tag, size, &out->cmdline);
	case MB2_TAG_BOOTLOADER:
		return parse_string_tag(tag, size, &out->bootloader);
	case MB2_TAG_MODULE:
		return parse_module(tag, size, out);
	case MB2_TAG_MEMINFO:
		return parse_meminfo(tag, size, out);
	case MB2_TAG_MMAP:
		return parse_mmap(tag, size, out);
	case MB2_TAG_FRAMEBUFFER:
		return parse_framebuffer(tag, size, out);
	case MB2_TAG_ACPI_OLD:
		return parse_rsdp(tag, size, 1, out);
	case MB2_TAG_ACPI_NEW:
		return parse_rsdp(tag, size, 2, out);
	default:
		return MB2_EOK; /* not needed: skip it */
	}
}

static int parse_block(const uint8_t *p, size_t len, struct mb2_info *out)
{
	size_t total, off = HEADER_SIZE;

	if ((uintptr_t)p % 8 != 0)
		return MB2_EALIGN;
	if (len < HEADER_SIZE)
		return MB2_ETOTAL;
	total = get_u32(p);
	if (total < HEADER_SIZE + END_TAG_SIZE || total > len)
		return MB2_ETOTAL;

	for (;;) {
		const uint8_t *tag = p + off;
		uint32_t type, size, pad;
		int err;

		if (total - off < TAG_HDR_SIZE)
			return MB2_ENOEND;
		type = get_u32(tag);
		size = get_u32(tag + 4);
		if (size < TAG_HDR_SIZE)
			return MB2_ETAGSIZE;
		if (size > total - off)
			return MB2_ETRUNC;
		if (type == MB2_TAG_END)
			return MB2_EOK;
		if ((err = parse_tag(tag, type, size, out)) < 0)
			return err;

		/* The next tag starts at the next multiple of 8. */
		pad = (8 - size % 8) % 8;
		if (pad > total - off - size)
			return MB2_ENOEND;
		off += (size_t)size + pad;
	}
}

int mb2_parse(const void *base, size_t len, struct mb2_info *out)
{
	int err;

	if (out == NULL)
		return MB2_EINVAL;
	memset(out, 0, sizeof(*out));
	if (base == NULL)
		return MB2_EINVAL;

	err = parse_block(base, len, out);
	if (err < 0)
		memset(out, 0, sizeof(*out)); /* no half-filled results */
	return err;
}

static bool field_fits(uint8_t pos, uint8_t size, uint8_t bpp)
{
	return size >= 1 && size <= 8 && pos < bpp && size <= bpp - pos;
}

int mb2_fb_check(const struct mb2_framebuffer *fb)
{
	uint32_t bytes;

	if (fb == NULL || fb->type != MB2_FB_RGB)
		return MB2_EFBFORMAT;
	if (fb->bpp != 16 && fb->bpp != 24 && fb->bpp != 32)
		return MB2_EFBFORMAT;
	if (!field_fits(fb->red_pos, fb->red_size, fb->bpp) ||
	    !field_fits(fb->green_pos, fb->green_size, fb->bpp) ||
	    !field_fits(fb->blue_pos, fb->blue_size, fb->bpp))
		return MB2_EFBFORMAT;
	bytes = fb->bpp / 8;
	if (fb->width == 0 || fb->height == 0 || fb->width > fb->pitch / bytes)
		return MB2_EFBFORMAT;
	if ((uint64_t)fb->pitch * fb->height > 0xFFFFFFFFull)
		return MB2_EFBFORMAT;
	if (fb->addr == 0 || fb->addr + (uint64_t)fb->pitch * fb->height < fb->addr)
		return MB2_EFBFORMAT;
	return MB2_EOK;
}

static uint32_t component(uint8_t value, uint8_t pos, uint8_t size)
{
	return (uint32_t)(value >> (8 - size)) << pos;
}

uint32_t mb2_fb_pixel(const struct mb2_framebuffer *fb, uint8_t r, uint8_t g, uint8_t b)
{
	return component(r, fb->red_pos, fb->red_size) | component(g, fb->green_pos, fb->green_size) |
	       component(b, fb->blue_pos, fb->blue_size);
}

/* True if cmdline is word, or word followed by a space and more. */
static bool first_word_is(const char *cmdline, const char *word)
{
	size_t n = strlen(word);

	return strncmp(cmdline, word, n) == 0 && (cmdline[n] == '\0' || cmdline[n] == ' ');
}

const struct mb2_module *mb2_find_module(const struct mb2_info *info, const char *name)
{
	if (info == NULL || name == NULL || name[0] == '\0')
		return NULL;
	for (int i = 0; i < info->nmodules; i++)
		if (first_word_is(info->modules[i].cmdline, name))
			return &info->modules[i];
	return NULL;
}

const char *mb2_strerror(int err)
{
	switch (err) {
	case MB2_EOK:
		return "success";
	case MB2_EINVAL:
		return "invalid argument";
	case MB2_EALIGN:
		return "boot information is not 8-byte aligned";
	case MB2_ETOTAL:
		return "bad total_size in boot information";
	case MB2_ETAGSIZE:
		return "tag too small";
	case MB2_ETRUNC:
		return "tag runs past the end of boot information";
	case MB2_ENOEND:
		return "no end tag in boot information";
	case MB2_ESTRING:
		return "string not NUL-terminated in tag";
	case MB2_EMMAP:
		return "bad memory map entry size";
	case MB2_EMODULE:
		return "module ends before it starts";
	case MB2_ETOOMANY:
		return "too many memory map entries or modules";
	case MB2_EFBFORMAT:
		return "framebuffer format a console cannot draw on";
	default:
		return "unknown multiboot2 error";
	}
}
