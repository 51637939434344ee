"""Baton's gdb extension: commands for a multicore kernel with user programs.

Loaded by tools/gdb/gdbinit (`make gdb`).  `help baton` lists the commands;
docs/debugging.md walks through them.

What gdb sees (QEMU's gdb stub): one thread per virtual CPU, each with its
own registers, including the segment bases, cr3 and cs.  Memory reads go
through the page tables of the CPU of the selected thread.  So:

  - which struct cpu a thread runs: the kernel points GS at its struct cpu.
    In kernel mode that is $gs_base; in user mode (and in the first
    instruction of the syscall entry, before swapgs) it waits in
    $k_gs_base.  Before the per-CPU blocks exist, gdb thread N is the
    vCPU with APIC id N-1 (QEMU's default topology).
  - physical memory is readable at DIRECT_MAP + pa (the kernel's direct
    map), from any CPU once paging is on: every address space has the
    kernel half.

User programs are all linked at 0x400000, so their symbols overlap: this
file keeps exactly one user program's symbols loaded at a time, swapping
them when gdb stops on a CPU that runs another program.
"""
import os

import gdb

MASK64 = (1 << 64) - 1
USER_TOP = 0x0000800000000000     # kernel/vm.h
DIRECT_MAP = 0xFFFF800000000000   # kernel/vm.h DIRECT_MAP_BASE
KERNEL_VMA = 0xFFFFFFFF80000000
PTE_ADDR = 0x000FFFFFFFFFF000
BIG = 64 << 10                    # gdb's default max-value-size

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ------------------------------------------------------------- settings

class BuildDirParameter(gdb.Parameter):
    """Where Baton's build outputs are: kernel.elf, user/PROGRAM, gdb-port.
    Default: build/ at the top of the source tree this file belongs to."""
    set_doc = "Set Baton's build directory."
    show_doc = "Show Baton's build directory."

    def __init__(self):
        super().__init__("baton-build", gdb.COMMAND_DATA, gdb.PARAM_FILENAME)
        self.value = os.environ.get("BUILD") or os.path.join(ROOT, "build")

    def get_show_string(self, svalue):
        return f"Baton's build directory is {svalue}."


class AutoloadParameter(gdb.Parameter):
    """Whether a stop on a CPU that runs a user process (in user mode, or
    in the kernel on its behalf) loads the symbols of its program
    (build/user/NAME), replacing the previous program's."""
    set_doc = "Set automatic loading of user-program symbols."
    show_doc = "Show automatic loading of user-program symbols."

    def __init__(self):
        super().__init__("baton-autoload", gdb.COMMAND_DATA, gdb.PARAM_BOOLEAN)
        self.value = True

    def get_show_string(self, svalue):
        return f"Loading the running user program's symbols at a stop is {svalue}."


BUILD = BuildDirParameter()
AUTOLOAD = AutoloadParameter()


def build_dir():
    return os.path.abspath(BUILD.value or os.path.join(ROOT, "build"))


def user_elf(name):
    return os.path.join(build_dir(), "user", name)


