/*
 * printf and friends: lib/fmt.c's conversions plus floating point
 * (%f %F %e %E %g %G, in fmtfloat.c), which the kernel's shared
 * formatter does not have.  format() walks the string, hands each float
 * conversion to fmt_float and every other one, with its argument, to
 * fmt_vformat.
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
#include "user/ulib/fmtfloat.h"

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

/* One conversion specification, as written between '%' and its letter. */
struct conv {
	struct float_spec f;	/* flags, width, precision, letter */
	char len[3];		/* length modifier: "", "h", "hh", "l", "ll", "z", "j", "t", "L" */
};

static int parse_int(const char **p)
{
	int n = 0;

	while (**p >= '0' && **p <= '9' && n < 100000000)
		n = n * 10 + (*(*p)++ - '0');
	return n;
}

/* Parses the specification after a '%', leaving *p past its letter (or at
 * the end of the string); '*' width and precision come from ap. */
static void parse_conv(const char **p, struct conv *c, va_list *ap)
{
	int k = 0;

	memset(c, 0, sizeof(*c));
	for (;; (*p)++) {
		if (**p == '-')
			c->f.left = true;
		else if (**p == '0')
			c->f.zero = true;
		else if (**p == '+')
			c->f.plus = true;
		else if (**p == ' ')
			c->f.space = true;
		else if (**p == '#')
			c->f.alt = true;
		else
			break;
	}
	if (**p == '*') {
		(*p)++;
		c->f.width = va_arg(*ap, int);
		if (c->f.width < 0) {
			c->f.left = true;
			c->f.width = c->f.width < -100000000 ? 100000000 : -c->f.width;
		}
	} else {
		c->f.width = parse_int(p);
	}
	c->f.prec = -1;
	if (**p == '.') {
		(*p)++;
		if (**p == '*') {
			(*p)++;
			c->f.prec = va_arg(*ap, int);
			if (c->f.prec < 0)
				c->f.prec = -1;
		} else {
			c->f.prec = parse_int(p);
		}
	}
	while (k < 2 && **p && strchr("hlzjtL", **p) && (k == 0 || (**p == c->len[0] && strchr("hl", **p))))
		c->len[k++] = *(*p)++;
	c->f.conv = **p;
	if (**p)
		(*p)++;
}

/* The specification c as text for lib/fmt.c, '*'s replaced by numbers. */
static void spec_text(char *buf, size_t cap, const struct conv *c)
{
	char width[16] = "", prec[16] = "";

	if (c->f.width > 0)
		fmt_snprintf(width, sizeof(width), "%d", c->f.width);
	if (c->f.prec >= 0)
		fmt_snprintf(prec, sizeof(prec), ".%d", c->f.prec);
	fmt_snprintf(buf, cap, "%%%s%s%s%s%s%s%s%s%c", c->f.left ? "-" : "", c->f.zero ? "0" : "",
		     c->f.plus ? "+" : "", c->f.space ? " " : "", c->f.alt ? "#" : "", width, prec,
		     c->len, c->f.conv);
}

/* Calls fmt_vformat with one argument (or none). */
static int forward(fmt_putc_fn putc, void *arg, const char *spec, ...)
{
	va_list ap;
	int n;

	va_start(ap, spec);
	n = fmt_vformat(putc, arg, spec, ap);
	va_end(ap);
	return n;
}

/* Prints one non-float conversion through lib/fmt.c: the specification
 * is written out again with '*' resolved, and its argument fetched here
 * at the size its length modifier says. */
static int format_other(fmt_putc_fn putc, void *arg, const struct conv *c, va_list *ap)
{
	char spec[48];
	bool wide = c->len[0] && c->len[0] != 'h';

	spec_text(spec, sizeof(spec), c);
	switch (c->f.conv) {
	case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
		if (wide)
			return forward(putc, arg, spec, va_arg(*ap, long));
		return forward(putc, arg, spec, va_arg(*ap, int));
	case 'c':
		return forward(putc, arg, spec, va_arg(*ap, int));
	case 'p':
	case 's':
		return forward(putc, arg, spec, va_arg(*ap, void *));
	default:
		return forward(putc, arg, spec);	/* %% */
	}
}

static int format(fmt_putc_fn putc, void *arg, const char *fmt, va_list ap)
{
	va_list args;
	int n = 0;

	va_copy(args, ap);
	while (*fmt) {
		const char *start = fmt;
		struct conv c;

		if (*fmt != '%') {
			putc(arg, *fmt++);
			n++;
			continue;
		}
		fmt++;
		parse_conv(&fmt, &c, &args);
		if (c.f.conv && strchr("fFeEgG", c.f.conv)) {
			double v = c.len[0] == 'L' ? (double)va_arg(args, long double)
						   : va_arg(args, double);

			n += fmt_float(putc, arg, v, &c.f);
		} else if (c.f.conv && strchr("diuxXocps%", c.f.conv) && c.len[0] != 'L') {
			n += format_other(putc, arg, &c, &args);
		} else {
			for (; start < fmt; start++, n++)	/* unknown: copied as written */
				putc(arg, *start);
		}
	}
	va_end(args);
	return n;
}

void flush(void)
{
	outbuf_flush(&out);
}

int vprintf(const char *fmt, va_list ap)
{
	return format(outbuf_putc, &out, fmt, ap);
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
	n = format(outbuf_putc, &err, fmt, ap);
	va_end(ap);
	outbuf_flush(&err);
	return n;
}

/* vsnprintf's output: keeps what fits, leaving room for the NUL. */
struct strbuf {
	char *p;
	size_t size;
	size_t len;		/* characters produced, stored or not */
};

static void strbuf_putc(void *arg, char c)
{
	struct strbuf *b = arg;

	if (b->len + 1 < b->size)
		b->p[b->len] = c;
	b->len++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct strbuf b = { buf, size, 0 };
	int n = format(strbuf_putc, &b, fmt, ap);

	if (size > 0)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
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
