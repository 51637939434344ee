/*
 * renderer: lays out one browser tab, inside a sandbox (docs/browser-demo.md).
 *
 * The browser spawns one renderer per tab with the sandbox SB_BASIC |
 * SB_IPC: no console, no spawn, no names, no initrd.  Everything it knows
 * and says goes through the handles it was given at spawn:
 *
 *   0  cmd     mailbox, receive only: commands from the browser
 *   1  reply   mailbox, send only: heartbeats and requests to the browser
 *   2  source  shared memory, map read only: the page text, NUL-terminated
 *   3  screen  shared memory, map read-write: the text screen we draw
 *
 * and, later, the handles the browser sends it for each plug-in the page
 * embeds (a read-only box page and a send right to the plug-in).
 *
 * It parses the page (a tiny HTML subset, see below), lays it out into
 * the screen, sends a heartbeat every HEARTBEAT_MS, and runs the page's
 * <script> one step at a time between heartbeats.  Script commands can
 * also misbehave on purpose (crash, hang, escape, bomb ...) to show that
 * only this process suffers.
 *
 * Page format:
 *   <title>T</title>   the tab's title
 *   <h1>, <h2>         headings (underlined with = and -)
 *   <p>                a paragraph, word-wrapped; <br> breaks a line
 *   <ul><li>           a bulleted list
 *   <a href=PAGE>      a link, shown as [text -> PAGE]
 *   <hr>               a rule
 *   <pre>              preformatted lines, as written
 *   <plugin name=N label="...">  a box drawn by plug-in process N
 *   <script> ... </script>       one command per line (script_run below)
 *   <!-- ... -->       a comment
 * Unknown tags are ignored; &lt; &gt; &amp; &quot; are decoded.
 *
 * Messages, text, first word the verb:
 *   browser -> renderer (cmd):   PBOX name (+ shm handle), PCTL name
 *       (+ mailbox send handle), PGONE name reason, CRASH, QUIT
 *   renderer -> browser (reply): HB n, LOADED, NEED name, STATE text
 *   renderer -> plug-in (ctl):   EMBED inst label
 *
 * The renderer never blocks on the browser: replies are sent with
 * TIMEOUT_POLL, and a full mailbox just loses that heartbeat.  If the
 * browser is gone (-EPIPE) the renderer exits.
 */
#include "ipc.h"
#include "user/browser-proto.h"

/* Handles given at spawn. */
#define H_CMD		0
#define H_REPLY		1
#define H_SOURCE	2
#define H_SCREEN	3



struct box_page {
	uint32_t magic;
	uint32_t pad;
	struct box_slot slot[BOX_SLOTS];
};

#define HEARTBEAT_MS	200
#define TICK_MS		100
#define LOAD_WAIT_MS	2000	/* LOADED at the latest this long after start */
#define MAX_PLUGINS	4	/* plug-in kinds on one page */
#define SCRIPT_LOG	10	/* script output lines kept */
#define NAME_MAX	16

/* ---- The document ---- */

enum block_kind { B_H1, B_H2, B_P, B_LI, B_PRE, B_HR, B_PLUGIN, B_SCRIPT, B_BLANK };

struct block {
	enum block_kind kind;
	char *text;		/* B_H1..B_PRE; label for B_PLUGIN */
	int plugin;		/* B_PLUGIN: index in plugins[] */
	int inst;		/* B_PLUGIN: instance number on this page */
};

/* A plug-in kind the page uses, and what we hold of it. */
struct plugin {
	char name[NAME_MAX];
	struct box_page *box;	/* mapped read-only, once PBOX came */
	int box_h, ctl_h;	/* handles, -1 until they come */
	bool embedded;		/* EMBED sent for every instance */
	bool gone;		/* the browser says it ended */
	char why[96];
};

static struct block *blocks;
static int nblocks, cap_blocks;
static struct plugin plugins[MAX_PLUGINS];
static int nplugins, ninstances;
static char title[64] = "(untitled)";

static struct screen *screen;
static const char *source;
static size_t source_len;

/* Lays out into this, then copies it into the shared page at once. */
static char lines[SCREEN_LINES][SCREEN_COLS];
static int nlines;

/* ---- Small helpers ---- */

static void die(int status)
{
	exit(status);		/* nothing to print to: no console */
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		die(3);
	return p;
}

static char *dupstr(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Sends a message to the browser; never waits. */
static void reply(const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(msg))
		n = sizeof(msg) - 1;
	if (mbox_send(H_REPLY, msg, n, TIMEOUT_POLL, NO_HANDLE, 0) == -EPIPE)
		die(0);		/* the browser is gone */
}

