#ifndef KERNEL_SYMBOLS_H
#define KERNEL_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

/* The kernel's symbol table, an `nm -n` listing GRUB loads as the module
 * named "symbols".  Without it, addresses are printed bare. */
void sym_init(const char *text, size_t len);
/* Name of the function containing addr and the offset into it, or NULL. */
const char *sym_lookup(uint64_t addr, uint64_t *offset);

#endif
