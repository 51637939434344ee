/*
 * ACPI table parsing: RSDP, RSDT/XSDT and the MADT.  See lib/acpi.h.
 *
 * Firmware tables are packed byte structures at arbitrary alignment, so
 * rather than overlaying C structs on them, fields are read byte by byte
 * with the little-endian helpers below at the offsets the ACPI
 * specification gives.  Every length comes from firmware and is checked
 * before it is used to index anything.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/acpi.h"
#include "lib/string.h"

/* Offsets into the RSDP. */
#define RSDP_SIGNATURE	0	/* "RSD PTR " */
#define RSDP_REVISION	15	/* 0 = ACPI 1.0, 2 = ACPI 2.0 and later */
#define RSDP_RSDT_ADDR	16	/* u32 */
#define RSDP_LENGTH	20	/* u32, revision 2+ only */
#define RSDP_XSDT_ADDR	24	/* u64, revision 2+ only */

/* Offsets into the header every other table starts with. */
#define HDR_SIGNATURE	0	/* 4 characters, e.g. "APIC" */
#define HDR_LENGTH	4	/* u32, whole table including the header */

/* The MADT: the header, two fixed fields, then variable-length entries. */
#define MADT_LAPIC_ADDR	36	/* u32 */
#define MADT_FLAGS	40	/* u32 */
#define MADT_ENTRIES	44
#define MADT_PCAT_COMPAT	0x1

/* MADT entry types.  Every entry starts with a type byte and a length. */
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_OVERRIDE		2
#define MADT_LAPIC_NMI		4
#define MADT_LAPIC_ADDR_OVR	5
#define MADT_X2APIC		9

/* Processor entry flags. */
#define CPU_ENABLED		0x1
#define CPU_ONLINE_CAPABLE	0x2

/* Little-endian reads from unaligned firmware bytes. */
static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* ACPI checksums: all bytes of the structure add up to 0 modulo 256. */
static bool checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

/* Calls the mapper, refusing ranges that wrap past 2^64 - 1. */
static const uint8_t *map_range(acpi_map_fn map, void *arg, uint64_t pa,
				size_t len)
{
	if (len == 0 || pa > UINT64_MAX - (len - 1))
		return NULL;
	return map(arg, pa, len);
}

const char *acpi_strerror(int err)
{
	switch (err) {
	case ACPI_OK:		return "success";
	case ACPI_E_INVAL:	return "invalid argument";
	case ACPI_E_RSDP_LEN:	return "RSDP too short or bad RSDP length";
	case ACPI_E_RSDP_SIG:	return "bad RSDP signature";
	case ACPI_E_RSDP_CSUM:	return "bad RSDP checksum";
	case ACPI_E_RSDP_XCSUM:	return "bad RSDP extended checksum";
	case ACPI_E_NO_ROOT:	return "RSDP has no RSDT or XSDT address";
	case ACPI_E_MAP:	return "ACPI table not mappable";
	case ACPI_E_TABLE_LEN:	return "bad ACPI table length";
	case ACPI_E_TABLE_CSUM:	return "bad ACPI table checksum";
	case ACPI_E_TABLE_SIG:	return "unexpected ACPI table signature";
	case ACPI_E_NOT_FOUND:	return "ACPI table not found";
	case ACPI_E_NO_CPUS:	return "MADT lists no usable processor";
	case ACPI_E_IRQ:	return "not an ISA IRQ (0-15)";
	default:		return "unknown ACPI error";
	}
}

