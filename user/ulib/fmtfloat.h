/*
 * printf's floating-point conversions, %f %F %e %E %g %G, for user
 * programs only (the kernel has no floating point; lib/fmt.c does the
 * rest of printf for both).  A pure function: tests/host/test_fmtfloat.c
 * checks it against the host C library.
 */
#ifndef USER_FMTFLOAT_H
#define USER_FMTFLOAT_H

#include <stdbool.h>

struct float_spec {
	bool left;	/* '-': pad on the right */
	bool zero;	/* '0': pad with zeros after the sign */
	bool plus;	/* '+': a sign even for positives */
	bool space;	/* ' ': a space where a positive's sign would be */
	bool alt;	/* '#': always a decimal point; %g keeps trailing zeros */
	int width;	/* minimum field width, 0: none */
	int prec;	/* digits after the point (%g: significant), -1: 6 */
	char conv;	/* one of f F e E g G */
};

/*
 * Formats v as C's printf would (round to nearest, ties to even, on the
 * exact binary value) and hands each character to putc.  Returns the
 * number of characters.
 */
int fmt_float(void (*putc)(void *arg, char c), void *arg, double v, const struct float_spec *sp);

#endif
