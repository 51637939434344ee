/*
 * init: the first process (pid 1).  Two ways to run:
 *
 *   init                   run the shell; start a new one whenever it ends
 *   init -c "prog args"    run one program, then power the machine off
 *                          with its exit status (make run RUN="prog args")
 *
 * In both, init is also where orphans end up: when a process dies the
 * kernel gives its children to pid 1, so init's wait(WAIT_ANY) loops
 * collect them too (and say nothing about them).
 *
 * init must never exit, so even a usage error ends in the shell loop.
 */
#include "baton.h"

/* Waits for child pid to end, reaping any orphans that end first. */
static int wait_for(int pid, struct wait_info *wi)
{
	for (;;) {
		int r = wait(WAIT_ANY, wi);

		if (r < 0 || r == pid)
			return r;
	}
}

/*
 * Exit code for `make run RUN=...`: the status, 100 + fault kind, 110
 * if killed, 111 if killed by the sandbox.  QEMU's exit status carries only 0..127 from the guest
 * (isa-debug-exit exits with (v << 1) | 1 in 8 bits), so the shell habit
 * of 128 + signal does not fit.
 */
static int exit_code(const struct wait_info *wi)
{
	switch (wi->how) {
	case EXIT_NORMAL:
		return wi->status & 0x7f;
	case EXIT_FAULT:
		return 100 + wi->fault;
	case EXIT_SANDBOX:
		return 111;
	default:
		return 110;
	}
}

/* Nothing left to do but collect orphans. */
static void __attribute__((noreturn)) reap_forever(void)
{
	struct wait_info wi;

	for (;;)
		if (wait(WAIT_ANY, &wi) < 0)
			sleep(1000);	/* no children now: look again later */
}

/* Runs the shell again and again. */
static void __attribute__((noreturn)) supervise_shell(void)
{
	char *argv[] = { "sh", NULL };
	struct wait_info wi;
	char why[96];

	for (;;) {
		uint64_t start = uptime_ms();
		int pid = spawn("sh", argv, NULL);

		if (pid < 0) {
			eprintf("init: cannot start sh: %s\n", errno_name(pid));
			sleep(1000);
			continue;
		}
		if (wait_for(pid, &wi) < 0) {
			eprintf("init: lost sh (pid %d)\n", pid);
			reap_forever();
		}
		exit_reason(&wi, why, sizeof(why));
		printf("init: sh exited (%s), restarting\n", why);
		/* A shell that dies at once must not turn init into a busy loop. */
		if (uptime_ms() - start < 1000)
			sleep(1000);
	}
}

/*
 * Splits line in place into argv (NULL-terminated) at spaces outside
 * quotes; a '...' or "..." part keeps its spaces and loses its quotes, as
 * in a shell (RUN="browser --script 'open news; quit'").  Returns argc,
 * or -1 if there are more than max - 1 words.
 */
static int split(char *line, char **argv, int max)
{
	char *out = line;
	int argc = 0;

	for (;;) {
		char quote = 0;

		while (*line == ' ')
			line++;
		if (!*line)
			break;
		if (argc == max - 1)
			return -1;
		argv[argc++] = out;
		for (; *line && (quote || *line != ' '); line++) {
			if (!quote && (*line == '\'' || *line == '"'))
				quote = *line;
			else if (quote && *line == quote)
				quote = 0;
			else
				*out++ = *line;
		}
		if (*line)
			line++;		/* past the separator before out can reach it */
		*out++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

/* Runs argv[0] with argv, waits for it and powers off with its exit code. */
static void __attribute__((noreturn)) run_once(char **argv)
{
	struct wait_info wi;
	char why[96];
	int pid, code;

	pid = spawn(argv[0], argv, NULL);
	if (pid < 0) {
		eprintf("init: %s: %s\n", argv[0],
			pid == -ENOENT ? "not found" : errno_name(pid));
		code = 127;
	} else {
		setfg(pid);	/* Ctrl-C ends the program, and with it the run */
		if (wait_for(pid, &wi) < 0) {
			eprintf("init: lost %s (pid %d)\n", argv[0], pid);
			code = 1;
		} else {
			exit_reason(&wi, why, sizeof(why));
			printf("init: %s exited: %s\n", argv[0], why);
			code = exit_code(&wi);
		}
	}
	poweroff(code);
	eprintf("init: poweroff failed\n");
	reap_forever();
}

int main(int argc, char **argv)
{
	static char *args[ARG_MAX_COUNT];

	if (argc == 1)
		supervise_shell();
	if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
		/* One string to split, or (as a convenience) words already split. */
		int words = argc == 3 ? split(argv[2], args, ARG_MAX_COUNT) : 0;

		if (words < 0) {
			eprintf("init: more than %d words to run\n", ARG_MAX_COUNT - 1);
			poweroff(127);
		}
		if (words > 0)
			run_once(args);
		if (argc > 3)
			run_once(argv + 2);
	}
	eprintf("usage: init [-c \"prog args...\"]\n");
	supervise_shell();
}
