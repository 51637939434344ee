/*
 * Host unit tests for lib/acpi.c.
 *
 * The tests build RSDP, XSDT, RSDT, a dummy FACP and a MADT by hand in a
 * fake "physical memory" array and hand the parser a mapper that serves
 * ranges of that array.  The standard tables mimic what QEMU's pc machine
 * provides with -smp 4.  Tables are deliberately placed at odd addresses
 * so any unaligned access shows up under UBSan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/acpi.h"

/* ---- fake physical memory and mappers --------------------------------- */

#define PHYS_BASE	0x000E0000ull
#define PHYS_SIZE	0x20000u

#define XSDT_PA		0x000E1001ull
#define RSDT_PA		0x000E2002ull
#define FACP_PA		0x000E3000ull
#define MADT_PA		0x000E4003ull
#define SPARE_PA	0x000E8005ull	/* extra tables built by some tests */
#define SPARE2_PA	0x000EA007ull

static uint8_t phys[PHYS_SIZE];

struct mapper {
	size_t max_len;		/* if nonzero, refuse longer ranges */
	bool window;		/* hand out a fresh heap copy every call */
	bool saw_wrap;		/* was asked for a range wrapping 2^64 */
	int calls;
	void *last;		/* the current window copy */
};

/*
 * Serves [pa, pa+len) from phys[].  In window mode each call frees the
 * previous copy, so AddressSanitizer catches any parser that keeps using
 * a pointer after its next call to the mapper.
 */
static const void *test_map(void *arg, uint64_t pa, size_t len)
{
	struct mapper *m = arg;

	m->calls++;
	if (len == 0 || pa + (len - 1) < pa) {
		m->saw_wrap = true;
		return NULL;
	}
	if (m->max_len && len > m->max_len)
		return NULL;
	if (pa < PHYS_BASE || pa - PHYS_BASE > PHYS_SIZE ||
	    len > PHYS_SIZE - (pa - PHYS_BASE))
		return NULL;
	if (!m->window)
		return &phys[pa - PHYS_BASE];
	free(m->last);
	m->last = malloc(len);
	assert_non_null(m->last);
	memcpy(m->last, &phys[pa - PHYS_BASE], len);
	return m->last;
}

static void mapper_done(struct mapper *m)
{
	free(m->last);
	m->last = NULL;
}

static uint8_t *pmem(uint64_t pa)
{
	return &phys[pa - PHYS_BASE];
}

/* ---- table builders ---------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Sets p[csum] so that bytes [0, len) sum to zero. */
static void fix_sum(uint8_t *p, size_t len, size_t csum)
{
	uint8_t sum = 0;

	p[csum] = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	p[csum] = (uint8_t)-sum;
}

/* Writes a table header; the checksum is set by table_finish(). */
static void table_start(uint64_t pa, const char *sig)
{
	uint8_t *t = pmem(pa);

	memset(t, 0, ACPI_HEADER_LEN);
	memcpy(t, sig, 4);
	put32(t + 4, ACPI_HEADER_LEN);
	t[8] = 1;				/* revision */
	memcpy(t + 10, "BATON ", 6);		/* OEM id */
	memcpy(t + 16, "TESTTABL", 8);		/* OEM table id */
}

static void table_finish(uint64_t pa, uint32_t len)
{
	put32(pmem(pa) + 4, len);
	fix_sum(pmem(pa), len, 9);
}

static void table_resum(uint64_t pa)
{
	fix_sum(pmem(pa), get32(pmem(pa) + 4), 9);
}

static void build_root(uint64_t pa, bool xsdt, const uint64_t *ent, int n)
{
	size_t esz = xsdt ? 8 : 4;

	table_start(pa, xsdt ? "XSDT" : "RSDT");
	for (int i = 0; i < n; i++) {
		uint8_t *e = pmem(pa) + ACPI_HEADER_LEN + i * esz;

		if (xsdt)
			put64(e, ent[i]);
		else
			put32(e, (uint32_t)ent[i]);
	}
	table_finish(pa, (uint32_t)(ACPI_HEADER_LEN + n * esz));
}

/* The MADT under construction: entries are appended at madt_len. */
static uint64_t madt_pa;
static uint32_t madt_len;

static void madt_begin(uint64_t pa, uint32_t lapic_addr, uint32_t flags)
{
	madt_pa = pa;
	table_start(pa, "APIC");
	put32(pmem(pa) + 36, lapic_addr);
	put32(pmem(pa) + 40, flags);
	madt_len = 44;
}

static uint8_t *madt_entry(uint8_t type, uint8_t len)
{
	uint8_t *e = pmem(madt_pa) + madt_len;

	memset(e, 0, len < 2 ? 2 : len);
	e[0] = type;
	e[1] = len;
	madt_len += len;
	return e;
}

static void madt_lapic(uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	uint8_t *e = madt_entry(0, 8);

	e[2] = uid;
	e[3] = apic_id;
	put32(e + 4, flags);
}

static void madt_ioapic(uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	uint8_t *e = madt_entry(1, 12);

	e[2] = id;
	put32(e + 4, addr);
	put32(e + 8, gsi_base);
}

static void madt_iso(uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	uint8_t *e = madt_entry(2, 10);

	e[2] = bus;
	e[3] = irq;
	put32(e + 4, gsi);
	put16(e + 8, flags);
}

static void madt_nmi(uint8_t uid, uint16_t flags, uint8_t lint)
{
	uint8_t *e = madt_entry(4, 6);

	e[2] = uid;
	put16(e + 3, flags);
	e[5] = lint;
}

