"""Line coverage of each parser reached by a fuzz corpus (gcc + gcov).

Usage: python3 tests/fuzz/coverage.py [CORPUS_ROOT] [TARGET...]

CORPUS_ROOT defaults to tests/fuzz/corpus (the seeds `make test` replays);
build/fuzz/corpus holds what `make fuzz-host` found.  Builds the replay
driver with --coverage for each target, runs it over CORPUS_ROOT/TARGET/
and prints the share of lib/TARGET.c's lines that ran.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

BUILD = os.environ.get("BUILD", "build")
TARGETS = ["acpi", "cmdline", "elf", "mb2", "page", "tar"]


def coverage(root, target):
    out = os.path.abspath(os.path.join(BUILD, "fuzz", "coverage", target))
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    corpus = os.path.abspath(os.path.join(root, target))
    libs = [f for f in sorted(glob.glob("lib/*.c")) if f != "lib/string.c"]
    exe = os.path.join(out, "replay")
    subprocess.run(["gcc", "-std=gnu11", "-O0", "--coverage", "-I.", f'-DCORPUS_DIR="{corpus}"',
                    f"tests/fuzz/fuzz_{target}.c", "tests/fuzz/replay.c", *libs, "-o", exe],
                   check=True, cwd=".", env=dict(os.environ, GCOV_PREFIX_STRIP="0"))
    n = len(os.listdir(corpus))
    subprocess.run([exe], check=True, stdout=subprocess.DEVNULL)
    # gcc names the notes after the executable: replay-<source>.gcno
    notes = glob.glob(os.path.join(out, f"replay-{target}.gcno"))
    text = subprocess.run(["gcov", "-n", "-o", notes[0], f"lib/{target}.c"],
                          capture_output=True, text=True, check=True).stdout
    m = re.search(rf"File 'lib/{target}.c'\nLines executed:([\d.]+)% of (\d+)", text)
    return n, m.group(1), m.group(2)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join("tests", "fuzz", "corpus")
    for t in sys.argv[2:] or TARGETS:
        n, pct, lines = coverage(root, t)
        print(f"{t:8} {n:6} inputs  lib/{t}.c: {pct}% of {lines} lines")


if __name__ == "__main__":
    main()
