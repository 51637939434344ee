/*
 * IPC wrappers (see ipc.h): the native calls convert types only; the
 * POSIX-flavoured layer below them keeps a little state of its own.
 */
#include "ipc.h"

/* ---- Native calls ---- */

int close(int h)
{
	return (int)sys_close(h);
}

int dup(int h, uint32_t rights)
{
	return (int)sys_dup(h, rights);
}

int handle_info(int h, struct handle_info *info)
{
	return (int)sys_handle_info(h, info);
}

int shm_create(size_t size, const char *name)
{
	return (int)sys_shm_create(size, name);
}

int shm_open(const char *name, uint32_t rights)
{
	return (int)sys_shm_open(name, rights);
}

void *shm_map(int h, int prot)
{
	/* An address, or a negative code: both fit a pointer (see sbrk). */
	return (void *)sys_shm_map(h, prot);
}

int shm_unmap(void *addr)
{
	return (int)sys_shm_unmap(addr);
}

int shm_unlink(const char *name)
{
	return (int)sys_shm_unlink(name);
}

int mbox_create(int capacity, const char *name)
{
	return (int)sys_mbox_create(capacity, name);
}

int mbox_open(const char *name, uint32_t rights)
{
	return (int)sys_mbox_open(name, rights);
}

int mbox_send(int h, const void *buf, size_t len, int64_t timeout_ms, int xfer, uint32_t flags)
{
	return (int)sys_mbox_send(h, buf, len, timeout_ms, xfer, flags);
}

long mbox_recv(int h, void *buf, size_t cap, int64_t timeout_ms, struct msg_info *info)
{
	return sys_mbox_recv(h, buf, cap, timeout_ms, info);
}

int msg_send(int pid, const void *buf, size_t len, int64_t timeout_ms)
{
	return (int)sys_msg_send(pid, buf, len, timeout_ms);
}

long msg_recv(void *buf, size_t cap, int64_t timeout_ms, struct msg_info *info)
{
	return sys_msg_recv(buf, cap, timeout_ms, info);
}

int proc_events(void)
{
	return (int)sys_proc_events();
}

/* ---- POSIX shared memory ---- */

/*
 * A px descriptor.  POSIX creates an object at shm_open and sizes it at
 * ftruncate; Baton's shm_create does both at once, so an O_CREAT open of
 * a name that does not exist yet only remembers the name ("pending"), and
 * px_ftruncate makes the object.
 */
struct px_fd {
	bool used;
	bool pending;		/* no object yet: px_ftruncate creates it */
	int handle;		/* the kernel handle once there is an object */
	int oflag;
	char name[IPC_NAME_MAX];
};

static struct px_fd px_fds[PX_MAX_FDS];

/* "/name" and "name" name the same object (POSIX wants the slash,
 * the textbook's example leaves it out). */
static const char *px_name(const char *name)
{
	return name && name[0] == '/' ? name + 1 : name;
}

static struct px_fd *px_lookup(int fd)
{
	if (fd < PX_FD_BASE || fd >= PX_FD_BASE + PX_MAX_FDS || !px_fds[fd - PX_FD_BASE].used)
		return NULL;
	return &px_fds[fd - PX_FD_BASE];
}

static uint32_t px_rights(int oflag)
{
	return (oflag & O_ACCMODE) == O_RDWR ? RIGHT_MAP_READ | RIGHT_MAP_WRITE : RIGHT_MAP_READ;
}

int px_shm_open(const char *name, int oflag, int mode)
{
	int acc = oflag & O_ACCMODE, slot = -1, h;
	struct px_fd *d;

	(void)mode;
	if (acc != O_RDONLY && acc != O_RDWR)
		return -EINVAL;
	for (int i = 0; i < PX_MAX_FDS && slot < 0; i++)
		if (!px_fds[i].used)
			slot = i;
	if (slot < 0)
		return -EQUOTA;
	name = px_name(name);
	h = shm_open(name, px_rights(oflag));
	if (h >= 0 && (oflag & O_CREAT) && (oflag & O_EXCL)) {
		close(h);
		return -EEXIST;
	}
	if (h < 0 && (h != -ENOENT || !(oflag & O_CREAT)))
		return h;
	d = &px_fds[slot];
	memset(d, 0, sizeof(*d));
	d->used = true;
	d->pending = h < 0;
	d->handle = h < 0 ? -1 : h;
	d->oflag = oflag;
	if (d->pending && strlcpy(d->name, name, sizeof(d->name)) >= sizeof(d->name)) {
		d->used = false;
		return -EINVAL;
	}
	return PX_FD_BASE + slot;
}

/* An existing object cannot be resized: a length up to its size is
 * fine and changes nothing. */
static int px_check_size(int h, long length)
{
	struct handle_info info;
	int err;

	if ((err = handle_info(h, &info)) < 0)
		return err;
	return length >= 0 && (uint64_t)length <= info.size ? 0 : -EINVAL;
}

/* Creates the object of a pending descriptor.  If another process made
 * one of that name in the meantime, opens that one instead (unless
 * O_EXCL), as POSIX's O_CREAT without O_EXCL would have. */
static int px_create(struct px_fd *d, long length)
{
	int h, err;

	if ((d->oflag & O_ACCMODE) != O_RDWR || length <= 0 || (uint64_t)length > SHM_MAX_SIZE)
		return -EINVAL;
	h = shm_create((size_t)length, d->name);
	if (h == -EEXIST && !(d->oflag & O_EXCL)) {
		h = shm_open(d->name, px_rights(d->oflag));
		if (h >= 0 && (err = px_check_size(h, length)) < 0) {
			close(h);
			return err;
		}
	}
	if (h < 0)
		return h;
	d->handle = h;
	d->pending = false;
	return 0;
}

