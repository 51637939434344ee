"""`make bench`: Baton's figures beside their targets (docs/performance.md).

Boots Baton several times and drives its shell with the benchmark programs
(user/bench.c, user/cachebench.c, user/top.c), which print one JSON object
per line.  Also builds and runs host-native reference programs
(tools/hostref/*.c) in the same run, so each timed guest figure can be
given as a ratio to what this machine does natively.

  1. Deterministic: one vCPU under QEMU -icount shift=0, where the guest
     TSC counts instructions.  Booted twice to show the figures repeat.
  2. Timed: SMP=1, 2 and 4 under multi-threaded TCG.
  3. Whole system: QEMU start to shell prompt, the smallest memory that
     boots, the incremental rebuild, and the coherence model's slowdown
     (the same workload with and without build/coherence.so).

Writes build/bench/results.json (every record and figure), report.md (each
figure beside its target, misses explained), matrix.svg and
mbox-throughput.svg, and the serial log of every boot.

COHERENCE=1 (`make bench COHERENCE=1`) runs every boot under the coherence
model, so the guest's figures include its counts (and the times its
slowdown); the slowdown figure itself always compares off with on.

Usage: tools/bench.py [--quick] [--coherence] [--trace]
  --quick: fewer iterations, for trying it; --coherence: only the
  coherence model's slowdown and cachebench's counts; --trace: only what
  event tracing costs.
Environment: BUILD (default build), KVM=1 for the timed runs under KVM.
"""
import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_run  # noqa: E402

BUILD = os.environ.get("BUILD", "build")
OUT = os.path.join(BUILD, "bench")
TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
PROMPT = re.compile(rb"(^|\n)\$ ")
TSC_LINE = re.compile(r"timer: TSC (\d+) MHz")


def log(msg):
    print(f"bench: {msg}", flush=True)


# ---------------------------------------------------------------- guest

def shell_iso():
    """An ISO without a command line: it boots to the shell."""
    iso = os.path.join(OUT, "shell.iso")
    subprocess.run([os.path.join(TOOLS, "mkiso"), iso], check=True,
                   env=dict(os.environ, BUILD=BUILD))
    return iso


def parse_records(text):
    records, bad = [], []
    for line in text.splitlines():
        line = line.strip("\r")
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except ValueError:
                bad.append(line)
    return records, bad


def boot(name, iso, smp, commands, icount=False, timeout=300, kvm="0", coherence=None):
    """Boots to the shell, types the commands, powers off.  Returns the
    run: its records (JSON lines), status, the guest TSC rate, problems.
    coherence: under the coherence model (its data in OUT/NAME.c2c.json);
    by default when COHERENCE=1, as `make bench COHERENCE=1` asks."""
    if coherence is None:
        coherence = os.environ.get("COHERENCE") == "1"
    extra = ["-icount", "shift=0"] if icount else []
    args = qemu_run.qemu_args(iso, smp, "256M", "0" if icount else kvm, False, extra,
                              build=BUILD, coherence=coherence,
                              coh_stem=os.path.join(OUT, name))
    stdin = "".join(c + "\n" for c in commands) + "poweroff 0\n"
    log(f"{name}: SMP={smp}{' -icount shift=0' if icount else ''}: "
        f"{len(commands)} commands")
    t0, load = time.time(), os.getloadavg()[0]
    status, out = qemu_run.run_piped(args, stdin.encode(), None, timeout)
    text = out.decode("utf-8", "replace")
    with open(os.path.join(OUT, name + ".log"), "w") as f:
        f.write(text)
    records, bad = parse_records(text)
    problems = [f"malformed JSON line: {b[:80]}" for b in bad]
    if status != 0:
        problems.append("QEMU timed out" if status == qemu_run.TIMEOUT else
                        f"guest exit status {status}")
    for line in text.splitlines():
        if "failed" in line and line.startswith(("bench:", "cachebench:")):
            problems.append(line.strip())
        if "PANIC" in line:
            problems.append(line.strip())
    m = TSC_LINE.search(text)
    run = {"name": name, "smp": smp, "icount": icount, "status": status,
           "seconds": round(time.time() - t0, 1), "host_load": load, "commands": commands,
           "tsc_mhz": int(m.group(1)) if m else None, "records": records,
           "problems": problems, "log": os.path.join(OUT, name + ".log")}
    for p in problems:
        log(f"{name}: {p}")
    return run


def find(run, test, **match):
    """The first record of run with this test name and these fields."""
    for r in run["records"] if run else []:
        if r.get("test") == test and all(r.get(k) == v for k, v in match.items()):
            return r
    return None


ID_KEYS = ("test", "mode", "layout", "from", "to", "pairs", "cpu_a", "cpu_b", "refresh",
           "skipped")


def merge_runs(runs, name):
    """One run whose records are the first run's, every number replaced by
    its median over all the runs (records matched by their identifying
    fields).  Repeating a timed boot and taking medians keeps one bad
    second on a shared host from deciding a figure."""
    runs = [r for r in runs if r]
    if not runs:
        return None
    merged = dict(runs[0], name=name, records=[], repeats=len(runs),
                  seconds=round(sum(r["seconds"] for r in runs), 1),
                  problems=[p for r in runs for p in r["problems"]],
                  status=max((r["status"] for r in runs), key=lambda s: s != 0),
                  log=", ".join(os.path.basename(r["log"]) for r in runs))

    def ident(rec):     # top has one record per CPU; elsewhere "cpu" is where it ran
        keys = ID_KEYS + ("cpu",) if rec.get("test") == "top" else ID_KEYS
        return tuple((k, rec.get(k)) for k in keys)
    for rec in runs[0]["records"]:
        same = [x for r in runs for x in r["records"] if ident(x) == ident(rec)]
        out, each = {}, {}
        for k, v in rec.items():
            vals = [x[k] for x in same if isinstance(x.get(k), (int, float))]
            if k in ID_KEYS or k == "cpu" or not isinstance(v, (int, float)) or not vals:
                out[k] = v
            else:
                m = statistics.median(vals)
                out[k] = int(m) if all(isinstance(x, int) for x in vals) else round(m, 3)
                each[k] = vals
        out["each_boot"] = each         # every boot's value, for the spread
        merged["records"].append(out)
    return merged


