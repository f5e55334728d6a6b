// SPDX-License-Identifier: MIT
/*
 * The mbochs register model (drivers/mbochs/mbochs_regs.c) as the bochs
 * DRM driver and a hostile guest drive it: identification, the EDID, a mode
 * set the way Linux does it, panning, other depths and byte order, the
 * VGA palette, and values that must be refused without changing anything
 * or letting the scanout reach outside video memory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mbochs_regs.h"

#define VRAM (4u << 20)

static struct mbochs_regs regs;

static int setup(void **state)
{
	uint8_t edid[UMDEV_DISPLAY_EDID_SIZE];

	(void)state;
	assert_int_equal(umdev_display_edid(edid, 800, 600, "umdev mbochs"), 0);
	mbochs_regs_init(&regs, VRAM, 800, 600, edid);
	return 0;
}

static uint16_t rd16(uint32_t offset)
{
	uint8_t b[2];

	mbochs_regs_read(&regs, offset, b, 2);
	return (uint16_t)(b[0] | b[1] << 8);
}

static uint32_t rd32(uint32_t offset)
{
	uint8_t b[4];

	mbochs_regs_read(&regs, offset, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static int wr16(uint32_t offset, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	return mbochs_regs_write(&regs, offset, b, 2, NULL, 0);
}

static int wr32(uint32_t offset, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	return mbochs_regs_write(&regs, offset, b, 4, NULL, 0);
}

static int dispi(unsigned int index, uint16_t v)
{
	return wr16(MBOCHS_DISPI_OFFSET + 2 * index, v);
}

static uint16_t dispi_get(unsigned int index)
{
	return rd16(MBOCHS_DISPI_OFFSET + 2 * index);
}

/* What Linux's bochs driver writes to set a mode (bochs_hw_setmode). */
static void linux_setmode(uint16_t x, uint16_t y)
{
	assert_int_equal(dispi(DISPI_ENABLE, 0), 0);
	assert_int_equal(dispi(DISPI_BPP, 32), 0);
	assert_int_equal(dispi(DISPI_XRES, x), 0);
	assert_int_equal(dispi(DISPI_YRES, y), 0);
	assert_int_equal(dispi(DISPI_BANK, 0), 0);
	assert_int_equal(dispi(DISPI_VIRT_WIDTH, x), 0);
	assert_int_equal(dispi(DISPI_VIRT_HEIGHT, (uint16_t)(VRAM / (x * 4u))), 0);
	assert_int_equal(dispi(DISPI_X_OFFSET, 0), 0);
	assert_int_equal(dispi(DISPI_Y_OFFSET, 0), 0);
	assert_int_equal(dispi(DISPI_ENABLE, DISPI_ENABLED | DISPI_LFB_ENABLED), 0);
}

static void test_identity(void **state)
{
	(void)state;
	/* the driver checks (id & 0xfff0) == 0xb0c0 and the 64K count against BAR0 */
	assert_int_equal(dispi_get(DISPI_ID) & 0xfff0, DISPI_ID0);
	assert_int_equal(dispi_get(DISPI_VIDEO_MEMORY_64K), VRAM / 65536);
	assert_int_equal(rd32(MBOCHS_EXT_OFFSET), MBOCHS_EXT_SIZE);
	assert_int_equal(rd32(MBOCHS_EXT_OFFSET + 4), EXT_LITTLE_ENDIAN);
	/* GETCAPS: the largest values instead of the current ones */
	assert_int_equal(dispi(DISPI_ENABLE, DISPI_GETCAPS), 0);
	assert_int_equal(dispi_get(DISPI_XRES), 800);
	assert_int_equal(dispi_get(DISPI_YRES), 600);
	assert_int_equal(dispi_get(DISPI_BPP), 32);
}

