/* ls: lists the files of the initrd with their sizes in bytes. */
#include "baton.h"

int main(void)
{
	struct dirent ent;

	for (int i = 0; readdir(i, &ent) >= 0; i++)
		printf("%8lu  %s\n", ent.size, ent.name);
	return 0;
}
