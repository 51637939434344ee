"""Writes the seed corpora in tests/fuzz/corpus/<parser>/ from real inputs.

Usage: python3 tests/fuzz/mkcorpus.py   (from the top of the tree, after
`make test-build`, which builds the user programs it takes ELF files from)

  elf      two user programs as they go into the initrd (build/user/stripped/)
  tar      small initrds made the way the Makefile makes build/initrd.tar,
           plus the GNU and long-name (prefix) forms of the same files
  acpi     the tables QEMU's pc machine gives a 4-CPU guest, as
           tests/host/test_acpi.c builds them, laid out for fuzz_acpi.c
  mb2      the boot information GRUB gives Baton (as tests/host/test_mb2.c
           builds it), with the real kernel command lines
  cmdline  kernel command lines from tools/runtests.py's guest runs, in
           GRUB's quoted form
  page     the browser's pages in user/files/ (big.html: its first 4 KiB)

Files named regress-* (inputs that once broke a parser) and found-*
(inputs `make fuzz-host` found that reach code the seeds do not: see
docs/reliability.md) are not made here, and this script leaves them
alone.  Everything it writes is deterministic.
"""
import io
import os
import shutil
import struct
import subprocess
import tarfile

CORPUS = os.path.join("tests", "fuzz", "corpus")