static void test_edid(void **state)
{
	uint8_t edid[128], sum = 0;

	(void)state;
	mbochs_regs_read(&regs, MBOCHS_EDID_OFFSET, edid, sizeof(edid));
	assert_memory_equal(edid, "\x00\xff\xff\xff\xff\xff\xff\x00", 8);
	for (unsigned int i = 0; i < 128; i++)
		sum = (uint8_t)(sum + edid[i]);
	assert_int_equal(sum, 0);
	assert_int_equal(edid[18], 1);
	assert_int_equal(edid[19], 4);
	/* the preferred detailed timing is the type's largest mode: 800x600 */
	assert_int_equal(edid[56] | (edid[58] >> 4) << 8, 800);
	assert_int_equal(edid[59] | (edid[61] >> 4) << 8, 600);
	/* 1024x768 does not fit the type, so it is not among the established modes */
	assert_int_equal(edid[36] & 0x08, 0);
	assert_int_equal(edid[35] & 0x21, 0x21);
	/* read-only */
	assert_int_equal(wr32(MBOCHS_EDID_OFFSET, 0), -EINVAL);
	assert_int_equal(rd32(MBOCHS_EDID_OFFSET), 0xffffff00);
	/* sizes EDID cannot describe */
	assert_int_equal(umdev_display_edid(edid, 320, 200, "x"), -1);
	assert_int_equal(umdev_display_edid(edid, 8192, 4096, "x"), -1);
	assert_int_equal(umdev_display_edid(edid, 3840, 2160, "x"), 0);
}

static void test_linux_mode_set(void **state)
{
	struct umdev_display_mode m;

	(void)state;
	mbochs_regs_mode(&regs, &m);
	assert_false(m.enabled);
	linux_setmode(800, 600);
	assert_true(regs.clear_vram); /* enabled without NOCLEARMEM */
	mbochs_regs_mode(&regs, &m);
	assert_true(m.enabled);
	assert_int_equal(m.format, UMDEV_DISPLAY_XRGB8888);
	assert_int_equal(m.width, 800);
	assert_int_equal(m.height, 600);
	assert_int_equal(m.stride, 3200);
	assert_int_equal(m.offset, 0);
	/* page flip to the second buffer: bochs_hw_setbase pans by y */
	assert_int_equal(dispi(DISPI_Y_OFFSET, 600), 0);
	mbochs_regs_mode(&regs, &m);
	assert_int_equal(m.offset, 600 * 3200);
	/* big-endian framebuffer (DRM_FORMAT_BGRX8888) through QEMU's extension */
	assert_int_equal(wr32(MBOCHS_EXT_OFFSET + 4, EXT_BIG_ENDIAN), 0);
	mbochs_regs_mode(&regs, &m);
	assert_int_equal(m.format, UMDEV_DISPLAY_BGRX8888);
	/* a smaller mode, then off */
	linux_setmode(640, 480);
	mbochs_regs_mode(&regs, &m);
	assert_int_equal(m.width, 640);
	assert_int_equal(m.stride, 2560);
	assert_int_equal(m.offset, 0);
	assert_int_equal(dispi(DISPI_ENABLE, 0), 0);
	mbochs_regs_mode(&regs, &m);
	assert_false(m.enabled);
}

static void test_depths(void **state)
{
	static const struct { uint16_t bpp; enum umdev_display_format format; unsigned int cpp; } d[] = {
		{ 8, UMDEV_DISPLAY_C8, 1 }, { 15, UMDEV_DISPLAY_XRGB1555, 2 },
		{ 16, UMDEV_DISPLAY_RGB565, 2 }, { 24, UMDEV_DISPLAY_RGB888, 3 },
		{ 32, UMDEV_DISPLAY_XRGB8888, 4 },
	};
	struct umdev_display_mode m;

	(void)state;
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		assert_int_equal(dispi(DISPI_ENABLE, 0), 0);
		assert_int_equal(dispi(DISPI_BPP, d[i].bpp), 0);
		assert_int_equal(dispi(DISPI_XRES, 640), 0);
		assert_int_equal(dispi(DISPI_YRES, 480), 0);
		assert_int_equal(dispi(DISPI_ENABLE, DISPI_ENABLED | DISPI_NOCLEARMEM), 0);
		assert_false(regs.clear_vram);
		mbochs_regs_mode(&regs, &m);
		assert_true(m.enabled);
		assert_int_equal(m.format, d[i].format);
		assert_int_equal(m.stride, 640 * d[i].cpp);
	}
	/* bpp 0 means 8, as in QEMU */
	assert_int_equal(dispi(DISPI_BPP, 0), 0);
	assert_int_equal(dispi_get(DISPI_BPP), 8);
}