def shown(path):
    """path as the user would type it: relative when under the current
    directory (the top of the tree, for make gdb)."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


# ---------------------------------------------------------- small helpers

def u64(value):
    return int(value) & MASK64


def reg(name):
    """A register of the selected thread, as an unsigned number."""
    try:
        return u64(gdb.parse_and_eval("$" + name))
    except gdb.error:
        raise gdb.GdbError(f"cannot read ${name}: gdb is not connected to a running "
                           "Baton (make debug, then make gdb or baton-connect)")


def read_u64(addr):
    data = gdb.selected_inferior().read_memory(addr, 8)
    return int.from_bytes(bytes(data), "little")


def cstring(value):
    """A char array or pointer as a Python string, never raising."""
    try:
        return value.string(errors="replace", length=-1).split("\0")[0]
    except gdb.error:
        return "?"


def getpath(v, path):
    """v.a.b for path "a.b", or None when a field is missing: the kernel's
    structs change, and a command should show what it can."""
    for name in path.split("."):
        if v is None:
            return None
        try:
            v = v[name]
        except gdb.error:
            return None
    return v


def first_of(v, *paths):
    for p in paths:
        r = getpath(v, p)
        if r is not None:
            return r
    return None


def num(v, missing="-"):
    return str(int(v)) if v is not None else missing


def field_offset(t, name):
    for f in t.strip_typedefs().fields():
        if f.name == name:
            return f.bitpos // 8
    raise gdb.GdbError(f"{t} has no field '{name}'")


def kernel_objfile():
    """The kernel's objfile: the program gdb was started on (kernel.elf).
    Kernel globals are looked up there, never by plain name: a user
    program may have its own `procs` or `cpus`."""
    main = gdb.current_progspace().filename
    for o in gdb.objfiles():
        if main and o.filename == main:
            return o
    raise gdb.GdbError("no kernel symbols: load them with `file build/kernel.elf`")


def kernel_symbol(name):
    o = kernel_objfile()
    sym = o.lookup_global_symbol(name) or o.lookup_static_symbol(name)
    if sym is None:
        raise gdb.GdbError(f"no '{name}' in {o.filename}")
    return sym


def kernel_type(name, near="cpus"):
    """A type as the kernel defines it, looked up from the source file of
    the kernel symbol `near` first (struct msg is private to mbox.c).
    Raises gdb.error if there is none."""
    try:
        block = kernel_symbol(near).symtab.static_block()
    except gdb.GdbError:
        return gdb.lookup_type(name)
    return gdb.lookup_type(name, block)


def fetched(name):
    """A kernel global, checked readable.  Read in one go when small;
    a big array (procs[]) is read element by element by elements()."""
    v = kernel_symbol(name).value()
    try:
        if v.type.sizeof <= BIG:
            v.fetch_lazy()
        else:
            read_u64(u64(v.address))
    except gdb.MemoryError:
        raise gdb.GdbError(f"cannot read '{name}' yet: the CPU is not in the kernel's "
                           "address space (still booting?). Stop later, e.g. `hbreak kmain`.")
    return v


def elements(arr):
    """Each element of an array value, each read with one memory access
    (gdb refuses values above max-value-size, 64 KiB by default)."""
    for i in range(array_len(arr)):
        e = arr[i]
        e.fetch_lazy()
        yield e


def array_len(v):
    lo, hi = v.type.strip_typedefs().range()
    return hi - lo + 1


def symbolize(pc):
    """'func+off' for pc from the symbols gdb has, or ''."""
    try:
        out = gdb.execute(f"info symbol {pc:#x}", to_string=True).strip()
    except gdb.error:
        return ""
    if out.startswith("No symbol"):
        return ""
    return out.split(" in section ")[0].replace(" + ", "+")


# ------------------------------------------------------- CPUs and threads

def cpus_value():
    return fetched("cpus")


def cpu_index_from_base(base, cpus):
    """Index in cpus[] of a struct cpu address, or None."""
    start = u64(cpus[0].address)
    size = cpus[0].type.sizeof
    if base < start or (base - start) % size:
        return None
    i = (base - start) // size
    return i if i < array_len(cpus) else None


def current_cpu_index(cpus=None):
    """cpus[] index of the CPU the selected gdb thread is, or None."""
    if cpus is None:
        cpus = cpus_value()
    for r in ("gs_base", "k_gs_base"):
        try:
            base = reg(r)
        except gdb.GdbError:
            continue
        if base >= DIRECT_MAP:
            i = cpu_index_from_base(base, cpus)
            if i is not None:
                return i
    # No per-CPU pointer yet: QEMU's thread N is the vCPU with APIC id N-1.
    thread = gdb.selected_thread()
    if thread is None:
        return None
    for i, c in enumerate(elements(cpus)):
        if bool(c["online"]) and int(c["apic_id"]) == thread.num - 1:
            return i
    return None


def current_proc():
    """The struct proc * running on the selected thread's CPU, or None."""
    cpus = cpus_value()
    i = current_cpu_index(cpus)
    if i is None:
        return None
    p = cpus[i]["proc"]
    return p if u64(p) else None


