"""Boot a Baton ISO in QEMU: the one place that knows QEMU's flags.

Used by `make run` (through tools/qemu-run), `make test` and `make bench`.
COHERENCE=1 in the environment (or coherence=True) adds the coherence
model: the ivshmem device and the plugin build/coherence.so.
TRACE_CHANNEL=FILE (or trace_channel=FILE) opens the trace channel: the
guest's trace dumps (docs/tracing.md) land in FILE, for tools/trace2json.

Exit status of a run: the guest's power-off status.  The guest writes v to
the isa-debug-exit port, QEMU exits with (v << 1) | 1, and we undo that.  An
even QEMU status means it stopped without a power-off (a triple fault under
-no-reboot exits 0): reported as NO_POWEROFF.  A timeout is TIMEOUT.
"""
import os
import re
import subprocess
import sys
import threading

TIMEOUT = 124
NO_POWEROFF = 125
KVM_UNUSABLE = 2

# A run whose input is not a terminal (a pipe, a script, CI) ends after
# this many seconds unless TIMEOUT says otherwise: a piped script that
# never powers off would otherwise wait for input for ever.
PIPED_TIMEOUT = 600

# Printed by the kernel once serial input is enabled (kernel/main.c).
READY = re.compile(rb"baton: \d+ MiB free")
# GRUB clears and positions its serial "screen" with ANSI sequences;
# in piped output they are noise, so they are dropped before the kernel
# speaks (and an unfinished one is held until its end arrives).
ESCAPE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
PARTIAL_ESCAPE = re.compile(rb"\x1b(\[[0-9;?]*)?$")


def kvm_usable(build):
    """/dev/kvm can exist and still fail (nested virtualisation here aborts
    setting an MSR), so probe once: a paused QEMU with KVM that is still
    alive after 2 s works.  The answer is cached in build/kvm-probe."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    cache = os.path.join(build, "kvm-probe")
    if os.path.exists(cache):
        with open(cache) as f:
            return f.read().strip() == "1"
    try:
        subprocess.run(["qemu-system-x86_64", "-enable-kvm", "-cpu", "host", "-machine", "pc",
                        "-m", "16", "-S", "-display", "none", "-monitor", "none", "-serial",
                        "none", "-nodefaults"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=2)
        ok = False
    except subprocess.TimeoutExpired:
        ok = True
    os.makedirs(build, exist_ok=True)
    with open(cache, "w") as f:
        f.write("1\n" if ok else "0\n")
    return ok


COH_REGION_SIZE = 1 << 20     # lib/coherence.h: the ivshmem BAR


def ram_bytes(mem):
    """QEMU's -m in bytes as the plugin takes it ("256M"; a bare number is MiB)."""
    mem = str(mem)
    return mem + "M" if mem.isdigit() else mem


def coherence_files(build, stem=None):
    """(ivshmem file, c2c output, guest RAM file) of a coherence run."""
    if stem:
        return stem + ".coh", stem + ".c2c.json", stem + ".ram"
    return (os.path.join(build, "coherence.shm"), os.path.join(build, "c2c.json"),
            os.path.join(build, "coherence.ram"))


def coherence_args(build, mem, stem=None):
    """The coherence model (docs/coherence-model.md): an ivshmem-plain
    device whose backing file the plugin maps too, and the plugin.  The
    files are created fresh for every run; the plugin writes the per-line
    data for tools/c2c at exit.  stem: where this run's files go
    (STEM.coh, STEM.c2c.json, STEM.ram); default build/coherence.shm,
    build/c2c.json and build/coherence.ram, which `make c2c` reads."""
    plugin = os.path.join(build, "coherence.so")
    if not os.path.exists(plugin):
        raise FileNotFoundError(f"{plugin} is missing: make {plugin}")
    shm, out, ram = coherence_files(build, stem)
    os.makedirs(os.path.dirname(shm) or ".", exist_ok=True)
    for old in (out, ram):
        if os.path.exists(old):
            os.remove(old)
    with open(shm, "wb") as f:
        f.truncate(COH_REGION_SIZE)
    # Guest RAM is a shared file, so tools/c2c can read what the hot lines
    # held when QEMU stopped (a lock's name, say); sparse: only the pages
    # the guest touched take space.  It is created before the ivshmem
    # backend on purpose: QEMU 7.2's qemu_plugin_hwaddr_phys_addr() gives
    # a RAM block's offset among all RAM blocks, which is the guest
    # physical address only for the block created first.
    return ["-object", f"memory-backend-file,id=baton-ram,size={ram_bytes(mem)},"
            f"mem-path={ram},share=on",
            "-machine", "memory-backend=baton-ram",
            "-object", f"memory-backend-file,id=coh,share=on,mem-path={shm},"
            f"size={COH_REGION_SIZE}",
            "-device", "ivshmem-plain,memdev=coh",
            "-plugin", f"{plugin},ram={ram_bytes(mem)},shm={shm},out={out}"]


