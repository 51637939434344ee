"""Baton's test runner: host unit tests, then guest suites in QEMU.

Every test prints one result line; the last line is `N passed, M failed`,
and the exit status is non-zero if anything failed.

Guest runs boot an ISO whose kernel command line selects tests (`test`,
`test=suite,...`), read TAP from the serial line, and treat a panic, a
hang (timeout), a missing plan, missing results or an unexpected exit
status as failures, saying which.  The harness also checks itself: runs
that must fail (a failing check, a kernel exception, a hang) have to be
reported as failures, or the harness is broken.

Usage: tools/runtests [-k SUBSTRING] [-j JOBS] [--list]
Logs: build/test/<run>.log
"""
import argparse
import concurrent.futures
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cohfake  # noqa: E402
import gdbtest  # noqa: E402
import qemu_run  # noqa: E402
import syscallcheck  # noqa: E402
import tracecheck  # noqa: E402

BUILD = os.environ.get("BUILD", "build")
OUT = os.path.join(BUILD, "test")
PANIC_STATUS = 99          # kernel/panic.h PANIC_EXIT_STATUS
TAP_LINE = re.compile(r"^(ok|not ok) (\d+) - (.*)$")
PLAN = re.compile(r"^1\.\.(\d+)$")


class Result:
    def __init__(self, name, ok, why=""):
        self.name, self.ok, self.why = name, ok, why


def parse_tap(text):
    """Returns (planned or None, [(ok, name)])."""
    planned, results = None, []
    for line in text.splitlines():
        line = line.strip("\r")
        m = PLAN.match(line)
        if m and planned is None:
            planned = int(m.group(1))
            continue
        m = TAP_LINE.match(line)
        if m:
            results.append((m.group(1) == "ok", m.group(3)))
    return planned, results


# ---------------------------------------------------------------- host

def run_host_test(path):
    name = os.path.basename(path)
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
    try:
        p = subprocess.run([path], capture_output=True, text=True, timeout=120, env=env)
    except subprocess.TimeoutExpired:
        return [Result(f"host/{name}", False, "timed out after 120 s")]
    planned, results = parse_tap(p.stdout)
    out = [Result(f"host/{name}/{t}", ok, "" if ok else "failed (see output above)")
           for ok, t in results]
    if planned is None or len(results) < planned or (p.returncode != 0 and all(r.ok for r in out)):
        sys.stdout.write(p.stdout + p.stderr)
        out.append(Result(f"host/{name}", False,
                          f"exit status {p.returncode}, {len(results)} of {planned} results"))
    elif not all(r.ok for r in out):
        sys.stdout.write(p.stdout + p.stderr)
    return out


# ---------------------------------------------------------------- guest

def make_initrd_without(data, drop, path):
    """Writes a copy of a ustar archive without the member named drop."""
    import io
    import tarfile
    src = tarfile.open(fileobj=io.BytesIO(data))
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as out:
        for m in src.getmembers():
            if m.name.lstrip("./") != drop:
                out.addfile(m, src.extractfile(m) if m.isfile() else None)

# The coherence model's rules (lib/coherence.h COH_COST_*, linker.ld).
COH_COSTS = {"rd_miss_memory": 100, "wr_miss_memory": 100, "rd_miss_clean": 20,
             "wr_miss_clean": 20, "rd_hitm": 40, "wr_hitm": 40, "upgrades": 20}
KERNEL_VMA = 0xFFFFFFFF80000000


def coherence_problems(d, smp):
    """What is inconsistent in a coherence run's c2c data: every miss
    served by a peer names exactly one supplier, no vCPU supplies or
    invalidates itself, stall_ns is the sum of the costs, the per-line
    records add up to the per-vCPU counts, and kernel-image lines sit at
    their physical addresses.  vCPUs may still be counting while QEMU
    writes the file at exit, so sums across fields allow one event per
    vCPU of slack."""
    bad = []
    if d["ncpus"] != smp:
        bad.append(f"ncpus {d['ncpus']}, expected {smp}")
    peer_total = 0
    for c in d["cpus"]:
        i = c["cpu"]
        peer = c["rd_miss_clean"] + c["rd_hitm"] + c["wr_miss_clean"] + c["wr_hitm"]
        peer_total += peer + c["upgrades"]
        stall = sum(c[k] * v for k, v in COH_COSTS.items())
        checks = [(c["loads"] > 0 and c["stores"] > 0, "no loads or stores counted"),
                  (abs(sum(c["lines_from"]) - peer) <= 1, "lines_from does not add up to the "
                   "misses served by peers"),
                  (abs(sum(c["modified_from"]) - c["rd_hitm"] - c["wr_hitm"]) <= 1,
                   "modified_from does not add up to the HITMs"),
                  (c["lines_from"][i] == 0 and c["inval_to"][i] == 0, "supplies or "
                   "invalidates itself"),
                  (abs(c["stall_ns"] - stall) <= 100, f"stall_ns {c['stall_ns']}, the costs "
                   f"add up to {stall}")]
        bad += [f"cpu {i}: {why}" for ok, why in checks if not ok]
    per_line = sum(l[k] for l in d["lines"] for k in ("rd_miss_clean", "rd_hitm",
                                                     "wr_miss_clean", "wr_hitm", "upgrades"))
    if abs(per_line + d["dropped_events"] - peer_total) > len(d["cpus"]):
        bad.append(f"per-line records hold {per_line} + {d['dropped_events']} dropped "
                   f"transfers, the vCPUs counted {peer_total}")
    moved = [l for l in d["lines"] if l["vaddr"] >= KERNEL_VMA and
             l["vaddr"] - KERNEL_VMA != l["paddr"]]
    if moved:
        bad.append(f"{len(moved)} kernel-image lines not at vaddr - KERNEL_VMA "
                   f"(first: paddr {moved[0]['paddr']:#x})")
    return bad