static void madt_lapic_override(uint64_t addr)
{
	put64(madt_entry(5, 12) + 4, addr);
}

static void madt_x2apic(uint32_t x2apic_id, uint32_t flags, uint32_t uid)
{
	uint8_t *e = madt_entry(9, 16);

	put32(e + 4, x2apic_id);
	put32(e + 8, flags);
	put32(e + 12, uid);
}

static void madt_end(void)
{
	table_finish(madt_pa, madt_len);
}

/* RSDP copies as a boot loader would hand them over. */
static uint8_t rsdp1_buf[ACPI_RSDP_V1_LEN + 1];
static uint8_t rsdp2_buf[ACPI_RSDP_V2_LEN + 1];
static uint8_t *const rsdp1 = rsdp1_buf + 1;	/* odd address on purpose */
static uint8_t *const rsdp2 = rsdp2_buf + 1;

static void build_rsdp(uint8_t *r, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	memset(r, 0, rev >= 2 ? ACPI_RSDP_V2_LEN : ACPI_RSDP_V1_LEN);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "BOCHS ", 6);
	r[15] = rev;
	put32(r + 16, rsdt);
	if (rev >= 2) {
		put32(r + 20, ACPI_RSDP_V2_LEN);
		put64(r + 24, xsdt);
		fix_sum(r, ACPI_RSDP_V2_LEN, 32);
	}
	fix_sum(r, ACPI_RSDP_V1_LEN, 8);
	if (rev >= 2)	/* the v1 checksum byte is inside the v2 range */
		fix_sum(r, ACPI_RSDP_V2_LEN, 32);
}

/* The MADT QEMU gives a 4-CPU pc machine. */
static void build_qemu_madt(uint64_t pa)
{
	madt_begin(pa, 0xFEE00000, 1);
	for (uint8_t i = 0; i < 4; i++)
		madt_lapic(i, i, 1);
	madt_ioapic(0, 0xFEC00000, 0);
	madt_iso(0, 0, 2, 0);		/* PIT: IRQ0 -> GSI2 */
	madt_iso(0, 9, 9, 0x000D);	/* SCI: active high, level */
	madt_nmi(0xFF, 0, 1);		/* LINT1 of all CPUs is NMI */
	madt_end();
}

static void build_tables(void)
{
	const uint64_t ent[] = { FACP_PA, MADT_PA };

	memset(phys, 0, sizeof(phys));
	table_start(FACP_PA, "FACP");
	table_finish(FACP_PA, ACPI_HEADER_LEN + 8);
	build_qemu_madt(MADT_PA);
	build_root(XSDT_PA, true, ent, 2);
	build_root(RSDT_PA, false, ent, 2);
	build_rsdp(rsdp1, 0, (uint32_t)RSDT_PA, 0);
	build_rsdp(rsdp2, 2, (uint32_t)RSDT_PA, XSDT_PA);
}

static int setup(void **state)
{
	(void)state;
	build_tables();
	return 0;
}

static void check_qemu_info(const struct acpi_madt_info *info)
{
	assert_int_equal(info->lapic_addr, 0xFEE00000);
	assert_true(info->pic_present);
	assert_int_equal(info->ncpus, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(info->cpus[i].apic_id, i);
		assert_int_equal(info->cpus[i].uid, i);
		assert_true(info->cpus[i].enabled);
	}
	assert_int_equal(info->nioapics, 1);
	assert_int_equal(info->ioapics[0].id, 0);
	assert_int_equal(info->ioapics[0].addr, 0xFEC00000);
	assert_int_equal(info->ioapics[0].gsi_base, 0);
	assert_int_equal(info->noverrides, 2);
	assert_int_equal(info->overrides[0].bus, 0);
	assert_int_equal(info->overrides[0].irq, 0);
	assert_int_equal(info->overrides[0].gsi, 2);
	assert_int_equal(info->overrides[0].flags, 0);
	assert_int_equal(info->overrides[1].irq, 9);
	assert_int_equal(info->overrides[1].gsi, 9);
	assert_int_equal(info->overrides[1].flags, 0x000D);
	assert_int_equal(info->unusable_cpus, 0);
	assert_int_equal(info->skipped, 0);
}

/* ---- RSDP ------------------------------------------------------------- */

static void test_rsdp_v1(void **state)
{
	uint64_t root = 0;
	bool x = true;

	(void)state;
	assert_int_equal(acpi_rsdp_check(rsdp1, 20, &root, &x), ACPI_OK);
	assert_int_equal(root, RSDT_PA);
	assert_false(x);
}

static void test_rsdp_v2(void **state)
{
	uint64_t root = 0;
	bool x = false;

	(void)state;
	assert_int_equal(acpi_rsdp_check(rsdp2, 36, &root, &x), ACPI_OK);
	assert_int_equal(root, XSDT_PA);
	assert_true(x);
}

static void test_rsdp_v2_without_xsdt(void **state)
{
	uint64_t root = 0;
	bool x = true;

	(void)state;
	build_rsdp(rsdp2, 2, (uint32_t)RSDT_PA, 0);
	assert_int_equal(acpi_rsdp_check(rsdp2, 36, &root, &x), ACPI_OK);
	assert_int_equal(root, RSDT_PA);
	assert_false(x);
}

/* A revision 2 RSDP of which the boot loader copied only 20 bytes. */
static void test_rsdp_v2_short_copy(void **state)
{
	uint64_t root = 0;
	bool x = true;

	(void)state;
	assert_int_equal(acpi_rsdp_check(rsdp2, 20, &root, &x), ACPI_OK);
	assert_int_equal(root, RSDT_PA);
	assert_false(x);
}