def thread_cpu_map():
    """{cpus[] index: (gdb thread, pc, cs)} for every thread of the
    inferior; the selected thread and frame are restored afterwards."""
    cpus = cpus_value()
    result = {}
    orig_thread = gdb.selected_thread()
    try:
        orig_frame = gdb.selected_frame()
    except gdb.error:
        orig_frame = None
    try:
        for t in gdb.selected_inferior().threads():
            t.switch()
            i = current_cpu_index(cpus)
            if i is not None:
                result[i] = (t, reg("pc"), reg("cs"))
    finally:
        if orig_thread is not None and orig_thread.is_valid():
            orig_thread.switch()
            if orig_frame is not None and orig_frame.is_valid():
                orig_frame.select()
    return result


# ------------------------------------------------------ user-program symbols

def loaded_user_programs():
    """Objfiles gdb holds from build/user/."""
    udir = os.path.join(build_dir(), "user") + os.sep
    return [o for o in gdb.objfiles() if o.filename and
            os.path.abspath(o.filename).startswith(udir)]


def load_user(name):
    """Makes build/user/NAME the one user program whose symbols gdb has.
    Returns True if something changed."""
    path = user_elf(name)
    if not os.path.isfile(path):
        raise gdb.GdbError(f"no {shown(path)}: not a Baton user program, or not built "
                           "(each user/NAME.c becomes build/user/NAME)")
    current = loaded_user_programs()
    if [os.path.abspath(o.filename) for o in current] == [path]:
        return False
    for o in current:
        gdb.execute(f"remove-symbol-file {o.filename}", to_string=True)
    gdb.execute(f"add-symbol-file {path}", to_string=True)
    return True


WARNED = set()


def on_stop(event):
    """A stop on a CPU that runs a user process, in user mode or in the
    kernel on its behalf (a system call, an interrupt): load the symbols
    of its program, so that the stop and `bt` below the kernel entry
    have names."""
    if not AUTOLOAD.value or gdb.selected_thread() is None:
        return
    try:
        user_mode = reg("cs") & 3 == 3
        p = current_proc()
        if p is None or not u64(p["pagetable"]):
            return          # the scheduler, or a kernel thread
        name = cstring(p["name"])
        pid = int(p["pid"])
    except (gdb.error, gdb.GdbError):
        return              # too early in boot to tell
    if not os.path.isfile(user_elf(name)):
        if name not in WARNED:
            WARNED.add(name)
            print(f"baton: pid {pid} runs '{name}', and there is no {shown(user_elf(name))}: "
                  "no symbols for it")
        return
    try:
        changed = load_user(name)
    except gdb.GdbError as e:
        print(f"baton: {e}")
        return
    if changed:
        print(f"baton: loaded the symbols of {name} (pid {pid}) from {shown(user_elf(name))}")
        if user_mode:
            gdb.execute("frame")    # the stop was reported before gdb had names


# ------------------------------------------------------------- commands

class Command(gdb.Command):
    """A command whose gdb errors come out as one clean line; subclasses
    define run() instead of invoke()."""

    def invoke(self, arg, from_tty):
        try:
            self.run(arg, from_tty)
        except gdb.GdbError:
            raise
        except gdb.error as e:      # gdb.MemoryError too
            raise gdb.GdbError(str(e))


class BatonHelp(Command):
    """Baton's gdb commands (tools/gdb/baton.py; docs/debugging.md).

baton-connect [PORT]      connect to QEMU started by `make debug`
baton-load PROGRAM        load the symbols of build/user/PROGRAM
baton-break PROGRAM LOC   hardware breakpoint in PROGRAM only (e.g. main)
baton-cpus                each CPU: gdb thread, mode, running process, ticks
baton-ps                  the process table
baton-pt VA [PID]         page-table walk of a virtual address
baton-mbox EXPR | PID H   a mailbox: its waiters and queued messages

Functions: $baton_cpu() is the selected thread's struct cpu *, $baton_proc()
the struct proc * running there (0 in the scheduler), e.g.
  print $baton_proc()->name
  break proc.c:sys_exit if $_streq($baton_proc()->name, "uhelper")
Settings: baton-build DIR, baton-autoload on|off.
Quitting gdb ends QEMU; `detach` leaves it running.

A stop on a CPU running a user process (in user mode, or in the kernel
for it) loads that program's symbols by itself (see `help baton-load`)."""

    def __init__(self):
        super().__init__("baton", gdb.COMMAND_USER)

    def run(self, arg, from_tty):
        print(self.__doc__)


