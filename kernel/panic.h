#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdbool.h>
#include <stdint.h>

/* Reports a broken kernel invariant and stops the machine. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* The pieces of panic(), for reports that print more (trap dumps):
 * panic_begin() makes this CPU the only reporter, panic_end() stops. */
void panic_begin(void);
void panic_end(void) __attribute__((noreturn));
void panic_backtrace(uint64_t rbp);
bool panicking(void);

/* Whether a panic powers the machine off (tests, RUN=) or halts it so
 * the report stays on screen and gdb can attach (interactive use). */
void panic_set_poweroff(bool on);

/* Exit status of a panic power-off; the test runner recognises it. */
#define PANIC_EXIT_STATUS 99

#define assert(x) \
	do { if (!(x)) panic("assertion failed: %s (%s:%d)", #x, __FILE__, __LINE__); } while (0)

#endif
