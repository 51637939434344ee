/*
 * Host unit tests for lib/elf.c.
 *
 * Each test writes an ELF header and program headers into a buffer, runs
 * elf_load_info() on it and checks the result.  The standard "good" image
 * looks like a small static program: text (R+X), data with .bss (R+W),
 * rodata (R), plus PT_NOTE and PT_GNU_STACK headers that must be ignored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/elf.h"

#define USER_LO		0x400000ull
#define USER_HI		0x800000000000ull

#define PT_NOTE		4
#define PT_GNU_STACK	0x6474E551u
#define R		ELF_PF_R
#define W		ELF_PF_W
#define X		ELF_PF_X

struct seg {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
};

#define TEXT	{ ELF_PT_LOAD, R | X, 0x1000, 0x401000, 0x234, 0x234, 0x1000 }
#define DATA	{ ELF_PT_LOAD, R | W, 0x2000, 0x402000, 0x100, 0x1800, 0x1000 }
#define RODATA	{ ELF_PT_LOAD, R, 0x3000, 0x404000, 0x40, 0x40, 0x1000 }
#define NOTE	{ PT_NOTE, R, 0x300, 0x400300, 0x20, 0x20, 4 }
#define STACK	{ PT_GNU_STACK, R | W, 0, 0, 0, 0, 16 }
#define ENTRY	0x401000ull

static const struct seg good[] = { TEXT, DATA, RODATA, NOTE, STACK };
#define NGOOD	((int)(sizeof(good) / sizeof(good[0])))

/* Room for the image plus a few bytes to test misaligned placement. */
#define FILE_MAX	0x5000
static uint8_t file_buf[FILE_MAX + 8];
static size_t file_len;