/* ---- Parsing ---- */

static void add_block(enum block_kind kind, char *text)
{
	if (nblocks == cap_blocks) {
		cap_blocks = cap_blocks ? cap_blocks * 2 : 32;
		blocks = realloc(blocks, cap_blocks * sizeof(*blocks));
		if (!blocks)
			die(3);
	}
	blocks[nblocks++] = (struct block){ .kind = kind, .text = text };
}

/* Inline text being gathered for the current block. */
static char *inl;
static size_t inl_len, inl_cap;

static void inl_putc(char c)
{
	if (inl_len + 1 >= inl_cap) {
		inl_cap = inl_cap ? inl_cap * 2 : 256;
		inl = realloc(inl, inl_cap);
		if (!inl)
			die(3);
	}
	inl[inl_len++] = c;
	inl[inl_len] = '\0';
}

static void inl_puts(const char *s)
{
	while (*s)
		inl_putc(*s++);
}

/* Ends the current block as kind (if it holds any text). */
static void flush_block(enum block_kind kind)
{
	size_t i = 0;

	while (i < inl_len && is_space(inl[i]))
		i++;
	if (i < inl_len)
		add_block(kind, dupstr(inl + i, inl_len - i));
	inl_len = 0;
}

/* One tag: its lowercase name, whether it closes, and its attributes. */
struct tag {
	char name[16];
	bool closing;
	const char *attrs;	/* into the source, up to '>' */
	size_t attrs_len;
};

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

/* The value of attribute key in t (quoted or bare), into buf. */
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
		p++;
		char quote = (*p == '"' || *p == '\'') ? *p++ : 0;
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

/* The raw text up to </name> (for <script> and <title>); *next after it. */
static char *raw_until(const char *p, const char *end, const char *name, const char **next)
{
	size_t n = strlen(name);
	const char *q = p;

	while (q < end) {
		if (q[0] == '<' && q + 2 + n <= end && q[1] == '/') {
			size_t i = 0;

			while (i < n && lower(q[2 + i]) == name[i])
				i++;
			if (i == n)
				break;
		}
		q++;
	}
	char *text = dupstr(p, q - p);
	while (q < end && *q != '>')
		q++;
	*next = q < end ? q + 1 : q;
	return text;
}

static int find_plugin(const char *name)
{
	for (int i = 0; i < nplugins; i++)
		if (strcmp(plugins[i].name, name) == 0)
			return i;
	if (nplugins == MAX_PLUGINS)
		return -1;
	struct plugin *pl = &plugins[nplugins];
	strlcpy(pl->name, name, sizeof(pl->name));
	pl->box_h = pl->ctl_h = -1;
	return nplugins++;
}

/* Script commands, in page order. */
static char **script_cmds;
static int nscript, script_cap;

static void add_script(char *text)
{
	char *line = text;

	for (char *p = text;; p++) {
		if (*p != '\n' && *p != '\0')
			continue;
		bool last = *p == '\0';
		*p = '\0';
		while (is_space(*line))
			line++;
		if (*line && *line != '#') {
			if (nscript == script_cap) {
				script_cap = script_cap ? script_cap * 2 : 16;
				script_cmds = realloc(script_cmds, script_cap * sizeof(char *));
				if (!script_cmds)
					die(3);
			}
			script_cmds[nscript++] = line;
		}
		if (last)
			break;
		line = p + 1;
	}
}

static void plugin_element(const struct tag *t)
{
	char name[NAME_MAX], label[48] = "";
	int i;

	if (!tag_attr(t, "name", name, sizeof(name)))
		return;
	tag_attr(t, "label", label, sizeof(label));
	if ((i = find_plugin(name)) < 0)
		return;
	add_block(B_PLUGIN, dupstr(label, strlen(label)));
	blocks[nblocks - 1].plugin = i;
	blocks[nblocks - 1].inst = ninstances++;
}

static const char *parse_script_or_title(const struct tag *t, const char *p, const char *end)
{
	char *text;

	if (strcmp(t->name, "title") == 0) {
		text = raw_until(p, end, "title", &p);
		strlcpy(title, text, sizeof(title));
		for (char *c = title; *c; c++)
			if (*c < ' ' || *c > '~')
				*c = ' ';
		free(text);
		return p;
	}
	flush_block(B_P);
	text = raw_until(p, end, "script", &p);
	if (nscript == 0)
		add_block(B_SCRIPT, 0);		/* its log shows here */
	add_script(text);			/* text stays: commands point into it */
	return p;
}

