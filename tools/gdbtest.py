"""The gdb walkthrough of docs/debugging.md, driven for real.

Each live case boots Baton in QEMU, paused, with the gdb stub on a free
port, and runs `gdb -batch` as `make gdb` runs it (tools/gdb/gdbinit,
which connects), then a command file: the commands a student types
(baton-break, continue, stepi, finish, bt) with small Python checks
between them that print
    CHECK <name> PASS|FAIL <why>
Every check that does not print PASS is a failure: a step that errors
makes gdb abandon the rest of the file, and its checks go missing.
gdb and QEMU run under timeouts; QEMU is killed in a `finally`, whatever
happened, and gdb's command file ends with `kill`.

  syscall-arg     `uhelper exit 7`: break in uhelper's main, stepi across
                  `syscall` into syscall_entry, continue to the kernel's
                  sys_exit and check its argument is 7; bt reaches user code
  syscall-return  `uhelper ppid`: break in the kernel's sys_getppid; bt
                  shows kernel frames, the entry stub, then the user
                  frames; `finish` twice, `stepi` to sysretq and once more
                  returns to user mode with the parent's pid in rax; a
                  user-mode stop without symbols loads them; baton-cpus,
                  -ps, -pt, -mbox
  offline         no QEMU: baton-mbox on a stand-in ELF with kernel/mbox.c's
                  field names (queued messages, blocked senders and
                  receivers, by handle, errors); and that build/kernel.elf
                  still has every field baton.py reads

Usage: python3 tools/gdbtest.py [-k NAME]    (after `make test-build`)
From Python: run(build="build") -> [(name, ok, why), ...]
Logs: BUILD/test/gdb-<case>.{log,serial,gdb}
"""
import os
import socket
import subprocess
import sys
import textwrap
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)
import qemu_run  # noqa: E402

GDB_TIMEOUT = 40        # one case, from boot to kill; a pass takes ~2 s
SMP = 2

# Helpers for the checks, defined in gdb's Python at the top of each file.
PRELUDE = textwrap.dedent('''\
    python
    import gdb
    USER_TOP = 0x800000000000
    def check(name, ok, why=""):
        print(f"CHECK {name} {'PASS' if ok else 'FAIL'} {why}", flush=True)
    def pc():
        return int(gdb.parse_and_eval("$pc")) & (2**64 - 1)
    def ring():
        return int(gdb.parse_and_eval("$cs")) & 3
    def fname():
        return gdb.selected_frame().name()
    def comm():
        p = gdb.parse_and_eval("$baton_proc()")
        return p["name"].string() if int(p) else None
    def kernel_objfile():
        return next(o for o in gdb.objfiles() if o.filename.endswith("kernel.elf"))
    def kaddr(name):
        sym = kernel_objfile().lookup_global_symbol(name)
        return int(sym.value().address) & (2**64 - 1)
    def kbreak(name):
        """A hardware breakpoint on the kernel's function, not the user stub
        of the same name (both are called sys_...)."""
        gdb.Breakpoint(f"*{kaddr(name):#x}", type=gdb.BP_HARDWARE_BREAKPOINT)
    def insn():
        return gdb.selected_frame().architecture().disassemble(pc())[0]["asm"].split()[0]
    def frames():
        out, f = [], gdb.newest_frame()
        while f is not None:
            out.append(f)
            f = f.older()
        return out
    def describe(fs):
        sig = gdb.SIGTRAMP_FRAME
        return " / ".join((f.name() or hex(f.pc())) + ("[sig]" if f.type() == sig else "")
                          for f in fs)
    def resume():
        """continue; a stop at the very place we resumed from is resumed
        again.  When the CPU takes an interrupt before it executes the
        instruction under a breakpoint, the return to user mode lands on
        that instruction and QEMU's gdb breakpoints hit a second time."""
        start = pc()
        for _ in range(5):
            gdb.execute("continue")
            if pc() != start:
                return
    def run_out(cmd):
        out = gdb.execute(cmd, to_string=True)
        print(out, end="")
        return out
    def refusal(cmd):
        """The error message of a command that must fail cleanly."""
        try:
            gdb.execute(cmd, to_string=True)
            msg = "no error"
        except gdb.error as e:
            msg = str(e)
        print(msg)
        return msg
    end
''')


