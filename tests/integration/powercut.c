/* powercut.c — an LD_PRELOAD library that keeps, beside a store's data.mdb,
 * the file a power cut would leave: tests/integration/crash_test.lua
 * (POWERCUT=1) swaps it in after each SIGKILL, so the crash test checks
 * "answered = durable" against the disk, not against the page cache (which
 * a SIGKILL leaves whole, and which hides a missing or late fsync).
 *
 * The model, conservative on what survives: a write to data.mdb reaches the
 * image only once it is durable — at once for a file descriptor opened with
 * O_DSYNC or O_SYNC, otherwise when an fsync or fdatasync of the file
 * returns. Writes not yet synced are all lost. (A real disk may keep some of
 * them, in any order; LMDB's ordering — data pages synced before the meta
 * page that points at them — is what makes that safe, and this model does
 * not test it.)
 *
 * POWERCUT_IMAGE names the image file. When it does not exist at the first
 * open of data.mdb, it starts as a copy of data.mdb as it is then (what the
 * disk held before this run). Only the calls LMDB makes are covered: open,
 * close, pwrite, write, writev, ftruncate, fsync, fdatasync; a rename over
 * data.mdb (compaction) stops the process.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FD 1024

struct op { /* a write (or a truncation: data NULL) waiting for a sync */
	off_t off;
	size_t len;
	char *data;
	unsigned long seq;
	struct op *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char tracked[MAX_FD]; /* 1: data.mdb; 2: data.mdb, synchronous writes */
static struct op *head, **tail = &head;
static int image = -1;
static unsigned long noted; /* ops recorded so far */

static int (*real_open)(const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static int (*real_ftruncate)(int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);

static void die(const char *what)
{
	fprintf(stderr, "powercut: %s: %s\n", what, strerror(errno));
	abort();
}

static void *real(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);
	if (!f) {
		fprintf(stderr, "powercut: no %s\n", name);
		abort();
	}
	return f;
}

/* Resolved at the first call, not in a constructor: an allocator's own
 * start-up (mimalloc) opens files before the constructors run. */
static void init(void)
{
	static __thread int resolving;
	if (real_open || resolving)
		return;
	resolving = 1;
	real_open = real("open");
	real_close = real("close");
	real_pwrite = real("pwrite");
	real_write = real("write");
	real_writev = real("writev");
	real_ftruncate = real("ftruncate");
	real_fsync = real("fsync");
	real_fdatasync = real("fdatasync");
	resolving = 0;
}

static int is_data_file(const char *path)
{
	size_t n = strlen(path);
	return n >= 8 && strcmp(path + n - 8, "data.mdb") == 0 && (n == 8 || path[n - 9] == '/');
}

/* The image, made from the file as it is when it does not exist yet. */
static void open_image(const char *data_path)
{
	const char *path = getenv("POWERCUT_IMAGE");
	if (!path)
		die("POWERCUT_IMAGE is not set");
	image = real_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (image >= 0) {
		int src = real_open(data_path, O_RDONLY | O_CLOEXEC);
		if (src >= 0) {
			char buf[65536];
			ssize_t n;
			while ((n = read(src, buf, sizeof buf)) > 0)
				if (real_write(image, buf, (size_t)n) != n)
					die("copying data.mdb to the image");
			real_close(src);
		}
		return;
	}
	if (errno != EEXIST)
		die(path);
	image = real_open(path, O_RDWR | O_CLOEXEC);
	if (image < 0)
		die(path);
}

static void to_image(const struct op *o)
{
	if (!o->data) {
		if (real_ftruncate(image, o->off) != 0)
			die("truncating the image");
		return;
	}
	if (real_pwrite(image, o->data, o->len, o->off) != (ssize_t)o->len)
		die("writing the image");
}

/* Records a write (or a truncation) at off; durable at once when the
 * descriptor writes synchronously. Called with mu held. */
static void note(int fd, off_t off, const void *data, size_t len, int truncation)
{
	struct op o = { .off = off, .len = len, .data = NULL, .seq = ++noted, .next = NULL };
	if (!truncation) {
		o.data = malloc(len ? len : 1);
		if (!o.data)
			die("out of memory");
		memcpy(o.data, data, len);
	}
	if (tracked[fd] == 2 && !truncation) {
		/* durable now; an older write still waiting for a sync must not
		 * bring back what this one replaced */
		for (struct op **pp = &head; *pp;) {
			struct op *w = *pp;
			int overlaps = w->data && w->off < off + (off_t)len && off < w->off + (off_t)w->len;
			if (overlaps && (w->off < off || w->off + (off_t)w->len > off + (off_t)len)) {
				fprintf(stderr, "powercut: a synchronous write partly covers one waiting for a sync\n");
				abort();
			}
			if (overlaps) {
				*pp = w->next;
				free(w->data);
				free(w);
			} else {
				pp = &w->next;
			}
		}
		tail = &head;
		while (*tail)
			tail = &(*tail)->next;
		to_image(&o);
		free(o.data);
		return;
	}
	struct op *p = malloc(sizeof *p);
	if (!p)
		die("out of memory");
	*p = o;
	*tail = p;
	tail = &p->next;
}

