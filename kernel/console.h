#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stddef.h>

/* Called by the UART driver (in interrupt context) for each byte received. */
void console_input(char c);
/* Next input byte; waits (halted) until one arrives. */
int console_getc(void);
/* Process context: waits for input, returns 1..n bytes or -EINTR. */
long console_read(char *buf, size_t n);
/* Reads a line with echo and backspace editing; returns its length
 * (without the newline, which is not stored).  Stops at cap - 1 bytes. */
size_t console_readline(char *buf, size_t cap);

#endif
