/*
 * The 16550 UART on COM1: Baton's main console (QEMU's -serial).
 *
 * Output polls the transmit-holding-register-empty bit.  Input is
 * interrupt driven: each received byte is handed to console_input().
 *
 * Set-up never clears the receive FIFO: when commands are piped into QEMU
 * they may already be waiting there, and clearing would drop them
 * (docs/toolchain.md, "Serial input").
 */
#include <stdint.h>

#include "arch/x86_64/irq.h"
#include "arch/x86_64/x86.h"
#include "kernel/arch.h"
#include "kernel/console.h"

#define COM1		0x3F8
#define UART_DATA	0	/* RBR/THR, or divisor low with DLAB */
#define UART_IER	1	/* interrupt enable, or divisor high with DLAB */
#define UART_FCR	2	/* FIFO control (write) */
#define UART_IIR	2	/* interrupt identification (read) */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_DATA_READY	0x01
#define LSR_THR_EMPTY	0x20

void uart_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80);	/* DLAB on: set the divisor */
	outb(COM1 + UART_DATA, 1);	/* 115200 baud */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x03);	/* 8 bits, no parity, one stop bit */
	/* Changing the FIFO-enable bit makes the UART drop what it holds
	 * (QEMU clears its FIFO and the data-ready bit), so only set the
	 * trigger level when the FIFO is already on (IIR bits 7:6). */
	if ((inb(COM1 + UART_IIR) & 0xC0) == 0xC0)
		outb(COM1 + UART_FCR, 0xC1);	/* FIFO on, 14-byte trigger, no clear */
	outb(COM1 + UART_MCR, 0x0B);	/* DTR, RTS, OUT2 (IRQ line to the PIC) */
}

void uart_putc(char c)
{
	if (c == '\n')
		uart_putc('\r');
	while (!(inb(COM1 + UART_LSR) & LSR_THR_EMPTY))
		cpu_relax();
	outb(COM1 + UART_DATA, c);
}

/* Drains everything received so far into the console input buffer. */
static void uart_interrupt(void)
{
	while (inb(COM1 + UART_LSR) & LSR_DATA_READY)
		console_input(inb(COM1 + UART_DATA));
}

/* Turns on the receive interrupt; bytes that arrived earlier are drained
 * at once, so piped input is read from its first byte. */
void uart_enable_input(void)
{
	irq_set_handler(IRQ_COM1, uart_interrupt);
	outb(COM1 + UART_IER, 0x01);	/* data-available interrupt */
	uart_interrupt();
}
