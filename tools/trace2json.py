"""Turn Baton's trace dumps into Chrome Trace Event JSON and an SVG timeline.

    tools/trace2json [-d DIR] [--from MS] [--to MS] CHANNEL

CHANNEL is what the guest wrote to its trace channel (QEMU's debug
console; `make trace` puts it in build/trace/channel.bin): one or more
dumps, laid out as in lib/trace.h.  For each dump NAME this writes
DIR/NAME.json, which the Perfetto UI (ui.perfetto.dev) and chrome://tracing
open, and DIR/NAME.svg, a picture of the same run for the docs and for
machines without a browser (--from/--to: only that window of it, in ms).

The JSON has one track per CPU (group "CPUs": what ran, when the CPU
halted, IPIs, wake-ups, faults, and a small slice for each message sent
or received) and one per process (when it ran, where, and its system
calls when they were traced), with a flow arrow from each send to its
receive.  Python standard library only.  docs/tracing.md explains it.
"""
import argparse
import json
import os
import re
import struct
import sys

MAGIC = 0x3145434152544e42
HEADER = struct.Struct("<QQII32s")
CPU_HEADER = struct.Struct("<IIQ")
REC = struct.Struct("<QHBBIQQ")

# lib/trace.h, in the same order.
EVENTS = ["none", "switch_in", "switch_out", "wake", "ipi_send", "ipi_recv", "halt", "resume",
          "syscall", "send", "recv", "shm_fault", "spawn", "exec", "exit", "kill",
          "sandbox", "name", "start", "stop"]
EV = {name: i for i, name in enumerate(EVENTS)}
WHY = {2: "preempted or yielded", 4: "blocked", 5: "exited"}
EXIT_HOW = {0: "exit", 1: "killed", 2: "fault", 3: "sandbox violation"}
IPI_KIND = {0: "reschedule", 1: "call"}
P_SLEEPING, P_EMBRYO = 4, 1
# Chrome pids and tids of the tracks.  Baton's own pids name the process
# groups; the CPU group and the extra tracks get numbers far above them,
# and none is 0, which Perfetto keeps for the idle ("swapper") thread.
CPU_GROUP = 1 << 30     # the pid of the CPU tracks
CPU_TID = 1 << 30       # + cpu: a CPU's track
SYSCALL_TID = 1 << 29   # + pid: a process's system-call track
MSG_DUR = 0.5           # µs: the slice a flow arrow starts or ends on


def syscall_names():
    """Numbers to names, from lib/syscalls.h beside this script."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib", "syscalls.h")
    names = {}
    try:
        with open(path) as f:
            for m in re.finditer(r"#define SYS_(\w+)\s+(\d+)", f.read()):
                names[int(m.group(2))] = m.group(1)
    except OSError:
        pass
    return names


class Rec:
    __slots__ = ("tsc", "event", "cpu", "pid", "a0", "a1", "ts")

    def __init__(self, tsc, event, cpu, pid, a0, a1):
        self.tsc, self.event, self.cpu, self.pid, self.a0, self.a1 = tsc, event, cpu, pid, a0, a1
        self.ts = 0.0


class Dump:
    """One dump: its name, clock, and each CPU's records and lost count."""

    def __init__(self, name, hz, ncpu):
        self.name, self.hz, self.ncpu = name, hz, ncpu
        self.cpus = {}          # cpu -> [Rec], in time order
        self.lost = {}          # cpu -> records lost

    def records(self):
        return sorted((r for rs in self.cpus.values() for r in rs), key=lambda r: r.tsc)


def parse(data):
    """The dumps in a channel's bytes.  A cut-off dump raises ValueError."""
    dumps, off = [], 0
    while off < len(data):
        if len(data) - off < HEADER.size:
            raise ValueError(f"{len(data) - off} stray bytes at the end of the channel")
        magic, hz, ncpu, rec_size, name = HEADER.unpack_from(data, off)
        if magic != MAGIC or rec_size != REC.size or hz == 0:
            raise ValueError(f"no trace header at byte {off}")
        off += HEADER.size
        d = Dump(name.split(b"\0")[0].decode("ascii", "replace") or "trace", hz, ncpu)
        for _ in range(ncpu):
            cpu, count, lost = CPU_HEADER.unpack_from(data, off)
            off += CPU_HEADER.size
            if off + count * REC.size > len(data):
                raise ValueError(f"dump {d.name}: cpu {cpu}'s records are cut off")
            recs = [Rec(*REC.unpack_from(data, off + i * REC.size)[:3],
                        *REC.unpack_from(data, off + i * REC.size)[4:])
                    for i in range(count)]
            off += count * REC.size
            # A slot is claimed before its time is read, so an interrupt
            # can put a later slot first: each CPU is sorted by time.
            recs.sort(key=lambda r: r.tsc)
            d.cpus[cpu] = recs
            d.lost[cpu] = lost
        t0 = min((rs[0].tsc for rs in d.cpus.values() if rs), default=0)
        for rs in d.cpus.values():
            for r in rs:
                r.ts = (r.tsc - t0) * 1e6 / hz
        dumps.append(d)
    return dumps


