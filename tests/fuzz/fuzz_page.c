/*
 * Fuzz target for lib/page.c: the input is a page's source.
 *
 * Parses three times, as lib/page.h allows: with no storage (to count),
 * with storage of exactly the counted sizes (must succeed with the same
 * counts), and with half of it (must report PAGE_E_NOSPACE and store a
 * prefix of the full result).  Every storage block is a heap block of
 * exactly its size, so a write past a capacity is caught.  The full
 * result is checked against what lib/page.h promises.
 */
#include <stdbool.h>
#include <string.h>

#include "lib/page.h"
#include "tests/fuzz/fuzz.h"

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

/* s is a NUL-terminated string inside the text storage. */
static void check_text(const struct page *pg, const char *s)
{
	size_t room;

	CHECK(fuzz_within(pg->text, pg->text_len, s, 1));
	room = pg->text_len - (size_t)(s - pg->text);
	CHECK(strnlen(s, room) < room);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void check_block(const struct page *pg, const struct page_block *b, int *inst)
{
	switch (b->kind) {
	case PAGE_H1: case PAGE_H2: case PAGE_P: case PAGE_LI: case PAGE_PRE:
		CHECK(b->text != NULL);
		check_text(pg, b->text);
		CHECK(b->text[0] != '\0' && !is_space(b->text[0]));
		break;
	case PAGE_PLUGIN:
		CHECK(b->text != NULL);
		check_text(pg, b->text);
		CHECK(strlen(b->text) < PAGE_LABEL_MAX);
		CHECK(b->plugin >= 0 && b->plugin < pg->nplugins);
		CHECK(b->inst == (*inst)++);
		break;
	case PAGE_HR: case PAGE_SCRIPT: case PAGE_BLANK:
		CHECK(b->text == NULL);
		break;
	default:
		CHECK(!"a known block kind");
	}
}

static void check_page(const struct page *pg)
{
	int inst = 0;

	for (size_t i = 0; i < pg->nblocks; i++)
		check_block(pg, &pg->blocks[i], &inst);
	CHECK(inst == pg->ninstances);
	for (size_t i = 0; i < pg->ncmds; i++) {
		const char *c = pg->cmds[i];

		check_text(pg, c);
		CHECK(c[0] != '\0' && c[0] != '#' && !is_space(c[0]) && !strchr(c, '\n'));
	}
	CHECK(strnlen(pg->title, sizeof(pg->title)) < sizeof(pg->title));
	for (const char *t = pg->title; *t; t++)
		CHECK(*t >= ' ' && *t <= '~');
	CHECK(pg->nplugins >= 0 && pg->nplugins <= PAGE_MAX_PLUGINS);
	for (int i = 0; i < pg->nplugins; i++) {
		CHECK(strnlen(pg->plugins[i], PAGE_NAME_MAX) < PAGE_NAME_MAX);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(pg->plugins[i], pg->plugins[j]) != 0);
	}
}

static void lend(struct page *pg, size_t nblocks, size_t ncmds, size_t text)
{
	*pg = (struct page){
		.blocks = xmalloc(nblocks * sizeof(*pg->blocks)), .blocks_cap = nblocks,
		.cmds = xmalloc(ncmds * sizeof(*pg->cmds)), .cmds_cap = ncmds,
		.text = xmalloc(text), .text_cap = text,
	};
}

static void give_back(struct page *pg)
{
	free(pg->blocks);
	free(pg->cmds);
	free(pg->text);
}

static bool same_text(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* What a short parse stored is a prefix of the full one. */
static void check_prefix(const struct page *part, const struct page *full)
{
	for (size_t i = 0; i < part->nblocks && i < part->blocks_cap; i++) {
		const struct page_block *a = &part->blocks[i], *b = &full->blocks[i];

		CHECK(a->kind == b->kind && a->plugin == b->plugin && a->inst == b->inst);
		CHECK(a->text == NULL || same_text(a->text, b->text));
	}
	for (size_t i = 0; i < part->ncmds && i < part->cmds_cap; i++)
		CHECK(part->cmds[i] == NULL || strcmp(part->cmds[i], full->cmds[i]) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct page count = { 0 }, full, part;
	const char *src = (const char *)data;
	int rc = page_parse(src, size, &count);
	bool empty = !count.nblocks && !count.ncmds && !count.text_len;

	CHECK(rc == (empty ? PAGE_OK : PAGE_E_NOSPACE));
	lend(&full, count.nblocks, count.ncmds, count.text_len);
	CHECK(page_parse(src, size, &full) == PAGE_OK);
	CHECK(full.nblocks == count.nblocks && full.ncmds == count.ncmds &&
	      full.text_len == count.text_len);
	check_page(&full);

	lend(&part, count.nblocks / 2, count.ncmds / 2, count.text_len / 2);
	CHECK(page_parse(src, size, &part) == rc);	/* half of 1 or more is short */
	CHECK(part.nblocks == count.nblocks && part.ncmds == count.ncmds &&
	      part.text_len == count.text_len);
	check_prefix(&part, &full);
	give_back(&part);
	give_back(&full);
	return 0;
}
