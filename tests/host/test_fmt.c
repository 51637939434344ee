/*
 * Host unit tests for lib/fmt.c, the printf formatting core.
 *
 * Most checks format into a buffer and compare with the expected text.
 * Where C defines the behaviour and glibc follows it, the output is also
 * compared with the host's own snprintf: first a hand-written list of
 * format/value pairs, then a generated sweep over flags, widths,
 * precisions, length modifiers and edge values.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/fmt.h"

/*
 * Call fmt_vsnprintf without the format attribute's compile-time check,
 * for formats gcc would rightly warn about (unknown conversions etc.).
 */
static int fmt_unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* Format into a large buffer; check the text and the return value. */
#define EXPECT(want, ...)                                                                          \
	do {                                                                                       \
		char buf_[512];                                                                    \
		int n_ = fmt_snprintf(buf_, sizeof(buf_), __VA_ARGS__);                            \
		assert_string_equal(buf_, (want));                                                 \
		assert_int_equal(n_, strlen(want));                                                \
	} while (0)

/* Same, through fmt_unchecked. */
#define EXPECT_U(want, ...)                                                                        \
	do {                                                                                       \
		char buf_[512];                                                                    \
		int n_ = fmt_unchecked(buf_, sizeof(buf_), __VA_ARGS__);                           \
		assert_string_equal(buf_, (want));                                                 \
		assert_int_equal(n_, strlen(want));                                                \
	} while (0)

/* Output and return value must match the host's snprintf. */
static void check_same(const char *fmt, const char *got, int got_n, const char *want, int want_n)
{
	if (strcmp(got, want) != 0 || got_n != want_n)
		print_error("format \"%s\": got \"%s\" (%d), host \"%s\" (%d)\n", fmt, got, got_n,
			    want, want_n);
	assert_string_equal(got, want);
	assert_int_equal(got_n, want_n);
}

