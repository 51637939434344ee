#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

#include <stdint.h>

#define IRQ_TIMER	0
#define IRQ_COM1	4

typedef void (*irq_handler_fn)(void);

void idt_init(void);
void idt_load(void);
void uart_enable_input(void);
void ps2kbd_enable_input(void);
void irq_set_handler(int irq, irq_handler_fn fn);
void irq_dispatch(uint64_t vector);

#endif
