/*
 * The trace channel: QEMU's debug console, an I/O port (0xe9) whose bytes
 * go to a host file (tools/qemu_run.py adds `-debugcon file:...` when a
 * run is traced).  Without the device the writes are simply ignored.
 */
#include <stddef.h>

#include "kernel/arch.h"

#define DEBUGCON_PORT	0xe9

void arch_trace_out(const void *buf, size_t len)
{
	/* One instruction for the whole buffer: under emulation a port
	 * write is a trip out of the translated code, so fewer is faster. */
	__asm__ volatile("rep outsb" : "+S"(buf), "+c"(len) : "d"(DEBUGCON_PORT) : "memory");
}
