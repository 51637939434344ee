/*
 * Naming an address with an ELF file's symbol table (.symtab and the
 * string table it links to): the kernel says in which function of a
 * user program a fault happened, from the program's file in the initrd.
 *
 * Like elf_load_info(), nothing in the file is trusted: every offset,
 * size, index and name is checked against the file before it is read,
 * so a corrupt or hostile file gives "not found", never a read outside
 * it.
 */
#ifndef LIB_ELFSYM_H
#define LIB_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

struct elf_symbol {
	const char *name;	/* inside the file's data: not NUL-terminated */
	size_t name_len;
	uint64_t offset;	/* addr - the symbol's value */
};

/* The function symbol containing addr (value <= addr < value + size), or
 * failing that the closest function symbol of size 0 at or below it.
 * 0 and *out, or -1 if there is none (no symbol table, stripped, corrupt). */
int elf_symbolize(const void *data, size_t len, uint64_t addr, struct elf_symbol *out);

#endif
