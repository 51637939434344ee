/*
 * Fuzz target for lib/acpi.c.
 *
 * Input: one flags byte, then an image of "physical memory" starting at
 * physical address 0.  The image is used twice:
 *   - as memory holding an RSDP at address 0 and the tables it leads to,
 *     walked by acpi_load_madt through a mapper that serves the image;
 *   - as one MADT, parsed directly by acpi_parse_madt.
 * Flags:
 *   bit 0  fix the checksums first (RSDP, root table, the tables it
 *          lists, the MADT), so the fuzzer gets past them;
 *   bit 1  the mapper hands out a fresh heap copy on every call and frees
 *          the last one, so ASan catches a pointer kept across calls;
 *   bit 2  pass only the 20-byte ACPI 1.0 RSDP.
 */
#include <stdbool.h>
#include <string.h>

#include "lib/acpi.h"
#include "tests/fuzz/fuzz.h"

#define FIX_CHECKSUMS	0x1
#define WINDOW		0x2
#define RSDP_V1_ONLY	0x4

struct image {
	const uint8_t *mem;
	size_t size;
	bool window;
	void *last;	/* window mode: the copy handed out last */
};

static const void *map_image(void *arg, uint64_t pa, size_t len)
{
	struct image *im = arg;

	CHECK(len > 0 && pa + (len - 1) >= pa);	/* the parser promises no wrap */
	if (pa > im->size || len > im->size - pa)
		return NULL;
	if (!im->window)
		return im->mem + pa;
	free(im->last);
	im->last = malloc(len);
	if (!im->last)
		abort();
	memcpy(im->last, im->mem + pa, len);
	return im->last;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Makes bytes [0, len) of p sum to 0 by changing the byte at csum. */
static void fix_sum(uint8_t *p, size_t len, size_t csum)
{
	uint8_t sum = 0;

	p[csum] = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	p[csum] = (uint8_t)-sum;
}

/* Fixes the checksum of the table at offset pa of the image, if it fits. */
static void fix_table(uint8_t *mem, size_t size, uint64_t pa)
{
	uint32_t len;

	if (pa > size || size - pa < ACPI_HEADER_LEN)
		return;
	len = rd32(mem + pa + 4);
	if (len >= ACPI_HEADER_LEN && len <= size - pa)
		fix_sum(mem + pa, len, 9);
}

/* Fixes the tables a root table lists, then the root, then the RSDP. */
static void fix_checksums(uint8_t *mem, size_t size)
{
	bool xsdt = size >= 36 && mem[15] >= 2 && (mem[24] | mem[25] | mem[26] | mem[27]);
	uint64_t root = size >= 20 ? (xsdt ? rd32(mem + 24) : rd32(mem + 16)) : 0;
	size_t esz = xsdt ? 8 : 4;

	if (root && root < size && size - root >= ACPI_HEADER_LEN) {
		uint32_t len = rd32(mem + root + 4);

		for (size_t off = ACPI_HEADER_LEN; off + esz <= len && root + off + esz <= size;
		     off += esz)
			fix_table(mem, size, rd32(mem + root + off));
		fix_table(mem, size, root);
	}
	if (size >= 20)
		fix_sum(mem, 20, 8);
	if (size >= 36 && mem[15] >= 2)
		fix_sum(mem, rd32(mem + 20) <= 36 && rd32(mem + 20) >= 21 ? rd32(mem + 20) : 36, 32);
}

static void check_madt(const struct acpi_madt_info *m)
{
	CHECK(m->ncpus >= 0 && m->ncpus <= ACPI_MAX_CPUS);
	CHECK(m->nioapics >= 0 && m->nioapics <= ACPI_MAX_IOAPICS);
	CHECK(m->noverrides >= 0 && m->noverrides <= ACPI_MAX_OVERRIDES);
	for (int i = 0; i < m->ncpus; i++) {
		CHECK(m->cpus[i].apic_id != 0xFFFFFFFF);
		for (int j = 0; j < i; j++)
			CHECK(m->cpus[i].apic_id != m->cpus[j].apic_id);
	}
}

/* Every ISA IRQ routes; the first override for it decides. */
static void check_routes(const struct acpi_madt_info *m)
{
	struct acpi_irq_route r;

	for (unsigned irq = 0; irq < 16; irq++) {
		uint32_t want = irq;

		CHECK(acpi_isa_irq_route(m, irq, &r) == ACPI_OK);
		for (int i = m->noverrides - 1; i >= 0; i--)
			if (m->overrides[i].bus == 0 && m->overrides[i].irq == irq)
				want = m->overrides[i].gsi;
		CHECK(r.gsi == want);
	}
	CHECK(acpi_isa_irq_route(m, 16, &r) == ACPI_E_IRQ);
}

static bool any_enabled(const struct acpi_madt_info *m)
{
	for (int i = 0; i < m->ncpus; i++)
		if (m->cpus[i].enabled)
			return true;
	return false;
}

/* A result: filled in on success and on NO_CPUS, all zero otherwise. */
static void check_result(int rc, const struct acpi_madt_info *m)
{
	static const struct acpi_madt_info zero;

	CHECK(rc <= 0 && rc >= ACPI_E_IRQ);
	CHECK(strcmp(acpi_strerror(rc), "unknown ACPI error") != 0);
	if (rc == ACPI_OK || rc == ACPI_E_NO_CPUS) {
		check_madt(m);
		CHECK(any_enabled(m) == (rc == ACPI_OK));
		check_routes(m);
	} else {
		CHECK(memcmp(m, &zero, sizeof(*m)) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi_madt_info info;
	struct image im = { 0 };
	uint8_t flags, *block, *mem;
	size_t len;
	int rc;

	if (size < 1)
		return 0;
	flags = data[0];
	len = size - 1;
	mem = fuzz_copy_unaligned(data + 1, len, &block);
	if (flags & FIX_CHECKSUMS)
		fix_checksums(mem, len);

	im = (struct image){ .mem = mem, .size = len, .window = flags & WINDOW };
	rc = acpi_load_madt(mem, len < 36 || (flags & RSDP_V1_ONLY) ? (len < 20 ? len : 20) : 36,
			    map_image, &im, &info);
	check_result(rc, &info);
	free(im.last);

	if ((flags & FIX_CHECKSUMS) && len >= ACPI_HEADER_LEN && rd32(mem + 4) >= ACPI_HEADER_LEN &&
	    rd32(mem + 4) <= len)
		fix_sum(mem, rd32(mem + 4), 9);
	rc = acpi_parse_madt(mem, len, &info);
	check_result(rc, &info);
	if (rc != ACPI_E_TABLE_SIG && rc != ACPI_E_TABLE_LEN && rc != ACPI_E_TABLE_CSUM)
		CHECK(acpi_table_check(mem, len, "APIC", NULL) == ACPI_OK);
	free(block);
	return 0;
}