def name_of(a0, a1):
    return struct.pack("<QQ", a0, a1).split(b"\0")[0].decode("ascii", "replace")


def process_names(d):
    """pid -> program name; a forked child has its parent's until it execs."""
    names = {}
    for r in d.records():
        if r.event in (EV["exec"], EV["name"]):
            names[r.pid] = name_of(r.a0, r.a1)
        elif r.event == EV["spawn"] and r.pid not in names:
            names[r.pid] = names.get(r.a0, "?")
    return names


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def span(start, end):
    """A slice's duration from its rounded ends (µs, to the ns), so a
    slice inside another never pokes out of it by a rounding (the
    Perfetto importer drops slices that do not nest)."""
    return max(round(round(end, 3) - round(start, 3), 3), 0.001)


class Builder:
    """Chrome Trace Events of one dump (see convert())."""

    def __init__(self, d):
        self.d, self.ev = d, []
        self.names = process_names(d)
        self.sysnames = syscall_names()
        self.pids = set()
        self.spans = []         # (cpu, start, end, pid, kind): for the SVG
        self.messages = []      # (send cpu, ts, recv cpu, ts, id)
        self.marks = []         # (cpu, ts, kind, label): for the SVG

    def label(self, pid):
        return f"{self.names.get(pid, '?')} (pid {pid})" if pid else "kernel"

    def add(self, ph, name, ts, pid, tid, **kw):
        e = {"ph": ph, "name": name, "ts": round(ts, 3), "pid": pid, "tid": tid}
        e.update(kw)
        self.ev.append(e)
        return e

    def cpu_slice(self, cpu, name, start, end, cat, args=None):
        self.add("X", name, start, CPU_GROUP, CPU_TID + cpu, dur=span(start, end),
                 cat=cat, args=args or {})

    def instant(self, cpu, name, ts, cat, args=None, pid=None):
        self.add("i", name, ts, CPU_GROUP, CPU_TID + cpu, s="t", cat=cat, args=args or {})
        if pid:
            self.pids.add(pid)
            self.add("i", name, ts, pid, pid, s="t", cat=cat, args=args or {})

    def run_cpu(self, cpu, recs, flows):
        running = halted = None
        end = recs[-1].ts if recs else 0.0
        for i, r in enumerate(recs):
            e = EVENTS[r.event] if r.event < len(EVENTS) else f"event{r.event}"
            nxt = recs[i + 1].ts if i + 1 < len(recs) else r.ts + MSG_DUR
            if e == "switch_in":
                if running:
                    self.close_run(cpu, running, r.ts, "lost its switch-out")
                running = (r.pid, r.ts, signed(r.a0))
            elif e == "switch_out" and (running is None or running[0] == r.pid):
                # With none open, r.pid ran since before tracing started.
                self.close_run(cpu, running or (r.pid, 0.0, -1), r.ts, WHY.get(r.a0, str(r.a0)))
                running = None
            elif e == "halt":
                halted = r.ts
            elif e == "resume":
                start = halted if halted is not None else 0.0     # halted since before
                self.cpu_slice(cpu, "idle (hlt)", start, r.ts, "idle")
                self.spans.append((cpu, start, r.ts, 0, "idle"))
                halted = None
            elif e in ("send", "recv"):
                self.message(cpu, r, e, min(MSG_DUR, max(nxt - r.ts, 0.001)), flows)
            else:
                self.other(cpu, r, e)
        if running:
            self.close_run(cpu, running, end, "still running when tracing stopped")
        if halted is not None:
            self.cpu_slice(cpu, "idle (hlt)", halted, end, "idle")
            self.spans.append((cpu, halted, end, 0, "idle"))

    def close_run(self, cpu, running, end, why):
        pid, start, came_from = running
        args = {"pid": pid, "left because": why}
        if came_from >= 0 and came_from != cpu:
            args["migrated from CPU"] = came_from
        self.cpu_slice(cpu, self.label(pid), start, end, "run", args)
        self.pids.add(pid)
        self.add("X", f"on CPU {cpu}", start, pid, pid, dur=span(start, end),
                 cat="run", args=args)
        self.spans.append((cpu, start, end, pid, "run"))

    def message(self, cpu, r, e, dur, flows):
        mid = flows.get(r.a0)
        name = f"{e} {r.a1} B"
        self.cpu_slice(cpu, name, r.ts, r.ts + dur, "msg",
                       {"pid": r.pid, "message id": hex(r.a0), "bytes": r.a1})
        if mid is not None:
            self.add("s" if e == "send" else "f", "message", r.ts, CPU_GROUP, CPU_TID + cpu,
                     cat="msg", id=mid, **({"bp": "e"} if e == "recv" else {}))

    def other(self, cpu, r, e):
        if e == "wake":
            state, target = r.a1 >> 32, r.a1 & 0xffffffff
            if state in (P_SLEEPING, P_EMBRYO):
                who = self.label(r.a0) if r.a0 else "the kernel"
                self.instant(cpu, f"wake {self.label(r.pid)} on CPU {target}", r.ts, "wake",
                             {"woken by": who, "first run": state == P_EMBRYO})
                self.marks.append((cpu, r.ts, "wake", ""))
        elif e == "ipi_send":
            self.instant(cpu, f"IPI to CPU {r.a0} ({IPI_KIND.get(r.a1, r.a1)})", r.ts, "ipi")
            self.marks.append((cpu, r.ts, "ipi", ""))
        elif e == "ipi_recv":
            self.instant(cpu, f"IPI received ({IPI_KIND.get(r.a0, r.a0)})", r.ts, "ipi")
        elif e == "syscall":
            pass                            # in syscalls()
        elif e == "shm_fault":
            self.instant(cpu, f"shared-page fault at {r.a0:#x}", r.ts, "fault", pid=r.pid)
            self.marks.append((cpu, r.ts, "fault", ""))
        elif e == "spawn":
            how = "fork" if r.a1 == 1 else "spawn"
            self.instant(cpu, f"{how} {self.label(r.pid)}", r.ts, "proc",
                         {"parent": self.label(r.a0)}, pid=r.pid)
        elif e == "exec":
            self.instant(cpu, f"exec {name_of(r.a0, r.a1)}", r.ts, "proc", pid=r.pid)
        elif e == "exit":
            how = EXIT_HOW.get(r.a0, str(r.a0))
            self.instant(cpu, f"exit {self.label(r.pid)}: {how} {signed(r.a1)}", r.ts, "proc",
                         pid=r.pid)
            self.marks.append((cpu, r.ts, "exit" if r.a0 == 0 else "death", self.label(r.pid)))
        elif e == "kill":
            killer = self.label(r.pid) if r.pid else "Ctrl-C"
            self.instant(cpu, f"kill {self.label(r.a0)} by {killer}", r.ts, "proc", pid=r.a0)
            self.marks.append((cpu, r.ts, "death", ""))
        elif e == "sandbox":
            call = self.sysnames.get(r.a0, r.a0)
            self.instant(cpu, f"sandbox violation: {call} by {self.label(r.pid)}", r.ts,
                         "proc", pid=r.pid)
            self.marks.append((cpu, r.ts, "death", ""))
        elif e in ("start", "stop"):
            self.instant(cpu, f"tracing {e}s", r.ts, "trace")
        elif e != "name":
            self.instant(cpu, e, r.ts, "other", {"a0": r.a0, "a1": r.a1})

    def syscalls(self):
        """Each process's system calls, from entry to return, on its own
        track (a call that blocks spans the time it slept)."""
        for r in self.d.records():
            if r.event != EV["syscall"]:
                continue
            nr, cycles = r.a0 & 0xffff, r.a0 >> 16
            self.pids.add(r.pid)
            self.add("X", self.sysnames.get(nr, f"syscall {nr}"), r.ts, r.pid,
                     SYSCALL_TID + r.pid, dur=round(max(cycles * 1e6 / self.d.hz, 0.001), 3),
                     cat="syscall", args={"result": signed(r.a1), "returned on CPU": r.cpu})

    def flow_ids(self):
        """Message ids with both a send and a receive -> flow numbers 1..N."""
        sends, recvs = {}, {}
        for cpu, recs in self.d.cpus.items():
            for r in recs:
                if r.event == EV["send"]:
                    sends[r.a0] = (cpu, r.ts)
                elif r.event == EV["recv"]:
                    recvs[r.a0] = (cpu, r.ts)
        both = sorted((i for i in sends if i in recvs), key=lambda i: sends[i][1])
        for i in both:
            self.messages.append((*sends[i], *recvs[i], i))
        return {mid: n + 1 for n, mid in enumerate(both)}

    def metadata(self):
        meta = [{"ph": "M", "name": "process_name", "ts": 0, "pid": CPU_GROUP, "tid": CPU_TID,
                 "args": {"name": "CPUs"}},
                {"ph": "M", "name": "process_sort_index", "ts": 0, "pid": CPU_GROUP, "tid": CPU_TID,
                 "args": {"sort_index": -1}}]
        for cpu in sorted(self.d.cpus):
            meta.append({"ph": "M", "name": "thread_name", "ts": 0, "pid": CPU_GROUP,
                         "tid": CPU_TID + cpu,
                         "args": {"name": f"CPU {cpu}"}})
            meta.append({"ph": "M", "name": "thread_sort_index", "ts": 0, "pid": CPU_GROUP,
                         "tid": CPU_TID + cpu, "args": {"sort_index": cpu}})
        for pid in sorted(self.pids):
            meta.append({"ph": "M", "name": "process_name", "ts": 0, "pid": pid, "tid": pid,
                         "args": {"name": self.label(pid)}})
            meta.append({"ph": "M", "name": "thread_name", "ts": 0, "pid": pid, "tid": pid,
                         "args": {"name": "runs"}})
            meta.append({"ph": "M", "name": "thread_name", "ts": 0, "pid": pid,
                         "tid": SYSCALL_TID + pid, "args": {"name": "system calls"}})
        return meta

    def build(self):
        flows = self.flow_ids()
        for cpu in sorted(self.d.cpus):
            self.run_cpu(cpu, self.d.cpus[cpu], flows)
            if self.d.lost.get(cpu):        # said where it is seen, not only in otherData
                recs = self.d.cpus[cpu]
                self.instant(cpu, f"buffer full: {self.d.lost[cpu]} records lost",
                             recs[-1].ts if recs else 0.0, "trace")
        self.syscalls()
        # Stable sort by time: each track's events in the order they happened.
        self.ev.sort(key=lambda e: e["ts"])
        return {"traceEvents": self.metadata() + self.ev, "displayTimeUnit": "ns",
                "otherData": {"name": self.d.name, "cpus": self.d.ncpu,
                              "records": sum(len(r) for r in self.d.cpus.values()),
                              "lost": sum(self.d.lost.values()),
                              "lost_per_cpu": {str(c): n for c, n in self.d.lost.items()},
                              "messages": len(flows)}}


