"""Runs the host fuzzers one after another: `make fuzz-host`.

Usage: python3 tests/fuzz/run.py TARGET...   (BUILD, FUZZ_RUNS from the environment)

Each target build/fuzz/fuzz_TARGET is run for FUZZ_RUNS inputs by
libFuzzer, starting from the seeds in tests/fuzz/corpus/TARGET/ and from
what earlier runs found (build/fuzz/corpus/TARGET/, where new inputs go;
the seeds in the tree are never changed).  A crash, a broken invariant,
a hang (FUZZ_TIMEOUT seconds for one input) or running out of memory
stops that target and leaves the input in build/fuzz/crashes/TARGET/.
Prints one line per target (executions, time, findings), how to
reproduce each finding, and exits 1 if there was any.

With FUZZ_KEEP=1, the inputs found that reach code (coverage edges) the
tree's corpus does not are then copied into it as found-<sha1>, chosen by
libFuzzer's -merge, so that `make test` replays them too (those up to
16 KiB: the corpus in the tree stays small).
"""
import os
import re
import shutil
import subprocess
import sys
import time

BUILD = os.environ.get("BUILD", "build")
RUNS = int(os.environ.get("FUZZ_RUNS", "10000000"))
TIMEOUT = int(os.environ.get("FUZZ_TIMEOUT", "10"))
KEEP_MAX = 16384        # FUZZ_KEEP: bigger inputs stay out of the tree


def run(target):
    """Fuzzes one target; returns (executions, seconds, new inputs, findings)."""
    exe = os.path.join(BUILD, "fuzz", f"fuzz_{target}")
    work = os.path.join(BUILD, "fuzz", "corpus", target)
    crashes = os.path.join(BUILD, "fuzz", "crashes", target)
    log = os.path.join(BUILD, "fuzz", f"{target}.log")
    os.makedirs(work, exist_ok=True)
    os.makedirs(crashes, exist_ok=True)
    before = set(os.listdir(crashes))
    cmd = [exe, f"-runs={RUNS}", f"-timeout={TIMEOUT}", "-print_final_stats=1",
           f"-artifact_prefix={crashes}/", work, os.path.join("tests", "fuzz", "corpus", target)]
    print(f"fuzz-host: {target}: {' '.join(cmd)}  (log: {log})", flush=True)
    start = time.monotonic()
    with open(log, "w") as f:
        status = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT).returncode
    seconds = time.monotonic() - start
    text = open(log, errors="replace").read()
    m = re.search(r"stat::number_of_executed_units:\s+(\d+)", text)
    execs = int(m.group(1)) if m else 0
    m = re.search(r"stat::new_units_added:\s+(\d+)", text)
    new = int(m.group(1)) if m else 0
    found = sorted(set(os.listdir(crashes)) - before)
    if status != 0 and not found:
        found = [f"(exit status {status}, no input saved: see {log})"]
    return execs, seconds, new, [os.path.join(crashes, c) for c in found]


def keep(target):
    """Adds the found inputs that reach new edges to the tree's corpus."""
    exe = os.path.join(BUILD, "fuzz", f"fuzz_{target}")
    seeds = os.path.join("tests", "fuzz", "corpus", target)
    merged = os.path.join(BUILD, "fuzz", "merge", target)
    shutil.rmtree(merged, ignore_errors=True)
    shutil.copytree(seeds, merged)
    have = set(os.listdir(merged))
    subprocess.run([exe, "-merge=1", "-use_counters=0", merged,
                    os.path.join(BUILD, "fuzz", "corpus", target)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    new = [n for n in sorted(set(os.listdir(merged)) - have)
           if os.path.getsize(os.path.join(merged, n)) <= KEEP_MAX]
    for name in new:
        shutil.copy(os.path.join(merged, name), os.path.join(seeds, f"found-{name}"))
    print(f"fuzz-host: {target}: kept {len(new)} inputs in {seeds}/found-*", flush=True)


def main():
    targets = sys.argv[1:]
    rows, findings = [], []
    for t in targets:
        execs, secs, new, found = run(t)
        rows.append((t, execs, secs, new, len(found)))
        findings += [(t, c) for c in found]
        print(f"fuzz-host: {t}: {execs} executions in {secs:.0f} s, "
              f"{new} new inputs, {len(found)} findings", flush=True)
        if os.environ.get("FUZZ_KEEP") == "1" and not found:
            keep(t)
    print("\nparser    executions   seconds   exec/s  new inputs  findings")
    for t, execs, secs, new, nfound in rows:
        print(f"{t:8} {execs:11} {secs:9.0f} {execs / max(secs, 1e-9):8.0f} {new:11} {nfound:9}")
    for t, c in findings:
        if c.startswith("("):
            print(f"\nfinding in {t}: {c}")
            continue
        print(f"\nfinding in {t}: {c}\n"
              f"  reproduce:  {BUILD}/fuzz/fuzz_{t} {c}\n"
              f"  keep it:    cp {c} tests/fuzz/corpus/{t}/regress-<what>  (then `make test` replays it "
              f"through {BUILD}/host/test_fuzz_{t})")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
