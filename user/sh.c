/*
 * sh: the Baton shell.
 *
 * Reads a line (readline: echo and editing), splits it into words and
 * runs the first word as a program with spawn(), passing all the words
 * as argv.  Words are separated by spaces; double quotes make spaces part
 * of a word (echo "a  b").  A last word `&` runs the program in the
 * background.  A line starting with # is a comment.
 *
 * Foreground programs: before waiting the shell makes the child the
 * console's foreground process (setfg), so Ctrl-C, which the kernel
 * handles, kills the child and not the shell.  Background jobs are
 * remembered in a small table and reaped before each prompt; because
 * wait() always blocks, the shell first asks ps() which of its children
 * are already zombies and waits only for those.
 *
 * Builtins: help, jobs, wait, kill, poweroff, exit.
 */
#include "baton.h"

#define LINE_MAX	256
#define MAXJOBS		16
#define MAXPROCS	128

struct job {
	int pid;			/* 0: slot free */
	char name[PROC_NAME_MAX];
};

static struct job jobs[MAXJOBS];
static struct proc_info procs[MAXPROCS];	/* the last ps() snapshot */

/* ---- Running programs ---- */

/* Says how a foreground child ended, if that was not a normal exit. */
static void report_end(const char *name, const struct wait_info *wi)
{
	char why[96];

	if (wi->how == EXIT_NORMAL)
		return;
	if (wi->how == EXIT_KILLED) {
		eprintf("sh: %s killed\n", name);
		return;
	}
	exit_reason(wi, why, sizeof(why));
	eprintf("sh: %s (pid %d) %s\n", name, wi->pid, why);
}

/* A free slot in jobs[], or NULL if the table is full. */
static struct job *job_slot(void)
{
	for (int i = 0; i < MAXJOBS; i++)
		if (jobs[i].pid == 0)
			return &jobs[i];
	return NULL;
}

static void run_program(char **argv, bool background)
{
	struct job *job = NULL;
	struct wait_info wi;
	int pid;

	if (background && !(job = job_slot())) {
		eprintf("sh: too many background jobs (wait for some)\n");
		return;
	}
	pid = spawn(argv[0], argv, NULL);
	if (pid == -ENOENT) {
		eprintf("sh: %s: not found\n", argv[0]);
		return;
	}
	if (pid < 0) {
		eprintf("sh: %s: %s\n", argv[0], errno_name(pid));
		return;
	}
	if (background) {
		job->pid = pid;
		strlcpy(job->name, argv[0], sizeof(job->name));
		printf("[%d]\n", pid);
		return;
	}
	setfg(pid);
	pid = wait(pid, &wi);
	setfg(0);
	if (pid < 0)
		eprintf("sh: wait: %s\n", errno_name(pid));
	else
		report_end(argv[0], &wi);
}

/* ---- Background jobs ---- */

/* Refreshes procs[]; returns the number of entries, or -1 on failure. */
static int snapshot(void)
{
	int n = ps(procs, MAXPROCS);

	return n < 0 ? -1 : (n > MAXPROCS ? MAXPROCS : n);
}