int px_ftruncate(int fd, long length)
{
	struct px_fd *d = px_lookup(fd);

	if (!d)
		return -EBADH;
	return d->pending ? px_create(d, length) : px_check_size(d->handle, length);
}

void *px_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	struct px_fd *d = px_lookup(fd);
	struct handle_info info;
	int err;

	(void)addr;
	if (!d)
		return (void *)(intptr_t)-EBADH;
	if (d->pending || flags != MAP_SHARED || off != 0 || len == 0 ||
	    (prot & ~(PROT_READ | PROT_WRITE)) || prot == 0)
		return (void *)(intptr_t)-EINVAL;
	if ((err = handle_info(d->handle, &info)) < 0)
		return (void *)(intptr_t)err;
	if (len > info.size)
		return (void *)(intptr_t)-EINVAL;
	return shm_map(d->handle, prot | PROT_READ);
}

int px_munmap(void *addr, size_t len)
{
	(void)len;
	return shm_unmap(addr);
}

int px_close(int fd)
{
	struct px_fd *d = px_lookup(fd);
	int err = 0;

	if (!d)
		return -EBADH;
	if (!d->pending)
		err = close(d->handle);
	d->used = false;
	return err;
}

int px_shm_unlink(const char *name)
{
	return shm_unlink(px_name(name));
}

int px_handle(int fd)
{
	struct px_fd *d = px_lookup(fd);

	return d && !d->pending ? d->handle : -EBADH;
}

/* ---- POSIX message queues ---- */

/* What the library knows about an mqd (indexed by the handle). */
struct mq_desc {
	bool used;
	int oflag;
	long msgsize;
};

static struct mq_desc mq_descs[QUOTA_HANDLES];

static uint32_t mq_rights(int oflag)
{
	switch (oflag & O_ACCMODE) {
	case O_RDONLY:	return RIGHT_RECV;
	case O_WRONLY:	return RIGHT_SEND;
	default:	return RIGHT_SEND | RIGHT_RECV;
	}
}

static struct mq_desc *mq_lookup(mqd_t mqd)
{
	if (mqd < 0 || mqd >= QUOTA_HANDLES || !mq_descs[mqd].used)
		return NULL;
	return &mq_descs[mqd];
}

mqd_t mq_open(const char *name, int oflag, int mode, const struct mq_attr *attr)
{
	long maxmsg = attr ? attr->mq_maxmsg : MQ_DEFAULT_MAXMSG;
	long msgsize = attr ? attr->mq_msgsize : MSG_MAX;
	int h = -ENOENT;

	(void)mode;
	if ((oflag & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	name = px_name(name);
	if (oflag & O_CREAT) {
		if (maxmsg < 0 || maxmsg > MBOX_MAX_CAPACITY || msgsize <= 0 || msgsize > MSG_MAX)
			return -EINVAL;
		h = mbox_create((int)maxmsg, name);
		if (h < 0 && (h != -EEXIST || (oflag & O_EXCL)))
			return h;
	}
	if (h < 0) {	/* not creating, or it exists already: open it */
		h = mbox_open(name, mq_rights(oflag));
		msgsize = MSG_MAX;	/* the creator's limit is not known here */
	}
	if (h < 0)
		return h;
	if (h >= QUOTA_HANDLES) {	/* cannot happen: handles index the table */
		close(h);
		return -EQUOTA;
	}
	mq_descs[h] = (struct mq_desc){ .used = true, .oflag = oflag, .msgsize = msgsize };
	return h;
}

static int64_t mq_timeout(const struct mq_desc *d)
{
	return d->oflag & O_NONBLOCK ? TIMEOUT_POLL : TIMEOUT_NEVER;
}

int mq_send(mqd_t mqd, const char *buf, size_t len, unsigned int prio)
{
	struct mq_desc *d = mq_lookup(mqd);

	(void)prio;
	if (!d)
		return -EBADH;
	if ((d->oflag & O_ACCMODE) == O_RDONLY)
		return -EPERM;
	if (len > (size_t)d->msgsize)
		return -EINVAL;
	return mbox_send(mqd, buf, len, mq_timeout(d), NO_HANDLE, 0);
}

long mq_receive(mqd_t mqd, char *buf, size_t len, unsigned int *prio)
{
	struct mq_desc *d = mq_lookup(mqd);
	long n;

	if (!d)
		return -EBADH;
	if ((d->oflag & O_ACCMODE) == O_WRONLY)
		return -EPERM;
	n = mbox_recv(mqd, buf, len, mq_timeout(d), NULL);
	if (n >= 0 && prio)
		*prio = 0;
	return n;
}

int mq_getattr(mqd_t mqd, struct mq_attr *attr)
{
	struct mq_desc *d = mq_lookup(mqd);
	struct handle_info info;
	int err;

	if (!d)
		return -EBADH;
	if ((err = handle_info(mqd, &info)) < 0)
		return err;
	attr->mq_flags = d->oflag & O_NONBLOCK;
	attr->mq_maxmsg = (long)info.size;
	attr->mq_msgsize = d->msgsize;
	attr->mq_curmsgs = (long)info.queued;
	return 0;
}

int mq_close(mqd_t mqd)
{
	struct mq_desc *d = mq_lookup(mqd);

	if (!d)
		return -EBADH;
	d->used = false;
	return close(mqd);
}

int mq_unlink(const char *name)
{
	int h = mbox_open(px_name(name), RIGHT_RECV);

	if (h < 0)
		return h;
	close(h);
	return 0;
}