SYSCALL_ARG = '''\
baton-break uhelper main
python
resume()
end
python
check("break-in-main", fname() == "main" and ring() == 3 and comm() == "uhelper",
      f"stopped in {fname()} of {comm()}, ring {ring()}")
end
baton-break uhelper sys_exit
python
resume()
end
python
for _ in range(8):
    if insn() == "syscall":
        break
    gdb.execute("stepi")
check("at-syscall-instruction", insn() == "syscall" and ring() == 3, f"{insn()} at {pc():#x}")
end
stepi
python
check("stepi-into-syscall_entry", pc() == kaddr("syscall_entry") and ring() == 0,
      f"pc {pc():#x}, ring {ring()}")
end
bt
python
fs = frames()
check("bt-at-entry-shows-caller", len(fs) >= 2 and fs[0].type() == gdb.SIGTRAMP_FRAME
      and fs[1].pc() < USER_TOP and fs[1].name() == "sys_exit", describe(fs))
kbreak("sys_exit")
end
python
resume()
end
python
check("reached-kernel-sys_exit", pc() == kaddr("sys_exit") and comm() == "uhelper",
      f"in {fname()} at {pc():#x} for {comm()}")
arg0 = int(gdb.parse_and_eval("((const int *)$rdi)[0]"))
check("argument-is-7", arg0 == 7, f"a->status = {arg0}")
end
bt
python
fs = frames()
names = [f.name() for f in fs]
sig = [i for i, f in enumerate(fs) if f.type() == gdb.SIGTRAMP_FRAME]
# sys_exit is called by its generated decoder, decode_exit (build/gen/systab.c).
ok = (len(sig) == 1 and names[1:3] == ["decode_exit", "syscall_dispatch"]
      and fs[sig[0]].pc() >= 2**63
      and all(f.pc() < USER_TOP for f in fs[sig[0] + 1:]) and "_start" in names[sig[0] + 1:]
      and fs[-1].unwind_stop_reason() == gdb.FRAME_UNWIND_OUTERMOST)
check("bt-kernel-to-user", ok, describe(fs))
end
kill
'''