static const struct proc_info *find_proc(int n, int pid)
{
	for (int i = 0; i < n; i++)
		if (procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

/* Waits for job j (blocking if it still runs), prints how it ended, frees j. */
static void finish_job(struct job *j)
{
	struct wait_info wi;
	char why[96];

	if (wait(j->pid, &wi) < 0) {
		printf("[%d] %s: lost\n", j->pid, j->name);
	} else {
		exit_reason(&wi, why, sizeof(why));
		printf("[%d] done  %s: %s\n", j->pid, j->name, why);
	}
	j->pid = 0;
}

/* Reaps the background jobs that have already ended, without blocking. */
static void reap_jobs(void)
{
	int n = snapshot();

	if (n < 0)
		return;	/* cannot tell which have ended: waiting could block */
	for (int i = 0; i < MAXJOBS; i++) {
		const struct proc_info *p;

		if (jobs[i].pid == 0)
			continue;
		p = find_proc(n, jobs[i].pid);
		/* Only a zombie is sure not to make wait() block. */
		if (p && p->state == PSTATE_ZOMBIE)
			finish_job(&jobs[i]);
	}
}

/* ---- Builtins ---- */

static void do_help(int argc, char **argv);

static void do_jobs(int argc, char **argv)
{
	(void)argc, (void)argv;
	reap_jobs();
	for (int i = 0; i < MAXJOBS; i++)
		if (jobs[i].pid)
			printf("[%d] running  %s\n", jobs[i].pid, jobs[i].name);
}

static void do_wait(int argc, char **argv)
{
	(void)argc, (void)argv;
	for (int i = 0; i < MAXJOBS; i++) {
		if (jobs[i].pid == 0)
			continue;
		setfg(jobs[i].pid);	/* so Ctrl-C can end a job that hangs */
		finish_job(&jobs[i]);
		setfg(0);
	}
}

static void do_kill(int argc, char **argv)
{
	long pid;

	if (argc < 2)
		eprintf("usage: kill pid...\n");
	for (int i = 1; i < argc; i++) {
		int r;

		if (!parse_long(argv[i], &pid) || pid <= 0 || pid > 0x7fffffff) {
			eprintf("sh: kill: %s: not a pid\n", argv[i]);
			continue;
		}
		r = kill((int)pid);
		if (r == -ESRCH)
			eprintf("sh: kill: %ld: no such process\n", pid);
		else if (r < 0)
			eprintf("sh: kill: %ld: %s\n", pid, errno_name(r));
	}
}

static void do_poweroff(int argc, char **argv)
{
	long status = 0;
	int r;

	if (argc > 1 && !parse_long(argv[1], &status))
		status = 1;
	r = poweroff((int)status);
	eprintf("sh: poweroff: %s\n", errno_name(r));
}

static void do_exit(int argc, char **argv)
{
	long status = 0;

	if (argc > 1 && !parse_long(argv[1], &status))
		status = 1;
	exit((int)status);
}

static const struct builtin {
	const char *name;
	const char *help;
	void (*fn)(int argc, char **argv);
} builtins[] = {
	{ "help", "this list", do_help },
	{ "jobs", "background jobs still running", do_jobs },
	{ "wait", "wait for every background job", do_wait },
	{ "kill", "kill pid...: end processes", do_kill },
	{ "poweroff", "poweroff [status]: turn the machine off", do_poweroff },
	{ "exit", "exit [status]: leave this shell (init starts a new one)", do_exit },
};

#define NBUILTINS	(sizeof(builtins) / sizeof(builtins[0]))

/* Whether initrd file name is a program (starts with the ELF magic). */
static bool is_program(const char *name)
{
	char magic[4];

	return fileread(name, 0, magic, 4) == 4 && memcmp(magic, "\x7f" "ELF", 4) == 0;
}

static void do_help(int argc, char **argv)
{
	struct dirent ent;

	(void)argc, (void)argv;
	printf("builtins:\n");
	for (size_t i = 0; i < NBUILTINS; i++)
		printf("  %-9s %s\n", builtins[i].name, builtins[i].help);
	printf("programs:\n ");
	for (int i = 0; readdir(i, &ent) >= 0; i++)
		if (is_program(ent.name))
			printf(" %s", ent.name);
	printf("\nprog args... &  runs prog in the background; Ctrl-C kills the foreground one\n");
}

static const struct builtin *find_builtin(const char *name)
{
	for (size_t i = 0; i < NBUILTINS; i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

/* ---- Parsing ---- */

/*
 * Splits line in place into words, storing at most max of them.  Quotes
 * are removed as the words are copied down over the line, which is safe
 * because a word never grows.  quoted[i] says whether word i contained
 * quotes, so `"&"` is an argument and not the background marker.
 * Returns the number of words, or -1 after printing an error.
 */
static int split(char *line, char **words, bool *quoted, int max)
{
	char *in = line, *out = line;
	int n = 0;

	for (;;) {
		bool in_quotes = false;

		while (*in == ' ')
			in++;
		if (*in == '\0')
			return n;
		if (n == max) {
			eprintf("sh: too many words\n");
			return -1;
		}
		words[n] = out;
		quoted[n] = false;
		while (*in && (in_quotes || *in != ' ')) {
			if (*in == '"') {
				in_quotes = !in_quotes;
				quoted[n] = true;
				in++;
			} else {
				*out++ = *in++;
			}
		}
		if (in_quotes) {
			eprintf("sh: missing closing quote\n");
			return -1;
		}
		if (*in)
			in++;		/* the space; out is now behind in */
		*out++ = '\0';
		n++;
	}
}

static void run_line(char *line)
{
	char *words[ARG_MAX_COUNT];
	bool quoted[ARG_MAX_COUNT];
	const struct builtin *b;
	bool background = false;
	int n;

	while (*line == ' ')
		line++;
	if (*line == '#')
		return;
	n = split(line, words, quoted, ARG_MAX_COUNT - 1);
	if (n > 0 && strcmp(words[n - 1], "&") == 0 && !quoted[n - 1]) {
		background = true;
		n--;
	}
	if (n <= 0)
		return;
	words[n] = NULL;
	b = find_builtin(words[0]);
	if (b && background)
		eprintf("sh: %s: builtins run in the foreground\n", words[0]);
	if (b)
		b->fn(n, words);
	else
		run_program(words, background);
}

int main(void)
{
	static char line[LINE_MAX];

	for (;;) {
		reap_jobs();
		printf("$ ");
		readline(line, sizeof(line));
		run_line(line);
	}
}
