/*
 * browser: a Chrome-style multiprocess browser (docs/browser-demo.md).
 *
 *   browser                       commands from the console
 *   browser --script "CMD; CMD"   run these commands, then quit
 *
 * The browser is the only process of the demo that touches the console
 * and the initrd (its "disk").  Each tab gets its own renderer process,
 * spawned in the sandbox SB_BASIC | SB_IPC with four handles:
 *
 *   0  cmd     mailbox, receive: our commands (and plug-in handles)
 *   1  reply   mailbox, send: heartbeats, LOADED, NEED plug-in
 *   2  source  shared page, map READ only: the page text we read from disk
 *   3  screen  shared page, read-write: the text screen it draws, which
 *              we map read-only and show
 *
 * A <plugin name=N> makes the renderer ask for N; we start (or reuse) one
 * `plugin N` process, sandboxed the same way, and send the renderer a
 * read-only handle to the plug-in's box page and a send handle to its
 * mailbox.
 *
 * Failure handling, the point of the demo:
 *   - proc_events() gives a struct wait_info per child that ends, so a
 *     renderer crash or sandbox kill is seen at once: the tab becomes a
 *     sad tab with the reason, and `reload` brings it back.
 *   - A renderer sends a heartbeat every 200 ms; none for HANG_MS marks
 *     the tab "not responding" (`kill N` ends it).
 *   - We never block on a renderer or plug-in: every send is
 *     TIMEOUT_POLL and every wait has a deadline.  Whatever a renderer
 *     sends is copied and checked before use; handles it sends are closed.
 *   - A plug-in crash blanks only its boxes: the renderers are told
 *     (PGONE) and draw a placeholder.
 *
 * Renderers and plug-ins also get limits (max_procs, max_pages), so one
 * cannot take the machine's process slots or memory from the others.
 *
 * The exit status is 0 only if the browser stayed healthy: none of its
 * own calls failed unexpectedly, every process it started is gone after
 * `quit`, and memstat (free frames, kernel heap bytes, kernel objects) is
 * back to what it was when it started.  Renderer crashes are not the
 * browser's failures.
 */
#include "ipc.h"
#include "user/browser-proto.h"

/* A plug-in's box page (plugin.c, renderer.c): we only allocate it. */
#define BOX_PAGE_SIZE	4096

#define MAX_TABS	8
#define MAX_PLUGINS	4
#define VIEW_LINES	20		/* screen lines one `show` prints */
#define MAX_PAGE	(256u << 10)	/* largest page source */
#define HANG_MS		2000		/* no heartbeat this long: not responding */
#define LOAD_WAIT_MS	4000		/* `open` waits this long for LOADED */
#define QUIT_WAIT_MS	1000		/* after QUIT, before kill */
#define EXIT_WAIT_MS	3000		/* after kill, before giving up */
#define SLICE_MS	20		/* longest single wait in the event loop */
#define WARM_MBOXES	24		/* warm_kernel_heap(): mailboxes, */
#define WARM_MSGS	16		/* messages in each, */
#define WARM_SHMS	8		/* and shared objects */
#define RENDERER_SB	(SB_BASIC | SB_IPC)
#define PLUGIN_SB	(SB_BASIC | SB_IPC)
/* Limits (docs/processes.md, "Isolation"), so that a compromised
 * renderer or plug-in cannot take the machine's shared resources: no
 * children (max_procs 1, besides having no SB_PROC), and a memory budget
 * -- 8 MiB for a renderer (the `big` page allocates 2 MiB), 1 MiB for a
 * plug-in.  Names need no limit: neither may name anything (no SB_NAMES). */
#define RENDERER_MAX_PAGES 2048
#define PLUGIN_MAX_PAGES 256

enum tab_state { T_FREE, T_LOADING, T_OK, T_SAD };

struct tab {
	enum tab_state state;
	char page[PATH_MAX_LEN];	/* "news" */
	int pid;			/* renderer, 0 when none */
	int cmd, reply;			/* send to its commands, receive its replies */
	struct screen *screen;		/* mapped read-only, or NULL */
	uint64_t started, last_hb;	/* uptime_ms */
	bool unresponsive;
	bool stopping;			/* we asked it to end: no sad tab */
	bool killed;			/* ended by `kill` */
	uint32_t plugins;		/* bit i: it embeds plugins[i] */
	int top;			/* first screen line shown */
	char why[160];			/* sad tab: what happened */
};

struct plugin {
	char name[16];
	int pid;			/* 0 when not running */
	int ctl, status, box;		/* send, receive, read-write shm */
	uint64_t last_hb;
	bool stopping;
	char why[120];			/* how it ended last */
};

static struct tab tabs[MAX_TABS];
static struct plugin plugins[MAX_PLUGINS];
static int events = -1;			/* proc_events(): our children's ends */
static int input = -1, reader_pid;	/* interactive mode: lines from the reader */
static int errors;			/* the browser's own failed calls */
static struct memstat baseline;
static char msgbuf[MSG_MAX + 1];	/* any message, whatever its size */