static unsigned long sync_starts(void)
{
	pthread_mutex_lock(&mu);
	unsigned long upto = noted;
	pthread_mutex_unlock(&mu);
	return upto;
}

/* The writes noted before the sync began are durable now. */
static void synced(unsigned long upto)
{
	pthread_mutex_lock(&mu);
	while (head && head->seq <= upto) {
		struct op *o = head;
		head = o->next;
		to_image(o);
		free(o->data);
		free(o);
	}
	if (!head)
		tail = &head;
	pthread_mutex_unlock(&mu);
}

static int is_tracked(int fd)
{
	return fd >= 0 && fd < MAX_FD && tracked[fd];
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	init();
	int fd = real_open ? real_open(path, flags, mode) : (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
	if (fd >= 0 && (flags & O_ACCMODE) != O_RDONLY && is_data_file(path)) {
		if (fd >= MAX_FD) { /* untracked, its writes would be missed: say so */
			fprintf(stderr, "powercut: data.mdb opened as descriptor %d, past the %d this library tracks\n", fd, MAX_FD);
			abort();
		}
		pthread_mutex_lock(&mu);
		if (image < 0)
			open_image(path);
		tracked[fd] = (flags & (O_DSYNC | O_SYNC)) ? 2 : 1;
		pthread_mutex_unlock(&mu);
	}
	return fd;
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

/* A data.mdb replaced by a rename (the store's compaction after an erasure)
 * is a new file the image does not follow: stop rather than report what the
 * model cannot know. The crash test erases nothing. */
static void no_replace(const char *to)
{
	if (to && is_data_file(to)) {
		fprintf(stderr, "powercut: data.mdb replaced by a rename, which this library does not model\n");
		abort();
	}
}

int rename(const char *from, const char *to)
{
	no_replace(to);
	return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 0);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	no_replace(to);
	return (int)syscall(SYS_renameat2, fromfd, from, tofd, to, 0);
}

int close(int fd)
{
	init();
	if (!real_close)
		return (int)syscall(SYS_close, fd);
	if (is_tracked(fd)) {
		pthread_mutex_lock(&mu);
		tracked[fd] = 0;
		pthread_mutex_unlock(&mu);
	}
	return real_close(fd);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	init();
	if (!real_pwrite)
		return syscall(SYS_pwrite64, fd, buf, n, off);
	if (!is_tracked(fd))
		return real_pwrite(fd, buf, n, off);
	pthread_mutex_lock(&mu);
	ssize_t w = real_pwrite(fd, buf, n, off);
	if (w > 0)
		note(fd, off, buf, (size_t)w, 0);
	pthread_mutex_unlock(&mu);
	return w;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) __attribute__((alias("pwrite")));

ssize_t write(int fd, const void *buf, size_t n)
{
	init();
	if (!real_write)
		return syscall(SYS_write, fd, buf, n);
	if (!is_tracked(fd))
		return real_write(fd, buf, n);
	pthread_mutex_lock(&mu);
	off_t off = lseek(fd, 0, SEEK_CUR);
	ssize_t w = real_write(fd, buf, n);
	if (w > 0)
		note(fd, off, buf, (size_t)w, 0);
	pthread_mutex_unlock(&mu);
	return w;
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	init();
	if (!real_writev)
		return syscall(SYS_writev, fd, iov, cnt);
	if (!is_tracked(fd))
		return real_writev(fd, iov, cnt);
	pthread_mutex_lock(&mu);
	off_t off = lseek(fd, 0, SEEK_CUR);
	ssize_t w = real_writev(fd, iov, cnt);
	size_t left = w > 0 ? (size_t)w : 0;
	for (int i = 0; i < cnt && left; i++) {
		size_t len = iov[i].iov_len < left ? iov[i].iov_len : left;
		note(fd, off, iov[i].iov_base, len, 0);
		off += (off_t)len;
		left -= len;
	}
	pthread_mutex_unlock(&mu);
	return w;
}

int ftruncate(int fd, off_t len)
{
	init();
	if (!real_ftruncate)
		return (int)syscall(SYS_ftruncate, fd, len);
	if (!is_tracked(fd))
		return real_ftruncate(fd, len);
	pthread_mutex_lock(&mu);
	int rc = real_ftruncate(fd, len);
	if (rc == 0)
		note(fd, len, NULL, 0, 1);
	pthread_mutex_unlock(&mu);
	return rc;
}

int ftruncate64(int fd, off_t len) __attribute__((alias("ftruncate")));

/* A sync makes every write so far durable (every descriptor of data.mdb
 * writes the same file); sysno is the call's number, for calls made while
 * the library's own symbols are still being looked up. */
static int sync_fd(int (**fn)(int), long sysno, int fd)
{
	init();
	if (!*fn)
		return (int)syscall(sysno, fd);
	if (!is_tracked(fd))
		return (*fn)(fd);
	unsigned long upto = sync_starts();
	int rc = (*fn)(fd);
	if (rc == 0)
		synced(upto);
	return rc;
}

int fsync(int fd)
{
	return sync_fd(&real_fsync, SYS_fsync, fd);
}

int fdatasync(int fd)
{
	return sync_fd(&real_fdatasync, SYS_fdatasync, fd);
}