static void test_palette(void **state)
{
	uint8_t v;

	(void)state;
	/* DAC write index 5, then red, green, blue (6 bits each) */
	assert_int_equal(mbochs_regs_write(&regs, MBOCHS_VGA_OFFSET + 8, "\x05", 1, NULL, 0), 0);
	assert_int_equal(mbochs_regs_write(&regs, MBOCHS_VGA_OFFSET + 9, "\x3f", 1, NULL, 0), 0);
	assert_int_equal(mbochs_regs_write(&regs, MBOCHS_VGA_OFFSET + 9, "\x20", 1, NULL, 0), 0);
	assert_int_equal(mbochs_regs_write(&regs, MBOCHS_VGA_OFFSET + 9, "\x01", 1, NULL, 0), 0);
	assert_int_equal(mbochs_regs_palette(&regs, 5), 0xfc8004);
	assert_int_equal(dispi(DISPI_ENABLE, DISPI_8BIT_DAC), 0);
	assert_int_equal(mbochs_regs_palette(&regs, 5), 0x3f2001);
	/* read it back through 0x3c7/0x3c9 */
	assert_int_equal(mbochs_regs_write(&regs, MBOCHS_VGA_OFFSET + 7, "\x05", 1, NULL, 0), 0);
	mbochs_regs_read(&regs, MBOCHS_VGA_OFFSET + 9, &v, 1);
	assert_int_equal(v, 0x3f);
	/* the attribute index (0x3c0) the driver writes to unblank */
	mbochs_regs_read(&regs, MBOCHS_VGA_OFFSET + 0x1a, &v, 1); /* resets the flip-flop */
	assert_int_equal(mbochs_regs_write(&regs, MBOCHS_VGA_OFFSET, "\x20", 1, NULL, 0), 0);
	mbochs_regs_read(&regs, MBOCHS_VGA_OFFSET, &v, 1);
	assert_int_equal(v, 0x20);
}

/* Each bad value: refused, the register unchanged, a reason given. */
static void refused(unsigned int index, uint16_t v)
{
	uint16_t before = regs.dispi[index];
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	char why[128] = "";

	assert_int_equal(mbochs_regs_write(&regs, MBOCHS_DISPI_OFFSET + 2 * index, b, 2, why,
					   sizeof(why)), -EINVAL);
	assert_int_equal(regs.dispi[index], before);
	assert_true(why[0] != '\0');
}

static void test_bad_values(void **state)
{
	struct umdev_display_mode m;
	char why[128];

	(void)state;
	linux_setmode(800, 600);
	refused(DISPI_XRES, 808);	/* above the type's 800 */
	refused(DISPI_XRES, 801);	/* not a multiple of 8 */
	refused(DISPI_YRES, 601);
	refused(DISPI_YRES, 0xffff);
	refused(DISPI_BPP, 4);
	refused(DISPI_BPP, 33);
	refused(DISPI_BANK, VRAM / 65536);
	refused(DISPI_BANK, 0xffff);
	refused(DISPI_VIRT_HEIGHT, 0xffff);
	refused(DISPI_Y_OFFSET, (uint16_t)(VRAM / 3200 + 1)); /* a line starting past the end */
	refused(DISPI_X_OFFSET, 0xffff);
	refused(DISPI_VIDEO_MEMORY_64K, 1);
	refused(DISPI_ID, 0x1234);
	assert_int_equal(mbochs_regs_write(&regs, MBOCHS_DISPI_OFFSET + 2 * DISPI_NR_REGS, "\0\0", 2,
					   why, sizeof(why)), -EINVAL);
	assert_int_equal(wr32(MBOCHS_EXT_OFFSET + 4, 0x12345678), -EINVAL);
	assert_int_equal(rd32(MBOCHS_EXT_OFFSET + 4), EXT_LITTLE_ENDIAN);
	assert_int_equal(wr32(MBOCHS_EXT_OFFSET, 64), -EINVAL);
	assert_int_equal(wr32(0x800, 1), -EINVAL);
	/* the mode set before is untouched */
	mbochs_regs_mode(&regs, &m);
	assert_true(m.enabled);
	assert_int_equal(m.width, 800);
	assert_int_equal(m.offset, 0);
}

