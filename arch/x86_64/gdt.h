#ifndef ARCH_GDT_H
#define ARCH_GDT_H

#include <stdint.h>

#define SEG_KCODE	0x08
#define SEG_KDATA	0x10
#define SEG_UDATA	0x18	/* used with RPL 3 */
#define SEG_UCODE	0x20	/* used with RPL 3 */
#define SEG_TSS		0x28

void gdt_init_cpu(int id);
void gdt_set_kernel_stack(int id, uint64_t rsp0);

#endif
