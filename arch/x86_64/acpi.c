/*
 * Finding the CPUs and interrupt controllers: GRUB hands us a copy of the
 * ACPI RSDP; the parsers in lib/acpi.c walk RSDT/XSDT to the MADT.  The
 * tables are read through the direct map, and the mapper refuses any
 * range outside it, so a bad pointer in a table is reported, not followed.
 */
#include "arch/x86_64/apic.h"
#include "kernel/pmm.h"
#include "kernel/printk.h"
#include "kernel/vm.h"

struct acpi_madt_info madt;

/* The direct map covers at least the first 4 GiB (vm_init). */
static const void *map_phys(void *arg, uint64_t pa, size_t len)
{
	uint64_t top = pmm_phys_top() > (4ull << 30) ? pmm_phys_top() : (4ull << 30);

	(void)arg;
	if (pa >= top || len > top - pa)
		return 0;
	return phys_to_virt(pa);
}

bool acpi_discover(const void *rsdp, size_t rsdp_len)
{
	int err;

	if (!rsdp) {
		printk("acpi: the boot loader passed no RSDP; using the boot CPU only\n");
		return false;
	}
	err = acpi_load_madt(rsdp, rsdp_len, map_phys, 0, &madt);
	if (err < 0) {
		printk("acpi: no usable MADT (%s); using the boot CPU only\n", acpi_strerror(err));
		return false;
	}
	if (madt.skipped)
		printk("acpi: skipped %d malformed or excess MADT entries\n", madt.skipped);
	return true;
}