/* Writes header + program headers at buf; returns the file's length. */
static size_t build(uint8_t *buf, uint64_t entry, const struct seg *s, int n)
{
	struct elf64_ehdr eh = {
		.e_ident = { 0x7f, 'E', 'L', 'F', ELF_CLASS64, ELF_DATA2LSB,
			     ELF_EV_CURRENT },
		.e_type = ELF_ET_EXEC,
		.e_machine = ELF_EM_X86_64,
		.e_version = ELF_EV_CURRENT,
		.e_entry = entry,
		.e_phoff = sizeof(struct elf64_ehdr),
		.e_ehsize = sizeof(struct elf64_ehdr),
		.e_phentsize = sizeof(struct elf64_phdr),
		.e_phnum = (uint16_t)n,
	};
	size_t len = sizeof(eh) + (size_t)n * sizeof(struct elf64_phdr);

	assert_true(len <= FILE_MAX);
	memset(buf, 0xCC, FILE_MAX);	/* "int3" filler for contents */
	memcpy(buf, &eh, sizeof(eh));
	for (int i = 0; i < n; i++) {
		struct elf64_phdr ph = {
			.p_type = s[i].type,
			.p_flags = s[i].flags,
			.p_offset = s[i].offset,
			.p_vaddr = s[i].vaddr,
			.p_paddr = s[i].vaddr,
			.p_filesz = s[i].filesz,
			.p_memsz = s[i].memsz,
			.p_align = s[i].align,
		};

		memcpy(buf + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		/* The file ends after the last segment's bytes. */
		if (s[i].offset < FILE_MAX &&
		    s[i].filesz <= FILE_MAX - s[i].offset &&
		    s[i].offset + s[i].filesz > len)
			len = s[i].offset + s[i].filesz;
	}
	return len;
}

/* Builds the image into file_buf and validates it. */
static int load(const struct seg *s, int n, uint64_t entry,
		struct elf_image *img)
{
	file_len = build(file_buf, entry, s, n);
	return elf_load_info(file_buf, file_len, USER_LO, USER_HI, img);
}

/* Re-validates file_buf after a test patched it. */
static int reload(struct elf_image *img)
{
	return elf_load_info(file_buf, file_len, USER_LO, USER_HI, img);
}

/* Read-modify-write of the ELF header in file_buf. */
static struct elf64_ehdr get_ehdr(void)
{
	struct elf64_ehdr eh;

	memcpy(&eh, file_buf, sizeof(eh));
	return eh;
}

static void put_ehdr(const struct elf64_ehdr *eh)
{
	memcpy(file_buf, eh, sizeof(*eh));
}

/* Builds the good image with segment idx replaced by s. */
static void build_with(int idx, struct seg s, uint64_t entry)
{
	struct seg copy[NGOOD];

	memcpy(copy, good, sizeof(copy));
	copy[idx] = s;
	file_len = build(file_buf, entry, copy, NGOOD);
}

/* Loads the good image with segment idx replaced by s. */
static int load_with(int idx, struct seg s, uint64_t entry,
		     struct elf_image *img)
{
	build_with(idx, s, entry);
	return reload(img);
}

/* n small PT_LOADs, one page apart; the first is the (R+X) text. */
static void many_segs(struct seg *s, int n)
{
	for (int i = 0; i < n; i++)
		s[i] = (struct seg){ ELF_PT_LOAD, i == 0 ? R | X : R,
				     0x1000 + 0x100 * (uint64_t)i,
				     0x401000 + 0x1100 * (uint64_t)i,
				     0x10, 0x10, 0x1000 };
}

static int setup(void **state)
{
	(void)state;
	file_len = build(file_buf, ENTRY, good, NGOOD);
	return 0;
}

static void check_good(const struct elf_image *img)
{
	assert_int_equal(img->entry, ENTRY);
	assert_int_equal(img->nsegs, 3);

	assert_int_equal(img->segs[0].vaddr, 0x401000);
	assert_int_equal(img->segs[0].memsz, 0x234);
	assert_int_equal(img->segs[0].filesz, 0x234);
	assert_int_equal(img->segs[0].offset, 0x1000);
	assert_true(img->segs[0].read);
	assert_false(img->segs[0].write);
	assert_true(img->segs[0].exec);

	assert_int_equal(img->segs[1].vaddr, 0x402000);
	assert_int_equal(img->segs[1].memsz, 0x1800);
	assert_int_equal(img->segs[1].filesz, 0x100);
	assert_int_equal(img->segs[1].offset, 0x2000);
	assert_true(img->segs[1].read);
	assert_true(img->segs[1].write);
	assert_false(img->segs[1].exec);

	assert_int_equal(img->segs[2].vaddr, 0x404000);
	assert_true(img->segs[2].read);
	assert_false(img->segs[2].write);
	assert_false(img->segs[2].exec);
}

/* ---- accepted images ---------------------------------------------------- */

static void test_good_image(void **state)
{
	struct elf_image img;

	(void)state;
	assert_int_equal(reload(&img), ELF_OK);
	check_good(&img);
	/* Extra bytes after the last segment (symbols, sections) are fine. */
	assert_int_equal(elf_load_info(file_buf, FILE_MAX, USER_LO, USER_HI,
				       &img), ELF_OK);
	check_good(&img);
}

/* The file may sit at any alignment in memory. */
static void test_good_image_unaligned(void **state)
{
	struct elf_image img;

	(void)state;
	for (int shift = 1; shift < 8; shift++) {
		size_t len = build(file_buf + shift, ENTRY, good, NGOOD);

		assert_int_equal(elf_load_info(file_buf + shift, len, USER_LO,
					       USER_HI, &img), ELF_OK);
		check_good(&img);
	}
}

/* Segments exactly at both ends of the user range are inside it. */
static void test_user_range_edges(void **state)
{
	struct elf_image img;
	struct seg lo = { ELF_PT_LOAD, R | X, 0x1000, USER_LO, 0x10, 0x10,
			  0x1000 };
	struct seg hi = { ELF_PT_LOAD, R | W, 0x2000, USER_HI - 0x1000, 0x10,
			  0x1000, 0x1000 };

	(void)state;
	assert_int_equal(load_with(0, lo, USER_LO, &img), ELF_OK);
	assert_int_equal(img.segs[0].vaddr, USER_LO);
	assert_int_equal(load_with(1, hi, ENTRY, &img), ELF_OK);
	assert_int_equal(img.segs[1].vaddr + img.segs[1].memsz, USER_HI);
}

/* Segments sharing a page but no bytes are accepted (see lib/elf.h). */
static void test_shared_page_no_overlap(void **state)
{
	struct elf_image img;
	/* Data starts right where text ends, inside the same page. */
	struct seg data = { ELF_PT_LOAD, R | W, 0x1234, 0x401234, 0x10, 0x100,
			    0x1000 };

	(void)state;
	assert_int_equal(load_with(1, data, ENTRY, &img), ELF_OK);
	assert_int_equal(img.segs[1].vaddr, 0x401234);
}

/* A segment that is pure .bss may start at the very end of the file. */
static void test_bss_only_segment(void **state)
{
	struct elf_image img;
	struct seg bss = { ELF_PT_LOAD, R | W, 0, 0x410000, 0, 0x8000, 0x1000 };

	(void)state;
	file_len = build(file_buf, ENTRY, good, NGOOD);
	bss.offset = file_len;
	bss.vaddr = 0x410000 + (file_len & 0xFFF);
	assert_int_equal(load_with(2, bss, ENTRY, &img), ELF_OK);
	assert_int_equal(img.segs[2].filesz, 0);
	assert_int_equal(img.segs[2].memsz, 0x8000);
}

/* p_align 0 or 1 means no constraint. */
static void test_align_none(void **state)
{
	struct elf_image img;
	struct seg data = DATA;

	(void)state;
	data.vaddr += 8;
	data.align = 0;
	assert_int_equal(load_with(1, data, ENTRY, &img), ELF_OK);
	data.align = 1;
	assert_int_equal(load_with(1, data, ENTRY, &img), ELF_OK);
}

/* Zero-sized PT_LOADs are dropped and do not count toward the limit. */
static void test_empty_load_dropped(void **state)
{
	struct elf_image img;
	struct seg s[ELF_MAX_SEGMENTS + 2];

	(void)state;
	many_segs(s, ELF_MAX_SEGMENTS);
	s[ELF_MAX_SEGMENTS] = (struct seg){ ELF_PT_LOAD, R, 0, 0x500000, 0,
					    0, 0x1000 };
	s[ELF_MAX_SEGMENTS + 1] = (struct seg)STACK;
	assert_int_equal(load(s, ELF_MAX_SEGMENTS + 2, ENTRY, &img), ELF_OK);
	assert_int_equal(img.nsegs, ELF_MAX_SEGMENTS);
}

/* ---- rejected images: the ELF header -------------------------------- */

static void test_null_args(void **state)
{
	struct elf_image img;

	(void)state;
	assert_int_equal(elf_load_info(NULL, file_len, USER_LO, USER_HI, &img),
			 ELF_E_INVAL);
	assert_int_equal(elf_load_info(file_buf, file_len, USER_LO, USER_HI,
				       NULL), ELF_E_INVAL);
	assert_int_equal(elf_load_info(file_buf, file_len, USER_HI, USER_LO,
				       &img), ELF_E_INVAL);
	assert_int_equal(elf_load_info(file_buf, file_len, USER_LO, USER_LO,
				       &img), ELF_E_INVAL);
}

static void test_too_short(void **state)
{
	struct elf_image img;

	(void)state;
	assert_int_equal(elf_load_info(file_buf, 0, USER_LO, USER_HI, &img),
			 ELF_E_SHORT);
	assert_int_equal(elf_load_info(file_buf, 63, USER_LO, USER_HI, &img),
			 ELF_E_SHORT);
	/* Header present, program headers cut off. */
	assert_int_equal(elf_load_info(file_buf, 64, USER_LO, USER_HI, &img),
			 ELF_E_PHDR_BOUNDS);
}

static void test_bad_magic(void **state)
{
	struct elf_image img;

	(void)state;
	for (int i = 0; i < 4; i++) {
		file_buf[i] ^= 0x20;
		assert_int_equal(reload(&img), ELF_E_MAGIC);
		file_buf[i] ^= 0x20;
	}
	assert_int_equal(reload(&img), ELF_OK);
}

static void test_bad_class(void **state)
{
	struct elf_image img;

	(void)state;
	file_buf[ELF_EI_CLASS] = 1;	/* ELFCLASS32 */
	assert_int_equal(reload(&img), ELF_E_CLASS);
	file_buf[ELF_EI_CLASS] = 0;
	assert_int_equal(reload(&img), ELF_E_CLASS);
}

static void test_bad_endian(void **state)
{
	struct elf_image img;

	(void)state;
	file_buf[ELF_EI_DATA] = 2;	/* big-endian */
	assert_int_equal(reload(&img), ELF_E_ENDIAN);
	file_buf[ELF_EI_DATA] = 0;
	assert_int_equal(reload(&img), ELF_E_ENDIAN);
}

static void test_bad_version(void **state)
{
	struct elf_image img;
	struct elf64_ehdr eh;

	(void)state;
	file_buf[ELF_EI_VERSION] = 0;
	assert_int_equal(reload(&img), ELF_E_VERSION);
	file_buf[ELF_EI_VERSION] = ELF_EV_CURRENT;
	eh = get_ehdr();
	eh.e_version = 2;
	put_ehdr(&eh);
	assert_int_equal(reload(&img), ELF_E_VERSION);
}

static void test_bad_type(void **state)
{
	struct elf_image img;
	const uint16_t types[] = { 0, 1, 3, 4, 0xFE00 };  /* none, REL, DYN, CORE */

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct elf64_ehdr eh = get_ehdr();

		eh.e_type = types[i];
		put_ehdr(&eh);
		assert_int_equal(reload(&img), ELF_E_TYPE);
	}
}

