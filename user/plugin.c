/*
 * plugin NAME: a browser plug-in process (docs/browser-demo.md).
 *
 * The browser starts one plug-in process per name, the first time a page
 * embeds it with <plugin name=NAME>, and reuses it for every later tab.
 * It runs in the same sandbox as a renderer (SB_BASIC | SB_IPC) and holds
 * only what the browser gave it at spawn:
 *
 *   0  ctl     mailbox, receive only: EMBED from renderers, and DROP,
 *              CRASH, QUIT from the browser
 *   1  status  mailbox, send only: READY and heartbeats to the browser
 *   2  box     shared memory, read-write: BOX_SLOTS boxes of text; each
 *              renderer maps the page read-only and copies its box into
 *              its screen
 *
 * A renderer embeds the plug-in by sending "EMBED inst label" to ctl.
 * The kernel stamps every message with its sender's pid (msg_info.sender),
 * which nobody can forge, so the plug-in gives that pid a slot and writes
 * the box there; the renderer finds its slot by its own pid.  Commands
 * that only the browser may give are obeyed only when the sender is our
 * parent: a renderer cannot drop another tab's box or crash the plug-in.
 *
 * Kinds:
 *   clock   seconds since boot, ticking, and how many tabs share it
 *   bomb    counts down BOMB_MS after its first EMBED, then writes to
 *           address 0 (a plug-in crash: only its boxes go blank)
 *   rogue   after a second tries to write to the console (a sandbox
 *           violation: the kernel ends it)
 * Any other name: exits with status 2.
 */
#include "ipc.h"
#include "user/browser-proto.h"

#define H_CTL		0
#define H_STATUS	1
#define H_BOX		2


struct box_page {
	uint32_t magic;
	uint32_t pad;
	struct box_slot slot[BOX_SLOTS];
};

#define TICK_MS		100
#define HEARTBEAT_MS	1000
#define BOMB_MS		3000
#define ROGUE_MS	1000
#define MAX_PER_RENDERER 4

enum kind { CLOCK, BOMB, ROGUE };

static struct box_page *box;
static enum kind kind;
static uint64_t started, first_embed;
static char labels[BOX_SLOTS][BOX_COLS];

static int users(void)
{
	int n = 0;

	for (int i = 0; i < BOX_SLOTS; i++)
		n += box->slot[i].owner != 0;
	return n;
}

