/*
 * Replays a fuzz corpus without libFuzzer: each file of CORPUS_DIR goes
 * once through the target's LLVMFuzzerTestOneInput().  Built with gcc and
 * ASan/UBSan as build/host/test_fuzz_<parser>, so `make test` runs it
 * beside the cmocka tests and reads its TAP: one result per corpus.  A
 * crash or a broken invariant aborts the program with the plan unmet,
 * which tools/runtests.py reports as a failure; the "# input" comment
 * printed before each file names the input that did it.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

#ifndef CORPUS_DIR
#error "build with -DCORPUS_DIR=\"tests/fuzz/corpus/<parser>\""
#endif

/* Reads a whole file into a heap block of exactly its size. */
static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc(n ? (size_t)n : 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int main(void)
{
	struct dirent **names;
	const char *name = strrchr(CORPUS_DIR, '/') ? strrchr(CORPUS_DIR, '/') + 1 : CORPUS_DIR;
	int n = scandir(CORPUS_DIR, &names, not_hidden, alphasort), done = 0;

	printf("1..1\n");
	if (n <= 0) {
		printf("not ok 1 - %s: no corpus in %s\n", name, CORPUS_DIR);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		uint8_t *data;
		size_t size;

		snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, names[i]->d_name);
		printf("# input %s\n", path);
		fflush(stdout);
		data = read_file(path, &size);
		if (!data) {
			printf("not ok 1 - %s: cannot read %s\n", name, path);
			return 1;
		}
		LLVMFuzzerTestOneInput(data, size);
		free(data);
		free(names[i]);
		done++;
	}
	free(names);
	printf("ok 1 - %s: %d corpus inputs replayed\n", name, done);
	return 0;
}
