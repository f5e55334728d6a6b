// SPDX-License-Identifier: MIT
/*
 * The mbochs register model (see mbochs_regs.h for the layout). The rules
 * follow QEMU's stdvga where the bochs DRM driver depends on them (what an
 * enable does, GETCAPS, the size of video memory in 64K units, the byte
 * order switch) and are stricter where QEMU silently adjusts: a value that
 * cannot be shown from this device's video memory is refused as a whole.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mbochs_regs.h"

static void why(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

void mbochs_regs_init(struct mbochs_regs *r, uint64_t vram_size, uint32_t max_xres,
		      uint32_t max_yres, const uint8_t edid[UMDEV_DISPLAY_EDID_SIZE])
{
	memset(r, 0, sizeof(*r));
	r->vram_size = vram_size;
	r->max_xres = max_xres < DISPI_MAX_XRES ? max_xres : DISPI_MAX_XRES;
	r->max_yres = max_yres < DISPI_MAX_YRES ? max_yres : DISPI_MAX_YRES;
	memcpy(r->edid, edid, UMDEV_DISPLAY_EDID_SIZE);
	mbochs_regs_reset(r);
}

void mbochs_regs_reset(struct mbochs_regs *r)
{
	memset(r->dispi, 0, sizeof(r->dispi));
	r->dispi[DISPI_ID] = DISPI_ID5;
	r->dispi[DISPI_BPP] = 8;
	r->byte_order = EXT_LITTLE_ENDIAN;
	memset(r->vga, 0, sizeof(r->vga));
	r->ar_data = false;
	r->dac_write = r->dac_read = r->dac_step = 0;
	memset(r->palette, 0, sizeof(r->palette));
	r->palette_changed = true;
	r->clear_vram = false;
}

static unsigned int bpp_cpp(unsigned int bpp)
{
	switch (bpp) {
	case 8: return 1;
	case 15:
	case 16: return 2;
	case 24: return 3;
	case 32: return 4;
	default: return 0;
	}
}

/* Bytes per line: the virtual width, never less than the visible one. */
static uint64_t line_bytes(const struct mbochs_regs *r, unsigned int cpp)
{
	uint32_t w = r->dispi[DISPI_VIRT_WIDTH] > r->dispi[DISPI_XRES] ? r->dispi[DISPI_VIRT_WIDTH]
								       : r->dispi[DISPI_XRES];
	return (uint64_t)w * cpp;
}

static uint16_t dispi_read(const struct mbochs_regs *r, unsigned int index)
{
	bool caps = r->dispi[DISPI_ENABLE] & DISPI_GETCAPS;
	uint64_t banks = r->vram_size / DISPI_BANK_SIZE;

	switch (index) {
	case DISPI_XRES: return caps ? (uint16_t)r->max_xres : r->dispi[index];
	case DISPI_YRES: return caps ? (uint16_t)r->max_yres : r->dispi[index];
	case DISPI_BPP: return caps ? 32 : r->dispi[index];
	case DISPI_VIDEO_MEMORY_64K: return banks > 0xffff ? 0xffff : (uint16_t)banks;
	default: return index < DISPI_NR_REGS ? r->dispi[index] : 0;
	}
}