def time_to_prompt(iso, smp, mem, timeout=60):
    """Seconds from starting QEMU to the shell's first prompt, or None."""
    args = qemu_run.qemu_args(iso, smp, mem, "0", False, build=BUILD)
    t0 = time.time()
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    seen, took = b"", None
    os.set_blocking(p.stdout.fileno(), False)
    while time.time() - t0 < timeout and p.poll() is None:
        try:
            chunk = p.stdout.read(4096)
        except BlockingIOError:
            chunk = None
        if chunk:
            seen += chunk
            if PROMPT.search(seen):
                took = time.time() - t0
                break
        else:
            time.sleep(0.005)
    try:
        p.stdin.write(b"poweroff 0\n")
        p.stdin.flush()
        p.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        p.kill()
        p.wait()
    return took, seen.decode("utf-8", "replace")


# ---------------------------------------------------------------- coherence model

def coherence_slowdown(iso, quick):
    """The coherence model's cost (docs/coherence-model.md): the same
    workload booted without and with the plugin, alternately, at SMP=2.
    Under TCG the guest TSC follows the host clock, so a guest-measured
    rate falls by exactly the slowdown.  Returns a Figure."""
    cmds = [f"bench mbox-tput --pairs 1 -n {5000 if quick else 20000} --json",
            "bench syscall --json"]
    off, on = [], []
    for k in range(1, (1 if quick else 3) + 1):
        off.append(boot(f"coh-off-{k}", iso, 2, cmds, coherence=False))
        on.append(boot(f"coh-on-{k}", iso, 2, cmds, coherence=True))
    tput_off = num(find(merge_runs(off, "coh-off"), "mbox_tput", pairs=1), "msgs_per_s")
    tput_on = num(find(merge_runs(on, "coh-on"), "mbox_tput", pairs=1), "msgs_per_s")
    sys_off = num(find(merge_runs(off, "coh-off"), "null_syscall"), "per_call_median")
    sys_on = num(find(merge_runs(on, "coh-on"), "null_syscall"), "per_call_median")
    r = ratio(tput_off, tput_on)
    note = (f"SMP=2, median of {len(off)} boots each: {fmt(tput_off)} → {fmt(tput_on)} "
            f"messages/s; null syscall {fmt(sys_off)} → {fmt(sys_on)} ticks "
            f"({fmt(ratio(sys_on, sys_off))}×)")
    return Figure("system", "coherence model slowdown (`bench mbox-tput`, COHERENCE=1 vs off)",
                  r, "×", "≤ 5×", None if r is None else r <= 5,
                  "" if r is None or r <= 5 else
                  "every guest RAM access runs a plugin callback, a physical-address lookup "
                  "and a directory load; see docs/coherence-model.md", note=note)


def coherence_counts(iso, quick):
    """The cache lab's lessons as counts from the coherence model
    (docs/cache-lab.md): `cachebench all` at SMP=4 under the model.
    Returns Figures of the "counts" group."""
    n = 100 if quick else 200
    run = boot("coh-cachebench", iso, 4, [f"cachebench all -n {n} --json"], coherence=True,
               timeout=600)
    recs = run["records"]
    hitm = [num(r, "coh_hitm_per_rt") for r in recs if r.get("test") == "matrix"]
    hitm = [h for h in hitm if h is not None]
    worst = max((abs(h - 2) for h in hitm), default=None)
    same = num(find(run, "false_sharing", layout="same_line"), "coh_lines_per_run")
    padded = num(find(run, "false_sharing", layout="padded"), "coh_lines_per_run")
    per = {m: num(find(run, "shm_vs_msg", mode=m), "coh_lines_per_handoff")
           for m in ("shm", "mbox", "poll")}
    return [
        Figure("counts", f"spin ping-pong on a shared page: modified-line transfers per round "
               f"trip, worst of the {len(hitm)} CPU pairs, distance from 2", worst, "", "0 (±0.05)",
               None if worst is None else worst <= 0.05,
               "" if worst is None or worst <= 0.05 else
               "a pair's window caught other traffic; see the per-pair records in results.json",
               note=f"{len(hitm)} pairs, {n} round trips each, per-pair values "
                    f"{', '.join(fmt(h) for h in hitm)}"),
        Figure("counts", "false sharing: lines moved by two counters with a line each "
               f"({2 * n * 1000:,} increments)", padded, "lines", "0 (±2)",
               None if padded is None else padded <= 2, "",
               note=f"the same two counters in one line: {fmt(same)} lines, as many as the "
                    f"host let the two loops interleave"),
        Figure("counts", "lines moved per hand-off: shared page / blocking mailbox / polling "
               "mailbox", per["mbox"], "lines", None, None, "",
               note=f"shared page {fmt(per['shm'])}, blocking mailbox {fmt(per['mbox'])}, "
                    f"polling mailbox {fmt(per['poll'])}: the mailbox's lock, queue and "
                    f"wake-up lines move too"),
    ]


def notrace_iso():
    """An ISO like shell_iso() whose kernel has the tracing hooks compiled
    away (make TRACE_HOOKS=0), built in OUT/notrace with the same initrd."""
    d = os.path.join(OUT, "notrace")
    subprocess.run(["make", "--no-print-directory", "-s", f"BUILD={d}", "TRACE_HOOKS=0",
                    f"{d}/kernel.elf", f"{d}/kernel.sym"], check=True, cwd=ROOT)
    shutil.copy(os.path.join(BUILD, "initrd.tar"), d)
    iso = os.path.join(OUT, "notrace.iso")
    subprocess.run([os.path.join(TOOLS, "mkiso"), iso], check=True, env=dict(os.environ, BUILD=d))
    return iso