static void test_rsdp_too_short(void **state)
{
	uint64_t root;
	bool x;

	(void)state;
	assert_int_equal(acpi_rsdp_check(rsdp1, 19, &root, &x),
			 ACPI_E_RSDP_LEN);
	assert_int_equal(acpi_rsdp_check(rsdp1, 0, &root, &x),
			 ACPI_E_RSDP_LEN);
}

static void test_rsdp_bad_signature(void **state)
{
	uint64_t root;
	bool x;

	(void)state;
	rsdp1[7] = '_';
	fix_sum(rsdp1, 20, 8);
	assert_int_equal(acpi_rsdp_check(rsdp1, 20, &root, &x),
			 ACPI_E_RSDP_SIG);
}

static void test_rsdp_bad_checksum(void **state)
{
	uint64_t root;
	bool x;

	(void)state;
	rsdp1[8]++;
	assert_int_equal(acpi_rsdp_check(rsdp1, 20, &root, &x),
			 ACPI_E_RSDP_CSUM);
	/* The v1 checksum is checked for revision 2 too: break it while
	 * keeping the extended checksum intact. */
	rsdp2[8]++;
	rsdp2[33]--;
	assert_int_equal(acpi_rsdp_check(rsdp2, 36, &root, &x),
			 ACPI_E_RSDP_CSUM);
}

static void test_rsdp_bad_ext_checksum(void **state)
{
	uint64_t root;
	bool x;

	(void)state;
	rsdp2[33]++;	/* reserved byte: only the extended sum covers it */
	assert_int_equal(acpi_rsdp_check(rsdp2, 36, &root, &x),
			 ACPI_E_RSDP_XCSUM);
}

static void test_rsdp_bad_length_field(void **state)
{
	uint64_t root;
	bool x;

	(void)state;
	put32(rsdp2 + 20, 35);
	fix_sum(rsdp2, 36, 32);
	assert_int_equal(acpi_rsdp_check(rsdp2, 36, &root, &x),
			 ACPI_E_RSDP_LEN);
	put32(rsdp2 + 20, 40);	/* longer than what the caller has */
	fix_sum(rsdp2, 36, 32);
	assert_int_equal(acpi_rsdp_check(rsdp2, 36, &root, &x),
			 ACPI_E_RSDP_LEN);
	put32(rsdp2 + 20, 0xFFFFFFFF);
	fix_sum(rsdp2, 36, 32);
	assert_int_equal(acpi_rsdp_check(rsdp2, 36, &root, &x),
			 ACPI_E_RSDP_LEN);
}

static void test_rsdp_no_root(void **state)
{
	uint64_t root;
	bool x;

	(void)state;
	build_rsdp(rsdp1, 0, 0, 0);
	assert_int_equal(acpi_rsdp_check(rsdp1, 20, &root, &x),
			 ACPI_E_NO_ROOT);
	build_rsdp(rsdp2, 2, 0, 0);
	assert_int_equal(acpi_rsdp_check(rsdp2, 36, &root, &x),
			 ACPI_E_NO_ROOT);
}

static void test_rsdp_null_args(void **state)
{
	uint64_t root;
	bool x;

	(void)state;
	assert_int_equal(acpi_rsdp_check(NULL, 20, &root, &x), ACPI_E_INVAL);
	assert_int_equal(acpi_rsdp_check(rsdp1, 20, NULL, &x), ACPI_E_INVAL);
	assert_int_equal(acpi_rsdp_check(rsdp1, 20, &root, NULL),
			 ACPI_E_INVAL);
}

/* ---- RSDT / XSDT ------------------------------------------------------ */

static void test_find_in_xsdt_and_rsdt(void **state)
{
	struct mapper m = { 0 };
	uint64_t pa = 0;

	(void)state;
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_OK);
	assert_int_equal(pa, MADT_PA);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "FACP",
					 &pa), ACPI_OK);
	assert_int_equal(pa, FACP_PA);
	assert_int_equal(acpi_find_table(test_map, &m, RSDT_PA, false, "APIC",
					 &pa), ACPI_OK);
	assert_int_equal(pa, MADT_PA);
	assert_int_equal(acpi_find_table(test_map, &m, RSDT_PA, false, "HPET",
					 &pa), ACPI_E_NOT_FOUND);
	assert_false(m.saw_wrap);
}

static void test_find_null_args(void **state)
{
	struct mapper m = { 0 };
	uint64_t pa;

	(void)state;
	assert_int_equal(acpi_find_table(NULL, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_E_INVAL);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, NULL,
					 &pa), ACPI_E_INVAL);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 NULL), ACPI_E_INVAL);
}

static void test_find_root_unmappable(void **state)
{
	struct mapper m = { 0 };
	uint64_t pa;

	(void)state;
	assert_int_equal(acpi_find_table(test_map, &m, 0x1000, true, "APIC",
					 &pa), ACPI_E_MAP);
	/* Header fits in fake memory, the rest does not. */
	table_start(PHYS_BASE + PHYS_SIZE - 40, "XSDT");
	put32(pmem(PHYS_BASE + PHYS_SIZE - 40) + 4, 48);
	assert_int_equal(acpi_find_table(test_map, &m,
					 PHYS_BASE + PHYS_SIZE - 40, true,
					 "APIC", &pa), ACPI_E_MAP);
}

