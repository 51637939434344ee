/*
 * The browser's page parser (see lib/page.h).
 *
 * One pass over the source.  Text between tags is gathered into the
 * current block straight into the lent text array (struct parser's
 * inline fields follow it), and a tag that starts a new block ends the
 * current one.  Every byte goes through put(), which stores it only
 * while there is room but always counts it, so the parser never reads
 * back what it wrote: that is what makes a parse with no storage give
 * the same counts as a real one.
 *
 * The source is untrusted: every read is checked against end first.
 */
#include <stdbool.h>
#include <stddef.h>

#include "lib/page.h"
#include "lib/string.h"

/* One tag: its lowercase name, whether it closes, and its attributes. */
struct tag {
	char name[16];
	bool closing;
	const char *attrs;	/* into the source, up to '>' */
	size_t attrs_len;
};

struct parser {
	struct page *pg;
	const char *end;		/* one past the last source byte */
	enum page_block_kind cur;	/* the kind of block being gathered */
	char href[PAGE_HREF_MAX];	/* target of the last <a> */
	bool nospace;			/* something did not fit */

	/* The current block's text: pg->text[start .. start + len). */
	size_t inl_start, inl_len;
	size_t inl_lead;		/* how many of those are leading white space */
	char inl_last;			/* the last one, or 0 */
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* ---- Output ---- */

/* Appends one byte to the text array (or only counts it, if full). */
static void put(struct parser *ps, char c)
{
	struct page *pg = ps->pg;

	if (pg->text_len < pg->text_cap)
		pg->text[pg->text_len] = c;
	pg->text_len++;
}

/* Appends s[0..n) and a NUL; returns where it went, or NULL if it did not fit. */
static char *put_string(struct parser *ps, const char *s, size_t n)
{
	size_t at = ps->pg->text_len;

	for (size_t i = 0; i < n; i++)
		put(ps, s[i]);
	put(ps, '\0');
	return ps->pg->text_len <= ps->pg->text_cap ? ps->pg->text + at : NULL;
}

/* The next text starts a new (empty) block. */
static void inline_reset(struct parser *ps)
{
	ps->inl_start = ps->pg->text_len;
	ps->inl_len = ps->inl_lead = 0;
	ps->inl_last = 0;
}

static void inl_putc(struct parser *ps, char c)
{
	put(ps, c);
	if (ps->inl_lead == ps->inl_len && is_space(c))
		ps->inl_lead++;
	ps->inl_len++;
	ps->inl_last = c;
}

static void inl_puts(struct parser *ps, const char *s)
{
	while (*s)
		inl_putc(ps, *s++);
}

static struct page_block *add_block(struct parser *ps, enum page_block_kind kind, char *text)
{
	struct page *pg = ps->pg;
	struct page_block *b = NULL;

