/*
 * Console input: a ring buffer filled by the UART interrupt and drained
 * by readers.  Until there is a scheduler, a reader waits by halting the
 * CPU until the next interrupt.
 *
 * Lock: input_lock protects the ring and its indices.
 */
#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"

#define INPUT_SIZE 4096

static struct spinlock input_lock = SPINLOCK_INIT("console input");
static char ring[INPUT_SIZE];
static uint32_t head, tail;	/* head: next to read; tail: next to write */

void console_input(char c)
{
	acquire(&input_lock);
	if (tail - head < INPUT_SIZE)	/* when full, drop (never overwrite) */
		ring[tail++ % INPUT_SIZE] = c;
	release(&input_lock);
}

/* Returns a byte, or -1 if the ring is empty.  Interrupts must be off. */
static int take(void)
{
	int c = -1;

	acquire(&input_lock);
	if (head != tail)
		c = (unsigned char)ring[head++ % INPUT_SIZE];
	release(&input_lock);
	return c;
}

int console_getc(void)
{
	bool was_on = intr_enabled();
	int c;

	/* Check and sleep with interrupts off: cpu_idle_wait() enables them
	 * and halts in one step, so a byte arriving in between still wakes us. */
	intr_disable();
	while ((c = take()) < 0) {
		cpu_idle_wait();
		intr_disable();
	}
	if (was_on)
		intr_enable();
	return c;
}

size_t console_readline(char *buf, size_t cap)
{
	size_t n = 0;

	for (;;) {
		int c = console_getc();

		if (c == '\r' || c == '\n') {
			console_write("\n", 1);
			break;
		}
		if (c == '\b' || c == 0x7f) {
			if (n > 0) {
				n--;
				console_write("\b \b", 3);
			}
			continue;
		}
		if (c < ' ' || n + 1 >= cap)
			continue;	/* ignore other control bytes and overflow */
		buf[n++] = (char)c;
		console_write(&buf[n - 1], 1);
	}
	buf[n] = 0;
	return n;
}
