/*
 * ELF64 executable validation.  See lib/elf.h.
 *
 * The file is untrusted: every offset and size in it is checked before use,
 * with comparisons arranged so that no sum can overflow (for example
 * "filesz > len - offset" after checking "offset <= len", rather than
 * "offset + filesz > len").  Headers are copied out with memcpy, so the
 * file may sit at any alignment.  Baton runs on little-endian x86_64,
 * which is the byte order of the files it accepts, so the copied fields
 * need no conversion.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/elf.h"
#include "lib/string.h"

const char *elf_strerror(int err)
{
	switch (err) {
	case ELF_OK:		return "success";
	case ELF_E_INVAL:	return "invalid argument";
	case ELF_E_SHORT:	return "file too short for an ELF header";
	case ELF_E_MAGIC:	return "not an ELF file (bad magic)";
	case ELF_E_CLASS:	return "not a 64-bit ELF file";
	case ELF_E_ENDIAN:	return "not a little-endian ELF file";
	case ELF_E_VERSION:	return "unknown ELF version";
	case ELF_E_TYPE:	return "not an ELF executable (ET_EXEC)";
	case ELF_E_MACHINE:	return "not an x86_64 ELF file";
	case ELF_E_PHENTSIZE:	return "bad ELF program header size";
	case ELF_E_PHDR_BOUNDS:	return "ELF program headers outside the file";
	case ELF_E_TOO_MANY:	return "too many ELF PT_LOAD segments";
	case ELF_E_FILESZ:	return "ELF segment file size exceeds memory size";
	case ELF_E_SEG_BOUNDS:	return "ELF segment data outside the file";
	case ELF_E_SEG_ADDR:	return "ELF segment outside user address range";
	case ELF_E_OVERLAP:	return "ELF segments overlap";
	case ELF_E_ALIGN:	return "ELF segment misaligned";
	case ELF_E_WX:		return "ELF segment both writable and executable";
	case ELF_E_ENTRY:	return "ELF entry point not in executable segment";
	case ELF_E_NO_LOAD:	return "ELF file has no loadable segment";
	default:		return "unknown ELF error";
	}
}

/* Checks the ELF header: identity, then the program header table's place. */
static int check_ehdr(const struct elf64_ehdr *eh, size_t len)
{
	uint64_t table_size;

	if (memcmp(eh->e_ident, "\x7f" "ELF", 4) != 0)
		return ELF_E_MAGIC;
	if (eh->e_ident[ELF_EI_CLASS] != ELF_CLASS64)
		return ELF_E_CLASS;
	if (eh->e_ident[ELF_EI_DATA] != ELF_DATA2LSB)
		return ELF_E_ENDIAN;
	if (eh->e_ident[ELF_EI_VERSION] != ELF_EV_CURRENT ||
	    eh->e_version != ELF_EV_CURRENT)
		return ELF_E_VERSION;
	if (eh->e_type != ELF_ET_EXEC)
		return ELF_E_TYPE;
	if (eh->e_machine != ELF_EM_X86_64)
		return ELF_E_MACHINE;
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return ELF_E_PHENTSIZE;

	/* At most 65535 * 56 bytes: the product cannot overflow. */
	table_size = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr);
	if (eh->e_phoff > len || table_size > len - eh->e_phoff)
		return ELF_E_PHDR_BOUNDS;
	return ELF_OK;
}

/* Checks one PT_LOAD header on its own (overlaps are checked later). */
static int check_phdr(const struct elf64_phdr *ph, size_t len,
		      uint64_t user_lo, uint64_t user_hi)
{
	uint64_t align = ph->p_align;

	if (ph->p_filesz > ph->p_memsz)
		return ELF_E_FILESZ;
	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return ELF_E_SEG_BOUNDS;
	/* [vaddr, vaddr + memsz) must not wrap and must be user memory. */
	if (ph->p_memsz > UINT64_MAX - ph->p_vaddr ||
	    ph->p_vaddr < user_lo || ph->p_vaddr + ph->p_memsz > user_hi)
		return ELF_E_SEG_ADDR;
	/*
	 * p_align of 0 or 1 means "no constraint".  Otherwise it must be a
	 * power of two and the segment's address and file offset must agree
	 * modulo it, so the file could be mapped page by page.
	 */
	if (align > 1 && ((align & (align - 1)) != 0 ||
			  (ph->p_vaddr & (align - 1)) !=
			  (ph->p_offset & (align - 1))))
		return ELF_E_ALIGN;
	if ((ph->p_flags & ELF_PF_W) && (ph->p_flags & ELF_PF_X))
		return ELF_E_WX;
	return ELF_OK;
}

/* Do the byte ranges of two segments intersect?  (Neither wraps.) */
static bool segs_overlap(const struct elf_segment *a,
			 const struct elf_segment *b)
{
	return a->vaddr < b->vaddr + b->memsz && b->vaddr < a->vaddr + a->memsz;
}

/* Appends a checked segment to img, refusing overlaps and excess. */
static int add_segment(struct elf_image *img, const struct elf64_phdr *ph)
{
	struct elf_segment seg = {
		.vaddr = ph->p_vaddr,
		.memsz = ph->p_memsz,
		.filesz = ph->p_filesz,
		.offset = ph->p_offset,
		.read = ph->p_flags & ELF_PF_R,
		.write = ph->p_flags & ELF_PF_W,
		.exec = ph->p_flags & ELF_PF_X,
	};

	if (seg.memsz == 0)
		return ELF_OK;	/* occupies nothing: nothing to load */
	for (int i = 0; i < img->nsegs; i++)
		if (segs_overlap(&img->segs[i], &seg))
			return ELF_E_OVERLAP;
	if (img->nsegs == ELF_MAX_SEGMENTS)
		return ELF_E_TOO_MANY;
	img->segs[img->nsegs++] = seg;
	return ELF_OK;
}

static bool entry_is_executable(const struct elf_image *img)
{
	for (int i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];

		if (s->exec && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->memsz)
			return true;
	}
	return false;
}

int elf_load_info(const void *data, size_t len, uint64_t user_lo,
		  uint64_t user_hi, struct elf_image *img)
{
	const uint8_t *file = data;
	struct elf64_ehdr eh;
	int rc;

	if (!data || !img || user_lo >= user_hi)
		return ELF_E_INVAL;
	memset(img, 0, sizeof(*img));
	if (len < sizeof(eh))
		return ELF_E_SHORT;
	memcpy(&eh, file, sizeof(eh));
	rc = check_ehdr(&eh, len);
	if (rc != ELF_OK)
		return rc;

	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, file + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != ELF_PT_LOAD)
			continue;
		rc = check_phdr(&ph, len, user_lo, user_hi);
		if (rc == ELF_OK)
			rc = add_segment(img, &ph);
		if (rc != ELF_OK)
			goto fail;
	}

	rc = ELF_E_NO_LOAD;
	if (img->nsegs == 0)
		goto fail;
	img->entry = eh.e_entry;
	rc = ELF_E_ENTRY;
	if (!entry_is_executable(img))
		goto fail;
	return ELF_OK;

fail:
	memset(img, 0, sizeof(*img));	/* leave nothing half-checked */
	return rc;
}