/* The block a tag opens (h1, h2, p, li, pre), or -1. */
static int block_tag(const char *name)
{
	static const struct {
		const char *name;
		enum block_kind kind;
	} kinds[] = {
		{ "h1", B_H1 }, { "h2", B_H2 }, { "p", B_P }, { "li", B_LI }, { "pre", B_PRE },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(name, kinds[i].name) == 0)
			return kinds[i].kind;
	return -1;
}

/* What a tag does to the document: cur is the kind of the block being
 * gathered, href the target of the link being gathered. */
static void apply_tag(const struct tag *t, enum block_kind *cur, char *href, size_t hcap)
{
	const char *n = t->name;
	int kind = block_tag(n);

	if (kind >= 0) {
		flush_block(*cur);
		*cur = t->closing ? B_P : (enum block_kind)kind;	/* text after </p> is a paragraph */
	} else if (strcmp(n, "ul") == 0) {
		flush_block(*cur);
		*cur = B_P;
		if (t->closing)
			add_block(B_BLANK, 0);
	} else if (strcmp(n, "br") == 0) {
		inl_putc('\n');
	} else if (strcmp(n, "hr") == 0) {
		flush_block(*cur);
		add_block(B_HR, 0);
	} else if (strcmp(n, "a") == 0 && !t->closing) {
		if (!tag_attr(t, "href", href, hcap))
			strlcpy(href, "?", hcap);
		inl_putc('[');
	} else if (strcmp(n, "a") == 0) {
		inl_puts(" -> ");
		inl_puts(href);
		inl_putc(']');
	} else if (strcmp(n, "plugin") == 0 && !t->closing) {
		flush_block(*cur);
		plugin_element(t);
	}
}

/* Text between tags: entities decoded, spaces collapsed (except in <pre>). */
static const char *parse_text(const char *p, const char *end, bool pre)
{
	static const struct { const char *name; char c; } ents[] = {
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' },
	};

	if (*p == '&') {
		for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
			size_t n = strlen(ents[i].name);

			if ((size_t)(end - p) >= n && memcmp(p, ents[i].name, n) == 0) {
				inl_putc(ents[i].c);
				return p + n;
			}
		}
	}
	if (!pre && is_space(*p)) {
		if (inl_len && inl[inl_len - 1] != ' ' && inl[inl_len - 1] != '\n')
			inl_putc(' ');
		return p + 1;
	}
	inl_putc(*p == '\t' || *p == '\r' ? ' ' : *p);
	return p + 1;
}

/* Builds blocks[] from the page source. */
static void parse(const char *src, size_t len)
{
	const char *p = src, *end = src + len;
	enum block_kind cur = B_P;
	char href[PATH_MAX_LEN] = "";
	struct tag t;

	while (p < end) {
		if (*p == '<' && end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			const char *q = p + 4;

			while (q + 3 <= end && memcmp(q, "-->", 3) != 0)
				q++;
			p = q + 3 <= end ? q + 3 : end;
		} else if (*p == '<') {
			p = parse_tag(p, end, &t);
			if (!t.closing && (strcmp(t.name, "script") == 0 || strcmp(t.name, "title") == 0))
				p = parse_script_or_title(&t, p, end);
			else
				apply_tag(&t, &cur, href, sizeof(href));
		} else {
			p = parse_text(p, end, cur == B_PRE);
		}
	}
	flush_block(cur);
}

/* ---- Layout ---- */

static void emit(const char *s, size_t n)
{
	static const char cut[] = "[... the rest is cut: the screen holds 400 lines ...]";

	if (nlines >= SCREEN_LINES)
		return;
	if (nlines == SCREEN_LINES - 1) {
		s = cut;
		n = sizeof(cut) - 1;
	}
	memset(lines[nlines], ' ', SCREEN_COLS);
	memcpy(lines[nlines], s, n < SCREEN_COLS ? n : SCREEN_COLS);
	nlines++;
}

static void emit_str(const char *s)
{
	emit(s, strlen(s));
}

/* Word-wraps text to the screen: first line after prefix, the rest
 * indented by indent columns.  '\n' in text forces a break. */
