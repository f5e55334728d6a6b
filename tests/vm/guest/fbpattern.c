// SPDX-License-Identifier: MIT
/*
 * fbpattern: paint the VM test's pattern on /dev/fb0 (a guest program, built static by
 * tests/vm/display-case.sh and run by tests/vm/guest/init).
 *
 * It maps the framebuffer as graphical programs do; the DRM fbdev emulation notices the
 * written pages and copies them to the device's video memory. The pattern is an 8x8 grid of
 * solid blocks over the visible area: block (i, j) (column i, row j) has red 32i+16, green
 * 32j+16, blue 255-32((i+j)%8) (tests/vm/display-compare.py checks it). Prints "WxH".
 */
#include <fcntl.h>
#include <linux/fb.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	uint8_t *fb;
	int fd = open("/dev/fb0", O_RDWR);

	if (fd < 0 || ioctl(fd, FBIOGET_VSCREENINFO, &var) || ioctl(fd, FBIOGET_FSCREENINFO, &fix)) {
		perror("fbpattern: /dev/fb0");
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
	for (uint32_t y = 0; y < var.yres; y++) {
		uint32_t *line = (uint32_t *)(fb + (size_t)(y + var.yoffset) * fix.line_length) + var.xoffset;

		for (uint32_t x = 0; x < var.xres; x++) {
			uint32_t i = x * 8 / var.xres, j = y * 8 / var.yres;

			line[x] = (32 * i + 16) << 16 | (32 * j + 16) << 8 | (255 - 32 * ((i + j) % 8));
		}
	}
	/* flush the deferred I/O now rather than at its next tick */
	if (msync(fb, fix.smem_len, MS_SYNC) || fsync(fd)) {
		perror("fbpattern: sync");
		return 1;
	}
	printf("%ux%u\n", var.xres, var.yres);
	return 0;
}