def coherence_check(run, path, smp):
    """One result for the coherence model's own output of a run."""
    import json
    name = f"{run}/coherence-model"
    try:
        with open(path) as f:
            bad = coherence_problems(json.load(f), smp)
    except (OSError, ValueError, KeyError) as e:
        bad = [f"no usable {path}: {e}"]
    return Result(name, not bad, "; ".join(bad))


class GuestRun:
    """One boot.  expect: 'pass' (every planned test passes), or the name
    of a failure the harness must detect: 'fail', 'panic', 'hang'."""

    def __init__(self, name, cmdline, smp=2, mem="128M", timeout=60, expect="pass",
                 stdin=b"", must_print=(), initrd="normal", tests=None, expect_status=0,
                 coherence=False):
        self.name, self.cmdline, self.smp, self.mem = name, cmdline, smp, mem
        self.coherence = coherence      # True: the model; "fake": tools/cohfake.py
        self.timeout, self.expect, self.stdin = timeout, expect, stdin
        self.must_print, self.initrd, self.tests = must_print, initrd, tests
        self.expect_status = expect_status
        # Under the coherence model (docs/coherence-model.md): its files
        # are build/test/NAME.coh and NAME.c2c.json (for tools/c2c).
        self.coherence = coherence

    def iso(self):
        """Builds this run's ISO; a damaged or missing initrd when asked."""
        src = BUILD
        if self.initrd != "normal":
            src = os.path.join(OUT, self.name + ".files")
            os.makedirs(src, exist_ok=True)
            for f in ("kernel.elf", "kernel.sym"):
                shutil.copy(os.path.join(BUILD, f), src)
            initrd = os.path.join(src, "initrd.tar")
            if self.initrd == "corrupt":
                with open(os.path.join(BUILD, "initrd.tar"), "rb") as f:
                    data = bytearray(f.read())
                data[0:100] = b"\xff" * 100          # name field: checksum breaks
                with open(initrd, "wb") as f:
                    f.write(data)
            elif self.initrd == "monitor":     # no init: the kernel monitor starts
                with open(os.path.join(BUILD, "initrd.tar"), "rb") as f:
                    data = f.read()
                make_initrd_without(data, "init", initrd)
            elif os.path.exists(initrd):
                os.remove(initrd)
        path = os.path.join(OUT, self.name + ".iso")
        subprocess.run(["tools/mkiso", path] + shlex.split(self.cmdline), check=True,
                       env=dict(os.environ, BUILD=src))
        return path

    def run(self):
        try:
            return self.boot()
        except Exception as e:      # a broken run is a failure, not a crash
            return [Result(self.name, False, f"runner error: {e}")]

    def boot(self):
        extra = []
        region = os.path.join(OUT, self.name + ".coh")
        if self.coherence == "fake":
            cohfake.write_region(region, self.smp, 0)
            extra = qemu_run.ivshmem_args(region)
        args = qemu_run.qemu_args(self.iso(), self.smp, self.mem, "0", False, extra, BUILD,
                                  coherence=self.coherence is True,
                                  coh_stem=os.path.join(OUT, self.name))
        status, out = qemu_run.run_piped(args, self.stdin, None, self.timeout)
        text = out.decode("utf-8", "replace")
        with open(os.path.join(OUT, self.name + ".log"), "w") as f:
            f.write(text)
        results = self.judge(status, text)
        if self.coherence == "fake":
            results.append(self.judge_coh_guest(region))
        return results

    def judge_coh_guest(self, region):
        """The guest named what ran on each CPU in its coh_guest entry."""
        entries = cohfake.guest_entries(region, self.smp)
        ok = all(pid > 0 and name for pid, name in entries)
        return Result(f"{self.name}/coh_guest", ok, "" if ok else f"coh_guest entries {entries}")

    def crash_reason(self, status, text):
        if status == qemu_run.TIMEOUT:
            return f"hang: no power-off within {self.timeout} s"
        if status == PANIC_STATUS or "PANIC" in text:
            line = next((l for l in text.splitlines() if "PANIC" in l or "exception" in l), "")
            return f"kernel panic: {line.strip()}"
        if status == qemu_run.NO_POWEROFF:
            return "QEMU stopped without a power-off (triple fault?)"
        return None

    def judge(self, status, text):
        out = self.judge_tap(status, text)
        if self.coherence is True and self.expect == "pass":
            out.append(coherence_check(self.name, os.path.join(OUT, self.name + ".c2c.json"),
                                       self.smp))
        return out

    def judge_tap(self, status, text):
        planned, results = parse_tap(text)
        crash = self.crash_reason(status, text)
        log = os.path.join(OUT, self.name + ".log")
        if self.expect != "pass":
            return [self.judge_selftest(status, planned, results, crash, log, text)]
        out = [Result(f"{self.name}/{t}", ok, "" if ok else f"failed (log: {log})")
               for ok, t in results]
        missing = [f"{p} not printed" for p in self.must_print if p not in text]
        if self.tests is not None and planned is None:
            out.append(Result(self.name, False, f"no TAP plan: {crash or 'kernel never reached the tests'} (log: {log})"))
        elif self.tests is not None and len(results) < planned:
            out.append(Result(self.name, False, f"{len(results)} of {planned} tests reported; "
                              f"{crash or 'output stopped'} (log: {log})"))
        elif crash:
            out.append(Result(self.name, False, f"{crash} (log: {log})"))
        elif self.tests is not None and (status == 0) != all(r.ok for r in out):
            out.append(Result(self.name, False, f"unexpected exit status {status} (log: {log})"))
        if missing:
            out.append(Result(self.name, False, "; ".join(missing) + f" (log: {log})"))
        if self.tests is None and not crash:
            if status != self.expect_status:
                out.append(Result(self.name, False, f"exit status {status}, expected "
                                  f"{self.expect_status} (log: {log})"))
            elif not missing:
                out.append(Result(self.name, True))
        return out

    def judge_selftest(self, status, planned, results, crash, log, text=""):
        """The run must fail, and in the expected way."""
        name = f"harness/detects-{self.expect}"
        if self.expect == "fail":
            ok = status == 1 and results and not results[0][0] and not crash
        elif self.expect == "panic":
            ok = crash is not None and crash.startswith("kernel panic") and not results
            ok = ok and all(m in text for m in self.must_print)   # the report names the cause
        elif self.expect == "panic-once":
            reports = [l for l in text.splitlines()
                       if l.startswith("PANIC: ") and "kernel stopped" not in l]
            ok = crash is not None and crash.startswith("kernel panic") and len(reports) == 1
        else:
            ok = crash is not None and crash.startswith("hang")
        return Result(name, bool(ok), "" if ok else
                      f"the harness missed a deliberate {self.expect} (status {status}, log: {log})")


