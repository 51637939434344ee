/* Compile-time limits of the kernel. */
#ifndef KERNEL_PARAM_H
#define KERNEL_PARAM_H

#define NCPU		32	/* most CPUs Baton brings up */
#define PAGE_SIZE	4096ul
#define PAGE_SHIFT	12
#define KSTACK_SIZE	16384ul	/* per-CPU and per-process kernel stacks */
#define HZ		100	/* timer ticks per second on each CPU */

#define PAGE_ROUND_UP(x)	(((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x)	((x) & ~(PAGE_SIZE - 1))

#endif
