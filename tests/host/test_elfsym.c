/* Host tests for lib/elfsym.c: naming addresses, and never reading
 * outside a corrupt file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/elf.h"
#include "lib/elfsym.h"

/* A small ELF64 file: header, .strtab, .symtab, then three section
 * headers (null, symtab, strtab).  Symbols: main [0x401000, +0x40),
 * helper [0x401040, +0x10), _start at 0x400000 with size 0, a data
 * object, and an undefined function. */
#define STRTAB_OFF	64
#define SYMTAB_OFF	128
#define NSYMS		6
#define SHDR_OFF	(SYMTAB_OFF + NSYMS * 24)
#define FILE_LEN	(SHDR_OFF + 3 * 64)

static const char strtab[] = "\0main\0helper\0_start\0table\0extern_fn";

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void sym(uint8_t *f, int k, uint32_t name, uint8_t type, uint16_t shndx, uint64_t value,
		uint64_t size)
{
	uint8_t *s = f + SYMTAB_OFF + k * 24;

	put32(s, name);
	s[4] = type;
	put16(s + 6, shndx);
	put64(s + 8, value);
	put64(s + 16, size);
}

static void shdr(uint8_t *f, int i, uint32_t type, uint64_t off, uint64_t size, uint32_t link,
		 uint64_t entsize)
{
	uint8_t *h = f + SHDR_OFF + i * 64;

	put32(h + 4, type);
	put64(h + 24, off);
	put64(h + 32, size);
	put32(h + 40, link);
	put64(h + 56, entsize);
}

static uint8_t *make_file(void)
{
	uint8_t *f = calloc(1, FILE_LEN);

	memcpy(f, "\x7f" "ELF", 4);
	f[ELF_EI_CLASS] = ELF_CLASS64;
	f[ELF_EI_DATA] = ELF_DATA2LSB;
	put64(f + 40, SHDR_OFF);	/* e_shoff */
	put16(f + 58, 64);		/* e_shentsize */
	put16(f + 60, 3);		/* e_shnum */
	memcpy(f + STRTAB_OFF, strtab, sizeof(strtab));
	sym(f, 0, 0, 0, 0, 0, 0);
	sym(f, 1, 1, 2, 1, 0x401000, 0x40);	/* main */
	sym(f, 2, 6, 2, 1, 0x401040, 0x10);	/* helper */
	sym(f, 3, 13, 2, 1, 0x400000, 0);	/* _start, size 0 */
	sym(f, 4, 20, 1, 2, 0x402000, 8);	/* table: an object, not a function */
	sym(f, 5, 26, 2, 0, 0x401100, 0x10);	/* extern_fn: undefined */
	shdr(f, 1, 2, SYMTAB_OFF, NSYMS * 24, 2, 24);
	shdr(f, 2, 3, STRTAB_OFF, sizeof(strtab), 0, 0);
	return f;
}

static void expect(const uint8_t *f, size_t len, uint64_t addr, const char *name, uint64_t off)
{
	struct elf_symbol s;

	assert_int_equal(elf_symbolize(f, len, addr, &s), 0);
	assert_int_equal(s.name_len, strlen(name));
	assert_memory_equal(s.name, name, s.name_len);
	assert_int_equal(s.offset, off);
}

static void test_names_functions(void **state)
{
	uint8_t *f = make_file();
	struct elf_symbol s;

	(void)state;
	expect(f, FILE_LEN, 0x401000, "main", 0);
	expect(f, FILE_LEN, 0x40103f, "main", 0x3f);
	expect(f, FILE_LEN, 0x401044, "helper", 4);
	expect(f, FILE_LEN, 0x400022, "_start", 0x22);	/* nearest size-0 symbol below */
	expect(f, FILE_LEN, 0x401050, "_start", 0x1050);	/* past helper's end */
	expect(f, FILE_LEN, 0x402004, "_start", 0x2004);	/* objects and undefined ones never */
	assert_int_equal(elf_symbolize(f, FILE_LEN, 0x3fffff, &s), -1);	/* below every symbol */
	free(f);
}

static void test_stripped_and_corrupt(void **state)
{
	uint8_t *f = make_file();
	struct elf_symbol s;

	(void)state;
	shdr(f, 1, 1, SYMTAB_OFF, NSYMS * 24, 2, 24);	/* no SHT_SYMTAB: stripped */
	assert_int_equal(elf_symbolize(f, FILE_LEN, 0x401000, &s), -1);
	free(f);

	f = make_file();
	shdr(f, 2, 3, FILE_LEN - 4, sizeof(strtab), 0, 0);	/* strtab runs past the end */
	assert_int_equal(elf_symbolize(f, FILE_LEN, 0x401000, &s), -1);
	free(f);

	f = make_file();
	shdr(f, 1, 2, SYMTAB_OFF, NSYMS * 24, 7, 24);	/* sh_link out of range */
	assert_int_equal(elf_symbolize(f, FILE_LEN, 0x401000, &s), -1);
	free(f);

	f = make_file();
	shdr(f, 1, 2, SYMTAB_OFF, NSYMS * 24, 1, 24);	/* linked to itself */
	assert_int_equal(elf_symbolize(f, FILE_LEN, 0x401000, &s), -1);
	free(f);

	f = make_file();
	shdr(f, 2, 3, STRTAB_OFF, 3, 0, 0);	/* "main" cut off: unterminated name */
	assert_int_equal(elf_symbolize(f, FILE_LEN, 0x401000, &s), -1);
	free(f);
}

static void test_header_checks(void **state)
{
	uint8_t *f = make_file();
	struct elf_symbol s;

	(void)state;
	assert_int_equal(elf_symbolize(f, 10, 0x401000, &s), -1);	/* shorter than a header */
	assert_int_equal(elf_symbolize(f, SHDR_OFF + 64, 0x401000, &s), -1);	/* table cut */
	put64(f + 40, UINT64_MAX - 8);	/* e_shoff wraps */
	assert_int_equal(elf_symbolize(f, FILE_LEN, 0x401000, &s), -1);
	free(f);
	f = make_file();
	f[1] = 'X';
	assert_int_equal(elf_symbolize(f, FILE_LEN, 0x401000, &s), -1);
	free(f);
}

/* Every byte of the file flipped in every bit, and random garbage: the
 * sanitizers catch any read outside the buffer. */
static void test_mutations_stay_inside(void **state)
{
	uint8_t *good = make_file();
	struct elf_symbol s;

	(void)state;
	for (size_t i = 0; i < FILE_LEN; i++) {
		for (int bit = 0; bit < 8; bit++) {
			uint8_t *f = malloc(FILE_LEN);

			memcpy(f, good, FILE_LEN);
			f[i] ^= (uint8_t)(1u << bit);
			if (elf_symbolize(f, FILE_LEN, 0x401010, &s) == 0)
				assert_true(s.name >= (const char *)f &&
					    s.name + s.name_len <= (const char *)f + FILE_LEN);
			free(f);
		}
	}
	srand(7);
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)rand() % (FILE_LEN + 1);
		uint8_t *f = malloc(len ? len : 1);

		memcpy(f, good, len);
		for (int k = 0; k < 4; k++)
			if (len)
				f[(size_t)rand() % len] = (uint8_t)rand();
		if (elf_symbolize(f, len, (uint64_t)rand() << 4, &s) == 0)
			assert_true(s.name + s.name_len <= (const char *)f + len);
		free(f);
	}
	free(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_functions),
		cmocka_unit_test(test_stripped_and_corrupt),
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_mutations_stay_inside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
