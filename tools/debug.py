"""`make debug`: boot a Baton ISO in QEMU paused, with QEMU's gdb stub
listening, for `make gdb` in a second terminal.

Usage: python3 tools/debug.py ISO [extra QEMU arguments]
Environment: SMP, MEM, KVM, COHERENCE as for `make run`; BUILD (default build);
GDBPORT to force a port.

The port: each user gets their own, 20000 + uid % 10000, so two students
on one machine do not collide; if it is taken (a second `make debug`),
the next free one.  It is printed and written to BUILD/gdb-port, where
`make gdb` (tools/gdb/baton.py: baton-connect) reads it; the file goes
when QEMU ends.  The stub listens on 127.0.0.1 only.
"""
import os
import signal
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_run  # noqa: E402

TRIES = 50


def port_free(port):
    """True if nothing listens on 127.0.0.1:port.  SO_REUSEADDR as QEMU
    sets it, so a port in TIME_WAIT counts as free, as it is for QEMU."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def choose_port():
    if os.environ.get("GDBPORT"):
        return int(os.environ["GDBPORT"])
    first = 20000 + os.getuid() % 10000
    for port in range(first, first + TRIES):
        if port_free(port):
            return port
    s = socket.socket()
    s.bind(("127.0.0.1", 0))       # let the kernel pick one
    port = s.getsockname()[1]
    s.close()
    return port


def main(argv):
    if len(argv) < 2:
        print("usage: tools/debug.py ISO [extra QEMU args]", file=sys.stderr)
        return 2
    env = os.environ
    build = env.get("BUILD") or "build"
    port = choose_port()
    port_file = os.path.join(build, "gdb-port")
    interactive = sys.stdin.isatty()
    args = qemu_run.qemu_args(argv[1], env.get("SMP") or "4", env.get("MEM") or "256M",
                              env.get("KVM") or "auto", interactive,
                              ["-gdb", f"tcp:127.0.0.1:{port}", "-S"] + argv[2:], build,
                              coherence=env.get("COHERENCE") == "1")
    os.makedirs(build, exist_ok=True)
    with open(port_file, "w") as f:
        f.write(f"{port}\n")
    print(f"debug: QEMU is paused, its gdb stub listens on 127.0.0.1:{port} "
          f"(written to {port_file}).")
    print("debug: in a second terminal, in this directory:  make gdb")
    print("debug: quitting gdb ends QEMU; Ctrl-A x quits QEMU from here.", flush=True)
    rc = None
    proc = subprocess.Popen(args)

    def stop(signum, frame):
        raise KeyboardInterrupt     # closing the terminal: clean up below

    signal.signal(signal.SIGHUP, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        rc = proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        try:
            with open(port_file) as f:
                mine = f.read().strip() == str(port)
            if mine:
                os.remove(port_file)
        except OSError:
            pass
    if rc is None:
        print("debug: interrupted; QEMU stopped")
    elif rc == 1:
        print("debug: QEMU exited with 1: Baton powered off with status 0, or QEMU "
              "failed (see above)")
    elif rc % 2 == 1:
        print(f"debug: Baton powered off with status {qemu_run.decode_status(rc)}")
    else:
        print(f"debug: QEMU ended with {rc} (ended from gdb, Ctrl-A x, or a triple fault)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
