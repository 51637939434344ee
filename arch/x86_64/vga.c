/*
 * VGA text mode (80x25 at physical 0xB8000), the second console.  GRUB
 * leaves the card in text mode.  Output scrolls; there is no input here.
 */
#include <stdint.h>

#include "arch/x86_64/x86.h"
#include "kernel/arch.h"
#include "kernel/vm.h"
#include "lib/string.h"

#define VGA_PHYS	0xB8000
#define COLS		80
#define ROWS		25
#define ATTR		0x0700	/* light grey on black */

static uint16_t *screen;
static int row, col;

static void move_cursor(void)
{
	uint16_t pos = row * COLS + col;

	outb(0x3D4, 14);
	outb(0x3D5, pos >> 8);
	outb(0x3D4, 15);
	outb(0x3D5, pos & 0xFF);
}

void vga_init(void)
{
	screen = phys_to_virt(VGA_PHYS);
	for (int i = 0; i < ROWS * COLS; i++)
		screen[i] = ATTR | ' ';
	row = col = 0;
	move_cursor();
}

static void scroll(void)
{
	memmove(screen, screen + COLS, (ROWS - 1) * COLS * sizeof(*screen));
	for (int i = 0; i < COLS; i++)
		screen[(ROWS - 1) * COLS + i] = ATTR | ' ';
	row = ROWS - 1;
}

void vga_putc(char c)
{
	if (!screen)
		return;
	if (c == '\n') {
		col = 0;
		row++;
	} else if (c == '\b') {
		if (col > 0)
			col--;
	} else if (c == '\r') {
		col = 0;
	} else {
		screen[row * COLS + col] = ATTR | (uint8_t)c;
		if (++col == COLS) {
			col = 0;
			row++;
		}
	}
	if (row == ROWS)
		scroll();
	move_cursor();
}
