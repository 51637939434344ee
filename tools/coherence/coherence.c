/*
 * coherence.so: a QEMU TCG plugin that models the cache coherence of the
 * guest's memory (docs/coherence-model.md).
 *
 * Every guest load and store to RAM (system mode, physical address from
 * qemu_plugin_get_hwaddr, I/O and addresses >= ram excluded) drives a
 * MESI directory of 64-byte lines, one state per vCPU, caches of
 * unlimited size: every miss counted is a coherence miss or a first
 * touch.  The state machine is lib/mesi.c; here is only the plumbing.
 *
 * Concurrency: under multi-threaded TCG each vCPU calls on_mem() on its
 * own thread.
 *   dir[line]      [a] one word per line, changed only by compare-and-swap,
 *                  so every line moves through one total order of accesses
 *   counts[i], tlbs[i]  [o] used only on vCPU i's thread
 *   c2c[] slots    key [a] set once; the rest under the slot's lock
 *   everything else [I] set in qemu_plugin_install, before any vCPU runs
 *
 * Arguments (-plugin build/coherence.so,ARG=VALUE,...):
 *   ram=SIZE   guest RAM (256M, 1G, or bytes): the lines modelled
 *   shm=FILE   the ivshmem backing file to publish counts in (optional)
 *   out=FILE   where to write the per-line data for tools/c2c at exit
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/coherence.h"
#include "lib/mesi.h"
#include "tools/coherence/plugin-api.h"

PLUGIN_EXPORT int qemu_plugin_version = COH_PLUGIN_API;

/* ------------------------------------------------------------ c2c records */

#define C2C_SLOTS	(1u << 14)	/* lines with transfers we can name */
#define C2C_PROBES	64
#define C2C_INSNS	8		/* instructions remembered per line */

/* One instruction (and program) that moved a line. */
struct c2c_insn {
	uint64_t pc;			/* guest vaddr of the instruction */
	uint64_t pid;			/* coh_guest pid of the CPU then; 0: kernel idle */
	uint64_t vaddr;			/* data address it accessed (latest) */
	uint32_t cpus;			/* vCPUs that executed it here */
	char name[16];			/* coh_guest name then */
	uint64_t events[MESI_NEVENTS];
};

/* A line that moved between vCPUs at least once. */
struct c2c_line {
	uint64_t key;			/* [a] line + 1; 0: free slot */
	int lock;			/* protects the fields below */
	uint64_t vaddr;			/* guest vaddr of the line, first seen */
	uint64_t events[MESI_NEVENTS];
	uint64_t cpu_events[COH_MAX_CPUS];
	uint64_t offsets[COH_MAX_CPUS];	/* bytes each vCPU accessed in those events */
	struct c2c_insn insn[C2C_INSNS];
	uint64_t insn_overflow;		/* events by instructions not in insn[] */
};

/* ------------------------------------------------------------ state */

/* What on_mem learns about an instruction at translation time. */
struct insn_info {
	uint64_t pc;			/* its guest vaddr */
	uint64_t tb;			/* serial of the translation block holding it */
};

#define NOT_RAM	(~0ull)

/* The lines vCPU i accessed in the TB it is executing.  Inside one
 * execution of a TB the guest cannot change what its page tables map
 * (TCG ends a TB after a CR3 write or INVLPG), so a further access to
 * one of these virtual lines in the same TB needs no physical-address
 * lookup, only the directory check.  A TB that runs again straight after
 * itself keeps the entries: it has no such write. */
#define TLB_WAYS	8
struct vcpu_tlb {
	uint64_t tb;			/* [o] insn_info.tb the entries belong to */
	uint64_t lookups;		/* [o] physical-address lookups made */
	struct {
		uint64_t vline;		/* [o] a virtual line, ~0: none */
		uint64_t pline;		/* [o] its physical line, NOT_RAM if none */
	} e[TLB_WAYS];
} __attribute__((aligned(64)));

