/* SPDX-License-Identifier: MIT */
/*
 * The registers of the mbochs display in its MMIO BAR, as QEMU's stdvga
 * lays them out for the bochs DRM driver (and as the kernel's mbochs
 * sample offers them):
 *
 *   0x000-0x3ff  the EDID blob (read-only)
 *   0x400-0x41f  the VGA I/O ports 0x3c0-0x3df (attribute index, DAC palette)
 *   0x500-0x515  the bochs DISPI (VBE) registers, 16 bits each at 0x500 + 2 * index
 *   0x600-0x607  QEMU's extension: its size, then the framebuffer byte order
 *
 * Pure state and rules, no I/O: the device (mbochs_pci.c) calls these under
 * its lock and turns the result into the display's scanout. A write the
 * device does not accept (an out-of-range resolution or depth, a bank or an
 * offset beyond video memory, a read-only register) changes nothing and is
 * reported to the caller, so no value ever makes the scanout reach outside
 * video memory.
 */
#ifndef MBOCHS_REGS_H
#define MBOCHS_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <umdev/display.h>

#define MBOCHS_MMIO_SIZE 4096
#define MBOCHS_EDID_OFFSET 0x000
#define MBOCHS_VGA_OFFSET 0x400 /* port 0x3c0 */
#define MBOCHS_VGA_SIZE 0x20
#define MBOCHS_DISPI_OFFSET 0x500
#define MBOCHS_EXT_OFFSET 0x600
#define MBOCHS_EXT_SIZE 8

/* DISPI register indexes */
enum {
	DISPI_ID,
	DISPI_XRES,
	DISPI_YRES,
	DISPI_BPP,
	DISPI_ENABLE,
	DISPI_BANK,
	DISPI_VIRT_WIDTH,
	DISPI_VIRT_HEIGHT,
	DISPI_X_OFFSET,
	DISPI_Y_OFFSET,
	DISPI_VIDEO_MEMORY_64K,
	DISPI_NR_REGS,
};

#define DISPI_ID0 0xb0c0
#define DISPI_ID5 0xb0c5 /* what we answer: the newest interface */
#define DISPI_ENABLED 0x01
#define DISPI_GETCAPS 0x02
#define DISPI_8BIT_DAC 0x20
#define DISPI_LFB_ENABLED 0x40
#define DISPI_NOCLEARMEM 0x80
#define DISPI_MAX_XRES 16000 /* QEMU's limits, for a type without its own */
#define DISPI_MAX_YRES 12000
#define DISPI_BANK_SIZE 0x10000

#define EXT_LITTLE_ENDIAN 0x1e1e1e1e
#define EXT_BIG_ENDIAN 0xbebebebe

struct mbochs_regs {
	uint64_t vram_size;
	uint32_t max_xres, max_yres;
	uint8_t edid[UMDEV_DISPLAY_EDID_SIZE];

	uint16_t dispi[DISPI_NR_REGS];
	uint32_t byte_order; /* EXT_LITTLE_ENDIAN or EXT_BIG_ENDIAN */
	uint8_t vga[MBOCHS_VGA_SIZE];
	bool ar_data;	      /* the attribute controller's index/data flip-flop */
	uint8_t dac_write, dac_read, dac_step; /* palette index and colour component */
	uint8_t dac_cache[3];
	uint8_t palette[256][3]; /* as written: 6 bits per colour unless 8BIT_DAC */
	bool palette_changed;

	bool clear_vram; /* set by an enable without NOCLEARMEM: the device clears the screen */
};

/* Power-on state; @edid_w x @edid_h is the largest mode (EDID and XRES/YRES limits). */
void mbochs_regs_init(struct mbochs_regs *r, uint64_t vram_size, uint32_t max_xres,
		      uint32_t max_yres, const uint8_t edid[UMDEV_DISPLAY_EDID_SIZE]);
/* Back to power-on state (a device reset): the EDID and limits stay. */
void mbochs_regs_reset(struct mbochs_regs *r);

/* A read of @count (1, 2, 4 or 8) bytes at @offset of the MMIO BAR; never fails. */
void mbochs_regs_read(struct mbochs_regs *r, uint32_t offset, void *buf, size_t count);
/*
 * A write: 0 when every register it touched took the value, or -EINVAL
 * when one refused it (that one is unchanged; @why then names the register
 * and the reason, for the device's log).
 */
int mbochs_regs_write(struct mbochs_regs *r, uint32_t offset, const void *buf, size_t count,
		      char *why, size_t why_size);

/* The scanout the registers describe (disabled when they describe none that fits). */
void mbochs_regs_mode(const struct mbochs_regs *r, struct umdev_display_mode *mode);
/* Palette entry @i as 0xRRGGBB, following the DAC width. */
uint32_t mbochs_regs_palette(const struct mbochs_regs *r, unsigned int i);

#endif /* MBOCHS_REGS_H */