def convert(d):
    """(Chrome trace as a dict, the Builder with what the SVG draws)."""
    b = Builder(d)
    return b.build(), b


def check(trace):
    """What is wrong with a converted trace, as a list of sentences."""
    bad, flows, last = [], {}, {}
    for e in trace.get("traceEvents", []):
        missing = [k for k in ("ph", "ts", "pid", "tid") if k not in e]
        if missing:
            bad.append(f"event {e.get('name')} lacks {', '.join(missing)}")
            continue
        if e["ph"] in ("s", "f"):
            flows.setdefault(e["id"], []).append(e["ph"])
        if e["pid"] == CPU_GROUP and e["ph"] != "M":
            if e["ts"] < last.get(e["tid"], 0):
                bad.append(f"CPU {e['tid'] - CPU_TID}: time goes back to {e['ts']} µs")
            last[e["tid"]] = e["ts"]
        if e["ph"] == "X" and e.get("dur", -1) < 0:
            bad.append(f"slice {e['name']} has no duration")
    for fid, phs in flows.items():
        if sorted(phs) != ["f", "s"]:
            bad.append(f"flow {fid} is {phs}, not one start and one end")
    bad += nesting_problems(trace)
    return bad


def nesting_problems(trace):
    """Slices on one track must nest: one inside another or apart (in ns,
    as an importer reads them)."""
    tracks, bad = {}, []
    for e in trace.get("traceEvents", []):
        if e.get("ph") == "X" and "dur" in e:
            a = round(e["ts"] * 1000)
            tracks.setdefault((e["pid"], e["tid"]), []).append((a, a + round(e["dur"] * 1000),
                                                                e["name"]))
    for key, slices in tracks.items():
        open_ends = []
        for a, z, name in sorted(slices, key=lambda s: (s[0], -s[1])):
            while open_ends and open_ends[-1] <= a:
                open_ends.pop()
            if open_ends and z > open_ends[-1]:
                bad.append(f"slice {name} at {a / 1000} µs on track {key} overlaps its parent")
            open_ends.append(z)
    return bad


