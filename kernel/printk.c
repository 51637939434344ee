/*
 * printk: the kernel's formatted output to every console.  One lock keeps
 * lines from different CPUs from interleaving mid-line; after a panic the
 * lock is ignored so the report always gets out (the panicking CPU may
 * hold it).
 *
 * Output goes to the serial line at once and to the screen (VGA text or
 * the framebuffer console, arch's display_putc) from printk_display_ready()
 * on: the framebuffer is reachable only once vm_init() has mapped it, so
 * until then screen output waits in early[] and is replayed then.
 * console_lock protects early[] and its count too.
 */
#include <stdarg.h>

#include "kernel/arch.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "lib/fmt.h"

#define EARLY_SIZE 2048

static struct spinlock console_lock = SPINLOCK_INIT("console");
static char early[EARLY_SIZE];	/* screen output before the display is up */
static unsigned long nearly;
static bool display_ready;

static void console_putc(void *arg, char c)
{
	(void)arg;
	uart_putc(c);
	if (display_ready)
		display_putc(c);
	else if (nearly < EARLY_SIZE)
		early[nearly++] = c;	/* later output is lost to the screen only */
}

void printk_display_ready(void)
{
	bool locked = !panicking();

	if (locked)
		acquire(&console_lock);
	for (unsigned long i = 0; i < nearly; i++)
		display_putc(early[i]);
	display_ready = true;
	if (locked)
		release(&console_lock);
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
