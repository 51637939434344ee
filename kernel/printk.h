#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>

/* Formats (lib/fmt.c) to every console: serial and the screen. */
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap);
/* Writes raw bytes to the consoles (no formatting). */
void console_write(const char *s, unsigned long n);
/* The screen (display_init) is up: show what printk has said so far,
 * and everything from now on, there too. */
void printk_display_ready(void);

#endif