# ---- SVG ----

def colour(pid):
    """A stable, distinct colour per process."""
    hue = (pid * 137) % 360
    return f"hsl({hue},60%,62%)"


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg(d, b, t_from=None, t_to=None, width=960):
    """A timeline: a row per CPU, what ran (coloured by process), idle
    time hatched, a line per message from its send to its receive,
    IPIs and wake-ups as ticks, deaths as crosses."""
    cpus = sorted(d.cpus)
    ends = [r.ts for rs in d.cpus.values() for r in rs]
    t0 = t_from if t_from is not None else 0.0
    t1 = t_to if t_to is not None else (max(ends) if ends else 1.0)
    t1 = max(t1, t0 + 1e-3)
    left, top, row, gap = 70, 40, 34, 22
    plot = width - left - 20
    height = top + len(cpus) * (row + gap) + 110
    y = {c: top + i * (row + gap) for i, c in enumerate(cpus)}

    def x(t):
        return left + (min(max(t, t0), t1) - t0) * plot / (t1 - t0)

    def visible(a, z):
        return z >= t0 and a <= t1

    window = (f" (shown: {fmt_time(t0)} to {fmt_time(t1)})"
              if t_from is not None or t_to is not None else "")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           '<defs><pattern id="idle" width="6" height="6" patternUnits="userSpaceOnUse" '
           'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f4f4f4"/>'
           '<line x1="0" y1="0" x2="0" y2="6" stroke="#ccc" stroke-width="2"/></pattern>'
           '<marker id="arrow" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="5" '
           'markerHeight="5" orient="auto"><path d="M0,0 L6,3 L0,6 z" fill="#333"/></marker>'
           '</defs>',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="18" font-size="13" font-weight="bold">{esc(d.name)}: '
           f'{len(cpus)} CPUs, {len(b.messages)} messages, {sum(d.lost.values())} records lost'
           f'{window}</text>']
    for c in cpus:
        out.append(f'<text x="8" y="{y[c] + row / 2 + 4}">CPU {c}</text>')
        out.append(f'<rect x="{left}" y="{y[c]}" width="{plot}" height="{row}" fill="none" '
                   f'stroke="#ddd"/>')
    for cpu, a, z, pid, kind in b.spans:
        if not visible(a, z):
            continue
        w = max(x(z) - x(a), 0.5)
        fill = "url(#idle)" if kind == "idle" else colour(pid)
        out.append(f'<rect x="{x(a):.1f}" y="{y[cpu]}" width="{w:.1f}" height="{row}" '
                   f'fill="{fill}"><title>{esc(b.label(pid) if pid else "idle (hlt)")}</title></rect>')
    for cpu, ts, kind, label in b.marks:
        if not visible(ts, ts):
            continue
        px, py = x(ts), y[cpu]
        if kind == "ipi":
            out.append(f'<path d="M{px:.1f},{py - 7} l-3,-5 h6 z" fill="#c00"><title>IPI sent'
                       f'</title></path>')
        elif kind == "wake":
            out.append(f'<line x1="{px:.1f}" y1="{py + row}" x2="{px:.1f}" y2="{py + row + 5}" '
                       f'stroke="#070" stroke-width="1.5"><title>wake-up</title></line>')
        elif kind == "fault":
            out.append(f'<circle cx="{px:.1f}" cy="{py + row + 8}" r="2" fill="#a50"/>')
        elif kind in ("death", "exit"):
            col = "#c00" if kind == "death" else "#555"
            out.append(f'<text x="{px - 4:.1f}" y="{py + row + 14}" fill="{col}" '
                       f'font-weight="bold">×<title>{esc(label)}</title></text>')
    for sc, st, rc, rt, _ in b.messages:
        if not visible(st, rt):
            continue
        y1 = y[sc] + (row if y[rc] > y[sc] else 0)
        y2 = y[rc] + (0 if y[rc] > y[sc] else row)
        if sc == rc:
            y1, y2 = y[sc] + row, y[sc] + row
        out.append(f'<line x1="{x(st):.1f}" y1="{y1}" x2="{x(rt):.1f}" y2="{y2}" stroke="#333" '
                   f'stroke-width="0.8" marker-end="url(#arrow)"/>')
    # Time axis.
    ay = top + len(cpus) * (row + gap) + 4
    out.append(f'<line x1="{left}" y1="{ay}" x2="{left + plot}" y2="{ay}" stroke="#333"/>')
    span = t1 - t0
    step = 10 ** max(len(str(int(span / 5))) - 1, 0) if span >= 5 else 1
    while span / step > 10:
        step *= 2
    t = (int(t0 / step) + 1) * step if t0 % step else t0
    while t <= t1:
        out.append(f'<line x1="{x(t):.1f}" y1="{ay}" x2="{x(t):.1f}" y2="{ay + 4}" stroke="#333"/>')
        out.append(f'<text x="{x(t):.1f}" y="{ay + 15}" text-anchor="middle">{fmt_time(t)}</text>')
        t += step
    # Legend: the processes that ran.
    lx, ly = left, ay + 34
    items = [(colour(pid), b.label(pid)) for pid in
             sorted({s[3] for s in b.spans if s[4] == "run" and visible(s[1], s[2])})]
    items += [(None, k) for k in ("hatched: idle (hlt)", "white: in the kernel, or the vCPU "
                                  "not running", "arrow: a message, send to receive",
                                  "red ▼: IPI sent", "green |: wake-up", "×: exit")]
    for fill, text in items:
        need = 24 + 6 * len(text)
        if lx + need > width:
            lx, ly = left, ly + 16
        if fill:
            out.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{fill}"/>')
            out.append(f'<text x="{lx + 14}" y="{ly}">{esc(text)}</text>')
        else:
            out.append(f'<text x="{lx}" y="{ly}" fill="#555">{esc(text)}</text>')
        lx += need
    out.append("</svg>")
    return "\n".join(out) + "\n"