/* Values that each pass alone but together would reach beyond video memory show nothing. */
static void test_never_outside_vram(void **state)
{
	struct umdev_display_mode m;

	(void)state;
	linux_setmode(800, 600);
	/* the last line that can start a screen: panning there leaves 599 lines outside */
	assert_int_equal(dispi(DISPI_Y_OFFSET, (uint16_t)(VRAM / 3200 - 1)), 0);
	mbochs_regs_mode(&regs, &m);
	assert_false(m.enabled);
	assert_int_equal(umdev_display_mode_check(&m, VRAM), 0);
	/* enabling a mode larger than video memory is refused */
	assert_int_equal(dispi(DISPI_ENABLE, 0), 0);
	assert_int_equal(dispi(DISPI_BPP, 32), 0);
	refused(DISPI_XRES, 16000);
	assert_int_equal(dispi(DISPI_ENABLE, DISPI_ENABLED), 0); /* 800x600x4 fits */
	assert_int_equal(dispi(DISPI_ENABLE, 0), 0);
	assert_int_equal(dispi(DISPI_YRES, 0), 0);
	refused(DISPI_ENABLE, DISPI_ENABLED); /* 800x0: nothing to show */
	/* a wide virtual screen then a wide bpp: the line no longer fits */
	assert_int_equal(dispi(DISPI_YRES, 600), 0);
	assert_int_equal(dispi(DISPI_BPP, 8), 0);
	assert_int_equal(dispi(DISPI_ENABLE, DISPI_ENABLED | DISPI_NOCLEARMEM), 0);
	assert_int_equal(dispi(DISPI_VIRT_WIDTH, 0xfff8), 0); /* 64 KB lines at 8 bpp: fits */
	assert_int_equal(dispi(DISPI_BPP, 32), 0);	     /* now 256 KB lines x 600 */
	mbochs_regs_mode(&regs, &m);
	assert_false(m.enabled);
}

static void test_reset(void **state)
{
	struct umdev_display_mode m;

	(void)state;
	linux_setmode(800, 600);
	assert_int_equal(wr32(MBOCHS_EXT_OFFSET + 4, EXT_BIG_ENDIAN), 0);
	mbochs_regs_reset(&regs);
	mbochs_regs_mode(&regs, &m);
	assert_false(m.enabled);
	assert_int_equal(rd32(MBOCHS_EXT_OFFSET + 4), EXT_LITTLE_ENDIAN);
	assert_int_equal(dispi_get(DISPI_ID), DISPI_ID5);
	assert_int_equal(rd32(MBOCHS_EDID_OFFSET), 0xffffff00); /* the EDID stays */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_identity, setup),
		cmocka_unit_test_setup(test_edid, setup),
		cmocka_unit_test_setup(test_linux_mode_set, setup),
		cmocka_unit_test_setup(test_depths, setup),
		cmocka_unit_test_setup(test_palette, setup),
		cmocka_unit_test_setup(test_bad_values, setup),
		cmocka_unit_test_setup(test_never_outside_vram, setup),
		cmocka_unit_test_setup(test_reset, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