static void test_bad_machine(void **state)
{
	struct elf_image img;
	const uint16_t machines[] = { 0, 3, 40, 183, 243 };

	(void)state;
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		struct elf64_ehdr eh = get_ehdr();

		eh.e_machine = machines[i];
		put_ehdr(&eh);
		assert_int_equal(reload(&img), ELF_E_MACHINE);
	}
}

static void test_bad_phentsize(void **state)
{
	struct elf_image img;
	const uint16_t sizes[] = { 0, 32, 55, 57, 64 };

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct elf64_ehdr eh = get_ehdr();

		eh.e_phentsize = sizes[i];
		put_ehdr(&eh);
		assert_int_equal(reload(&img), ELF_E_PHENTSIZE);
	}
}

static void test_phdr_bounds(void **state)
{
	struct elf_image img;
	struct elf64_ehdr eh;

	(void)state;
	eh = get_ehdr();
	eh.e_phoff = file_len - 10;		/* table runs off the end */
	put_ehdr(&eh);
	assert_int_equal(reload(&img), ELF_E_PHDR_BOUNDS);
	eh.e_phoff = file_len - (uint64_t)NGOOD * 56 + 1;	/* by one */
	put_ehdr(&eh);
	assert_int_equal(reload(&img), ELF_E_PHDR_BOUNDS);
	eh.e_phoff = file_len + 1;		/* starts past the end */
	put_ehdr(&eh);
	assert_int_equal(reload(&img), ELF_E_PHDR_BOUNDS);
	eh.e_phoff = UINT64_MAX - 8;		/* phoff + size wraps */
	put_ehdr(&eh);
	assert_int_equal(reload(&img), ELF_E_PHDR_BOUNDS);
	eh.e_phoff = 64;
	eh.e_phnum = 0xFFFF;			/* count far too large */
	put_ehdr(&eh);
	assert_int_equal(reload(&img), ELF_E_PHDR_BOUNDS);
	/* A table that ends exactly at the end of the file is fine. */
	eh.e_phnum = NGOOD;
	eh.e_phoff = 64;
	put_ehdr(&eh);
	assert_int_equal(elf_load_info(file_buf, file_len, USER_LO, USER_HI,
				       &img), ELF_OK);
}

