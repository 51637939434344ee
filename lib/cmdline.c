/*
 * Kernel command-line parsing; see cmdline.h.
 *
 * GRUB builds the multiboot2 command line from its own words: a word that
 * contains spaces arrives wrapped in double quotes with `"` and `\`
 * escaped by a backslash ("run=echo hi").  A value may also be quoted
 * after the '=' (run="echo hi").  Both forms are accepted.
 */
#include "lib/cmdline.h"
#include "lib/string.h"

struct word {
	const char *p;	/* first character, after any opening quote */
	size_t len;	/* raw length, escapes included, closing quote excluded */
};

/* Finds the end of a quoted run starting after its opening quote. */
static const char *skip_quoted(const char *p)
{
	while (*p && *p != '"') {
		if (*p == '\\' && p[1])
			p++;
		p++;
	}
	return p;
}

/* Splits the next word; returns the position after it, or NULL at the end. */
static const char *next_word(const char *p, struct word *w)
{
	while (*p == ' ')
		p++;
	if (!*p)
		return 0;
	if (*p == '"') {
		w->p = p + 1;
		p = skip_quoted(p + 1);
		w->len = p - w->p;
		return *p ? p + 1 : p;
	}
	w->p = p;
	while (*p && *p != ' ') {
		if (*p == '"')
			p = skip_quoted(p + 1);
		if (*p)
			p++;
	}
	w->len = p - w->p;
	return p;
}

static bool find(const char *cmdline, const char *key, struct word *w, size_t *keylen)
{
	size_t want = strlen(key);
	const char *p = cmdline;

	while ((p = next_word(p, w))) {
		size_t k = 0;

		while (k < w->len && w->p[k] != '=')
			k++;
		if (k == want && memcmp(w->p, key, k) == 0) {
			*keylen = k;
			return true;
		}
	}
	return false;
}

bool cmdline_has(const char *cmdline, const char *key)
{
	struct word w;
	size_t k;

	return cmdline && find(cmdline, key, &w, &k);
}

/* Copies raw[0..len) dropping quotes and backslash escapes. */
static int unquote(const char *raw, size_t len, char *buf, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (raw[i] == '"')
			continue;
		if (raw[i] == '\\' && i + 1 < len)
			i++;
		if (n + 1 >= cap)
			return -2;
		buf[n++] = raw[i];
	}
	if (cap == 0)
		return -2;
	buf[n] = 0;
	return (int)n;
}

int cmdline_get(const char *cmdline, const char *key, char *buf, size_t cap)
{
	struct word w;
	size_t k;

	if (!cmdline || !find(cmdline, key, &w, &k) || k == w.len)
		return -1;
	return unquote(w.p + k + 1, w.len - k - 1, buf, cap);
}
