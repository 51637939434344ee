/*
 * Moving bytes between the kernel and the current process's memory.
 *
 * Each range is checked page by page against the process's page table
 * (present, user-accessible, writable for copyout) before anything is
 * copied; only then is user access opened (SMAP's stac/clac).  A process
 * is single-threaded and only it changes its own mappings, so a checked
 * range stays valid for the copy.
 */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/param.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/vm.h"
#include "lib/errno.h"
#include "lib/string.h"

static bool user_range(uint64_t uva, size_t n, bool write)
{
	struct proc *p = myproc();
	uint64_t end;

	if (!p || !p->pagetable)
		return false;
	if (n == 0)
		return true;
	if (__builtin_add_overflow(uva, n, &end) || end > USER_TOP)
		return false;
	for (uint64_t va = PAGE_ROUND_DOWN(uva); va < end; va += PAGE_SIZE) {
		int flags;

		if (vm_walk(p->pagetable, va, 0, &flags) < 0 || !(flags & VM_USER))
			return false;
		if (write && !(flags & VM_WRITE))
			return false;
	}
	return true;
}

bool user_readable(uint64_t uva, size_t n)
{
	return user_range(uva, n, false);
}

bool user_writable(uint64_t uva, size_t n)
{
	return user_range(uva, n, true);
}

int copyin(void *dst, uint64_t usrc, size_t n)
{
	if (!user_range(usrc, n, false))
		return -EFAULT;
	arch_user_access_begin();
	memcpy(dst, (const void *)usrc, n);
	arch_user_access_end();
	return 0;
}

int copyout(uint64_t udst, const void *src, size_t n)
{
	if (!user_range(udst, n, true))
		return -EFAULT;
	arch_user_access_begin();
	memcpy((void *)udst, src, n);
	arch_user_access_end();
	return 0;
}

/* Page by page, so a string that ends just before an unmapped page is fine. */
int copyinstr(char *dst, uint64_t usrc, size_t max)
{
	size_t n = 0;

	while (n < max) {
		uint64_t va = usrc + n;
		size_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));

		if (chunk > max - n)
			chunk = max - n;
		if (!user_range(va, chunk, false))
			return -EFAULT;
		arch_user_access_begin();
		for (size_t i = 0; i < chunk; i++) {
			dst[n] = ((const char *)va)[i];
			if (dst[n] == 0) {
				arch_user_access_end();
				return (int)n;
			}
			n++;
		}
		arch_user_access_end();
	}
	return -E2BIG;
}

/*
 * Copies n bytes into another process's memory at uva (a waiting
 * receiver's buffer, checked writable when it began to wait), through the
 * direct map of its frames.  src is the caller's user memory when
 * from_user.  The target is inside mbox_recv(), asleep or spinning, and
 * the caller holds the mailbox lock it needs to leave: it cannot return
 * to user space or change its mappings until the copy is done.
 */
int copy_to_proc(struct proc *dst, uint64_t uva, const void *src, size_t n, bool from_user)
{
	size_t done = 0;

	while (done < n) {
		uint64_t va = uva + done;
		size_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		paddr_t pa;
		int flags;

		if (chunk > n - done)
			chunk = n - done;
		if (vm_walk(dst->pagetable, va, &pa, &flags) < 0 || !(flags & VM_USER) ||
		    !(flags & VM_WRITE))
			return -EFAULT;
		if (from_user)
			arch_user_access_begin();
		memcpy(phys_to_virt(pa), (const char *)src + done, chunk);
		if (from_user)
			arch_user_access_end();
		done += chunk;
	}
	return 0;
}