#define SAME(f, ...)                                                                               \
	do {                                                                                       \
		char a_[512], b_[512];                                                             \
		int na_ = fmt_snprintf(a_, sizeof(a_), f, ##__VA_ARGS__);                          \
		int nb_ = snprintf(b_, sizeof(b_), f, ##__VA_ARGS__);                              \
		check_same(f, a_, na_, b_, nb_);                                                   \
	} while (0)

/* Same, for formats gcc's format check would warn about. */
#define SAME_U(f, ...)                                                                             \
	do {                                                                                       \
		const char *f_ = (f);                                                              \
		char a_[512], b_[512];                                                             \
		int na_ = fmt_unchecked(a_, sizeof(a_), f_, ##__VA_ARGS__);                        \
		int nb_ = snprintf(b_, sizeof(b_), f_, ##__VA_ARGS__);                             \
		check_same(f_, a_, na_, b_, nb_);                                                  \
	} while (0)

/* ---- conversions ---- */

static void test_plain_text(void **state)
{
	(void)state;
	EXPECT("hello, world", "hello, world");
	EXPECT_U("", "");
	EXPECT("100%", "100%%");
	EXPECT("%%", "%%%%");
}

static void test_decimal(void **state)
{
	(void)state;
	EXPECT("0", "%d", 0);
	EXPECT("42", "%d", 42);
	EXPECT("-42", "%i", -42);
	EXPECT("2147483647", "%d", INT_MAX);
	EXPECT("-2147483648", "%d", INT_MIN);
	EXPECT("-2147483648", "%i", INT_MIN);
}

static void test_unsigned(void **state)
{
	(void)state;
	EXPECT("0", "%u", 0u);
	EXPECT("4294967295", "%u", UINT_MAX);
	EXPECT("4294967295", "%u", (unsigned)-1);
	EXPECT("18446744073709551615", "%lu", ULONG_MAX);
	EXPECT("18446744073709551615", "%llu", ULLONG_MAX);
}

static void test_hex_octal(void **state)
{
	(void)state;
	EXPECT("0", "%x", 0u);
	EXPECT("deadbeef", "%x", 0xdeadbeefu);
	EXPECT("DEADBEEF", "%X", 0xdeadbeefu);
	EXPECT("ffffffffffffffff", "%lx", ULONG_MAX);
	EXPECT("FFFFFFFFFFFFFFFF", "%llX", ULLONG_MAX);
	EXPECT("0", "%o", 0u);
	EXPECT("17", "%o", 15u);
	EXPECT("1777777777777777777777", "%lo", ULONG_MAX);
}

static void test_char(void **state)
{
	(void)state;
	EXPECT("A", "%c", 'A');
	EXPECT("[x]", "[%c]", 'x');
	EXPECT("    z", "%5c", 'z');
	EXPECT("z    |", "%-5c|", 'z');
}

static void test_char_nul(void **state)
{
	char buf[8];
	(void)state;
	/* A NUL from %c is output and counted like any other character. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "a%cb", 0), 3);
	assert_memory_equal(buf, "a\0b\0", 4);
}

static void test_string(void **state)
{
	(void)state;
	EXPECT("hi", "%s", "hi");
	EXPECT("", "%s", "");
	EXPECT("a-b-c", "%s-%s-%s", "a", "b", "c");
	EXPECT("   hi", "%5s", "hi");
	EXPECT("hi   |", "%-5s|", "hi");
	EXPECT("hello", "%2s", "hello");
}

static void test_string_null(void **state)
{
	(void)state;
	EXPECT_U("(null)", "%s", (char *)NULL);
	EXPECT_U("  (null)", "%8s", (char *)NULL);
	EXPECT_U("(null)  |", "%-8s|", (char *)NULL);
}

static void test_string_precision(void **state)
{
	(void)state;
	EXPECT("hel", "%.3s", "hello");
	EXPECT("", "%.0s", "hello");
	EXPECT("hello", "%.10s", "hello");
	EXPECT("  hel", "%5.3s", "hello");
	EXPECT("hel  |", "%-5.3s|", "hello");
	EXPECT("ab", "%.*s", 2, "abcdef");
	EXPECT("abcdef", "%.*s", -1, "abcdef"); /* negative: no precision */
}

static void test_string_precision_no_overread(void **state)
{
	/*
	 * Not NUL-terminated: precision must stop the read.  Plain malloc, not
	 * test_malloc, so ASan sees the end of the block and catches over-reads.
	 */
	char *s = malloc(4);
	assert_non_null(s);
	(void)state;
	memcpy(s, "abcd", 4);
	EXPECT("abcd", "%.4s", s);
	EXPECT("ab", "%.2s", s);
	EXPECT("  abcd", "%6.4s", s);
	free(s);
}

static void test_pointer(void **state)
{
	(void)state;
	EXPECT("0x0000000000000000", "%p", (void *)NULL);
	EXPECT("0x00000000deadbeef", "%p", (void *)0xdeadbeefUL);
	EXPECT("0xffffffff80100000", "%p", (void *)0xffffffff80100000UL);
	EXPECT("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
	EXPECT("  0x0000000000000001", "%20p", (void *)1);
	EXPECT("0x0000000000000001  |", "%-20p|", (void *)1);
}

static void test_percent(void **state)
{
	(void)state;
	EXPECT("%", "%%");
	EXPECT("a%b", "a%%b");
	EXPECT("5%d", "%d%%d", 5);
}

/* ---- length modifiers ---- */

static void test_length_modifiers(void **state)
{
	(void)state;
	EXPECT("-1", "%ld", -1L);
	EXPECT("9223372036854775807", "%ld", LONG_MAX);
	EXPECT("-9223372036854775808", "%ld", LONG_MIN);
	EXPECT("-9223372036854775808", "%lld", LLONG_MIN);
	EXPECT("-9223372036854775808", "%li", LONG_MIN);
	EXPECT("18446744073709551615", "%zu", SIZE_MAX);
	EXPECT("ffffffffffffffff", "%zx", SIZE_MAX);
	EXPECT("-5", "%zd", (ptrdiff_t)-5);
	EXPECT("-9223372036854775808", "%jd", INTMAX_MIN);
	EXPECT("-3", "%td", (ptrdiff_t)-3);
}

static void test_length_short(void **state)
{
	(void)state;
	/* h/hh: the promoted int is cut back to short / char. */
	EXPECT("-1", "%hd", (short)-1);
	EXPECT("65535", "%hu", (unsigned short)65535);
	EXPECT("-128", "%hhd", (signed char)-128);
	EXPECT("255", "%hhu", (unsigned char)255);
	EXPECT("ff", "%hhx", (unsigned char)0xff);
	EXPECT_U("ff", "%hhx", -1);
	EXPECT_U("ffff", "%hx", -1);
	EXPECT_U("44", "%hhd", 300);
}

/* ---- flags ---- */

static void test_flag_minus(void **state)
{
	(void)state;
	EXPECT("42   |", "%-5d|", 42);
	EXPECT("-42  |", "%-5d|", -42);
	EXPECT("ff   |", "%-5x|", 0xffu);
	EXPECT_U("42   |", "%-05d|", 42); /* '-' overrides '0' */
}

static void test_flag_zero(void **state)
{
	(void)state;
	EXPECT("00042", "%05d", 42);
	EXPECT("-0042", "%05d", -42);
	EXPECT("+0042", "%+05d", 42);
	EXPECT(" 0042", "% 05d", 42);
	EXPECT("0x00ff", "%#06x", 0xffu);
	EXPECT("0X00FF", "%#06X", 0xffu);
	EXPECT_U("  042", "%05.3d", 42); /* precision overrides '0' */
	EXPECT("-9223372036854775808", "%020ld", LONG_MIN);
	EXPECT("-09223372036854775808", "%021ld", LONG_MIN);
}

static void test_flag_plus_space(void **state)
{
	(void)state;
	EXPECT("+42", "%+d", 42);
	EXPECT("-42", "%+d", -42);
	EXPECT("+0", "%+d", 0);
	EXPECT(" 42", "% d", 42);
	EXPECT("-42", "% d", -42);
	EXPECT_U("+42", "%+ d", 42); /* '+' wins over ' ' */
	EXPECT_U("42", "%+u", 42u);  /* sign flags: signed only */
	EXPECT_U("2a", "% x", 42u);
}

static void test_flag_alt(void **state)
{
	(void)state;
	EXPECT("0x2a", "%#x", 42u);
	EXPECT("0X2A", "%#X", 42u);
	EXPECT("0", "%#x", 0u); /* no prefix for zero */
	EXPECT("052", "%#o", 42u);
	EXPECT("0", "%#o", 0u);
	EXPECT("0", "%#.0o", 0u);
	EXPECT("010", "%#.3o", 8u);
	EXPECT("0xffffffffffffffff", "%#lx", ULONG_MAX);
	EXPECT("  0x2a", "%#6x", 42u);
	EXPECT("0x2a  |", "%#-6x|", 42u);
}

/* ---- width and precision ---- */

static void test_width(void **state)
{
	(void)state;
	EXPECT("   42", "%5d", 42);
	EXPECT("  -42", "%5d", -42);
	EXPECT("12345", "%3d", 12345); /* never truncates */
	EXPECT("    0", "%5u", 0u);
	EXPECT("   ff", "%5x", 0xffu);
	EXPECT("        17", "%10o", 15u);
}

static void test_precision_int(void **state)
{
	(void)state;
	EXPECT("00042", "%.5d", 42);
	EXPECT("-00042", "%.5d", -42);
	EXPECT("   00042", "%8.5d", 42);
	EXPECT("00042   |", "%-8.5d|", 42);
	EXPECT("000ff", "%.5x", 0xffu);
	EXPECT("0x000ff", "%#.5x", 0xffu);
	EXPECT("42", "%.1d", 42);
	EXPECT("", "%.0d", 0); /* C: no digits at all */
	EXPECT("", "%.d", 0);  /* "." alone means 0 */
	EXPECT("     ", "%5.0d", 0);
	EXPECT("+", "%+.0d", 0);
	EXPECT("", "%.0x", 0u);
	EXPECT("7", "%.0d", 7);
}

static void test_star(void **state)
{
	(void)state;
	EXPECT("   42", "%*d", 5, 42);
	EXPECT("42   |", "%*d|", -5, 42); /* negative width: '-' flag */
	EXPECT("00042", "%.*d", 5, 42);
	EXPECT("42", "%.*d", -3, 42); /* negative precision: none */
	EXPECT("   00042", "%*.*d", 8, 5, 42);
	EXPECT("  hel", "%*.*s", 5, 3, "hello");
	EXPECT("a    |b", "%-*s|%s", 5, "a", "b");
	EXPECT("x", "%*s", 0, "x");
}

/* ---- buffer handling and return value ---- */

static void test_size_zero(void **state)
{
	char buf[4] = "XYZ";
	(void)state;
	/* size 0: nothing written, not even the NUL; buf may be NULL. */
	assert_int_equal(fmt_snprintf(NULL, 0, "hello %d", 42), 8);
	assert_int_equal(fmt_snprintf(buf, 0, "hello"), 5);
	assert_string_equal(buf, "XYZ");
}

static void test_size_one(void **state)
{
	char buf[4] = "XYZ";
	(void)state;
	assert_int_equal(fmt_snprintf(buf, 1, "hello"), 5);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'Y'); /* untouched past size */
}

static void test_truncation(void **state)
{
	char buf[8];
	(void)state;
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 4, "%d", 123456), 6);
	assert_string_equal(buf, "123");
	assert_int_equal(buf[4], 'X');

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 6, "%s|%s", "ab", "cdef"), 7);
	assert_string_equal(buf, "ab|cd");
	assert_int_equal(buf[6], 'X');
}