def browser(name, script, must, smp=2):
    """A scripted browser session: exits 0 only if the browser stayed healthy."""
    return GuestRun(name, f'run="browser --script \'{script}\'"', smp=smp, timeout=120,
                    must_print=tuple(must) + ("health: ok",))


def browser_runs():
    return [
        browser("browser-crash-tab",
                "open news; open clock; open about; crash 2; tabs; show 1; show 3; reload 2; "
                "show 2; quit",
                ("tab 2 (clock): renderer pid", "crashed: page fault at address 0x0",
                 "sad tab: renderer pid", "[ 1: Baton News ]", "[ 3: About Baton Browser ]",
                 "uptime ", "tab 2 (clock): reloading in renderer pid", "[ 2: The Clock ]",
                 "memstat at quit"), smp=4),
        browser("browser-hang", "open hang; open news; wait 3000; tabs; kill 1; show 1; show 2; quit",
                ("is not responding (no heartbeat for", "NOT RESPONDING", "killed by the browser",
                 "Aw, Snap!", "[ 2: Baton News ]", "| ok ]")),
        browser("browser-escapes",
                "open news; open escape; open escape-spawn; open escape-disk; open escape-name; "
                "open escape-handle; open escape-ro; open escape-kill; wait 1000; tabs; show 1; quit",
                ("sandbox violation: write (console calls are not allowed)",
                 "sandbox violation: spawn (process calls are not allowed)",
                 "sandbox violation: fileread (initrd calls are not allowed)",
                 "sandbox violation: mbox_open (naming calls are not allowed)",
                 "sandbox violation: mbox_send with a bad handle",
                 "crashed: page fault at address 0x100000000000",
                 "sandbox violation: kill (process calls are not allowed)",
                 "[ 1: Baton News ]", "| ok ]")),
        browser("browser-plugins",
                "open plugin-crash; open plugin-escape; open plugin-missing; open escape-poweroff; "
                "wait 4000; tabs; plugins; show 1; quit",
                ("plug-in bomb (pid", "its boxes are blanked in tabs: 1",
                 "[plug-in bomb ended: crashed:", "(the rest of the page still works)", "uptime ",
                 "count: ", "plug-in rogue (pid", "exited: no such plug-in",
                 "sandbox violation: poweroff (system calls are not allowed)",
                 "[ 1: Plug-in Crash ]"), smp=1),
        # Limits (docs/processes.md, "Isolation"): resource bombs in renderers
        # stop at their limits or sandbox; the browser and other tabs go on.
        browser("browser-bombs",
                "open news; open bomb-sbrk; open bomb-fork; open bomb-names; open bomb-objects; "
                "wait 1500; tabs; show 1; show 2; show 5; quit",
                ("bomb sbrk: stopped after ", "KiB: EQUOTA; gave it back",
                 "still alive after the memory bomb",
                 "sandbox violation: fork (process calls are not allowed)",
                 "sandbox violation: mbox_create with a name (needs SB_NAMES)",
                 "bomb objects: ", "mailboxes, then EQUOTA;", "shared objects, then EQUOTA",
                 "still alive after the object bomb", "[ 1: Baton News ]", "| ok ]")),
    ]


