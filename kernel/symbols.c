/*
 * Symbolization for panics and trap dumps.
 *
 * The build writes `nm -n kernel.elf` to build/kernel.sym and GRUB loads
 * it as a module, so the kernel needs no second link to know its own
 * symbols.  Lines look like "ffffffff80100000 T _start"; we keep text
 * symbols (T/t/W/w), whose addresses are sorted.  The text is read in
 * place and never trusted: a malformed line is skipped.
 */
#include <stdbool.h>
#include <stdint.h>

#include "kernel/symbols.h"

#define MAX_NAME	64

static const char *table;
static size_t table_len;
static char result[MAX_NAME];

void sym_init(const char *text, size_t len)
{
	table = text;
	table_len = len;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parses one line starting at *pos; advances *pos past it.  Returns
 * whether it is a well-formed text symbol. */
static bool parse_line(size_t *pos, uint64_t *addr, const char **name, size_t *namelen)
{
	size_t i = *pos, start;
	int digits = 0, v;
	char type;

	*addr = 0;
	while (i < table_len && (v = hexval(table[i])) >= 0 && digits < 16) {
		*addr = (*addr << 4) | v;
		digits++;
		i++;
	}
	bool ok = digits == 16 && i + 3 < table_len && table[i] == ' ' && table[i + 2] == ' ';
	type = ok ? table[i + 1] : 0;
	start = ok ? i + 3 : i;
	while (i < table_len && table[i] != '\n')
		i++;
	*pos = i + 1;
	*name = table + start;
	*namelen = i - start;
	return ok && (type == 'T' || type == 't' || type == 'W' || type == 'w') && *namelen > 0;
}

const char *sym_lookup(uint64_t addr, uint64_t *offset)
{
	uint64_t a, best = 0;
	const char *name, *best_name = 0;
	size_t pos = 0, len, best_len = 0;

	if (!table)
		return 0;
	while (pos < table_len) {
		if (!parse_line(&pos, &a, &name, &len) || a > addr)
			continue;
		if (a >= best) {
			best = a;
			best_name = name;
			best_len = len;
		}
	}
	if (!best_name)
		return 0;
	if (best_len >= MAX_NAME)
		best_len = MAX_NAME - 1;
	for (size_t i = 0; i < best_len; i++)
		result[i] = best_name[i];
	result[best_len] = 0;
	*offset = addr - best;
	return result;
}