int acpi_rsdp_check(const void *rsdp, size_t len, uint64_t *root_pa,
		    bool *is_xsdt)
{
	const uint8_t *p = rsdp;

	if (!rsdp || !root_pa || !is_xsdt)
		return ACPI_E_INVAL;
	if (len < ACPI_RSDP_V1_LEN)
		return ACPI_E_RSDP_LEN;
	if (memcmp(p + RSDP_SIGNATURE, "RSD PTR ", 8) != 0)
		return ACPI_E_RSDP_SIG;
	/* The 1.0 checksum covers the first 20 bytes at every revision. */
	if (!checksum_ok(p, ACPI_RSDP_V1_LEN))
		return ACPI_E_RSDP_CSUM;

	/*
	 * Revision 2 added a length, the XSDT address and a second checksum
	 * over the whole structure.  If the caller only has the first 20
	 * bytes (an "old RSDP" multiboot2 tag), fall back to the RSDT.
	 */
	if (p[RSDP_REVISION] >= 2 && len >= ACPI_RSDP_V2_LEN) {
		uint32_t xlen = rd32(p + RSDP_LENGTH);
		uint64_t xsdt = rd64(p + RSDP_XSDT_ADDR);

		if (xlen < ACPI_RSDP_V2_LEN || xlen > len)
			return ACPI_E_RSDP_LEN;
		if (!checksum_ok(p, xlen))
			return ACPI_E_RSDP_XCSUM;
		if (xsdt != 0) {
			*root_pa = xsdt;
			*is_xsdt = true;
			return ACPI_OK;
		}
	}

	if (rd32(p + RSDP_RSDT_ADDR) == 0)
		return ACPI_E_NO_ROOT;
	*root_pa = rd32(p + RSDP_RSDT_ADDR);
	*is_xsdt = false;
	return ACPI_OK;
}

int acpi_table_check(const void *table, size_t len, const char *sig,
		     uint32_t *table_len)
{
	const uint8_t *p = table;
	uint32_t tlen;

	if (!table)
		return ACPI_E_INVAL;
	if (len < ACPI_HEADER_LEN)
		return ACPI_E_TABLE_LEN;
	if (sig && memcmp(p + HDR_SIGNATURE, sig, 4) != 0)
		return ACPI_E_TABLE_SIG;
	tlen = rd32(p + HDR_LENGTH);
	if (tlen < ACPI_HEADER_LEN || tlen > len || tlen > ACPI_MAX_TABLE_LEN)
		return ACPI_E_TABLE_LEN;
	if (!checksum_ok(p, tlen))
		return ACPI_E_TABLE_CSUM;
	if (table_len)
		*table_len = tlen;
	return ACPI_OK;
}

/*
 * Maps the table at pa in two steps (header to learn the length, then the
 * whole table) and validates it.  On success *tp points at the table.
 */
static int map_table(acpi_map_fn map, void *arg, uint64_t pa, const char *sig,
		     const uint8_t **tp, uint32_t *lenp)
{
	const uint8_t *t;
	uint32_t len;
	int rc;

	t = map_range(map, arg, pa, ACPI_HEADER_LEN);
	if (!t)
		return ACPI_E_MAP;
	if (sig && memcmp(t + HDR_SIGNATURE, sig, 4) != 0)
		return ACPI_E_TABLE_SIG;
	len = rd32(t + HDR_LENGTH);
	if (len < ACPI_HEADER_LEN || len > ACPI_MAX_TABLE_LEN)
		return ACPI_E_TABLE_LEN;

	t = map_range(map, arg, pa, len);
	if (!t)
		return ACPI_E_MAP;
	/* Check again what we now see through the new mapping. */
	rc = acpi_table_check(t, len, sig, lenp);
	if (rc == ACPI_OK)
		*tp = t;
	return rc;
}

/* Reads pointer number i of the RSDT/XSDT; 0 if it cannot be read. */
static uint64_t root_entry(acpi_map_fn map, void *arg, uint64_t root_pa,
			   bool is_xsdt, uint32_t i)
{
	size_t esz = is_xsdt ? 8 : 4;
	const uint8_t *e;

	/* Re-mapped every time: the mapper may reuse one window. */
	e = map_range(map, arg, root_pa + ACPI_HEADER_LEN + i * esz, esz);
	if (!e)
		return 0;
	return is_xsdt ? rd64(e) : rd32(e);
}