static void wrap(const char *text, const char *prefix, int indent)
{
	char line[SCREEN_COLS + 1];
	const char *p = text;
	int width = SCREEN_COLS - indent;

	while (*p) {
		int n = 0, cut = -1;

		while (p[n] && p[n] != '\n' && n < width) {
			if (p[n] == ' ')
				cut = n;
			n++;
		}
		if (p[n] && p[n] != '\n' && p[n] != ' ' && cut > 0)
			n = cut;		/* break at the last space */
		size_t plen = strlen(prefix);

		memset(line, ' ', indent);
		memcpy(line, prefix, plen < (size_t)indent ? plen : (size_t)indent);
		memcpy(line + indent, p, n);
		emit(line, indent + n);
		p += n;
		while (*p == ' ' || *p == '\n')
			p++;
		prefix = "";
	}
}

static void underline(const char *text, char c)
{
	char line[SCREEN_COLS];
	size_t n = strlen(text);

	if (n > SCREEN_COLS)
		n = SCREEN_COLS;
	memset(line, c, n);
	emit(line, n);
}

/* The script's output, shown where the first <script> element was. */
static char script_log[SCRIPT_LOG][SCREEN_COLS + 1];
static int script_log_n;

static void layout_script(void)
{
	for (int i = 0; i < script_log_n; i++) {
		char line[SCREEN_COLS + 1];

		snprintf(line, sizeof(line), "  > %s", script_log[i]);
		emit_str(line);
	}
	emit("", 0);
}

/* Copies a printable version of the plug-in's slot into out. */
static void read_slot(const struct box_slot *s, char out[BOX_ROWS][BOX_COLS])
{
	for (int tries = 0; tries < 8; tries++) {
		uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

		memcpy(out, s->text, sizeof(s->text));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(seq & 1) && seq == __atomic_load_n(&s->seq, __ATOMIC_RELAXED))
			break;
	}
	for (int r = 0; r < BOX_ROWS; r++)
		for (int c = 0; c < BOX_COLS; c++)
			if (out[r][c] < ' ' || out[r][c] > '~')
				out[r][c] = ' ';
}