# ---- UEFI boots and the framebuffer console (docs/boot.md) ----
# The same hybrid ISO booted through OVMF on q35: the kernel suites at
# SMP=1 and 4, and the shell with a screendump that must show the boot line;
# through SeaBIOS on q35, where the screen must stay in VGA text mode; and
# one entry of GRUB's menu of lab runs.  uefi-guest-smp1 and the menu run
# boot the ISO as a USB stick instead of a CD.

class UefiRun(GuestRun):
    """A GuestRun booted through OVMF (qemu_run.uefi_args) instead of
    SeaBIOS; with uefi=False, through SeaBIOS on the q35 machine.  With
    stick=True the ISO is a USB stick, as written with dd, not a CD."""

    def __init__(self, *args, uefi=True, stick=False, **kw):
        super().__init__(*args, **kw)
        self.uefi, self.stick = uefi, stick

    def monitor_files(self):
        """This run's monitor socket and screendump, removed if left over."""
        sock = os.path.join(OUT, self.name + ".mon")
        ppm = os.path.join(OUT, self.name + ".ppm")
        for old in (sock, ppm):
            if os.path.exists(old):
                os.remove(old)
        return sock, ppm

    def machine(self):
        return [] if self.uefi else ["-machine", "q35"]

    def boot(self):
        args = qemu_run.qemu_args(self.iso(), self.smp, self.mem, "0", False, build=BUILD,
                                  uefi=self.uefi, stick=self.stick, extra=self.machine())
        status, out = qemu_run.run_piped(args, self.stdin, None, self.timeout)
        text = out.decode("utf-8", "replace")
        with open(os.path.join(OUT, self.name + ".log"), "w") as f:
            f.write(text)
        return self.judge(status, text)


FBCON_SOURCE = "arch/x86_64/fbcon.c"
GLYPH = re.compile(r"\{((?:0x[0-9a-f]{2}, ){6}0x[0-9a-f]{2})\},")
BOOT_LINE = re.compile(r"baton: \d+ MiB free, \d+ cpus online \([^)\n]*\)")


