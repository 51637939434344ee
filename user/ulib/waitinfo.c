/* Words for how a process ended, shared by init and sh. */
#include "baton.h"

const char *fault_name(int fault)
{
	switch (fault) {
	case FAULT_PAGE:	return "page fault";
	case FAULT_GP:		return "general protection fault";
	case FAULT_UD:		return "invalid opcode";
	case FAULT_DIV:		return "divide error";
	case FAULT_FP:		return "floating-point exception";
	case FAULT_DEBUG:	return "debug trap";
	default:		return "fault";
	}
}

int exit_reason(const struct wait_info *wi, char *buf, size_t cap)
{
	switch (wi->how) {
	case EXIT_NORMAL:
		return snprintf(buf, cap, "status %d", wi->status);
	case EXIT_KILLED:
		return snprintf(buf, cap, "killed");
	case EXIT_FAULT:
		/* Only a page fault has a meaningful address. */
		if (wi->fault == FAULT_PAGE)
			return snprintf(buf, cap, "killed by page fault at rip 0x%lx addr 0x%lx",
					wi->rip, wi->addr);
		return snprintf(buf, cap, "killed by %s at rip 0x%lx",
				fault_name(wi->fault), wi->rip);
	case EXIT_SANDBOX:
		return snprintf(buf, cap, "killed by the sandbox (%s, system call %d)",
				wi->fault == SANDBOX_BAD_HANDLE ? "bad handle" :
				wi->fault == SANDBOX_NAMING ? "naming not allowed" : "call not allowed",
				wi->status);
	default:
		return snprintf(buf, cap, "ended (how %d)", wi->how);
	}
}
