"""Proves that a system call needs one line in lib/syscalls.h and its
handler, nothing else (docs/syscalls.md, "Adding a system call").

A copy of lib/syscalls.h gains a made-up call; tools/gensyscalls must then
produce its user stub, its entry in the user-side name table, its argument
struct, handler prototype, decoder (with the width and range checks its
prototype asks for) and dispatch-table entry, and the generated kernel
files must compile.  Run by tools/runtests among the guest runs (no QEMU).
"""
import os
import re
import shutil
import subprocess
import tempfile

NEW_CALL = ("#define SYS_lab_hello\t99\t/* SB_BASIC\tint lab_hello(int n in [1, 9], "
            "const char *msg, timeout_t timeout) */\n")


def problems():
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "lib"))
        with open("lib/syscalls.h") as f:
            text = f.read()
        text = re.sub(r"(#define\s+NSYSCALL\s+)\d+", r"\g<1>100", text)
        text = text.replace("#define NSYSCALL", NEW_CALL + "\n#define NSYSCALL", 1)
        src = os.path.join(tmp, "lib", "syscalls.h")
        with open(src, "w") as f:
            f.write(text)
        shutil.copy("lib/uapi.h", os.path.join(tmp, "lib"))
        outs = {"stubs": os.path.join(tmp, "usys.S"), "names": os.path.join(tmp, "names.c"),
                "kernel": os.path.join(tmp, "gen")}
        for mode, out in outs.items():
            p = subprocess.run(["tools/gensyscalls", mode, src, out], capture_output=True,
                               text=True)
            if p.returncode:
                return [f"gensyscalls {mode} failed: {p.stderr.strip()}"]
        with open(outs["stubs"]) as f:
            if not re.search(r"sys_lab_hello:\s*\n\s*\.cfi_startproc\s*\n\s*mov\s+\$99,", f.read()):
                bad.append("no user stub for the new call")
        with open(outs["names"]) as f:
            if '[SYS_lab_hello] = { "lab_hello", SB_BASIC }' not in f.read():
                bad.append("the user-side name table lacks it")
        with open(os.path.join(outs["kernel"], "sysargs.h")) as f:
            h = f.read()
        if "int64_t sys_lab_hello(const struct sys_lab_hello_args *a);" not in h or \
                not re.search(r"struct sys_lab_hello_args \{\n\tint n;\n\tuint64_t msg;.*\n"
                              r"\ttimeout_t timeout;\n\};", h):
            bad.append("no argument struct or prototype")
        with open(os.path.join(outs["kernel"], "systab.c")) as f:
            c = f.read()
        for want in ("arg_int(r[0])", "a.n < (1) || a.n > (9)", "arg_timeout(r[2])",
                     '[SYS_lab_hello] = { decode_lab_hello, "lab_hello", SB_BASIC }'):
            if want not in c:
                bad.append(f"the decoder or table lacks {want!r}")
        # The generated kernel side compiles, given a handler.
        handler = os.path.join(tmp, "handler.c")
        with open(handler, "w") as f:
            f.write('#include "kernel/syscall.h"\n'
                    "int64_t sys_lab_hello(const struct sys_lab_hello_args *a)\n"
                    "{\n\treturn a->n;\n}\n")
        for c_file in (os.path.join(outs["kernel"], "systab.c"), handler):
            p = subprocess.run(["gcc", "-std=gnu11", "-ffreestanding", "-fsyntax-only", "-Wall",
                                "-Werror", "-I", tmp, "-I", ".", c_file],
                               capture_output=True, text=True)
            if p.returncode:
                bad.append(f"{os.path.basename(c_file)} does not compile: "
                           f"{p.stderr.strip().splitlines()[:3]}")
    return bad