class BatonConnect(Command):
    """Connect to the QEMU that `make debug` started.
Usage: baton-connect [PORT]
Without PORT: $GDBPORT if set, else the port `make debug` wrote to
build/gdb-port.  Loads build/kernel.elf first if no program is loaded."""

    def __init__(self):
        super().__init__("baton-connect", gdb.COMMAND_RUNNING)

    def run(self, arg, from_tty):
        port = arg.strip() or os.environ.get("GDBPORT", "")
        if not port:
            path = os.path.join(build_dir(), "gdb-port")
            try:
                with open(path) as f:
                    port = f.read().strip()
            except OSError:
                raise gdb.GdbError(f"no {path}: start `make debug` in another terminal "
                                   "first (it writes the port there)")
        if gdb.current_progspace().filename is None:
            gdb.execute(f"file {os.path.join(build_dir(), 'kernel.elf')}")
        try:
            gdb.execute(f"target remote 127.0.0.1:{port}", from_tty)
        except gdb.error as e:
            raise gdb.GdbError(f"{e}\nIs `make debug` still running? (port {port})")


class BatonLoad(Command):
    """Load the symbols of a user program: build/user/PROGRAM.
Usage: baton-load PROGRAM
User programs are static executables linked at 0x400000 with debug info,
so their symbols overlap: the previous program's symbols are dropped.
A stop on a CPU that runs a user process, in user mode or in the kernel
on its behalf, loads that program's symbols by itself (`set
baton-autoload off` to stop that).  Breakpoints given by name (`break
main`) are re-resolved when the symbols change; baton-break pins a
breakpoint to one program."""

    def __init__(self):
        super().__init__("baton-load", gdb.COMMAND_FILES, gdb.COMPLETE_FILENAME)

    def run(self, arg, from_tty):
        name = arg.strip()
        if not name:
            raise gdb.GdbError("usage: baton-load PROGRAM (a name in build/user/)")
        name = os.path.basename(name)
        if load_user(name):
            print(f"baton: loaded the symbols of {name} from {shown(user_elf(name))}")
        else:
            print(f"baton: the symbols of {name} are already loaded")

    def complete(self, text, word):
        try:
            names = sorted(f for f in os.listdir(os.path.join(build_dir(), "user"))
                           if "." not in f and os.path.isfile(user_elf(f)))
        except OSError:
            return []
        return [n for n in names if n.startswith(word or "")]


class ProgramBreakpoint(gdb.Breakpoint):
    """A hardware breakpoint at a user address that stops only when the
    process on that CPU runs the given program (every program has code at
    0x400000 and up, so a bare address would stop in all of them)."""

    def __init__(self, program, addr):
        super().__init__(f"*{addr:#x}", type=gdb.BP_HARDWARE_BREAKPOINT)
        self.program = program

    def stop(self):
        try:
            p = current_proc()
            return p is not None and cstring(p["name"]) == self.program
        except (gdb.error, gdb.GdbError):
            return False


class BatonBreak(Command):
    """Hardware breakpoint in one user program.
Usage: baton-break PROGRAM LOCATION
Loads PROGRAM's symbols, resolves LOCATION (a function, FILE:LINE, ...)
in them, and breaks there only when the CPU runs PROGRAM.  The breakpoint
is set by address, so it stays put when other programs' symbols load.
Example: baton-break uhelper main"""

    def __init__(self):
        super().__init__("baton-break", gdb.COMMAND_BREAKPOINTS)

    def run(self, arg, from_tty):
        words = arg.split(None, 1)
        if len(words) != 2:
            raise gdb.GdbError("usage: baton-break PROGRAM LOCATION")
        program, location = os.path.basename(words[0]), words[1]
        load_user(program)
        probe = gdb.Breakpoint(location, internal=True)
        try:
            addrs = sorted({loc.address for loc in probe.locations if loc.address < USER_TOP})
        finally:
            probe.delete()
        if not addrs:
            raise gdb.GdbError(f"'{location}' is not in {program}")
        for addr in addrs:
            bp = ProgramBreakpoint(program, addr)
            print(f"(breakpoint {bp.number} stops only when the CPU runs {program})")


