# Baton: build, run and test.  `make help` lists the targets.
#
# Toolchain: Debian's gcc/binutils build freestanding x86_64 code directly.
# On another OS, point these at an x86_64-elf- cross toolchain, e.g.
#   make CC=x86_64-elf-gcc LD=x86_64-elf-ld OBJCOPY=x86_64-elf-objcopy
ifeq ($(origin CC),default)
CC := gcc
endif
LD ?= ld
OBJCOPY ?= objcopy
OBJDUMP ?= objdump
NM ?= nm
HOSTCC ?= gcc

# Machine for `make run`/`make debug`; KVM=auto uses /dev/kvm when usable.
SMP ?= 4
MEM ?= 256M
# make test: guest boots at a time (JOBS=1: one QEMU at a time).
JOBS ?= 2
KVM ?= auto
RUN ?=
DEBUG ?= 0
export SMP MEM KVM RUN

BUILD := build
ARCH := x86_64

CFLAGS := -std=gnu11 -ffreestanding -fno-builtin -nostdlib \
	-mno-red-zone -mcmodel=kernel -mno-sse -mno-mmx -mno-sse2 -mno-80387 \
	-fno-pic -fno-pie -fno-stack-protector -fcf-protection=none \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-tree-loop-distribute-patterns -fno-strict-aliasing -g \
	-Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wundef \
	-I. -I$(BUILD) -Iarch/$(ARCH)/include -MMD -MP
ifeq ($(DEBUG),1)
CFLAGS += -Og -DLOCKCHECK_DEFAULT=1
else
CFLAGS += -O2
endif
ASFLAGS := -I. -g -MMD -MP
LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack -T linker.ld