static uint64_t ram_size;		/* [I] */
static uint64_t nlines;			/* [I] ram_size / COH_LINE */
static uint64_t *dir;			/* [a] MESI word per line (lib/mesi.h) */
static unsigned ncpus;			/* [I] */
static uint8_t *region;			/* [I] the COH_REGION_SIZE shared region */
static struct coh_cpu *counts[COH_MAX_CPUS];	/* [o] */
static struct c2c_line *c2c;		/* C2C_SLOTS records */
static uint64_t c2c_dropped;		/* [a] events on lines that found no slot */
static const char *out_path;		/* [I] NULL: no c2c output */
static struct vcpu_tlb tlbs[COH_MAX_CPUS];	/* [o] */
static uint64_t tb_serial;		/* [a] translations so far */

static void slot_lock(struct c2c_line *l)
{
	while (__atomic_exchange_n(&l->lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->lock, __ATOMIC_RELAXED))
			;
}

static void slot_unlock(struct c2c_line *l)
{
	__atomic_store_n(&l->lock, 0, __ATOMIC_RELEASE);
}

/* The record of a line, claimed on first use; NULL when the table is full
 * around it. */
static struct c2c_line *c2c_slot(uint64_t line)
{
	uint64_t key = line + 1;
	uint64_t h = (line * 0x9e3779b97f4a7c15ull) >> 50;	/* 14 bits */

	for (unsigned i = 0; i < C2C_PROBES; i++) {
		struct c2c_line *l = &c2c[(h + i) % C2C_SLOTS];
		uint64_t k = __atomic_load_n(&l->key, __ATOMIC_ACQUIRE);

		if (k == 0 && __atomic_compare_exchange_n(&l->key, &k, key, 0, __ATOMIC_ACQ_REL,
							  __ATOMIC_ACQUIRE))
			return l;
		if (k == key)
			return l;
	}
	return NULL;
}

/* Bits off..off+size-1 of a 64-bit mask, clipped to the line. */
static uint64_t byte_mask(unsigned off, unsigned size)
{
	if (off + size > COH_LINE)
		size = COH_LINE - off;
	return size >= 64 ? ~0ull : ((1ull << size) - 1) << off;
}

/* What the guest says runs on CPU cpu now (lib/coherence.h coh_guest). */
static void guest_now(unsigned cpu, uint64_t *pid, char name[16])
{
	const volatile struct coh_guest *g =
		(const volatile struct coh_guest *)(region + COH_GUEST_OFFSET(cpu));

	*pid = g->pid;
	for (int i = 0; i < 15; i++) {
		char c = g->name[i];

		name[i] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			  (c >= 'A' && c <= 'Z') || c == '_' || c == '-' || c == '.' || !c ? c : '?';
	}
	name[15] = 0;
}

/* The instruction entry for (pc, pid), claimed if new; called with l->lock. */
static struct c2c_insn *insn_entry(struct c2c_line *l, uint64_t pc, uint64_t pid,
				   const char *name)
{
	for (int i = 0; i < C2C_INSNS; i++) {
		struct c2c_insn *in = &l->insn[i];

		if (in->cpus && in->pc == pc && in->pid == pid)
			return in;
		if (!in->cpus) {
			in->pc = pc;
			in->pid = pid;
			memcpy(in->name, name, sizeof(in->name));
			return in;
		}
	}
	return NULL;
}

/* Records a transfer of `line` to cpu for tools/c2c. */
static void c2c_record(uint64_t line, unsigned cpu, enum mesi_event e, unsigned off,
		       unsigned size, uint64_t pc, uint64_t vaddr)
{
	struct c2c_line *l = c2c_slot(line);
	struct c2c_insn *in;
	uint64_t pid;
	char name[16];

	if (!l) {
		__atomic_fetch_add(&c2c_dropped, 1, __ATOMIC_RELAXED);
		return;
	}
	guest_now(cpu, &pid, name);
	slot_lock(l);
	if (!l->vaddr)
		l->vaddr = vaddr - off;
	l->events[e]++;
	l->cpu_events[cpu]++;
	l->offsets[cpu] |= byte_mask(off, size);
	in = insn_entry(l, pc, pid, name);
	if (in) {
		in->cpus |= 1u << cpu;
		in->vaddr = vaddr;
		in->events[e]++;
	} else {
		l->insn_overflow++;
	}
	slot_unlock(l);
}

/* ------------------------------------------------------------ the model */

