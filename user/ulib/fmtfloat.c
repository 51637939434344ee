/*
 * %f %e %g without a C library (see fmtfloat.h).
 *
 * A double is m * 2^e with m an integer below 2^53.  Its exact decimal
 * expansion is the integer m * 2^e (e >= 0), or m * 5^-e with the point
 * -e places from the right (e < 0): at most 767 significant digits, for
 * the smallest subnormal.  to_decimal computes that integer in base 10^9
 * limbs, turns it into a digit string, and every conversion then rounds
 * the string where its precision says (round half to even on the exact
 * value, as glibc does) and prints from it.  Slow next to the clever
 * algorithms, but short and exact.
 */
#include <stdint.h>

#include "user/ulib/fmtfloat.h"

#define MAX_DIGITS	800	/* 767 is the most a double needs */
#define LIMBS		(MAX_DIGITS / 9 + 2)
#define LIMB_BASE	1000000000u

/* value = 0.d[0] d[1] ... d[n-1] * 10^point; n == 0 is zero.  No
 * trailing zeros in d. */
struct decimal {
	uint8_t d[MAX_DIGITS];
	int n;
	int point;
};

/* Where characters go; count goes up even when putc is 0 (measuring). */
struct sink {
	void (*putc)(void *arg, char c);
	void *arg;
	int count;
};

static void put(struct sink *s, char c)
{
	if (s->putc)
		s->putc(s->arg, c);
	s->count++;
}

static void put_n(struct sink *s, char c, int n)
{
	for (int i = 0; i < n; i++)
		put(s, c);
}

/* a (n limbs, least significant first) *= m, for m < 2^32. */
static void big_mul(uint32_t *a, int *n, uint32_t m)
{
	uint64_t carry = 0;

	for (int i = 0; i < *n; i++) {
		uint64_t t = (uint64_t)a[i] * m + carry;

		a[i] = (uint32_t)(t % LIMB_BASE);
		carry = t / LIMB_BASE;
	}
	while (carry) {
		a[(*n)++] = (uint32_t)(carry % LIMB_BASE);
		carry /= LIMB_BASE;
	}
}

/* Appends the decimal digits of limb v to x: all 9 of them, or without
 * leading zeros for the most significant limb. */
static void push_limb(struct decimal *x, uint32_t v, bool leading)
{
	char tmp[9];
	int k = 0;

	do {
		tmp[k++] = (char)(v % 10);
		v /= 10;
	} while (v);
	if (!leading)
		while (k < 9)
			tmp[k++] = 0;
	while (k > 0)
		x->d[x->n++] = (uint8_t)tmp[--k];
}

/* The exact decimal expansion of |v|, v finite. */
static void to_decimal(double v, struct decimal *x)
{
	union {
		double f;
		uint64_t u;
	} bits = { .f = v };
	uint64_t m = bits.u & ((1ull << 52) - 1);
	int biased = (int)(bits.u >> 52) & 0x7ff, e;
	uint32_t big[LIMBS];
	int n = 0;

	x->n = 0;
	x->point = 0;
	if (biased == 0) {
		e = -1074;			/* subnormal */
	} else {
		m |= 1ull << 52;		/* the implicit leading 1 */
		e = biased - 1075;
	}
	if (m == 0)
		return;
	while (m) {
		big[n++] = (uint32_t)(m % LIMB_BASE);
		m /= LIMB_BASE;
	}
	for (int left = e; left > 0; left -= 28)
		big_mul(big, &n, 1u << (left < 28 ? left : 28));
	for (int left = -e; left > 0; left -= 13) {
		uint32_t p = 1;

		for (int i = 0; i < (left < 13 ? left : 13); i++)
			p *= 5;
		big_mul(big, &n, p);
	}
	for (int i = n - 1; i >= 0; i--)
		push_limb(x, big[i], i == n - 1);
	x->point = x->n + (e < 0 ? e : 0);
	while (x->n > 0 && x->d[x->n - 1] == 0)
		x->n--;
}

static int digit(const struct decimal *x, int i)
{
	return i >= 0 && i < x->n ? x->d[i] : 0;
}