static void test_find_root_wrong_signature(void **state)
{
	struct mapper m = { 0 };
	uint64_t pa;

	(void)state;
	assert_int_equal(acpi_find_table(test_map, &m, RSDT_PA, true, "APIC",
					 &pa), ACPI_E_TABLE_SIG);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, false, "APIC",
					 &pa), ACPI_E_TABLE_SIG);
}

static void test_find_root_bad_checksum(void **state)
{
	struct mapper m = { 0 };
	uint64_t pa;

	(void)state;
	pmem(XSDT_PA)[9]++;
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_E_TABLE_CSUM);
}

static void test_find_root_bad_length(void **state)
{
	struct mapper m = { 0 };
	uint64_t pa;

	(void)state;
	table_finish(XSDT_PA, 35);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_E_TABLE_LEN);
	put32(pmem(XSDT_PA) + 4, ACPI_MAX_TABLE_LEN + 1);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_E_TABLE_LEN);
	put32(pmem(XSDT_PA) + 4, 0xFFFFFFFF);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_E_TABLE_LEN);
	/* Sane length, but more than the mapper is willing to map. */
	table_finish(XSDT_PA, 52);
	m.max_len = 48;
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_E_MAP);
}

/* Addresses so high that pa + len wraps must never reach the mapper. */
static void test_find_address_overflow(void **state)
{
	struct mapper m = { 0 };
	const uint64_t ent[] = { UINT64_MAX - 10, UINT64_MAX, MADT_PA };
	uint64_t pa = 0;

	(void)state;
	assert_int_equal(acpi_find_table(test_map, &m, UINT64_MAX - 10, true,
					 "APIC", &pa), ACPI_E_MAP);
	assert_int_equal(acpi_find_table(test_map, &m, UINT64_MAX, true,
					 "APIC", &pa), ACPI_E_MAP);
	build_root(XSDT_PA, true, ent, 3);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_OK);
	assert_int_equal(pa, MADT_PA);
	assert_false(m.saw_wrap);
}

/* A root length that is not a whole number of entries is rounded down. */
static void test_find_partial_entry(void **state)
{
	struct mapper m = { 0 };
	uint64_t pa = 0;

	(void)state;
	/* XSDT with two entries and 4 stray bytes: MADT still found. */
	table_finish(XSDT_PA, ACPI_HEADER_LEN + 2 * 8 + 4);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_OK);
	assert_int_equal(pa, MADT_PA);
	/* XSDT cut off in the middle of its MADT entry: not found. */
	table_finish(XSDT_PA, ACPI_HEADER_LEN + 8 + 7);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_E_NOT_FOUND);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "FACP",
					 &pa), ACPI_OK);
	/* Same for the RSDT with 4-byte entries. */
	table_finish(RSDT_PA, ACPI_HEADER_LEN + 2 * 4 + 2);
	assert_int_equal(acpi_find_table(test_map, &m, RSDT_PA, false, "APIC",
					 &pa), ACPI_OK);
	table_finish(RSDT_PA, ACPI_HEADER_LEN + 4 + 3);
	assert_int_equal(acpi_find_table(test_map, &m, RSDT_PA, false, "APIC",
					 &pa), ACPI_E_NOT_FOUND);
	/* An empty root table is valid and contains nothing. */
	table_finish(RSDT_PA, ACPI_HEADER_LEN);
	assert_int_equal(acpi_find_table(test_map, &m, RSDT_PA, false, "APIC",
					 &pa), ACPI_E_NOT_FOUND);
}

/* Null, unmappable and corrupt candidates are skipped. */
static void test_find_skips_bad_tables(void **state)
{
	struct mapper m = { 0 };
	const uint64_t ent[] = { 0, 0x1000, SPARE_PA, SPARE2_PA, MADT_PA };
	uint64_t pa = 0;

	(void)state;
	/* SPARE: an "APIC" with a bad checksum; SPARE2: too short. */
	build_qemu_madt(SPARE_PA);
	pmem(SPARE_PA)[9] ^= 0x55;
	table_start(SPARE2_PA, "APIC");
	table_finish(SPARE2_PA, 20);
	build_root(XSDT_PA, true, ent, 5);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_OK);
	assert_int_equal(pa, MADT_PA);

	/* Without the good one, the last candidate's problem is reported. */
	build_root(XSDT_PA, true, ent, 4);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_E_TABLE_LEN);
	build_root(XSDT_PA, true, ent, 3);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_E_TABLE_CSUM);
	build_root(XSDT_PA, true, ent, 2);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_E_NOT_FOUND);
}

static void test_find_table_too_long(void **state)
{
	struct mapper m = { 0 };
	uint64_t pa;

	(void)state;
	put32(pmem(MADT_PA) + 4, 2u << 20);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_E_TABLE_LEN);
	/* Sane length but beyond the end of readable memory. */
	put32(pmem(MADT_PA) + 4, PHYS_SIZE);
	assert_int_equal(acpi_find_table(test_map, &m, XSDT_PA, true, "APIC",
					 &pa), ACPI_E_MAP);
}

/* ---- table check ------------------------------------------------------ */

static void test_table_check(void **state)
{
	uint32_t len = 0;

	(void)state;
	assert_int_equal(acpi_table_check(pmem(MADT_PA), madt_len, "APIC",
					  &len), ACPI_OK);
	assert_int_equal(len, madt_len);
	assert_int_equal(acpi_table_check(pmem(MADT_PA), madt_len + 100,
					  NULL, NULL), ACPI_OK);
	assert_int_equal(acpi_table_check(pmem(MADT_PA), madt_len - 1, "APIC",
					  &len), ACPI_E_TABLE_LEN);
	assert_int_equal(acpi_table_check(pmem(MADT_PA), 35, "APIC", &len),
			 ACPI_E_TABLE_LEN);
	assert_int_equal(acpi_table_check(pmem(MADT_PA), madt_len, "FACP",
					  &len), ACPI_E_TABLE_SIG);
	assert_int_equal(acpi_table_check(NULL, 100, NULL, NULL),
			 ACPI_E_INVAL);
}