static void test_exact_fit(void **state)
{
	char buf[8];
	(void)state;
	/* 5 characters need 6 bytes; with 5 the last one is lost. */
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 6, "hello"), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(buf[6], 'X');

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 5, "hello"), 5);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], 'X');
}

static void test_truncation_every_size(void **state)
{
	const char *want = "x=-42 s=abc p=0x00000000000000ff";
	size_t len = strlen(want);
	(void)state;

	for (size_t size = 0; size <= len + 2; size++) {
		char *buf = test_malloc(size + 1);
		memset(buf, '#', size + 1);
		int n = fmt_snprintf(size ? buf : NULL, size, "x=%d s=%s p=%p", -42, "abc",
				     (void *)0xff);
		assert_int_equal(n, len);
		if (size > 0) {
			size_t kept = size - 1 < len ? size - 1 : len;
			assert_memory_equal(buf, want, kept);
			assert_int_equal(buf[kept], '\0');
		}
		assert_int_equal(buf[size], '#'); /* nothing written past size */
		test_free(buf);
	}
}

/* ---- odd formats ---- */

static void test_unknown_conversion(void **state)
{
	(void)state;
	EXPECT_U("%q", "%q");
	EXPECT_U("a%qb", "a%qb");
	EXPECT_U("%5q", "%5q");
	EXPECT_U("%-#08.3lq", "%-#08.3lq");
	EXPECT_U("%n", "%n");	      /* never writes through args */
	EXPECT_U("%f 7", "%f %d", 7); /* no floating point */
	EXPECT_U("%q 7", "%q %d", 7); /* following args still line up */
}

