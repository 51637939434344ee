/*
 * The bits of rflags, and which of them a user process owns.  Included
 * by C (x86.h) and by the entry stubs (.S), so only #defines.
 *
 * A ring-3 program can change, with popf: the arithmetic flags, TF, DF,
 * NT, AC and ID.  It cannot change IF or IOPL (popf leaves them alone at
 * CPL 3), nor RF, VM, VIF, VIP.  The kernel:
 *   - on entry clears every flag it does not want: the syscall
 *     instruction through MSR_FMASK (RFLAGS_ENTRY_MASK), an interrupt or
 *     exception by hardware (TF NT RF VM IF) plus a popf of
 *     RFLAGS_RESERVED in trap_common (DF AC);
 *   - keeps its own flags per kernel stack (swtch saves them), so no
 *     process's flags reach another's;
 *   - on the way back (iretq and sysretq) keeps only RFLAGS_USER of the
 *     saved user flags and forces IF on: IOPL stays 0, VM and RF clear.
 */
#ifndef ARCH_RFLAGS_H
#define ARCH_RFLAGS_H

#define RFLAGS_CF	0x000001
#define RFLAGS_RESERVED	0x000002	/* always reads as 1 */
#define RFLAGS_PF	0x000004
#define RFLAGS_AF	0x000010
#define RFLAGS_ZF	0x000040
#define RFLAGS_SF	0x000080
#define RFLAGS_TF	0x000100	/* single step: #DB after each instruction */
#define RFLAGS_IF	0x000200	/* interrupts on */
#define RFLAGS_DF	0x000400	/* string instructions go down */
#define RFLAGS_OF	0x000800
#define RFLAGS_IOPL	0x003000	/* I/O privilege level: 0 for user */
#define RFLAGS_NT	0x004000	/* nested task: iretq with it set is #GP */
#define RFLAGS_RF	0x010000
#define RFLAGS_VM	0x020000
#define RFLAGS_AC	0x040000	/* alignment check; with SMAP: user access on */
#define RFLAGS_VIF	0x080000
#define RFLAGS_VIP	0x100000
#define RFLAGS_ID	0x200000

/* What a user process may have in its flags: kept across every kernel
 * entry, restored on return.  (0x244dd5) */
#define RFLAGS_USER	(RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | \
			 RFLAGS_TF | RFLAGS_DF | RFLAGS_OF | RFLAGS_NT | RFLAGS_AC | RFLAGS_ID)

/* Cleared by the syscall instruction (MSR_FMASK): everything but the
 * reserved bit, so the kernel starts from a known state whatever the
 * user set; IF comes back on with the sti in syscall_entry. */
#define RFLAGS_ENTRY_MASK	(RFLAGS_USER | RFLAGS_IF | RFLAGS_IOPL | RFLAGS_RF | \
				 RFLAGS_VM | RFLAGS_VIF | RFLAGS_VIP)

#endif
