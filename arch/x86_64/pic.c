/*
 * The legacy 8259A interrupt controller pair and IRQ dispatch.
 *
 * The BIOS leaves the PICs delivering IRQs 0-15 on vectors 8-15 and
 * 0x70-0x77, which collide with CPU exceptions; pic_init() moves them to
 * vectors 32-47 and masks every line until a driver asks for it.
 */
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/irq.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/x86.h"
#include "kernel/printk.h"

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xA0
#define PIC2_DATA	0xA1
#define PIC_EOI		0x20
#define NIRQ		16

static irq_handler_fn handlers[NIRQ];
static uint16_t mask = 0xFFFF & ~(1 << 2);	/* cascade line stays open */

static void pic_write_mask(void)
{
	outb(PIC1_DATA, mask & 0xFF);
	outb(PIC2_DATA, mask >> 8);
}

void pic_init(void)
{
	outb(PIC1_CMD, 0x11);		/* ICW1: init, expect ICW4 */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, T_IRQ0);	/* ICW2: vector base */
	outb(PIC2_DATA, T_IRQ0 + 8);
	outb(PIC1_DATA, 1 << 2);	/* ICW3: slave on IRQ2 */
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, 0x01);		/* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	pic_write_mask();
}

void pic_unmask(int irq)
{
	mask &= ~(1u << irq);
	pic_write_mask();
}

void pic_eoi(int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

void irq_set_handler(int irq, irq_handler_fn fn)
{
	handlers[irq] = fn;
	pic_unmask(irq);
}

void irq_dispatch(uint64_t vector)
{
	int irq = vector - T_IRQ0;

	if (irq < 0 || irq >= NIRQ) {
		printk("irq: unexpected vector %lu\n", vector);
		return;
	}
	if (handlers[irq])
		handlers[irq]();
	pic_eoi(irq);
}
