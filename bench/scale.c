// SPDX-License-Identifier: MIT
/*
 * One umdevd holding many live devices, used as a person would: the real
 * daemon with its journal on, every device made and removed through the
 * mounted tree, vfio-user sockets served. Prints, with 10,000 devices:
 *
 *   - threads, file descriptors and RSS of the daemon per idle device
 *     (targets: threads independent of the count; <= 16 KiB of RSS per
 *     device; a pty's kernel memory is not in the RSS);
 *   - a create+remove through the tree at 10,000 live against 100 live
 *     (target <= 1.2x), median of blocks, 100 live measured before and
 *     after so drift shows;
 *   - a readdir of bus/mdev/devices (target <= 50 ms), against a readdir
 *     of a tmpfs directory of as many entries in the same run; `ls -l` of
 *     it against `ls -l` of tmpfs symlinks; a read of available_instances;
 *     `mdevctl list` (through umdevd-exec) at 100 and at 10,000.
 *
 * Usage: scale [--raise-pty-max] [--no-vfio-user] [devices (10000)] [small (100)]
 *        (root, /dev/fuse). --no-vfio-user serves no sockets: what the core,
 *        the tree, the journal and the device model cost without the server.
 *
 * Every mtty port is a pty: with the default kernel.pty.max (4096) only
 * about 4,000 devices fit. --raise-pty-max raises it for the run and puts
 * it back at the end; without it the bench says what to set and stops.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCKS 9
#define PAIRS_PER_BLOCK 20
#define READDIR_RUNS 7
#define PARENT "scale"

static char top[64]; /* our scratch directory */
static char mnt[128], shm_dir[64];
static pid_t daemon_pid;
static long saved_pty_max = -1;
static bool no_vfio_user;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), compare_double);
	return v[n / 2];
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void write_long(const char *path, long v)
{
	FILE *f = fopen(path, "we");

	if (!f || fprintf(f, "%ld\n", v) < 0 || fclose(f)) {
		fprintf(stderr, "scale: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static void die(const char *what)
{
	fprintf(stderr, "scale: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- the daemon's cost, from /proc ---- */

struct cost {
	long threads, fds, rss_kib;
};

static long count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static struct cost measure(void)
{
	char path[64], line[256];
	struct cost c = { 0 };
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", daemon_pid);
	c.threads = count_dir(path);
	snprintf(path, sizeof(path), "/proc/%d/fd", daemon_pid);
	c.fds = count_dir(path);
	snprintf(path, sizeof(path), "/proc/%d/status", daemon_pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "VmRSS: %ld kB", &c.rss_kib);
	if (f)
		fclose(f);
	return c;
}

/* ---- the tree, as a shell uses it ---- */

static char create_path[256];
static unsigned int next_uuid;

static void uuid_of(unsigned int n, char out[37])
{
	snprintf(out, 37, "%08x-5ca1-4e00-8000-%012x", n, n);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

static void create_device(unsigned int n)
{
	char uuid[37];
	int ret;

	uuid_of(n, uuid);
	ret = write_file(create_path, uuid);
	if (ret) {
		fprintf(stderr, "scale: create %s: %s (see %s/umdevd.log)\n", uuid, strerror(-ret),
			top);
		exit(1);
	}
}

static void remove_device(unsigned int n)
{
	char uuid[37], path[256];
	int ret;

	uuid_of(n, uuid);
	snprintf(path, sizeof(path), "%s/devices/virtual/mtty/" PARENT "/%s/remove", mnt, uuid);
	ret = write_file(path, "1");
	if (ret) {
		fprintf(stderr, "scale: remove %s: %s\n", uuid, strerror(-ret));
		exit(1);
	}
}

/* Median time of a create+remove pair (of a device beyond the live ones), in us. */
static double create_remove_us(void)
{
	double blocks[BLOCKS];

	for (unsigned int b = 0; b < BLOCKS; b++) {
		double t = now();

		for (unsigned int i = 0; i < PAIRS_PER_BLOCK; i++) {
			unsigned int n = 0x80000000u + next_uuid++;

			create_device(n);
			remove_device(n);
		}
		blocks[b] = (now() - t) / PAIRS_PER_BLOCK * 1e6;
	}
	return median(blocks, BLOCKS);
}

/* Median time to list @dir (opendir, readdir to the end, closedir), in ms. */
static double readdir_ms(const char *dir, long expect, bool stat_each)
{
	double runs[READDIR_RUNS];

	for (unsigned int r = 0; r < READDIR_RUNS; r++) {
		double t = now();
		DIR *d = opendir(dir);
		struct dirent *e;
		long n = 0;

		if (!d)
			die(dir);
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			n++;
			if (stat_each) {
				/* what ls -l does per entry */
				struct stat st;
				char target[256];

				if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
				    readlinkat(dirfd(d), e->d_name, target, sizeof(target)) < 0)
					die(e->d_name);
			}
		}
		closedir(d);
		runs[r] = (now() - t) * 1e3;
		if (n != expect) {
			fprintf(stderr, "scale: %s lists %ld entries, not %ld\n", dir, n, expect);
			exit(1);
		}
	}
	return median(runs, READDIR_RUNS);
}

/* Median time of one read of a small file (open, read, close), in us. */
static double read_file_us(const char *path)
{
	double runs[READDIR_RUNS];

	for (unsigned int r = 0; r < READDIR_RUNS; r++) {
		double t = now();

		for (unsigned int i = 0; i < 100; i++) {
			char buf[64];
			int fd = open(path, O_RDONLY | O_CLOEXEC);

			if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
				die(path);
			close(fd);
		}
		runs[r] = (now() - t) / 100 * 1e6;
	}
	return median(runs, READDIR_RUNS);
}

/* Seconds a shell command takes (its output discarded), or -1 if it fails. */
static double run_s(const char *cmd)
{
	double t = now();
	int status = system(cmd);

	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return now() - t;
}

static bool have_mdevctl;

static double mdevctl_list_s(void)
{
	char cmd[512];

	if (!have_mdevctl)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s -m %s -- mdevctl list >/dev/null", UMDEVD_EXEC_TOOL, mnt);
	return run_s(cmd);
}

static double ls_l_s(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "ls -l %s >/dev/null", dir);
	return run_s(cmd);
}

/* ---- setting up and tearing down ---- */

static void cleanup(void)
{
	char cmd[512];

	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
		daemon_pid = 0;
	}
	if (saved_pty_max > 0) {
		write_long("/proc/sys/kernel/pty/max", saved_pty_max);
		printf("kernel.pty.max put back to %ld\n", saved_pty_max);
		saved_pty_max = -1;
	}
	if (shm_dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", shm_dir);
		if (system(cmd)) {
		}
	}
	if (top[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
		if (system(cmd)) {
		}
	}
}

static void on_signal(int sig)
{
	(void)sig;
	exit(1); /* runs cleanup() */
}

static void check_ptys(unsigned int need, bool raise)
{
	long max = read_long("/proc/sys/kernel/pty/max");
	long used = read_long("/proc/sys/kernel/pty/nr");
	long want = used + (long)need + 256;

	if (max >= want)
		return;
	if (!raise) {
		fprintf(stderr,
			"scale: %u mtty devices need %u ptys; kernel.pty.max is %ld with %ld in use.\n"
			"       Run `sysctl kernel.pty.max=%ld`, or pass --raise-pty-max to raise it for "
			"this run only.\n", need, need, max, used, want);
		exit(2);
	}
	saved_pty_max = max;
	write_long("/proc/sys/kernel/pty/max", want);
	printf("kernel.pty.max raised from %ld to %ld for the run\n", max, want);
}

/* The daemon may hold 4 descriptors a device and then some: let it (root may). */
static void raise_nofile(unsigned int devices)
{
	struct rlimit lim;
	rlim_t need = 4 * (rlim_t)devices + 4096;

	if (getrlimit(RLIMIT_NOFILE, &lim))
		die("getrlimit");
	if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < need) {
		lim.rlim_max = need;
		if (setrlimit(RLIMIT_NOFILE, &lim))
			die("cannot raise the hard RLIMIT_NOFILE for umdevd");
	}
}

static void start_daemon(unsigned int ports)
{
	char config[128], journal[128], sockets[128], log[128];
	struct stat top_st, mnt_st;
	FILE *f;
	double deadline;

	snprintf(config, sizeof(config), "%s/umdevd.json", top);
	snprintf(journal, sizeof(journal), "%s/journal.json", top);
	snprintf(sockets, sizeof(sockets), "%s/s", top);
	snprintf(log, sizeof(log), "%s/umdevd.log", top);
	snprintf(mnt, sizeof(mnt), "%s/mnt", top);
	f = fopen(config, "we");
	if (!f)
		die(config);
	fprintf(f, "{\"parents\": [{\"module\": \"mtty\", \"name\": \"" PARENT "\", "
		   "\"settings\": {\"ports\": \"%u\"}}]}\n", ports);
	fclose(f);

	daemon_pid = fork();
	if (daemon_pid < 0)
		die("fork");
	if (!daemon_pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		if (no_vfio_user)
			execl(UMDEVD_PATH, "umdevd", "-f", "-l", "warning", "--no-uevents", "-c",
			      config, "-j", journal, "--no-vfio-user", mnt, (char *)NULL);
		else
			execl(UMDEVD_PATH, "umdevd", "-f", "-l", "warning", "--no-uevents", "-c",
			      config, "-j", journal, "-s", sockets, mnt, (char *)NULL);
		_exit(127);
	}
	if (stat(top, &top_st))
		die(top);
	deadline = now() + 60;
	while (stat(mnt, &mnt_st) || mnt_st.st_dev == top_st.st_dev) {
		if (waitpid(daemon_pid, NULL, WNOHANG) == daemon_pid) {
			daemon_pid = 0;
			fprintf(stderr, "scale: umdevd exited at start; see %s\n", log);
			exit(1);
		}
		if (now() > deadline) {
			fprintf(stderr, "scale: umdevd did not mount in 60 s\n");
			exit(1);
		}
		usleep(10000);
	}
	snprintf(create_path, sizeof(create_path),
		 "%s/class/mdev_bus/" PARENT "/mdev_supported_types/mtty-1/create", mnt);
}

/* A tmpfs directory of @n entries (symlinks, as bus/mdev/devices holds). */
static void make_tmpfs_dir(unsigned int n)
{
	snprintf(shm_dir, sizeof(shm_dir), "/dev/shm/umdev-scale-XXXXXX");
	if (!mkdtemp(shm_dir))
		die("mkdtemp in /dev/shm (tmpfs)");
	for (unsigned int i = 0; i < n; i++) {
		char uuid[37], path[128];

		uuid_of(i, uuid);
		snprintf(path, sizeof(path), "%s/%s", shm_dir, uuid);
		if (symlink("../../../devices/virtual/mtty/" PARENT "/x", path))
			die(path);
	}
}

static void print_cost(const char *what, struct cost c)
{
	printf("%-28s %6ld threads %7ld fds %9ld KiB RSS\n", what, c.threads, c.fds, c.rss_kib);
}

int main(int argc, char **argv)
{
	unsigned int devices = 10000, small = 100;
	bool raise_pty = false;
	int argi = 1;
	double t, cr_small, cr_small2, cr_big, rd_big, rd_tmpfs, ls_big, ls_tmpfs, lsl_big,
	       lsl_tmpfs, avail_small, avail_big, mdl_small, mdl_big;
	struct cost c0, c_small, c_big, c_end;
	char devdir[256], avail_path[256];

	for (; argi < argc && argv[argi][0] == '-'; argi++) {
		if (!strcmp(argv[argi], "--raise-pty-max")) {
			raise_pty = true;
		} else if (!strcmp(argv[argi], "--no-vfio-user")) {
			no_vfio_user = true;
		} else {
			fprintf(stderr, "scale: unknown option %s\n", argv[argi]);
			return 2;
		}
	}
	if (argi < argc)
		devices = (unsigned int)strtoul(argv[argi++], NULL, 10);
	if (argi < argc)
		small = (unsigned int)strtoul(argv[argi++], NULL, 10);
	if (devices < 2 || small < 1 || small >= devices) {
		fprintf(stderr, "usage: scale [--raise-pty-max] [--no-vfio-user] [devices (10000)] "
				"[small (100)]\n");
		return 2;
	}
	if (geteuid()) {
		fprintf(stderr, "scale: run as root (FUSE mount, ptys, file descriptors)\n");
		return 2;
	}
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	check_ptys(devices, raise_pty);
	raise_nofile(devices);
	snprintf(top, sizeof(top), "/tmp/umdev-scale-XXXXXX");
	if (!mkdtemp(top))
		die("mkdtemp");
	have_mdevctl = !access("/usr/bin/mdevctl", X_OK) && !access(UMDEVD_EXEC_TOOL, X_OK);

	start_daemon(devices + 1); /* one beyond for the create+remove pairs */
	printf("umdevd %d: one mtty parent of %u ports, journal on, %s\n", daemon_pid, devices,
	       no_vfio_user ? "no vfio-user (--no-vfio-user)" : "vfio-user sockets served");
	c0 = measure();
	print_cost("no device:", c0);

	t = now();
	for (unsigned int i = 0; i < small; i++)
		create_device(i);
	printf("created %u devices in %.2f s\n", small, now() - t);
	c_small = measure();
	print_cost("small:", c_small);
	cr_small = create_remove_us();
	snprintf(avail_path, sizeof(avail_path),
		 "%s/class/mdev_bus/" PARENT "/mdev_supported_types/mtty-1/available_instances",
		 mnt);
	avail_small = read_file_us(avail_path);
	mdl_small = mdevctl_list_s();

	t = now();
	for (unsigned int i = small; i < devices; i++)
		create_device(i);
	printf("created %u more devices in %.1f s\n", devices - small, now() - t);
	sleep(1);
	c_big = measure();
	print_cost("full:", c_big);

	snprintf(devdir, sizeof(devdir), "%s/bus/mdev/devices", mnt);
	cr_big = create_remove_us();
	rd_big = readdir_ms(devdir, devices, false);
	lsl_big = readdir_ms(devdir, devices, true);
	ls_big = ls_l_s(devdir);
	avail_big = read_file_us(avail_path);
	mdl_big = mdevctl_list_s();
	make_tmpfs_dir(devices);
	rd_tmpfs = readdir_ms(shm_dir, devices, false);
	lsl_tmpfs = readdir_ms(shm_dir, devices, true);
	ls_tmpfs = ls_l_s(shm_dir);

	t = now();
	for (unsigned int i = devices; i-- > small;)
		remove_device(i);
	printf("removed %u devices in %.1f s\n", devices - small, now() - t);
	cr_small2 = create_remove_us();
	for (unsigned int i = small; i--;)
		remove_device(i);
	c_end = measure();
	print_cost("all removed:", c_end);

	printf("\nper idle device (%u devices, minus none):\n", devices);
	printf("  threads  %.4f   (%ld with none, %ld with %u, %ld with %u)\n",
	       (double)(c_big.threads - c0.threads) / devices, c0.threads, c_small.threads, small,
	       c_big.threads, devices);
	printf("  fds      %.2f\n", (double)(c_big.fds - c0.fds) / devices);
	printf("  RSS      %.2f KiB   (target <= 16)\n", (double)(c_big.rss_kib - c0.rss_kib) / devices);
	printf("\ncreate+remove through the tree (median of %d blocks of %d pairs):\n", BLOCKS,
	       PAIRS_PER_BLOCK);
	printf("  %5u live  %9.1f us   (before filling)\n", small, cr_small);
	printf("  %5u live  %9.1f us   (after emptying again)\n", small, cr_small2);
	printf("  %5u live  %9.1f us   ratio %.2f to %u live (target <= 1.2)\n", devices, cr_big,
	       cr_big / ((cr_small + cr_small2) / 2), small);
	printf("\nlisting bus/mdev/devices with %u devices (median of %d):\n", devices,
	       READDIR_RUNS);
	printf("  readdir           %8.2f ms (target <= 50)   tmpfs dir of %u symlinks %6.2f ms   "
	       "ratio %.1f\n", rd_big, devices, rd_tmpfs, rd_big / rd_tmpfs);
	printf("  readdir+lstat+readlink %3.2f ms               tmpfs %6.2f ms   ratio %.1f\n",
	       lsl_big, lsl_tmpfs, lsl_big / lsl_tmpfs);
	printf("  ls -l             %8.3f s                   tmpfs %6.3f s    ratio %.1f\n", ls_big,
	       ls_tmpfs, ls_big / ls_tmpfs);
	printf("  available_instances read: %.1f us with %u live, %.1f us with %u   ratio %.2f\n",
	       avail_small, small, avail_big, devices, avail_big / avail_small);
	if (have_mdevctl)
		printf("  mdevctl list (umdevd-exec): %.3f s with %u, %.3f s with %u   "
		       "per device %.0f us and %.0f us\n", mdl_small, small, mdl_big, devices,
		       mdl_small / small * 1e6, mdl_big / devices * 1e6);
	else
		printf("  mdevctl list: not measured (no /usr/bin/mdevctl)\n");
	printf("\nafter removing all: %+ld threads, %+ld fds against no device\n",
	       c_end.threads - c0.threads, c_end.fds - c0.fds);
	return 0;
}