class BatonCpus(Command):
    """Show each CPU: gdb thread, APIC id, where it is and what it runs.
Usage: baton-cpus
Columns: CPU (index in cpus[]), APIC id, THREAD (the gdb thread that is
this CPU: `thread N` switches to it), TICKS (timer interrupts taken),
SYSCALLS (system calls entered on it), RQ (processes waiting in its run
queue), and what runs there: the process (cpus[i].proc) or idle, user or
kernel mode, and the pc.  `*` marks the selected thread's CPU.  A column
the kernel has no field for shows '-'."""

    def __init__(self):
        super().__init__("baton-cpus", gdb.COMMAND_STATUS)

    def run(self, arg, from_tty):
        cpus = cpus_value()
        threads = thread_cpu_map()
        selected = gdb.selected_thread()
        online = [c for c in elements(cpus) if bool(c["online"])]
        if not online:
            print("No CPU online yet (cpus[] is empty until the kernel sets it up).")
            return
        print(f"  {'CPU':>3} {'APIC':>4} {'THREAD':>6} {'TICKS':>6} {'SYSCALLS':>8} {'RQ':>3}"
              "  RUNNING")
        for c in online:
            t, pc, cs = threads.get(int(c["id"]), (None, 0, 0))
            mark = "*" if t is not None and selected is not None and t.num == selected.num else " "
            p = c["proc"]
            if u64(p):
                what = f"pid {int(p['pid'])} {cstring(p['name'])}"
            else:
                what = "idle (scheduler)"
            if t is not None:
                mode = "user" if cs & 3 == 3 else "kernel"
                sym = symbolize(pc)
                what += f", {mode} mode at {pc:#x}" + (f" <{sym}>" if sym else "")
            ticks = num(first_of(c, "ticks", "counters.timer_irqs"))
            calls = num(getpath(c, "counters.syscalls"))
            rq = num(first_of(c, "rq_len", "rq.len"))
            print(f"{mark} {int(c['id']):>3} {int(c['apic_id']):>4} "
                  f"{t.num if t is not None else '-':>6} {ticks:>6} {calls:>8} {rq:>3}  {what}")


class BatonPs(Command):
    """Show the process table (procs[] in kernel/proc.c).
Usage: baton-ps
Columns: PID, STATE, CPU (running on, queued on or last ran on), PPID,
NAME.  `*` marks the process running on the selected thread's CPU.  Read
straight from memory, without the locks: a snapshot of a stopped machine."""

    def __init__(self):
        super().__init__("baton-ps", gdb.COMMAND_STATUS)

    def run(self, arg, from_tty):
        procs = fetched("procs")
        try:
            cur = current_proc()
        except gdb.GdbError:
            cur = None
        cur = u64(cur) if cur is not None else 0
        print(f"  {'PID':>4} {'STATE':<9} {'CPU':>3} {'PPID':>4}  NAME")
        shown = 0
        for p in elements(procs):
            state = str(p["state"])
            if state == "P_UNUSED":
                continue
            parent = p["parent"]
            ppid = str(int(parent.dereference()["pid"])) if u64(parent) else "-"
            mark = "*" if u64(p.address) == cur else " "
            kind = "" if u64(p["pagetable"]) else "  (kernel thread)"
            print(f"{mark} {int(p['pid']):>4} {state.removeprefix('P_'):<9} "
                  f"{int(p['cpu']):>3} {ppid:>4}  {cstring(p['name'])}{kind}")
            shown += 1
        if not shown:
            print("No processes yet.")


PTE_FLAGS = [(0, "P"), (1, "W"), (2, "U"), (3, "PWT"), (4, "PCD"), (5, "A"), (6, "D"),
             (7, "PS"), (8, "G"), (9, "SHM"), (63, "NX")]
LEVELS = [("PML4", 39), ("PDPT", 30), ("PD", 21), ("PT", 12)]


def pte_flags(e):
    return " ".join(name for bit, name in PTE_FLAGS if e >> bit & 1)


def phys_of_kernel_ptr(v):
    return v - KERNEL_VMA if v >= KERNEL_VMA else v - DIRECT_MAP


