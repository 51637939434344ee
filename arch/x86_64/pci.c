/*
 * PCI configuration space through the legacy mechanism #1: write the
 * address of a 32-bit register (bus, device, function, offset) to port
 * 0xCF8, then read or write it at 0xCFC.  Enough to find a device that
 * SeaBIOS has already configured and to read where it put its BARs.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/x86.h"
#include "kernel/pci.h"
#include "lib/errno.h"

#define CONFIG_ADDRESS	0xCF8
#define CONFIG_DATA	0xCFC

#define REG_ID		0x00	/* vendor (low 16 bits), device (high) */
#define REG_COMMAND	0x04
#define REG_HEADER	0x0C	/* header type in bits 16-23; bit 23: multi-function */
#define REG_BAR0	0x10

#define CMD_MEMORY	0x2	/* the device answers memory accesses to its BARs */
#define BAR_IO		0x1
#define BAR_TYPE_MASK	0x6
#define BAR_TYPE_64	0x4
#define BAR_ADDR_MASK	(~0xFull)

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint32_t address(int bus, int dev, int fn, int reg)
{
	return 1u << 31 | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 |
	       (reg & 0xFC);
}

/* Only boot code calls these, on one CPU: no lock guards 0xCF8. */
static uint32_t cfg_read(int bus, int dev, int fn, int reg)
{
	outl(CONFIG_ADDRESS, address(bus, dev, fn, reg));
	return inl(CONFIG_DATA);
}

static void cfg_write(int bus, int dev, int fn, int reg, uint32_t v)
{
	outl(CONFIG_ADDRESS, address(bus, dev, fn, reg));
	outl(CONFIG_DATA, v);
}

/* The BAR's size: write all ones, read back which bits stick, restore.
 * Memory decoding is off meanwhile so the half-written BAR decodes
 * nothing. */
static uint64_t bar_size(int bus, int dev, int fn, int reg, bool is64)
{
	uint32_t cmd = cfg_read(bus, dev, fn, REG_COMMAND);
	uint32_t lo = cfg_read(bus, dev, fn, reg), hi = is64 ? cfg_read(bus, dev, fn, reg + 4) : 0;
	uint64_t mask;

	cfg_write(bus, dev, fn, REG_COMMAND, cmd & ~CMD_MEMORY);
	cfg_write(bus, dev, fn, reg, ~0u);
	mask = cfg_read(bus, dev, fn, reg) & BAR_ADDR_MASK;
	if (is64) {
		cfg_write(bus, dev, fn, reg + 4, ~0u);
		mask |= (uint64_t)cfg_read(bus, dev, fn, reg + 4) << 32;
		cfg_write(bus, dev, fn, reg + 4, hi);
	} else {
		mask |= 0xFFFFFFFF00000000ull;
	}
	cfg_write(bus, dev, fn, reg, lo);
	cfg_write(bus, dev, fn, REG_COMMAND, cmd);
	return ~mask + 1;
}

static int read_bar(int bus, int dev, int fn, int bar, uint64_t *base, uint64_t *size)
{
	int reg = REG_BAR0 + 4 * bar;
	uint32_t lo = cfg_read(bus, dev, fn, reg);
	bool is64 = (lo & BAR_TYPE_MASK) == BAR_TYPE_64;

	if (bar < 0 || bar > 5 || (is64 && bar == 5) || (lo & BAR_IO))
		return -EINVAL;
	if (!(cfg_read(bus, dev, fn, REG_COMMAND) & CMD_MEMORY))
		return -EINVAL;
	*base = (lo & BAR_ADDR_MASK) | (is64 ? (uint64_t)cfg_read(bus, dev, fn, reg + 4) << 32 : 0);
	if (*base == 0)
		return -EINVAL;		/* the firmware left it unassigned */
	*size = bar_size(bus, dev, fn, reg, is64);
	return 0;
}

int pci_find_bar(uint16_t vendor, uint16_t device, int bar, uint64_t *base, uint64_t *size)
{
	for (int bus = 0; bus < 256; bus++)
		for (int dev = 0; dev < 32; dev++)
			for (int fn = 0; fn < 8; fn++) {
				uint32_t id = cfg_read(bus, dev, fn, REG_ID);

				if ((id & 0xFFFF) == 0xFFFF) {
					if (fn == 0)
						break;	/* no device here */
					continue;
				}
				if (id == ((uint32_t)device << 16 | vendor))
					return read_bar(bus, dev, fn, bar, base, size);
				if (fn == 0 && !(cfg_read(bus, dev, 0, REG_HEADER) & (1u << 23)))
					break;	/* single-function device */
			}
	return -ENOENT;
}
