/*
 * panic: a broken kernel invariant.  The first CPU to panic prints the
 * report; any other CPU that panics at the same time just stops, so the
 * report is never interleaved.
 */
#include <stdarg.h>

#include "kernel/arch.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/symbols.h"

static volatile int panic_owner;	/* [a] 0, or 1 once someone panics */
static bool poweroff_on_panic;

bool panicking(void)
{
	return panic_owner != 0;
}

void panic_set_poweroff(bool on)
{
	poweroff_on_panic = on;
}

void panic_begin(void)
{
	intr_disable();
	if (__atomic_exchange_n(&panic_owner, 1, __ATOMIC_SEQ_CST) != 0)
		cpu_halt_forever();	/* someone else is already reporting */
	arch_stop_other_cpus();
}

void panic_end(void)
{
	printk("PANIC: kernel stopped.%s\n", poweroff_on_panic ? "" : " (halted; attach gdb or quit QEMU)");
	if (poweroff_on_panic)
		arch_poweroff(PANIC_EXIT_STATUS);
	cpu_halt_forever();
}

/* Walks the frame-pointer chain (the kernel is built with
 * -fno-omit-frame-pointer) and prints each return address. */
void panic_backtrace(uint64_t rbp)
{
	printk("backtrace:\n");
	for (int depth = 0; depth < 16 && rbp; depth++) {
		uint64_t *frame = (uint64_t *)rbp;
		uint64_t ret, off;
		const char *name;

		if (rbp & 7 || rbp < 0xFFFF800000000000ull)
			break;		/* not a kernel stack address */
		ret = frame[1];
		name = sym_lookup(ret, &off);
		printk("  %016lx <%s+0x%lx>\n", ret, name ? name : "?", name ? off : 0);
		rbp = frame[0];
	}
}

void panic(const char *fmt, ...)
{
	va_list ap;

	panic_begin();
	printk("\nPANIC: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	panic_backtrace((uint64_t)__builtin_frame_address(0));
	panic_end();
}
