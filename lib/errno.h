/*
 * Error codes, shared by the kernel and user space.  System calls return
 * them negated (-EINVAL).  errno_name() gives the symbolic name.
 */
#ifndef LIB_ERRNO_H
#define LIB_ERRNO_H

#define EPERM		1	/* the handle lacks the right, or not allowed */
#define ENOENT		2	/* no such entry */
#define ESRCH		3	/* no such process */
#define EINTR		4	/* interrupted */
#define EIO		5	/* device error */
#define E2BIG		7	/* buffer too small / argument too large */
#define ENOEXEC		8	/* not an executable */
#define ECHILD		10	/* no child to wait for */
#define EAGAIN		11	/* would block */
#define ENOMEM		12	/* out of memory or over quota */
#define EFAULT		14	/* bad user address */
#define EBUSY		16	/* in use */
#define EEXIST		17	/* already exists */
#define EINVAL		22	/* invalid argument */
#define ENOSPC		28	/* no space */
#define EPIPE		32	/* peer is gone */
#define ERANGE		34	/* out of range */
#define ENOSYS		38	/* no such system call */
#define ETIMEDOUT	110	/* timed out */
#define EBADH		200	/* bad handle */
#define EQUOTA		201	/* per-process quota exceeded */

const char *errno_name(int err);

#endif
