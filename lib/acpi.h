/*
 * ACPI table parsing: just enough to find the CPUs and I/O APICs of an
 * SMP machine.
 *
 * Firmware leaves a chain of tables in physical memory:
 *
 *   RSDP --> RSDT (32-bit pointers) or XSDT (64-bit pointers)
 *              --> "APIC" (the MADT), "FACP", "HPET", ...
 *
 * The RSDP is usually handed to the kernel by the boot loader (multiboot2
 * tags 14 and 15 carry a copy of it), so acpi_rsdp_check() takes a plain
 * pointer.  Every other table is reached through a physical address, and
 * this code never dereferences a physical address itself: the caller passes
 * an acpi_map_fn that turns (physical address, length) into a readable
 * pointer, or refuses.  That keeps the parser usable both in the kernel
 * (through its direct map) and in host unit tests (a fake memory array).
 *
 * Everything read from firmware is treated as untrusted input: lengths,
 * checksums and entry sizes are all checked, and the tables may sit at any
 * alignment.
 */
#ifndef LIB_ACPI_H
#define LIB_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Returns a pointer through which len bytes at physical address pa can be
 * read, or NULL if that range is not readable.  The parser uses a pointer
 * only until its next call to the mapper, so a mapper with one temporary
 * mapping window is fine.  The parser never asks for a range that wraps
 * around the end of the 64-bit address space.
 */
typedef const void *(*acpi_map_fn)(void *arg, uint64_t pa, size_t len);

/* Error codes (all negative; 0 means success).  See acpi_strerror(). */
enum {
	ACPI_OK = 0,
	ACPI_E_INVAL = -1,	/* NULL pointer or bad argument */
	ACPI_E_RSDP_LEN = -2,	/* RSDP too short, or bad length field */
	ACPI_E_RSDP_SIG = -3,	/* RSDP does not start with "RSD PTR " */
	ACPI_E_RSDP_CSUM = -4,	/* RSDP checksum (first 20 bytes) wrong */
	ACPI_E_RSDP_XCSUM = -5,	/* RSDP extended checksum wrong */
	ACPI_E_NO_ROOT = -6,	/* RSDP gives neither RSDT nor XSDT */
	ACPI_E_MAP = -7,	/* mapper could not map a table */
	ACPI_E_TABLE_LEN = -8,	/* table length field out of range */
	ACPI_E_TABLE_CSUM = -9,	/* table checksum wrong */
	ACPI_E_TABLE_SIG = -10,	/* table has an unexpected signature */
	ACPI_E_NOT_FOUND = -11,	/* no table with that signature */
	ACPI_E_NO_CPUS = -12,	/* MADT lists no usable processor */
	ACPI_E_IRQ = -13,	/* not an ISA IRQ number (0-15) */
};

/* A clear one-line description of an ACPI_E_* code. */
const char *acpi_strerror(int err);

/* Sizes fixed by the ACPI specification. */
#define ACPI_RSDP_V1_LEN	20
#define ACPI_RSDP_V2_LEN	36
#define ACPI_HEADER_LEN		36		/* common table header */
#define ACPI_MAX_TABLE_LEN	(1u << 20)	/* sanity bound: 1 MiB */

/*
 * Checks the RSDP copy at (rsdp, len): signature, checksum, and for
 * revision 2+ the length field and extended checksum.  On success sets
 * *root_pa to the XSDT (*is_xsdt = true) when the RSDP is revision 2+ and
 * has a nonzero XSDT address, otherwise to the RSDT (*is_xsdt = false).
 * A revision 2+ RSDP of which only the first 20 bytes were supplied is
 * accepted and its RSDT is used.
 */
int acpi_rsdp_check(const void *rsdp, size_t len, uint64_t *root_pa,
		    bool *is_xsdt);

/*
 * Checks a whole table already in memory: at least a header's worth of
 * bytes, a length field between ACPI_HEADER_LEN and both len and
 * ACPI_MAX_TABLE_LEN, and a checksum that sums to zero.  sig, if not NULL,
 * must match the table's 4-byte signature.  On success *table_len (if not
 * NULL) is the table's own length field.
 */
