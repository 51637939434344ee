/*
 * The browser demo's page format: parsing a page into blocks.
 *
 * A page (the .html files in user/files/) is a tiny HTML subset:
 *   <title>T</title>   the tab's title
 *   <h1>, <h2>         headings
 *   <p>                a paragraph; <br> breaks a line
 *   <ul><li>           a bulleted list
 *   <a href=PAGE>      a link, kept in the text as [text -> PAGE]
 *   <hr>               a rule
 *   <pre>              preformatted lines, as written
 *   <plugin name=N label="...">  a box drawn by plug-in process N
 *   <script> ... </script>       one command per line ('#' starts a comment)
 *   <!-- ... -->       a comment
 * Unknown tags are ignored; &lt; &gt; &amp; &quot; are decoded, and
 * outside <pre> runs of white space become one space.
 *
 * page_parse() turns the source into a list of blocks (what the renderer
 * lays out), the script's command lines, the title and the plug-ins the
 * page embeds.  The source is untrusted: any bytes, of any length.  The
 * parser allocates nothing: the caller lends it three arrays (blocks,
 * command pointers, text bytes) and it never writes past their capacities.
 * It always counts what the whole page needs, so a caller can parse once
 * with no storage to learn the sizes, allocate, and parse again.
 */
#ifndef LIB_PAGE_H
#define LIB_PAGE_H

#include <stddef.h>

#define PAGE_TITLE_MAX		64	/* title, including the NUL */
#define PAGE_NAME_MAX		16	/* plug-in name, including the NUL */
#define PAGE_LABEL_MAX		48	/* plug-in label, including the NUL */
#define PAGE_HREF_MAX		64	/* link target, including the NUL */
#define PAGE_MAX_PLUGINS	4	/* plug-in kinds on one page */

/* Error codes (all negative; 0 means success). */
enum {
	PAGE_OK = 0,
	PAGE_E_INVAL = -1,	/* NULL page, or NULL source with a length */
	PAGE_E_NOSPACE = -2,	/* the storage lent was too small: see the counts */
};

enum page_block_kind {
	PAGE_H1, PAGE_H2, PAGE_P, PAGE_LI, PAGE_PRE,	/* text */
	PAGE_HR,		/* a rule */
	PAGE_PLUGIN,		/* a plug-in box; text is its label ("" if none) */
	PAGE_SCRIPT,		/* where the script's output goes (the first <script>) */
	PAGE_BLANK,		/* an empty line (after a list) */
};

struct page_block {
	enum page_block_kind kind;
	char *text;	/* PAGE_H1..PAGE_PRE: non-empty, no leading white space;
			 * PAGE_PLUGIN: the label; otherwise NULL */
	int plugin;	/* PAGE_PLUGIN: index into page.plugins */
	int inst;	/* PAGE_PLUGIN: 0, 1, ... in page order */
};

struct page {
	/* Storage lent by the caller; a pointer may be NULL if its cap is 0. */
	struct page_block *blocks;
	size_t blocks_cap;
	char **cmds;
	size_t cmds_cap;
	char *text;		/* block texts and commands, each NUL-terminated */
	size_t text_cap;

	/* Filled in by page_parse.  The counts are what the whole page needs,
	 * even where they exceed the caps (then only a prefix is stored). */
	size_t nblocks, ncmds, text_len;
	char title[PAGE_TITLE_MAX];	/* printable ASCII; "(untitled)" if none */
	char plugins[PAGE_MAX_PLUGINS][PAGE_NAME_MAX];	/* first-use order */
	int nplugins;
	int ninstances;		/* <plugin> elements kept */
};

/*
 * Parses the len bytes at src (parsing stops early at a NUL byte) into
 * pg, using the storage pg lends.  Returns PAGE_OK, PAGE_E_NOSPACE if
 * some block, command or text did not fit, or PAGE_E_INVAL.  After
 * PAGE_E_NOSPACE the counts say how much to lend next time, and what was
 * stored is the start of the full result, except that a block's text or
 * a command whose bytes did not fit is NULL.
 */
int page_parse(const char *src, size_t len, struct page *pg);

#endif
