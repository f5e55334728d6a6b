// SPDX-License-Identifier: MIT
/*
 * Pixel formats: from what the guest wrote into video memory to the RGBX
 * bytes every host-side view uses (PNG rows with a filler byte, and the
 * VNC server's default 32-bit format, red in the lowest byte).
 */
#include <string.h>

#include "private.h"

unsigned int umdev_display_format_cpp(enum umdev_display_format format)
{
	switch (format) {
	case UMDEV_DISPLAY_C8: return 1;
	case UMDEV_DISPLAY_XRGB1555:
	case UMDEV_DISPLAY_RGB565: return 2;
	case UMDEV_DISPLAY_RGB888: return 3;
	case UMDEV_DISPLAY_XRGB8888:
	case UMDEV_DISPLAY_BGRX8888: return 4;
	default: return 0;
	}
}

const char *umdev_display_format_name(enum umdev_display_format format)
{
	static const char *const names[UMDEV_DISPLAY_NR_FORMATS] = {
		[UMDEV_DISPLAY_C8] = "C8",
		[UMDEV_DISPLAY_XRGB1555] = "XRGB1555",
		[UMDEV_DISPLAY_RGB565] = "RGB565",
		[UMDEV_DISPLAY_RGB888] = "RGB888",
		[UMDEV_DISPLAY_XRGB8888] = "XRGB8888",
		[UMDEV_DISPLAY_BGRX8888] = "BGRX8888",
	};

	return (unsigned int)format < UMDEV_DISPLAY_NR_FORMATS ? names[format] : "?";
}

/* Widens an n-bit channel to 8 bits so that full scale stays full scale. */
static uint8_t widen(unsigned int v, unsigned int bits)
{
	return (uint8_t)((v << (8 - bits)) | (v >> (2 * bits - 8)));
}

static void put(uint8_t *dst, uint8_t r, uint8_t g, uint8_t b)
{
	dst[0] = r;
	dst[1] = g;
	dst[2] = b;
	dst[3] = 0;
}

void umdev_display_convert_line(enum umdev_display_format format, const uint8_t *src,
				uint8_t *dst, uint32_t width, const uint32_t *palette)
{
	for (uint32_t x = 0; x < width; x++, dst += 4) {
		unsigned int v;

		switch (format) {
		case UMDEV_DISPLAY_C8:
			v = palette[src[x]];
			put(dst, (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v);
			break;
		case UMDEV_DISPLAY_XRGB1555:
			v = src[2 * x] | src[2 * x + 1] << 8;
			put(dst, widen(v >> 10 & 0x1f, 5), widen(v >> 5 & 0x1f, 5), widen(v & 0x1f, 5));
			break;
		case UMDEV_DISPLAY_RGB565:
			v = src[2 * x] | src[2 * x + 1] << 8;
			put(dst, widen(v >> 11, 5), widen(v >> 5 & 0x3f, 6), widen(v & 0x1f, 5));
			break;
		case UMDEV_DISPLAY_RGB888:
			put(dst, src[3 * x + 2], src[3 * x + 1], src[3 * x]);
			break;
		case UMDEV_DISPLAY_XRGB8888:
			put(dst, src[4 * x + 2], src[4 * x + 1], src[4 * x]);
			break;
		case UMDEV_DISPLAY_BGRX8888:
			put(dst, src[4 * x + 1], src[4 * x + 2], src[4 * x + 3]);
			break;
		default:
			memset(dst, 0, 4);
			break;
		}
	}
}