int acpi_table_check(const void *table, size_t len, const char *sig,
		     uint32_t *table_len);

/*
 * Looks up the first valid table with signature sig (4 characters, e.g.
 * "APIC") in the RSDT/XSDT at root_pa and sets *table_pa.  Tables that
 * cannot be mapped, have a bad length or a bad checksum are skipped.
 * Returns ACPI_E_NOT_FOUND if nothing matched, or the reason the last
 * matching-but-broken table was rejected, if there was one.
 */
int acpi_find_table(acpi_map_fn map, void *arg, uint64_t root_pa,
		    bool is_xsdt, const char sig[4], uint64_t *table_pa);

/* What the MADT tells an SMP kernel. */
#define ACPI_MAX_CPUS		64
#define ACPI_MAX_IOAPICS	8
#define ACPI_MAX_OVERRIDES	16

struct acpi_cpu {
	uint32_t apic_id;	/* local APIC (or x2APIC) id: the IPI target */
	uint32_t uid;		/* ACPI processor uid */
	bool enabled;		/* usable now; else only online-capable */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t addr;		/* physical address of its registers */
	uint32_t gsi_base;	/* first global system interrupt it serves */
};

/* "ISA IRQ irq is wired to GSI gsi", with MPS INTI polarity/trigger flags. */
struct acpi_override {
	uint8_t bus, irq;
	uint32_t gsi;
	uint16_t flags;
};

/* MPS INTI flags of an interrupt source override. */
#define ACPI_INTI_POLARITY_MASK		0x3
#define ACPI_INTI_POLARITY_CONFORM	0x0	/* bus default */
#define ACPI_INTI_POLARITY_HIGH		0x1
#define ACPI_INTI_POLARITY_LOW		0x3
#define ACPI_INTI_TRIGGER_MASK		0xC
#define ACPI_INTI_TRIGGER_CONFORM	0x0	/* bus default */
#define ACPI_INTI_TRIGGER_EDGE		0x4
#define ACPI_INTI_TRIGGER_LEVEL		0xC

struct acpi_madt_info {
	uint64_t lapic_addr;	/* physical address of the local APICs */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	int ncpus;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	int nioapics;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	int noverrides;
	bool pic_present;	/* MADT flags bit 0: PCAT_COMPAT (8259s) */
	int unusable_cpus;	/* processors neither enabled nor online-capable */
	int skipped;		/* malformed, duplicate or excess entries */
};

/*
 * Parses the MADT at (madt, len), checking its signature, length and
 * checksum first.  Entry types 0 (local APIC), 1 (I/O APIC), 2 (interrupt
 * source override), 5 (local APIC address override) and 9 (local x2APIC)
 * are recorded; other types are ignored.  Malformed entries are counted in
 * out->skipped: a too-short entry of a known type is stepped over, while
 * an entry whose length is below 2 or runs past the table's end stops the
 * walk.  Returns ACPI_E_NO_CPUS (with *out still filled in) if no usable
 * processor was found.
 */
int acpi_parse_madt(const void *madt, size_t len, struct acpi_madt_info *out);

/* Convenience: RSDP copy -> root table -> MADT -> *out in one call. */
int acpi_load_madt(const void *rsdp, size_t rsdp_len, acpi_map_fn map,
		   void *arg, struct acpi_madt_info *out);

/* Where an ISA IRQ arrives at the I/O APICs, and how it signals. */
struct acpi_irq_route {
	uint32_t gsi;
	bool active_low;	/* else active high */
	bool level;		/* else edge triggered */
};

/*
 * Routes ISA IRQ irq (0-15) using the interrupt source overrides for bus 0.
 * Without an override the IRQ is identity-mapped to the same GSI, active
 * high and edge triggered (the ISA defaults, also used for flags that say
 * "conforms to bus" or hold a reserved value).
 */
int acpi_isa_irq_route(const struct acpi_madt_info *info, unsigned irq,
		       struct acpi_irq_route *route);

#endif