/* ---- rejected images: segments -------------------------------------- */

static void test_too_many_segments(void **state)
{
	struct elf_image img;
	struct seg s[ELF_MAX_SEGMENTS + 1];

	(void)state;
	many_segs(s, ELF_MAX_SEGMENTS + 1);
	assert_int_equal(load(s, ELF_MAX_SEGMENTS, ENTRY, &img), ELF_OK);
	assert_int_equal(img.nsegs, ELF_MAX_SEGMENTS);
	assert_int_equal(load(s, ELF_MAX_SEGMENTS + 1, ENTRY, &img),
			 ELF_E_TOO_MANY);
}

static void test_filesz_over_memsz(void **state)
{
	struct elf_image img;
	struct seg data = DATA;

	(void)state;
	data.filesz = data.memsz + 1;
	assert_int_equal(load_with(1, data, ENTRY, &img), ELF_E_FILESZ);
}

static void test_segment_file_bounds(void **state)
{
	struct elf_image img;
	struct seg ro = RODATA;

	(void)state;
	/* RODATA's bytes end the file: cut off its last byte. */
	assert_int_equal(file_len, ro.offset + ro.filesz);
	assert_int_equal(elf_load_info(file_buf, file_len - 1, USER_LO,
				       USER_HI, &img), ELF_E_SEG_BOUNDS);

	ro.offset = 0x7000;			/* starts beyond the file */
	ro.vaddr = 0x404000 + 0x7000 - 0x3000;
	ro.filesz = 0;
	assert_int_equal(load_with(2, ro, ENTRY, &img), ELF_E_SEG_BOUNDS);

	ro = (struct seg)RODATA;
	ro.offset = UINT64_MAX - 0xFFF;		/* offset + filesz wraps */
	ro.filesz = 0x1000 + 0x40;
	ro.memsz = ro.filesz;
	ro.align = 0;
	assert_int_equal(load_with(2, ro, ENTRY, &img), ELF_E_SEG_BOUNDS);
}

