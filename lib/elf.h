/*
 * ELF64 executables: checking a user program before the kernel loads it.
 *
 * A program file starts with an ELF header that points at a table of
 * program headers; the PT_LOAD entries among them say which byte ranges of
 * the file go to which user virtual addresses, with what permissions, and
 * how much zero-filled memory (.bss) follows.  elf_load_info() checks all
 * of that against the file's size and the user address range and returns
 * a plain list of segments, so the loader itself never has to look at
 * untrusted header fields.
 *
 * Only what Baton runs is accepted: static (ET_EXEC), 64-bit,
 * little-endian x86_64 executables.  Program header types other than
 * PT_LOAD (PT_NOTE, PT_GNU_STACK, ...) are ignored, and so are section
 * headers, which loading does not need.
 *
 * The structures follow the System V ABI; they are spelled in lower case
 * so they cannot clash with a host's <elf.h>.
 */
#ifndef LIB_ELF_H
#define LIB_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* e_ident[] indexes and values. */
#define ELF_EI_NIDENT		16
#define ELF_EI_CLASS		4
#define ELF_EI_DATA		5
#define ELF_EI_VERSION		6
#define ELF_CLASS64		2
#define ELF_DATA2LSB		1	/* little-endian */
#define ELF_EV_CURRENT		1

#define ELF_ET_EXEC		2	/* e_type: executable */
#define ELF_EM_X86_64		62	/* e_machine */

#define ELF_PT_LOAD		1	/* p_type: loadable segment */
#define ELF_PF_X		0x1	/* p_flags */
#define ELF_PF_W		0x2
#define ELF_PF_R		0x4

struct elf64_ehdr {
	uint8_t e_ident[ELF_EI_NIDENT];	/* "\x7fELF", class, data, ... */
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;		/* virtual address of _start */
	uint64_t e_phoff;		/* file offset of program headers */
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;		/* size of one program header */
	uint16_t e_phnum;		/* number of program headers */
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;		/* file offset of the segment's bytes */
	uint64_t p_vaddr;		/* where they go in memory */
	uint64_t p_paddr;
	uint64_t p_filesz;		/* bytes taken from the file */
	uint64_t p_memsz;		/* bytes in memory; the rest is zeroed */
	uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header is 64 bytes");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 phdr is 56 bytes");

/* Error codes (all negative; 0 means success).  See elf_strerror(). */
enum {
	ELF_OK = 0,
	ELF_E_INVAL = -1,	/* NULL pointer or empty user range */
	ELF_E_SHORT = -2,	/* file smaller than an ELF header */
	ELF_E_MAGIC = -3,	/* not an ELF file */
	ELF_E_CLASS = -4,	/* not ELFCLASS64 */
	ELF_E_ENDIAN = -5,	/* not little-endian */
	ELF_E_VERSION = -6,	/* unknown ELF version */
	ELF_E_TYPE = -7,	/* not an executable (ET_EXEC) */
	ELF_E_MACHINE = -8,	/* not x86_64 */
	ELF_E_PHENTSIZE = -9,	/* program header size is not 56 */
	ELF_E_PHDR_BOUNDS = -10, /* program header table outside the file */
	ELF_E_TOO_MANY = -11,	/* more than ELF_MAX_SEGMENTS PT_LOADs */
	ELF_E_FILESZ = -12,	/* segment p_filesz > p_memsz */
	ELF_E_SEG_BOUNDS = -13,	/* segment bytes outside the file */
	ELF_E_SEG_ADDR = -14,	/* segment outside user range, or wraps */
	ELF_E_OVERLAP = -15,	/* two segments share bytes of memory */
	ELF_E_ALIGN = -16,	/* bad p_align, or vaddr/offset disagree */
	ELF_E_WX = -17,		/* segment both writable and executable */
	ELF_E_ENTRY = -18,	/* entry point not in an executable segment */
	ELF_E_NO_LOAD = -19,	/* no PT_LOAD segment */
};

/* A clear one-line description of an ELF_E_* code. */
const char *elf_strerror(int err);

/* One PT_LOAD segment, checked: everything here can be trusted. */
struct elf_segment {
	uint64_t vaddr;		/* memory [vaddr, vaddr + memsz) */
	uint64_t memsz;
	uint64_t filesz;	/* file [offset, offset + filesz) goes first */
	uint64_t offset;
	bool read, write, exec;
};

#define ELF_MAX_SEGMENTS	8

struct elf_image {
	uint64_t entry;
	struct elf_segment segs[ELF_MAX_SEGMENTS];	/* in file order */
	int nsegs;
};

/*
 * Validates the file at (data, len) and fills img with its PT_LOAD
 * segments.  user_lo/user_hi bound the user address range
 * [user_lo, user_hi).  data needs no particular alignment.
 *
 * On success every segment satisfies:
 *   filesz <= memsz, memsz > 0 (empty PT_LOADs are dropped),
 *   offset + filesz <= len,
 *   user_lo <= vaddr, vaddr + memsz <= user_hi (no wrap-around),
 *   not both write and exec,
 *   vaddr == offset modulo p_align when p_align > 1 (a power of two),
 * no two segments overlap, and entry lies in an executable segment.
 *
 * Overlap is judged on bytes, not pages: two segments that merely share a
 * page (text ending and data starting inside the same 4 KiB) are accepted,
 * because ld -n and simple linker scripts produce that.  The loader must then
 * give that page the permissions of both segments, or refuse the file if
 * it insists on strict W^X per page.
 */
int elf_load_info(const void *data, size_t len, uint64_t user_lo,
		  uint64_t user_hi, struct elf_image *img);

#endif