def qemu_args(iso, smp="4", mem="256M", kvm="auto", interactive=False, extra=(), build="build",
              coherence=False, coh_stem=None, trace_channel=None):
    """coherence: run under the coherence model (TCG only: plugins need it).
    trace_channel: a file that receives the guest's trace dumps."""
    if coherence:
        kvm = "0"
    if kvm == "auto":
        kvm = "1" if kvm_usable(build) else "0"
    accel = ["-enable-kvm", "-cpu", "host"] if kvm == "1" else ["-accel", "tcg", "-cpu", "max"]
    if interactive:
        # Multiplexed with the QEMU monitor (Ctrl-A c; Ctrl-A x quits);
        # signal=off passes Ctrl-C to Baton instead of killing QEMU.
        console = ["-chardev", "stdio,id=con,mux=on,signal=off", "-serial", "chardev:con",
                   "-mon", "chardev=con"]
    else:
        console = ["-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con"]
    return (["qemu-system-x86_64", "-cdrom", iso, "-boot", "d", "-smp", str(smp), "-m", mem]
            + accel + ["-display", "none", "-no-reboot"] + console
            + ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
            + (coherence_args(build, mem, coh_stem) if coherence else [])
            + trace_args(trace_channel) + list(extra))


def trace_args(channel):
    """The trace channel: QEMU's debug console (port 0xe9) into a file,
    emptied first (arch/x86_64/debugcon.c writes the dumps there)."""
    if not channel:
        return []
    os.makedirs(os.path.dirname(channel) or ".", exist_ok=True)
    open(channel, "wb").close()
    return ["-debugcon", f"file:{channel}"]


def ivshmem_args(region):
    """An ivshmem-plain device whose BAR 2 is the file `region` (1 MiB,
    laid out by lib/coherence.h): how the coherence model's counts reach
    the guest (tools/cohfake.py fills it without the plugin, for a test)."""
    return ["-object", f"memory-backend-file,id=coh,share=on,mem-path={region},size=1M",
            "-device", "ivshmem-plain,memdev=coh"]


def decode_status(rc):
    if rc % 2 == 1:
        return (rc - 1) // 2
    return NO_POWEROFF


def run_piped(args, stdin_data, out, timeout=None):
    """Runs QEMU with serial output copied to `out` (a binary stream) and
    `stdin_data` (bytes) written to the serial line only once the kernel
    says its input is ready.  Bytes sent earlier would sit in the UART
    while GRUB initialises it and be dropped when GRUB clears the FIFO.
    Returns (status, output bytes)."""
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    captured = bytearray()
    fed = threading.Event()

    def feed():
        try:
            if stdin_data:
                proc.stdin.write(stdin_data)
                proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    held = bytearray()     # output before the ready line, escapes not yet dropped

    def show(chunk):
        if out is None:
            return
        if not fed.is_set():
            held.extend(chunk)
            text = ESCAPE.sub(b"", bytes(held))
            partial = PARTIAL_ESCAPE.search(text)
            chunk = text[:partial.start()] if partial else text
            held[:] = text[len(chunk):]
        out.write(chunk)
        out.flush()

    def pump():
        while True:
            chunk = proc.stdout.read1(4096)
            if not chunk:
                break
            captured.extend(chunk)
            show(chunk)
            if not fed.is_set() and READY.search(captured):
                fed.set()
                threading.Thread(target=feed, daemon=True).start()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        reader.join(5)
        return TIMEOUT, bytes(captured)
    reader.join(5)
    if out is not None and held:
        out.write(bytes(held))
        out.flush()
    return decode_status(rc), bytes(captured)


def main(argv):
    if len(argv) < 2:
        print("usage: tools/qemu-run ISO [extra QEMU args]", file=sys.stderr)
        return 2
    env = os.environ
    timeout = float(env["TIMEOUT"]) if env.get("TIMEOUT") else None
    interactive = sys.stdin is not None and sys.stdin.isatty()
    if timeout is None and not interactive:
        timeout = PIPED_TIMEOUT
    build = env.get("BUILD", "build")
    if env.get("KVM") == "1" and not kvm_usable(build):
        print("qemu-run: KVM=1, but KVM does not work here (/dev/kvm is missing, not "
              "accessible, or fails to start a guest); use KVM=auto or KVM=0 (QEMU's "
              "software emulation, TCG)", file=sys.stderr)
        return KVM_UNUSABLE
    args = qemu_args(argv[1], env.get("SMP") or "4", env.get("MEM") or "256M",
                     env.get("KVM") or "auto", interactive, argv[2:], build,
                     coherence=env.get("COHERENCE") == "1",
                     trace_channel=env.get("TRACE_CHANNEL") or None)
    if interactive:
        try:
            rc = subprocess.run(args, timeout=timeout).returncode
            status = decode_status(rc)
        except subprocess.TimeoutExpired:
            status = TIMEOUT
    else:
        piped = sys.stdin.buffer.read() if sys.stdin is not None else b""
        status, _ = run_piped(args, piped, sys.stdout.buffer, timeout)
    if status == TIMEOUT:
        print(f"qemu-run: no power-off within {timeout:g} s: QEMU stopped (TIMEOUT=seconds "
              f"changes the limit; a piped script should end with 'poweroff')", file=sys.stderr)
    elif status == NO_POWEROFF:
        print("qemu-run: QEMU stopped without a power-off (triple fault, reset or QEMU error)",
              file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