static void test_trailing_percent(void **state)
{
	(void)state;
	EXPECT_U("%", "%");
	EXPECT_U("abc%", "abc%");
	EXPECT_U("abc%-5", "abc%-5");
	EXPECT_U("%l", "%l");
	EXPECT_U("%hh", "%hh");
}

static void test_wide_field(void **state)
{
	char buf[16];
	(void)state;
	/* A field far wider than the buffer: truncated, full length returned. */
	int n = fmt_snprintf(buf, sizeof(buf), "%1000d", 1);
	assert_int_equal(n, 1000);
	assert_string_equal(buf, "               ");
	n = fmt_snprintf(buf, sizeof(buf), "%-*d|", 999, 1);
	assert_int_equal(n, 1000);
	assert_string_equal(buf, "1              ");
}

/* ---- fmt_vformat with a putc callback ---- */

struct collect {
	char text[64];
	size_t n;
};

static void collect_putc(void *arg, char c)
{
	struct collect *col = arg;
	if (col->n < sizeof(col->text) - 1)
		col->text[col->n] = c;
	col->n++;
}

static int vformat_collect(struct collect *col, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(collect_putc, col, fmt, ap);
	va_end(ap);
	return n;
}

static void test_vformat_callback(void **state)
{
	struct collect col = {.n = 0};
	(void)state;
	int n = vformat_collect(&col, "[%s:%d:%#x]", "pid", 7, 255u);
	col.text[col.n] = '\0';
	assert_string_equal(col.text, "[pid:7:0xff]");
	assert_int_equal(n, 12);
	assert_int_equal(col.n, 12);
}