/* Adds one access's coherence effects to cpu's counts; on cpu's thread. */
static void account(struct coh_cpu *c, const struct mesi_outcome *o)
{
	switch (o->event) {
	case MESI_RD_MEMORY:
		c->rd_miss_memory++;
		break;
	case MESI_RD_CLEAN:
		c->rd_miss_clean++;
		break;
	case MESI_RD_HITM:
		c->rd_hitm++;
		break;
	case MESI_WR_MEMORY:
		c->wr_miss_memory++;
		break;
	case MESI_WR_CLEAN:
		c->wr_miss_clean++;
		break;
	case MESI_WR_HITM:
		c->wr_hitm++;
		break;
	case MESI_UPGRADE:
		c->upgrades++;
		break;
	default:
		return;
	}
	c->stall_ns += mesi_cost(o->event);
	if (o->from >= 0) {
		c->lines_from[o->from]++;
		if (o->event == MESI_RD_HITM || o->event == MESI_WR_HITM)
			c->modified_from[o->from]++;
	}
	for (uint32_t inv = o->invalidated; inv; inv &= inv - 1)
		c->inval_to[__builtin_ctz(inv)]++;
}

/* One access by cpu to bytes off..off+size-1 of `line`. */
static void touch(unsigned cpu, uint64_t line, unsigned off, unsigned size, int write,
		  uint64_t pc, uint64_t vaddr)
{
	struct mesi_outcome o;

	/* The fast path, inlined: a line held in a sufficient state. */
	if (mesi_hit_unchanged(__atomic_load_n(&dir[line], __ATOMIC_RELAXED), cpu, write))
		return;
	mesi_apply(&dir[line], cpu, write, &o);
	if (o.event == MESI_HIT)
		return;
	account(counts[cpu], &o);
	if (o.event != MESI_RD_MEMORY && o.event != MESI_WR_MEMORY)
		c2c_record(line, cpu, o.event, off, size, pc, vaddr);
}

/* The physical line of vaddr, NOT_RAM for I/O and addresses outside RAM. */
static uint64_t phys_line(qemu_plugin_meminfo_t info, uint64_t vaddr)
{
	struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
	uint64_t pa;

	if (!hw || qemu_plugin_hwaddr_is_io(hw))
		return NOT_RAM;
	pa = qemu_plugin_hwaddr_phys_addr(hw);
	return pa < ram_size ? pa / COH_LINE : NOT_RAM;
}

/* Called after every guest memory access of an instrumented instruction;
 * udata is its struct insn_info. */
static void on_mem(unsigned int cpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	const struct insn_info *ii = udata;
	struct vcpu_tlb *t = &tlbs[cpu % COH_MAX_CPUS];
	unsigned size = 1u << qemu_plugin_mem_size_shift(info);
	unsigned off = vaddr % COH_LINE;
	int write = qemu_plugin_mem_is_store(info);
	uint64_t line;
	unsigned way;

	if (cpu >= COH_MAX_CPUS)
		return;
	if (t->tb != ii->tb) {
		t->tb = ii->tb;
		for (int i = 0; i < TLB_WAYS; i++)
			t->e[i].vline = ~0ull;
	}
	way = vaddr / COH_LINE % TLB_WAYS;
	if (t->e[way].vline != vaddr / COH_LINE || off + size > COH_LINE) {
		t->e[way].vline = vaddr / COH_LINE;
		t->e[way].pline = phys_line(info, vaddr);
		t->lookups++;
	}
	line = t->e[way].pline;
	if (line == NOT_RAM)
		return;
	if (write)
		counts[cpu]->stores++;
	else
		counts[cpu]->loads++;
	touch(cpu, line, off, size, write, ii->pc, vaddr);
	/* A straddling access touches the next physical line too (if the
	 * access also crosses a page, that is an approximation). */
	if (off + size > COH_LINE && line + 1 < nlines)
		touch(cpu, line + 1, 0, off + size - COH_LINE, write, ii->pc,
		      vaddr + (COH_LINE - off));
}

/* Instruments every instruction of a new TB.  The insn_info records live
 * as long as QEMU (a TB may run until the end); they are small. */