def trace_overhead(iso):
    """What event tracing costs the null system call (docs/tracing.md), in
    instructions under -icount: the kernel built without the hooks, the
    same kernel with them but tracing off, and tracing on with and
    without system calls traced (`trace [-s] -- bench syscall`).  One
    batch of 1000 calls each (after two warm-up batches), so 6000
    records fit in the buffer: a full buffer would make the calls look
    cheaper.  Returns Figures."""
    cmd = "bench syscall -n 1 --json"
    base = boot("trace-compiled-out", notrace_iso(), 1, [cmd], icount=True, timeout=200)
    run = boot("trace-on-off", iso, 1, [cmd, f"trace -- {cmd}", f"trace -s -- {cmd}"],
               icount=True, timeout=200)
    vals = [num(x, "per_call_median") for x in (run["records"] if run else [])
            if x.get("test") == "null_syscall"]
    b = num(find(base, "null_syscall"), "per_call_median")
    off, on, on_sys = (vals + [None] * 3)[:3]

    def diff(a, z):
        return None if a is None or z is None else round(a - z, 3)

    d_off, d_on, d_sys = diff(off, b), diff(on, off), diff(on_sys, off)
    note = (f"null syscall: {fmt(b)} instructions without the hooks, {fmt(off)} with them "
            f"and tracing off, {fmt(on)} tracing on (system calls not traced), {fmt(on_sys)} "
            f"with `trace -s`")
    return [
        Figure("deterministic", "tracing compiled in but off: added to the null syscall",
               d_off, "instructions", "≤ 2", None if d_off is None else d_off <= 2,
               "" if d_off is None or d_off <= 2 else
               "more than the one load and branch of the syscall hook: see kernel.asm, "
               "syscall_dispatch", note=note),
        Figure("deterministic", "tracing on (`trace -s`): added per system call", d_sys,
               "instructions", "≤ 60", None if d_sys is None else d_sys <= 60,
               "" if d_sys is None or d_sys <= 60 else
               "one record per call: see trace_syscall_dispatch in kernel.asm",
               note="one 32-byte record per call: entry time, cycles taken, result"),
        Figure("deterministic", "tracing on, system calls not traced: added per call", d_on,
               "instructions", None, None),
    ]


# ---------------------------------------------------------------- host

def host_refs(quick):
    """Builds tools/hostref/*.c with the host compiler and runs each."""
    d = os.path.join(OUT, "hostref")
    os.makedirs(d, exist_ok=True)
    ncpu = os.cpu_count() or 1
    b = "1" if ncpu > 1 else "0"
    runs = {"line_pingpong": ["20000" if quick else "100000", "0", b],
            "pipe_rt": ["5000" if quick else "20000", "0", b],
            "getppid": ["50" if quick else "200"]}
    out = []
    for src in sorted(os.listdir(os.path.join(TOOLS, "hostref"))):
        if not src.endswith(".c"):
            continue
        name = src[:-2]
        exe = os.path.join(d, name)
        subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-pthread",
                        os.path.join(TOOLS, "hostref", src), "-o", exe], check=True)
        p = subprocess.run([exe] + runs.get(name, []), capture_output=True, text=True,
                           timeout=120)
        recs, _ = parse_records(p.stdout)
        out += recs
    return out


# ---------------------------------------------------------------- whole system