def write(parser, name, data):
    os.makedirs(os.path.join(CORPUS, parser), exist_ok=True)
    with open(os.path.join(CORPUS, parser, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- elf

def elf_seeds():
    for prog in ("echo", "spin"):
        with open(os.path.join("build", "user", "stripped", prog), "rb") as f:
            write("elf", f"user-{prog}", f.read())


# ---------------------------------------------------------------- tar

def tar_seeds():
    files = ["user/files/motd", "user/files/about.html", "user/files/clock.html"]
    tmp = os.path.join("build", "fuzz", "tarseed")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for f in files:
        shutil.copy(f, tmp)
    names = sorted(os.path.basename(f) for f in files)
    for fmt in ("ustar", "gnu"):
        out = subprocess.run(["tar", f"--format={fmt}", "--owner=0", "--group=0", "--sort=name",
                              "--mtime=@0", "-cf", "-", "-C", tmp] + names,
                             check=True, capture_output=True).stdout
        write("tar", f"initrd-{fmt}.tar", out)
    # A long path (name + prefix fields), a directory and a symlink.
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        def add(name, data=b"", kind=tarfile.REGTYPE, link=""):
            info = tarfile.TarInfo(name)
            info.type, info.size, info.linkname, info.mtime = kind, len(data), link, 0
            t.addfile(info, io.BytesIO(data) if data else None)
        add("./bin", kind=tarfile.DIRTYPE)
        add("./bin/" + "long-directory-name/" * 6 + "motd", open(files[0], "rb").read())
        add("./motd-link", kind=tarfile.SYMTYPE, link="bin/motd")
    write("tar", "prefix-dir-symlink.tar", buf.getvalue())


# ---------------------------------------------------------------- acpi

def fix_sum(b, start, length, at):
    b[at] = 0
    b[at] = (-sum(b[start:start + length])) & 0xFF


def table(sig, body):
    t = bytearray(sig + struct.pack("<I", 36 + len(body)) + b"\x01\x00" + b"BATON " +
                  b"TESTTABL" + b"\x01\x00\x00\x00" + b"BTON" + b"\x01\x00\x00\x00") + body
    fix_sum(t, 0, len(t), 9)
    return t


def qemu_madt():
    e = b"".join(struct.pack("<BBBBI", 0, 8, i, i, 1) for i in range(4))
    e += struct.pack("<BBBBII", 1, 12, 0, 0, 0xFEC00000, 0)       # I/O APIC
    e += struct.pack("<BBBBIH", 2, 10, 0, 0, 2, 0)                # IRQ0 -> GSI2
    e += struct.pack("<BBBBIH", 2, 10, 0, 9, 9, 0x000D)           # SCI, level
    e += struct.pack("<BBBHB", 4, 6, 0xFF, 0, 1)                  # NMI on LINT1
    return table(b"APIC", struct.pack("<II", 0xFEE00000, 1) + e)


def big_madt():
    """A larger machine: x2APIC entries, two I/O APICs, a LAPIC address override."""
    e = b"".join(struct.pack("<BBBBI", 0, 8, i, i, 1) for i in range(2))
    e += struct.pack("<BBBBI", 0, 8, 2, 2, 0)                     # not usable
    e += b"".join(struct.pack("<BBHIII", 9, 16, 0, 0x100 + i, 1, 0x10 + i) for i in range(3))
    e += struct.pack("<BBBBII", 1, 12, 0, 0, 0xFEC00000, 0)
    e += struct.pack("<BBBBII", 1, 12, 1, 0, 0xFEC01000, 24)
    e += struct.pack("<BBHQ", 5, 12, 0, 0xFEE00000)
    e += struct.pack("<BBBBIH", 2, 10, 0, 0, 2, 0x0005)
    return table(b"APIC", struct.pack("<II", 0xFEE00000, 0) + e)


def rsdp(rev, rsdt, xsdt):
    r = bytearray(b"RSD PTR " + b"\x00" + b"BOCHS " + bytes([rev]) + struct.pack("<I", rsdt))
    if rev >= 2:
        r += struct.pack("<IQ", 36, xsdt) + b"\x00\x00\x00\x00"
    fix_sum(r, 0, 20, 8)
    if rev >= 2:
        fix_sum(r, 0, 36, 32)
    return r


def acpi_image(rev, madt):
    """RSDP at 0, XSDT at 0x40, RSDT at 0x80, FACP at 0xC0, MADT at 0x100."""
    img = bytearray(0x100)
    facp, madt_pa = 0xC0, 0x100
    xsdt = table(b"XSDT", struct.pack("<QQ", facp, madt_pa))
    rsdt = table(b"RSDT", struct.pack("<II", facp, madt_pa))
    fac = table(b"FACP", bytes(8))
    r = rsdp(rev, 0x80, 0x40)
    for off, part in ((0, r), (0x40, xsdt), (0x80, rsdt), (facp, fac)):
        img[off:off + len(part)] = part
    return bytes(img + madt)


def acpi_seeds():
    write("acpi", "qemu-rsdp2-xsdt", b"\x00" + acpi_image(2, qemu_madt()))
    write("acpi", "qemu-rsdp1-rsdt", b"\x00" + acpi_image(0, qemu_madt()))
    write("acpi", "qemu-rsdp2-window", b"\x02" + acpi_image(2, qemu_madt()))
    write("acpi", "x2apic-rsdp2-fix", b"\x01" + acpi_image(2, big_madt()))
    write("acpi", "qemu-madt-alone", b"\x00" + qemu_madt())
    write("acpi", "x2apic-madt-alone", b"\x03" + big_madt())


# ---------------------------------------------------------------- mb2

def tag(kind, payload):
    t = struct.pack("<II", kind, 8 + len(payload)) + payload
    return t + bytes(-len(t) % 8)


def boot_info(cmdline, rsdp_rev):
    qemu_map = [(0x0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0xf0000, 0x10000, 2),
                (0x100000, 0x7ee0000, 1), (0x7fe0000, 0x20000, 2), (0xfffc0000, 0x40000, 2)]
    tags = tag(1, cmdline + b"\0") + tag(2, b"GRUB 2.06\0")
    tags += tag(3, struct.pack("<II", 0x200000, 0x2c4800) + b"initrd\0")
    tags += tag(3, struct.pack("<II", 0x2c5000, 0x2d1234) + b"symbols\0")
    tags += tag(4, struct.pack("<II", 639, 130944))
    tags += tag(6, struct.pack("<II", 24, 0) +
                b"".join(struct.pack("<QQII", b, n, k, 0) for b, n, k in qemu_map))
    r = rsdp(rsdp_rev, 0x7fe14d2, 0x7fe1576 if rsdp_rev >= 2 else 0)
    tags += tag(15 if rsdp_rev >= 2 else 14, bytes(r))
    tags += tag(0, b"")
    return struct.pack("<II", 8 + len(tags), 0) + tags


def mb2_seeds():
    write("mb2", "grub-test", boot_info(b"test=printk", 2))
    write("mb2", "grub-run-browser",
          boot_info(b"\"run=browser --script 'open clock; wait 1000; quit'\"", 2))
    write("mb2", "grub-empty-cmdline-rsdp1", boot_info(b"", 0))
    write("mb2", "end-tag-only", struct.pack("<IIII", 16, 0, 0, 8))


# ---------------------------------------------------------------- cmdline

def cmdline_seeds():
    lines = [(b"run", b"\"run=browser --script 'open clock; crash 2; wait 500; quit'\""),
             (b"test", b"test=printk,sched"),
             (b"test", b"test"),
             (b"run", b"\"run=cachebench -n 1000\" smp=2"),
             (b"run", b"run=\"echo \\\"quoted\\\" word\""),
             (b"run", b"")]
    for i, (key, line) in enumerate(lines):
        write("cmdline", f"line-{i}", bytes([64]) + key + b"\0" + line)


# ---------------------------------------------------------------- page

def page_seeds():
    d = os.path.join("user", "files")
    for name in sorted(os.listdir(d)):
        if not name.endswith(".html"):
            continue
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        if name == "big.html":
            name, data = "big-head.html", data[:4096]
        write("page", name, data)


def main():
    for parser in ("elf", "tar", "acpi", "mb2", "cmdline", "page"):
        d = os.path.join(CORPUS, parser)
        if os.path.isdir(d):
            for f in os.listdir(d):
                if not f.startswith(("regress-", "found-")):
                    os.remove(os.path.join(d, f))
    elf_seeds()
    tar_seeds()
    acpi_seeds()
    mb2_seeds()
    cmdline_seeds()
    page_seeds()


if __name__ == "__main__":
    main()