static void test_vformat_empty(void **state)
{
	struct collect col = {.n = 0};
	(void)state;
	assert_int_equal(vformat_collect(&col, "%s", ""), 0);
	assert_int_equal(col.n, 0);
}

/* ---- comparison with the host's snprintf ---- */

static void test_same_as_host(void **state)
{
	(void)state;
	SAME("plain");
	SAME("%%");
	SAME("%d", 0);
	SAME("%d", 1);
	SAME("%d", -1);
	SAME("%d", INT_MAX);
	SAME("%d", INT_MIN);
	SAME("%i", 12345);
	SAME("%u", UINT_MAX);
	SAME("%x", 0u);
	SAME("%x", 0x1234abcdu);
	SAME("%X", 0x1234abcdu);
	SAME("%o", 0777u);
	SAME("%ld", LONG_MIN);
	SAME("%ld", LONG_MAX);
	SAME("%lu", ULONG_MAX);
	SAME("%lx", ULONG_MAX);
	SAME("%lo", ULONG_MAX);
	SAME("%lld", LLONG_MIN);
	SAME("%llu", ULLONG_MAX);
	SAME("%zu", SIZE_MAX);
	SAME("%zu", (size_t)0);
	SAME("%zx", (size_t)0xabc);
	SAME("%hd", (short)SHRT_MIN);
	SAME("%hu", (unsigned short)USHRT_MAX);
	SAME("%hhd", (signed char)SCHAR_MIN);
	SAME("%hhu", (unsigned char)UCHAR_MAX);
	SAME("%5d", 42);
	SAME("%-5d|", 42);
	SAME("%05d", -42);
	SAME("%+d", 0);
	SAME("% d", 0);
	SAME("%+5d", 42);
	SAME("%-+5d|", 42);
	SAME("% -5d|", 42);
	SAME("%+05d", 42);
	SAME("%.0d", 0);
	SAME("%5.0d", 0);
	SAME("%-5.0d|", 0);
	SAME("%.3d", -7);
	SAME("%8.3d", -7);
	SAME("%-8.3d|", -7);
	SAME_U("%08.3d", -7); /* gcc warns: '0' is ignored */
	SAME_U("%-05d|", 42);
	SAME_U("%+ d", 42);
	SAME("%.20ld", LONG_MIN);
	SAME("%25ld", LONG_MIN);
	SAME("%-25ld|", LONG_MIN);
	SAME("%025ld", LONG_MIN);
	SAME("%+ld", LONG_MAX);
	SAME("%#x", 0u);
	SAME("%#x", 1u);
	SAME("%#X", 0xabcu);
	SAME("%#o", 0u);
	SAME("%#o", 8u);
	SAME("%#.0o", 0u);
	SAME("%#.5o", 8u);
	SAME("%#10x", 0xffu);
	SAME("%#-10x|", 0xffu);
	SAME("%#010x", 0xffu);
	SAME("%#.6x", 0xffu);
	SAME("%#10.6x", 0xffu);
	SAME("%#.0x", 0u);
	SAME("%#5.0x", 0u);
	SAME("%#lx", ULONG_MAX);
	SAME("%#lo", ULONG_MAX);
	SAME("%c", 'q');
	SAME("%3c", 'q');
	SAME("%-3c|", 'q');
	SAME("%s", "string");
	SAME("%10s", "string");
	SAME("%-10s|", "string");
	SAME("%.3s", "string");
	SAME("%10.3s", "string");
	SAME("%-10.3s|", "string");
	SAME("%.0s", "string");
	SAME("%.100s", "string");
	SAME("%s", "");
	SAME("%5s", "");
	SAME("%*d", 6, 42);
	SAME("%*d", -6, 42);
	SAME("%-*d|", 6, 42);
	SAME("%.*d", 4, 42);
	SAME("%.*d", -4, 42);
	SAME("%*.*d", 8, 4, -42);
	SAME("%*.*d", -8, 4, -42);
	SAME("%*.*s", 8, 2, "abc");
	SAME("%.*s", 0, "abc");
	SAME("%d %s %c %x %u", -1, "two", '3', 4u, 5u);
	SAME("%s=%d, %s=%ld", "a", 1, "b", -2L);
	SAME("[%5d] [%-5d] [%05d]", 1, 2, 3);
	SAME("%ld%%", 100L);
	SAME("%%%d%%", 7);
}