/* ---- MADT ------------------------------------------------------------- */

static void test_madt_qemu(void **state)
{
	struct acpi_madt_info info;

	(void)state;
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len, &info),
			 ACPI_OK);
	check_qemu_info(&info);
	/* The caller may pass more bytes than the table: fine. */
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len + 64, &info),
			 ACPI_OK);
	check_qemu_info(&info);
}

static void test_madt_bad_header(void **state)
{
	struct acpi_madt_info info;

	(void)state;
	assert_int_equal(acpi_parse_madt(NULL, madt_len, &info), ACPI_E_INVAL);
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len, NULL),
			 ACPI_E_INVAL);
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), 20, &info),
			 ACPI_E_TABLE_LEN);
	/* Length field larger than the bytes given. */
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len - 1, &info),
			 ACPI_E_TABLE_LEN);
	assert_int_equal(acpi_parse_madt(pmem(FACP_PA), 44, &info),
			 ACPI_E_TABLE_SIG);

	pmem(MADT_PA)[40] ^= 1;	/* flags changed, checksum not */
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len, &info),
			 ACPI_E_TABLE_CSUM);
	assert_int_equal(info.ncpus, 0);

	/* A valid header, but too short for the MADT's fixed fields. */
	table_finish(MADT_PA, 40);
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len, &info),
			 ACPI_E_TABLE_LEN);
}

/* An entry of length 0 or 1 stops the walk (and cannot loop forever). */
static void test_madt_entry_len_zero(void **state)
{
	struct acpi_madt_info info;

	(void)state;
	for (uint8_t bad = 0; bad < 2; bad++) {
		madt_begin(MADT_PA, 0xFEE00000, 0);
		madt_lapic(0, 0, 1);
		madt_entry(0, bad);
		madt_len += 2 - bad;	/* room so the bad entry is complete */
		madt_lapic(1, 1, 1);
		madt_end();
		assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len,
						 &info), ACPI_OK);
		assert_int_equal(info.ncpus, 1);
		assert_int_equal(info.skipped, 1);
		assert_false(info.pic_present);
	}
}

/* A known entry shorter than its type needs is stepped over. */
static void test_madt_entry_too_short(void **state)
{
	struct acpi_madt_info info;

	(void)state;
	madt_begin(MADT_PA, 0xFEE00000, 1);
	madt_entry(0, 7)[3] = 5;
	madt_lapic(0, 0, 1);
	madt_entry(1, 11);
	madt_entry(2, 9);
	madt_entry(4, 5);
	madt_entry(5, 11);
	madt_entry(9, 15);
	madt_lapic(1, 1, 1);
	madt_end();
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len, &info),
			 ACPI_OK);
	assert_int_equal(info.skipped, 6);
	assert_int_equal(info.ncpus, 2);
	assert_int_equal(info.cpus[0].apic_id, 0);
	assert_int_equal(info.cpus[1].apic_id, 1);
	assert_int_equal(info.nioapics, 0);
	assert_int_equal(info.noverrides, 0);
	assert_int_equal(info.lapic_addr, 0xFEE00000);
}

static void test_madt_entry_past_end(void **state)
{
	struct acpi_madt_info info;

	(void)state;
	madt_begin(MADT_PA, 0xFEE00000, 1);
	madt_lapic(0, 0, 1);
	madt_lapic(1, 1, 1);
	madt_end();
	/* Second entry claims 20 bytes; only 8 are left in the table. */
	pmem(MADT_PA)[44 + 8 + 1] = 20;
	table_resum(MADT_PA);
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len + 100, &info),
			 ACPI_OK);
	assert_int_equal(info.ncpus, 1);
	assert_int_equal(info.skipped, 1);
}

static void test_madt_trailing_byte(void **state)
{
	struct acpi_madt_info info;

	(void)state;
	madt_begin(MADT_PA, 0xFEE00000, 1);
	madt_lapic(0, 0, 1);
	madt_len++;
	pmem(MADT_PA)[madt_len - 1] = 0;
	madt_end();
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len, &info),
			 ACPI_OK);
	assert_int_equal(info.ncpus, 1);
	assert_int_equal(info.skipped, 1);
}

static void test_madt_too_many(void **state)
{
	struct acpi_madt_info info;

	(void)state;
	madt_begin(MADT_PA, 0xFEE00000, 1);
	for (int i = 0; i < ACPI_MAX_CPUS + 6; i++)
		madt_lapic((uint8_t)i, (uint8_t)i, 1);
	for (int i = 0; i < ACPI_MAX_IOAPICS + 1; i++)
		madt_ioapic((uint8_t)i, 0xFEC00000 + 0x1000 * i, 24 * i);
	for (int i = 0; i < ACPI_MAX_OVERRIDES + 1; i++)
		madt_iso(0, (uint8_t)i, i, 0);
	madt_end();
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len, &info),
			 ACPI_OK);
	assert_int_equal(info.ncpus, ACPI_MAX_CPUS);
	assert_int_equal(info.cpus[ACPI_MAX_CPUS - 1].apic_id,
			 ACPI_MAX_CPUS - 1);
	assert_int_equal(info.nioapics, ACPI_MAX_IOAPICS);
	assert_int_equal(info.ioapics[7].gsi_base, 7 * 24);
	assert_int_equal(info.noverrides, ACPI_MAX_OVERRIDES);
	assert_int_equal(info.skipped, 6 + 1 + 1);
}

