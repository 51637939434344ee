/*
 * Console input and the console system calls.  The UART interrupt fills
 * a ring buffer; readers sleep until it has bytes (before processes exist,
 * the boot CPU halts instead).  Input is raw: no echo, no line editing
 * (the shell does both).  Ctrl-C kills the console's foreground process
 * (set by the shell with setfg) instead of being delivered.
 *
 * Lock: input_lock protects the ring, its indices and fg_pid.
 */
#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/counters.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"
#include "kernel/syscall.h"
#include "lib/errno.h"

#define INPUT_SIZE 4096

static struct spinlock input_lock = SPINLOCK_INIT("console input");
static char ring[INPUT_SIZE];
static uint32_t head, tail;	/* head: next to read; tail: next to write */
static int fg_pid;		/* Ctrl-C target, 0 for none */

#define CTRL_C 0x03
#define CTRL_T 0x14

void console_input(char c)
{
	int victim = 0;

	acquire(&input_lock);
	if (c == CTRL_T) {		/* counters snapshot, from the kernel itself */
		release(&input_lock);
		counters_print();
		return;
	}
	if (c == CTRL_C && fg_pid)
		victim = fg_pid;
	else if (tail - head < INPUT_SIZE)	/* when full, drop (never overwrite) */
		ring[tail++ % INPUT_SIZE] = c;
	release(&input_lock);
	if (victim) {
		console_write("^C\n", 3);
		proc_kill(victim);
	}
	wakeup(ring);
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

	if (myproc()) {
		char b;

		return console_read(&b, 1) == 1 ? (unsigned char)b : -1;
	}
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

/* Waits for at least one byte, then returns what is there (up to n). */
long console_read(char *buf, size_t n)
{
	struct proc *p = myproc();
	size_t got = 0;

	acquire(&input_lock);
	while (head == tail) {
		if (proc_killed(p)) {
			release(&input_lock);
			return -EINTR;
		}
		sleep(ring, &input_lock);
	}
	while (got < n && head != tail)
		buf[got++] = ring[head++ % INPUT_SIZE];
	release(&input_lock);
	return (long)got;
}

/* read(fd, buf, len): console input (fd 0 only). */
int64_t sys_read(const struct sys_read_args *a)
{
	char kbuf[256];
	size_t n = a->len < sizeof(kbuf) ? a->len : sizeof(kbuf);
	long got;

	if (a->fd != FD_STDIN)
		return -EBADH;
	if (n == 0)
		return 0;
	if (!user_writable(a->buf, n))
		return -EFAULT;
	if ((got = console_read(kbuf, n)) < 0)
		return got;
	return copyout(a->buf, kbuf, got) < 0 ? -EFAULT : got;
}

/* write(fd, buf, len): console output (fd 1 and 2), in chunks. */
int64_t sys_write(const struct sys_write_args *a)
{
	char kbuf[256];
	uint64_t done = 0, len = a->len;

	if (a->fd != FD_STDOUT && a->fd != FD_STDERR)
		return -EBADH;
	if (!user_readable(a->buf, len))
		return -EFAULT;
	while (done < len) {
		size_t n = len - done < sizeof(kbuf) ? len - done : sizeof(kbuf);

		if (copyin(kbuf, a->buf + done, n) < 0)
			return -EFAULT;
		console_write(kbuf, n);
		done += n;
	}
	return (int64_t)done;
}

/* setfg(pid): the process Ctrl-C kills (0: none).  Only the caller
 * itself or one of its descendants: -ESRCH for any other pid, as for
 * one that does not exist (proc_may_name_descendant). */
int64_t sys_setfg(const struct sys_setfg_args *a)
{
	int err = proc_may_name_descendant(a->pid);

	if (err < 0)
		return err;
	acquire(&input_lock);
	fg_pid = a->pid;
	release(&input_lock);
	return 0;
}