	if (pg->nblocks < pg->blocks_cap) {
		b = &pg->blocks[pg->nblocks];
		*b = (struct page_block){ .kind = kind, .text = text };
	} else {
		ps->nospace = true;
	}
	pg->nblocks++;
	return b;
}

/* Ends the current block as kind, if it holds anything but white space. */
static void flush_block(struct parser *ps, enum page_block_kind kind)
{
	struct page *pg = ps->pg;

	if (ps->inl_lead < ps->inl_len) {
		size_t at = ps->inl_start + ps->inl_lead;

		put(ps, '\0');
		if (pg->text_len <= pg->text_cap)
			add_block(ps, kind, pg->text + at);
		else
			add_block(ps, kind, NULL);
	} else {
		pg->text_len = ps->inl_start;	/* drop the white space */
	}
	inline_reset(ps);
}

/* ---- Tags ---- */

/* Parses the tag at p (p[0] == '<'); returns the position after '>'. */
static const char *parse_tag(const char *p, const char *end, struct tag *t)
{
	size_t n = 0;

	p++;
	t->closing = p < end && *p == '/';
	if (t->closing)
		p++;
	while (p < end && !is_space(*p) && *p != '>' && *p != '/') {
		if (n < sizeof(t->name) - 1)
			t->name[n++] = lower(*p);
		p++;
	}
	t->name[n] = '\0';
	t->attrs = p;
	while (p < end && *p != '>')
		p++;
	t->attrs_len = p - t->attrs;
	return p < end ? p + 1 : p;
}

/* The value of attribute key in t (quoted or bare), into buf (cap > 0). */
static bool tag_attr(const struct tag *t, const char *key, char *buf, size_t cap)
{
	const char *p = t->attrs, *end = t->attrs + t->attrs_len;
	size_t klen = strlen(key);

	while (p < end) {
		while (p < end && (is_space(*p) || *p == '/'))
			p++;
		const char *k = p;
		while (p < end && *p != '=' && !is_space(*p))
			p++;
		bool match = (size_t)(p - k) == klen && memcmp(k, key, klen) == 0;
		if (p >= end || *p != '=')
			continue;
		p++;	/* past '=': the value may be empty, even at the end */
		char quote = p < end && (*p == '"' || *p == '\'') ? *p++ : 0;
		const char *v = p;
		while (p < end && (quote ? *p != quote : !is_space(*p)))
			p++;
		if (match) {
			size_t n = (size_t)(p - v) < cap - 1 ? (size_t)(p - v) : cap - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return true;
		}
		if (quote && p < end)
			p++;
	}
	return false;
}

/*
 * Finds the end of raw text (for <script> and <title>): the first "</name"
 * at or after p, or end.  *next is set past the '>' that follows it.
 */
static const char *raw_end(const char *p, const char *end, const char *name, const char **next)
{
	size_t n = strlen(name);
	const char *q = p;

	while (q < end) {
		if (q[0] == '<' && (size_t)(end - q) >= 2 + n && q[1] == '/') {
			size_t i = 0;

			while (i < n && lower(q[2 + i]) == name[i])
				i++;
			if (i == n)
				break;
		}
		q++;
	}
	const char *stop = q;
	while (q < end && *q != '>')
		q++;
	*next = q < end ? q + 1 : q;
	return stop;
}

/* The index of plug-in name, registering it if new; -1 if too many. */
static int find_plugin(struct page *pg, const char *name)
{
	for (int i = 0; i < pg->nplugins; i++)
		if (strcmp(pg->plugins[i], name) == 0)
			return i;
	if (pg->nplugins == PAGE_MAX_PLUGINS)
		return -1;
	memcpy(pg->plugins[pg->nplugins], name, strlen(name) + 1);	/* fits: from tag_attr */
	return pg->nplugins++;
}

static void plugin_element(struct parser *ps, const struct tag *t)
{
	char name[PAGE_NAME_MAX], label[PAGE_LABEL_MAX] = "";
	struct page_block *b;
	int i;

	if (!tag_attr(t, "name", name, sizeof(name)))
		return;
	tag_attr(t, "label", label, sizeof(label));
	if ((i = find_plugin(ps->pg, name)) < 0)
		return;
	b = add_block(ps, PAGE_PLUGIN, put_string(ps, label, strlen(label)));
	inline_reset(ps);
	if (b) {
		b->plugin = i;
		b->inst = ps->pg->ninstances;
	}
	ps->pg->ninstances++;
}

/* ---- Raw text: title and script ---- */

static void set_title(struct page *pg, const char *s, const char *stop)
{
	size_t n = 0;

	for (; s < stop && n < sizeof(pg->title) - 1; s++, n++) {
		unsigned char c = (unsigned char)*s;

		pg->title[n] = c < ' ' || c > '~' ? ' ' : (char)c;
	}
	pg->title[n] = '\0';
}

static void add_command(struct parser *ps, const char *line, size_t n)
{
	struct page *pg = ps->pg;
	char *cmd = put_string(ps, line, n);

	if (pg->ncmds < pg->cmds_cap)
		pg->cmds[pg->ncmds] = cmd;	/* NULL if its text did not fit */
	if (pg->ncmds >= pg->cmds_cap || !cmd)
		ps->nospace = true;
	pg->ncmds++;
}

/* Keeps each line of [s, stop) that is not blank or a '#' comment. */
static void add_script(struct parser *ps, const char *s, const char *stop)
{
	while (s < stop) {
		const char *eol = s;

		while (eol < stop && *eol != '\n')
			eol++;
		while (s < eol && is_space(*s))
			s++;
		if (s < eol && *s != '#')
			add_command(ps, s, eol - s);
		s = eol < stop ? eol + 1 : eol;
	}
	inline_reset(ps);
}

/* Handles <title> or <script> whose start tag ended at p; returns what follows. */
static const char *script_or_title(struct parser *ps, const struct tag *t, const char *p)
{
	const char *next, *stop;

	if (strcmp(t->name, "title") == 0) {
		stop = raw_end(p, ps->end, "title", &next);
		set_title(ps->pg, p, stop);
		return next;
	}
	flush_block(ps, PAGE_P);
	stop = raw_end(p, ps->end, "script", &next);
	if (ps->pg->ncmds == 0)
		add_block(ps, PAGE_SCRIPT, NULL);	/* its output shows here */
	add_script(ps, p, stop);
	return next;
}

/* ---- Blocks and text ---- */

/* The block a tag opens (h1, h2, p, li, pre), or -1. */
static int block_tag(const char *name)
{
	static const struct {
		const char *name;
		enum page_block_kind kind;
	} kinds[] = {
		{ "h1", PAGE_H1 }, { "h2", PAGE_H2 }, { "p", PAGE_P },
		{ "li", PAGE_LI }, { "pre", PAGE_PRE },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(name, kinds[i].name) == 0)
			return kinds[i].kind;
	return -1;
}

/* What a tag other than <title> and <script> does to the document. */
static void apply_tag(struct parser *ps, const struct tag *t)
{
	const char *n = t->name;
	int kind = block_tag(n);

	if (kind >= 0) {
		flush_block(ps, ps->cur);
		/* Text after </p> (or any closing block tag) is a paragraph. */
		ps->cur = t->closing ? PAGE_P : (enum page_block_kind)kind;
	} else if (strcmp(n, "ul") == 0) {
		flush_block(ps, ps->cur);
		ps->cur = PAGE_P;
		if (t->closing)
			add_block(ps, PAGE_BLANK, NULL);
	} else if (strcmp(n, "br") == 0) {
		inl_putc(ps, '\n');
	} else if (strcmp(n, "hr") == 0) {
		flush_block(ps, ps->cur);
		add_block(ps, PAGE_HR, NULL);
	} else if (strcmp(n, "a") == 0 && !t->closing) {
		if (!tag_attr(t, "href", ps->href, sizeof(ps->href)))
			memcpy(ps->href, "?", 2);
		inl_putc(ps, '[');
	} else if (strcmp(n, "a") == 0) {
		inl_puts(ps, " -> ");
		inl_puts(ps, ps->href);
		inl_putc(ps, ']');
	} else if (strcmp(n, "plugin") == 0 && !t->closing) {
		flush_block(ps, ps->cur);
		plugin_element(ps, t);
	}
}

/* One character of text between tags, or an entity; returns what follows.
 * Outside <pre>, white space collapses to one space. */
static const char *parse_text(struct parser *ps, const char *p)
{
	static const struct {
		const char *name;
		char c;
	} ents[] = {
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' },
	};

	if (*p == '&') {
		for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
			size_t n = strlen(ents[i].name);

			if ((size_t)(ps->end - p) >= n && memcmp(p, ents[i].name, n) == 0) {
				inl_putc(ps, ents[i].c);
				return p + n;
			}
		}
	}
	if (ps->cur != PAGE_PRE && is_space(*p)) {
		if (ps->inl_len && ps->inl_last != ' ' && ps->inl_last != '\n')
			inl_putc(ps, ' ');
		return p + 1;
	}
	inl_putc(ps, *p == '\t' || *p == '\r' ? ' ' : *p);
	return p + 1;
}

