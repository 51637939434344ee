/* The in-kernel test runner; see ktest.h. */
#include <stdarg.h>

#include "kernel/arch.h"
#include "kernel/ktest.h"
#include "kernel/printk.h"
#include "lib/string.h"

static int failures_in_test;

bool ktest_check(bool cond, const char *expr, const char *file, int line)
{
	if (!cond) {
		printk("# check failed: %s (%s:%d)\n", expr, file, line);
		failures_in_test++;
	}
	return cond;
}

void ktest_note(const char *fmt, ...)
{
	va_list ap;

	printk("# ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
}

/* Whether the comma list `names` selects t. */
static bool selected(const struct ktest *t, const char *names)
{
	size_t slen = strlen(t->suite), nlen = strlen(t->name);
	const char *p = names;

	if (!names || !*names)
		return !t->explicit_only;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == slen && memcmp(p, t->suite, slen) == 0)
			return true;
		if (len == slen + 1 + nlen && memcmp(p, t->suite, slen) == 0 && p[slen] == '/' &&
		    memcmp(p + slen + 1, t->name, nlen) == 0)
			return true;
		p += len + (end ? 1 : 0);
	}
	return false;
}

void ktest_run(const char *names)
{
	int planned = 0, n = 0, failed = 0;

	for (int i = 0; i < nktests; i++)
		planned += selected(&ktests[i], names);
	printk("TAP version 13\n1..%d\n", planned);
	for (int i = 0; i < nktests; i++) {
		const struct ktest *t = &ktests[i];

		if (!selected(t, names))
			continue;
		failures_in_test = 0;
		t->fn();
		n++;
		failed += failures_in_test > 0;
		printk("%s %d - %s/%s\n", failures_in_test ? "not ok" : "ok", n, t->suite, t->name);
	}
	printk("# guest: %d passed, %d failed\n", n - failed, failed);
	arch_poweroff(failed ? 1 : 0);
}