def fbcon_glyphs(path=FBCON_SOURCE):
    """{8x16 cell bitmap: character} for the font in fbcon.c, drawn as it
    draws them: 5x7 rows, each pixel one wide and two tall, from (1, 1)."""
    with open(path) as f:
        rows = [[int(b, 16) for b in m.split(", ")] for m in GLYPH.findall(f.read())]
    if len(rows) != 95:
        raise ValueError(f"{path}: found {len(rows)} glyphs, expected 95 (' ' to '~')")
    cells = {}
    for i, glyph in enumerate(rows):
        bits = tuple(tuple(bool(1 <= y <= 14 and 1 <= x <= 5 and glyph[(y - 1) // 2] >> (5 - x) & 1)
                           for x in range(8)) for y in range(16))
        cells.setdefault(bits, chr(32 + i))
    return cells


def read_ppm(path):
    """(width, height, RGB bytes) of a binary PPM, as QEMU's screendump writes it."""
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or fields[3] != b"255":
        raise ValueError(f"{path}: not an 8-bit binary PPM")
    w, h = int(fields[1]), int(fields[2])
    return w, h, data[pos + 1:pos + 1 + w * h * 3]


def screen_text(path, glyphs, max_rows=None):
    """The lines of text on a screendump: each 8x16 cell read back through
    the font (a lit pixel is brighter than a quarter); '?' for a cell that
    is no glyph.  max_rows: read only that many text rows from the top."""
    w, h, px = read_ppm(path)
    rows = h // 16 if max_rows is None else min(h // 16, max_rows)
    lit = [[px[i] + px[i + 1] + px[i + 2] > 192 for i in range(y * w * 3, (y + 1) * w * 3, 3)]
           for y in range(rows * 16)]
    lines = []
    for r in range(rows):
        cell_rows = lit[r * 16:(r + 1) * 16]
        line = [glyphs.get(tuple(tuple(row[c * 8:c * 8 + 8]) for row in cell_rows), "?")
                for c in range(w // 8)]
        lines.append("".join(line).rstrip())
    return lines


# What ScreenRun types on the PS/2 keyboard (QEMU's sendkey): a command
# with a shifted letter, then the power-off that ends the run.
KEYS = ["e", "c", "h", "o", "spc", "shift-k", "b", "d", "spc", "o", "k", "ret",
        "p", "o", "w", "e", "r", "o", "f", "f", "ret"]


class ScreenRun(UefiRun):
    """Boots the shell; once its prompt is up, takes a screendump through
    the QEMU monitor, then powers off.  Under UEFI it reads the text on the
    screendump with the font from fbcon.c and checks that the boot line
    the serial console printed is drawn there too, letter for letter.
    Under BIOS the screen must be VGA text mode (80x25 cells of 9x16
    pixels: 720x400), as before the framebuffer console existed.  Then it
    types on the PS/2 keyboard (KEYS): the run ends only if the shell
    reads those keys."""

    def boot(self):
        sock, ppm = self.monitor_files()
        args = qemu_run.qemu_args(self.iso(), self.smp, self.mem, "0", False, build=BUILD,
                                  uefi=self.uefi, extra=self.machine() + [
                                      "-monitor", f"unix:{sock},server=on,wait=off"])
        errors = []

        def dump(captured):
            try:
                waited = 0
                while BOOT_LINE.search(bytes(captured).decode("utf-8", "replace")) is None \
                        or not bytes(captured).rstrip().endswith(b"$"):
                    if waited > self.timeout * 10:
                        raise TimeoutError("no shell prompt")
                    threading.Event().wait(0.1)
                    waited += 1
                qemu_run.monitor_command(sock, f"screendump {ppm}")
                for key in KEYS:
                    qemu_run.monitor_command(sock, f"sendkey {key}")
            except Exception as e:      # reported by judge(), the run still powers off
                errors.append(f"screendump or sendkey failed: {e}")

        status, out = qemu_run.run_piped(args, b"", None, self.timeout, on_ready=dump)
        text = out.decode("utf-8", "replace")
        with open(os.path.join(OUT, self.name + ".log"), "w") as f:
            f.write(text)
        results = self.judge(status, text)
        results.append(self.check_screen(text, ppm, errors))
        return results

    def check_screen(self, text, ppm, errors):
        name = f"{self.name}/{'boot-line-drawn' if self.uefi else 'vga-text-mode'}"
        serial = BOOT_LINE.search(text)
        if errors or serial is None or not os.path.exists(ppm):
            why = "; ".join(errors) or ("no boot line on the serial line" if serial is None
                                        else "no screendump")
            return Result(name, False, why)
        if not self.uefi:
            w, h, _ = read_ppm(ppm)
            ok = (w, h) == (720, 400) and "fbcon: " not in text
            return Result(name, ok, "" if ok else f"screen is {w}x{h}, not VGA text (720x400)")
        lines = screen_text(ppm, fbcon_glyphs())
        with open(os.path.join(OUT, self.name + ".screen"), "w") as f:
            f.write("\n".join(lines) + "\n")
        if serial.group(0) not in lines:
            return Result(name, False, f"the screen does not show '{serial.group(0)}' "
                          f"(text read back: {os.path.join(OUT, self.name + '.screen')})")
        return Result(name, True)


class NoSerialRun(UefiRun):
    """Boots the shell through OVMF on a machine with no COM1 (nothing on
    the serial line to read), watches the screen through screendumps
    until it shows the boot line and the prompt, then types 'poweroff' on
    the PS/2 keyboard: the run must end with status 0."""

    def boot(self):
        sock, ppm = self.monitor_files()
        args = qemu_run.qemu_args(self.iso(), self.smp, self.mem, "0", False, build=BUILD,
                                  uefi=True, serial=False,
                                  extra=["-monitor", f"unix:{sock},server=on,wait=off"])
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        lines, drawn = [], False
        try:
            lines, drawn = self.watch(proc, sock, ppm)
            if drawn:
                for key in ["p", "o", "w", "e", "r", "o", "f", "f", "ret"]:
                    qemu_run.monitor_command(sock, f"sendkey {key}")
            status = qemu_run.decode_status(proc.wait(timeout=self.timeout))
        except Exception as e:      # a hang, or QEMU gone: reported below
            proc.kill()
            proc.wait()
            status, lines = None, lines + [f"(runner: {e})"]
        with open(os.path.join(OUT, self.name + ".screen"), "w") as f:
            f.write("\n".join(lines) + "\n")
        why = f"(screen text: {os.path.join(OUT, self.name + '.screen')})"
        return [Result(f"{self.name}/boot-line-drawn", drawn,
                       "" if drawn else f"no boot line and prompt on the screen {why}"),
                Result(f"{self.name}/keyboard-poweroff", status == 0,
                       "" if status == 0 else f"typed poweroff, status {status} {why}")]

    def watch(self, proc, sock, ppm):
        """Screendumps until the screen shows the boot line and then a
        prompt; returns (screen lines, whether they did)."""
        glyphs, lines = fbcon_glyphs(), []
        for _ in range(self.timeout * 2):
            if proc.poll() is not None:
                break
            threading.Event().wait(0.5)
            try:
                qemu_run.monitor_command(sock, f"screendump {ppm}")
                lines = screen_text(ppm, glyphs, max_rows=12)   # the boot log's top
            except (OSError, ValueError, IndexError):
                continue                # monitor not up yet, or a half-written file
            at = [i for i, l in enumerate(lines) if BOOT_LINE.fullmatch(l)]
            if at and any(l.startswith("$") for l in lines[at[0] + 1:]):
                return lines, True
        return lines, False


class MenuRun(UefiRun):
    """Boots entry `entry` of GRUB's menu of lab runs (mkiso MENU_DEFAULT)
    from a USB stick under SeaBIOS on the pc machine, the way `make usb`
    is used: the entry's own run= line must reach the kernel."""

    def __init__(self, name, entry, **kw):
        super().__init__(name, "", uefi=False, stick=True, **kw)
        self.entry = entry

    def machine(self):
        return []

    def iso(self):
        path = os.path.join(OUT, self.name + ".iso")
        subprocess.run(["tools/mkiso", path], check=True,
                       env=dict(os.environ, BUILD=BUILD, MENU_DEFAULT=str(self.entry)))
        return path


def uefi_runs():
    return [
        UefiRun("uefi-guest-smp1", "test expect_cpus=1", smp=1, tests=True, timeout=120,
                stick=True),
        UefiRun("uefi-guest-smp4", "test expect_cpus=4", smp=4, tests=True, timeout=120),
        ScreenRun("uefi-fbcon", "", smp=1, timeout=120,
                  must_print=("fbcon: ", "MiB free, 1 cpus online", "$ echo Kbd ok")),
        NoSerialRun("uefi-no-serial", "", smp=1, timeout=60),
        ScreenRun("bios-q35-vga", "", smp=2, uefi=False,
                  must_print=("MiB free, 2 cpus online", "$ echo Kbd ok")),
        MenuRun("menu-shm-vs-msg", 3, smp=2, timeout=120,
                must_print=('command line: "run=cachebench shm-vs-msg"', "shm-vs-msg: cpu 0 <-> cpu 1",
                            "cachebench exited: status 0")),
    ]


def guest_runs():
    runs = []
    for smp in (1, 2, 4):
        runs.append(GuestRun(f"guest-smp{smp}", f"test expect_cpus={smp}", smp=smp, tests=True))
    runs.append(GuestRun("guest-smp8", "test=smp expect_cpus=8", smp=8, tests=True))
    for smp in (1, 2, 4):
        runs.append(GuestRun(f"user-smp{smp}", 'run="utest"', smp=smp, tests=True, timeout=120))
    for smp in (1, 2, 4):
        runs.append(GuestRun(f"ipc-smp{smp}", 'run="ipctest"', smp=smp, tests=True, timeout=240))
    # IPC edge cases found by an adversarial test (user/ipcedge.c).
    for smp in (1, 4):
        runs.append(GuestRun(f"ipcedge-smp{smp}", 'run="ipcedge"', smp=smp, tests=True,
                             timeout=240))
    for smp in (1, 2, 4):
        runs.append(GuestRun(f"coop-smp{smp}", 'run="coopcheck"', smp=smp, tests=True, timeout=120))
    for smp in (1, 2, 4):
        runs.append(GuestRun(f"counters-smp{smp}", 'run="countertest"', smp=smp, tests=True,
                             timeout=120))
    # The coherence model (docs/cache-lab.md): the channel alone, with
    # tools/cohfake.py in the plugin's place, then counts from the model.
    runs.append(GuestRun("coh-fake-smp2", 'run="countertest coh_fake"', smp=2, tests=True,
                         timeout=120, coherence="fake", must_print=("coherence: model on, 2 vcpus (",)))
    runs.append(GuestRun("coh-off", 'run="countertest coh_na_without_model"', smp=2, tests=True,
                         timeout=120, must_print=("coherence: no model",)))
    for smp in (1, 2, 4):
        coh_tests = "coh_one_cpu" if smp == 1 else "coh_pingpong coh_padded coh_readonly"
        runs.append(GuestRun(f"coh-smp{smp}", f'run="countertest {coh_tests}"', smp=smp,
                             tests=True, timeout=300, coherence=True,
                             must_print=(f"coherence: model on, {smp} vcpus",)))
    runs.append(GuestRun("cachebench-matrix", 'run="cachebench matrix"', smp=4, timeout=120,
                         must_print=("from\\to", "median of medians")))
    runs.append(GuestRun("sandbox-smp2", 'run="sbtest"', smp=2, tests=True, timeout=120))
    # Limits and the pid-naming policy (docs/processes.md, "Isolation").
    for smp in (1, 2):
        runs.append(GuestRun(f"limits-smp{smp}", 'run="limtest"', smp=smp, tests=True,
                             timeout=120))
    # CPU state a process owns (docs/processes.md): rflags, FPU/SSE registers.
    for smp in (1, 4):
        runs.append(GuestRun(f"flags-smp{smp}", 'run="flagtest"', smp=smp, tests=True,
                             timeout=120))
    for smp in (1, 4):
        runs.append(GuestRun(f"fpu-smp{smp}", 'run="fputest"', smp=smp, tests=True,
                             timeout=180))
    runs += [
        GuestRun("prodcons-shm", 'run="prodcons-shm"', smp=2, timeout=120,
                 must_print=("verified",)),
        GuestRun("prodcons-mbox", 'run="prodcons-mbox"', smp=2, timeout=120,
                 must_print=("verified",)),
        GuestRun("pingpong", 'run="pingpong 0 1"', smp=2, timeout=120,
                 must_print=("mailbox", "shared")),
        GuestRun("ipc-client-server", 'run="ipcclient"', smp=2, timeout=120,
                 must_print=("all answers right",)),
    ]
    # Allocation-failure injection and the lock checker (docs/reliability.md):
    # injtest refuses each allocation of every IPC and process call in
    # turn, then runs ipctest under random failures; the checker's own
    # panics are harness self-tests, and the suites run with it on.
    for smp in (1, 4):
        runs.append(GuestRun(f"inject-smp{smp}", 'run="injtest"' + (" lockcheck" if smp > 1 else ""),
                             smp=smp, tests=True, timeout=900))
    runs += [
        GuestRun("lockcheck-guest-smp4", "test lockcheck expect_cpus=4", smp=4, tests=True),
        GuestRun("lockcheck-user-smp2", 'run="utest" lockcheck', smp=2, tests=True, timeout=120),
        GuestRun("lockcheck-ipc-smp4", 'run="ipctest" lockcheck', smp=4, tests=True, timeout=300),
        GuestRun("lockcheck-order-cycle", "test=lockcheck/order_cycle lockcheck", expect="panic",
                 tests=True, must_print=("lock order cycle", "'test lock A'", "'test lock B'")),
        GuestRun("lockcheck-sleep-holding", "test=lockcheck/sleep_holding lockcheck",
                 expect="panic", tests=True, must_print=("sleeps holding spinlock 'test held lock'",)),
    ]
    runs += browser_runs()
    # Reliability (docs/reliability.md): short runs of the system-call
    # fuzzer and the stress programs; `make fuzz` and `make stress` run
    # them at full size.  Each ends with kcheck and memory at baseline;
    # the SMP=4 fuzz run has the lock checker on.
    runs += [
        GuestRun("sysfuzz-smp1", 'run="sysfuzz -n 20000 -s 11"', smp=1, mem="256M",
                 timeout=180, must_print=("sysfuzz: 0 findings", "back to baseline",
                                          "sysfuzz: ok")),
        GuestRun("sysfuzz-smp4", 'run="sysfuzz -n 20000 -s 12" lockcheck', smp=4, mem="256M",
                 timeout=180, must_print=("sysfuzz: 0 findings", "back to baseline",
                                          "sysfuzz: ok")),
        # The fuzzer's own test: a planted finding must be reported and shrunk.
        GuestRun("sysfuzz-selftest", 'run="sysfuzz -T -n 3000 -s 5"', smp=2, mem="256M",
                 timeout=180, must_print=("self-test: the planted finding was reported and "
                                          "shrunk",)),
        GuestRun("stress-smp4", 'run="stress all -n 500"', smp=4, mem="256M", timeout=180,
                 must_print=("stress procs: 500 processes created and reaped",
                             "0 duplicates, 0 received after a failed send, 0 lost",
                             "stress: ok")),
    ]
    # Event tracing (docs/tracing.md): the converter on a dump made on the
    # host, and traced runs that must end as untraced ones do and convert
    # into well-formed Chrome traces with an arrow per message
    # (tools/tracecheck.py).
    runs += tracecheck.runs(GuestRun, Result, OUT)
    # Adding a system call takes one line of lib/syscalls.h and a handler.
    runs.append(tracecheck.HostCheck(Result, "syscall-list-is-enough",
                                     "tools/gensyscalls with a made-up call",
                                     syscallcheck.problems))
    runs += [
        GuestRun("shell-session", "", smp=2,
                 stdin=b"ps\nfault null\necho still alive\npoweroff\n",
                 must_print=("PID", "init", "sh", "page fault", "killed", "still alive")),
        GuestRun("shell-mem-cpus", "", smp=4, stdin=b"mem\ncpus\npoweroff\n",
                 must_print=("MiB free, 4 cpus online", "frames free", "apic  ticks")),
        GuestRun("run-fault", 'run="fault null"', smp=1, expect_status=100 + 1,
                 must_print=("page fault",)),
        # Fault lines that name the cause and the place (docs/processes.md).
        GuestRun("shell-faults-explain", "", smp=1,
                 stdin=b"fault stack\nfault readonly\nfault null\necho alive\npoweroff\n",
                 must_print=("stack overflow (page fault: write to the guard page",
                             "in recurse", "write to a read-only page in fault_readonly+0x",
                             "write to an unmapped page in fault_null+0x", "alive")),
        GuestRun("selftest-fail", "test=selftest/fail", expect="fail", tests=True),
        GuestRun("selftest-exception", "test=selftest/exception", expect="panic", tests=True),
        GuestRun("selftest-hang", "test=selftest/hang", expect="hang", timeout=8, tests=True),
        GuestRun("selftest-panic-all", "test=selftest/panic_all", smp=4, expect="panic-once",
                 tests=True),
        GuestRun("boot-monitor", "", stdin=b"mem\nls\ncat motd\npoweroff\n", initrd="monitor",
                 must_print=("baton: ", "MiB free", "frames free", "motd", "Welcome to Baton",
                             "powering off", "kernel monitor")),
        GuestRun("boot-corrupt-initrd", "test=printk", initrd="corrupt", tests=True,
                 must_print=("initrd: corrupt archive",)),
        GuestRun("boot-missing-initrd", "test=printk", initrd="missing", tests=True,
                 must_print=("no 'initrd' module",)),
    ]
    runs += uefi_runs()
    return runs


def main():
    ap = argparse.ArgumentParser(description="Run Baton's tests.")
    ap.add_argument("-k", default="", help="only runs whose name contains this")
    ap.add_argument("-j", type=int, default=2, help="guest boots in parallel (default 2)")
    ap.add_argument("--list", action="store_true", help="list the runs and exit")
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)

    hosts = [p for p in sorted(glob.glob(os.path.join(BUILD, "host", "test_*")))
             if a.k in os.path.basename(p)]
    guests = [g for g in guest_runs() if a.k in g.name]
    if a.list:
        for p in hosts:
            print("host", os.path.basename(p))
        for g in guests:
            print("guest", g.name, repr(g.cmdline), f"smp={g.smp}")
        if a.k in "gdb" or "gdb" in a.k:
            print("gdb tools/gdbtest.py")
        return 0

    results = []

    def report(rs):
        for r in rs:
            print(f"{'ok  ' if r.ok else 'FAIL'} {r.name}{(': ' + r.why) if r.why else ''}",
                  flush=True)
        results.extend(rs)

    for p in hosts:
        report(run_host_test(p))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.j)) as pool:
        for rs in pool.map(lambda g: g.run(), guests):
            report(rs)
    # The gdb walkthrough starts its own QEMUs (tools/gdbtest.py).
    if a.k in "gdb" or "gdb" in a.k:
        report([Result(f"gdb/{n}", ok, why) for n, ok, why in gdbtest.run(BUILD)])

    passed = sum(r.ok for r in results)
    failed = len(results) - passed
    for r in results:
        if not r.ok:
            print(f"failed: {r.name}: {r.why}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