/* Keeps the first k digits, rounding the rest half to even. */
static void round_at(struct decimal *x, int k)
{
	bool up;
	int i;

	if (k >= x->n)
		return;
	if (k < 0) {
		x->n = 0;	/* below half a unit of the last kept place */
		return;
	}
	if (x->d[k] != 5)
		up = x->d[k] > 5;
	else if (k + 1 < x->n)
		up = true;	/* more than half: digits follow (no trailing zeros) */
	else
		up = k > 0 && (x->d[k - 1] & 1);	/* a tie: to even */
	x->n = k;
	if (up) {
		for (i = k - 1; i >= 0 && x->d[i] == 9; i--)
			;
		if (i < 0) {
			x->d[0] = 1;	/* 9.99 -> 10.0: one more integer digit */
			x->n = 1;
			x->point++;
		} else {
			x->d[i]++;
			x->n = i + 1;
		}
	}
	while (x->n > 0 && x->d[x->n - 1] == 0)
		x->n--;
}

/* ddd.fff with frac digits after the point. */
static void put_fixed(struct sink *s, const struct decimal *x, int frac, bool dot)
{
	if (x->point <= 0)
		put(s, '0');
	for (int i = 0; i < x->point; i++)
		put(s, (char)('0' + digit(x, i)));
	if (dot)
		put(s, '.');
	for (int j = 0; j < frac; j++)
		put(s, (char)('0' + digit(x, x->point + j)));
}

/* d.ddde+XX with frac digits after the point. */
static void put_exp(struct sink *s, const struct decimal *x, int frac, bool dot, bool upper)
{
	int e = x->n ? x->point - 1 : 0;
	char tmp[4];
	int k = 0;

	put(s, (char)('0' + digit(x, 0)));
	if (dot)
		put(s, '.');
	for (int j = 1; j <= frac; j++)
		put(s, (char)('0' + digit(x, j)));
	put(s, upper ? 'E' : 'e');
	put(s, e < 0 ? '-' : '+');
	if (e < 0)
		e = -e;
	do {
		tmp[k++] = (char)('0' + e % 10);
		e /= 10;
	} while (e);
	if (k < 2)
		put(s, '0');
	while (k > 0)
		put(s, tmp[--k]);
}

/* The number without sign or padding, rounded as conv and prec say. */
static void put_body(struct sink *s, struct decimal *x, const struct float_spec *sp)
{
	char c = sp->conv | 0x20;	/* lower case */
	bool upper = !(sp->conv & 0x20);
	int p = sp->prec < 0 ? 6 : sp->prec;
	int e, frac;

	if (c == 'f') {
		round_at(x, x->point + p);
		put_fixed(s, x, p, p > 0 || sp->alt);
		return;
	}
	if (c == 'e') {
		round_at(x, p + 1);
		put_exp(s, x, p, p > 0 || sp->alt, upper);
		return;
	}
	/* %g: the exponent e of the %e form with p significant digits picks
	 * the style; unless '#', trailing zeros go. */
	if (p == 0)
		p = 1;
	round_at(x, p);
	e = x->n ? x->point - 1 : 0;
	if (e < p && e >= -4) {
		frac = p - 1 - e;
		if (!sp->alt && frac > x->n - x->point)
			frac = x->n - x->point > 0 ? x->n - x->point : 0;
		put_fixed(s, x, frac, frac > 0 || sp->alt);
	} else {
		frac = p - 1;
		if (!sp->alt && frac > x->n - 1)
			frac = x->n > 1 ? x->n - 1 : 0;
		put_exp(s, x, frac, frac > 0 || sp->alt, upper);
	}
}

static void put_text(struct sink *s, const char *t)
{
	while (*t)
		put(s, *t++);
}

int fmt_float(void (*putc)(void *arg, char c), void *arg, double v, const struct float_spec *sp)
{
	union {
		double f;
		uint64_t u;
	} bits = { .f = v };
	bool negative = bits.u >> 63, upper = !(sp->conv & 0x20);
	bool finite = ((bits.u >> 52) & 0x7ff) != 0x7ff;
	char sign = negative ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
	struct sink measure = { 0, 0, 0 }, out = { putc, arg, 0 };
	struct decimal x;
	int pad;

	if (finite) {
		to_decimal(v, &x);
		struct decimal copy = x;

		put_body(&measure, &copy, sp);
	} else {
		measure.count = 3;	/* inf, nan */
	}
	pad = sp->width - measure.count - (sign != 0);
	if (pad < 0)
		pad = 0;
	if (!sp->left && !(sp->zero && finite))
		put_n(&out, ' ', pad);
	if (sign)
		put(&out, sign);
	if (!sp->left && sp->zero && finite)
		put_n(&out, '0', pad);
	if (!finite)
		put_text(&out, (bits.u << 12) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf"));
	else
		put_body(&out, &x, sp);
	if (sp->left)
		put_n(&out, ' ', pad);
	return out.count;
}