class BatonPt(Command):
    """Walk the page tables for a virtual address.
Usage: baton-pt VA [PID]
VA is any expression (0x400000, $pc, &cpus[1]).  Without PID, uses the
selected CPU's cr3; with PID, that process's page table (its pagetable
field).  Prints each level's entry with its flags (P present, W writable,
U user, A accessed, D dirty, PS large page, G global, SHM shared-memory
frame, NX no-execute) and the physical address.  Page tables are read
through the kernel's direct map (0xFFFF800000000000 + physical address)."""

    def __init__(self):
        super().__init__("baton-pt", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def run(self, arg, from_tty):
        words = gdb.string_to_argv(arg)
        if len(words) not in (1, 2):
            raise gdb.GdbError("usage: baton-pt VA [PID]")
        va = u64(gdb.parse_and_eval(words[0]))
        if len(words) == 2:
            root, what = self.proc_root(int(gdb.parse_and_eval(words[1])))
        else:
            root = reg("cr3") & PTE_ADDR
            what = f"cr3 of the selected CPU"
        top = va >> 47
        if top not in (0, 0x1FFFF):
            raise gdb.GdbError(f"{va:#x} is not canonical (bits 63..47 must be equal)")
        print(f"{va:#x} in {what}: PML4 at physical {root:#x}")
        table = root
        for name, shift in LEVELS:
            idx = va >> shift & 511
            try:
                e = read_u64(DIRECT_MAP + table + 8 * idx)
            except gdb.MemoryError:
                raise gdb.GdbError(f"cannot read physical {table + 8 * idx:#x} through "
                                   "the direct map (is paging on yet?)")
            print(f"  {name + '[' + str(idx) + ']':<10} = {e:#018x}  {pte_flags(e)}")
            if not e & 1:
                print(f"  not mapped: {name} entry {idx} is not present")
                return
            if name == "PT" or (e >> 7 & 1 and name in ("PDPT", "PD")):
                size = 1 << shift
                pa = (e & PTE_ADDR & ~(size - 1)) + (va & (size - 1))
                kind = {12: "4 KiB", 21: "2 MiB", 30: "1 GiB"}[shift]
                rights = ["user" if e & 4 else "kernel-only",
                          "writable" if e & 2 else "read-only",
                          "no-execute" if e >> 63 & 1 else "executable"]
                print(f"  {va:#x} -> physical {pa:#x} ({kind} page, {', '.join(rights)})")
                print("  (each level must allow an access: U and W are ANDed, NX ORed)")
                return
            table = e & PTE_ADDR

    @staticmethod
    def proc_root(pid):
        procs = fetched("procs")
        for p in elements(procs):
            if str(p["state"]) != "P_UNUSED" and int(p["pid"]) == pid:
                pt = u64(p["pagetable"])
                if not pt:
                    raise gdb.GdbError(f"pid {pid} is a kernel thread: no page table "
                                       "of its own (try without PID)")
                return phys_of_kernel_ptr(pt), f"pid {pid} ({cstring(p['name'])})"
        raise gdb.GdbError(f"no process with pid {pid} (see baton-ps)")


def show_bytes(data):
    data = bytes(data)
    text = "".join(chr(b) if 32 <= b < 127 else "." for b in data)
    return f"{data.hex(' ')}  |{text}|"


def queue_items(q, item_type, member="node", limit=64):
    """The items of an intrusive struct queue (lib/queue.h), as values of
    item_type whose struct qnode is `member`.  Stops after limit."""
    off = field_offset(item_type, member)
    n, seen = getpath(q, "head"), set()
    while n is not None and u64(n) and len(seen) < limit:
        if u64(n) in seen:
            return
        seen.add(u64(n))
        yield gdb.Value(u64(n) - off).cast(item_type.pointer()).dereference()
        n = n.dereference()["next"]


def proc_label(p):
    return f"pid {int(p['pid'])} {cstring(p['name'])}"


def sleepers_on(chan):
    """Processes sleeping on the channel address chan."""
    try:
        procs = fetched("procs")
    except gdb.GdbError:
        return []
    return [p for p in elements(procs)
            if str(p["state"]) == "P_SLEEPING" and u64(p["chan"]) == chan]


class BatonMbox(Command):
    """Show a mailbox: its counts, who waits on it, its queued messages.
Usage: baton-mbox EXPR
       baton-mbox PID HANDLE
EXPR is a struct mbox or a pointer to one (`m` inside mbox_send), a
struct kobj * of a mailbox, or an address.  PID HANDLE takes handle
number HANDLE of process PID (its handles[] table).  Shows the capacity
(0 = rendezvous), how many handles hold send and receive rights, the
receivers blocked on an empty mailbox (its waiters queue), the senders
blocked on a full one (sleeping on &m->capacity), then each queued
message: sender pid, length, its first bytes, and whether it is a
rendezvous or carries a handle."""

    MAX_MSGS = 64
    MAX_BYTES = 32

    def __init__(self):
        super().__init__("baton-mbox", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def run(self, arg, from_tty):
        if not arg.strip():
            raise gdb.GdbError("usage: baton-mbox EXPR | baton-mbox PID HANDLE")
        try:
            mtype = kernel_type("struct mbox", near="sys_mbox_send")
        except gdb.error:
            raise gdb.GdbError("this kernel has no 'struct mbox' in its symbols: mailboxes "
                               "(kernel/mbox.c) are not in build/kernel.elf")
        m, where = self.find(arg, mtype)
        try:
            m.fetch_lazy()
        except gdb.MemoryError:
            raise gdb.GdbError(f"cannot read a struct mbox at {u64(m.address):#x}")
        self.show(m, where)

    def find(self, arg, mtype):
        words = gdb.string_to_argv(arg)
        if len(words) == 2 and all(w.isdigit() for w in words):
            return self.from_handle(int(words[0]), int(words[1]), mtype)
        v = gdb.parse_and_eval(arg)
        t = v.type.strip_typedefs()
        if t.code == gdb.TYPE_CODE_STRUCT and t.tag == "mbox":
            return v, ""
        if t.code == gdb.TYPE_CODE_PTR:
            target = t.target().strip_typedefs()
            addr = u64(v)
            if addr and target.code == gdb.TYPE_CODE_STRUCT and target.tag == "kobj":
                addr -= field_offset(mtype, "obj")
        elif t.code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_ENUM):
            addr = u64(v)
        else:
            raise gdb.GdbError(f"'{arg}' is a {v.type}, not a struct mbox or a pointer")
        if not addr:
            raise gdb.GdbError(f"'{arg}' is a null pointer: no mailbox there")
        return gdb.Value(addr).cast(mtype.pointer()).dereference(), ""

    def from_handle(self, pid, h, mtype):
        procs = fetched("procs")
        for p in elements(procs):
            if str(p["state"]) != "P_UNUSED" and int(p["pid"]) == pid:
                break
        else:
            raise gdb.GdbError(f"no process with pid {pid} (see baton-ps)")
        table = getpath(p, "handles")
        if table is None:
            raise gdb.GdbError("struct proc has no handles[] table in this kernel")
        if not 0 <= h < array_len(table) or not u64(table[h]["obj"]):
            raise gdb.GdbError(f"pid {pid} has no handle {h}")
        obj = table[h]["obj"].cast(kernel_type("struct kobj", near="sys_mbox_send").pointer())
        if int(obj["type"]) != 1:          # HANDLE_TYPE_MBOX in lib/uapi.h
            raise gdb.GdbError(f"handle {h} of pid {pid} is not a mailbox "
                               f"(kobj type {int(obj['type'])})")
        rights = int(table[h]["rights"])
        names = [n for bit, n in ((1, "send"), (2, "receive")) if rights & bit]
        addr = u64(obj) - field_offset(mtype, "obj")
        return (gdb.Value(addr).cast(mtype.pointer()).dereference(),
                f" (handle {h} of pid {pid}, rights: {' '.join(names) or 'none'})")

    def show(self, m, where):
        addr = u64(m.address)
        cap = getpath(m, "capacity")
        capacity = "?" if cap is None else ("0 (rendezvous)" if int(cap) == 0 else str(int(cap)))
        queued = first_of(m, "msgs.len", "count")
        print(f"mbox {addr:#x}{where}: capacity {capacity}, {num(queued, '?')} queued")
        opened = getpath(m, "open_senders")
        extra = "; anyone may send by pid" if opened is not None and bool(opened) else ""
        print(f"  handles with rights: {num(getpath(m, 'senders'), '?')} send, "
              f"{num(getpath(m, 'receivers'), '?')} receive{extra}")
        try:
            wtype = kernel_type("struct waiter", near="sys_mbox_send")
            waiters = [proc_label(w["proc"].dereference())
                       for w in queue_items(m["waiters"], wtype) if u64(w["proc"])]
        except (gdb.error, gdb.GdbError):
            waiters = [proc_label(p) for p in sleepers_on(addr)]
        print(f"  receivers blocked (empty mailbox): {', '.join(waiters) or 'none'}")
        senders = []
        if cap is not None:
            senders = [proc_label(p) for p in sleepers_on(u64(cap.address))]
        print(f"  senders blocked (full mailbox or rendezvous): {', '.join(senders) or 'none'}")
        self.show_queue(m)

    def show_queue(self, m):
        try:
            gtype = kernel_type("struct msg", near="sys_mbox_send")
        except gdb.error:
            print("  (no 'struct msg' in the symbols: cannot list the queue)")
            return
        q = getpath(m, "msgs")
        if q is None:
            print("  (struct mbox has no 'msgs' queue: cannot list it)")
            return
        n = -1
        for n, g in enumerate(queue_items(q, gtype, limit=self.MAX_MSGS)):
            length = getpath(g, "len")
            notes = []
            if getpath(g, "waiting") is not None and u64(g["waiting"]):
                notes.append("rendezvous")
            if getpath(g, "xobj") is not None and u64(g["xobj"]):
                notes.append("carries a handle")
            print(f"  [{n}] msg {u64(g.address):#x}: from pid {num(getpath(g, 'sender'), '?')}, "
                  f"{num(length, '?')} bytes{''.join(', ' + x for x in notes)}")
            self.show_data(getpath(g, "data"), length)
        if n < 0:
            print("  no message queued")

    def show_data(self, data, length):
        if data is None or length is None:
            return
        t = data.type.strip_typedefs()
        addr = u64(data.address) if t.code == gdb.TYPE_CODE_ARRAY else u64(data)
        count = min(int(length), self.MAX_BYTES)
        if count <= 0 or not addr:
            return
        try:
            raw = gdb.selected_inferior().read_memory(addr, count)
        except gdb.MemoryError:
            print(f"      data at {addr:#x}: unreadable")
            return
        more = " ..." if int(length) > count else ""
        print(f"      {show_bytes(raw)}{more}")


# ------------------------------------------------------------ functions

class CpuFunction(gdb.Function):
    """$baton_cpu(): the struct cpu * of the selected thread's CPU."""

    def __init__(self):
        super().__init__("baton_cpu")

    def invoke(self):
        cpus = cpus_value()
        i = current_cpu_index(cpus)
        if i is None:
            raise gdb.GdbError("cannot tell which CPU this thread is yet")
        return cpus[i].address


class ProcFunction(gdb.Function):
    """$baton_proc(): the struct proc * running on the selected thread's
CPU (cpus[i].proc), 0 when the CPU is in the scheduler."""

    def __init__(self):
        super().__init__("baton_proc")

    def invoke(self):
        cpus = cpus_value()
        i = current_cpu_index(cpus)
        if i is None:
            raise gdb.GdbError("cannot tell which CPU this thread is yet")
        return cpus[i]["proc"]


def register():
    for cls in (BatonHelp, BatonConnect, BatonLoad, BatonBreak, BatonCpus, BatonPs,
                BatonPt, BatonMbox, CpuFunction, ProcFunction):
        cls()
    # Sourcing this file again must not add a second stop handler.
    old = getattr(gdb, "_baton_on_stop", None)
    if old is not None:
        gdb.events.stop.disconnect(old)
    gdb._baton_on_stop = on_stop
    gdb.events.stop.connect(on_stop)
    # QEMU's stub says "attached", so quitting gdb would detach and leave
    # the guest running.  Without that answer gdb kills the target when it
    # quits (or a -batch script fails), which ends QEMU; `detach` still
    # leaves it running.
    gdb.execute("set remote query-attached-packet off")


register()
