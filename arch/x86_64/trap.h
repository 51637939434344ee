/*
 * The register frame built by the interrupt entry stubs in trapentry.S.
 * The stubs push the registers in reverse order of the fields below, so
 * the struct describes the stack from the lowest address up.
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stddef.h>
#include <stdint.h>

struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;	/* pushed by the stub */
	uint64_t error;		/* pushed by the CPU, or 0 by the stub */
	uint64_t rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

/* trapentry.S and syscall.S hard-code these offsets. */
_Static_assert(offsetof(struct trapframe, vector) == 15 * 8, "trapframe.vector");
_Static_assert(offsetof(struct trapframe, rip) == 17 * 8, "trapframe.rip");
_Static_assert(offsetof(struct trapframe, cs) == 18 * 8, "trapframe.cs");
_Static_assert(offsetof(struct trapframe, rflags) == 19 * 8, "trapframe.rflags");
_Static_assert(sizeof(struct trapframe) == 22 * 8, "trapframe size");

#define T_DIVIDE	0
#define T_DEBUG		1
#define T_NMI		2
#define T_BREAKPOINT	3
#define T_INVALID_OP	6
#define T_DOUBLE_FAULT	8
#define T_GP		13
#define T_PAGE_FAULT	14
#define T_X87_FP	16	/* #MF: unmasked x87 error (CR0.NE set) */
#define T_SIMD_FP	19	/* #XM: unmasked SSE error (CR4.OSXMMEXCPT set) */
#define T_IRQ0		32	/* legacy IRQs are remapped here */
#define T_LAPIC_ERROR	254
#define T_SPURIOUS	255

#define NIDT		256

extern uint64_t trap_vectors[NIDT];	/* stub addresses, from trapentry.S */

void trap(struct trapframe *tf);
void user_bad_return(struct trapframe *tf) __attribute__((noreturn));
const char *trap_name(uint64_t vector);
void trap_dump(const struct trapframe *tf);

#endif