/* Word-wraps text into the first nrows rows of a box. */
static void fill_rows(char rows[BOX_ROWS][BOX_COLS], const char *text, int nrows)
{
	for (int r = 0; r < nrows && *text; r++) {
		int n = (int)strlen(text), cut = n;

		if (n > BOX_COLS) {
			for (cut = BOX_COLS; cut > 0 && text[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = BOX_COLS;
		}
		memcpy(rows[r], text, cut);
		text += cut;
		while (*text == ' ')
			text++;
	}
}

/* The rows of plug-in box b: the plug-in's slot for us, or a placeholder. */
static void box_rows(const struct block *b, char rows[BOX_ROWS][BOX_COLS])
{
	const struct plugin *pl = &plugins[b->plugin];
	int me = getpid();

	memset(rows, ' ', BOX_ROWS * BOX_COLS);
	if (pl->gone) {
		char msg[BOX_ROWS * BOX_COLS];
		snprintf(msg, sizeof(msg), "[plug-in %s ended: %s]", pl->name, pl->why);
		fill_rows(rows, msg, BOX_ROWS - 1);
		memcpy(rows[BOX_ROWS - 1], "(the rest of the page still works)", 34);
		return;
	}
	if (pl->box && pl->box->magic == BOX_MAGIC) {
		for (int i = 0; i < BOX_SLOTS; i++) {
			const struct box_slot *s = &pl->box->slot[i];

			if (s->owner == me && s->inst == b->inst) {
				read_slot(s, rows);
				return;
			}
		}
	}
	memcpy(rows[0], "loading plug-in ...", 19);
}

static void layout_plugin(const struct block *b)
{
	char line[SCREEN_COLS + 1], rows[BOX_ROWS][BOX_COLS];
	const char *label = b->text && *b->text ? b->text : plugins[b->plugin].name;
	int n;

	n = snprintf(line, sizeof(line), "  +- %s ", label);
	while (n < BOX_COLS + 5)
		line[n++] = '-';
	line[n++] = '+';
	emit(line, n);
	box_rows(b, rows);
	for (int r = 0; r < BOX_ROWS; r++) {
		memcpy(line, "  | ", 4);
		memcpy(line + 4, rows[r], BOX_COLS);
		memcpy(line + 4 + BOX_COLS, " |", 2);
		emit(line, BOX_COLS + 6);
	}
	memcpy(line, "  +", 3);
	memset(line + 3, '-', BOX_COLS + 2);
	line[BOX_COLS + 5] = '+';
	emit(line, BOX_COLS + 6);
	emit("", 0);
}

static void layout_block(const struct block *b)
{
	switch (b->kind) {
	case B_H1:
		wrap(b->text, "", 0);
		underline(b->text, '=');
		emit("", 0);
		break;
	case B_H2:
		wrap(b->text, "", 0);
		underline(b->text, '-');
		break;
	case B_P:
		wrap(b->text, "", 0);
		emit("", 0);
		break;
	case B_LI:
		wrap(b->text, "  * ", 4);
		break;
	case B_PRE:
		for (const char *p = b->text; *p;) {
			size_t n = 0;

			while (p[n] && p[n] != '\n')
				n++;
			emit(p, n);
			p += n + (p[n] == '\n');
		}
		emit("", 0);
		break;
	case B_HR:
		underline("----------------------------------------------------------------------------", '-');
		break;
	case B_PLUGIN:
		layout_plugin(b);
		break;
	case B_SCRIPT:
		layout_script();
		break;
	case B_BLANK:
		emit("", 0);
		break;
	}
}

/* Lays the whole page out and publishes it in the shared screen. */
static void publish(void)
{
	nlines = 0;
	for (int i = 0; i < nblocks; i++)
		layout_block(&blocks[i]);

	/* Seqlock write: odd while the text changes, so the browser can tell
	 * a torn copy from a whole one. */
	uint32_t seq = screen->seq;
	__atomic_store_n(&screen->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(screen->title, title, sizeof(screen->title));
	screen->title[sizeof(screen->title) - 1] = '\0';
	memcpy(screen->text, lines, (size_t)nlines * SCREEN_COLS);
	screen->nlines = nlines;
	__atomic_store_n(&screen->seq, seq + 2, __ATOMIC_RELEASE);
}

/* ---- Plug-ins ---- */

/* Sends EMBED for every instance of pl, once both handles are here. */
static void embed(struct plugin *pl)
{
	char msg[80];
	int idx = pl - plugins;

	if (pl->embedded || pl->box_h < 0 || pl->ctl_h < 0)
		return;
	for (int i = 0; i < nblocks; i++) {
		if (blocks[i].kind != B_PLUGIN || blocks[i].plugin != idx)
			continue;
		int n = snprintf(msg, sizeof(msg), "EMBED %d %s", blocks[i].inst,
				 blocks[i].text ? blocks[i].text : "");
		mbox_send(pl->ctl_h, msg, n, TIMEOUT_POLL, NO_HANDLE, 0);
	}
	pl->embedded = true;
}

static struct plugin *plugin_named(const char *name)
{
	for (int i = 0; i < nplugins; i++)
		if (strcmp(plugins[i].name, name) == 0)
			return &plugins[i];
	return 0;
}

/* A plug-in handle arrived (PBOX: its box page; PCTL: its mailbox). */
static void plugin_handle(const char *verb, const char *name, int h)
{
	struct plugin *pl = plugin_named(name);
	struct handle_info hi;

	if (h == NO_HANDLE)
		return;
	if (!pl || pl->gone || handle_info(h, &hi) < 0) {
		close(h);
		return;
	}
	if (strcmp(verb, "PBOX") == 0 && hi.type == HANDLE_TYPE_SHM && pl->box_h < 0) {
		void *box = shm_map(h, PROT_READ);

		if (ptr_error(box)) {
			close(h);
			return;
		}
		pl->box = box;
		pl->box_h = h;
	} else if (strcmp(verb, "PCTL") == 0 && hi.type == HANDLE_TYPE_MBOX && pl->ctl_h < 0) {
		pl->ctl_h = h;
	} else {
		close(h);
		return;
	}
	embed(pl);
}

/* The browser says plug-in name ended: drop what we hold of it. */
static void plugin_gone(const char *name, const char *why)
{
	struct plugin *pl = plugin_named(name);

	if (!pl)
		return;
	pl->gone = true;
	strlcpy(pl->why, why, sizeof(pl->why));
	if (pl->box)
		shm_unmap(pl->box);
	if (pl->box_h >= 0)
		close(pl->box_h);
	if (pl->ctl_h >= 0)
		close(pl->ctl_h);
	pl->box = 0;
	pl->box_h = pl->ctl_h = -1;
}

/* Every plug-in has drawn our boxes, or has failed. */
static bool plugins_settled(void)
{
	int me = getpid();

	for (int i = 0; i < nblocks; i++) {
		const struct block *b = &blocks[i];
		const struct plugin *pl;
		bool drawn = false;

		if (b->kind != B_PLUGIN)
			continue;
		pl = &plugins[b->plugin];
		if (pl->gone)
			continue;
		for (int s = 0; pl->box && s < BOX_SLOTS && !drawn; s++)
			drawn = pl->box->slot[s].owner == me && pl->box->slot[s].inst == b->inst &&
				pl->box->slot[s].seq > 0;
		if (!drawn)
			return false;
	}
	return true;
}

/* ---- Misbehaving on purpose ---- */

static void crash_now(void)
{
	asm volatile("movl $1, (%0)" : : "r"(0ul) : "memory");
}

static void hang_now(void)
{
	for (;;)
		asm volatile("pause");
}

/* Tries to leave the sandbox; if the kernel lets it, says so on screen. */
static void escape(const char *how)
{
	static const char hello[] = "renderer: I escaped to the console!\n";
	char buf[64];
	long r;

	if (strcmp(how, "syscall") == 0 || strcmp(how, "write") == 0) {
		r = sys_write(FD_STDOUT, hello, sizeof(hello) - 1);
	} else if (strcmp(how, "spawn") == 0) {
		r = sys_spawn("sh", NULL, NULL);
	} else if (strcmp(how, "disk") == 0) {
		r = sys_fileread("motd", 0, buf, sizeof(buf));
	} else if (strcmp(how, "name") == 0) {
		r = sys_mbox_open("browser", RIGHT_SEND);
	} else if (strcmp(how, "kill") == 0) {
		r = sys_kill(getppid());
	} else if (strcmp(how, "poweroff") == 0) {
		r = sys_poweroff(0);
	} else if (strcmp(how, "handle") == 0) {
		r = sys_mbox_send(42, "forged", 6, TIMEOUT_POLL, NO_HANDLE, 0);	/* never given */
	} else if (strcmp(how, "write-ro") == 0) {
		*(volatile char *)source = 'X';		/* the mapping is read-only */
		r = 0;
	} else {
		snprintf(script_log[script_log_n - 1], SCREEN_COLS + 1,
			 "escape %s: unknown way (syscall spawn disk name kill poweroff handle write-ro)",
			 how);
		return;
	}
	snprintf(script_log[script_log_n - 1], SCREEN_COLS + 1,
		 "escape %s: NOT BLOCKED: the call returned %ld", how, r);
}

/* ---- Resource bombs: each must stop at a limit, not take the machine ---- */

/*
 * A compromised renderer can use only what it was handed and what its
 * limits allow (docs/browser-demo.md, "Isolation").  These try to take
 * more.  The browser spawns renderers with max_procs 1 (no children),
 * max_pages (its memory) and per-process quotas (16 handles, 1 shm
 * page); fork and naming are outside the sandbox altogether.  A bomb
 * that is stopped by an error says so on screen and the page goes on.
 */

/* Grows the heap 64 KiB at a time until sbrk refuses, then gives it all back. */
static void bomb_sbrk(void)
{
	long kb = 0, err;

	while (!(err = ptr_error(sbrk(64 * 1024))))
		kb += 64;
	sbrk(-kb * 1024);
	snprintf(script_log[script_log_n - 1], SCREEN_COLS + 1,
		 "bomb sbrk: stopped after %ld KiB: %s; gave it back", kb, errno_name((int)err));
}

/* Every copy forks again until fork fails (a fork bomb); the copies exit. */
static void bomb_fork(void)
{
	long n = 0, r;
	bool copy = false;

	while ((r = sys_fork()) >= 0) {
		if (r > 0) {
			n++;
			continue;
		}
		copy = true;
		n = 0;
	}
	if (copy)
		exit(0);
	snprintf(script_log[script_log_n - 1], SCREEN_COLS + 1,
		 "bomb fork: NOT BLOCKED: %ld copies, then %s", n, errno_name((int)r));
}

/* Registers names until mbox_create refuses (none without SB_NAMES). */
static void bomb_names(void)
{
	char name[IPC_NAME_MAX];
	long n = 0, h;

	for (;; n++) {
		snprintf(name, sizeof(name), "bomb-%d-%ld", getpid(), n);
		if ((h = sys_mbox_create(1, name)) < 0)
			break;
	}
	snprintf(script_log[script_log_n - 1], SCREEN_COLS + 1,
		 "bomb names: NOT BLOCKED: %ld names, then %s", n, errno_name((int)h));
}

/* Creates unnamed mailboxes, then one-page shared objects, until each
 * call refuses (its handle and shm quotas); then closes them all. */
static void bomb_objects(void)
{
	int hs[64], n = 0, nmbox, err;

	while (n < 64 && (err = mbox_create(4, NULL)) >= 0)
		hs[n++] = err;
	nmbox = n;
	for (int i = 0; i < nmbox / 2; i++)
		close(hs[--n]);		/* room in the handle table for shm objects */
	int mbox_err = err, shm0 = n;
	while (n < 64 && (err = shm_create(4096, NULL)) >= 0)
		hs[n++] = err;
	snprintf(script_log[script_log_n - 1], SCREEN_COLS + 1,
		 "bomb objects: %d mailboxes, then %s; %d shared objects, then %s", nmbox,
		 errno_name(mbox_err), n - shm0, errno_name(err));
	while (n > 0)
		close(hs[--n]);
}

/* Runs bomb `what`; false if there is no such bomb. */
static bool bomb(const char *what)
{
	if (strcmp(what, "sbrk") == 0)
		bomb_sbrk();
	else if (strcmp(what, "fork") == 0)
		bomb_fork();
	else if (strcmp(what, "names") == 0)
		bomb_names();
	else if (strcmp(what, "objects") == 0)
		bomb_objects();
	else
		return false;
	return true;
}

/* ---- The script ---- */

static int script_pc;			/* next command */
static bool step_active;		/* a count or sleep is under way */
static long step_n, step_i;
static uint64_t step_until;		/* sleep: when it ends; count: next count */
static bool script_done;

/* Adds a line to the script's log (scrolling the oldest out). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	if (script_log_n == SCRIPT_LOG) {
		memmove(script_log[0], script_log[1], sizeof(script_log[0]) * (SCRIPT_LOG - 1));
		script_log_n--;
	}
	va_start(ap, fmt);
	vsnprintf(script_log[script_log_n++], SCREEN_COLS + 1, fmt, ap);
	va_end(ap);
}

static void script_alloc(long kb)
{
	char *p = kb > 0 ? malloc((size_t)kb * 1024) : 0;

	if (!p) {
		say("alloc %ld KB: failed (out of memory)", kb);
		return;
	}
	for (long i = 0; i < kb * 1024; i += 4096)
		p[i] = (char)i;		/* touch every page */
	say("alloc %ld KB: ok at 0x%lx, heap now ends at 0x%lx", kb, (unsigned long)p,
	    (unsigned long)sbrk(0));
}

static void script_busy(long ms)
{
	uint64_t end = uptime_ms() + (uint64_t)ms;

	say("busy %ld ms: spinning, no heartbeats ...", ms);
	publish();
	while (uptime_ms() < end)
		asm volatile("pause");
	snprintf(script_log[script_log_n - 1], SCREEN_COLS + 1, "busy %ld ms: done", ms);
}

/* Starts command cmd; returns whether it goes on over later ticks. */
static bool script_start(char *cmd)
{
	char *arg = cmd;
	long n = 0;

	while (*arg && !is_space(*arg))
		arg++;
	if (*arg)
		*arg++ = '\0';
	while (is_space(*arg))
		arg++;
	bool num = parse_long(arg, &n);

	if (strcmp(cmd, "count") == 0 && num) {
		say("count: 0 of %ld", n);
		step_n = n, step_i = 0, step_until = uptime_ms() + TICK_MS;
		return n > 0;
	} else if (strcmp(cmd, "sleep") == 0 && num) {
		say("sleep %ld ms ...", n);
		step_n = -1, step_until = uptime_ms() + (uint64_t)n;
		return true;
	} else if (strcmp(cmd, "busy") == 0 && num) {
		script_busy(n);
	} else if (strcmp(cmd, "alloc") == 0 && num) {
		script_alloc(n);
	} else if (strcmp(cmd, "echo") == 0) {
		say("%s", arg);
	} else if (strcmp(cmd, "crash") == 0) {
		say("crash: writing to address 0 ...");
		publish();
		crash_now();
	} else if (strcmp(cmd, "hang") == 0) {
		say("hang: looping forever, no more heartbeats ...");
		publish();
		hang_now();
	} else if (strcmp(cmd, "escape") == 0) {
		say("escape %s: trying ...", arg);
		publish();
		escape(arg);
	} else if (strcmp(cmd, "bomb") == 0) {
		say("bomb %s: trying ...", arg);
		publish();
		if (!bomb(arg))
			say("bomb %s: unknown (sbrk fork names objects)", arg);
	} else {
		say("unknown script command: %s %s", cmd, arg);
	}
	return false;
}

/* Advances a count or sleep under way; returns whether it goes on. */
static bool script_continue(uint64_t now)
{
	if (now < step_until)
		return true;
	if (step_n < 0) {
		snprintf(script_log[script_log_n - 1], SCREEN_COLS + 1, "sleep: done");
		return false;
	}
	step_i++;
	step_until = now + TICK_MS;
	snprintf(script_log[script_log_n - 1], SCREEN_COLS + 1, "count: %ld of %ld", step_i, step_n);
	return step_i < step_n;
}

/* Runs the script as far as it can without waiting; true if it changed
 * the screen. */
static bool script_step(uint64_t now)
{
	bool changed = false;

	while (script_pc < nscript || step_active) {
		if (step_active) {
			uint64_t before = step_until;

			step_active = script_continue(now);
			changed |= step_until != before || !step_active;
			if (step_active)
				return changed;
			continue;
		}
		step_active = script_start(script_cmds[script_pc++]);
		changed = true;
		if (step_active)
			return changed;
	}
	if (nscript > 0 && !script_done) {
		say("(script finished)");
		script_done = changed = true;
	}
	return changed;
}

/* How long until the script wants to run again (ms), or -1: never. */
static int64_t script_wait(uint64_t now)
{
	if (step_active)
		return step_until > now ? (int64_t)(step_until - now) : 0;
	return script_pc < nscript ? 0 : -1;
}

/* ---- Commands from the browser ---- */

static void command(char *msg, long len, const struct msg_info *info)
{
	char *verb = msg, *name, *rest;

	msg[len] = '\0';
	name = strchr(msg, ' ');
	if (name)
		*name++ = '\0';
	else
		name = "";
	rest = strchr(name, ' ');
	if (rest)
		*rest++ = '\0';
	else
		rest = "";
	if (strcmp(verb, "PBOX") == 0 || strcmp(verb, "PCTL") == 0) {
		plugin_handle(verb, name, info->handle);
		return;
	}
	if (info->handle != NO_HANDLE)
		close(info->handle);	/* not expected with anything else */
	if (strcmp(verb, "PGONE") == 0) {
		plugin_gone(name, rest);
	} else if (strcmp(verb, "CRASH") == 0) {
		say("crash (asked by the browser): writing to address 0 ...");
		publish();
		crash_now();
	} else if (strcmp(verb, "QUIT") == 0) {
		die(0);
	}
}

static void setup(void)
{
	struct handle_info hi;
	void *p;

	if (handle_info(H_SOURCE, &hi) < 0 || hi.type != HANDLE_TYPE_SHM)
		die(2);
	p = shm_map(H_SOURCE, PROT_READ);
	if (ptr_error(p))
		die(2);
	source = p;
	source_len = strnlen(source, hi.size);
	p = shm_map(H_SCREEN, PROT_READ | PROT_WRITE);
	if (ptr_error(p))
		die(2);
	screen = p;
	screen->magic = SCREEN_MAGIC;
}

int main(void)
{
	static char msg[MSG_MAX + 1];
	uint64_t start, next_hb = 0, next_tick = 0, hb = 0;
	bool loaded = false, dirty = true;
	struct msg_info info;

	setup();
	start = uptime_ms();
	reply("HB 0");
	parse(source, source_len);
	for (int i = 0; i < nplugins; i++)
		reply("NEED %s", plugins[i].name);
	publish();
	for (;;) {
		uint64_t now = uptime_ms();

		if (!loaded && (plugins_settled() || now - start >= LOAD_WAIT_MS)) {
			publish();	/* the browser shows this screen after LOADED */
			reply("LOADED");
			loaded = true;
		}
		if (loaded)
			dirty |= script_step(now);
		if (now >= next_tick) {
			dirty |= nplugins > 0;	/* plug-in boxes change on their own */
			next_tick = now + TICK_MS;
		}
		if (now >= next_hb) {
			reply("HB %lu", ++hb);
			next_hb = now + HEARTBEAT_MS;
		}
		if (dirty)
			publish();
		dirty = false;

		/* Sleep in the mailbox until the next tick, script step or command. */
		uint64_t wake = next_tick < next_hb ? next_tick : next_hb;
		int64_t wait = wake > now ? (int64_t)(wake - now) : 0, sw = loaded ? script_wait(now) : -1;
		if (sw >= 0 && sw < wait)
			wait = sw;
		long r = mbox_recv(H_CMD, msg, MSG_MAX, wait, &info);
		if (r >= 0) {
			command(msg, r, &info);
			dirty = true;
		} else if (r == -EPIPE) {
			die(0);		/* the browser is gone */
		}
	}
}