def fmt_time(us):
    if us >= 1000:
        return f"{us / 1000:g} ms"
    return f"{us:g} µs"


def file_name(name, used):
    """The dump's name as a file name: the guest chose it, so nothing but
    letters, digits, '.', '_' and '-', and a second dump of the same name
    gets -2, -3, ..."""
    base = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".") or "trace"
    name, k = base, 2
    while name in used:
        name, k = f"{base}-{k}", k + 1
    used.add(name)
    return name


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("channel", help="the trace channel's file (build/trace/channel.bin)")
    ap.add_argument("-d", default=None, help="directory for NAME.json and NAME.svg "
                    "(default: the channel's)")
    ap.add_argument("--from", dest="t_from", type=float, help="SVG starts here (ms)")
    ap.add_argument("--to", dest="t_to", type=float, help="SVG ends here (ms)")
    a = ap.parse_args(argv[1:])
    outdir = a.d or os.path.dirname(a.channel) or "."
    with open(a.channel, "rb") as f:
        data = f.read()
    try:
        dumps = parse(data)
    except ValueError as e:
        print(f"trace2json: {a.channel}: {e}", file=sys.stderr)
        return 1
    if not dumps:
        print(f"trace2json: {a.channel}: no trace in it (did the program run under trace?)",
              file=sys.stderr)
        return 1
    os.makedirs(outdir, exist_ok=True)
    status, used = 0, set()
    for d in dumps:
        d.name = file_name(d.name, used)
        trace, b = convert(d)
        problems = check(trace)
        for p in problems:
            print(f"trace2json: {d.name}: {p}", file=sys.stderr)
            status = 1
        stem = os.path.join(outdir, d.name)
        with open(stem + ".json", "w") as f:
            json.dump(trace, f, separators=(",", ":"))
        t_from = a.t_from * 1000 if a.t_from is not None else None
        t_to = a.t_to * 1000 if a.t_to is not None else None
        with open(stem + ".svg", "w") as f:
            f.write(svg(d, b, t_from, t_to))
        o = trace["otherData"]
        print(f"trace2json: {stem}.json and .svg: {o['cpus']} CPUs, {o['records']} records, "
              f"{o['messages']} messages, {o['lost']} lost")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
