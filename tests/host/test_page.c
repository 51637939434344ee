/*
 * Host tests for lib/page.c, the browser's page parser.
 *
 * Every source is parsed from a heap copy of exactly its length (no NUL
 * after it), so AddressSanitizer catches a read past the end, and into
 * storage sized by a first, counting parse, as the renderer does it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/page.h"

static char *src_copy;
static struct page pg;

/* Parses s (without its NUL) the renderer's way: count, lend, parse. */
static void parse(const char *s)
{
	size_t len = strlen(s);

	free(src_copy);
	free(pg.blocks);
	free(pg.cmds);
	free(pg.text);
	src_copy = malloc(len ? len : 1);
	assert_non_null(src_copy);
	memcpy(src_copy, s, len);
	memset(&pg, 0, sizeof(pg));
	page_parse(src_copy, len, &pg);
	pg.blocks = calloc(pg.nblocks + 1, sizeof(*pg.blocks));
	pg.blocks_cap = pg.nblocks;
	pg.cmds = calloc(pg.ncmds + 1, sizeof(*pg.cmds));
	pg.cmds_cap = pg.ncmds;
	pg.text = malloc(pg.text_len + 1);
	pg.text_cap = pg.text_len;
	assert_int_equal(page_parse(src_copy, len, &pg), PAGE_OK);
}

static int teardown(void **state)
{
	(void)state;
	free(src_copy);
	free(pg.blocks);
	free(pg.cmds);
	free(pg.text);
	src_copy = NULL;
	memset(&pg, 0, sizeof(pg));
	return 0;
}

static void assert_block(size_t i, enum page_block_kind kind, const char *text)
{
	assert_true(i < pg.nblocks);
	assert_int_equal(pg.blocks[i].kind, kind);
	if (text)
		assert_string_equal(pg.blocks[i].text, text);
	else
		assert_null(pg.blocks[i].text);
}

static void test_blocks_and_text(void **state)
{
	(void)state;
	parse("<title>News\tof the day</title><h1>Head &amp; line</h1>"
	      "<p>one   two\n three<br>four</p>after<ul><li>a<li>b</ul><hr>"
	      "<pre>  x\n\ty</pre><!-- <p>hidden</p> -->");
	assert_string_equal(pg.title, "News of the day");
	assert_int_equal(pg.nblocks, 8);
	assert_block(0, PAGE_H1, "Head & line");
	assert_block(1, PAGE_P, "one two three\nfour");
	assert_block(2, PAGE_P, "after");
	assert_block(3, PAGE_LI, "a");
	assert_block(4, PAGE_LI, "b");
	assert_block(5, PAGE_BLANK, NULL);
	assert_block(6, PAGE_HR, NULL);
	assert_block(7, PAGE_PRE, "x\n y");	/* leading white space goes even here */
	assert_int_equal(pg.ncmds, 0);
}

static void test_links(void **state)
{
	(void)state;
	parse("<p>see <a href=news.html>the news</a> and <A href=\"a b\">x</a></p>");
	assert_int_equal(pg.nblocks, 1);
	assert_block(0, PAGE_P, "see [the news -> news.html] and [x -> a b]");
}

static void test_plugins(void **state)
{
	(void)state;
	parse("<plugin name=clock label=\"Big clock\"><plugin name=clock>"
	      "<plugin name=a><plugin name=b><plugin name=c><plugin name=toomany><plugin>");
	assert_int_equal(pg.nplugins, 4);
	assert_string_equal(pg.plugins[0], "clock");
	assert_string_equal(pg.plugins[3], "c");
	assert_int_equal(pg.ninstances, 5);
	assert_int_equal(pg.nblocks, 5);
	assert_block(0, PAGE_PLUGIN, "Big clock");
	assert_block(1, PAGE_PLUGIN, "");
	assert_int_equal(pg.blocks[1].plugin, 0);
	assert_int_equal(pg.blocks[1].inst, 1);
	assert_int_equal(pg.blocks[4].plugin, 3);
}

static void test_script(void **state)
{
	(void)state;
	parse("<p>x</p><script>\n  echo hi there\n# a comment\n\ncount 3</script><p>y"
	      "<script>sleep 10</SCRIPT>");
	assert_int_equal(pg.ncmds, 3);
	assert_string_equal(pg.cmds[0], "echo hi there");
	assert_string_equal(pg.cmds[1], "count 3");
	assert_string_equal(pg.cmds[2], "sleep 10");
	assert_int_equal(pg.nblocks, 3);	/* x, the script's place, y */
	assert_block(1, PAGE_SCRIPT, NULL);
	assert_block(2, PAGE_P, "y");
}

/* Too little storage: nothing written past it, the counts still whole. */
static void test_short_storage(void **state)
{
	static const char src[] = "<p>first</p><p>second</p><script>a\nb</script>";
	struct page_block blocks[1];
	char *cmds[1];
	char text[8];
	struct page p = { .blocks = blocks, .blocks_cap = 1, .cmds = cmds, .cmds_cap = 1,
			  .text = text, .text_cap = sizeof(text) };

	(void)state;
	assert_int_equal(page_parse(src, sizeof(src) - 1, &p), PAGE_E_NOSPACE);
	assert_int_equal(p.nblocks, 3);
	assert_int_equal(p.ncmds, 2);
	assert_int_equal(p.text_len, sizeof("first") + sizeof("second") + 2 * sizeof("a"));
	assert_string_equal(blocks[0].text, "first");
	assert_null(cmds[0]);	/* its bytes did not fit */
	assert_int_equal(page_parse(NULL, 0, &p), PAGE_OK);
	assert_int_equal(p.nblocks, 0);
	assert_string_equal(p.title, "(untitled)");
	assert_int_equal(page_parse(NULL, 1, &p), PAGE_E_INVAL);
	assert_int_equal(page_parse(src, 1, NULL), PAGE_E_INVAL);
}

/* A NUL ends the page, as it ends the renderer's shared page. */
static void test_nul_ends_source(void **state)
{
	static const char src[] = "<p>seen\0<p>not seen";

	(void)state;
	assert_int_equal(page_parse(src, sizeof(src), &pg), PAGE_E_NOSPACE);
	assert_int_equal(pg.nblocks, 1);
	assert_int_equal(pg.text_len, sizeof("seen"));
}

/*
 * Found by the page fuzzer: an attribute's '=' as the last byte of the
 * page made tag_attr() read one byte past the source (regression input
 * tests/fuzz/corpus/page/regress-attr-at-end.html).
 */
static void test_attr_value_at_end(void **state)
{
	(void)state;
	parse("<a href=");
	assert_int_equal(pg.nblocks, 1);
	assert_block(0, PAGE_P, "[");
	parse("<p>x<plugin name=");
	assert_int_equal(pg.nplugins, 1);
	assert_string_equal(pg.plugins[0], "");
	parse("<plugin name=n label='");
	assert_block(0, PAGE_PLUGIN, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_blocks_and_text, teardown),
		cmocka_unit_test_teardown(test_links, teardown),
		cmocka_unit_test_teardown(test_plugins, teardown),
		cmocka_unit_test_teardown(test_script, teardown),
		cmocka_unit_test_teardown(test_short_storage, teardown),
		cmocka_unit_test_teardown(test_nul_ends_source, teardown),
		cmocka_unit_test_teardown(test_attr_value_at_end, teardown),
	};
	return cmocka_run_group_tests_name("page", tests, NULL, NULL);
}