KERNEL_C := $(wildcard kernel/*.c) $(wildcard arch/$(ARCH)/*.c) $(wildcard lib/*.c) \
	$(wildcard tests/guest/*.c)
KERNEL_S := boot/multiboot2.S boot/entry.S $(wildcard arch/$(ARCH)/*.S)
KERNEL_OBJS := $(patsubst %.c,$(BUILD)/k/%.o,$(KERNEL_C)) $(patsubst %.S,$(BUILD)/k/%.o,$(KERNEL_S)) \
	$(BUILD)/k/gen/systab.o

INITRD_FILES := $(wildcard user/files/*)
include user/build.mk

# Host unit tests: each tests/host/test_X.c is one cmocka program, linked
# with every lib/ file except string.c (the host libc provides those).
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wundef -I. \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_LIB := $(filter-out lib/string.c,$(wildcard lib/*.c))
HOST_TESTS := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(wildcard tests/host/test_*.c))

# The coherence model (docs/coherence-model.md): a QEMU TCG plugin, built
# with the host compiler against the plugin API of the installed QEMU
# (version 1 before QEMU 9, 2 from 9.0).  COHERENCE=1 runs `make run`,
# `make debug` and `make bench` under it (tools/qemu_run.py); `make c2c`
# then reports which cache lines moved between vCPUs in the last run.
COHERENCE ?= 0
export COHERENCE
QEMU_MAJOR := $(shell qemu-system-x86_64 --version 2>/dev/null | \
	sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p')
COH_PLUGIN_API := $(shell test "0$(QEMU_MAJOR)" -ge 9 && echo 2 || echo 1)
PLUGIN_CFLAGS := -std=gnu11 -O2 -g -fPIC -shared -fvisibility=hidden \
	-Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wundef -I. \
	-DCOH_PLUGIN_API=$(COH_PLUGIN_API)
COH_SRC := $(wildcard tools/coherence/*.c) lib/mesi.c
COH_INPUTS := $(if $(filter 1,$(COHERENCE)),$(BUILD)/coherence.so)

$(BUILD)/coherence.so: $(COH_SRC) $(wildcard tools/coherence/*.h) lib/mesi.h lib/coherence.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@ (QEMU plugin API $(COH_PLUGIN_API))")
	$(Q)$(HOSTCC) $(PLUGIN_CFLAGS) $(COH_SRC) -o $@

c2c:
	@tools/c2c $(BUILD)/c2c.json

# UEFI (docs/boot.md, docs/real-hardware.md): the ISO is hybrid, so UEFI=1
# only changes the machine: `make run UEFI=1` boots it through OVMF on q35
# (tools/qemu_run.py) and Baton draws on the firmware's framebuffer.
# `make usb` builds $(BUILD)/baton-usb.iso for a real machine: the same
# image with GRUB's menu of lab runs shown for MENU_TIMEOUT seconds.
UEFI ?= 0
MENU_TIMEOUT ?= 30
export UEFI

usb: deps
	@$(MAKE) --no-print-directory $(ISO_INPUTS)
	@$(if $(Q),echo "  ISO     $(BUILD)/baton-usb.iso (menu: $(MENU_TIMEOUT) s)")
	$(Q)MENU_TIMEOUT=$(MENU_TIMEOUT) tools/mkiso $(BUILD)/baton-usb.iso

.PHONY: all iso run run-inputs test test-build clean deps help format debug gdb bench c2c trace usb fuzz stress
all: iso

help:
	@echo "make run      boot Baton in QEMU (SMP=$(SMP) MEM=$(MEM) KVM=$(KVM) RUN=\"prog args\" UEFI=$(UEFI))"
	@echo "make test     host unit tests and guest test suites"
	@echo "make debug    like run, but QEMU waits paused for gdb (DEBUG=1: kernel built -Og)"
	@echo "make gdb      in a second terminal: gdb attached to 'make debug' (docs/debugging.md)"
	@echo "make c2c      after a COHERENCE=1 run: the cache lines that moved most (tools/c2c)"
	@echo "make trace    RUN=\"prog args\" traced: $(BUILD)/trace/PROG.json (Perfetto) and .svg"
	@echo "make fuzz-host  libFuzzer on each lib/ parser, FUZZ_RUNS=$(FUZZ_RUNS) inputs each (docs/reliability.md)"
	@echo "make bench    figures beside docs/performance.md: $(BUILD)/bench/report.md"
	@echo "make fuzz     system-call fuzzer, FUZZ_CALLS=$(FUZZ_CALLS) calls from FUZZ_SEED=$(FUZZ_SEED) (docs/reliability.md)"
	@echo "make stress   10^4 processes and 10^5 messages with kills, SMP=4 (docs/reliability.md)"
	@echo "make iso      build $(BUILD)/baton.iso (hybrid: boots through BIOS and UEFI)"
	@echo "make usb      build $(BUILD)/baton-usb.iso for a USB stick, with a menu of lab runs"
	@echo "make clean    remove $(BUILD)/"

# V=1 shows full command lines.
ifeq ($(V),1)
Q :=
else
Q := @
endif

# Objects depend on the flags they were built with, so DEBUG=1 (or any
# flag change) rebuilds them; the stamp is rewritten only when they change.
$(BUILD)/cflags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CFLAGS)' | cmp -s - $@ || echo '$(CFLAGS)' > $@
FORCE:
$(KERNEL_OBJS): $(BUILD)/cflags

$(BUILD)/k/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The system-call table, argument structs and decoders come from the one
# list in lib/syscalls.h (tools/gensyscalls); every kernel object waits
# for the header, and -MMD tracks who really includes it.
$(BUILD)/gen/sysargs.h: lib/syscalls.h tools/gensyscalls
	@$(if $(Q),echo "  GEN     $(BUILD)/gen/")
	$(Q)tools/gensyscalls kernel lib/syscalls.h $(BUILD)/gen && touch $@ $(BUILD)/gen/systab.c
$(BUILD)/gen/systab.c: $(BUILD)/gen/sysargs.h
$(KERNEL_OBJS): | $(BUILD)/gen/sysargs.h

$(BUILD)/k/gen/systab.o: $(BUILD)/gen/systab.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/k/%.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(ASFLAGS) -c $< -o $@

$(BUILD)/kernel.elf: $(KERNEL_OBJS) linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(LDFLAGS) -o $@ $(KERNEL_OBJS)

$(BUILD)/kernel.asm: $(BUILD)/kernel.elf
	$(Q)$(OBJDUMP) -S -d $< > $@

$(BUILD)/kernel.sym: $(BUILD)/kernel.elf
	$(Q)$(NM) -n $< > $@

$(BUILD)/initrd.tar: $(INITRD_FILES)
	@rm -rf $(BUILD)/initrd && mkdir -p $(BUILD)/initrd
	@$(if $(Q),echo "  TAR     $@")
	$(Q)cp $(INITRD_FILES) $(BUILD)/initrd/
	$(Q)tar --format=ustar --owner=0 --group=0 --sort=name --mtime=@0 \
		-cf $@ -C $(BUILD)/initrd $(notdir $(INITRD_FILES))

ISO_INPUTS := $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/kernel.asm $(BUILD)/initrd.tar \
	boot/grub.cfg tools/mkiso

$(BUILD)/baton.iso: $(ISO_INPUTS)
	@$(if $(Q),echo "  ISO     $@")
	$(Q)tools/mkiso $@

# `run` and `test` first install what is missing, then build (a second
# make, so nothing is compiled before the compiler is there).
iso: deps
	@$(MAKE) --no-print-directory $(BUILD)/baton.iso

deps:
	@tools/install-deps

# What booting needs built (tools/run uses it too).
run-inputs: $(ISO_INPUTS) $(COH_INPUTS) $(BUILD)/compile_commands.json

# For clangd and editors: every C file with the flags it is built with
# (clangd finds build/compile_commands.json by itself).
$(BUILD)/compile_commands.json: Makefile user/build.mk tools/compdb $(BUILD)/cflags
	@mkdir -p $(BUILD)
	$(Q)KERNEL_SRCS="$(KERNEL_C)" KERNEL_CC="$(CC)" KERNEL_FLAGS="$(CFLAGS)" \
	USER_SRCS="$(wildcard user/*.c user/ulib/*.c) lib/string.c lib/fmt.c lib/errno.c lib/page.c" \
	USER_CC="$(CC)" USER_FLAGS="$(USER_CFLAGS)" \
	HOST_SRCS="$(wildcard tests/host/test_*.c)" HOST_CC="$(HOSTCC)" HOST_FLAGS="$(HOST_CFLAGS)" \
	tools/compdb $@

run: deps
	@$(MAKE) --no-print-directory -s run-inputs
	@if [ -n "$$RUN" ]; then \
		tools/mkiso $(BUILD)/run.iso "run=$$RUN" && iso=$(BUILD)/run.iso; \
	else \
		$(MAKE) --no-print-directory -s $(BUILD)/baton.iso && iso=$(BUILD)/baton.iso; \
	fi; \
	tools/qemu-run $$iso

$(BUILD)/host/%: tests/host/%.c $(HOST_LIB) $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $< $(HOST_LIB) -lcmocka -o $@

# printf's float formatting is user-only code, compiled into its test.
$(BUILD)/host/test_fmtfloat: user/ulib/fmtfloat.c user/ulib/fmtfloat.h

test: deps
	@$(MAKE) --no-print-directory test-build
	@tools/runtests -j $(JOBS)

test-build: $(ISO_INPUTS) $(HOST_TESTS) $(BUILD)/coherence.so $(BUILD)/compile_commands.json

# Host fuzzers (tests/fuzz/, docs/reliability.md): one libFuzzer target per
# lib/ parser, tests/fuzz/fuzz_<parser>.c.  `make fuzz-host` builds them
# with clang and runs each for FUZZ_RUNS inputs, one after another,
# starting from the seeds in tests/fuzz/corpus/<parser>/ (FUZZ_TARGETS=
# "elf tar" runs only those; FUZZ_KEEP=1 adds what they found that reaches
# new code to the corpus).  `make test` replays the corpus through the
# same targets, built with gcc and ASan/UBSan as build/host/test_fuzz_<parser>.
FUZZ_CC ?= clang
FUZZ_RUNS ?= 10000000
FUZZ_KEEP ?= 0
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wundef -I. \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_DEPS := tests/fuzz/fuzz.h $(HOST_LIB) $(wildcard lib/*.h)

.PHONY: fuzz-host
test-build: $(patsubst %,$(BUILD)/host/test_fuzz_%,$(FUZZ_TARGETS))

$(BUILD)/host/test_fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $< (corpus replay)")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -DCORPUS_DIR='"$(CURDIR)/tests/fuzz/corpus/$*"' \
		$< tests/fuzz/replay.c $(HOST_LIB) -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $< $(HOST_LIB) -o $@

fuzz-host:
	@FUZZ=1 tools/install-deps
	@$(MAKE) --no-print-directory $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
	@BUILD=$(BUILD) FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_KEEP=$(FUZZ_KEEP) \
		python3 tests/fuzz/run.py $(FUZZ_TARGETS)

# Applies .clang-format to the C sources (the style of the existing code); review the diff.
format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

-include $(KERNEL_OBJS:.o=.d)

# Debugging (docs/debugging.md): `make debug` builds like `run` and starts
# QEMU paused with its gdb stub on a per-user port, written to
# $(BUILD)/gdb-port; `make gdb`, in a second terminal, attaches to it
# (GDBPORT=N: to that port instead, for both).
debug: deps
	@$(MAKE) --no-print-directory $(if $(Q),-s) $(ISO_INPUTS) $(COH_INPUTS)
	@if [ -n "$$RUN" ]; then \
		tools/mkiso $(BUILD)/run.iso "run=$$RUN" || exit 1; iso=$(BUILD)/run.iso; \
	else \
		$(MAKE) --no-print-directory $(if $(Q),-s) $(BUILD)/baton.iso || exit 1; \
		iso=$(BUILD)/baton.iso; \
	fi; \
	GDBPORT=$(GDBPORT) BUILD=$(BUILD) python3 tools/debug.py $$iso

gdb: deps
	@test -n "$(GDBPORT)" -o -f $(BUILD)/gdb-port || { \
		echo "make gdb: no QEMU is waiting for gdb; run 'make debug' in another terminal first" >&2; \
		exit 1; }
	@GDBPORT=$(GDBPORT) BUILD=$(BUILD) gdb -q -x tools/gdb/gdbinit

# Benchmarks (tools/bench.py): boots Baton at SMP=1 (also under -icount),
# 2 and 4, runs bench, cachebench and top in its shell, runs the host
# references in tools/hostref/, and writes $(BUILD)/bench/report.md,
# results.json and the plots.  About a minute.
bench: deps
	@$(MAKE) --no-print-directory $(ISO_INPUTS) $(BUILD)/coherence.so
	@BUILD=$(BUILD) python3 tools/bench.py

# Reliability (docs/reliability.md).  `make fuzz` boots SMP=4 and runs
# sysfuzz for FUZZ_CALLS calls from FUZZ_SEED (a finding prints the seed
# and a shrunk call sequence; FUZZ_ARGS adds options, e.g. "-x msg_send"
# to leave a call out); `make stress` runs the stress programs at
# full size at SMP=4.  Consoles go to $(BUILD)/reliability/, and each run
# adds its figures (calls, findings, memory) to figures.txt there.
FUZZ_CALLS ?= 1000000
FUZZ_SEED ?= 1
FUZZ_ARGS ?=
FUZZ_TIMEOUT ?= 5400
REL := $(BUILD)/reliability

fuzz: deps
	@$(MAKE) --no-print-directory $(ISO_INPUTS)
	@mkdir -p $(REL)
	@tools/mkiso $(REL)/fuzz.iso "run=sysfuzz -n $(FUZZ_CALLS) -s $(FUZZ_SEED) $(FUZZ_ARGS)"
	@log=$(REL)/fuzz-seed$(FUZZ_SEED).log; \
	{ SMP=4 MEM=256M TIMEOUT=$(FUZZ_TIMEOUT) tools/qemu-run $(REL)/fuzz.iso; \
	  echo $$? > $(REL)/fuzz.status; } | tee $$log; \
	status=$$(cat $(REL)/fuzz.status); \
	{ echo "$$(date -u '+%F %H:%M') make fuzz FUZZ_CALLS=$(FUZZ_CALLS) FUZZ_SEED=$(FUZZ_SEED) FUZZ_ARGS=\"$(FUZZ_ARGS)\": exit $$status"; \
	  grep -a -E '^sysfuzz: [0-9]+ calls.?$$' $$log | tail -1; \
	  grep -a -E '^sysfuzz: ([0-9]+ calls \(|[0-9]+ findings|[0-9]+ of [0-9]+ calls|memory:|kcheck:|FINDING)|PANIC: kcheck' $$log; } \
	  | tee -a $(REL)/figures.txt; \
	exit $$status

stress: deps
	@$(MAKE) --no-print-directory $(ISO_INPUTS)
	@mkdir -p $(REL)
	@fail=0; for mode in procs msgs; do \
		tools/mkiso $(REL)/stress-$$mode.iso "run=stress $$mode" || exit 1; \
		log=$(REL)/stress-$$mode.log; \
		{ SMP=4 MEM=256M TIMEOUT=1800 tools/qemu-run $(REL)/stress-$$mode.iso; \
		  echo $$? > $(REL)/stress.status; } | tee $$log; \
		status=$$(cat $(REL)/stress.status); [ $$status = 0 ] || fail=1; \
		{ echo "$$(date -u '+%F %H:%M') make stress ($$mode): exit $$status"; \
		  grep -a -E '^stress [a-z]+: [0-9]+ |^stress [a-z]+: kcheck|^stress msgs: [0-9]+ dup|PANIC' $$log; } \
		  | tee -a $(REL)/figures.txt; \
	done; exit $$fail

# Tracing (docs/tracing.md): `make trace RUN="prog args"` boots Baton
# running `trace -- prog args` with the trace channel open, then
# tools/trace2json turns the dump into $(BUILD)/trace/PROG.json (open it
# in the Perfetto UI or chrome://tracing) and PROG.svg.  TRACE_OPTS="-s"
# traces every system call too; the exit status is the program's.
TRACE_OPTS ?=
# TRACE_HOOKS=0 compiles the kernel's tracing hooks away (kernel/trace.h):
# `make bench` builds such a kernel to measure what the hooks cost when off.
TRACE_HOOKS ?= 1
ifeq ($(TRACE_HOOKS),0)
CFLAGS += -DTRACE_HOOKS=0
ASFLAGS += -DTRACE_HOOKS=0
endif
trace: deps
	@test -n "$$RUN" || { echo 'make trace: say what to run, e.g. make trace RUN="pingpong 0 1"' >&2; exit 2; }
	@$(MAKE) --no-print-directory run-inputs
	@tools/mkiso $(BUILD)/trace.iso "run=trace $(TRACE_OPTS) -- $$RUN" || exit 1; \
	TRACE_CHANNEL=$(BUILD)/trace/channel.bin tools/qemu-run $(BUILD)/trace.iso; st=$$?; \
	tools/trace2json -d $(BUILD)/trace $(BUILD)/trace/channel.bin || exit 1; exit $$st