SYSCALL_RETURN = '''\
baton-break uhelper main
python
resume()
end
python
check("break-in-main", fname() == "main" and comm() == "uhelper",
      f"stopped in {fname()} of {comm()}")
kbreak("sys_getppid")
end
python
resume()
end
python
check("reached-kernel-sys_getppid", pc() == kaddr("sys_getppid") and comm() == "uhelper",
      f"in {fname()} at {pc():#x} for {comm()}")
ppid = int(gdb.parse_and_eval("$baton_proc()->parent->pid"))
end
bt
python
fs = frames()
names = [f.name() for f in fs]
sig = [i for i, f in enumerate(fs) if f.type() == gdb.SIGTRAMP_FRAME]
ok = (names[:2] == ["sys_getppid", "syscall_dispatch"] and sig == [2]
      and names[3:6] == ["sys_getppid", "getppid", "main"]
      and all(f.pc() < USER_TOP for f in fs[3:]))
check("bt-kernel-stub-user", ok, describe(fs))
end
finish
python
ret = int(gdb.parse_and_eval("$"))
check("kernel-returns-ppid", ret == ppid and ppid > 0, f"returned {ret}, parent pid {ppid}")
end
finish
python
check("finish-to-entry-stub", gdb.selected_frame().type() == gdb.SIGTRAMP_FRAME
      and ring() == 0, f"pc {pc():#x}")
for _ in range(40):
    if insn() == "sysretq":
        break
    gdb.execute("stepi")
user_rip = int(gdb.parse_and_eval("$rcx"))
check("stepi-to-sysretq", insn() == "sysretq" and ring() == 0 and user_rip < USER_TOP,
      f"{insn()} at {pc():#x}, rcx {user_rip:#x}")
end
stepi
python
rax = int(gdb.parse_and_eval("$rax"))
check("back-in-user-mode", ring() == 3 and pc() == user_rip and fname() == "sys_getppid",
      f"in {fname()} at {pc():#x}, ring {ring()}")
check("rax-is-ppid", rax == ppid, f"rax {rax}, parent pid {ppid}")
uhelper = [o.filename for o in gdb.objfiles() if o.filename.endswith("/user/uhelper")]
gdb.execute("remove-symbol-file " + uhelper[0])
end
stepi
python
check("autoload-at-user-stop", fname() == "getppid" and ring() == 3,
      f"in {fname()} at {pc():#x}")
out = run_out("baton-cpus")
check("baton-cpus", "uhelper, user mode" in out and "idle" in out, "see log")
out = run_out("baton-ps")
check("baton-ps", "uhelper" in out and "init" in out and "RUNNING" in out, "see log")
out = run_out("baton-pt $pc")
check("baton-pt", "-> physical" in out and "user, read-only, executable" in out, "see log")
msg = refusal("baton-mbox 0")
check("baton-mbox-refuses-null", "null pointer" in msg or "struct mbox" in msg, msg)
end
kill
'''

# A stand-in for the mailbox code: the same field names as kernel/mbox.c
# and lib/queue.h (the qnode deliberately not first in struct msg).
FAKE_MBOX_C = r'''
struct qnode { struct qnode *next; };
struct queue { struct qnode *head, *tail; int len; };
struct kobj { int type; int refs; };
struct hslot { void *obj; unsigned rights; };
enum procstate { P_UNUSED, P_EMBRYO, P_RUNNABLE, P_RUNNING, P_SLEEPING, P_ZOMBIE };
struct proc { enum procstate state; const void *chan; int pid; struct hslot handles[4];
	      char name[16]; };
struct mbox { struct kobj obj; int capacity; _Bool open_senders; struct queue msgs;
	      struct queue waiters; int senders; int receivers; };
struct proc;
struct msg { int sender; struct qnode node; unsigned len; unsigned char *data;
	     struct kobj *xobj; struct proc *waiting; };
struct waiter { struct qnode node; struct proc *proc; };
extern struct mbox box, empty;
unsigned char hello[] = "hello", world[] = { 'w', 'o', 'r', 'l', 'd' };
extern struct proc procs[3];
struct msg m2 = { 4, { 0 }, 5, world, 0, procs };
struct msg m1 = { 4, { &m2.node }, 6, hello, 0, 0 };
struct proc procs[3] = {
	{ P_SLEEPING, &box.capacity, 4, { { &box.obj, 1 }, { &empty.obj, 3 } }, "producer" },
	{ P_SLEEPING, &empty, 6, { { 0, 0 } }, "consumer" },
	{ P_RUNNING, 0, 7, { { 0, 0 } }, "other" },
};
struct waiter w1 = { { 0 }, &procs[1] };
struct mbox box = { { 1, 2 }, 2, 0, { &m1.node, &m2.node, 2 }, { 0, 0, 0 }, 1, 1 };
struct mbox empty = { { 1, 2 }, 0, 1, { 0, 0, 0 }, { &w1.node, &w1.node, 1 }, 1, 1 };
void sys_mbox_send(void) { }
void _start(void) { for (;;) ; }
'''