int acpi_find_table(acpi_map_fn map, void *arg, uint64_t root_pa,
		    bool is_xsdt, const char sig[4], uint64_t *table_pa)
{
	const uint8_t *root;
	uint32_t root_len, n;
	int rc, result = ACPI_E_NOT_FOUND;

	if (!map || !sig || !table_pa)
		return ACPI_E_INVAL;
	rc = map_table(map, arg, root_pa, is_xsdt ? "XSDT" : "RSDT", &root,
		       &root_len);
	if (rc != ACPI_OK)
		return rc;

	/*
	 * The entries fill the rest of the table.  A length that leaves a
	 * partial entry at the end is a firmware bug; like other kernels we
	 * round down and ignore the stray bytes.  root_pa + root_len did not
	 * wrap (map_table checked), so no entry address below can wrap.
	 */
	n = (root_len - ACPI_HEADER_LEN) / (is_xsdt ? 8 : 4);

	for (uint32_t i = 0; i < n; i++) {
		uint64_t pa = root_entry(map, arg, root_pa, is_xsdt, i);
		const uint8_t *hdr, *t;
		uint32_t len;

		if (pa == 0)
			continue;
		/* Only validate tables that claim the wanted signature. */
		hdr = map_range(map, arg, pa, ACPI_HEADER_LEN);
		if (!hdr || memcmp(hdr + HDR_SIGNATURE, sig, 4) != 0)
			continue;
		rc = map_table(map, arg, pa, sig, &t, &len);
		if (rc == ACPI_OK) {
			*table_pa = pa;
			return ACPI_OK;
		}
		result = rc;	/* remember why a candidate was rejected */
	}
	return result;
}

/* Smallest valid length of each MADT entry type we read. */
static unsigned madt_entry_min_len(uint8_t type)
{
	switch (type) {
	case MADT_LAPIC:		return 8;
	case MADT_IOAPIC:		return 12;
	case MADT_OVERRIDE:		return 10;
	case MADT_LAPIC_NMI:		return 6;
	case MADT_LAPIC_ADDR_OVR:	return 12;
	case MADT_X2APIC:		return 16;
	default:			return 2;	/* type and length */
	}
}

/*
 * Records one processor.  A processor that is neither enabled nor
 * online-capable is unusable and the OS must ignore it (QEMU lists such
 * entries for CPUs it could hot-plug later).
 */
static void madt_add_cpu(struct acpi_madt_info *out, uint32_t apic_id,
			 uint32_t uid, uint32_t flags, uint32_t invalid_id)
{
	if (!(flags & (CPU_ENABLED | CPU_ONLINE_CAPABLE))) {
		out->unusable_cpus++;
		return;
	}
	/* 0xFF (xAPIC) and 0xFFFFFFFF (x2APIC) are broadcast ids. */
	if (apic_id == invalid_id || out->ncpus == ACPI_MAX_CPUS) {
		out->skipped++;
		return;
	}
	/* Firmware may list a CPU twice (as both xAPIC and x2APIC). */
	for (int i = 0; i < out->ncpus; i++) {
		if (out->cpus[i].apic_id == apic_id) {
			out->skipped++;
			return;
		}
	}
	out->cpus[out->ncpus].apic_id = apic_id;
	out->cpus[out->ncpus].uid = uid;
	out->cpus[out->ncpus].enabled = flags & CPU_ENABLED;
	out->ncpus++;
}

static void madt_add_ioapic(struct acpi_madt_info *out, const uint8_t *e)
{
	struct acpi_ioapic *io;

	if (out->nioapics == ACPI_MAX_IOAPICS) {
		out->skipped++;
		return;
	}
	io = &out->ioapics[out->nioapics++];
	io->id = e[2];
	io->addr = rd32(e + 4);
	io->gsi_base = rd32(e + 8);
}

static void madt_add_override(struct acpi_madt_info *out, const uint8_t *e)
{
	struct acpi_override *o;

	if (out->noverrides == ACPI_MAX_OVERRIDES) {
		out->skipped++;
		return;
	}
	o = &out->overrides[out->noverrides++];
	o->bus = e[2];
	o->irq = e[3];
	o->gsi = rd32(e + 4);
	o->flags = rd16(e + 8);
}

/* Handles one entry whose length is known to be at least its minimum. */
static void madt_entry(struct acpi_madt_info *out, const uint8_t *e)
{
	switch (e[0]) {
	case MADT_LAPIC:	/* acpi uid, apic id (bytes), flags (u32) */
		madt_add_cpu(out, e[3], e[2], rd32(e + 4), 0xFF);
		break;
	case MADT_X2APIC:	/* reserved u16, x2apic id, flags, uid */
		madt_add_cpu(out, rd32(e + 4), rd32(e + 12), rd32(e + 8),
			     0xFFFFFFFF);
		break;
	case MADT_IOAPIC:
		madt_add_ioapic(out, e);
		break;
	case MADT_OVERRIDE:
		madt_add_override(out, e);
		break;
	case MADT_LAPIC_ADDR_OVR:	/* 64-bit address replaces the u32 */
		out->lapic_addr = rd64(e + 4);
		break;
	default:	/* NMI wiring and other types: not needed */
		break;
	}
}

