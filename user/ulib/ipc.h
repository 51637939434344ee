/*
 * Inter-process communication from user space: handles, shared memory and
 * mailboxes (docs/ipc.md).  Two layers, one file each way:
 *
 *   1. Native calls, one per system call, with the kernel's names and
 *      types (lib/syscalls.h 25-39): close, dup, handle_info, shm_*,
 *      mbox_*, msg_send, msg_recv, proc_events.
 *   2. A POSIX-flavoured layer on top, so the textbook's programs read
 *      almost as printed: px_shm_open, px_ftruncate, px_mmap, px_munmap,
 *      px_close, px_shm_unlink for shared memory, and mq_open, mq_send,
 *      mq_receive, mq_getattr, mq_close, mq_unlink for message queues.
 *
 * Naming: the POSIX shared-memory calls take a px_ prefix because the
 * plain names (shm_open, ...) are the native calls; the mq_ names clash
 * with nothing and are kept.  Every call returns a negative error code
 * (-EBADH, -EPERM, ...) on failure, as the rest of ulib does; there is no
 * errno.  The two calls that return addresses (shm_map, px_mmap) return
 * the error cast to a pointer, like sbrk: test them with ptr_error().
 *
 * Include "ipc.h" (it includes baton.h).
 */
#ifndef USER_IPC_H
#define USER_IPC_H

#include "baton.h"

/* ---- Raw stubs (build/user/usys.S) ---- */
long sys_close(long h);
long sys_dup(long h, unsigned long rights);
long sys_shm_create(unsigned long size, const char *name);
long sys_shm_open(const char *name, unsigned long rights);
long sys_shm_map(long h, long prot);
long sys_shm_unmap(void *addr);
long sys_shm_unlink(const char *name);
long sys_mbox_create(long capacity, const char *name);
long sys_mbox_open(const char *name, unsigned long rights);
long sys_mbox_send(long h, const void *buf, unsigned long len, long timeout_ms, long xfer,
		   unsigned long flags);
long sys_mbox_recv(long h, void *buf, unsigned long cap, long timeout_ms, struct msg_info *info);
long sys_msg_send(long pid, const void *buf, unsigned long len, long timeout_ms);
long sys_msg_recv(void *buf, unsigned long cap, long timeout_ms, struct msg_info *info);
long sys_proc_events(void);
long sys_handle_info(long h, struct handle_info *info);

/* ---- Handles ---- */

/* Drops handle h: 0, or -EBADH. */
int close(int h);
/* A new handle to h's object carrying exactly `rights`, which must be a
 * subset of h's (-EPERM otherwise; -EINVAL for bits outside RIGHT_ALL). */
int dup(int h, uint32_t rights);
/* Type, rights, size (shm: bytes, whole pages; mbox: capacity) and
 * messages queued now. */
int handle_info(int h, struct handle_info *info);

/* ---- Shared memory ---- */

/* A zeroed object of size bytes (1..SHM_MAX_SIZE, rounded up to pages),
 * named if name is not NULL (1..IPC_NAME_MAX-1 chars, -EEXIST if taken).
 * Returns a handle with RIGHT_MAP_READ | RIGHT_MAP_WRITE. */
int shm_create(size_t size, const char *name);
/* A handle to the object called name with rights (a nonzero subset of
 * RIGHT_MAP_READ | RIGHT_MAP_WRITE); -ENOENT if there is none. */
int shm_open(const char *name, uint32_t rights);
/*
 * Maps the whole object with prot PROT_READ or PROT_READ | PROT_WRITE and
 * returns its address.  On failure the result is the negative error code
 * cast to a pointer, (void *)-EPERM and so on, exactly as sbrk() reports
 * errors: user addresses are below 2^47, so ptr_error(p) is the code, or
 * 0 for a real address.  PROT_WRITE needs RIGHT_MAP_WRITE (-EPERM); a
 * process has at most 16 mappings (-EQUOTA).
 */
void *shm_map(int h, int prot);
/* Removes the mapping that starts at addr (what shm_map returned):
 * 0, or -EINVAL. */
int shm_unmap(void *addr);
/* Removes the name; the object lives on while handles or mappings
 * reach it. */
int shm_unlink(const char *name);

/* ---- Mailboxes ---- */

/* A mailbox holding up to capacity messages (0..MBOX_MAX_CAPACITY; 0 is a
 * rendezvous), named if name is not NULL.  Returns a handle with
 * RIGHT_SEND | RIGHT_RECV. */
int mbox_create(int capacity, const char *name);
/* A handle to the mailbox called name with rights (a nonzero subset of
 * RIGHT_SEND | RIGHT_RECV); -ENOENT if there is none. */
int mbox_open(const char *name, uint32_t rights);
/*
 * Sends len bytes (0..MSG_MAX) and, unless xfer is NO_HANDLE, handle xfer
 * with them: it leaves our table, or stays with SEND_KEEP_HANDLE in flags
 * (a copy travels).  timeout_ms: TIMEOUT_POLL (0) never blocks (-EAGAIN),
 * TIMEOUT_NEVER (-1) waits as long as it takes, n > 0 waits n ms at most
 * (-ETIMEDOUT).  -EPIPE when nobody holds a receive right.
 */