FAKE_MBOX_SCRIPT = '''\
python
out = run_out("baton-mbox &box")
check("mbox-queue", all(w in out for w in ("capacity 2, 2 queued", "1 send, 1 receive",
      "senders blocked (full mailbox or rendezvous): pid 4 producer",
      "from pid 4, 6 bytes", "|hello.|", "from pid 4, 5 bytes, rendezvous", "|world|")), "see log")
out = run_out("baton-mbox 4 1")
check("mbox-by-handle", all(w in out for w in ("handle 1 of pid 4, rights: send receive",
      "capacity 0 (rendezvous), 0 queued", "anyone may send by pid",
      "receivers blocked (empty mailbox): pid 6 consumer", "no message queued")), "see log")
msg = refusal("baton-mbox 6 0")
check("mbox-refuses-missing-handle", "pid 6 has no handle 0" in msg, msg)
msg = refusal("baton-mbox 0")
check("mbox-refuses-null", "null pointer" in msg, msg)
end
'''

# Every field baton.py reads, checked against build/kernel.elf: a kernel
# change that renames one fails here, pointing at tools/gdb/baton.py.
KERNEL_FIELDS_SCRIPT = '''\
python
need = {
    ("struct cpu", "cpus"): ["id", "apic_id", "online", "proc"],
    ("struct proc", "cpus"): ["state", "chan", "pid", "cpu", "parent", "pagetable", "handles",
                              "name"],
    ("struct mbox", "sys_mbox_send"): ["obj", "capacity", "open_senders", "msgs", "waiters",
                                       "senders", "receivers"],
    ("struct msg", "sys_mbox_send"): ["node", "sender", "len", "data", "xobj", "waiting"],
    ("struct waiter", "sys_mbox_send"): ["node", "proc"],
    ("struct queue", "sys_mbox_send"): ["head", "len"],
    ("struct kobj", "sys_mbox_send"): ["type"],
}
missing = []
for (tname, near), fields in need.items():
    try:
        have = {f.name for f in baton.kernel_type(tname, near).fields()}
    except gdb.error:
        missing.append(tname)
        continue
    missing += [f"{tname}.{f}" for f in fields if f not in have]
check("kernel-has-the-fields-baton.py-reads", not missing,
      f"missing {missing}: update tools/gdb/baton.py")
end
'''

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def parse_checks(text):
    got = {}
    for line in text.splitlines():
        if line.startswith("CHECK "):
            parts = line.split(" ", 3)
            if len(parts) >= 3:
                got[parts[1]] = (parts[2] == "PASS", parts[3] if len(parts) > 3 else "")
    return got


def expected_checks(script):
    names = []
    for line in script.splitlines():
        i = line.find('check("')
        if i >= 0:
            names.append(line[i + 7:line.index('"', i + 7)])
    return names


def judge(case, script, text, log, problem=None):
    got = parse_checks(text)
    results = []
    for name in expected_checks(script):
        full = f"gdb/{case}/{name}"
        if name in got:
            ok, why = got[name]
            results.append((full, ok, "" if ok else f"{why} (log: {log})"))
        else:
            results.append((full, False, f"not reached: {problem or 'gdb stopped before it'} "
                                         f"(log: {log})"))
    if "Python Exception" in text or "Traceback" in text:
        results.append((f"gdb/{case}", False, f"a Python error in gdb (log: {log})"))
    return results


