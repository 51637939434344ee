/*
 * printf-style formatting without a C library (see lib/fmt.h).
 *
 * A conversion specification looks like
 *
 *     %[flags][width][.precision][length]conversion
 *
 * fmt_vformat walks the format string, parses each specification into a
 * struct spec, fetches the argument and prints it through a struct out,
 * which counts characters as it hands them to the caller's putc.
 *
 * Integers are printed as four pieces:
 *
 *     [padding spaces] [sign] [prefix] [leading zeros] digits [padding spaces]
 *
 * where the sign is '-', '+' or ' ', the prefix is "0x"/"0X", and the
 * leading zeros come from the precision or from the '0' flag.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "lib/fmt.h"
#include "lib/string.h"

#define FMT_INT_MAX ((int)(~0u >> 1))

/* Flag bits in spec.flags. */
#define FL_LEFT 0x01  /* '-': pad on the right */
#define FL_ZERO 0x02  /* '0': pad numbers with zeros */
#define FL_PLUS 0x04  /* '+': always print a sign */
#define FL_SPACE 0x08 /* ' ': print ' ' where the sign of a positive is */
#define FL_ALT 0x10   /* '#': "0x" for %x, leading 0 for %o */

/* Length modifiers. */
enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

struct spec {
	unsigned flags;
	int width; /* minimum field width; 0 if none */
	int prec;  /* precision; -1 if none */
	enum length len;
	char conv; /* conversion character, e.g. 'd' */
};

/* Where output goes, and how much of it there has been. */
struct out {
	fmt_putc_fn putc;
	void *arg;
	size_t count;
};

static void emit(struct out *o, char c)
{
	o->putc(o->arg, c);
	o->count++;
}

static void emit_n(struct out *o, char c, int n)
{
	for (int i = 0; i < n; i++)
		emit(o, c);
}

static void emit_str(struct out *o, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		emit(o, s[i]);
}

/* Parse a decimal number, saturating at FMT_INT_MAX instead of overflowing. */
static int parse_number(const char **p)
{
	int n = 0;

	while (**p >= '0' && **p <= '9') {
		int d = *(*p)++ - '0';
		n = (n > (FMT_INT_MAX - d) / 10) ? FMT_INT_MAX : n * 10 + d;
	}
	return n;
}

static unsigned parse_flags(const char **p)
{
	unsigned flags = 0;

	for (;; (*p)++) {
		switch (**p) {
		case '-':
			flags |= FL_LEFT;
			break;
		case '0':
			flags |= FL_ZERO;
			break;
		case '+':
			flags |= FL_PLUS;
			break;
		case ' ':
			flags |= FL_SPACE;
			break;
		case '#':
			flags |= FL_ALT;
			break;
		default:
			return flags;
		}
	}
}

static enum length parse_length(const char **p)
{
	switch (*(*p)++) {
	case 'h':
		if (**p == 'h') {
			(*p)++;
			return LEN_HH;
		}
		return LEN_H;
	case 'l':
		if (**p == 'l') {
			(*p)++;
			return LEN_LL;
		}
		return LEN_L;
	case 'z':
		return LEN_Z;
	case 'j':
		return LEN_J;
	case 't':
		return LEN_T;
	default:
		(*p)--; /* not a length modifier: give it back */
		return LEN_NONE;
	}
}

/*
 * Parse everything between '%' and the conversion character, leaving *p
 * at the conversion character.  A '*' width or precision is taken from
 * the arguments; as in C, a negative '*' width means '-' flag, and a
 * negative '*' precision means no precision.
 */
static void parse_spec(const char **p, struct spec *sp, va_list *ap)
{
	sp->flags = parse_flags(p);

	if (**p == '*') {
		(*p)++;
		int w = va_arg(*ap, int);
		if (w < 0) {
			sp->flags |= FL_LEFT;
			w = (w < -FMT_INT_MAX) ? FMT_INT_MAX : -w; /* -INT_MIN overflows */
		}
		sp->width = w;
	} else {
		sp->width = parse_number(p);
	}

	sp->prec = -1;
	if (**p == '.') {
		(*p)++;
		if (**p == '*') {
			(*p)++;
			int pr = va_arg(*ap, int);
			sp->prec = (pr < 0) ? -1 : pr;
		} else {
			sp->prec = parse_number(p); /* "." alone means 0 */
		}
	}

	sp->len = parse_length(p);
	sp->conv = **p;
}

/*
 * Fetch an integer argument of the size the length modifier says.  Values
 * narrower than int were promoted to int by the caller, so they are read
 * as int and then cut back down.
 */
