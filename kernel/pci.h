/*
 * Finding a PCI device and where its memory BAR was placed (the firmware
 * assigns the addresses; Baton only reads them).  Implemented per
 * architecture: on x86 through configuration space at ports 0xCF8/0xCFC
 * (arch/x86_64/pci.c).
 */
#ifndef KERNEL_PCI_H
#define KERNEL_PCI_H

#include <stdint.h>

/* The first function with this vendor and device id: the physical base
 * and size of its memory BAR number bar (a 64-bit BAR spans bar and
 * bar + 1).  0, -ENOENT (no such device) or -EINVAL (that BAR is not an
 * assigned memory BAR, or memory decoding is off). */
int pci_find_bar(uint16_t vendor, uint16_t device, int bar, uint64_t *base, uint64_t *size);

#endif