static int dispi_write(struct mbochs_regs *r, unsigned int index, uint16_t val, char *w,
		       size_t ws)
{
	unsigned int cpp = bpp_cpp(r->dispi[DISPI_BPP]);
	uint64_t line = line_bytes(r, cpp);

	switch (index) {
	case DISPI_ID:
		if (val < DISPI_ID0 || val > DISPI_ID5)
			return why(w, ws, "ID %#x is no bochs interface id", val), -EINVAL;
		break;
	case DISPI_XRES:
		if (val > r->max_xres || val % 8)
			return why(w, ws, "xres %u: not a multiple of 8 up to %u", val,
				   r->max_xres), -EINVAL;
		break;
	case DISPI_YRES:
		if (val > r->max_yres)
			return why(w, ws, "yres %u above %u", val, r->max_yres), -EINVAL;
		break;
	case DISPI_BPP:
		if (!val)
			val = 8;
		if (!bpp_cpp(val))
			return why(w, ws, "bpp %u: not 8, 15, 16, 24 or 32", val), -EINVAL;
		break;
	case DISPI_ENABLE: {
		uint32_t x = r->dispi[DISPI_XRES], y = r->dispi[DISPI_YRES];

		val &= DISPI_ENABLED | DISPI_GETCAPS | DISPI_8BIT_DAC | DISPI_LFB_ENABLED |
		       DISPI_NOCLEARMEM;
		if ((val & DISPI_ENABLED) && !(r->dispi[DISPI_ENABLE] & DISPI_ENABLED)) {
			if (!x || !y || (uint64_t)x * y * cpp > r->vram_size)
				return why(w, ws, "enable %ux%u at %u bpp: does not fit %llu bytes",
					   x, y, r->dispi[DISPI_BPP],
					   (unsigned long long)r->vram_size), -EINVAL;
			/* as QEMU: a fresh mode starts unpanned, as wide as it is visible */
			r->dispi[DISPI_VIRT_WIDTH] = (uint16_t)x;
			r->dispi[DISPI_X_OFFSET] = 0;
			r->dispi[DISPI_Y_OFFSET] = 0;
			line = (uint64_t)x * cpp;
			r->dispi[DISPI_VIRT_HEIGHT] =
				(uint16_t)(r->vram_size / line > 0xffff ? 0xffff : r->vram_size / line);
			r->clear_vram = !(val & DISPI_NOCLEARMEM);
		}
		break;
	}
	case DISPI_BANK:
		if ((uint64_t)val * DISPI_BANK_SIZE >= r->vram_size)
			return why(w, ws, "bank %u beyond %llu bytes", val,
				   (unsigned long long)r->vram_size), -EINVAL;
		break;
	case DISPI_VIRT_WIDTH:
		if ((uint64_t)val * cpp > r->vram_size)
			return why(w, ws, "virt_width %u: a line beyond video memory", val), -EINVAL;
		break;
	case DISPI_VIRT_HEIGHT:
		if (line * val > r->vram_size)
			return why(w, ws, "virt_height %u: beyond video memory", val), -EINVAL;
		break;
	case DISPI_X_OFFSET:
	case DISPI_Y_OFFSET: {
		uint64_t x = index == DISPI_X_OFFSET ? val : r->dispi[DISPI_X_OFFSET];
		uint64_t y = index == DISPI_Y_OFFSET ? val : r->dispi[DISPI_Y_OFFSET];

		if ((cpp && x * cpp >= line) || y * line + x * cpp >= r->vram_size)
			return why(w, ws, "offset %llu,%llu beyond the virtual screen or video memory",
				   (unsigned long long)x, (unsigned long long)y), -EINVAL;
		break;
	}
	case DISPI_VIDEO_MEMORY_64K:
		return why(w, ws, "video_memory_64k is read-only"), -EINVAL;
	default:
		return why(w, ws, "no DISPI register %u", index), -EINVAL;
	}
	r->dispi[index] = val;
	return 0;
}

static uint8_t vga_read(struct mbochs_regs *r, unsigned int port)
{
	uint8_t v;

	switch (port) {
	case 0x3c9: /* DAC data: red, green, blue of the read index in turn */
		v = r->palette[r->dac_read][r->dac_step];
		if (++r->dac_step == 3) {
			r->dac_step = 0;
			r->dac_read++;
		}
		return v;
	case 0x3c8:
		return r->dac_write;
	case 0x3da: /* input status: reading it resets the attribute flip-flop */
		r->ar_data = false;
		return 0;
	default:
		return r->vga[port - 0x3c0];
	}
}

static void vga_write(struct mbochs_regs *r, unsigned int port, uint8_t v)
{
	switch (port) {
	case 0x3c0: /* attribute controller: index, then data, alternately */
		if (!r->ar_data)
			r->vga[0] = v;
		else
			r->vga[1] = v;
		r->ar_data = !r->ar_data;
		break;
	case 0x3c7:
		r->dac_read = v;
		r->dac_step = 0;
		break;
	case 0x3c8:
		r->dac_write = v;
		r->dac_step = 0;
		break;
	case 0x3c9:
		r->dac_cache[r->dac_step++] = v;
		if (r->dac_step == 3) {
			memcpy(r->palette[r->dac_write++], r->dac_cache, 3);
			r->dac_step = 0;
			r->palette_changed = true;
		}
		break;
	default:
		r->vga[port - 0x3c0] = v;
		break;
	}
}

static uint32_t ext_read(const struct mbochs_regs *r, unsigned int index)
{
	return index == 0 ? MBOCHS_EXT_SIZE : r->byte_order;
}

static uint8_t read_byte(struct mbochs_regs *r, uint32_t o)
{
	if (o < MBOCHS_EDID_OFFSET + UMDEV_DISPLAY_EDID_SIZE)
		return r->edid[o - MBOCHS_EDID_OFFSET];
	if (o >= MBOCHS_VGA_OFFSET && o < MBOCHS_VGA_OFFSET + MBOCHS_VGA_SIZE)
		return vga_read(r, 0x3c0 + o - MBOCHS_VGA_OFFSET);
	if (o >= MBOCHS_DISPI_OFFSET && o < MBOCHS_DISPI_OFFSET + 2 * DISPI_NR_REGS)
		return (uint8_t)(dispi_read(r, (o - MBOCHS_DISPI_OFFSET) / 2) >> 8 * (o & 1));
	if (o >= MBOCHS_EXT_OFFSET && o < MBOCHS_EXT_OFFSET + MBOCHS_EXT_SIZE)
		return (uint8_t)(ext_read(r, (o - MBOCHS_EXT_OFFSET) / 4) >> 8 * (o & 3));
	return 0;
}

