// SPDX-License-Identifier: MIT
/*
 * The FUSE operations of the sysfs frontend, in one table as libfuse's
 * examples have them. Each operation resolves its path against the core,
 * does one thing and lets go; nothing is cached here or in the kernel
 * (zero timeouts, direct_io: see mount.c), so a create or remove is seen
 * by the very next lookup, and its errno is the write()'s.
 *
 * Behaviour copied from sysfs (kernfs) rather than from a disk filesystem:
 * - open() checks the file's mode itself, so a 0444 file opened for writing
 *   or a 0200 file opened for reading fails with EACCES, root included;
 * - regular files report st_size 4096, directories and links 0;
 * - a write is handed to the store in one piece, cut to 4096 bytes as
 *   kernfs does (sysfs attributes have no atomic_write_len), and the write
 *   offset is ignored; truncation is accepted and does nothing;
 * - a read at offset 0 runs the show again (as seq_file does after lseek),
 *   reads further on continue the same text;
 * - nothing can be created, removed, renamed or have its mode changed.
 */
#define FUSE_USE_VERSION 31
#include <fuse.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <umdev/list.h>

#include "fuse_ops.h"
#include "tree.h"

/*
 * What an open file remembers: the objects it was opened on, compared (not
 * dereferenced) at each read and write so a descriptor outlived by its
 * device fails with ENODEV as in the kernel, even when a new device took
 * the UUID; and the text of the last show. Reads of one open file are
 * serialised by its lock, as kernfs's of->mutex serialises them: the
 * workers may get two reads of one descriptor at once (threads sharing it).
 */
struct file_identity {
	uint64_t parent_serial; /* 0: above the parents */
	uint64_t mdev_serial;	/* 0: not a device's file */
	const void *type;
};

struct open_file {
	struct list_head node; /* open_files */
	struct file_identity id;
	pthread_mutex_t lock; /* len and text */
	size_t len;
	char text[UMDEV_ATTR_BUF_SIZE];
};

static struct timespec mount_time;

/*
 * Every open file, so that those still open when the daemon stops are
 * freed at unmount: a RELEASE sent after the workers' last request (a
 * writer whose remove the stop interrupted closes after it) is never read.
 */
static pthread_mutex_t open_files_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list_head open_files = { &open_files, &open_files };

static int sysfs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct sysfs_node node;
	int ret;

	(void)fi;
	ret = sysfs_resolve(path, &node);
	if (ret)
		return ret;
	memset(st, 0, sizeof(*st));
	st->st_mode = sysfs_node_mode(&node);
	st->st_nlink = S_ISDIR(st->st_mode) ? 2 : 1;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_size = S_ISREG(st->st_mode) ? UMDEV_ATTR_BUF_SIZE : 0;
	st->st_blksize = UMDEV_ATTR_BUF_SIZE;
	st->st_atim = st->st_mtim = st->st_ctim = mount_time;
	sysfs_node_put(&node);
	return 0;
}

static int sysfs_readlink(const char *path, char *buf, size_t size)
{
	struct sysfs_node node;
	int ret;

	ret = sysfs_resolve(path, &node);
	if (ret)
		return ret;
	ret = sysfs_link_target(&node, buf, size);
	sysfs_node_put(&node);
	return ret;
}

struct fill_ctx {
	void *buf;
	fuse_fill_dir_t filler;
};

static int fill_one(void *arg, const char *name)
{
	struct fill_ctx *ctx = arg;

	return ctx->filler(ctx->buf, name, NULL, 0, 0) ? -ENOMEM : 0;
}

static int sysfs_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
			 struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct fill_ctx ctx = { buf, filler };
	struct sysfs_node node;
	int ret;

	(void)offset;
	(void)fi;
	(void)flags;
	ret = sysfs_resolve(path, &node);
	if (ret)
		return ret;
	ret = fill_one(&ctx, ".");
	if (!ret)
		ret = fill_one(&ctx, "..");
	if (!ret)
		ret = sysfs_list(&node, fill_one, &ctx);
	sysfs_node_put(&node);
	return ret;
}

