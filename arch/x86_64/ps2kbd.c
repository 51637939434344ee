/*
 * A PS/2 keyboard as a second source of console input, for a machine
 * whose screen is the console (docs/real-hardware.md).  Keys become the
 * bytes a serial terminal would send (Enter '\r', Backspace DEL, Ctrl-C
 * 0x03) and go through console_input(), like the UART's.
 *
 * Only what the 8042 controller delivers: a real PS/2 keyboard, or a USB
 * keyboard the firmware emulates as one ("legacy USB support").  The
 * codes are scan code set 1, which the controller's translation (on
 * after BIOS and UEFI firmware alike) makes of any keyboard; a US layout.
 * Arrows and other 0xE0 keys are ignored, except the right Ctrl.
 *
 * The modifier state is touched only by the interrupt handler, which
 * runs on one CPU at a time (the IOAPIC routes IRQ 1 to one CPU).
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/irq.h"
#include "arch/x86_64/x86.h"
#include "kernel/console.h"
#include "kernel/printk.h"

#define KBD_DATA	0x60
#define KBD_STATUS	0x64
#define STATUS_OUT_FULL	0x01	/* a byte waits in KBD_DATA */
#define STATUS_AUX	0x20	/* ...and it is from the mouse */
#define IRQ_KBD		1

#define SC_RELEASE	0x80
#define SC_EXTENDED	0xE0
#define SC_CTRL		0x1D
#define SC_LSHIFT	0x2A
#define SC_RSHIFT	0x36
#define SC_CAPS		0x3A
#define DEL		0x7F

/* Set 1 make codes 0x00-0x39: plain and shifted characters. */
static const char plain[] =
	"\0\x1b" "1234567890-=" "\x7f\t" "qwertyuiop[]" "\r\0" "asdfghjkl;'`" "\0\\"
	"zxcvbnm,./" "\0*\0 ";
static const char shifted[] =
	"\0\x1b" "!@#$%^&*()_+" "\x7f\t" "QWERTYUIOP{}" "\r\0" "ASDFGHJKL:\"~" "\0|"
	"ZXCVBNM<>?" "\0*\0 ";

_Static_assert(sizeof(plain) == 0x3A + 1 && sizeof(shifted) == sizeof(plain),
	       "one character per make code 0x00-0x39");

static bool shift_l, shift_r, ctrl, caps, extended;

/* The byte for make code sc with the current modifiers; 0 for none. */
static char translate(uint8_t sc)
{
	bool shift = shift_l || shift_r;
	char c;

	if (sc >= sizeof(plain) - 1)
		return 0;
	c = shift ? shifted[sc] : plain[sc];
	if (caps && c >= 'a' && c <= 'z')
		c -= 'a' - 'A';
	else if (caps && c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	if (ctrl && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
		c &= 0x1F;
	return c;
}

static void scancode(uint8_t sc)
{
	bool release = sc & SC_RELEASE;
	uint8_t key = sc & ~SC_RELEASE;
	bool was_extended = extended;
	char c;

	extended = sc == SC_EXTENDED;
	if (extended)
		return;
	if (key == SC_CTRL) {
		ctrl = !release;
	} else if (was_extended) {
		return;				/* arrows, keypad Enter, ...: not handled */
	} else if (key == SC_LSHIFT) {
		shift_l = !release;
	} else if (key == SC_RSHIFT) {
		shift_r = !release;
	} else if (key == SC_CAPS) {
		if (!release)
			caps = !caps;
	} else if (!release && (c = translate(key)) != 0) {
		console_input(c);
	}
}

static void kbd_interrupt(void)
{
	uint8_t status;

	while ((status = inb(KBD_STATUS)) & STATUS_OUT_FULL) {
		uint8_t b = inb(KBD_DATA);

		if (!(status & STATUS_AUX))
			scancode(b);
	}
}

/*
 * Takes keyboard interrupts if there is a controller: without one the
 * status port reads 0xFF (no PS/2 hardware, no legacy emulation), and
 * the console stays serial only.  Bytes left by the firmware are dropped.
 */
void ps2kbd_enable_input(void)
{
	int n = 0;

	if (inb(KBD_STATUS) == 0xFF) {
		printk("ps2kbd: no PS/2 controller; keyboard input is serial only\n");
		return;
	}
	while ((inb(KBD_STATUS) & STATUS_OUT_FULL) && n++ < 64)
		inb(KBD_DATA);
	irq_set_handler(IRQ_KBD, kbd_interrupt);
}
