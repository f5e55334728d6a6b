// SPDX-License-Identifier: MIT
/*
 * fbpattern: paint the VM test's pattern (a guest program, built static by
 * tests/vm/display-case.sh and run by tests/vm/guest/init).
 *
 *   fbpattern [/dev/fbN]      on that framebuffer (default /dev/fb0), mapped as graphical
 *                             programs map it: bochs's through the DRM fbdev emulation, which
 *                             copies the written pages to the device's video memory; mdpy's
 *                             through the sample's mdpy-fb driver, which maps BAR0 itself
 *   fbpattern --bench PCIDIR  bench/display_vm: time writing the BAR against writing the
 *                             guest's own RAM (same size, same loop); prints both and the ratio
 *
 * The pattern is an 8x8 grid of solid blocks over the visible area: block (i, j) (column i,
 * row j) has red 32i+16, green 32j+16, blue 255-32((i+j)%8) (tests/vm/display-compare.py
 * checks it). Prints "WxH".
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fb.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void paint(uint8_t *fb, uint32_t stride, uint32_t width, uint32_t height)
{
	for (uint32_t y = 0; y < height; y++) {
		uint32_t *line = (uint32_t *)(fb + (size_t)y * stride);

		for (uint32_t x = 0; x < width; x++) {
			uint32_t i = x * 8 / width, j = y * 8 / height;

			line[x] = (32 * i + 16) << 16 | (32 * j + 16) << 8 | (255 - 32 * ((i + j) % 8));
		}
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The best of 5 passes writing @len bytes at @p, in MB/s. */
static double write_rate(uint8_t *p, size_t len)
{
	double best = 0;

	for (int pass = 0; pass < 5; pass++) {
		double t0 = now_s(), rate;

		memset(p, pass + 1, len);
		__asm__ volatile("" ::: "memory");
		rate = len / (now_s() - t0) / 1e6;
		best = rate > best ? rate : best;
	}
	return best;
}

static int bench(const char *dir)
{
	size_t len = 2u << 20; /* mdpy-vga's BAR */
	char path[512];
	uint8_t *bar, *ram;
	double bar_rate, ram_rate;
	int fd;

	snprintf(path, sizeof(path), "%s/resource0", dir);
	fd = open(path, O_RDWR | O_SYNC);
	bar = fd < 0 ? MAP_FAILED : mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ram = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (bar == MAP_FAILED || ram == MAP_FAILED) {
		perror("fbpattern: bench");
		return 1;
	}
	bar_rate = write_rate(bar, len);
	ram_rate = write_rate(ram, len);
	printf("video memory BAR %.0f MB/s, own RAM %.0f MB/s, ratio %.2f\n", bar_rate, ram_rate,
	       bar_rate / ram_rate);
	return 0;
}

int main(int argc, char **argv)
{
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	const char *dev = "/dev/fb0";
	uint8_t *fb;
	int fd;

	if (argc == 3 && !strcmp(argv[1], "--bench"))
		return bench(argv[2]);
	if (argc > 1)
		dev = argv[1];
	fd = open(dev, O_RDWR);
	if (fd < 0 || ioctl(fd, FBIOGET_VSCREENINFO, &var) || ioctl(fd, FBIOGET_FSCREENINFO, &fix)) {
		fprintf(stderr, "fbpattern: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	if (var.bits_per_pixel != 32 || var.red.offset != 16 || var.green.offset != 8 ||
	    var.blue.offset != 0 || var.xres % 8 || var.yres % 8) {
		fprintf(stderr, "fbpattern: %ux%u, %u bpp, red at %u: not XRGB8888 in 8x8 blocks\n",
			var.xres, var.yres, var.bits_per_pixel, var.red.offset);
		return 1;
	}
	fb = mmap(NULL, fix.smem_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fb == MAP_FAILED) {
		perror("fbpattern: mmap");
		return 1;
	}
	paint(fb + (size_t)var.yoffset * fix.line_length + (size_t)var.xoffset * 4, fix.line_length,
	      var.xres, var.yres);
	/* flush the deferred I/O now rather than at its next tick */
	if (msync(fb, fix.smem_len, MS_SYNC) || fsync(fd)) {
		perror("fbpattern: sync");
		return 1;
	}
	printf("%ux%u\n", var.xres, var.yres);
	return 0;
}