static void test_segment_vaddr(void **state)
{
	struct elf_image img;
	struct seg s;

	(void)state;
	s = (struct seg)RODATA;
	s.vaddr = USER_LO - 0x1000;		/* below user space */
	assert_int_equal(load_with(2, s, ENTRY, &img), ELF_E_SEG_ADDR);

	s = (struct seg)RODATA;
	s.vaddr = 0;				/* the null page */
	assert_int_equal(load_with(2, s, ENTRY, &img), ELF_E_SEG_ADDR);

	s = (struct seg)RODATA;
	s.vaddr = USER_HI - 0x1000;
	s.memsz = 0x1001;			/* one byte past the top */
	assert_int_equal(load_with(2, s, ENTRY, &img), ELF_E_SEG_ADDR);

	s = (struct seg)RODATA;
	s.vaddr = 0xFFFFFFFF80000000ull;	/* kernel space */
	assert_int_equal(load_with(2, s, ENTRY, &img), ELF_E_SEG_ADDR);

	/* vaddr + memsz wraps around: caught even with user_hi = max. */
	s = (struct seg)RODATA;
	s.vaddr = 0xFFFFFFFFFFFFF000ull;
	s.memsz = 0x2000;
	build_with(2, s, ENTRY);
	assert_int_equal(elf_load_info(file_buf, file_len, USER_LO,
				       UINT64_MAX, &img), ELF_E_SEG_ADDR);
}

static void test_overlap(void **state)
{
	struct elf_image img;
	struct seg s;

	(void)state;
	s = (struct seg)DATA;			/* starts inside text */
	s.vaddr = 0x401000 + 0x233;
	s.offset = 0x2233;
	assert_int_equal(load_with(1, s, ENTRY, &img), ELF_E_OVERLAP);

	s = (struct seg)RODATA;			/* same range as text */
	s.vaddr = 0x401000;
	assert_int_equal(load_with(2, s, ENTRY, &img), ELF_E_OVERLAP);

	s = (struct seg)RODATA;			/* inside data's .bss */
	s.vaddr = 0x403000;
	assert_int_equal(load_with(2, s, ENTRY, &img), ELF_E_OVERLAP);

	s = (struct seg)RODATA;			/* covers text entirely */
	s.vaddr = 0x400000;
	s.memsz = 0x3000;
	assert_int_equal(load_with(2, s, ENTRY, &img), ELF_E_OVERLAP);

	s = (struct seg)RODATA;			/* adjacent: fine */
	s.vaddr = 0x403800;
	s.offset = 0x3800;
	s.align = 0x800;
	s.filesz = 0;
	assert_int_equal(load_with(2, s, ENTRY, &img), ELF_OK);
}

static void test_misaligned(void **state)
{
	struct elf_image img;
	struct seg data = DATA;

	(void)state;
	data.vaddr += 0x10;			/* vaddr % align != offset % align */
	assert_int_equal(load_with(1, data, ENTRY, &img), ELF_E_ALIGN);
	data = (struct seg)DATA;
	data.align = 0x1800;			/* not a power of two */
	assert_int_equal(load_with(1, data, ENTRY, &img), ELF_E_ALIGN);
	data.align = 3;
	assert_int_equal(load_with(1, data, ENTRY, &img), ELF_E_ALIGN);
	/* Congruent but not page aligned: fine. */
	data = (struct seg)DATA;
	data.vaddr += 0x10;
	data.offset += 0x10;
	assert_int_equal(load_with(1, data, ENTRY, &img), ELF_OK);
}