static bool any_enabled_cpu(const struct acpi_madt_info *info)
{
	for (int i = 0; i < info->ncpus; i++)
		if (info->cpus[i].enabled)
			return true;
	return false;
}

int acpi_parse_madt(const void *madt, size_t len, struct acpi_madt_info *out)
{
	const uint8_t *p = madt;
	uint32_t tlen, off;
	int rc;

	if (!madt || !out)
		return ACPI_E_INVAL;
	memset(out, 0, sizeof(*out));
	rc = acpi_table_check(madt, len, "APIC", &tlen);
	if (rc != ACPI_OK)
		return rc;
	if (tlen < MADT_ENTRIES)
		return ACPI_E_TABLE_LEN;

	out->lapic_addr = rd32(p + MADT_LAPIC_ADDR);
	out->pic_present = rd32(p + MADT_FLAGS) & MADT_PCAT_COMPAT;

	/*
	 * Walk the entries.  An entry shorter than 2 bytes would never let
	 * the walk advance, and one that runs past the end cannot be trusted,
	 * so both end the walk.  A known entry that is merely too short for
	 * its type is skipped; longer entries are fine (later ACPI versions
	 * may append fields).
	 */
	for (off = MADT_ENTRIES; off < tlen; ) {
		const uint8_t *e = p + off;
		uint32_t elen;

		if (tlen - off < 2) {
			out->skipped++;	/* a stray byte at the end */
			break;
		}
		elen = e[1];
		if (elen < 2 || elen > tlen - off) {
			out->skipped++;
			break;
		}
		if (elen < madt_entry_min_len(e[0]))
			out->skipped++;
		else
			madt_entry(out, e);
		off += elen;
	}

	return any_enabled_cpu(out) ? ACPI_OK : ACPI_E_NO_CPUS;
}

int acpi_load_madt(const void *rsdp, size_t rsdp_len, acpi_map_fn map,
		   void *arg, struct acpi_madt_info *out)
{
	uint64_t root_pa, madt_pa;
	bool is_xsdt;
	const uint8_t *madt;
	uint32_t madt_len;
	int rc;

	if (!map || !out)
		return ACPI_E_INVAL;
	memset(out, 0, sizeof(*out));
	rc = acpi_rsdp_check(rsdp, rsdp_len, &root_pa, &is_xsdt);
	if (rc != ACPI_OK)
		return rc;
	rc = acpi_find_table(map, arg, root_pa, is_xsdt, "APIC", &madt_pa);
	if (rc != ACPI_OK)
		return rc;
	rc = map_table(map, arg, madt_pa, "APIC", &madt, &madt_len);
	if (rc != ACPI_OK)
		return rc;
	return acpi_parse_madt(madt, madt_len, out);
}

int acpi_isa_irq_route(const struct acpi_madt_info *info, unsigned irq,
		       struct acpi_irq_route *route)
{
	if (!info || !route)
		return ACPI_E_INVAL;
	if (irq > 15)
		return ACPI_E_IRQ;

	/* ISA defaults: same number, active high, edge triggered. */
	route->gsi = irq;
	route->active_low = false;
	route->level = false;

	for (int i = 0; i < info->noverrides; i++) {
		const struct acpi_override *o = &info->overrides[i];

		if (o->bus != 0 || o->irq != irq)
			continue;
		route->gsi = o->gsi;
		/* "Conforms to bus" and reserved values keep the defaults. */
		route->active_low = (o->flags & ACPI_INTI_POLARITY_MASK) ==
				    ACPI_INTI_POLARITY_LOW;
		route->level = (o->flags & ACPI_INTI_TRIGGER_MASK) ==
			       ACPI_INTI_TRIGGER_LEVEL;
		break;	/* the first override for an IRQ wins */
	}
	return ACPI_OK;
}