void mbochs_regs_read(struct mbochs_regs *r, uint32_t offset, void *buf, size_t count)
{
	uint8_t *out = buf;

	for (size_t i = 0; i < count; i++)
		out[i] = offset + i < MBOCHS_MMIO_SIZE ? read_byte(r, (uint32_t)(offset + i)) : 0xff;
}

int mbochs_regs_write(struct mbochs_regs *r, uint32_t offset, const void *buf, size_t count,
		      char *w, size_t ws)
{
	const uint8_t *in = buf;
	int ret = 0;

	for (size_t i = 0; i < count;) {
		uint32_t o = (uint32_t)(offset + i);

		if (o >= MBOCHS_VGA_OFFSET && o < MBOCHS_VGA_OFFSET + MBOCHS_VGA_SIZE) {
			vga_write(r, 0x3c0 + o - MBOCHS_VGA_OFFSET, in[i]);
			i++;
		} else if (o >= MBOCHS_DISPI_OFFSET && o < MBOCHS_DISPI_OFFSET + 2 * DISPI_NR_REGS) {
			/* the bytes of this register the write covers, over its current value */
			unsigned int index = (o - MBOCHS_DISPI_OFFSET) / 2;
			uint16_t v = r->dispi[index];

			for (; i < count && (offset + i - MBOCHS_DISPI_OFFSET) / 2 == index; i++) {
				unsigned int shift = 8 * ((offset + i) & 1);

				v = (uint16_t)((v & ~(0xff << shift)) | in[i] << shift);
			}
			if (dispi_write(r, index, v, w, ws))
				ret = -EINVAL;
		} else if (o >= MBOCHS_EXT_OFFSET && o < MBOCHS_EXT_OFFSET + MBOCHS_EXT_SIZE) {
			unsigned int index = (o - MBOCHS_EXT_OFFSET) / 4;
			uint32_t v = ext_read(r, index);

			for (; i < count && (offset + i - MBOCHS_EXT_OFFSET) / 4 == index; i++) {
				unsigned int shift = 8 * ((offset + i) & 3);

				v = (v & ~(0xffu << shift)) | (uint32_t)in[i] << shift;
			}
			if (index == 0) {
				why(w, ws, "the extension size register is read-only");
				ret = -EINVAL;
			} else if (v != EXT_LITTLE_ENDIAN && v != EXT_BIG_ENDIAN) {
				why(w, ws, "byte order %#x is neither 0x1e1e1e1e nor 0xbebebebe", v);
				ret = -EINVAL;
			} else {
				r->byte_order = v;
			}
		} else {
			why(w, ws, o < UMDEV_DISPLAY_EDID_SIZE ? "the EDID is read-only"
							       : "no register at %#x", o);
			return -EINVAL;
		}
	}
	return ret;
}

void mbochs_regs_mode(const struct mbochs_regs *r, struct umdev_display_mode *m)
{
	unsigned int bpp = r->dispi[DISPI_BPP], cpp = bpp_cpp(bpp);
	uint64_t line = line_bytes(r, cpp);

	*m = (struct umdev_display_mode){ .enabled = false };
	if (!(r->dispi[DISPI_ENABLE] & DISPI_ENABLED) || !cpp || line > UINT32_MAX)
		return;
	switch (bpp) {
	case 8: m->format = UMDEV_DISPLAY_C8; break;
	case 15: m->format = UMDEV_DISPLAY_XRGB1555; break;
	case 16: m->format = UMDEV_DISPLAY_RGB565; break;
	case 24: m->format = UMDEV_DISPLAY_RGB888; break;
	default:
		m->format = r->byte_order == EXT_BIG_ENDIAN ? UMDEV_DISPLAY_BGRX8888
							    : UMDEV_DISPLAY_XRGB8888;
		break;
	}
	m->enabled = true;
	m->width = r->dispi[DISPI_XRES];
	m->height = r->dispi[DISPI_YRES];
	m->stride = (uint32_t)line;
	m->offset = (uint64_t)r->dispi[DISPI_Y_OFFSET] * line + (uint64_t)r->dispi[DISPI_X_OFFSET] * cpp;
	/* whatever the registers say, nothing outside video memory is ever shown */
	if (umdev_display_mode_check(m, r->vram_size))
		*m = (struct umdev_display_mode){ .enabled = false };
}

uint32_t mbochs_regs_palette(const struct mbochs_regs *r, unsigned int i)
{
	const uint8_t *c = r->palette[i & 0xff];
	bool dac8 = r->dispi[DISPI_ENABLE] & DISPI_8BIT_DAC;
	uint32_t red = dac8 ? c[0] : (c[0] & 0x3f) << 2, green = dac8 ? c[1] : (c[1] & 0x3f) << 2,
		 blue = dac8 ? c[2] : (c[2] & 0x3f) << 2;

	return red << 16 | green << 8 | blue;
}