static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct insn_info *info = malloc(n * sizeof(*info));
	uint64_t serial = __atomic_add_fetch(&tb_serial, 1, __ATOMIC_RELAXED);

	(void)id;
	if (!info) {
		fprintf(stderr, "coherence: out of memory; accesses go unmodelled\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		info[i].pc = qemu_plugin_insn_vaddr(insn);
		info[i].tb = serial;
		qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_RW, &info[i]);
	}
}

/* ------------------------------------------------------------ c2c output */

static void write_insn(FILE *f, const struct c2c_insn *in, int first)
{
	fprintf(f, "%s\n    {\"pc\": %llu, \"vaddr\": %llu, \"pid\": %llu, \"name\": \"%s\", "
		"\"cpus\": %u", first ? "" : ",", (unsigned long long)in->pc,
		(unsigned long long)in->vaddr, (unsigned long long)in->pid, in->name, in->cpus);
	for (int e = MESI_HIT + 1; e < MESI_NEVENTS; e++)
		fprintf(f, ", \"%s\": %llu", mesi_event_name(e), (unsigned long long)in->events[e]);
	fputc('}', f);
}

static void write_line(FILE *f, struct c2c_line *l, int first)
{
	int n = 0;

	slot_lock(l);
	fprintf(f, "%s\n  {\"paddr\": %llu, \"vaddr\": %llu", first ? "" : ",",
		(unsigned long long)(l->key - 1) * COH_LINE, (unsigned long long)l->vaddr);
	for (int e = MESI_HIT + 1; e < MESI_NEVENTS; e++)
		fprintf(f, ", \"%s\": %llu", mesi_event_name(e), (unsigned long long)l->events[e]);
	fprintf(f, ", \"insn_overflow\": %llu, \"cpus\": [", (unsigned long long)l->insn_overflow);
	for (unsigned c = 0; c < COH_MAX_CPUS; c++)
		if (l->cpu_events[c])
			fprintf(f, "%s{\"cpu\": %u, \"events\": %llu, \"offsets\": %llu}",
				n++ ? ", " : "", c, (unsigned long long)l->cpu_events[c],
				(unsigned long long)l->offsets[c]);
	fprintf(f, "], \"insns\": [");
	for (int i = 0; i < C2C_INSNS && l->insn[i].cpus; i++)
		write_insn(f, &l->insn[i], i == 0);
	fprintf(f, "]}");
	slot_unlock(l);
}

static void write_cpu(FILE *f, unsigned i)
{
	const struct coh_cpu *c = counts[i];
	const uint64_t *arrays[] = {c->lines_from, c->modified_from, c->inval_to};
	const char *names[] = {"lines_from", "modified_from", "inval_to"};

	fprintf(f, "%s\n  {\"cpu\": %u, \"loads\": %llu, \"stores\": %llu", i ? "," : "", i,
		(unsigned long long)c->loads, (unsigned long long)c->stores);
	for (int e = MESI_HIT + 1; e < MESI_NEVENTS; e++) {
		const uint64_t *v = &c->rd_miss_memory;	/* the fields follow enum order */

		fprintf(f, ", \"%s\": %llu", mesi_event_name(e), (unsigned long long)v[e - 1]);
	}
	fprintf(f, ", \"stall_ns\": %llu", (unsigned long long)c->stall_ns);
	for (int a = 0; a < 3; a++) {
		fprintf(f, ", \"%s\": [", names[a]);
		for (unsigned j = 0; j < ncpus; j++)
			fprintf(f, "%s%llu", j ? ", " : "", (unsigned long long)arrays[a][j]);
		fputc(']', f);
	}
	fputc('}', f);
}

/* At QEMU's exit: every vCPU's counts and every line that moved, as JSON
 * for tools/c2c.  vCPUs may still be running: each line is read under
 * its lock, the counts as they are. */