/*
 * Generated sweep: every combination of a few flags, widths, precisions
 * and conversions, applied to edge values of the conversion's type.
 */
enum kind { K_INT, K_LONG, K_LLONG, K_SIZE, K_SHORT, K_CHAR };

struct conv {
	const char *text; /* length modifier and conversion */
	enum kind kind;
};

static const struct conv convs[] = {
    {"d", K_INT},     {"i", K_INT},	{"u", K_INT},	  {"x", K_INT},	   {"X", K_INT},
    {"o", K_INT},     {"ld", K_LONG},	{"lu", K_LONG},	  {"lx", K_LONG},  {"lo", K_LONG},
    {"lld", K_LLONG}, {"llu", K_LLONG}, {"llX", K_LLONG}, {"zu", K_SIZE},  {"zx", K_SIZE},
    {"zd", K_SIZE},   {"hd", K_SHORT},	{"hu", K_SHORT},  {"hx", K_SHORT}, {"hhd", K_CHAR},
    {"hhu", K_CHAR},  {"hhx", K_CHAR},
};

static const long long values[] = {
    0,
    1,
    -1,
    7,
    -7,
    8,
    42,
    255,
    256,
    -128,
    32767,
    -32768,
    65535,
    INT_MAX,
    INT_MIN,
    (long long)UINT_MAX,
    LLONG_MAX,
    LLONG_MIN,
    0x123456789abcdefLL,
};

/* Format v with both implementations, passing it as the right type. */
static void sweep_one(const char *fmt, enum kind kind, long long v)
{
	char a[128], b[128];
	int na, nb;

	switch (kind) {
	case K_INT:
	case K_SHORT:
	case K_CHAR: /* h and hh take a promoted int */
		na = fmt_unchecked(a, sizeof(a), fmt, (int)v);
		nb = snprintf(b, sizeof(b), fmt, (int)v);
		break;
	case K_LONG:
		na = fmt_unchecked(a, sizeof(a), fmt, (long)v);
		nb = snprintf(b, sizeof(b), fmt, (long)v);
		break;
	case K_LLONG:
		na = fmt_unchecked(a, sizeof(a), fmt, v);
		nb = snprintf(b, sizeof(b), fmt, v);
		break;
	default:
		na = fmt_unchecked(a, sizeof(a), fmt, (size_t)v);
		nb = snprintf(b, sizeof(b), fmt, (size_t)v);
		break;
	}
	check_same(fmt, a, na, b, nb);
}

static void test_sweep_integers(void **state)
{
	static const char *flags[] = {"", "-", "0", "+", " ", "#", "-#", "0#", "+0", "- ", "-+0#"};
	static const char *widths[] = {"", "1", "5", "12", "25"};
	static const char *precs[] = {"", ".", ".0", ".1", ".3", ".12", ".24"};
	char fmt[32];
	int count = 0;
	(void)state;

	for (size_t c = 0; c < sizeof(convs) / sizeof(convs[0]); c++) {
		/* '#' is defined in C only for o, x and X. */
		bool alt_ok = strpbrk(convs[c].text, "oxX") != NULL;
		for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
			if (!alt_ok && strchr(flags[f], '#') != NULL)
				continue;
			for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
				for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++) {
					snprintf(fmt, sizeof(fmt), "[%%%s%s%s%s]", flags[f],
						 widths[w], precs[p], convs[c].text);
					for (size_t v = 0; v < sizeof(values) / sizeof(values[0]);
					     v++) {
						sweep_one(fmt, convs[c].kind, values[v]);
						count++;
					}
				}
			}
		}
	}
	assert_true(count > 10000);
}