/* Fills one row of a box with formatted text, padded with spaces. */
static void row(char text[BOX_COLS], const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void row(char text[BOX_COLS], const char *fmt, ...)
{
	char buf[BOX_COLS + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > BOX_COLS)
		n = BOX_COLS;
	memset(text, ' ', BOX_COLS);
	memcpy(text, buf, n);
}

static void draw_clock(struct box_slot *s, uint64_t now)
{
	uint64_t ms = uptime_ms();
	char bar[11];

	for (int i = 0; i < 10; i++)
		bar[i] = i <= (int)(ms / 100 % 10) ? '#' : '.';
	bar[10] = '\0';
	row(s->text[0], "uptime %lu.%03lu s  %s", ms / 1000, ms % 1000, bar);
	row(s->text[1], "tick %lu of plug-in pid %d", (now - started) / TICK_MS, getpid());
	row(s->text[2], "shared by %d box%s", users(), users() == 1 ? "" : "es");
}

static void draw_bomb(struct box_slot *s, uint64_t now)
{
	uint64_t left = first_embed + BOMB_MS > now ? first_embed + BOMB_MS - now : 0;

	row(s->text[0], "this plug-in crashes in %lu.%lu s", left / 1000, left / 100 % 10);
	row(s->text[1], "(a NULL write in plug-in pid %d)", getpid());
	row(s->text[2], "watch only this box go blank");
}

static void draw_rogue(struct box_slot *s, uint64_t now)
{
	(void)now;
	row(s->text[0], "rogue plug-in pid %d", getpid());
	row(s->text[1], "about to write to the console ...");
	row(s->text[2], "(its sandbox forbids that)");
}

/* Redraws slot i; a seqlock per slot, as the screen has. */
static void draw(int i, uint64_t now)
{
	struct box_slot *s = &box->slot[i];
	uint32_t seq = s->seq;

	__atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (kind == CLOCK)
		draw_clock(s, now);
	else if (kind == BOMB)
		draw_bomb(s, now);
	else
		draw_rogue(s, now);
	if (labels[i][0] && kind == CLOCK)
		row(s->text[2], "%s, shared by %d", labels[i], users());
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
}

static void draw_all(uint64_t now)
{
	for (int i = 0; i < BOX_SLOTS; i++)
		if (box->slot[i].owner)
			draw(i, now);
}

static void misbehave(uint64_t now)
{
	static const char msg[] = "rogue plug-in: hello, console!\n";

	if (kind == BOMB && first_embed && now >= first_embed + BOMB_MS)
		asm volatile("movl $1, (%0)" : : "r"(0ul) : "memory");
	if (kind == ROGUE && first_embed && now >= first_embed + ROGUE_MS)
		sys_write(FD_STDOUT, msg, sizeof(msg) - 1);
}

/* "EMBED inst label" from a renderer: a slot for (sender, inst), at most
 * MAX_PER_RENDERER each, so one page cannot take every slot. */
static void embed(int sender, char *args)
{
	long inst;
	char *label = strchr(args, ' ');
	int have = 0;

	if (label)
		*label++ = '\0';
	if (!parse_long(args, &inst))
		return;
	for (int i = 0; i < BOX_SLOTS; i++)
		have += box->slot[i].owner == sender;
	if (have >= MAX_PER_RENDERER)
		return;
	for (int i = 0; i < BOX_SLOTS; i++) {
		struct box_slot *s = &box->slot[i];

		if (s->owner)
			continue;
		if (!first_embed)
			first_embed = uptime_ms();
		s->inst = (int32_t)inst;
		strlcpy(labels[i], label ? label : "", sizeof(labels[i]));
		draw(i, uptime_ms());	/* no stale text from a slot's last owner */
		__atomic_store_n(&s->owner, sender, __ATOMIC_RELEASE);
		draw(i, uptime_ms());	/* now counting itself among the users */
		return;
	}
}

/* "DROP pid" from the browser: that renderer ended. */
static void drop(const char *arg)
{
	long pid;

	if (!parse_long(arg, &pid))
		return;
	for (int i = 0; i < BOX_SLOTS; i++) {
		if (box->slot[i].owner == pid) {
			__atomic_store_n(&box->slot[i].owner, 0, __ATOMIC_RELEASE);
			labels[i][0] = '\0';
		}
	}
}

static void message(char *msg, long len, const struct msg_info *info)
{
	bool from_browser = info->sender == getppid();
	char *arg;

	if (info->handle != NO_HANDLE)
		close(info->handle);	/* we take no handles from anyone */
	msg[len] = '\0';
	arg = strchr(msg, ' ');
	if (arg)
		*arg++ = '\0';
	else
		arg = "";
	if (strcmp(msg, "EMBED") == 0)
		embed(info->sender, arg);
	else if (from_browser && strcmp(msg, "DROP") == 0)
		drop(arg);
	else if (from_browser && strcmp(msg, "CRASH") == 0)
		asm volatile("movl $1, (%0)" : : "r"(0ul) : "memory");
	else if (from_browser && strcmp(msg, "QUIT") == 0)
		exit(0);
}

static void status(const char *msg)
{
	if (mbox_send(H_STATUS, msg, strlen(msg), TIMEOUT_POLL, NO_HANDLE, 0) == -EPIPE)
		exit(0);	/* the browser is gone */
}

int main(int argc, char **argv)
{
	static char msg[MSG_MAX + 1];
	uint64_t next_tick, next_hb;
	struct msg_info info;
	void *p;

	if (argc != 2)
		exit(2);
	if (strcmp(argv[1], "clock") == 0)
		kind = CLOCK;
	else if (strcmp(argv[1], "bomb") == 0)
		kind = BOMB;
	else if (strcmp(argv[1], "rogue") == 0)
		kind = ROGUE;
	else
		exit(2);		/* no such plug-in */
	p = shm_map(H_BOX, PROT_READ | PROT_WRITE);
	if (ptr_error(p))
		exit(3);
	box = p;
	box->magic = BOX_MAGIC;
	started = next_tick = next_hb = uptime_ms();
	status("READY");
	for (;;) {
		uint64_t now = uptime_ms();

		if (now >= next_tick) {
			draw_all(now);
			misbehave(now);
			next_tick = now + TICK_MS;
		}
		if (now >= next_hb) {
			status("HB");
			next_hb = now + HEARTBEAT_MS;
		}
		long r = mbox_recv(H_CTL, msg, MSG_MAX, (int64_t)(next_tick - now), &info);
		if (r >= 0)
			message(msg, r, &info);
		else if (r == -EPIPE)
			exit(0);
	}
}
