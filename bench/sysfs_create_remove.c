// SPDX-License-Identifier: MIT
/*
 * What a create+remove through the mounted sysfs tree costs, against the
 * floor FUSE itself sets: the same open/write/close calls, on paths of the
 * same depth, on a FUSE filesystem that does nothing, mounted and served
 * the same way (same libfuse loop, zero timeouts, direct I/O) in the same
 * process and the same run.
 *
 *   tree: open+write(uuid)+close on devices/virtual/bench/bench/mdev_supported_types/bench-x/create,
 *         open+write("1")+close on devices/virtual/bench/bench/<uuid>/remove
 *   null: the same on the null filesystem, whose every path exists
 *
 * Blocks of the two alternate, so drift in machine load hits both; the
 * median block of each is compared. Prints the ratio (target: at most 2).
 *
 * Usage: sysfs_create_remove [iterations per block] [blocks]   (root, /dev/fuse)
 */
#define FUSE_USE_VERSION 31
#include <fuse.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include <umdev/bus.h>

#include "sysfs.h"

/* ---- a parent whose probe and remove do nothing ---- */

static int bench_probe(struct umdev_device *mdev)
{
	(void)mdev;
	return 0;
}

static void bench_remove(struct umdev_device *mdev)
{
	(void)mdev;
}

static struct umdev_driver bench_driver = {
	.name = "bench",
	.device_api = "vfio-pci",
	.max_instances = 1,
	.probe = bench_probe,
	.remove = bench_remove,
};

/* ---- the null filesystem: every path exists, writes are swallowed ---- */

static bool is_file(const char *path)
{
	const char *base = strrchr(path, '/');

	return base && (!strcmp(base, "/create") || !strcmp(base, "/remove"));
}

static int null_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	st->st_mode = is_file(path) ? S_IFREG | 0200 : S_IFDIR | 0755;
	st->st_nlink = 1;
	st->st_size = is_file(path) ? 4096 : 0;
	return 0;
}

static int null_open(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	fi->direct_io = 1;
	return 0;
}

static int null_write(const char *path, const char *buf, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	(void)path, (void)buf, (void)off, (void)fi;
	return (int)size;
}

static int null_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)path, (void)size, (void)fi;
	return 0;
}

static void *null_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	umdev_fuse_no_cache(conn, cfg);
	return NULL;
}

static const struct fuse_operations null_ops = {
	.init = null_init,
	.getattr = null_getattr,
	.open = null_open,
	.write = null_write,
	.truncate = null_truncate,
};

/* ---- measuring ---- */

struct served {
	struct umdev_mount *mount;
	pthread_t thread;
	char dir[64];
};

static void *serve_thread(void *arg)
{
	struct served *s = arg;

	umdev_mount_serve(s->mount, NULL);
	return NULL;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "sysfs_create_remove: %s: %s\n", what, strerror(err));
	exit(1);
}

static void start(struct served *s, const struct fuse_operations *ops)
{
	int ret;

	strcpy(s->dir, "/tmp/umdev-bench.XXXXXX");
	if (!mkdtemp(s->dir))
		die("mkdtemp", errno);
	ret = ops ? umdev_fuse_mount(s->dir, ops, NULL, &s->mount)
		  : umdev_sysfs_mount(s->dir, NULL, &s->mount);
	if (ret)
		die("mount", -ret);
	if (pthread_create(&s->thread, NULL, serve_thread, s))
		die("pthread_create", EAGAIN);
}

static void stop(struct served *s)
{
	umount2(s->dir, MNT_DETACH); /* ends the serving loop */
	pthread_join(s->thread, NULL);
	umdev_mount_destroy(s->mount);
	rmdir(s->dir);
}

/*
 * One open/write/close as `echo -n text > path` (and mdevctl) does it; the
 * write's result must be @len.
 */
static void write_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		die(path, errno);
	n = write(fd, text, len);
	if (n != (ssize_t)len)
		die(path, n < 0 ? errno : EIO);
	close(fd);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds per create+remove pair on the tree (or the same calls on null). */
static double run_block(const char *root, unsigned int iterations, unsigned int *counter)
{
	char create[256], remove[256], uuid[UMDEV_UUID_STRING_LEN + 1];
	double t0 = now();

	snprintf(create, sizeof(create),
		 "%s/devices/virtual/bench/bench/mdev_supported_types/bench-x/create", root);
	for (unsigned int i = 0; i < iterations; i++) {
		snprintf(uuid, sizeof(uuid), "%08x-0000-4000-8000-000000000000", (*counter)++);
		snprintf(remove, sizeof(remove), "%s/devices/virtual/bench/bench/%s/remove", root, uuid);
		write_file(create, uuid, UMDEV_UUID_STRING_LEN);
		write_file(remove, "1", 1);
	}
	return (now() - t0) / iterations;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static struct umdev_parent parent;
	static struct umdev_type type = { .sysfs_name = "x" };
	static struct umdev_type *types[] = { &type };
	unsigned int iterations = argc > 1 ? (unsigned int)atoi(argv[1]) : 2000;
	unsigned int blocks = argc > 2 ? (unsigned int)atoi(argv[2]) : 7;
	double tree[64], null[64];
	unsigned int counter = 0;
	struct served fs_tree, fs_null;
	int ret;

	if (!iterations || !blocks || blocks > 64) {
		fprintf(stderr, "usage: sysfs_create_remove [iterations 1..] [blocks 1..64]\n");
		return 2;
	}
	ret = umdev_register_parent(&parent, "bench", &bench_driver, types, 1);
	if (ret)
		die("register", -ret);
	start(&fs_tree, NULL);
	start(&fs_null, &null_ops);

	/* Warm both paths up (threads, dentries), then alternate blocks. */
	run_block(fs_tree.dir, iterations / 10 + 1, &counter);
	run_block(fs_null.dir, iterations / 10 + 1, &counter);
	for (unsigned int b = 0; b < blocks; b++) {
		tree[b] = run_block(fs_tree.dir, iterations, &counter);
		null[b] = run_block(fs_null.dir, iterations, &counter);
	}

	stop(&fs_null);
	stop(&fs_tree);
	if (umdev_bus_device_count() != 0)
		die("devices left on the bus", EBUSY);
	umdev_unregister_parent(&parent);

	qsort(tree, blocks, sizeof(double), compare_double);
	qsort(null, blocks, sizeof(double), compare_double);
	printf("create+remove through the tree:     %8.1f us  (median of %u blocks of %u)\n",
	       tree[blocks / 2] * 1e6, blocks, iterations);
	printf("same open/write/close on null FUSE: %8.1f us\n", null[blocks / 2] * 1e6);
	printf("ratio: %.2f (target <= 2.00)\n", tree[blocks / 2] / null[blocks / 2]);
	return 0;
}