int mbox_send(int h, const void *buf, size_t len, int64_t timeout_ms, int xfer, uint32_t flags);
/*
 * Receives the next message into buf (cap bytes) and returns its length.
 * info, if not NULL, gets the sender's pid, the handle that came with it
 * (now in our table) or NO_HANDLE, and the length.  -E2BIG if cap is too
 * small: the message stays queued.  Timeouts as for mbox_send; -EPIPE
 * when the queue is empty and nobody holds a send right.
 */
long mbox_recv(int h, void *buf, size_t cap, int64_t timeout_ms, struct msg_info *info);

/* Direct naming: send to, and receive from, a process's own mailbox
 * (capacity 16).  -ESRCH: no process pid; -EPIPE: it ended while we
 * waited. */
int msg_send(int pid, const void *buf, size_t len, int64_t timeout_ms);
long msg_recv(void *buf, size_t cap, int64_t timeout_ms, struct msg_info *info);

/* A receive handle to this process's child-exit mailbox: one struct
 * wait_info per child that ends (sender = the child).  The child still
 * has to be reaped with wait(). */
int proc_events(void);

/* ---- POSIX-flavoured layer (user/ulib/ipc.c; table in docs/ipc.md) ---- */

/* Open flags (Linux's values).  The access mode is the low two bits. */
#define O_RDONLY	0x0000
#define O_WRONLY	0x0001
#define O_RDWR		0x0002
#define O_ACCMODE	0x0003
#define O_CREAT		0x0040
#define O_EXCL		0x0080
#define O_NONBLOCK	0x0800	/* mq_*: never block (-EAGAIN) */

/* px_mmap flags: only shared mappings exist. */
#define MAP_SHARED	0x01

/* px_shm_open descriptors are the layer's own, not kernel handles; they
 * start here, so passing one to a native call gives -EBADH. */
#define PX_FD_BASE	100
#define PX_MAX_FDS	16

/*
 * Opens the shared-memory object name ("/name" and "name" are the same
 * object; mode is ignored: Baton has no owners or permission bits).
 * oflag: O_RDONLY or O_RDWR, with O_CREAT (and O_EXCL).  As in POSIX a new
 * object has no size yet: with O_CREAT and no object of that name, the
 * descriptor is "pending" and px_ftruncate() creates the object, because
 * the kernel creates an object and its size in one call.  Until then no
 * other process can open it, and px_mmap() of it is -EINVAL.
 */
int px_shm_open(const char *name, int oflag, int mode);
/*
 * Sets the size: on a pending descriptor it creates the object (length
 * 1..SHM_MAX_SIZE, the descriptor must be O_RDWR).  Objects cannot be
 * resized: on an existing object a length up to its size succeeds and
 * changes nothing, a larger one is -EINVAL.
 */
int px_ftruncate(int fd, long length);
/*
 * Maps the object behind fd: addr is a hint and ignored, len must be
 * 1..the object's size, flags MAP_SHARED, off 0.  The whole object is
 * mapped.  PROT_WRITE implies PROT_READ.  Returns the address, or the
 * negative error as a pointer (ptr_error(), as shm_map; POSIX returns
 * MAP_FAILED and sets errno instead).
 */
void *px_mmap(void *addr, size_t len, int prot, int flags, int fd, long off);
/* Unmaps what px_mmap returned (len is not used: the whole object goes). */
int px_munmap(void *addr, size_t len);
/* Closes the descriptor; mappings made through it stay. */
int px_close(int fd);
/* Removes the name now; the object lives while it is open or mapped. */
int px_shm_unlink(const char *name);
/* The kernel handle behind a px descriptor (-EBADH if none yet). */
int px_handle(int fd);

/* Message queues on mailboxes.  An mqd_t is the mailbox's kernel handle. */
typedef int mqd_t;

struct mq_attr {
	long mq_flags;		/* O_NONBLOCK or 0 */
	long mq_maxmsg;		/* capacity: 0 (rendezvous) .. MBOX_MAX_CAPACITY */
	long mq_msgsize;	/* largest message: 1 .. MSG_MAX */
	long mq_curmsgs;	/* messages queued now (mq_getattr) */
};

#define MQ_DEFAULT_MAXMSG	10

/*
 * Opens (O_CREAT: creates) the mailbox name.  attr (may be NULL: 10
 * messages of up to MSG_MAX bytes) is used only when creating.  The
 * creator's descriptor keeps both rights whatever its access mode, so the
 * queue exists before anybody opens it for reading, as a POSIX queue
 * does; other descriptors carry only the rights of their mode.  The mode
 * argument is ignored.  mq_send and mq_receive through a descriptor
 * opened without that access give -EPERM.
 */
mqd_t mq_open(const char *name, int oflag, int mode, const struct mq_attr *attr);
/* prio is ignored: mailboxes are FIFO.  len > mq_msgsize is -EINVAL. */
int mq_send(mqd_t mqd, const char *buf, size_t len, unsigned int prio);
/* Returns the message length; *prio (if prio is not NULL) gets 0.  A
 * message longer than len gives -E2BIG and stays queued. */
long mq_receive(mqd_t mqd, char *buf, size_t len, unsigned int *prio);
int mq_getattr(mqd_t mqd, struct mq_attr *attr);
int mq_close(mqd_t mqd);
/* Mailboxes have no unlink call: the name lasts as long as the mailbox
 * (its last handle).  Returns 0 if the name exists, else -ENOENT. */
int mq_unlink(const char *name);

#endif