def live_case(case, cmdline, script, build):
    out = os.path.join(build, "test")
    os.makedirs(out, exist_ok=True)
    log = os.path.join(out, f"gdb-{case}.log")
    iso = os.path.join(out, f"gdb-{case}.iso")
    cmdfile = os.path.join(out, f"gdb-{case}.gdb")
    serial = os.path.join(out, f"gdb-{case}.serial")
    subprocess.run([os.path.join(TOOLS, "mkiso"), iso, cmdline], check=True, cwd=ROOT,
                   env=dict(os.environ, BUILD=build), timeout=60)
    port = free_port()
    with open(cmdfile, "w") as f:
        f.write("set confirm off\n" + PRELUDE + script)
    args = qemu_run.qemu_args(iso, str(SMP), "128M", "0", False,
                              ["-gdb", f"tcp:127.0.0.1:{port}", "-S"], build=build)
    problem, text = None, ""
    with open(serial, "wb") as serial_out:
        qemu = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=serial_out,
                                stderr=subprocess.STDOUT)
        try:
            # What `make gdb` runs: gdbinit connects (baton-connect, to
            # $GDBPORT) and loads $BUILD/kernel.elf; gdb retries a refused
            # connection (tcp auto-retry) while QEMU starts.
            env = dict(os.environ, GDBPORT=str(port), BUILD=os.path.abspath(build))
            g = subprocess.run(["gdb", "-nx", "-batch", "-x", "tools/gdb/gdbinit",
                                "-x", cmdfile], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=GDB_TIMEOUT)
            text = g.stdout + g.stderr
        except subprocess.TimeoutExpired as e:
            text = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) \
                else (e.stdout or "")
            problem = f"gdb timed out after {GDB_TIMEOUT} s"
        finally:
            if qemu.poll() is None:
                qemu.kill()
            qemu.wait()
    with open(log, "w") as f:
        f.write(text)
    return judge(case, script, text, log, problem)


def offline_case(build):
    """baton-mbox on the stand-in ELF; the kernel's fields.  No QEMU: gdb
    reads initialised data straight from the ELF files."""
    out = os.path.join(build, "test")
    os.makedirs(out, exist_ok=True)
    src, exe = os.path.join(out, "gdb-fake-mbox.c"), os.path.join(out, "gdb-fake-mbox")
    log = os.path.join(out, "gdb-offline.log")
    with open(src, "w") as f:
        f.write(FAKE_MBOX_C)
    subprocess.run(["gcc", "-g", "-O0", "-static", "-nostdlib", "-fno-pie", "-no-pie",
                    "-o", exe, src], check=True, timeout=60)
    gdbdir = os.path.join(TOOLS, "gdb")
    text = ""
    for elf, script in ((exe, FAKE_MBOX_SCRIPT),
                        (os.path.join(build, "kernel.elf"), KERNEL_FIELDS_SCRIPT)):
        cmdfile = os.path.join(out, "gdb-offline.gdb")
        with open(cmdfile, "w") as f:
            f.write(f'python import sys; sys.path.insert(0, "{gdbdir}"); import baton\n'
                    + PRELUDE + script)
        g = subprocess.run(["gdb", "-nx", "-batch", "-x", cmdfile, elf], capture_output=True,
                           text=True, timeout=GDB_TIMEOUT)
        text += g.stdout + g.stderr
    with open(log, "w") as f:
        f.write(text)
    return judge("offline", FAKE_MBOX_SCRIPT + KERNEL_FIELDS_SCRIPT, text, log)


CASES = [
    ("syscall-arg",
     lambda b: live_case("syscall-arg", "run=uhelper exit 7", SYSCALL_ARG, b)),
    ("syscall-return",
     lambda b: live_case("syscall-return", "run=uhelper ppid", SYSCALL_RETURN, b)),
    ("offline", offline_case),
]


def run(build="build", only=""):
    """Runs every case whose name contains `only`; returns a list of
    (name, ok, why).  Needs build/kernel.elf and build/user/uhelper."""
    results = []
    for name, fn in CASES:
        if only not in name:
            continue
        try:
            results += fn(build)
        except Exception as e:      # a broken run is a failure, not a crash
            results.append((f"gdb/{name}", False, f"runner error: {e}"))
    return results


def main(argv):
    only = argv[argv.index("-k") + 1] if "-k" in argv else ""
    start = time.time()
    results = run(os.environ.get("BUILD", "build"), only)
    for name, ok, why in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}{(': ' + why) if why else ''}")
    failed = sum(not ok for _, ok, _ in results)
    print(f"{len(results) - failed} passed, {failed} failed ({time.time() - start:.1f} s)")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