static void write_c2c(qemu_plugin_id_t id, void *udata)
{
	char tmp[4096];
	FILE *f;
	int first = 1;

	(void)id;
	(void)udata;
	if (!out_path || snprintf(tmp, sizeof(tmp), "%s.tmp", out_path) >= (int)sizeof(tmp))
		return;
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "{\"version\": 1, \"ncpus\": %u, \"line_size\": %u, \"ram_size\": %llu, "
		"\"dropped_events\": %llu, \"translations\": %llu,\n \"cpus\": [", ncpus,
		COH_LINE, (unsigned long long)ram_size,
		(unsigned long long)__atomic_load_n(&c2c_dropped, __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&tb_serial, __ATOMIC_RELAXED));
	for (unsigned i = 0; i < ncpus; i++)
		write_cpu(f, i);
	fprintf(f, "],\n \"lookups\": [");
	for (unsigned i = 0; i < ncpus; i++)
		fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)tlbs[i].lookups);
	fprintf(f, "],\n \"lines\": [");
	for (unsigned s = 0; s < C2C_SLOTS; s++) {
		if (__atomic_load_n(&c2c[s].key, __ATOMIC_ACQUIRE)) {
			write_line(f, &c2c[s], first);
			first = 0;
		}
	}
	fprintf(f, "]}\n");
	if (fclose(f) == 0)
		rename(tmp, out_path);
}

/* ------------------------------------------------------------ setup */

_Static_assert(offsetof(struct coh_cpu, rd_miss_clean) ==
	       offsetof(struct coh_cpu, rd_miss_memory) + 8 * (MESI_RD_CLEAN - MESI_RD_MEMORY) &&
	       offsetof(struct coh_cpu, upgrades) ==
	       offsetof(struct coh_cpu, rd_miss_memory) + 8 * (MESI_UPGRADE - MESI_RD_MEMORY),
	       "write_cpu reads the miss counts in enum mesi_event order");

/* "256M", "1G", "4096K" or bytes; 0 when malformed. */
static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G':
	case 'g':
		v <<= 10;
		/* fall through */
	case 'M':
	case 'm':
		v <<= 10;
		/* fall through */
	case 'K':
	case 'k':
		v <<= 10;
		end++;
		break;
	}
	return *end ? 0 : v;
}

/* Maps the ivshmem backing file; NULL (after saying why) on failure. */
static uint8_t *map_region(const char *path)
{
	int fd = open(path, O_RDWR);
	void *p;

	if (fd < 0 || ftruncate(fd, COH_REGION_SIZE) < 0) {
		perror(path);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	p = mmap(NULL, COH_REGION_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		perror(path);
		return NULL;
	}
	return p;
}

/* Fills the header, the magic last: the guest trusts nothing before it. */
static void publish(void)
{
	struct coh_header *h = (struct coh_header *)region;

	memset(region, 0, COH_GUEST_OFFSET(COH_MAX_CPUS));
	h->version = COH_VERSION;
	h->ncpus = ncpus;
	h->line_size = COH_LINE;
	h->ram_size = ram_size;
	__atomic_store_n(&h->magic, COH_MAGIC, __ATOMIC_RELEASE);
}

static int parse_args(int argc, char **argv, const char **shm)
{
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "ram=", 4))
			ram_size = parse_size(argv[i] + 4);
		else if (!strncmp(argv[i], "shm=", 4))
			*shm = argv[i] + 4;
		else if (!strncmp(argv[i], "out=", 4))
			out_path = argv[i] + 4;
		else {
			fprintf(stderr, "coherence: unknown argument %s (ram=, shm=, out=)\n",
				argv[i]);
			return -1;
		}
	}
	if (!ram_size) {
		fprintf(stderr, "coherence: needs ram=SIZE, the guest's RAM (-m)\n");
		return -1;
	}
	return 0;
}

PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
				      char **argv)
{
	const char *shm = NULL;

	if (!info->system_emulation || info->system.max_vcpus > COH_MAX_CPUS) {
		fprintf(stderr, "coherence: system emulation with at most %d vCPUs only\n",
			COH_MAX_CPUS);
		return -1;
	}
	if (parse_args(argc, argv, &shm) < 0)
		return -1;
	ncpus = info->system.smp_vcpus;
	nlines = ram_size / COH_LINE;
	dir = calloc(nlines, sizeof(*dir));
	c2c = calloc(C2C_SLOTS, sizeof(*c2c));
	region = shm ? map_region(shm) : calloc(1, COH_REGION_SIZE);
	if (!dir || !c2c || !region)
		return -1;
	for (unsigned i = 0; i < COH_MAX_CPUS; i++)
		counts[i] = (struct coh_cpu *)(region + COH_CPU_OFFSET(i));
	publish();
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, write_c2c, NULL);
	return 0;
}
