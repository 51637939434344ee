/* Turning text into numbers: strtol, atoi and a strict parse_long. */
#include <limits.h>

#include "baton.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The value of digit c, or 99 if c is not a digit or letter. */
static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/*
 * The work of strtol; also says whether the value was out of range.
 * The magnitude is accumulated as unsigned so that LONG_MIN, whose
 * magnitude does not fit in a long, is still exact.
 */
static long convert(const char *s, char **end, int base, bool *overflow)
{
	const char *p = s, *digits;
	unsigned long acc = 0, limit;
	bool neg = false;

	*overflow = false;
	while (is_space(*p))
		p++;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	limit = neg ? (unsigned long)LONG_MAX + 1 : (unsigned long)LONG_MAX;
	for (digits = p; base >= 2 && base <= 36 && digit_value(*p) < base; p++) {
		unsigned long d = digit_value(*p);

		if (acc > (limit - d) / base) {
			*overflow = true;	/* and acc stays at limit from now on */
			acc = limit;
		} else {
			acc = acc * base + d;
		}
	}
	if (end)
		*end = (char *)(p == digits ? s : p);	/* no digits: nothing used */
	if (neg)
		return acc == (unsigned long)LONG_MAX + 1 ? LONG_MIN : -(long)acc;
	return (long)acc;
}

long strtol(const char *s, char **end, int base)
{
	bool overflow;

	return convert(s, end, base, &overflow);
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

bool parse_long(const char *s, long *out)
{
	const char *digits = s + (*s == '-' || *s == '+');
	/* Decimal, or hex with 0x; never octal: "010" is ten. */
	int base = digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X') ? 16 : 10;
	bool overflow;
	char *end;
	long v;

	if (is_space(*s))
		return false;
	v = convert(s, &end, base, &overflow);
	if (end == s || *end != '\0' || overflow)
		return false;
	*out = v;
	return true;
}
