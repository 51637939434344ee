/*
 * Fuzz target for lib/elf.c: the input is a program file.
 *
 * On success every segment must lie inside the file and the user range,
 * with the properties lib/elf.h lists; on failure the image must be left
 * empty.  The file sits at an odd address, as the initrd may.
 */
#include <stdbool.h>
#include <string.h>

#include "lib/elf.h"
#include "tests/fuzz/fuzz.h"

/* The user range kernel/exec.c passes (USER_LOW up to below the stack). */
#define USER_LO 0x10000ull
#define USER_HI 0x00007fff00000000ull

static void check_segment(const struct elf_segment *s, const uint8_t *file, size_t size)
{
	CHECK(s->memsz > 0);
	CHECK(s->filesz <= s->memsz);
	CHECK(s->offset <= size && s->filesz <= size - s->offset);
	fuzz_touch(file + s->offset, s->filesz);
	CHECK(s->vaddr >= USER_LO);
	CHECK(s->memsz <= USER_HI - s->vaddr);
	CHECK(!(s->write && s->exec));
}

static bool overlap(const struct elf_segment *a, const struct elf_segment *b)
{
	return a->vaddr < b->vaddr + b->memsz && b->vaddr < a->vaddr + a->memsz;
}

static void check_image(const struct elf_image *img, const uint8_t *file, size_t size)
{
	bool entry_ok = false;

	CHECK(img->nsegs >= 1 && img->nsegs <= ELF_MAX_SEGMENTS);
	for (int i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];

		check_segment(s, file, size);
		for (int j = 0; j < i; j++)
			CHECK(!overlap(s, &img->segs[j]));
		if (s->exec && img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
			entry_ok = true;
	}
	CHECK(entry_ok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct elf_image empty;
	struct elf_image img;
	uint8_t *block, *file = fuzz_copy_unaligned(data, size, &block);
	int rc = elf_load_info(file, size, USER_LO, USER_HI, &img);

	if (rc == ELF_OK) {
		check_image(&img, file, size);
	} else {
		CHECK(rc >= ELF_E_NO_LOAD && rc < 0);
		CHECK(strcmp(elf_strerror(rc), "unknown ELF error") != 0);
		CHECK(memcmp(&img, &empty, sizeof(img)) == 0);	/* nothing half-checked */
	}
	free(block);
	return 0;
}
