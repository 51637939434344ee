/*
 * printk: the kernel's formatted output to every console.  One lock keeps
 * lines from different CPUs from interleaving mid-line; after a panic the
 * lock is ignored so the report always gets out (the panicking CPU may
 * hold it).
 */
#include <stdarg.h>

#include "kernel/arch.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "lib/fmt.h"

static struct spinlock console_lock = SPINLOCK_INIT("console");

static void console_putc(void *arg, char c)
{
	(void)arg;
	uart_putc(c);
	vga_putc(c);
}

void console_write(const char *s, unsigned long n)
{
	bool locked = !panicking();

	if (locked)
		acquire(&console_lock);
	for (unsigned long i = 0; i < n; i++)
		console_putc(0, s[i]);
	if (locked)
		release(&console_lock);
}

int vprintk(const char *fmt, va_list ap)
{
	bool locked = !panicking();
	int n;

	if (locked)
		acquire(&console_lock);
	n = fmt_vformat(console_putc, 0, fmt, ap);
	if (locked)
		release(&console_lock);
	return n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
