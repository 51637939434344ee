/*
 * readline: one line from the console with echo and simple editing.
 *
 * The kernel's console read() is raw: it returns bytes as they were
 * typed and echoes nothing, so echo and erasing are done here.  A
 * terminal sends '\r' for Enter and a pipe sends '\n'; both end a line,
 * and a "\r\n" pair ends only one.  Bytes are read one at a time, so a
 * line never takes bytes that belong to the next one (a pipe may deliver
 * several lines at once).
 */
#include "baton.h"

#define CTRL(c)	((c) & 0x1f)
#define DEL	0x7f
#define ESC	0x1b

/* The last line ended with '\r': a '\n' right after it is not a line. */
static bool after_cr;

/* The next input byte.  Waits (sleeping, not spinning) until there is one. */
static int getbyte(void)
{
	unsigned char c;

	for (;;) {
		if (read(FD_STDIN, &c, 1) == 1)
			return c;
		sleep(20);	/* EOF or an error: try again later */
	}
}

static void echo(const char *s, size_t n)
{
	write(FD_STDOUT, s, n);
}

/* Erases the last character on the screen. */
static void rubout(void)
{
	echo("\b \b", 3);
}

/* Swallows the rest of an escape sequence such as ESC [ A (an arrow key). */
static void skip_escape(void)
{
	int c = getbyte();

	if (c != '[' && c != 'O')
		return;
	do
		c = getbyte();
	while (c < 0x40 || c > 0x7e);	/* parameters, then one final byte */
}

int readline(char *buf, int cap)
{
	int len = 0;

	flush();	/* the prompt */
	if (cap <= 0)
		return 0;
	for (;;) {
		int c = getbyte();
		char ch = (char)c;

		if (c == '\n' && after_cr) {
			after_cr = false;
			continue;
		}
		after_cr = false;
		if (c == '\r' || c == '\n') {
			after_cr = c == '\r';
			echo("\n", 1);
			break;
		} else if (c == DEL || c == '\b') {
			if (len > 0) {
				len--;
				rubout();
			}
		} else if (c == CTRL('U')) {
			for (; len > 0; len--)
				rubout();
		} else if (c == CTRL('C')) {
			echo("^C\n", 3);
			len = 0;
			break;
		} else if (c == ESC) {
			skip_escape();
		} else if (c == '\t' || (c >= ' ' && c < DEL)) {
			if (c == '\t')
				ch = ' ';
			if (len < cap - 1) {
				buf[len++] = ch;
				echo(&ch, 1);
			}
		}
		/* Any other control byte is ignored. */
	}
	buf[len] = '\0';
	return len;
}