def rebuild_time():
    """Times `make build/baton.iso` after touching one kernel .c file, in a
    copy of the tree (others may be building in this one)."""
    tmp = tempfile.mkdtemp(prefix="baton-rebuild.")
    try:
        def ignore(path, names):
            if os.path.abspath(path) == os.path.abspath(ROOT):
                return [n for n in names if n in (".git", "build")]
            return []
        tree = os.path.join(tmp, "tree")
        shutil.copytree(ROOT, tree, ignore=ignore, symlinks=True)
        src_build = os.path.join(ROOT, BUILD)
        for part in ("k", "user", "kernel.elf", "kernel.sym", "kernel.asm", "initrd.tar",
                     "initrd", "baton.iso", "cflags"):
            s = os.path.join(src_build, part)
            t = os.path.join(tree, "build", part)
            if os.path.isdir(s):
                shutil.copytree(s, t, symlinks=True)
            elif os.path.exists(s):
                os.makedirs(os.path.dirname(t), exist_ok=True)
                shutil.copy2(s, t)
        make = ["make", "--no-print-directory", "-s", "BUILD=build", "build/baton.iso"]
        p = subprocess.run(make, cwd=tree, capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            return None, "the tree does not build: " + (p.stderr.strip().splitlines() or ["?"])[-1]
        os.utime(os.path.join(tree, "kernel", "sched.c"))
        t0 = time.time()
        p = subprocess.run(make, cwd=tree, capture_output=True, text=True, timeout=600)
        took = time.time() - t0
        if p.returncode != 0:
            return None, "rebuild failed"
        return took, "touch kernel/sched.c; make build/baton.iso (kernel, listing, ISO)"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- plots

def svg_matrix(cells, ncpu, path):
    """Heat map of the median round trip: cells[(i, j)] = cycles."""
    if not cells:
        return False
    size, pad = 70, 90
    w = max(pad + ncpu * size + 30, 480)
    h = pad + ncpu * size + 60
    left = max(pad, (w - ncpu * size) / 2 + 20)      # the grid, centred
    lo, hi = min(cells.values()), max(cells.values())
    span = math.log(hi) - math.log(lo) if hi > lo else 1.0

    def colour(v):
        t = (math.log(v) - math.log(lo)) / span if hi > lo else 0.0
        r, g = int(80 + 175 * t), int(200 - 150 * t)
        return f"rgb({r},{g},90)"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="13">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="22" text-anchor="middle" font-size="15">Core-to-core '
           f'cache-line round trip, median TSC cycles</text>',
           f'<text x="{left + ncpu * size / 2}" y="{pad - 30}" text-anchor="middle">'
           f'answering CPU</text>',
           f'<text x="{left - 50}" y="{pad + ncpu * size / 2}" text-anchor="middle" '
           f'transform="rotate(-90 {left - 50} {pad + ncpu * size / 2})">measuring CPU</text>']
    for i in range(ncpu):
        out.append(f'<text x="{left + i * size + size / 2}" y="{pad - 8}" '
                   f'text-anchor="middle">{i}</text>')
        out.append(f'<text x="{left - 10}" y="{pad + i * size + size / 2 + 5}" '
                   f'text-anchor="end">{i}</text>')
        for j in range(ncpu):
            x, y = left + j * size, pad + i * size
            v = cells.get((i, j))
            fill = colour(v) if v else "#eeeeee"
            out.append(f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="{fill}" '
                       f'stroke="white" stroke-width="2"/>')
            label = f"{v:,}" if v else "–"
            out.append(f'<text x="{x + size / 2}" y="{y + size / 2 + 5}" '
                       f'text-anchor="middle">{label}</text>')
    out.append(f'<text x="{w / 2}" y="{h - 20}" font-size="11" text-anchor="middle">'
               f'colour: log scale from '
               f'{lo:,} (green) to {hi:,} (red) cycles</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return True


def svg_throughput(points, path):
    """Bars: mailbox messages/s for each (label, cores, value)."""
    points = [p for p in points if p[2]]
    if not points:
        return False
    w, h, left, bottom, top = 560, 360, 80, 60, 50
    bw = (w - left - 40) / len(points)
    # Linear scaling from one pair on the same machine (SMP=4) if there.
    base = next((p[2] for p in points if "SMP=4, 1 pair" in p[0]),
                next((p[2] for p in points if p[1] == 2), points[0][2]))
    top_value = max([p[2] for p in points] + [base * p[1] / 2 for p in points]) * 1.1
    mag = 10 ** math.floor(math.log10(top_value / 4))
    step = next(m * mag for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10)
                if m * mag * 4 >= top_value)
    vmax = step * 4             # four round-numbered grid steps
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{w / 2}" y="22" text-anchor="middle" font-size="15">Mailbox '
           f'throughput against cores in use</text>',
           f'<line x1="{left}" y1="{h - bottom}" x2="{w - 20}" y2="{h - bottom}" '
           f'stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="black"/>',
           f'<text x="16" y="{(h - bottom + top) / 2}" text-anchor="middle" '
           f'transform="rotate(-90 16 {(h - bottom + top) / 2})">messages per second</text>']
    for k in range(5):
        v = vmax * k / 4
        y = h - bottom - (h - bottom - top) * k / 4
        out.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{v:,.0f}</text>')
    for n, (label, cores, v) in enumerate(points):
        x = left + 10 + n * bw
        bh = (h - bottom - top) * v / vmax
        ideal = base * cores / 2
        iy = h - bottom - (h - bottom - top) * min(ideal, vmax) / vmax
        out.append(f'<rect x="{x}" y="{h - bottom - bh}" width="{bw - 20}" height="{bh}" '
                   f'fill="steelblue"/>')
        out.append(f'<line x1="{x - 4}" y1="{iy}" x2="{x + bw - 16}" y2="{iy}" '
                   f'stroke="darkred" stroke-dasharray="5,3"/>')
        out.append(f'<text x="{x + (bw - 20) / 2}" y="{h - bottom - bh - 6}" '
                   f'text-anchor="middle">{v:,}</text>')
        out.append(f'<text x="{x + (bw - 20) / 2}" y="{h - bottom + 16}" '
                   f'text-anchor="middle">{label}</text>')
        out.append(f'<text x="{x + (bw - 20) / 2}" y="{h - bottom + 32}" '
                   f'text-anchor="middle">{cores} cores</text>')
    out.append(f'<text x="{left}" y="{h - 8}" font-size="11" fill="darkred">dashed: '
               f'linear scaling from one pair (SMP=4) on 2 cores</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return True


# ---------------------------------------------------------------- report

class Figure:
    """One measured figure beside its target."""

    def __init__(self, group, name, value, unit, target=None, ok=None, why="", note=""):
        self.group, self.name, self.value, self.unit = group, name, value, unit
        self.target, self.ok, self.why, self.note = target, ok, why, note

    def status(self):
        if self.value is None:
            return "not measured"
        if self.ok is None:
            return "—"
        return "met" if self.ok else "**MISSED**"

    def as_dict(self):
        return {"group": self.group, "name": self.name, "value": self.value, "unit": self.unit,
                "target": self.target, "status": self.status().strip("*"),
                "why": self.why, "note": self.note}


def fmt(v, unit=""):
    if v is None:
        return "—"
    if isinstance(v, float):
        s = f"{v:,.2f}" if v < 100 else f"{v:,.0f}"
    else:
        s = f"{v:,}"
    return f"{s} {unit}".strip()


def num(rec, key):
    if not rec or rec.get(key) is None:
        return None
    v = rec[key]
    return int(v) if isinstance(v, (int,)) or float(v).is_integer() else float(v)


def each(run, test, key, label="", end="", **match):
    """label + "a, b, c" + end: the value in each repeated boot; "" when
    there was only one boot."""
    r = find(run, test, **match)
    vals = r.get("each_boot", {}).get(key, []) if r else []
    if len(vals) < 2:
        return ""
    return label + ", ".join(fmt(v) for v in vals) + end


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def figures(det, det2, t1, t2, t4, host, system):
    F = []
    syscall = num(find(det, "null_syscall"), "per_call_median")
    yld = num(find(det, "yield"), "per_switch")
    spawn = num(find(det, "spawn"), "median")
    mrt = num(find(det, "mbox_rt"), "median")
    mself = num(find(det, "mbox_self"), "per_send_recv")

    def det_fig(name, v, target, why):
        F.append(Figure("deterministic", name, v, "instructions", f"≤ {target:,}",
                        None if v is None else v <= target, why if v and v > target else ""))
    det_fig("null syscall (getpid), user → kernel → user", syscall, 100,
            f"getpid costs {fmt(syscall)} instructions round trip; a bare syscall/sysret stub "
            f"is 20 and one saving all registers 53 (docs/toolchain.md), so the entry/exit "
            f"path and dispatch do ~{fmt(syscall and syscall - 53)} more than needed.")
    det_fig("mailbox round trip, small message, two processes on one core", mrt, 1500,
            f"one round trip is 4 system calls (4 × {fmt(syscall)} for entry and exit "
            f"alone) and 2 context switches (each ≈ {fmt(yld and syscall and yld - syscall)} "
            f"beyond its system call, from the yield figure), which leaves "
            f"{fmt(mrt and yld and syscall and mrt - 2 * (yld - syscall) - 4 * syscall)} "
            f"instructions of mailbox work; a send + receive on one's own mailbox, never "
            f"blocking and never switching, costs {fmt(mself)}.")
    det_fig("context switch (yield ping-pong, one way)", yld, 400,
            f"one yield from user space to the other process's user space takes "
            f"{fmt(yld)} instructions, of which ~{fmt(syscall)} are the system call itself.")
    det_fig("spawn + exit + wait of a minimal program", spawn, 60000,
            f"spawn + exit + wait of uhelper takes {fmt(spawn)} instructions.")
    if det2:
        pairs = [(num(find(det, t), k), num(find(det2, t), k)) for t, k in
                 (("null_syscall", "per_call_median"), ("yield", "per_switch"),
                  ("spawn", "median"), ("mbox_rt", "median"))]
        diffs = [abs(a - b) / a * 100 for a, b in pairs if a and b]
        F.append(Figure("deterministic", "repeatability: largest change between two boots",
                        round(max(diffs), 3) if diffs else None, "%", None, None,
                        note="the same four figures, booted twice"))

    href = {r["test"]: r for r in host}
    h_line = num(href.get("host_line_rt"), "median")
    h_pipe = num(href.get("host_pipe_rt"), "median")
    h_ppid = num(href.get("host_getppid"), "median")
    m_cross = find(t4, "mbox_rt")
    m_rt = num(m_cross, "median")
    shm = num(find(t4, "shm_vs_msg", mode="shm"), "rt_median")
    s1 = num(find(t1, "null_syscall"), "per_call_median")
    s4 = num(find(t4, "null_syscall"), "per_call_median")
    tp1 = num(find(t4, "mbox_tput", pairs=1), "msgs_per_s")
    tp2 = num(find(t4, "mbox_tput", pairs=2), "msgs_per_s")
    self4 = num(find(t4, "mbox_self"), "per_send_recv")
    ipis = num(m_cross, "ipis_per_rt")
    why_rt = ""
    if m_rt and m_rt > 100000:
        why_rt = (f"{fmt(ipis)} IPIs per round trip (a wake-up of a halted vCPU costs "
                  f"≈ 30 k ticks), and the mailbox calls themselves: a send + receive on "
                  f"one's own mailbox costs {fmt(self4)} ticks here with no wake-up at all.")
    r = ratio(m_rt, h_pipe)
    F.append(Figure("timed", "mailbox round trip across two cores, receiver blocking", m_rt,
                    "TSC ticks", "≤ 100,000", None if m_rt is None else m_rt <= 100000,
                    why_rt, note=each(t4, 'mbox_rt', 'median', label="boots: ")))
    F.append(Figure("timed", "  … as a ratio to a host pipe round trip (pinned processes)", r,
                    "×", "≤ 0.1", None if r is None else r <= 0.1,
                    f"host pipe round trip {fmt(h_pipe)} ticks in this run." if r and r > 0.1
                    else ""))
    r = ratio(shm, h_line)
    F.append(Figure("timed", "shared-page cache-line round trip across two cores, "
                    "ratio to host two-thread ping-pong", r, "×", None, None, "",
                    note=f"information only: under TCG every guest access pays the emulator's "
                         f"cost, and the coherence model's counts carry the lesson; "
                         f"guest {fmt(shm)} ticks"
                         f"{each(t4, 'shm_vs_msg', 'rt_median', ' (boots: ', ')', mode='shm')}"
                         f", host {fmt(h_line)} ticks"))
    r = ratio(s4, s1)
    F.append(Figure("timed", "null syscall, 4 vCPUs (3 idle) vs 1 vCPU", r, "×", "≤ 1.2",
                    None if r is None else r <= 1.2,
                    f"{fmt(s4)} vs {fmt(s1)} ticks per call" if r and r > 1.2 else "",
                    note=f"{fmt(s4)} vs {fmt(s1)} ticks per call"
                         f"{each(t4, 'null_syscall', 'per_call_median', label='; boots: ')}"
                         f"{each(t1, 'null_syscall', 'per_call_median', label=' vs ')}"))
    r = ratio(tp2, tp1)
    short = (os.cpu_count() or 1) < 4
    F.append(Figure("timed", "mailbox throughput, 2 pairs on 2+2 cores vs 1 pair", r, "×",
                    None if short else "≥ 1.6", None if r is None or short else r >= 1.6,
                    (f"{fmt(tp2)} vs {fmt(tp1)} messages/s."
                     + (f"  This host has only {os.cpu_count()} CPUs for the 4 busy vCPU "
                        f"threads, so 2 pairs cannot run at once in full here." if short
                        else "")) if r and r < 1.6 else "",
                    note=f"{fmt(tp2)} vs {fmt(tp1)} messages/s"
                         f"{each(t4, 'mbox_tput', 'msgs_per_s', label='; boots: ', pairs=2)}"
                         f"{each(t4, 'mbox_tput', 'msgs_per_s', label=' vs ', pairs=1)}"))
    F.append(Figure("timed", "guest null syscall (1 vCPU) vs host getppid", ratio(s1, h_ppid),
                    "×", None, None, note=f"guest {fmt(s1)}, host {fmt(h_ppid)} ticks per call"))
    F += system
    return F


def write_report(path, F, runs, host, extra):
    la = os.getloadavg()
    L = ["# Baton benchmark report", "",
         f"Generated by `make bench` (tools/bench.py) on {time.strftime('%Y-%m-%d %H:%M:%S')}.",
         f"Host: {extra['host_cpu']}, {os.cpu_count()} CPUs, load average "
         f"{la[0]:.2f} / {la[1]:.2f} / {la[2]:.2f} at the end "
         f"({extra['load_start'][0]:.2f} at the start).  "
         f"Guest TSC: {extra['tsc_mhz']} MHz.  Timed figures are TSC ticks of the host clock "
         f"through TCG; deterministic ones are instructions.", "",
         "Targets: docs/performance.md.  Nothing here is asserted by a test.  Each timed "
         f"boot (SMP=1, 2, 4) ran {extra['repeats']} times, interleaved with the host "
         "references; a timed figure is the median over those boots.", ""]
    missed = [f for f in F if f.ok is False]
    L.append(f"**{sum(f.ok is True for f in F)} met, {len(missed)} missed, "
             f"{sum(f.value is None for f in F)} not measured.**")
    L.append("")
    for group, title in (("deterministic", "Deterministic (one vCPU, `-icount shift=0`: "
                          "guest TSC = instructions)"),
                         ("counts", "Counts (the coherence model: exact, whatever the host "
                          "load)"),
                         ("timed", "Timed, as ratios in one run (multi-threaded TCG)"),
                         ("system", "Whole system")):
        L += [f"## {title}", "", "| figure | measured | target | status |", "|---|---|---|---|"]
        for f in F:
            if f.group == group:
                note = f" ({f.note})" if f.note else ""
                L.append(f"| {f.name}{note} | {fmt(f.value, f.unit)} | {f.target or '—'} | "
                         f"{f.status()} |")
        L.append("")
    if missed:
        L += ["## What is missed, and why", ""]
        for f in missed:
            L.append(f"- **{f.name.strip(' …')}**: {fmt(f.value, f.unit)} against "
                     f"{f.target}.  {f.why}")
        L.append("")
    L += ["## Host-native references (same run)", "",
          "| reference | figure used (TSC ticks) | medians of the runs |",
          "|---|---|---|"]
    for r in host:
        runs_ = ", ".join(fmt(v) for v in r.get("runs", [r.get("median")]))
        L.append(f"| {r['test']} | {fmt(r.get('median'))} | {runs_} |")
    L += ["", "Built from tools/hostref/ with the host's gcc, pinned with "
          "sched_setaffinity, run before, between and after the timed guest boots; the "
          "figure used is the median of the runs' medians.  host_line_rt: two threads "
          "bounce one cache line (CPUs 0 and 1, `pause` in the loops); host_pipe_rt: two "
          "processes, 8 bytes each way over pipes; host_getppid: a raw getppid system "
          "call.", ""]
    L += extra["sections"]
    L += ["## Runs", "", "| run | SMP | -icount | status | seconds | host load | records | log |",
          "|---|---|---|---|---|---|---|---|"]
    for r in runs:
        if r:
            st = "ok" if r["status"] == 0 and not r["problems"] else \
                "; ".join(r["problems"]) or f"status {r['status']}"
            L.append(f"| {r['name']} | {r['smp']} | {'yes' if r['icount'] else 'no'} | {st} | "
                     f"{r['seconds']} | {r['host_load']:.2f} | {len(r['records'])} | "
                     f"{os.path.basename(r['log'])} |")
    L.append("")
    with open(path, "w") as f:
        f.write("\n".join(L))


def matrix_section(run):
    cells = {}
    for r in run["records"] if run else []:
        if r.get("test") == "matrix" and "from" in r:
            cells[(r["from"], r["to"])] = r["median"]
    ncpu = run["smp"] if run else 0
    lines = ["## Core-to-core matrix (SMP=4, `cachebench matrix`)", ""]
    if not cells:
        return cells, lines + ["Not measured (see the smp4 log).", ""]
    spread = {(r["from"], r["to"]): (r["p10"], r["p90"]) for r in run["records"]
              if r.get("test") == "matrix" and "from" in r}
    lines += ["Median round trip in TSC ticks (row: the CPU that measures, column: the one "
              "that answers), p10–p90 below.  ![matrix](matrix.svg)", "",
              "| from \\ to | " + " | ".join(str(j) for j in range(ncpu)) + " |",
              "|---" * (ncpu + 1) + "|"]
    for i in range(ncpu):
        row = [f"{cells[(i, j)]:,}<br>{spread[(i, j)][0]:,}–{spread[(i, j)][1]:,}"
               if (i, j) in cells else "—" for j in range(ncpu)]
        lines.append(f"| **{i}** | " + " | ".join(row) + " |")
    return cells, lines + [""]


def extra_sections(t4, t2, det):
    L = []
    fs = [r for r in t4["records"] if r.get("test") == "false_sharing"] if t4 else []
    fsum = find(t4, "false_sharing_summary")
    if fs:
        L += ["## False sharing (SMP=4, cpus 0 and 1)", "", "| layout | M increments/s | "
              "cycles per increment |", "|---|---|---|"]
        for r in fs:
            L.append(f"| {r['layout']} | {r['minc_per_s']} | {r['cycles_per_inc']} |")
        L += ["", f"Padded over same line: {fsum['padded_over_same'] if fsum else '—'}×.  "
              "Under TCG every guest increment is several host instructions, so the line "
              "moves far less often than on real hardware and the effect is small or lost "
              "in noise; run it under KVM to see it.", ""]
    sv = [r for r in t4["records"] if r.get("test") == "shm_vs_msg"] if t4 else []
    if sv:
        L += ["## Shared page vs messages (SMP=4, cpus 0 and 1, `cachebench shm-vs-msg`)", "",
              "| mode | round trip median | p10 | p90 | syscalls/rt | ctx switches/rt | "
              "IPIs/rt | msgs/rt |", "|---|---|---|---|---|---|---|---|"]
        for r in sv:
            L.append(f"| {r['mode']} | {r['rt_median']:,} | {r['rt_p10']:,} | "
                     f"{r['rt_p90']:,} | {r['syscalls_per_rt']} | {r['ctx_switches_per_rt']} "
                     f"| {r['ipis_per_rt']} | {r['msgs_per_rt']} |")
        L.append("")
    tops = [r for r in t4["records"] if r.get("test") == "top"] if t4 else []
    if tops:
        L += ["## Idle machine, one second of `top -1 --json` (SMP=4)", "",
              "| cpu | busy % | irqs/s | IPIs in/s |", "|---|---|---|---|"]
        for r in tops:
            L.append(f"| {r['cpu']} | {r['busy_pct']} | {r['irqs_per_s']} | "
                     f"{r['ipis_received_per_s']} |")
        L.append("")
    pts = throughput_points(t2, t4)
    if pts:
        L += ["## Mailbox throughput against cores", "", "![throughput](mbox-throughput.svg)",
              "", "| run | cores in use | messages/s (median) | each boot |", "|---|---|---|---|"]
        for label, cores, v in pts:
            run = t2 if label.startswith("SMP=2") else t4
            pairs = 2 if "2 pairs" in label else 1
            L.append(f"| {label} | {cores} | {fmt(v)} | "
                     f"{each(run, 'mbox_tput', 'msgs_per_s', pairs=pairs)} |")
        spreads = []
        for r, p in ((t2, 1), (t4, 1), (t4, 2)):
            vals = (find(r, "mbox_tput", pairs=p) or {}).get("each_boot", {}).get(
                "msgs_per_s", [])
            if len(vals) > 1 and min(vals) > 0:
                spreads.append((max(vals) / min(vals), min(vals), max(vals)))
        worst = max(spreads) if spreads else None
        if worst and worst[0] > 2:
            L += ["", f"Boots of one configuration disagree by up to {worst[0]:.0f}× "
                  f"({fmt(worst[1])} to {fmt(worst[2])} messages/s).  A blocked sender or "
                  "receiver is cheap to wake only while the other side's vCPU thread is "
                  "running on the host at the same moment; on a host with "
                  f"{os.cpu_count()} CPUs shared with other work, that is luck.", ""]
        else:
            L.append("")
    return L


def throughput_points(t2, t4):
    pts = []
    for run, label in ((t2, "SMP=2, 1 pair"), (t4, "SMP=4, 1 pair"), (t4, "SMP=4, 2 pairs")):
        pairs = 2 if "2 pairs" in label else 1
        v = num(find(run, "mbox_tput", pairs=pairs), "msgs_per_s")
        if v:
            pts.append((label, 2 * pairs, v))
    return pts


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description="Baton's benchmarks: make bench")
    ap.add_argument("--quick", action="store_true", help="fewer iterations")
    ap.add_argument("--coherence", action="store_true",
                    help="only the coherence model's slowdown (a few boots)")
    ap.add_argument("--trace", action="store_true",
                    help="only what event tracing costs a system call (two boots)")
    a = ap.parse_args()
    q = a.quick
    os.makedirs(OUT, exist_ok=True)
    if a.coherence:
        fs = [coherence_slowdown(shell_iso(), q)] + coherence_counts(shell_iso(), q)
        for f in fs:
            log(f"{f.name}: {fmt(f.value, f.unit)} (target {f.target}, {f.status()}); {f.note}")
        return 0 if all(f.value is not None for f in fs) else 1
    if a.trace:
        for f in trace_overhead(shell_iso()):
            log(f"{f.name}: {fmt(f.value, f.unit)} (target {f.target}, {f.status()}); {f.note}")
        return 0
    for old in os.listdir(OUT):         # logs of an earlier run with other names
        if old.endswith((".log", ".svg")):
            os.remove(os.path.join(OUT, old))
    start, load_start = time.time(), os.getloadavg()
    kvm = "1" if os.environ.get("KVM") == "1" else "0"
    iso = shell_iso()


    det_cmds = [f"bench syscall -n {10 if q else 50} --json",
                f"bench yield -n {1000 if q else 5000} --json",
                f"bench spawn -n {5 if q else 20} --json",
                f"bench mbox-rt -n {100 if q else 500} --json",
                f"bench mbox-self -n {100 if q else 500} --json"]
    det = boot("det-1", iso, 1, det_cmds, icount=True, timeout=400)
    det2 = boot("det-2", iso, 1, det_cmds, icount=True, timeout=400)
    n = 200 if q else 1000
    # Throughput first: after any cachebench pair test, mailbox throughput
    # stays ~15x lower for the rest of the boot (a kernel problem under
    # investigation), which would hide the scaling this figure is about.
    smp4 = [
        "top -1 --json",
        "bench syscall --json",
        f"bench mbox-tput --pairs 1 -n {5000 if q else 20000} --json",
        f"bench mbox-tput --pairs 2 -n {5000 if q else 20000} --json",
        f"bench mbox-rt --cpus 0,1 -n {n} --json",
        f"bench mbox-self -n {n} --json",
        f"cachebench shm-vs-msg --cpus 0,1 -n {n} --json",
        f"cachebench matrix -n {n} --json",
        f"cachebench false-sharing -n {200 if q else 1000} --json",
        "bench procmem --json"]
    # The timed boots, interleaved with the host references, REPEATS
    # times; each figure is then a median over the repeats.
    repeats = 1 if q else 5
    if os.environ.get("COHERENCE") == "1":
        log("COHERENCE=1: every boot runs under the coherence model (TCG)")
        kvm = "0"
    t1s, t2s, t4s, hosts = [], [], [], []
    for k in range(1, repeats + 1):
        log(f"host references ({k})")
        hosts.append(host_refs(q))
        t1s.append(boot(f"smp1-{k}", iso, 1, ["bench syscall --json"], kvm=kvm))
        t2s.append(boot(f"smp2-{k}", iso, 2, [
            f"bench mbox-tput --pairs 1 -n {5000 if q else 20000} --json"], kvm=kvm))
        t4s.append(boot(f"smp4-{k}", iso, 4, smp4, kvm=kvm))
    log(f"host references ({repeats + 1})")
    hosts.append(host_refs(q))
    t1, t2, t4 = merge_runs(t1s, "smp1"), merge_runs(t2s, "smp2"), merge_runs(t4s, "smp4")
    host = []
    for r in hosts[0]:  # one figure per reference: the median of the runs' medians
        meds = [x["median"] for h in hosts for x in h if x["test"] == r["test"]]
        host.append(dict(r, runs=meds, median=int(statistics.median(meds))))

    log("boot to prompt, memory floor, rebuild")
    system = []
    times = [time_to_prompt(iso, 4, "256M")[0] for _ in range(3)]
    times = [t for t in times if t is not None]
    bt = round(statistics.median(times), 2) if times else None
    system.append(Figure("system", "`make run`, SMP=4: QEMU start to shell prompt", bt, "s",
                         "≤ 1.0 s", None if bt is None else bt <= 1.0,
                         f"median of {len(times)} boots, host load {os.getloadavg()[0]:.2f}; "
                         f"about 0.7 s of it is SeaBIOS + GRUB (docs/toolchain.md)"
                         if bt and bt > 1.0 else "",
                         note=f"median of {len(times)}: " + ", ".join(f"{t:.2f}" for t in times)))
    smallest = None
    for mem in ("32M", "24M", "16M"):
        took, _ = time_to_prompt(iso, 1, mem, timeout=15)
        if took is None:
            break
        smallest = int(mem[:-1])
    system.append(Figure("system", "smallest memory that boots to the shell (tried 32, 24, "
                         "16 MiB)", smallest, "MiB", "32 MiB",
                         None if smallest is None else smallest <= 32,
                         "did not reach the prompt with 32 MiB" if smallest is None else ""))
    pm = find(t4, "procmem")
    kb = num(pm, "kernel_bytes_per_proc")
    system.append(Figure("system", "kernel memory per minimal process", kb, "bytes",
                         "≤ 32 KiB", None if kb is None else kb <= 32768,
                         "" if kb is None or kb <= 32768 else
                         f"{pm['frames']} frames for {pm['procs']} sleeping processes, "
                         f"{pm['user_pages']} of them user pages",
                         note="frames taken by 16 sleeping `uhelper`s beyond their user pages, "
                              "from memstat; struct proc is a static table, not counted"))
    system.append(Figure("system", "`make test`, all suites, on 2 cores", None, "s",
                         "≤ 3 min", None, note="not run by make bench: time `make test`"))
    rb, how = rebuild_time()
    system.append(Figure("system", "incremental rebuild after touching one kernel .c file",
                         round(rb, 2) if rb else None, "s", "≤ 2 s",
                         None if rb is None else rb <= 2.0,
                         f"host load {os.getloadavg()[0]:.2f}" if rb and rb > 2.0 else "",
                         note=how))

    log("coherence model: the same workload without and with the plugin")
    system.append(coherence_slowdown(iso, q))
    log("coherence model: cachebench's lessons as counts")
    system += coherence_counts(iso, q)
    log("event tracing: the null syscall without the hooks, with them off, and on")
    system += trace_overhead(iso)

    F = figures(det, det2, t1, t2, t4, host, system)
    cells, msec = matrix_section(t4)
    sections = msec + extra_sections(t4, t2, det)
    svg_matrix(cells, t4["smp"], os.path.join(OUT, "matrix.svg"))
    svg_throughput(throughput_points(t2, t4), os.path.join(OUT, "mbox-throughput.svg"))
    runs = [det, det2] + t1s + t2s + t4s
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")),
                       cpu)
    except OSError:
        pass
    extra = {"host_cpu": cpu, "repeats": repeats, "load_start": load_start, "sections": sections,
             "tsc_mhz": next((r["tsc_mhz"] for r in runs
                              if r and r["tsc_mhz"] and not r["icount"]), None)}
    write_report(os.path.join(OUT, "report.md"), F, runs, host, extra)
    results = {"generated": time.strftime("%Y-%m-%dT%H:%M:%S"), "seconds": round(time.time() -
               start, 1), "host": {"cpu": cpu, "ncpu": os.cpu_count(),
               "loadavg_start": load_start, "loadavg_end": os.getloadavg()},
               "figures": [f.as_dict() for f in F], "host_refs": host, "runs": runs}
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    missed = [f for f in F if f.ok is False]
    log(f"{len(F) - len(missed)} figures met or informational, {len(missed)} missed; "
        f"{round(time.time() - start)} s")
    for f in F:
        log(f"  {f.status():>14}  {f.name.strip()}: {fmt(f.value, f.unit)}"
            f"{'  (target ' + f.target + ')' if f.target else ''}")
    log(f"report: {os.path.join(OUT, 'report.md')}")
    failed_runs = [r["name"] for r in runs if r and r["status"] != 0]
    return 1 if failed_runs else 0


if __name__ == "__main__":
    sys.exit(main())
