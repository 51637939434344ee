"""Tests of event tracing (docs/tracing.md), run by tools/runtests.py.

- trace-convert: the converter on a dump built here, byte by byte, with
  known contents: the output follows the Chrome Trace Event format
  (every event has ph, ts, pid, tid; flows pair up; each CPU's times only
  grow; slices on a track nest), a message becomes exactly one flow, records a CPU wrote out of
  time order are sorted, lost records are reported, and a cut-off dump
  is an error, not a shorter trace.  No QEMU: it takes a fraction of a
  second.
- traced guest runs (TraceRun): a program run under `trace` with the
  trace channel open must end as it does untraced (same status, same
  verdict printed), the dump must convert cleanly, and it must show
  exactly as many send-to-receive flows as the kernel's counters say
  messages were received.  Lost records must be said in the guest and
  must match the dump's count.
"""
import json
import os
import re
import struct

import trace2json as t2j

RECORDS = re.compile(r"trace: (\S+): (\d+) records, (\d+) lost")
MESSAGES = re.compile(r"trace: (\S+): messages sent (\d+), received (\d+)")


def dump_bytes(name, hz, cpus, lost=None, cut=0):
    """A dump as the kernel writes it: cpus = {cpu: [(tsc, event, pid, a0, a1)]}."""
    out = struct.pack("<QQII32s", t2j.MAGIC, hz, len(cpus), 32, name.encode())
    for cpu, recs in sorted(cpus.items()):
        out += struct.pack("<IIQ", cpu, len(recs), (lost or {}).get(cpu, 0))
        for tsc, ev, pid, a0, a1 in recs:
            out += struct.pack("<QHBBIQQ", tsc, t2j.EV[ev], cpu, 0, pid, a0, a1)
    return out[:len(out) - cut]


def name_words(name):
    b = name.encode().ljust(16, b"\0")
    return struct.unpack("<QQ", b)


def synthetic():
    """Two CPUs at 1 GHz: pid 3 on CPU 0 sends message 7 to pid 4 on CPU 1,
    which was halted and is woken by an IPI; CPU 1's records come with
    two out of order (an interrupt claimed a slot in between)."""
    pp = name_words("pingpong")
    cpu0 = [(1000, "start", 2, 1, 0), (1100, "name", 3, *pp), (1200, "name", 4, *pp),
            (2000, "switch_in", 3, 0, 0), (3000, "syscall", 3, 34 | 400 << 16, 0),
            (3100, "send", 3, 7, 8), (3200, "wake", 4, 3, 1 | 4 << 32),
            (3300, "ipi_send", 3, 1, 0),
            (4900, "kill", 3, 4, 0), (5000, "switch_out", 3, 5, 0), (5100, "exit", 3, 0, 0),
            (6000, "stop", 2, 0, 0)]
    cpu1 = [(1500, "halt", 0, 0, 0), (3600, "ipi_recv", 0, 0, 0), (3500, "resume", 0, 0, 0),
            (3700, "switch_in", 4, 0, 0), (3900, "recv", 4, 7, 8),
            (4000, "send", 4, 9, 8),        # never received: no arrow
            (4500, "switch_out", 4, 4, 0)]
    return dump_bytes("synthetic", 10**9, {0: cpu0, 1: cpu1}, lost={1: 5})