static void test_madt_x2apic_and_addr_override(void **state)
{
	struct acpi_madt_info info;

	(void)state;
	madt_begin(MADT_PA, 0xFEE00000, 0);
	madt_lapic_override(0x1FEE00000ull);
	madt_lapic(0, 0, 1);
	madt_x2apic(0x100, 1, 1);
	madt_x2apic(0x12345678, 2, 0xABCDEF);
	madt_x2apic(0, 1, 7);		/* duplicate of the xAPIC entry */
	madt_end();
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len, &info),
			 ACPI_OK);
	assert_int_equal(info.lapic_addr, 0x1FEE00000ull);
	assert_int_equal(info.ncpus, 3);
	assert_int_equal(info.cpus[1].apic_id, 0x100);
	assert_int_equal(info.cpus[1].uid, 1);
	assert_true(info.cpus[1].enabled);
	assert_int_equal(info.cpus[2].apic_id, 0x12345678);
	assert_int_equal(info.cpus[2].uid, 0xABCDEF);
	assert_false(info.cpus[2].enabled);
	assert_int_equal(info.skipped, 1);
}

static void test_madt_disabled_and_invalid_cpus(void **state)
{
	struct acpi_madt_info info;

	(void)state;
	madt_begin(MADT_PA, 0xFEE00000, 1);
	madt_lapic(0, 0, 1);		/* enabled */
	madt_lapic(1, 1, 2);		/* online-capable only */
	madt_lapic(2, 2, 0);		/* unusable: ignored */
	madt_lapic(3, 0xFF, 1);		/* broadcast id: invalid */
	madt_x2apic(0xFFFFFFFF, 1, 4);	/* broadcast id: invalid */
	madt_x2apic(0x200, 0, 5);	/* unusable: ignored */
	madt_end();
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len, &info),
			 ACPI_OK);
	assert_int_equal(info.ncpus, 2);
	assert_true(info.cpus[0].enabled);
	assert_false(info.cpus[1].enabled);
	assert_int_equal(info.cpus[1].apic_id, 1);
	assert_int_equal(info.unusable_cpus, 2);
	assert_int_equal(info.skipped, 2);
}

static void test_madt_no_cpus(void **state)
{
	struct acpi_madt_info info;

	(void)state;
	madt_begin(MADT_PA, 0xFEE00000, 1);
	madt_ioapic(1, 0xFEC00000, 0);
	madt_end();
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len, &info),
			 ACPI_E_NO_CPUS);
	assert_int_equal(info.nioapics, 1);	/* still filled in */

	madt_lapic(0, 0, 2);	/* only an online-capable CPU */
	madt_end();
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len, &info),
			 ACPI_E_NO_CPUS);
	assert_int_equal(info.ncpus, 1);
}

/* Unknown types are ignored; entries longer than needed are accepted. */
static void test_madt_unknown_and_long_entries(void **state)
{
	struct acpi_madt_info info;
	uint8_t *e;

	(void)state;
	madt_begin(MADT_PA, 0xFEE00000, 1);
	madt_entry(0x7F, 4);
	madt_entry(3, 8);	/* NMI source: not needed */
	e = madt_entry(0, 12);
	e[2] = 9;
	e[3] = 3;
	put32(e + 4, 1);
	madt_entry(0xFF, 2);
	madt_end();
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len, &info),
			 ACPI_OK);
	assert_int_equal(info.ncpus, 1);
	assert_int_equal(info.cpus[0].apic_id, 3);
	assert_int_equal(info.cpus[0].uid, 9);
	assert_int_equal(info.skipped, 0);
}

/* ---- RSDP to MADT in one go ------------------------------------------- */

static void test_load_madt(void **state)
{
	struct acpi_madt_info info;
	struct mapper m = { 0 };

	(void)state;
	assert_int_equal(acpi_load_madt(rsdp2, 36, test_map, &m, &info),
			 ACPI_OK);
	check_qemu_info(&info);
	assert_int_equal(acpi_load_madt(rsdp1, 20, test_map, &m, &info),
			 ACPI_OK);
	check_qemu_info(&info);
	assert_false(m.saw_wrap);
}

/* Works with a mapper that invalidates its previous mapping each call. */
static void test_load_madt_window_mapper(void **state)
{
	struct acpi_madt_info info;
	struct mapper m = { .window = true };

	(void)state;
	assert_int_equal(acpi_load_madt(rsdp2, 36, test_map, &m, &info),
			 ACPI_OK);
	check_qemu_info(&info);
	assert_int_equal(acpi_load_madt(rsdp1, 20, test_map, &m, &info),
			 ACPI_OK);
	check_qemu_info(&info);
	mapper_done(&m);
}

static void test_load_madt_errors(void **state)
{
	struct acpi_madt_info info;
	struct mapper m = { 0 };
	const uint64_t ent[] = { FACP_PA };

	(void)state;
	assert_int_equal(acpi_load_madt(rsdp2, 36, NULL, &m, &info),
			 ACPI_E_INVAL);
	assert_int_equal(acpi_load_madt(rsdp2, 36, test_map, &m, NULL),
			 ACPI_E_INVAL);
	assert_int_equal(acpi_load_madt(NULL, 36, test_map, &m, &info),
			 ACPI_E_INVAL);
	rsdp2[0] = 'r';
	assert_int_equal(acpi_load_madt(rsdp2, 36, test_map, &m, &info),
			 ACPI_E_RSDP_SIG);
	assert_int_equal(info.ncpus, 0);

	build_root(RSDT_PA, false, ent, 1);
	assert_int_equal(acpi_load_madt(rsdp1, 20, test_map, &m, &info),
			 ACPI_E_NOT_FOUND);

	rsdp2[0] = 'R';
	m.max_len = 60;		/* the XSDT fits, the MADT does not */
	assert_int_equal(acpi_load_madt(rsdp2, 36, test_map, &m, &info),
			 ACPI_E_MAP);
}