/* Skips the comment at p ("<!--"); returns what follows its "-->". */
static const char *skip_comment(const char *p, const char *end)
{
	const char *q = p + 4;

	while (q + 3 <= end && memcmp(q, "-->", 3) != 0)
		q++;
	return q + 3 <= end ? q + 3 : end;
}

static void page_reset(struct page *pg)
{
	pg->nblocks = pg->ncmds = pg->text_len = 0;
	memcpy(pg->title, "(untitled)", sizeof("(untitled)"));
	memset(pg->plugins, 0, sizeof(pg->plugins));
	pg->nplugins = pg->ninstances = 0;
}

int page_parse(const char *src, size_t len, struct page *pg)
{
	struct parser ps = { .pg = pg, .cur = PAGE_P };
	const char *p = src;
	struct tag t;

	if (!pg || (!src && len > 0))
		return PAGE_E_INVAL;
	if (!src)
		p = src = "";
	page_reset(pg);
	ps.end = src + strnlen(src, len);
	inline_reset(&ps);

	while (p < ps.end) {
		if (*p == '<' && ps.end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			p = skip_comment(p, ps.end);
		} else if (*p == '<') {
			p = parse_tag(p, ps.end, &t);
			if (!t.closing && (strcmp(t.name, "script") == 0 ||
					   strcmp(t.name, "title") == 0))
				p = script_or_title(&ps, &t, p);
			else
				apply_tag(&ps, &t);
		} else {
			p = parse_text(&ps, p);
		}
	}
	flush_block(&ps, ps.cur);
	if (pg->text_len > pg->text_cap)
		ps.nospace = true;
	return ps.nospace ? PAGE_E_NOSPACE : PAGE_OK;
}
