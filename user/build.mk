# User programs: included by the top-level Makefile, right after its
# INITRD_FILES line.  Each program user/NAME.c becomes build/user/NAME,
# a static ELF linked at 0x400000 by user/user.ld, and is packed into
# the initrd under its plain name.  See docs/userland.md.
#
# To add a program, write user/NAME.c: every user/*.c is a program.

# This file is read before the Makefile's first rule; without this line
# the first target below would become what a bare `make` builds.
.DEFAULT_GOAL := all

USER_PROG_NAMES := $(sort $(notdir $(basename $(wildcard user/*.c))))

USER_PROGS := $(addprefix $(BUILD)/user/,$(USER_PROG_NAMES))
# The initrd gets copies without debug info (a quarter of the size, so
# GRUB loads it faster); gdb reads the full ELFs in build/user/, which are
# the same code at the same addresses.
USER_PROGS_STRIPPED := $(addprefix $(BUILD)/user/stripped/,$(USER_PROG_NAMES))
INITRD_FILES += $(USER_PROGS_STRIPPED)

# Like the kernel's flags, but for ring 3: no -mcmodel=kernel (the default
# small model fits a program at 0x400000), the ulib headers, and the
# normal x86-64 ABI with floating point in SSE2 registers (the kernel
# keeps each process's FPU/SSE registers: docs/processes.md).  lib/*.c is
# built both ways, so it must not use floating point itself.
USER_CFLAGS := -std=gnu11 -ffreestanding -fno-builtin -nostdlib \
	-fno-pic -fno-pie -fno-stack-protector -fcf-protection=none \
	-mno-red-zone \
	-fno-omit-frame-pointer -fno-tree-loop-distribute-patterns -fno-strict-aliasing -g -O2 \
	-Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wundef \
	-I. -Iuser/ulib -MMD -MP
USER_ASFLAGS := -I. -Iuser/ulib -g -MMD -MP
USER_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T user/user.ld

# What every program is linked with: the start-up code first, then ulib,
# the generated system-call stubs, and user-space builds of the shared
# lib/ files (compiled again with USER_CFLAGS, into build/user/lib/).
USER_CRT0 := $(BUILD)/user/ulib/crt0.o
USER_ULIB_C_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(wildcard user/ulib/*.c))
USER_ULIB_S_OBJS := $(BUILD)/user/ulib/syscall6.o
USER_ULIB_OBJS := $(USER_ULIB_C_OBJS) $(USER_ULIB_S_OBJS)
USER_SHARED_OBJS := $(addprefix $(BUILD)/user/lib/,string.o fmt.o errno.o)
USER_LIB_OBJS := $(USER_CRT0) $(USER_ULIB_OBJS) $(BUILD)/user/usys.o $(USER_SHARED_OBJS)
USER_PROG_OBJS := $(addsuffix .o,$(USER_PROGS))

$(USER_PROG_OBJS) $(USER_ULIB_C_OBJS): $(BUILD)/user/%.o: user/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(USER_CRT0) $(USER_ULIB_S_OBJS): $(BUILD)/user/%.o: user/%.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(USER_ASFLAGS) -c $< -o $@

$(USER_SHARED_OBJS): $(BUILD)/user/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (user)")
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

# The stubs come from the one list of call numbers.
$(BUILD)/user/usys.S: lib/syscalls.h tools/gensyscalls
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)tools/gensyscalls stubs lib/syscalls.h $@

$(BUILD)/user/usys.o: $(BUILD)/user/usys.S
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(USER_ASFLAGS) -c $< -o $@

$(USER_PROGS): $(BUILD)/user/%: $(BUILD)/user/%.o $(USER_LIB_OBJS) user/user.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(USER_LDFLAGS) -o $@ $(USER_CRT0) $< $(filter-out $(USER_CRT0),$(USER_LIB_OBJS))

$(USER_PROGS_STRIPPED): $(BUILD)/user/stripped/%: $(BUILD)/user/%
	@mkdir -p $(dir $@)
	$(Q)$(OBJCOPY) --strip-debug $< $@

-include $(USER_PROG_OBJS:.o=.d) $(USER_LIB_OBJS:.o=.d)