/* ---- ISA IRQ routing -------------------------------------------------- */

static void test_irq_route(void **state)
{
	struct acpi_madt_info info;
	struct acpi_irq_route r;

	(void)state;
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len, &info),
			 ACPI_OK);
	assert_int_equal(acpi_isa_irq_route(&info, 0, &r), ACPI_OK);
	assert_int_equal(r.gsi, 2);
	assert_false(r.active_low);
	assert_false(r.level);
	assert_int_equal(acpi_isa_irq_route(&info, 1, &r), ACPI_OK);
	assert_int_equal(r.gsi, 1);
	assert_false(r.active_low);
	assert_false(r.level);
	assert_int_equal(acpi_isa_irq_route(&info, 9, &r), ACPI_OK);
	assert_int_equal(r.gsi, 9);
	assert_false(r.active_low);
	assert_true(r.level);
	assert_int_equal(acpi_isa_irq_route(&info, 16, &r), ACPI_E_IRQ);
	assert_int_equal(acpi_isa_irq_route(NULL, 1, &r), ACPI_E_INVAL);
	assert_int_equal(acpi_isa_irq_route(&info, 1, NULL), ACPI_E_INVAL);

	/* Active low + level; other buses and reserved values. */
	madt_begin(MADT_PA, 0xFEE00000, 1);
	madt_lapic(0, 0, 1);
	madt_iso(1, 4, 40, 0x000F);	/* not ISA: ignored */
	madt_iso(0, 4, 20, 0x000F);
	madt_iso(0, 4, 21, 0x0000);	/* second override: ignored */
	madt_iso(0, 5, 5, 0x000A);	/* reserved values: defaults */
	madt_end();
	assert_int_equal(acpi_parse_madt(pmem(MADT_PA), madt_len, &info),
			 ACPI_OK);
	assert_int_equal(acpi_isa_irq_route(&info, 4, &r), ACPI_OK);
	assert_int_equal(r.gsi, 20);
	assert_true(r.active_low);
	assert_true(r.level);
	assert_int_equal(acpi_isa_irq_route(&info, 5, &r), ACPI_OK);
	assert_int_equal(r.gsi, 5);
	assert_false(r.active_low);
	assert_false(r.level);
}