static long long fetch_signed(enum length len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		return va_arg(*ap, ptrdiff_t); /* signed size_t */
	case LEN_J:
		return va_arg(*ap, intmax_t);
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

static unsigned long long fetch_unsigned(enum length len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	case LEN_T:
		return (size_t)va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

/*
 * Write the digits of v in the given base into the end of buf and
 * return the number of digits (at least one: 0 is "0").
 */
static int to_digits(char *buf, int size, unsigned long long v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	do {
		buf[size - 1 - n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	return n;
}

/*
 * Print an integer whose absolute value is mag.  Taking the magnitude
 * apart from the sign lets LLONG_MIN print without overflow.
 */
static void format_int(struct out *o, const struct spec *sp, unsigned long long mag, bool negative)
{
	char buf[24]; /* 64 bits in octal is 22 digits */
	unsigned base = 10;
	const char *prefix = "";
	char sign = 0;

	if (sp->conv == 'o')
		base = 8;
	else if (sp->conv == 'x' || sp->conv == 'X' || sp->conv == 'p')
		base = 16;

	int nd = to_digits(buf, sizeof(buf), mag, base, sp->conv == 'X');
	const char *digits = buf + sizeof(buf) - nd;
	if (sp->prec == 0 && mag == 0)
		nd = 0; /* C: "%.0d" of 0 prints nothing */

	if (sp->conv == 'd' || sp->conv == 'i') {
		if (negative)
			sign = '-';
		else if (sp->flags & FL_PLUS)
			sign = '+';
		else if (sp->flags & FL_SPACE)
			sign = ' ';
	}

	if (sp->conv == 'p' || ((sp->flags & FL_ALT) && mag != 0 && base == 16))
		prefix = (sp->conv == 'X') ? "0X" : "0x";

	int zeros = (sp->prec > nd) ? sp->prec - nd : 0;
	/* "%#o" makes sure the number starts with 0, adding one if needed. */
	if ((sp->flags & FL_ALT) && base == 8 && zeros == 0 && (nd == 0 || digits[0] != '0'))
		zeros = 1;

	int body = (sign != 0) + (int)strlen(prefix) + zeros + nd;
	int pad = (sp->width > body) ? sp->width - body : 0;

	/* '0' pads with zeros after the sign; ignored with '-' or a precision. */
	if ((sp->flags & FL_ZERO) && !(sp->flags & FL_LEFT) && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}

	if (!(sp->flags & FL_LEFT))
		emit_n(o, ' ', pad);
	if (sign)
		emit(o, sign);
	emit_str(o, prefix, strlen(prefix));
	emit_n(o, '0', zeros);
	emit_str(o, digits, nd);
	if (sp->flags & FL_LEFT)
		emit_n(o, ' ', pad);
}

/* Print len bytes of s, padded with spaces to the field width. */
static void format_str(struct out *o, const struct spec *sp, const char *s, size_t len)
{
	int pad = 0;

	if ((size_t)sp->width > len)
		pad = sp->width - (int)len;
	if (!(sp->flags & FL_LEFT))
		emit_n(o, ' ', pad);
	emit_str(o, s, len);
	if (sp->flags & FL_LEFT)
		emit_n(o, ' ', pad);
}

/* Handle %s; a precision limits how many bytes of the string are read. */
static void format_s(struct out *o, const struct spec *sp, const char *s)
{
	if (s == NULL)
		s = "(null)";
	size_t len = (sp->prec >= 0) ? strnlen(s, sp->prec) : strlen(s);
	format_str(o, sp, s, len);
}

/*
 * Print one conversion whose specification has been parsed into *sp.
 * Returns false if the conversion character is not one we know.
 */
static bool format_one(struct out *o, struct spec *sp, va_list *ap)
{
	long long v;
	char c;

	switch (sp->conv) {
	case 'd':
	case 'i':
		v = fetch_signed(sp->len, ap);
		/* 0 - (unsigned)v is |v| even for LLONG_MIN. */
		format_int(o, sp, v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v, v < 0);
		return true;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		format_int(o, sp, fetch_unsigned(sp->len, ap), false);
		return true;
	case 'p':
		sp->prec = 16; /* always all 16 hex digits */
		format_int(o, sp, (uintptr_t)va_arg(*ap, void *), false);
		return true;
	case 's':
		format_s(o, sp, va_arg(*ap, const char *));
		return true;
	case 'c':
		c = (char)va_arg(*ap, int);
		format_str(o, sp, &c, 1);
		return true;
	case '%':
		emit(o, '%');
		return true;
	default:
		return false;
	}
}

int fmt_vformat(fmt_putc_fn putc, void *arg, const char *fmt, va_list ap)
{
	struct out o = {putc, arg, 0};
	struct spec sp;
	va_list args;

	/* Helpers take a va_list *; copying gives us a local we may point at. */
	va_copy(args, ap);
	while (*fmt != '\0') {
		if (*fmt != '%') {
			emit(&o, *fmt++);
			continue;
		}
		const char *start = fmt++;
		parse_spec(&fmt, &sp, &args);
		if (*fmt != '\0')
			fmt++; /* step past the conversion */
		/* Unknown, or the format ended early: copy the text as it was. */
		if (!format_one(&o, &sp, &args))
			emit_str(&o, start, fmt - start);
	}
	va_end(args);
	return (o.count > (size_t)FMT_INT_MAX) ? FMT_INT_MAX : (int)o.count;
}

/* fmt_vsnprintf's putc: keep what fits, leaving room for the NUL. */
struct buf {
	char *p;
	size_t size;
	size_t len; /* characters produced so far, stored or not */
};

static void buf_putc(void *arg, char c)
{
	struct buf *b = arg;

	if (b->len + 1 < b->size)
		b->p[b->len] = c;
	b->len++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf b = {buf, size, 0};
	int n = fmt_vformat(buf_putc, &b, fmt, ap);

	if (size > 0)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
