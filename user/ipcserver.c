/*
 * ipcserver: a server holding the named mailbox "ipcserver" (see
 * ipcclient).  Each request is a line of text; the message carries a
 * handle the reply goes to (the client's own mailbox, send right only),
 * so the server needs to know nothing about its clients.
 *
 *   add A B       -> the sum
 *   upper TEXT    -> TEXT in capitals
 *   pid           -> the server's pid
 *   ping          -> pong
 *   quit          -> bye, and the server exits
 *
 * Start it in the background from the shell (`ipcserver &`) and talk to
 * it with `ipcclient add 2 3`.  -q: print nothing per request.
 */
#include "ipc.h"

/* The protocol; ipcclient.c has the same three lines. */
#define IPCSERVER_NAME		"ipcserver"
#define IPCSERVER_CAPACITY	16	/* requests queued */
#define IPCSERVER_MAX		256	/* bytes in a request or a reply */

static bool quiet;

static void upper(const char *s, char *out, size_t cap)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < cap; i++)
		out[i] = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
	out[i] = '\0';
}

/* Computes the answer to req; returns false for "quit". */
static bool answer(const char *req, char *out, size_t cap)
{
	long x, y;
	char a[24], b[24];
	const char *sp;

	if (strcmp(req, "quit") == 0) {
		snprintf(out, cap, "bye");
		return false;
	}
	if (strcmp(req, "ping") == 0)
		snprintf(out, cap, "pong");
	else if (strcmp(req, "pid") == 0)
		snprintf(out, cap, "%d", getpid());
	else if (strncmp(req, "upper ", 6) == 0)
		upper(req + 6, out, cap);
	else if (strncmp(req, "add ", 4) == 0 && (sp = strchr(req + 4, ' ')) &&
		 (size_t)(sp - (req + 4)) < sizeof(a) && strlen(sp + 1) < sizeof(b)) {
		strlcpy(a, req + 4, (size_t)(sp - (req + 4)) + 1);
		strlcpy(b, sp + 1, sizeof(b));
		if (parse_long(a, &x) && parse_long(b, &y))
			snprintf(out, cap, "%ld", x + y);
		else
			snprintf(out, cap, "error: add needs two numbers");
	} else {
		snprintf(out, cap, "error: unknown request (add A B, upper TEXT, pid, ping, quit)");
	}
	return true;
}

int main(int argc, char **argv)
{
	char req[IPCSERVER_MAX + 1], reply[IPCSERVER_MAX];
	struct msg_info info;
	bool running = true;
	int h;

	quiet = argc == 2 && strcmp(argv[1], "-q") == 0;
	if (argc > 2 || (argc == 2 && !quiet)) {
		eprintf("usage: ipcserver [-q]\n");
		return 2;
	}
	if ((h = mbox_create(IPCSERVER_CAPACITY, IPCSERVER_NAME)) < 0) {
		eprintf("ipcserver: cannot create the mailbox \"%s\": %s\n", IPCSERVER_NAME,
			errno_name(h));
		return 1;
	}
	if (!quiet)
		printf("ipcserver: pid %d serving on mailbox \"%s\"\n", getpid(), IPCSERVER_NAME);
	while (running) {
		/* We hold a send right too, so this never sees -EPIPE. */
		long len = mbox_recv(h, req, sizeof(req) - 1, TIMEOUT_NEVER, &info);
		int r;

		if (len == -E2BIG) {	/* a client sent too much: drop it */
			char junk[MSG_MAX];

			len = mbox_recv(h, junk, sizeof(junk), TIMEOUT_POLL, &info);
			if (len >= 0 && info.handle != NO_HANDLE)
				close(info.handle);
			continue;
		}
		if (len < 0) {
			eprintf("ipcserver: receive: %s\n", errno_name((int)len));
			return 1;
		}
		req[len] = '\0';
		running = answer(req, reply, sizeof(reply));
		if (!quiet)
			printf("ipcserver: pid %d asks \"%s\" -> \"%s\"\n", info.sender, req,
			       reply);
		if (info.handle == NO_HANDLE)
			continue;	/* nowhere to reply to */
		/* Never wait on a client: if its mailbox is full, it loses. */
		r = mbox_send(info.handle, reply, strlen(reply), TIMEOUT_POLL, NO_HANDLE, 0);
		if (r < 0 && !quiet)
			printf("ipcserver: reply to pid %d: %s\n", info.sender, errno_name(r));
		close(info.handle);
	}
	close(h);
	if (!quiet)
		printf("ipcserver: quit\n");
	return 0;
}