static void test_strerror(void **state)
{
	const char *unknown = acpi_strerror(-1000);

	(void)state;
	assert_non_null(unknown);
	assert_string_equal(acpi_strerror(ACPI_OK), "success");
	for (int e = ACPI_E_INVAL; e >= ACPI_E_IRQ; e--) {
		const char *s = acpi_strerror(e);

		assert_non_null(s);
		assert_string_not_equal(s, unknown);
		for (int f = ACPI_E_INVAL; f > e; f--)
			assert_string_not_equal(s, acpi_strerror(f));
	}
	assert_string_equal(acpi_strerror(1), unknown);
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

static void check_sane(int rc, const struct acpi_madt_info *info)
{
	assert_true(rc <= 0 && rc >= ACPI_E_IRQ);
	assert_in_range(info->ncpus, 0, ACPI_MAX_CPUS);
	assert_in_range(info->nioapics, 0, ACPI_MAX_IOAPICS);
	assert_in_range(info->noverrides, 0, ACPI_MAX_OVERRIDES);
	assert_true(info->skipped >= 0 && info->unusable_cpus >= 0);
	if (rc == ACPI_OK)
		assert_true(info->ncpus > 0);
}

/* Randomly corrupts n bytes in [pa, pa+span). */
static void mutate(uint64_t pa, uint32_t span, int n)
{
	for (int i = 0; i < n; i++) {
		uint32_t off = rnd() % span;

		switch (rnd() % 4) {
		case 0:
			pmem(pa)[off] = (uint8_t)rnd();
			break;
		case 1:
			pmem(pa)[off] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 2:		/* favour small lengths: 0, 1, 2 ... */
			pmem(pa)[off] = (uint8_t)(rnd() % 20);
			break;
		default:
			pmem(pa)[off] = 0xFF;
			break;
		}
	}
}

/* Resums a (mutated) table when its length field still fits memory. */
static void maybe_resum(uint64_t pa)
{
	uint32_t len = get32(pmem(pa) + 4);

	if (len >= ACPI_HEADER_LEN && len <= PHYS_SIZE - (pa - PHYS_BASE) &&
	    rnd() % 4 != 0)
		table_resum(pa);
}

static void test_fuzz_madt(void **state)
{
	struct acpi_madt_info info;
	uint32_t good_len;

	(void)state;
	rng_state = 0x6261746F6E414350ull;	/* "batonACP" */
	for (int iter = 0; iter < 20000; iter++) {
		build_tables();
		/* A richer MADT than QEMU's, to reach every entry type. */
		madt_begin(MADT_PA, 0xFEE00000, 1);
		for (uint8_t i = 0; i < 3; i++)
			madt_lapic(i, i, 1);
		madt_x2apic(0x300, 1, 3);
		madt_ioapic(0, 0xFEC00000, 0);
		madt_iso(0, 0, 2, 0);
		madt_iso(0, 9, 9, 0xD);
		madt_nmi(0xFF, 0, 1);
		madt_lapic_override(0xFEE00000);
		madt_end();
		good_len = madt_len;

		mutate(MADT_PA, good_len + 8, 1 + (int)(rnd() % 6));
		/* Often hit the length field of the header. */
		if (rnd() % 8 == 0)
			put32(pmem(MADT_PA) + 4, rnd() % (good_len + 64));
		maybe_resum(MADT_PA);

		int rc = acpi_parse_madt(pmem(MADT_PA),
					 rnd() % (good_len + 64), &info);
		check_sane(rc, &info);
		if (rc == ACPI_OK) {
			struct acpi_irq_route r;

			for (unsigned irq = 0; irq < 16; irq++)
				assert_int_equal(acpi_isa_irq_route(&info, irq,
								    &r),
						 ACPI_OK);
		}
	}
}

static void test_fuzz_load(void **state)
{
	struct acpi_madt_info info;
	struct mapper m = { .window = true };
	int ok = 0;

	(void)state;
	rng_state = 0x4D41445446555A5Aull;
	for (int iter = 0; iter < 20000; iter++) {
		uint8_t *r = rnd() % 2 ? rsdp2 : rsdp1;
		size_t rlen = r == rsdp2 ? 36 : 20;
		int rc;

		build_tables();
		switch (rnd() % 4) {
		case 0:
			for (int i = 0, n = 1 + (int)(rnd() % 3); i < n; i++)
				r[rnd() % rlen] = (uint8_t)rnd();
			if (rnd() % 2)
				fix_sum(r, 20, 8);
			if (rlen == 36 && rnd() % 2)
				fix_sum(r, 36, 32);
			break;
		case 1:
			mutate(XSDT_PA, 36 + 16, 1 + (int)(rnd() % 4));
			maybe_resum(XSDT_PA);
			break;
		case 2:
			mutate(RSDT_PA, 36 + 8, 1 + (int)(rnd() % 4));
			maybe_resum(RSDT_PA);
			break;
		default:
			mutate(MADT_PA, madt_len, 1 + (int)(rnd() % 6));
			maybe_resum(MADT_PA);
			break;
		}
		m.max_len = rnd() % 8 == 0 ? rnd() % 200 : 0;
		rc = acpi_load_madt(r, rlen, test_map, &m, &info);
		check_sane(rc, &info);
		ok += rc == ACPI_OK;
		assert_false(m.saw_wrap);
	}
	mapper_done(&m);
	/* Sanity check of the fuzzer itself: some inputs still parse. */
	assert_true(ok > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_rsdp_v1, setup),
		cmocka_unit_test_setup(test_rsdp_v2, setup),
		cmocka_unit_test_setup(test_rsdp_v2_without_xsdt, setup),
		cmocka_unit_test_setup(test_rsdp_v2_short_copy, setup),
		cmocka_unit_test_setup(test_rsdp_too_short, setup),
		cmocka_unit_test_setup(test_rsdp_bad_signature, setup),
		cmocka_unit_test_setup(test_rsdp_bad_checksum, setup),
		cmocka_unit_test_setup(test_rsdp_bad_ext_checksum, setup),
		cmocka_unit_test_setup(test_rsdp_bad_length_field, setup),
		cmocka_unit_test_setup(test_rsdp_no_root, setup),
		cmocka_unit_test_setup(test_rsdp_null_args, setup),
		cmocka_unit_test_setup(test_find_in_xsdt_and_rsdt, setup),
		cmocka_unit_test_setup(test_find_null_args, setup),
		cmocka_unit_test_setup(test_find_root_unmappable, setup),
		cmocka_unit_test_setup(test_find_root_wrong_signature, setup),
		cmocka_unit_test_setup(test_find_root_bad_checksum, setup),
		cmocka_unit_test_setup(test_find_root_bad_length, setup),
		cmocka_unit_test_setup(test_find_address_overflow, setup),
		cmocka_unit_test_setup(test_find_partial_entry, setup),
		cmocka_unit_test_setup(test_find_skips_bad_tables, setup),
		cmocka_unit_test_setup(test_find_table_too_long, setup),
		cmocka_unit_test_setup(test_table_check, setup),
		cmocka_unit_test_setup(test_madt_qemu, setup),
		cmocka_unit_test_setup(test_madt_bad_header, setup),
		cmocka_unit_test_setup(test_madt_entry_len_zero, setup),
		cmocka_unit_test_setup(test_madt_entry_too_short, setup),
		cmocka_unit_test_setup(test_madt_entry_past_end, setup),
		cmocka_unit_test_setup(test_madt_trailing_byte, setup),
		cmocka_unit_test_setup(test_madt_too_many, setup),
		cmocka_unit_test_setup(test_madt_x2apic_and_addr_override,
				       setup),
		cmocka_unit_test_setup(test_madt_disabled_and_invalid_cpus,
				       setup),
		cmocka_unit_test_setup(test_madt_no_cpus, setup),
		cmocka_unit_test_setup(test_madt_unknown_and_long_entries,
				       setup),
		cmocka_unit_test_setup(test_load_madt, setup),
		cmocka_unit_test_setup(test_load_madt_window_mapper, setup),
		cmocka_unit_test_setup(test_load_madt_errors, setup),
		cmocka_unit_test_setup(test_irq_route, setup),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_fuzz_madt),
		cmocka_unit_test(test_fuzz_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