/* kernfs_fop_open(): the mode decides, for root too. */
static int check_open_mode(mode_t mode, int flags)
{
	int access = flags & O_ACCMODE;

	if ((access == O_WRONLY || access == O_RDWR) && !(mode & 0222))
		return -EACCES;
	if ((access == O_RDONLY || access == O_RDWR) && !(mode & 0444))
		return -EACCES;
	return 0;
}

/* The objects the file belongs to, by numbers that are never reused. */
static void node_identity(const struct sysfs_node *node, struct file_identity *id)
{
	const struct umdev_parent *parent = node->parent;

	if (!parent && node->mdev)
		parent = umdev_device_parent(node->mdev);
	id->parent_serial = parent ? umdev_parent_serial(parent) : 0;
	id->mdev_serial = node->mdev ? umdev_device_serial(node->mdev) : 0;
	id->type = node->type;
}

static int sysfs_open(const char *path, struct fuse_file_info *fi)
{
	struct sysfs_node node;
	struct open_file *file;
	int ret;

	ret = sysfs_resolve(path, &node);
	if (ret)
		return ret;
	ret = check_open_mode(sysfs_node_mode(&node), fi->flags);
	if (!ret) {
		file = calloc(1, sizeof(*file));
		if (file) {
			node_identity(&node, &file->id);
			pthread_mutex_init(&file->lock, NULL);
			pthread_mutex_lock(&open_files_lock);
			list_add_tail(&file->node, &open_files);
			pthread_mutex_unlock(&open_files_lock);
			fi->fh = (uintptr_t)file;
			fi->direct_io = 1;
		} else {
			ret = -ENOMEM;
		}
	}
	sysfs_node_put(&node);
	return ret;
}

static int sysfs_release(const char *path, struct fuse_file_info *fi)
{
	struct open_file *file = (struct open_file *)(uintptr_t)fi->fh;

	(void)path;
	pthread_mutex_lock(&open_files_lock);
	list_del_init(&file->node);
	pthread_mutex_unlock(&open_files_lock);
	pthread_mutex_destroy(&file->lock);
	free(file);
	return 0;
}

/*
 * The node @path names now, if it is still the object the file was opened
 * on; otherwise the file's object is gone (ENODEV, as kernfs answers on a
 * descriptor whose attribute was removed).
 */
static int resolve_open_file(const char *path, const struct open_file *file,
			     struct sysfs_node *node)
{
	struct file_identity now;

	if (sysfs_resolve(path, node))
		return -ENODEV;
	node_identity(node, &now);
	if (now.parent_serial != file->id.parent_serial ||
	    now.mdev_serial != file->id.mdev_serial || now.type != file->id.type) {
		sysfs_node_put(node);
		return -ENODEV;
	}
	return 0;
}

/* Under file->lock: the text at @offset, running the show again at 0. */
static int read_locked(const char *path, struct open_file *file, char *buf, size_t size,
		       off_t offset)
{
	if (offset == 0 || !file->len) {
		struct sysfs_node node;
		ssize_t len;
		int ret;

		ret = resolve_open_file(path, file, &node);
		if (ret)
			return ret;
		len = sysfs_show(&node, file->text);
		sysfs_node_put(&node);
		if (len < 0)
			return (int)len;
		file->len = (size_t)len;
	}
	if ((size_t)offset >= file->len)
		return 0;
	if (size > file->len - (size_t)offset)
		size = file->len - (size_t)offset;
	memcpy(buf, file->text + offset, size);
	return (int)size;
}

static int sysfs_read(const char *path, char *buf, size_t size, off_t offset,
		      struct fuse_file_info *fi)
{
	struct open_file *file = (struct open_file *)(uintptr_t)fi->fh;
	int ret;

