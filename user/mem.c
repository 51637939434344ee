/* mem: free physical memory, as the kernel monitor's `mem` printed it. */
#include "baton.h"

int main(void)
{
	struct memstat st;
	int err = memstat(&st);

	if (err < 0) {
		eprintf("mem: %s\n", errno_name(err));
		return 1;
	}
	printf("%lu of %lu frames free (%lu KiB of %lu KiB); kernel heap %lu bytes, "
	       "%lu processes, %lu kernel objects\n",
	       st.free_frames, st.total_frames, st.free_frames * 4, st.total_frames * 4,
	       st.kmalloc_bytes, st.nprocs, st.nobjects);
	return 0;
}