static void test_write_and_exec(void **state)
{
	struct elf_image img;
	struct seg s = TEXT;

	(void)state;
	s.flags = R | W | X;
	assert_int_equal(load_with(0, s, ENTRY, &img), ELF_E_WX);
	s = (struct seg)DATA;
	s.flags = W | X;
	assert_int_equal(load_with(1, s, ENTRY, &img), ELF_E_WX);
}

static void test_bad_entry(void **state)
{
	struct elf_image img;

	(void)state;
	assert_int_equal(load(good, NGOOD, 0x402000, &img), ELF_E_ENTRY);
	assert_int_equal(load(good, NGOOD, 0x404000, &img), ELF_E_ENTRY);
	assert_int_equal(load(good, NGOOD, 0x401234, &img), ELF_E_ENTRY);
	assert_int_equal(load(good, NGOOD, 0x400FFF, &img), ELF_E_ENTRY);
	assert_int_equal(load(good, NGOOD, 0, &img), ELF_E_ENTRY);
	assert_int_equal(load(good, NGOOD, UINT64_MAX, &img), ELF_E_ENTRY);
	assert_int_equal(img.nsegs, 0);		/* cleared on failure */
	assert_int_equal(load(good, NGOOD, 0x401233, &img), ELF_OK);
}

static void test_no_load_segments(void **state)
{
	struct elf_image img;
	const struct seg note_only[] = { NOTE, STACK };
	const struct seg empty_load[] = {
		{ ELF_PT_LOAD, R | X, 0x1000, 0x401000, 0, 0, 0x1000 },
	};

	(void)state;
	assert_int_equal(load(note_only, 2, ENTRY, &img), ELF_E_NO_LOAD);
	assert_int_equal(load(good, 0, ENTRY, &img), ELF_E_NO_LOAD);
	assert_int_equal(load(empty_load, 1, ENTRY, &img), ELF_E_NO_LOAD);
}

/* Headers of other types are ignored even when their fields are junk. */
static void test_other_types_ignored(void **state)
{
	struct elf_image img;
	struct seg junk = { 0x70000001, R | W | X, UINT64_MAX, UINT64_MAX,
			    UINT64_MAX, 1, 3 };

	(void)state;
	assert_int_equal(load_with(3, junk, ENTRY, &img), ELF_OK);
	check_good(&img);
}

static void test_failure_clears_image(void **state)
{
	struct elf_image img;
	struct seg s = TEXT;

	(void)state;
	s.flags = R | W | X;
	/* DATA and RODATA are fine; the bad segment comes first. */
	assert_int_equal(load_with(0, s, ENTRY, &img), ELF_E_WX);
	assert_int_equal(img.nsegs, 0);
	assert_int_equal(img.entry, 0);
	s = (struct seg)RODATA;
	s.flags = R | W | X;
	assert_int_equal(load_with(2, s, ENTRY, &img), ELF_E_WX);
	assert_int_equal(img.nsegs, 0);
}

static void test_strerror(void **state)
{
	const char *unknown = elf_strerror(-1000);

	(void)state;
	assert_non_null(unknown);
	assert_string_equal(elf_strerror(ELF_OK), "success");
	assert_string_equal(elf_strerror(5), unknown);
	for (int e = ELF_E_INVAL; e >= ELF_E_NO_LOAD; e--) {
		const char *s = elf_strerror(e);

		assert_non_null(s);
		assert_string_not_equal(s, unknown);
		for (int f = ELF_E_INVAL; f > e; f--)
			assert_string_not_equal(s, elf_strerror(f));
	}
}

/* ---- fuzzing ---------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: deterministic for a fixed seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* Everything elf_load_info() promises about an accepted image. */
static void check_promises(const struct elf_image *img, size_t len,
			   uint64_t lo, uint64_t hi)
{
	bool entry_ok = false;

	assert_in_range(img->nsegs, 1, ELF_MAX_SEGMENTS);
	for (int i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];

		assert_true(s->memsz > 0 && s->filesz <= s->memsz);
		assert_true(s->offset <= len && s->filesz <= len - s->offset);
		assert_true(s->vaddr >= lo && s->memsz <= hi - s->vaddr);
		assert_false(s->write && s->exec);
		for (int j = 0; j < i; j++) {
			const struct elf_segment *t = &img->segs[j];

			assert_true(s->vaddr + s->memsz <= t->vaddr ||
				    t->vaddr + t->memsz <= s->vaddr);
		}
		if (s->exec && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->memsz)
			entry_ok = true;
	}
	assert_true(entry_ok);
}