	pthread_mutex_lock(&file->lock);
	ret = read_locked(path, file, buf, size, offset);
	pthread_mutex_unlock(&file->lock);
	return ret;
}

static int sysfs_write(const char *path, const char *buf, size_t size, off_t offset,
		       struct fuse_file_info *fi)
{
	struct open_file *file = (struct open_file *)(uintptr_t)fi->fh;
	struct sysfs_node node;
	ssize_t ret;

	(void)offset;
	if (size > UMDEV_ATTR_BUF_SIZE)
		size = UMDEV_ATTR_BUF_SIZE;
	ret = resolve_open_file(path, file, &node);
	if (ret)
		return (int)ret;
	ret = sysfs_store(&node, buf, size);
	sysfs_node_put(&node);
	return (int)ret;
}

/* O_TRUNC and truncate(): accepted and ignored, as kernfs does. */
static int sysfs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct sysfs_node node;
	mode_t mode;
	int ret;

	(void)size;
	(void)fi;
	ret = sysfs_resolve(path, &node);
	if (ret)
		return ret;
	mode = sysfs_node_mode(&node);
	sysfs_node_put(&node);
	return S_ISDIR(mode) ? -EISDIR : 0;
}

/* A new name in a sysfs directory: the VFS answers EACCES without a create op. */
static int sysfs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)path;
	(void)mode;
	(void)fi;
	return -EACCES;
}

/* The VFS answers EPERM for namespace changes a filesystem does not offer. */
static int refuse_mknod(const char *path, mode_t mode, dev_t dev)
{
	(void)path, (void)mode, (void)dev;
	return -EPERM;
}

static int refuse_mkdir(const char *path, mode_t mode)
{
	(void)path, (void)mode;
	return -EPERM;
}

static int refuse_path(const char *path)
{
	(void)path;
	return -EPERM;
}

static int refuse_two_paths(const char *from, const char *to)
{
	(void)from, (void)to;
	return -EPERM;
}

static int refuse_rename(const char *from, const char *to, unsigned int flags)
{
	(void)from, (void)to, (void)flags;
	return -EPERM;
}

static int refuse_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	(void)path, (void)mode, (void)fi;
	return -EPERM;
}

static int refuse_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	(void)path, (void)uid, (void)gid, (void)fi;
	return -EPERM;
}

static int refuse_utimens(const char *path, const struct timespec tv[2],
			  struct fuse_file_info *fi)
{
	(void)path, (void)tv, (void)fi;
	return -EPERM;
}

static void *sysfs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	umdev_fuse_no_cache(conn, cfg);
	clock_gettime(CLOCK_REALTIME, &mount_time);
	return fuse_get_context()->private_data;
}

/* Unmounted: the files never released go with the mount. */
static void sysfs_destroy(void *private_data)
{
	(void)private_data;
	pthread_mutex_lock(&open_files_lock);
	while (!list_empty(&open_files)) {
		struct open_file *file = list_entry(open_files.next, struct open_file, node);

		list_del_init(&file->node);
		pthread_mutex_destroy(&file->lock);
		free(file);
	}
	pthread_mutex_unlock(&open_files_lock);
}

const struct fuse_operations sysfs_fuse_ops = {
	.init		= sysfs_init,
	.destroy	= sysfs_destroy,
	.getattr	= sysfs_getattr,
	.readlink	= sysfs_readlink,
	.readdir	= sysfs_readdir,
	.open		= sysfs_open,
	.read		= sysfs_read,
	.write		= sysfs_write,
	.release	= sysfs_release,
	.truncate	= sysfs_truncate,
	.create		= sysfs_create,
	.mknod		= refuse_mknod,
	.mkdir		= refuse_mkdir,
	.unlink		= refuse_path,
	.rmdir		= refuse_path,
	.symlink	= refuse_two_paths,
	.link		= refuse_two_paths,
	.rename		= refuse_rename,
	.chmod		= refuse_chmod,
	.chown		= refuse_chown,
	.utimens	= refuse_utimens,
};
