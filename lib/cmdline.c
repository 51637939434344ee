/* Kernel command-line parsing; see cmdline.h. */
#include "lib/cmdline.h"
#include "lib/string.h"

/* Finds the next word; sets key, keylen, val and vallen (val NULL when
 * there is no '=').  Returns the position after the word, or NULL at the end. */
static const char *next_word(const char *p, const char **key, size_t *keylen,
			     const char **val, size_t *vallen)
{
	while (*p == ' ')
		p++;
	if (!*p)
		return 0;
	*key = p;
	while (*p && *p != ' ' && *p != '=')
		p++;
	*keylen = p - *key;
	*val = 0;
	*vallen = 0;
	if (*p != '=')
		return p;
	p++;
	if (*p == '"') {
		*val = ++p;
		while (*p && *p != '"')
			p++;
		*vallen = p - *val;
		return *p ? p + 1 : p;
	}
	*val = p;
	while (*p && *p != ' ')
		p++;
	*vallen = p - *val;
	return p;
}

static bool find(const char *cmdline, const char *key, const char **val, size_t *vallen)
{
	const char *k, *p = cmdline;
	size_t klen, want = strlen(key);

	while (p && (p = next_word(p, &k, &klen, val, vallen)))
		if (klen == want && memcmp(k, key, klen) == 0)
			return true;
	return false;
}

bool cmdline_has(const char *cmdline, const char *key)
{
	const char *val;
	size_t len;

	return cmdline && find(cmdline, key, &val, &len);
}

int cmdline_get(const char *cmdline, const char *key, char *buf, size_t cap)
{
	const char *val;
	size_t len;

	if (!cmdline || !find(cmdline, key, &val, &len) || !val)
		return -1;
	if (len + 1 > cap)
		return -2;
	memcpy(buf, val, len);
	buf[len] = 0;
	return (int)len;
}
