// SPDX-License-Identifier: MIT
/*
 * An EDID 1.4 base block describing a monitor whose preferred (and
 * largest) mode is the one given, as display devices offer to the guest
 * so that its driver picks a mode the device can show. Timings are a
 * 60 Hz mode with reduced blanking; the established 640x480, 800x600 and
 * 1024x768 modes are listed when they fit.
 */
#include <string.h>

#include <umdev/display.h>

#define H_BLANK 160
#define H_FRONT 48
#define H_SYNC 32
#define V_FRONT 3
#define V_SYNC 5
#define V_BLANK 28
#define REFRESH_HZ 60

static void put_descriptor_text(uint8_t *d, uint8_t tag, const char *text)
{
	size_t len = strlen(text);

	memset(d, 0, 18);
	d[3] = tag;
	if (len > 13)
		len = 13;
	memcpy(d + 5, text, len);
	if (len < 13) {
		d[5 + len] = '\n';
		memset(d + 6 + len, ' ', 12 - len);
	}
}

static void put_detailed_timing(uint8_t *d, uint32_t w, uint32_t h)
{
	uint32_t clock = (w + H_BLANK) * (h + V_BLANK) * REFRESH_HZ / 10000; /* 10 kHz units */
	uint32_t w_mm = w * 254 / 960, h_mm = h * 254 / 960; /* 96 dots per inch */

	d[0] = (uint8_t)clock;
	d[1] = (uint8_t)(clock >> 8);
	d[2] = (uint8_t)w;
	d[3] = H_BLANK & 0xff;
	d[4] = (uint8_t)((w >> 8) << 4 | (H_BLANK >> 8));
	d[5] = (uint8_t)h;
	d[6] = V_BLANK;
	d[7] = (uint8_t)((h >> 8) << 4 | (V_BLANK >> 8));
	d[8] = H_FRONT;
	d[9] = H_SYNC;
	d[10] = V_FRONT << 4 | V_SYNC;
	d[11] = 0;
	d[12] = (uint8_t)w_mm;
	d[13] = (uint8_t)h_mm;
	d[14] = (uint8_t)((w_mm >> 8) << 4 | (h_mm >> 8 & 0xf));
	d[15] = 0;
	d[16] = 0;
	d[17] = 0x1e; /* digital separate sync, both polarities positive */
}

int umdev_display_edid(uint8_t edid[UMDEV_DISPLAY_EDID_SIZE], uint32_t width, uint32_t height,
		       const char *name)
{
	/* CIE coordinates of sRGB's primaries and white point, in EDID's packing */
	static const uint8_t srgb_chroma[10] = { 0xee, 0x91, 0xa3, 0x54, 0x4c,
						 0x99, 0x26, 0x0f, 0x50, 0x54 };
	/* "UMD": three letters, 5 bits each */
	uint16_t maker = ('U' - '@') << 10 | ('M' - '@') << 5 | ('D' - '@');
	uint32_t max_clock_mhz = (width + H_BLANK) * (height + V_BLANK) * REFRESH_HZ / 1000000 + 1;
	uint8_t sum = 0;

	/* 12 bits of active pixels, 16 bits of clock in 10 kHz units */
	if (width < 640 || height < 480 || width > 4095 || height > 4095 ||
	    (width + H_BLANK) * (height + V_BLANK) * (uint64_t)REFRESH_HZ / 10000 > 0xffff)
		return -1;
	memset(edid, 0, UMDEV_DISPLAY_EDID_SIZE);
	memcpy(edid, "\x00\xff\xff\xff\xff\xff\xff\x00", 8);
	edid[8] = (uint8_t)(maker >> 8);
	edid[9] = (uint8_t)maker;
	edid[10] = 0x11; /* product 0x1111, like the device */
	edid[11] = 0x11;
	edid[16] = 0;  /* week unknown */
	edid[17] = 36; /* 2026 - 1990 */
	edid[18] = 1;  /* EDID 1.4 */
	edid[19] = 4;
	edid[20] = 0xa5; /* digital, 8 bits per colour, DisplayPort */
	edid[21] = (uint8_t)(width * 254 / 9600);  /* cm */
	edid[22] = (uint8_t)(height * 254 / 9600); /* cm */
	edid[23] = 120; /* gamma 2.2 */
	edid[24] = 0x06; /* RGB 4:4:4, sRGB, the first timing is preferred */
	memcpy(edid + 25, srgb_chroma, sizeof(srgb_chroma));
	if (width >= 640 && height >= 480)
		edid[35] |= 0x20; /* 640x480@60 */
	if (width >= 800 && height >= 600)
		edid[35] |= 0x01; /* 800x600@60 */
	if (width >= 1024 && height >= 768)
		edid[36] |= 0x08; /* 1024x768@60 */
	memset(edid + 38, 0x01, 16); /* no standard timings */
	put_detailed_timing(edid + 54, width, height);
	/* range limits: 50-75 Hz vertical, 30-250 kHz horizontal, the clock above */
	memset(edid + 72, 0, 18);
	edid[75] = 0xfd;
	edid[77] = 50;
	edid[78] = 75;
	edid[79] = 30;
	edid[80] = 250;
	edid[81] = (uint8_t)((max_clock_mhz + 9) / 10 > 255 ? 255 : (max_clock_mhz + 9) / 10);
	edid[82] = 0x01; /* range limits only, no timing formula */
	edid[83] = '\n';
	memset(edid + 84, ' ', 6);
	put_descriptor_text(edid + 90, 0xfc, name); /* monitor name */
	memset(edid + 108, 0, 18); /* a dummy descriptor */
	edid[111] = 0x10;
	edid[126] = 0; /* no extension blocks */
	for (unsigned int i = 0; i < 127; i++)
		sum = (uint8_t)(sum + edid[i]);
	edid[127] = (uint8_t)(0x100 - sum);
	return 0;
}