static void test_fuzz(void **state)
{
	static uint8_t copy[FILE_MAX];
	size_t good_len, hdr_len = 64 + NGOOD * 56;
	int accepted = 0;

	(void)state;
	rng_state = 0x6261746F6E454C46ull;	/* "batonELF" */
	good_len = build(file_buf, ENTRY, good, NGOOD);
	for (int iter = 0; iter < 100000; iter++) {
		struct elf_image img;
		size_t len = good_len;
		uint64_t lo = USER_LO, hi = USER_HI;
		int n = 1 + (int)(rnd() % 4);
		int rc;

		memcpy(copy, file_buf, good_len);
		for (int i = 0; i < n; i++) {
			/* Mostly hit the headers, where the decisions are. */
			size_t off = rnd() % 4 ? rnd() % hdr_len
					       : rnd() % good_len;

			switch (rnd() % 3) {
			case 0:
				copy[off] = (uint8_t)rnd();
				break;
			case 1:
				copy[off] ^= (uint8_t)(1u << (rnd() % 8));
				break;
			default:
				copy[off] = rnd() % 2 ? 0 : 0xFF;
				break;
			}
		}
		if (rnd() % 8 == 0)
			len = rnd() % (good_len + 1);
		if (rnd() % 8 == 0) {
			lo = (uint64_t)rnd() << (rnd() % 32);
			hi = lo + 1 + ((uint64_t)rnd() << (rnd() % 32));
		}
		/* Validate from an exact-size heap copy: ASan sees overreads. */
		uint8_t *heap = test_malloc(len ? len : 1);
		memcpy(heap, copy, len);
		rc = elf_load_info(heap, len, lo, hi, &img);
		test_free(heap);

		assert_true(rc <= 0 && rc >= ELF_E_NO_LOAD);
		if (rc == ELF_OK) {
			check_promises(&img, len, lo, hi);
			accepted++;
		} else {
			assert_int_equal(img.nsegs, 0);
		}
	}
	/* The fuzzer must not only produce garbage. */
	assert_true(accepted > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_good_image, setup),
		cmocka_unit_test_setup(test_good_image_unaligned, setup),
		cmocka_unit_test_setup(test_user_range_edges, setup),
		cmocka_unit_test_setup(test_shared_page_no_overlap, setup),
		cmocka_unit_test_setup(test_bss_only_segment, setup),
		cmocka_unit_test_setup(test_align_none, setup),
		cmocka_unit_test_setup(test_empty_load_dropped, setup),
		cmocka_unit_test_setup(test_null_args, setup),
		cmocka_unit_test_setup(test_too_short, setup),
		cmocka_unit_test_setup(test_bad_magic, setup),
		cmocka_unit_test_setup(test_bad_class, setup),
		cmocka_unit_test_setup(test_bad_endian, setup),
		cmocka_unit_test_setup(test_bad_version, setup),
		cmocka_unit_test_setup(test_bad_type, setup),
		cmocka_unit_test_setup(test_bad_machine, setup),
		cmocka_unit_test_setup(test_bad_phentsize, setup),
		cmocka_unit_test_setup(test_phdr_bounds, setup),
		cmocka_unit_test_setup(test_too_many_segments, setup),
		cmocka_unit_test_setup(test_filesz_over_memsz, setup),
		cmocka_unit_test_setup(test_segment_file_bounds, setup),
		cmocka_unit_test_setup(test_segment_vaddr, setup),
		cmocka_unit_test_setup(test_overlap, setup),
		cmocka_unit_test_setup(test_misaligned, setup),
		cmocka_unit_test_setup(test_write_and_exec, setup),
		cmocka_unit_test_setup(test_bad_entry, setup),
		cmocka_unit_test_setup(test_no_load_segments, setup),
		cmocka_unit_test_setup(test_other_types_ignored, setup),
		cmocka_unit_test_setup(test_failure_clears_image, setup),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
