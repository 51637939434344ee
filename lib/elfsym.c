/*
 * Naming addresses from an ELF symbol table; see elfsym.h.
 */
#include "lib/elf.h"
#include "lib/elfsym.h"
#include "lib/string.h"

#define SHT_SYMTAB	2
#define STT_FUNC	2
#define SHN_UNDEF	0

struct elf64_shdr {
	uint32_t sh_name;
	uint32_t sh_type;
	uint64_t sh_flags;
	uint64_t sh_addr;
	uint64_t sh_offset;
	uint64_t sh_size;
	uint32_t sh_link;
	uint32_t sh_info;
	uint64_t sh_addralign;
	uint64_t sh_entsize;
};

struct elf64_sym {
	uint32_t st_name;
	uint8_t st_info;
	uint8_t st_other;
	uint16_t st_shndx;
	uint64_t st_value;
	uint64_t st_size;
};

_Static_assert(sizeof(struct elf64_shdr) == 64, "ELF64 section header is 64 bytes");
_Static_assert(sizeof(struct elf64_sym) == 24, "ELF64 symbol is 24 bytes");

/* Whether [off, off + n) lies inside a file of len bytes. */
static int in_file(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

/* Section i's header, copied out (the file need not be aligned), or -1. */
static int section(const uint8_t *data, size_t len, const struct elf64_ehdr *eh, uint32_t i,
		   struct elf64_shdr *sh)
{
	if (i >= eh->e_shnum)
		return -1;
	memcpy(sh, data + eh->e_shoff + (uint64_t)i * sizeof(*sh), sizeof(*sh));
	return in_file(sh->sh_offset, sh->sh_size, len) ? 0 : -1;
}

/* Symbol k's name, if it lies inside the string table and ends there. */
static int sym_name(const uint8_t *data, const struct elf64_shdr *strtab, uint32_t st_name,
		    struct elf_symbol *out)
{
	const char *s = (const char *)data + strtab->sh_offset;
	uint64_t i = st_name;

	if (st_name >= strtab->sh_size)
		return -1;
	while (i < strtab->sh_size && s[i])
		i++;
	if (i == strtab->sh_size || i == st_name)
		return -1;	/* unterminated or empty */
	out->name = s + st_name;
	out->name_len = i - st_name;
	return 0;
}

/* The best function symbol for addr in one symbol table: one containing
 * it (*exact), else the nearest size-0 one below; *found says whether
 * *out holds a candidate from an earlier table or symbol. */
static void search(const uint8_t *data, const struct elf64_shdr *symtab,
		   const struct elf64_shdr *strtab, uint64_t addr, struct elf_symbol *out,
		   int *found, int *exact)
{
	uint64_t n = symtab->sh_size / sizeof(struct elf64_sym);

	for (uint64_t k = 0; k < n; k++) {
		struct elf64_sym s;
		struct elf_symbol cand;
		int contains;

		memcpy(&s, data + symtab->sh_offset + k * sizeof(s), sizeof(s));
		if ((s.st_info & 0xf) != STT_FUNC || s.st_shndx == SHN_UNDEF || s.st_value > addr)
			continue;
		contains = s.st_size && addr - s.st_value < s.st_size;
		if (!contains && (s.st_size || *exact))
			continue;
		if (!contains && *found && addr - s.st_value >= out->offset)
			continue;	/* a nearer size-0 symbol is already known */
		if (sym_name(data, strtab, s.st_name, &cand) < 0)
			continue;
		cand.offset = addr - s.st_value;
		*out = cand;
		*found = 1;
		*exact = contains;
		if (contains)
			return;
	}
}

int elf_symbolize(const void *file, size_t len, uint64_t addr, struct elf_symbol *out)
{
	const uint8_t *data = file;
	struct elf64_ehdr eh;
	int found = 0, exact = 0;

	if (len < sizeof(eh))
		return -1;
	memcpy(&eh, data, sizeof(eh));
	if (memcmp(eh.e_ident, "\x7f" "ELF", 4) != 0 || eh.e_ident[ELF_EI_CLASS] != ELF_CLASS64 ||
	    eh.e_shentsize != sizeof(struct elf64_shdr) ||
	    !in_file(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(struct elf64_shdr), len))
		return -1;
	for (uint32_t i = 0; i < eh.e_shnum && !exact; i++) {
		struct elf64_shdr symtab, strtab;

		if (section(data, len, &eh, i, &symtab) < 0 || symtab.sh_type != SHT_SYMTAB ||
		    symtab.sh_link == i || section(data, len, &eh, symtab.sh_link, &strtab) < 0)
			continue;
		search(data, &symtab, &strtab, addr, out, &found, &exact);
	}
	return found ? 0 : -1;
}
