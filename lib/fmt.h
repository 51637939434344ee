/*
 * Freestanding printf-style formatting, shared by the kernel's printk and
 * by user programs' printf.  The core, fmt_vformat, hands each output
 * character to a caller-supplied function, so the same code can write to
 * the console, a serial port or a memory buffer.
 *
 * Supported: %d %i %u %x %X %o %p %s %c %%
 *   length modifiers: hh h l ll z (also j t)
 *   flags: '-' '0' '+' ' ' '#'; width and precision, either may be '*'.
 * %p prints "0x" and 16 hex digits; %s of NULL prints "(null)".
 * An unsupported conversion (say %q or %n) is copied to the output as is.
 * There is no floating point: the kernel is built without SSE.
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Called once per output character; arg is the caller's cookie. */
typedef void (*fmt_putc_fn)(void *arg, char c);

/* Formats to putc; returns the number of characters produced. */
int fmt_vformat(fmt_putc_fn putc, void *arg, const char *fmt, va_list ap);

/*
 * Like C's vsnprintf/snprintf: always NUL-terminates when size > 0, returns
 * the length the full output would have had (so a return value >= size
 * means the output was truncated).  buf may be NULL when size is 0.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