static void test_sweep_strings(void **state)
{
	static const char *flags[] = {"", "-"};
	static const char *widths[] = {"", "1", "3", "8"};
	static const char *precs[] = {"", ".", ".0", ".2", ".5", ".9"};
	static const char *strs[] = {"", "a", "abc", "hello", "longer string"};
	char fmt[32], a[64], b[64];
	(void)state;

	for (size_t f = 0; f < 2; f++) {
		for (size_t w = 0; w < 4; w++) {
			for (size_t p = 0; p < 6; p++) {
				snprintf(fmt, sizeof(fmt), "[%%%s%s%ss]", flags[f], widths[w],
					 precs[p]);
				for (size_t s = 0; s < 5; s++) {
					int na = fmt_unchecked(a, sizeof(a), fmt, strs[s]);
					int nb = snprintf(b, sizeof(b), fmt, strs[s]);
					check_same(fmt, a, na, b, nb);
				}
				snprintf(fmt, sizeof(fmt), "[%%%s%sc]", flags[f], widths[w]);
				int na = fmt_unchecked(a, sizeof(a), fmt, 'Z');
				int nb = snprintf(b, sizeof(b), fmt, 'Z');
				check_same(fmt, a, na, b, nb);
			}
		}
	}
}

/* Truncated output must match the host's byte for byte. */
static void test_sweep_truncation(void **state)
{
	/* Not a literal, so gcc does not warn about the truncation we want. */
	static char fmt[] = "%-8s|%+06d|%#x|%lu";
	char a[64], b[64];
	(void)state;

	for (size_t size = 0; size <= 50; size++) {
		memset(a, '#', sizeof(a));
		memset(b, '#', sizeof(b));
		int na = fmt_unchecked(a, size, fmt, "key", -3, 48879u, ULONG_MAX);
		int nb = snprintf(b, size, fmt, "key", -3, 48879u, ULONG_MAX);
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, sizeof(a));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_text),
	    cmocka_unit_test(test_decimal),
	    cmocka_unit_test(test_unsigned),
	    cmocka_unit_test(test_hex_octal),
	    cmocka_unit_test(test_char),
	    cmocka_unit_test(test_char_nul),
	    cmocka_unit_test(test_string),
	    cmocka_unit_test(test_string_null),
	    cmocka_unit_test(test_string_precision),
	    cmocka_unit_test(test_string_precision_no_overread),
	    cmocka_unit_test(test_pointer),
	    cmocka_unit_test(test_percent),
	    cmocka_unit_test(test_length_modifiers),
	    cmocka_unit_test(test_length_short),
	    cmocka_unit_test(test_flag_minus),
	    cmocka_unit_test(test_flag_zero),
	    cmocka_unit_test(test_flag_plus_space),
	    cmocka_unit_test(test_flag_alt),
	    cmocka_unit_test(test_width),
	    cmocka_unit_test(test_precision_int),
	    cmocka_unit_test(test_star),
	    cmocka_unit_test(test_size_zero),
	    cmocka_unit_test(test_size_one),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_exact_fit),
	    cmocka_unit_test(test_truncation_every_size),
	    cmocka_unit_test(test_unknown_conversion),
	    cmocka_unit_test(test_trailing_percent),
	    cmocka_unit_test(test_wide_field),
	    cmocka_unit_test(test_vformat_callback),
	    cmocka_unit_test(test_vformat_empty),
	    cmocka_unit_test(test_same_as_host),
	    cmocka_unit_test(test_sweep_integers),
	    cmocka_unit_test(test_sweep_strings),
	    cmocka_unit_test(test_sweep_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
