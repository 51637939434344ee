/*
 * printf and friends over lib/fmt.c.
 *
 * Standard output is buffered so a line costs one write() rather than
 * one per character: the buffer goes out at each newline, when it fills,
 * and from flush() (which exit, fork, exec, spawn and readline call).
 * Processes have one thread, so one static buffer is enough.
 * Standard error is formatted into a buffer on the stack and written
 * once per eprintf call.
 */
#include "baton.h"
#include "lib/fmt.h"

#define OUTBUF_SIZE	256

/* Pending output for one fd. */
struct outbuf {
	int fd;
	bool line;		/* flush at every '\n' */
	size_t len;
	char buf[OUTBUF_SIZE];
};

static struct outbuf out = { .fd = FD_STDOUT, .line = true };

static void outbuf_flush(struct outbuf *ob)
{
	size_t done = 0;

	while (done < ob->len) {
		long n = write(ob->fd, ob->buf + done, ob->len - done);

		if (n <= 0)
			break;	/* the console refused: nowhere to report it */
		done += n;
	}
	ob->len = 0;
}

/* fmt_vformat's output function. */
static void outbuf_putc(void *arg, char c)
{
	struct outbuf *ob = arg;

	ob->buf[ob->len++] = c;
	if (ob->len == OUTBUF_SIZE || (ob->line && c == '\n'))
		outbuf_flush(ob);
}

void flush(void)
{
	outbuf_flush(&out);
}

int vprintf(const char *fmt, va_list ap)
{
	return fmt_vformat(outbuf_putc, &out, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int eprintf(const char *fmt, ...)
{
	struct outbuf err = { .fd = FD_STDERR, .line = false };
	va_list ap;
	int n;

	flush();	/* keep stdout and stderr in the order they were written */
	va_start(ap, fmt);
	n = fmt_vformat(outbuf_putc, &err, fmt, ap);
	va_end(ap);
	outbuf_flush(&err);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return fmt_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int putchar(int c)
{
	outbuf_putc(&out, (char)c);
	return (unsigned char)c;
}

int puts(const char *s)
{
	return printf("%s\n", s);
}