def convert_problems():
    """What the converter gets wrong on synthetic(), as sentences."""
    bad = []
    dumps = t2j.parse(synthetic())
    if len(dumps) != 1 or dumps[0].name != "synthetic":
        return [f"parsed {len(dumps)} dumps, expected one named synthetic"]
    trace, b = t2j.convert(dumps[0])
    trace = json.loads(json.dumps(trace))       # what a browser would read
    bad += t2j.check(trace)
    ev = trace["traceEvents"]
    flows = [e for e in ev if e["ph"] in ("s", "f")]
    if sorted(e["ph"] for e in flows) != ["f", "s"]:
        bad.append(f"one message should be one flow, got {[e['ph'] for e in flows]}")
    elif [e["tid"] - t2j.CPU_TID for e in sorted(flows, key=lambda e: e["ph"], reverse=True)] \
            != [0, 1]:
        bad.append("the flow should go from CPU 0 to CPU 1")
    if trace["otherData"]["lost"] != 5:
        bad.append(f"lost {trace['otherData']['lost']}, expected 5")
    if not any(e["name"] == "buffer full: 5 records lost" and e["tid"] == t2j.CPU_TID + 1
               for e in ev):
        bad.append("the lost records are not shown on CPU 1's track")
    runs = [e for e in ev if e["ph"] == "X" and e.get("cat") == "run" and e["pid"] == t2j.CPU_GROUP]
    if sorted((e["tid"] - t2j.CPU_TID, e["ts"], e["dur"]) for e in runs) != [(0, 1.0, 3.0),
                                                                           (1, 2.7, 0.8)]:
        bad.append(f"running slices wrong: {[(e['tid'], e['ts'], e['dur']) for e in runs]}")
    if not any(e["ph"] == "X" and e["name"] == "mbox_send" and e["dur"] == 0.4 for e in ev):
        bad.append("the system call was not named from lib/syscalls.h, or its time is wrong")
    if not any(e["ph"] == "i" and e["name"] == "kill pingpong (pid 4) by pingpong (pid 3)"
               and e["pid"] == 4 for e in ev):
        bad.append("the kill is not shown on the victim's track")
    names = {e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
    if "pingpong (pid 3)" not in names:
        bad.append(f"process tracks are not named: {sorted(names)}")
    if "<svg" not in t2j.svg(dumps[0], b) or "1 messages" not in t2j.svg(dumps[0], b):
        bad.append("the SVG lacks its title")
    if len(t2j.parse(synthetic() + synthetic())) != 2:
        bad.append("a channel with two dumps did not give two traces")
    used = set()
    if [t2j.file_name(n, used) for n in ("a", "../a", "a")] != ["a", "_a", "a-2"]:
        bad.append("a dump's name is not made a safe, unique file name")
    overlap = {"traceEvents": [{"ph": "X", "name": "a", "ts": 1, "dur": 2, "pid": 0, "tid": 0},
                               {"ph": "X", "name": "b", "ts": 2, "dur": 2, "pid": 0, "tid": 0}]}
    if not t2j.check(overlap):
        bad.append("overlapping slices on one track were not reported")
    try:
        t2j.parse(synthetic()[:-10])
        bad.append("a cut-off dump was accepted")
    except ValueError:
        pass
    return bad


class HostCheck:
    """A host-side check that sits among the guest runs (no QEMU): its
    result is ok when problems() finds none."""

    def __init__(self, result, name, what, problems):
        self.name, self.result, self.problems = name, result, problems
        self.cmdline, self.smp = f"(host: {what})", 0

    def run(self):
        try:
            bad = self.problems()
        except Exception as e:      # a crash is a failure, not a runner crash
            bad = [f"check crashed: {e!r}"]
        return [self.result(self.name, not bad, "; ".join(bad))]


def trace_problems(channel, text, lost_expected):
    """What is wrong with a traced run's channel and console output."""
    m, msgs = RECORDS.search(text), MESSAGES.search(text)
    if not m or not msgs:
        return ["the trace program did not report its records, losses and messages"]
    try:
        with open(channel, "rb") as f:
            dumps = t2j.parse(f.read())
    except (OSError, ValueError) as e:
        return [f"no usable dump in {channel}: {e}"]
    if len(dumps) != 1:
        return [f"{len(dumps)} dumps in the channel, expected 1"]
    trace, _ = t2j.convert(dumps[0])
    trace = json.loads(json.dumps(trace))
    bad = t2j.check(trace)
    o = trace["otherData"]
    if (o["records"], o["lost"]) != (int(m.group(2)), int(m.group(3))):
        bad.append(f"the guest said {m.group(2)} records and {m.group(3)} lost, the dump has "
                   f"{o['records']} and {o['lost']}")
    if lost_expected and o["lost"] == 0:
        bad.append("the buffers should have overflowed, but nothing was lost")
    if not lost_expected and o["messages"] != int(msgs.group(3)):
        bad.append(f"{o['messages']} send-to-receive flows, but {msgs.group(3)} messages received")
    if not any(e["ph"] == "M" and e["name"] == "thread_name" and e["args"]["name"] == "CPU 1"
               for e in trace["traceEvents"]):
        bad.append("no track for CPU 1")
    return bad


def runs(guest_run, result, out):
    """The traced guest runs, as GuestRun subclasses, and the host check."""

    class TraceRun(guest_run):
        """A GuestRun with the trace channel open (OUT/NAME.trace) whose
        dump is checked after the usual verdict."""

        def __init__(self, name, cmdline, lost=False, **kw):
            super().__init__(name, cmdline, **kw)
            self.lost = lost
            self.channel = os.path.join(out, name + ".trace")

        def boot(self):
            import qemu_run
            args = qemu_run.qemu_args(self.iso(), self.smp, self.mem, "0", False,
                                      build=os.path.dirname(out),
                                      trace_channel=self.channel)
            status, text = qemu_run.run_piped(args, self.stdin, None, self.timeout)
            text = text.decode("utf-8", "replace")
            with open(os.path.join(out, self.name + ".log"), "w") as f:
                f.write(text)
            rs = self.judge(status, text)
            bad = trace_problems(self.channel, text, self.lost)
            rs.append(result(self.name + "/trace", not bad, "; ".join(bad)))
            return rs

    return [
        HostCheck(result, "trace-convert", "tools/trace2json.py on a made-up dump",
                  convert_problems),
        # The untraced twins are the pingpong and parwork runs: the same
        # verdicts must come out.
        TraceRun("trace-pingpong", 'run="trace -- pingpong 0 1 -n 200"', smp=2, timeout=60,
                 must_print=("mailbox", "shared")),
        TraceRun("trace-parwork", 'run="trace -o parwork -- parwork -n 200000 -k 3 '
                 '--method mbox"', smp=3, timeout=90, must_print=("verified",)),
        # -s traces every system call: 2000 round trips overflow the buffers.
        TraceRun("trace-overflow", 'run="trace -s -- pingpong 0 1 -n 3000"', smp=2,
                 timeout=90, lost=True, must_print=("mailbox",)),
    ]