/* ---- Output and errors ---- */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	printf("browser: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* One of the browser's own calls failed: the run is not healthy. */
static void bad(const char *what, long err)
{
	say("error: %s: %s", what, err < 0 ? errno_name((int)err) : "failed");
	errors++;
}

static void close_h(int *h)
{
	if (*h >= 0 && close(*h) < 0)
		bad("close", -EBADH);
	*h = -1;
}

static struct tab *tab_of(int n)
{
	return n >= 1 && n <= MAX_TABS && tabs[n - 1].state != T_FREE ? &tabs[n - 1] : 0;
}

static int tab_no(const struct tab *t)
{
	return (int)(t - tabs) + 1;
}

/* ---- How a child ended ---- */

/* Every system call's name and sandbox group, as in kernel/syscall.c. */
static const struct {
	const char *name;
	uint64_t group;
} calls[NSYSCALL] = {
	[SYS_exit] = { "exit", SB_BASIC },
	[SYS_fork] = { "fork", SB_PROC },
	[SYS_exec] = { "exec", SB_PROC },
	[SYS_spawn] = { "spawn", SB_PROC },
	[SYS_wait] = { "wait", SB_PROC },
	[SYS_kill] = { "kill", SB_PROC },
	[SYS_getpid] = { "getpid", SB_BASIC },
	[SYS_getppid] = { "getppid", SB_BASIC },
	[SYS_yield] = { "yield", SB_BASIC },
	[SYS_sleep] = { "sleep", SB_BASIC },
	[SYS_uptime] = { "uptime", SB_BASIC },
	[SYS_write] = { "write", SB_CONSOLE },
	[SYS_read] = { "read", SB_CONSOLE },
	[SYS_setaffinity] = { "setaffinity", SB_PROC },
	[SYS_getaffinity] = { "getaffinity", SB_BASIC },
	[SYS_getcpu] = { "getcpu", SB_BASIC },
	[SYS_ps] = { "ps", SB_SYSTEM },
	[SYS_sbrk] = { "sbrk", SB_BASIC },
	[SYS_readdir] = { "readdir", SB_INITRD },
	[SYS_fileread] = { "fileread", SB_INITRD },
	[SYS_setfg] = { "setfg", SB_CONSOLE },
	[SYS_poweroff] = { "poweroff", SB_SYSTEM },
	[SYS_ncpu] = { "ncpu", SB_BASIC },
	[SYS_memstat] = { "memstat", SB_SYSTEM },
	[SYS_close] = { "close", SB_IPC },
	[SYS_dup] = { "dup", SB_IPC },
	[SYS_shm_create] = { "shm_create", SB_IPC },
	[SYS_shm_open] = { "shm_open", SB_NAMES },
	[SYS_shm_map] = { "shm_map", SB_IPC },
	[SYS_shm_unmap] = { "shm_unmap", SB_IPC },
	[SYS_shm_unlink] = { "shm_unlink", SB_NAMES },
	[SYS_mbox_create] = { "mbox_create", SB_IPC },
	[SYS_mbox_open] = { "mbox_open", SB_NAMES },
	[SYS_mbox_send] = { "mbox_send", SB_IPC },
	[SYS_mbox_recv] = { "mbox_recv", SB_IPC },
	[SYS_msg_send] = { "msg_send", SB_NAMES },
	[SYS_msg_recv] = { "msg_recv", SB_IPC },
	[SYS_proc_events] = { "proc_events", SB_PROC },
	[SYS_handle_info] = { "handle_info", SB_IPC },
	[SYS_counters] = { "counters", SB_SYSTEM },
	[SYS_proc_counters] = { "proc_counters", SB_SYSTEM },
	[SYS_sandbox] = { "sandbox", SB_BASIC },
};

static const char *group_name(uint64_t g)
{
	switch (g) {
	case SB_CONSOLE:	return "console";
	case SB_PROC:		return "process";
	case SB_NAMES:		return "naming";
	case SB_INITRD:		return "initrd";
	case SB_IPC:		return "IPC";
	case SB_SYSTEM:		return "system";
	default:		return "basic";
	}
}

/* Why a call from a process with sandbox sb was a violation: outside its
 * groups, naming an object without SB_NAMES, or else a bad handle. */
static int describe_violation(int nr, uint64_t sb, char *buf, size_t cap)
{
	const char *name = nr >= 0 && nr < NSYSCALL && calls[nr].name ? calls[nr].name : "?";
	uint64_t g = nr >= 0 && nr < NSYSCALL ? calls[nr].group : 0;

	if (g && !(g & sb))
		return snprintf(buf, cap, "sandbox violation: %s (%s calls are not allowed)",
				name, group_name(g));
	if (nr == SYS_mbox_create || nr == SYS_shm_create)
		return snprintf(buf, cap, "sandbox violation: %s with a name (needs SB_NAMES)", name);
	return snprintf(buf, cap, "sandbox violation: %s with a bad handle", name);
}

static void describe_end(const struct wait_info *wi, uint64_t sb, bool killed, char *buf,
			 size_t cap)
{
	switch (wi->how) {
	case EXIT_NORMAL:
		snprintf(buf, cap, "exited with status %d", wi->status);
		break;
	case EXIT_KILLED:
		snprintf(buf, cap, "%s", killed ? "killed by the browser" : "killed");
		break;
	case EXIT_FAULT:
		if (wi->fault == FAULT_PAGE)
			snprintf(buf, cap, "crashed: page fault at address 0x%lx (rip 0x%lx)",
				 wi->addr, wi->rip);
		else
			snprintf(buf, cap, "crashed: %s at rip 0x%lx", fault_name(wi->fault), wi->rip);
		break;
	case EXIT_SANDBOX:
		describe_violation(wi->status, sb, buf, cap);
		break;
	default:
		snprintf(buf, cap, "ended (how %d)", wi->how);
	}
}

/* ---- Pages on disk ---- */

/* The initrd file of page name ("news" -> "news.html"); its size or -1. */
static long page_file(const char *name, char *file, size_t cap)
{
	size_t n = strlen(name);
	struct dirent ent;

	if (n == 0 || n + 6 > cap || strchr(name, '/'))
		return -1;
	if (n > 5 && strcmp(name + n - 5, ".html") == 0)
		strlcpy(file, name, cap);
	else
		snprintf(file, cap, "%s.html", name);
	for (int i = 0; readdir(i, &ent) == 0; i++)
		if (strcmp(ent.name, file) == 0)
			return (long)ent.size;
	return -1;
}

/* A new shared page holding the file, NUL-terminated; its handle. */
static int load_source(const char *file, long size)
{
	int h = shm_create((size_t)size + 1, NULL);
	char *p;
	long done = 0, r = 0;

	if (h < 0) {
		bad("shm_create (page source)", h);
		return h;
	}
	p = shm_map(h, PROT_READ | PROT_WRITE);
	if (ptr_error(p)) {
		bad("shm_map (page source)", ptr_error(p));
		close_h(&h);
		return -EFAULT;
	}
	while (done < size && (r = fileread(file, done, p + done, size - done)) > 0)
		done += r;	/* straight from the initrd into the shared page */
	if (r < 0)
		bad("fileread", r);
	if (shm_unmap(p) < 0)
		bad("shm_unmap", -EINVAL);
	return h;
}

/* ---- Mailboxes with one right each way ---- */

/* A mailbox of capacity cap: *mine gets `mine` rights, *theirs the rest. */
static int mailbox_pair(int cap, uint32_t mine, int *my_h, int *their_h)
{
	int h = mbox_create(cap, NULL);

	*my_h = *their_h = -1;
	if (h < 0) {
		bad("mbox_create", h);
		return h;
	}
	*my_h = dup(h, mine);
	*their_h = dup(h, (RIGHT_SEND | RIGHT_RECV) & ~mine);
	close_h(&h);
	if (*my_h < 0 || *their_h < 0) {
		bad("dup", *my_h < 0 ? *my_h : *their_h);
		close_h(my_h);
		close_h(their_h);
		return -EQUOTA;
	}
	return 0;
}

/* Sends text to a child's mailbox, with an optional handle; never waits. */
static int send_to(int h, int xfer, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int send_to(int h, int xfer, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(msg))
		n = sizeof(msg) - 1;
	r = mbox_send(h, msg, n, TIMEOUT_POLL, xfer, 0);
	if (r < 0 && xfer != NO_HANDLE)
		close(xfer);	/* a failed send leaves the handle with us */
	if (r < 0 && r != -EPIPE && r != -EAGAIN)
		bad("mbox_send", r);
	return r;
}

/* ---- Plug-ins ---- */

static struct plugin *plugin_named(const char *name)
{
	for (int i = 0; i < MAX_PLUGINS; i++)
		if (plugins[i].pid && strcmp(plugins[i].name, name) == 0)
			return &plugins[i];
	return 0;
}

/* Starts `plugin name` in a free slot; NULL (and why) if it cannot. */
static struct plugin *plugin_start(const char *name, char *why, size_t cap)
{
	struct plugin *p = 0;
	int ctl_r, status_s;
	char *argv[] = { "plugin", (char *)name, NULL };

	for (int i = 0; i < MAX_PLUGINS && !p; i++)
		if (!plugins[i].pid)
			p = &plugins[i];
	if (!p) {
		snprintf(why, cap, "too many plug-ins");
		return 0;
	}
	memset(p, 0, sizeof(*p));
	p->ctl = p->status = p->box = -1;
	if (mailbox_pair(32, RIGHT_SEND, &p->ctl, &ctl_r) < 0)
		goto fail;
	if (mailbox_pair(8, RIGHT_RECV, &p->status, &status_s) < 0)
		goto fail_ctl;
	if ((p->box = shm_create(BOX_PAGE_SIZE, NULL)) < 0) {
		bad("shm_create (box)", p->box);
		goto fail_status;
	}
	struct spawn_opts opts = {
		.handles = { ctl_r, status_s, p->box }, .nhandles = 3,
		.sandbox = PLUGIN_SB, .max_handles = 8, .max_queued = 16 << 10, .max_shm_pages = 1,
		.max_procs = 1, .max_pages = PLUGIN_MAX_PAGES,
	};
	p->pid = spawn("plugin", argv, &opts);
	if (p->pid < 0) {
		bad("spawn plugin", p->pid);
		p->pid = 0;
		close_h(&p->box);
		goto fail_status;
	}
	close_h(&ctl_r);
	close_h(&status_s);
	strlcpy(p->name, name, sizeof(p->name));
	p->last_hb = uptime_ms();
	say("plug-in %s: started pid %d (sandbox: basic + IPC)", name, p->pid);
	return p;

fail_status:
	close_h(&p->status);
	close_h(&status_s);
fail_ctl:
	close_h(&p->ctl);
	close_h(&ctl_r);
fail:
	snprintf(why, cap, "could not start it");
	return 0;
}

static bool valid_name(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
			return false;
	return n > 0 && n < 16;
}

/* A renderer asked for plug-in name: start or reuse it, and send the
 * renderer a read-only box handle and a send-only mailbox handle. */
static void plugin_need(struct tab *t, const char *name)
{
	char why[120];
	struct plugin *p;
	int box_ro, ctl_s;

	if (!valid_name(name)) {
		send_to(t->cmd, NO_HANDLE, "PGONE %.15s bad plug-in name", name);
		return;
	}
	p = plugin_named(name);
	if (!p && !(p = plugin_start(name, why, sizeof(why)))) {
		send_to(t->cmd, NO_HANDLE, "PGONE %s %s", name, why);
		return;
	}
	t->plugins |= 1u << (p - plugins);
	if ((box_ro = dup(p->box, RIGHT_MAP_READ)) < 0) {
		bad("dup (box)", box_ro);
		return;
	}
	if ((ctl_s = dup(p->ctl, RIGHT_SEND)) < 0) {
		bad("dup (ctl)", ctl_s);
		close(box_ro);
		return;
	}
	send_to(t->cmd, box_ro, "PBOX %s", name);	/* the handles travel */
	send_to(t->cmd, ctl_s, "PCTL %s", name);
}

/* Plug-in p ended: blank its boxes in every tab that shows it. */
static void plugin_ended(struct plugin *p, const struct wait_info *wi)
{
	int bit = 1u << (p - plugins);
	char tabs_list[64] = "";

	describe_end(wi, PLUGIN_SB, false, p->why, sizeof(p->why));
	if (wi->how == EXIT_NORMAL && wi->status == 2)
		snprintf(p->why, sizeof(p->why), "exited: no such plug-in");
	for (int i = 0; i < MAX_TABS; i++) {
		struct tab *t = &tabs[i];

		if (!(t->plugins & bit))
			continue;
		t->plugins &= ~bit;
		if (t->pid)
			send_to(t->cmd, NO_HANDLE, "PGONE %s %s", p->name, p->why);
		snprintf(tabs_list + strlen(tabs_list), sizeof(tabs_list) - strlen(tabs_list),
			 " %d", i + 1);
	}
	if (!p->stopping)
		say("plug-in %s (pid %d) %s; its boxes are blanked in tabs:%s", p->name, p->pid,
		    p->why, tabs_list[0] ? tabs_list : " none");
	close_h(&p->ctl);
	close_h(&p->status);
	close_h(&p->box);
	p->pid = 0;
}

static void drain_plugin(struct plugin *p)
{
	struct msg_info info;
	long r;

	while (p->pid && (r = mbox_recv(p->status, msgbuf, MSG_MAX, TIMEOUT_POLL, &info)) >= 0) {
		if (info.handle != NO_HANDLE)
			close(info.handle);	/* we take no handles from plug-ins */
		p->last_hb = uptime_ms();
	}
}

/* ---- Tabs ---- */

/* Tells the plug-ins tab t used that its renderer is gone. */
static void drop_from_plugins(struct tab *t, int pid)
{
	for (int i = 0; i < MAX_PLUGINS; i++)
		if (plugins[i].pid && (t->plugins & (1u << i)))
			send_to(plugins[i].ctl, NO_HANDLE, "DROP %d", pid);
	t->plugins = 0;
}

/* Tab t's renderer ended (already reaped): release what it used. */
static void renderer_ended(struct tab *t, const struct wait_info *wi)
{
	char why[120];

	describe_end(wi, RENDERER_SB, t->killed, why, sizeof(why));
	drop_from_plugins(t, t->pid);
	close_h(&t->cmd);
	close_h(&t->reply);
	if (t->screen && shm_unmap(t->screen) < 0)
		bad("shm_unmap (screen)", -EINVAL);
	t->screen = 0;
	if (!t->stopping) {
		snprintf(t->why, sizeof(t->why), "renderer pid %d %s", t->pid, why);
		say("tab %d (%s): renderer pid %d %s", tab_no(t), t->page, t->pid, why);
		t->state = T_SAD;
	}
	t->pid = 0;
	t->unresponsive = false;
}

/* Starts a renderer for t->page: source, screen, mailboxes, spawn. */
static int tab_start(struct tab *t)
{
	char file[PATH_MAX_LEN];
	char *argv[] = { "renderer", t->page, NULL };
	long size = page_file(t->page, file, sizeof(file));
	int src = -1, src_ro = -1, scr = -1, cmd_r = -1, reply_s = -1, err = -ENOENT;
	void *view;

	if (size < 0 || size > (long)MAX_PAGE)
		return size < 0 ? -ENOENT : -E2BIG;
	if ((src = load_source(file, size)) < 0)
		return src;
	err = -EQUOTA;
	if ((src_ro = dup(src, RIGHT_MAP_READ)) < 0) {	/* the renderer may only read it */
		bad("dup (source)", src_ro);
		goto out;
	}
	if ((scr = shm_create(sizeof(struct screen), NULL)) < 0) {
		bad("shm_create (screen)", scr);
		goto out;
	}
	view = shm_map(scr, PROT_READ);
	if (ptr_error(view)) {
		bad("shm_map (screen)", ptr_error(view));
		goto out;
	}
	if (mailbox_pair(16, RIGHT_SEND, &t->cmd, &cmd_r) < 0)
		goto out_unmap;
	if (mailbox_pair(32, RIGHT_RECV, &t->reply, &reply_s) < 0)
		goto out_unmap;
	struct spawn_opts opts = {
		.handles = { cmd_r, reply_s, src_ro, scr }, .nhandles = 4,
		.sandbox = RENDERER_SB, .max_handles = 16, .max_queued = 32 << 10,
		.max_shm_pages = 1, .max_procs = 1, .max_pages = RENDERER_MAX_PAGES,
	};
	if ((t->pid = spawn("renderer", argv, &opts)) < 0) {
		bad("spawn renderer", t->pid);
		err = t->pid;
		t->pid = 0;
		goto out_unmap;
	}
	t->screen = view;
	t->state = T_LOADING;
	t->started = t->last_hb = uptime_ms();
	t->unresponsive = t->stopping = t->killed = false;
	t->top = 0;
	err = 0;
	goto out;
out_unmap:
	shm_unmap(view);
	close_h(&t->cmd);
	close_h(&t->reply);
out:
	/* The renderer holds its own references now; ours go. */
	close_h(&cmd_r);
	close_h(&reply_s);
	close_h(&src_ro);
	close_h(&scr);
	close_h(&src);
	return err;
}

/* Everything tab t's renderer said since we last looked. */
static void drain_tab(struct tab *t)
{
	struct msg_info info;
	long r;

	while (t->pid && (r = mbox_recv(t->reply, msgbuf, MSG_MAX, TIMEOUT_POLL, &info)) >= 0) {
		if (info.handle != NO_HANDLE)
			close(info.handle);	/* a renderer has no business sending handles */
		msgbuf[r] = '\0';
		t->last_hb = uptime_ms();	/* any message is a sign of life */
		if (t->unresponsive) {
			say("tab %d (%s): responding again", tab_no(t), t->page);
			t->unresponsive = false;
		}
		if (strcmp(msgbuf, "LOADED") == 0 && t->state == T_LOADING)
			t->state = T_OK;
		else if (strncmp(msgbuf, "NEED ", 5) == 0)
			plugin_need(t, msgbuf + 5);
	}
}

static void check_heartbeats(uint64_t now)
{
	for (int i = 0; i < MAX_TABS; i++) {
		struct tab *t = &tabs[i];

		if (!t->pid || t->unresponsive || now - t->last_hb < HANG_MS)
			continue;
		t->unresponsive = true;
		say("tab %d (%s): renderer pid %d is not responding (no heartbeat for %lu ms); "
		    "`kill %d` ends it", i + 1, t->page, t->pid, now - t->last_hb, i + 1);
	}
}

/* ---- The event loop ---- */

/* A child ended: reap it and see whose it was. */
static void child_ended(const struct wait_info *ev)
{
	struct wait_info wi;
	int pid = wait(ev->pid, &wi);

	if (pid != ev->pid) {
		bad("wait", pid);
		wi = *ev;
	}
	for (int i = 0; i < MAX_TABS; i++) {
		if (tabs[i].pid == wi.pid) {
			renderer_ended(&tabs[i], &wi);
			return;
		}
	}
	for (int i = 0; i < MAX_PLUGINS; i++) {
		if (plugins[i].pid == wi.pid) {
			plugin_ended(&plugins[i], &wi);
			return;
		}
	}
	if (wi.pid == reader_pid)
		reader_pid = 0;
}

/* Child-exit reports, waiting up to wait_ms for the first. */
static void child_events(int64_t wait_ms)
{
	struct msg_info info;
	long r;

	while ((r = mbox_recv(events, msgbuf, MSG_MAX, wait_ms, &info)) >= 0) {
		if (r == sizeof(struct wait_info))
			child_ended((struct wait_info *)msgbuf);
		wait_ms = TIMEOUT_POLL;
	}
	if (r != -EAGAIN && r != -ETIMEDOUT)
		bad("mbox_recv (proc_events)", r);
}

/* Messages to our default mailbox: any sandboxed process may msg_send
 * to any pid; we read and drop them so they cannot pile up. */
static void drain_inbox(void)
{
	struct msg_info info;

	while (msg_recv(msgbuf, MSG_MAX, TIMEOUT_POLL, &info) >= 0)
		say("dropped a message from pid %d sent to our default mailbox", info.sender);
}

/* Runs the event loop for ms milliseconds (one pass if 0). */
static void pump(uint64_t ms)
{
	uint64_t until = uptime_ms() + ms;

	for (;;) {
		uint64_t now = uptime_ms();
		int64_t wait = until > now ? (int64_t)(until - now) : 0;

		child_events(wait < SLICE_MS ? wait : SLICE_MS);
		for (int i = 0; i < MAX_TABS; i++)
			drain_tab(&tabs[i]);
		for (int i = 0; i < MAX_PLUGINS; i++)
			drain_plugin(&plugins[i]);
		drain_inbox();
		check_heartbeats(uptime_ms());
		if (uptime_ms() >= until)
			return;
	}
}

/* Runs the loop until t's renderer is gone, or ms pass; true if gone. */
static bool await_end(struct tab *t, uint64_t ms)
{
	uint64_t until = uptime_ms() + ms;

	while (t->pid && uptime_ms() < until)
		pump(SLICE_MS);
	return !t->pid;
}

/* Ends t's renderer quietly: QUIT, then kill. */
static void stop_renderer(struct tab *t)
{
	if (!t->pid)
		return;
	t->stopping = true;
	send_to(t->cmd, NO_HANDLE, "QUIT");
	if (!await_end(t, t->unresponsive ? 0 : QUIT_WAIT_MS)) {
		t->killed = true;
		kill(t->pid);
		if (!await_end(t, EXIT_WAIT_MS))
			bad("kill (renderer still there)", -ETIMEDOUT);
	}
	t->stopping = false;
}

/* ---- Showing a tab ---- */

/* An 80-column frame line: corner, left text, fill, right text, corner. */
static void frame(char corner_l, const char *left, const char *right, char corner_r)
{
	char line[81];
	size_t l = strlen(left), r = strlen(right);

	memset(line, '-', 80);
	line[80] = '\0';
	line[0] = corner_l;
	line[79] = corner_r;
	if (l > 60)
		l = 60;
	if (r > 76 - l)
		r = 76 - l;
	memcpy(line + 2, left, l);
	memcpy(line + 78 - r, right, r);
	printf("%s\n", line);
}

static void boxed(const char *text, size_t n)
{
	char line[SCREEN_COLS + 1];

	memset(line, ' ', SCREEN_COLS);
	memcpy(line, text, n < SCREEN_COLS ? n : SCREEN_COLS);
	line[SCREEN_COLS] = '\0';
	printf("| %s |\n", line);
}

static const char *state_name(const struct tab *t)
{
	if (t->state == T_SAD)
		return "sad tab";
	if (t->unresponsive)
		return "NOT RESPONDING";
	return t->state == T_LOADING ? "loading" : "ok";
}

/* Prints text word-wrapped inside the frame, indented by 6. */
static void boxed_wrap(const char *text)
{
	char line[SCREEN_COLS + 1];
	const int width = SCREEN_COLS - 6;

	while (*text) {
		int n = (int)strlen(text), cut = n;

		if (n > width) {
			for (cut = width; cut > 0 && text[cut] != ' '; cut--)
				;
			if (cut == 0)
				cut = width;
		}
		snprintf(line, sizeof(line), "      %.*s", cut, text);
		boxed(line, strlen(line));
		text += cut;
		while (*text == ' ')
			text++;
	}
}

static void show_sad(struct tab *t)
{
	char head[80], line[160];

	snprintf(head, sizeof(head), "[ %d: %s ]", tab_no(t), t->page);
	frame('.', head, "[ no renderer ]", '.');
	boxed("", 0);
	boxed_wrap(":-(");
	boxed_wrap("Aw, Snap!");
	boxed("", 0);
	boxed_wrap("Something went wrong while displaying this page.");
	boxed_wrap(t->why);
	snprintf(line, sizeof(line), "Other tabs are not affected.  `reload %d` tries again.",
		 tab_no(t));
	boxed_wrap(line);
	boxed("", 0);
	snprintf(line, sizeof(line), "[ t=%lu.%03lu s ]", uptime_ms() / 1000, uptime_ms() % 1000);
	frame('\'', "", line, '\'');
}

/* Copies the renderer's screen: it may be writing, so retry until the
 * sequence number is even and unchanged (a seqlock), a bounded number
 * of times; a renderer can never make us wait for it. */
static bool copy_screen(const struct screen *s, struct screen *out)
{
	for (int tries = 0; tries < 100; tries++) {
		uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

		memcpy(out, s, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(seq & 1) && seq == __atomic_load_n(&s->seq, __ATOMIC_RELAXED))
			return true;
		yield();
	}
	return false;
}

/* Makes a copied screen safe to print: printable text, sane counts. */
static void sanitize(struct screen *s)
{
	if (s->nlines > SCREEN_LINES)
		s->nlines = SCREEN_LINES;
	s->title[sizeof(s->title) - 1] = '\0';
	for (char *c = s->title; *c; c++)
		if (*c < ' ' || *c > '~')
			*c = '?';
	for (uint32_t i = 0; i < s->nlines; i++)
		for (int j = 0; j < SCREEN_COLS; j++)
			if (s->text[i][j] < ' ' || s->text[i][j] > '~')
				s->text[i][j] = ' ';
}

static void show_screen(struct tab *t)
{
	static struct screen copy;	/* 30 KiB: not on the stack */
	char head[80], tail[80];
	bool whole = copy_screen(t->screen, &copy);
	uint32_t top = (uint32_t)t->top;

	sanitize(&copy);
	if (copy.magic != SCREEN_MAGIC)
		strlcpy(copy.title, "(nothing drawn yet)", sizeof(copy.title));
	snprintf(head, sizeof(head), "[ %d: %s ]", tab_no(t), copy.title);
	snprintf(tail, sizeof(tail), "[ %s | pid %d | %s ]", t->page, t->pid, state_name(t));
	frame('.', head, tail, '.');
	if (top >= copy.nlines)
		top = 0;
	for (uint32_t i = top; i < top + VIEW_LINES; i++)
		boxed(i < copy.nlines ? copy.text[i] : "", i < copy.nlines ? SCREEN_COLS : 0);
	snprintf(head, sizeof(head), "[ lines %u-%u of %u%s ]", top + 1,
		 top + VIEW_LINES < copy.nlines ? top + VIEW_LINES : copy.nlines, copy.nlines,
		 whole ? "" : ", torn copy");
	snprintf(tail, sizeof(tail), "[ t=%lu.%03lu s ]", uptime_ms() / 1000, uptime_ms() % 1000);
	frame('\'', head, tail, '\'');
}

static void show(struct tab *t)
{
	if (t->state == T_SAD || !t->screen)
		show_sad(t);
	else
		show_screen(t);
}

/* ---- Commands ---- */

static struct tab *tab_arg(const char *arg)
{
	long n;
	struct tab *t;

	if (!parse_long(arg, &n) || !(t = tab_of((int)n))) {
		say("no tab `%s` (see `tabs`)", arg);
		return 0;
	}
	return t;
}

/* Runs the loop until t has loaded (or failed), up to LOAD_WAIT_MS. */
static void await_loaded(struct tab *t)
{
	uint64_t until = uptime_ms() + LOAD_WAIT_MS;

	while (t->state == T_LOADING && uptime_ms() < until)
		pump(SLICE_MS);
	if (t->state == T_OK)
		say("tab %d (%s): loaded by renderer pid %d in %lu ms", tab_no(t), t->page, t->pid,
		    uptime_ms() - t->started);
	else if (t->state == T_LOADING)
		say("tab %d (%s): still loading", tab_no(t), t->page);
}

static void report_start_error(const char *page, int err)
{
	if (err == -ENOENT)
		say("no page `%s` (see `pages`)", page);
	else if (err == -E2BIG)
		say("page `%s` is too big (over %u KiB)", page, MAX_PAGE >> 10);
	else
		say("cannot open `%s`: %s", page, errno_name(err));
}

static void cmd_open(const char *page)
{
	struct tab *t = 0;
	int err;

	for (int i = 0; i < MAX_TABS && !t; i++)
		if (tabs[i].state == T_FREE)
			t = &tabs[i];
	if (!t) {
		say("no room for another tab (%d at most)", MAX_TABS);
		return;
	}
	memset(t, 0, sizeof(*t));
	t->cmd = t->reply = -1;
	strlcpy(t->page, page, sizeof(t->page));
	if ((err = tab_start(t)) < 0) {
		report_start_error(page, err);
		t->state = T_FREE;
		return;
	}
	say("tab %d (%s): renderer pid %d started (sandbox: basic + IPC)", tab_no(t), page, t->pid);
	await_loaded(t);
}

static void cmd_reload(struct tab *t)
{
	int err;

	stop_renderer(t);
	if ((err = tab_start(t)) < 0) {
		report_start_error(t->page, err);
		t->state = T_SAD;
		snprintf(t->why, sizeof(t->why), "reload failed: %s", errno_name(err));
		return;
	}
	say("tab %d (%s): reloading in renderer pid %d", tab_no(t), t->page, t->pid);
	await_loaded(t);
}

static void cmd_close(struct tab *t)
{
	int n = tab_no(t);

	stop_renderer(t);
	t->state = T_FREE;
	say("tab %d closed", n);
}

static void cmd_crash(struct tab *t)
{
	if (!t->pid) {
		say("tab %d has no renderer", tab_no(t));
		return;
	}
	say("tab %d: asking renderer pid %d to crash", tab_no(t), t->pid);
	send_to(t->cmd, NO_HANDLE, "CRASH");
	if (!await_end(t, EXIT_WAIT_MS))
		say("tab %d: renderer did not crash (not listening?); `kill %d` ends it", tab_no(t),
		    tab_no(t));
}

static void cmd_kill(struct tab *t)
{
	int r;

	if (!t->pid) {
		say("tab %d has no renderer", tab_no(t));
		return;
	}
	t->killed = true;
	if ((r = kill(t->pid)) < 0 && r != -ESRCH)
		bad("kill", r);
	if (!await_end(t, EXIT_WAIT_MS))
		bad("kill (renderer still there)", -ETIMEDOUT);
}

static void cmd_tabs(void)
{
	uint64_t now = uptime_ms();
	int n = 0;

	for (int i = 0; i < MAX_TABS; i++)
		n += tabs[i].state != T_FREE;
	say("%d tab%s", n, n == 1 ? "" : "s");
	for (int i = 0; i < MAX_TABS; i++) {
		struct tab *t = &tabs[i];
		char line[200];
		int k;

		if (t->state == T_FREE)
			continue;
		if (t->state == T_SAD) {
			printf("  %d  %-16s sad tab: %s\n", i + 1, t->page, t->why);
			continue;
		}
		k = snprintf(line, sizeof(line), "  %d  %-16s pid %-4d %s, last heartbeat %lu ms ago",
			     i + 1, t->page, t->pid, state_name(t), now - t->last_hb);
		for (int j = 0, first = 1; j < MAX_PLUGINS; j++) {
			if (!(t->plugins & (1u << j)) || k >= (int)sizeof(line))
				continue;
			k += snprintf(line + k, sizeof(line) - k, "%s%s",
				      first ? ", plug-ins: " : " ", plugins[j].name);
			first = 0;
		}
		printf("%s\n", line);
	}
}

static void cmd_plugins(void)
{
	uint64_t now = uptime_ms();

	for (int i = 0; i < MAX_PLUGINS; i++) {
		struct plugin *p = &plugins[i];
		int users = 0;

		if (p->pid) {
			for (int j = 0; j < MAX_TABS; j++)
				users += (tabs[j].plugins >> i) & 1;
			printf("  %-8s pid %-4d used by %d tab%s, last heartbeat %lu ms ago\n", p->name,
			       p->pid, users, users == 1 ? "" : "s", now - p->last_hb);
		} else if (p->name[0]) {
			printf("  %-8s not running: %s\n", p->name, p->why);
		}
	}
}

static void cmd_pcrash(const char *name)
{
	struct plugin *p = plugin_named(name);
	uint64_t until = uptime_ms() + EXIT_WAIT_MS;

	if (!p) {
		say("no plug-in `%s` running (see `plugins`)", name);
		return;
	}
	say("asking plug-in %s (pid %d) to crash", name, p->pid);
	send_to(p->ctl, NO_HANDLE, "CRASH");
	while (p->pid && uptime_ms() < until)
		pump(SLICE_MS);
}

static void cmd_pages(void)
{
	struct dirent ent;

	printf("  pages:");
	for (int i = 0; readdir(i, &ent) == 0; i++) {
		size_t n = strlen(ent.name);

		if (n > 5 && strcmp(ent.name + n - 5, ".html") == 0)
			printf(" %.*s", (int)(n - 5), ent.name);
	}
	printf("\n");
}

static void print_memstat(const char *what, const struct memstat *m)
{
	say("%s: free_frames %lu kmalloc_bytes %lu nobjects %lu nprocs %lu", what, m->free_frames,
	    m->kmalloc_bytes, m->nobjects, m->nprocs);
}

static void cmd_mem(void)
{
	struct memstat now;

	if (memstat(&now) < 0)
		bad("memstat", -EFAULT);
	print_memstat("memstat at start", &baseline);
	print_memstat("memstat now", &now);
}

static void cmd_help(void)
{
	printf("  open PAGE     open PAGE.html from the initrd in a new tab (`pages` lists them)\n"
	       "  tabs          list the tabs         show N      print tab N's screen\n"
	       "  scroll N L    show N from line L    reload N    reload tab N\n"
	       "  close N       close tab N           crash N     ask tab N's renderer to crash\n"
	       "  kill N        kill tab N's renderer wait MS     let MS milliseconds pass\n"
	       "  plugins       list plug-ins         pcrash NAME ask plug-in NAME to crash\n"
	       "  mem           memstat now and at start          quit        end everything\n");
}

/* Commands that take a tab number. */
static const struct {
	const char *name;
	void (*fn)(struct tab *t);
} tab_commands[] = {
	{ "show", show }, { "reload", cmd_reload }, { "close", cmd_close },
	{ "crash", cmd_crash }, { "kill", cmd_kill },
};

/* Splits off the first word of *s (NUL-terminating it); "" if none. */
static char *word(char **s)
{
	char *w = *s, *end;

	while (*w == ' ')
		w++;
	end = w;
	while (*end && *end != ' ')
		end++;
	*s = *end ? end + 1 : end;
	*end = '\0';
	return w;
}

/* Runs one command line; returns false for quit. */
static bool command(char *line)
{
	char *verb = word(&line), *arg = word(&line), *arg2 = word(&line);
	struct tab *t;
	long n;

	for (size_t i = 0; i < sizeof(tab_commands) / sizeof(tab_commands[0]); i++) {
		if (strcmp(verb, tab_commands[i].name) == 0) {
			if ((t = tab_arg(arg)))
				tab_commands[i].fn(t);
			return true;
		}
	}
	if (!*verb)
		return true;
	if (strcmp(verb, "quit") == 0 || strcmp(verb, "exit") == 0)
		return false;
	if (strcmp(verb, "open") == 0 && *arg)
		cmd_open(arg);
	else if (strcmp(verb, "tabs") == 0)
		cmd_tabs();
	else if (strcmp(verb, "plugins") == 0)
		cmd_plugins();
	else if (strcmp(verb, "pages") == 0)
		cmd_pages();
	else if (strcmp(verb, "mem") == 0)
		cmd_mem();
	else if (strcmp(verb, "help") == 0)
		cmd_help();
	else if (strcmp(verb, "pcrash") == 0 && *arg)
		cmd_pcrash(arg);
	else if (strcmp(verb, "wait") == 0 && parse_long(arg, &n) && n >= 0 && n <= 60000)
		pump((uint64_t)n);
	else if (strcmp(verb, "scroll") == 0 && parse_long(arg2, &n) && n > 0) {
		if ((t = tab_arg(arg))) {
			t->top = (int)n - 1;
			show(t);
		}
	} else
		say("unknown command `%s` (try `help`)", verb);
	return true;
}

/* ---- Start and end ---- */

/*
 * The kernel heap (kernel/kmalloc.c) carves small objects out of whole
 * frames and never gives a frame back, so the first session that needs
 * more mailboxes and messages at once than the heap has ever held would
 * end with fewer free frames than it began with, with nothing leaked.
 * We allocate more than a session holds at its peak (8 tabs, 4 plug-ins)
 * and free it all before taking the baseline, as utest's many_procs does
 * one run before it measures.
 */
static void warm_kernel_heap(void)
{
	static const int sizes[] = { 8, 64, 200 };
	int mb[WARM_MBOXES], shm[WARM_SHMS];

	for (int i = 0; i < WARM_MBOXES; i++) {
		mb[i] = mbox_create(WARM_MSGS, NULL);
		for (int j = 0; mb[i] >= 0 && j < WARM_MSGS; j++)
			mbox_send(mb[i], msgbuf, sizes[j % 3], TIMEOUT_POLL, NO_HANDLE, 0);
	}
	for (int i = 0; i < WARM_SHMS; i++)
		shm[i] = shm_create(4096, NULL);
	for (int i = 0; i < WARM_MBOXES; i++)
		if (mb[i] >= 0)
			close(mb[i]);
	for (int i = 0; i < WARM_SHMS; i++)
		if (shm[i] >= 0)
			close(shm[i]);
}

/* Everything that must exist before the baseline is taken: our event
 * mailbox, our default mailbox, the page tables under the shared memory
 * area (a mapping made and dropped), and a warm kernel heap, so that only
 * what the session itself allocates is compared at the end. */
static void prepare(void)
{
	int h;
	void *p;

	if ((events = proc_events()) < 0) {
		bad("proc_events", events);
		exit(1);
	}
	msg_recv(msgbuf, MSG_MAX, TIMEOUT_POLL, NULL);
	if ((h = shm_create(4096, NULL)) >= 0) {
		p = shm_map(h, PROT_READ);
		if (!ptr_error(p))
			shm_unmap(p);
		close_h(&h);
	}
	warm_kernel_heap();
	memstat(&baseline);
}

/* Interactive mode: a child that reads console lines and mails them to
 * us, so the event loop never sits in read() while tabs need watching.
 * It keeps only the console and a send right to one mailbox. */
static void start_reader(void)
{
	int h = mbox_create(4, NULL), s;
	char line[200];

	if (h < 0) {
		bad("mbox_create (input)", h);
		exit(1);
	}
	reader_pid = fork();
	if (reader_pid < 0) {
		bad("fork", reader_pid);
		exit(1);
	}
	if (reader_pid == 0) {
		close(events);
		s = dup(h, RIGHT_SEND);
		close(h);
		sys_sandbox(SB_CONSOLE | SB_IPC);
		for (;;) {
			int n = readline(line, sizeof(line));

			if (mbox_send(s, line, n, TIMEOUT_NEVER, NO_HANDLE, 0) < 0)
				exit(0);
		}
	}
	input = h;
}

/* Interactive mode: the next line, running the event loop meanwhile. */
static int next_line(char *buf, size_t cap)
{
	long r;

	printf("browser> ");
	flush();
	for (;;) {
		r = mbox_recv(input, buf, cap - 1, SLICE_MS, NULL);
		if (r >= 0) {
			buf[r] = '\0';
			return (int)r;
		}
		if (r != -ETIMEDOUT && r != -EAGAIN) {
			bad("mbox_recv (input)", r);
			return -1;
		}
		pump(0);
	}
}

/* No process whose parent is us is left. */
static bool no_children(void)
{
	static struct proc_info procs[128];
	int n = ps(procs, 128), me = getpid(), left = 0;

	for (int i = 0; i < n; i++) {
		if (procs[i].ppid == me) {
			say("still there: pid %d (%s)", procs[i].pid, procs[i].name);
			left++;
		}
	}
	return n > 0 && left == 0;
}

static bool any_running(void)
{
	for (int i = 0; i < MAX_TABS; i++)
		if (tabs[i].pid)
			return true;
	for (int i = 0; i < MAX_PLUGINS; i++)
		if (plugins[i].pid)
			return true;
	return reader_pid != 0;
}

/* Asks every child to end, kills the ones that do not. */
static void end_children(void)
{
	uint64_t until;

	for (int i = 0; i < MAX_TABS; i++) {
		tabs[i].stopping = true;
		if (tabs[i].pid)
			send_to(tabs[i].cmd, NO_HANDLE, "QUIT");
	}
	for (int i = 0; i < MAX_PLUGINS; i++) {
		plugins[i].stopping = true;
		if (plugins[i].pid)
			send_to(plugins[i].ctl, NO_HANDLE, "QUIT");
	}
	if (reader_pid)
		kill(reader_pid);
	until = uptime_ms() + QUIT_WAIT_MS;
	while (any_running() && uptime_ms() < until)
		pump(SLICE_MS);
	for (int i = 0; i < MAX_TABS; i++)
		if (tabs[i].pid && kill(tabs[i].pid) == 0)
			say("tab %d (%s): renderer pid %d did not quit: killed", i + 1, tabs[i].page,
			    tabs[i].pid);
	for (int i = 0; i < MAX_PLUGINS; i++)
		if (plugins[i].pid)
			kill(plugins[i].pid);
	until = uptime_ms() + EXIT_WAIT_MS;
	while (any_running() && uptime_ms() < until)
		pump(SLICE_MS);
}

static bool same_memory(const struct memstat *a, const struct memstat *b)
{
	return a->free_frames == b->free_frames && a->kmalloc_bytes == b->kmalloc_bytes &&
	       a->nobjects == b->nobjects;
}

/* Ends the session; returns the exit status (0: healthy). */
static int finish(void)
{
	struct memstat now;
	bool gone, same = false;

	end_children();
	gone = !any_running() && no_children();
	close_h(&input);
	drain_inbox();
	for (int tries = 0; tries < 40 && !same; tries++) {
		if (tries)
			sleep(50);	/* frees may lag a little */
		memstat(&now);
		same = same_memory(&now, &baseline);
	}
	print_memstat("memstat at start", &baseline);
	print_memstat("memstat at quit ", &now);
	say("health: %s (%d own call%s failed, %s, memory %s)",
	    !errors && gone && same ? "ok" : "FAILED", errors, errors == 1 ? "" : "s",
	    gone ? "every process it started is gone" : "CHILDREN LEFT",
	    same ? "back to baseline" : "NOT back to baseline");
	return !errors && gone && same ? 0 : 1;
}

/* The script: the arguments after --script, joined with spaces.  init
 * splits `-c` strings at spaces without honouring quotes, so a quoted
 * script may arrive as several words with the quotes still on. */
static char *script_text(int argc, char **argv)
{
	static char text[ARG_MAX_BYTES + 1];
	size_t n = 0;

	for (int i = 2; i < argc && n < sizeof(text); i++)
		n += snprintf(text + n, sizeof(text) - n, "%s%s", i > 2 ? " " : "", argv[i]);
	n = strlen(text);
	if (n >= 2 && (text[0] == '\'' || text[0] == '"') && text[n - 1] == text[0]) {
		text[n - 1] = '\0';
		return text + 1;
	}
	return text;
}

/* Runs the commands in s; true if one was quit. */
static bool run_script(char *s)
{
	while (s && *s) {
		char *next = strchr(s, ';');

		if (next)
			*next++ = '\0';
		while (*s == ' ')
			s++;
		if (*s) {
			printf("\nbrowser> %s\n", s);
			if (!command(s))
				return true;
			pump(50);	/* let what just happened be reported in order */
		}
		s = next;
	}
	return false;
}

int main(int argc, char **argv)
{
	static char line[256];

	if (argc >= 2 && strcmp(argv[1], "--script") != 0) {
		eprintf("usage: browser [--script \"open news; show 1; quit\"]\n");
		return 2;
	}
	prepare();
	say("pid %d; memstat: free_frames %lu kmalloc_bytes %lu nobjects %lu", getpid(),
	    baseline.free_frames, baseline.kmalloc_bytes, baseline.nobjects);
	if (argc >= 2) {
		if (!run_script(script_text(argc, argv)))
			printf("\nbrowser> quit (the script ended)\n");
	} else {
		say("type `help` for commands, `pages` for pages, `quit` to end");
		start_reader();
		while (next_line(line, sizeof(line)) >= 0 && command(line))
			;
	}
	return finish();
}
