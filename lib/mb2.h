/*
 * Parser for the multiboot2 boot information block.
 *
 * GRUB enters the kernel with eax = MB2_BOOTLOADER_MAGIC and ebx = the
 * physical address of the boot information: an 8-byte-aligned block
 *
 *     u32 total_size   (bytes, including these 8)
 *     u32 reserved
 *     tags...
 *
 * where every tag starts on an 8-byte boundary with
 *
 *     u32 type
 *     u32 size         (bytes, including these 8 but not the padding)
 *
 * and the list ends with a tag of type 0 and size 8.
 *
 * mb2_parse walks the tags once and copies what the kernel needs into a
 * struct mb2_info.  Strings and the RSDP are not copied: the pointers point
 * into the block, so it must stay mapped and untouched while they are used.
 * The parser reads nothing outside [base, base + len) and reports malformed
 * input as a negative MB2_E* code; mb2_strerror describes it.
 */
#ifndef LIB_MB2_H
#define LIB_MB2_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Value of eax when a multiboot2 loader jumps to the kernel. */
#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/* Tag types used here (multiboot2 specification, section 3.6). */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_BOOTLOADER 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

/* Memory map entry types. */
#define MB2_MMAP_AVAILABLE 1 /* usable RAM */
#define MB2_MMAP_RESERVED 2
#define MB2_MMAP_ACPI_RECLAIMABLE 3
#define MB2_MMAP_NVS 4
#define MB2_MMAP_BADRAM 5

/* Framebuffer types (tag 8). */
#define MB2_FB_INDEXED 0  /* palette: not drawn on */
#define MB2_FB_RGB 1	  /* direct colour: the linear framebuffer fbcon uses */
#define MB2_FB_EGA_TEXT 2 /* VGA text mode (BIOS boots) */

/* GRUB copies a UEFI memory map entry by entry; real firmware often
 * reports more than 64 ranges. */
#define MB2_MAX_MMAP 256
#define MB2_MAX_MODULES 8

/* Error codes: 0 is success, everything else is negative. */
enum mb2_error {
	MB2_EOK = 0,
	MB2_EINVAL = -1,    /* NULL pointer passed to mb2_parse */
	MB2_EALIGN = -2,    /* block is not 8-byte aligned */
	MB2_ETOTAL = -3,    /* total_size too small, or larger than len */
	MB2_ETAGSIZE = -4,  /* tag size < 8, or too small for its type */
	MB2_ETRUNC = -5,    /* a tag runs past the end of the block */
	MB2_ENOEND = -6,    /* no end tag before the end of the block */
	MB2_ESTRING = -7,   /* string not NUL-terminated inside its tag */
	MB2_EMMAP = -8,	    /* memory map tag with a bad entry size */
	MB2_EMODULE = -9,   /* module ends before it starts */
	MB2_ETOOMANY = -10, /* more than MB2_MAX_MMAP / MB2_MAX_MODULES */
	MB2_EFBFORMAT = -11, /* framebuffer a console cannot draw on (mb2_fb_check) */
};

struct mb2_mmap_entry {
	uint64_t base, length;
	uint32_t type; /* MB2_MMAP_* */
};

struct mb2_module {
	uint64_t start, end; /* physical addresses, end is exclusive */
	const char *cmdline; /* from the module2 line in grub.cfg */
};

/*
 * Tag 8: the framebuffer the boot loader left the display in.  Under UEFI
 * it is the firmware's linear (GOP) framebuffer; under BIOS, usually VGA
 * text mode (type MB2_FB_EGA_TEXT, addr 0xB8000, width/height in
 * characters).  A pixel of an RGB framebuffer is bpp bits, little-endian,
 * with each colour in the bits [pos, pos + size).
 */
struct mb2_framebuffer {
	uint64_t addr;		      /* physical address of the first line */
	uint32_t pitch;		      /* bytes from one line to the next */
	uint32_t width, height;	      /* pixels (characters for EGA text) */
	uint8_t bpp;		      /* bits per pixel */
	uint8_t type;		      /* MB2_FB_* */
	uint8_t red_pos, red_size;     /* MB2_FB_RGB only */
	uint8_t green_pos, green_size;
	uint8_t blue_pos, blue_size;
};

struct mb2_info {
	const char *cmdline;	/* kernel command line; NULL if none */
	const char *bootloader; /* boot loader name; NULL if none */

	bool has_meminfo;      /* basic memory information present */
	uint32_t mem_lower_kb; /* RAM below 1 MiB, in KiB */
	uint32_t mem_upper_kb; /* RAM from 1 MiB up to the first hole */

	struct mb2_mmap_entry mmap[MB2_MAX_MMAP];
	int nmmap;

	struct mb2_module modules[MB2_MAX_MODULES];
	int nmodules;

	/* The RSDP copy inside the block: a new (ACPI 2+) one is preferred. */
	const void *rsdp; /* NULL if none */
	size_t rsdp_len;  /* bytes of the copy */
	int rsdp_version; /* 0 none, 1 old (tag 14), 2 new (tag 15) */

	bool has_fb; /* a framebuffer tag was present */
	struct mb2_framebuffer fb;
};

/*
 * Reads total_size, the first field of the block (base must be readable
 * for 4 bytes).  Handy for picking len: the caller can check that it is
 * sane and make that much memory readable.
 */
uint32_t mb2_total_size(const void *base);

/*
 * Parses the block at base; len bounds the bytes that may be read, and
 * total_size must not exceed it.  Unknown tags are skipped.  Returns
 * MB2_EOK, or a negative MB2_E* with *out zeroed.
 */
int mb2_parse(const void *base, size_t len, struct mb2_info *out);

/*
 * Finds the first module whose command line is name, or starts with name
 * followed by a space ("initrd" matches "initrd" and "initrd ro", not
 * "initrd2").  Returns NULL if there is none or name is empty.
 */
const struct mb2_module *mb2_find_module(const struct mb2_info *info, const char *name);

/*
 * Checks that fb is an RGB framebuffer a text console can draw on: 16, 24
 * or 32 bits per pixel, colour fields inside the pixel and at most 8 bits
 * wide, lines long enough for the width, and the whole frame inside 4 GiB
 * of bytes.  Returns MB2_EOK or MB2_EFBFORMAT.
 */
int mb2_fb_check(const struct mb2_framebuffer *fb);

/*
 * The pixel value of colour (r, g, b) (8 bits each) in fb's format: each
 * component keeps its top `size` bits and moves to its position.  fb must
 * have passed mb2_fb_check.
 */
uint32_t mb2_fb_pixel(const struct mb2_framebuffer *fb, uint8_t r, uint8_t g, uint8_t b);

/* A short English description of an MB2_E* code (never NULL). */
const char *mb2_strerror(int err);

#endif
