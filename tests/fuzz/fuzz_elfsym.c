/*
 * Fuzz target for lib/elfsym.c: the input is a program file, and the
 * address to name is taken from its first bytes' hash, so both the file
 * and the address vary.
 *
 * A name found must lie inside the file and be non-empty; the offset is
 * what the address is past the symbol.  The file sits at an odd address,
 * as the initrd may.
 */
#include <string.h>

#include "lib/elfsym.h"
#include "tests/fuzz/fuzz.h"

static uint64_t address_for(const uint8_t *data, size_t size)
{
	uint64_t h = 0x400000;

	for (size_t i = 0; i < size && i < 64; i++)
		h = h * 31 + data[i];
	return 0x400000 + (h & 0xffff);	/* near where programs are linked */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *block, *file = fuzz_copy_unaligned(data, size, &block);
	struct elf_symbol s;

	if (elf_symbolize(file, size, address_for(data, size), &s) == 0) {
		CHECK(s.name_len > 0);
		CHECK(s.name >= (const char *)file && s.name_len <= size &&
		      s.name - (const char *)file <= (long)(size - s.name_len));
		fuzz_touch(s.name, s.name_len);
	}
	free(block);
	return 0;
}
