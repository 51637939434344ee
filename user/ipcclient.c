/*
 * ipcclient: talks to ipcserver through its named mailbox.
 *
 *   ipcclient add 2 3     sends "add 2 3", prints the reply ("5")
 *   ipcclient             a short demo: starts a server if none is running,
 *                         sends a few requests, checks the answers, and
 *                         stops the server again if it started it
 *
 * Each request travels with a reply handle: a fresh mailbox of our own, of
 * which the server gets only the send right (see request()).
 */
#include "ipc.h"

/* The protocol; ipcserver.c has the same three lines. */
#define IPCSERVER_NAME		"ipcserver"
#define IPCSERVER_CAPACITY	16
#define IPCSERVER_MAX		256

#define SEND_TIMEOUT_MS		5000
#define REPLY_TIMEOUT_MS	5000
#define START_WAIT_MS		5000

/*
 * Sends req to the server srv and waits for the reply; returns its
 * length or a negative error.
 *
 * The reply mailbox is ours; the server gets the only send right to it,
 * moved with the request, and we keep only the receive right.  A send
 * right travelling inside a queued request still counts as a sender, so
 * our receive waits; once the server has dropped the right without
 * answering (it died, or refused), the receive fails with -EPIPE at once
 * instead of waiting for the timeout.
 */
static long request(int srv, const char *req, char *reply, size_t cap)
{
	int box, give, mine, err;
	long n;

	if (strlen(req) > IPCSERVER_MAX)
		return -E2BIG;
	if ((box = mbox_create(1, NULL)) < 0)
		return box;
	if ((give = dup(box, RIGHT_SEND)) < 0) {
		close(box);
		return give;
	}
	if ((mine = dup(box, RIGHT_RECV)) < 0) {
		close(give);
		close(box);
		return mine;
	}
	close(box);
	/* `give` moves to the server with the message. */
	err = mbox_send(srv, req, strlen(req), SEND_TIMEOUT_MS, give, 0);
	if (err < 0) {
		close(give);	/* a failed send leaves it with us */
		close(mine);
		return err;
	}
	n = mbox_recv(mine, reply, cap - 1, REPLY_TIMEOUT_MS, NULL);
	close(mine);
	if (n >= 0)
		reply[n] = '\0';
	return n;
}

/* Joins argv[1..] with spaces. */
static void join(int argc, char **argv, char *buf, size_t cap)
{
	buf[0] = '\0';
	for (int i = 1; i < argc; i++) {
		size_t len = strlen(buf);

		snprintf(buf + len, cap - len, "%s%s", i > 1 ? " " : "", argv[i]);
	}
}

/* Opens the server's mailbox, waiting up to ms for it to appear. */
static int open_server(uint64_t ms)
{
	uint64_t start = uptime_ms();
	int h;

	while ((h = mbox_open(IPCSERVER_NAME, RIGHT_SEND)) == -ENOENT && uptime_ms() - start < ms)
		sleep(10);
	return h;
}

static int demo(void)
{
	static const struct {
		const char *req, *want;	/* want NULL: any answer */
	} steps[] = {
		{ "ping", "pong" },
		{ "add 2 3", "5" },
		{ "add -40 82", "42" },
		{ "upper hello, world", "HELLO, WORLD" },
		{ "pid", NULL },
		{ "frobnicate", NULL },
	};
	char reply[IPCSERVER_MAX + 1];
	char *argv[] = { "ipcserver", NULL };
	int srv = open_server(0), pid = 0, bad = 0;
	struct wait_info wi;

	if (srv == -ENOENT) {
		printf("ipcclient: no server running; starting ipcserver\n");
		if ((pid = spawn("ipcserver", argv, NULL)) < 0) {
			printf("ipcclient: cannot start ipcserver: %s\n", errno_name(pid));
			return 1;
		}
		srv = open_server(START_WAIT_MS);
	}
	if (srv < 0) {
		printf("ipcclient: cannot open \"%s\": %s\n", IPCSERVER_NAME, errno_name(srv));
		return 1;
	}
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		long n = request(srv, steps[i].req, reply, sizeof(reply));
		bool ok = n >= 0 && (!steps[i].want || strcmp(reply, steps[i].want) == 0);

		printf("ipcclient: %-20s -> %s%s\n", steps[i].req,
		       n >= 0 ? reply : errno_name((int)n), ok ? "" : "   WRONG");
		bad += !ok;
	}
	if (pid > 0) {
		request(srv, "quit", reply, sizeof(reply));
		wait(pid, &wi);
		printf("ipcclient: stopped the server (%s)\n",
		       wi.how == EXIT_NORMAL ? "exited" : "killed");
	}
	close(srv);
	printf("ipcclient: %s\n", bad ? "some answers were wrong" : "all answers right");
	return bad != 0;
}

int main(int argc, char **argv)
{
	char req[IPCSERVER_MAX + 2], reply[IPCSERVER_MAX + 1];
	long n;
	int srv;

	if (argc == 1)
		return demo();
	join(argc, argv, req, sizeof(req));
	if ((srv = open_server(0)) < 0) {
		printf("ipcclient: no server (%s); start one with `ipcserver &`\n",
		       errno_name(srv));
		return 1;
	}
	n = request(srv, req, reply, sizeof(reply));
	close(srv);
	if (n < 0) {
		printf("ipcclient: %s\n", errno_name((int)n));
		return 1;
	}
	printf("%s\n", reply);
	return 0;
}
