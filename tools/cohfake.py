"""A stand-in for the coherence plugin, to test the guest's side alone.

Writes the shared region that the plugin would write (lib/coherence.h):
a valid header and, for vCPU i, counts made from a formula that the
guest's `countertest coh_fake` checks field by field.  Nothing changes
the counts while the guest runs.  After the run, check_guest() reads back
what the guest wrote: a coh_guest entry per CPU naming what ran there.
"""
import struct

MAGIC = 0x3148434E4F544142      # "BATONCH1"
VERSION = 1
MAX_CPUS = 32
LINE = 64
REGION = 1 << 20
NSCALAR = 10                    # loads .. stall_ns


def cpu_offset(i):
    return 4096 * (1 + i)


def guest_offset(i):
    return 4096 * (1 + MAX_CPUS + i)


def fake_counts(i):
    """vCPU i's struct coh_cpu as 10 + 3 * MAX_CPUS numbers; the formula is
    repeated in user/countertest.c (test_coh_fake)."""
    scalars = [1000 * (i + 1) + k for k in range(NSCALAR)]
    arrays = [100 * (a + 1) + 10 * i + j for a in range(3) for j in range(MAX_CPUS)]
    return scalars + arrays


def write_region(path, ncpus, ram_size):
    data = bytearray(REGION)
    struct.pack_into("<5Q", data, 0, MAGIC, VERSION, ncpus, LINE, ram_size)
    for i in range(ncpus):
        vals = fake_counts(i)
        struct.pack_into(f"<{len(vals)}Q", data, cpu_offset(i), *vals)
    with open(path, "wb") as f:
        f.write(data)


def guest_entries(path, ncpus):
    """[(pid, name)] for CPUs 0..ncpus-1, as the guest left them."""
    with open(path, "rb") as f:
        data = f.read()
    out = []
    for i in range(ncpus):
        pid, name = struct.unpack_from("<Q16s", data, guest_offset(i))
        out.append((pid, name.split(b"\0")[0].decode("ascii", "replace")))
    return out
