/* SPDX-License-Identifier: MIT */
/*
 * umdev: what display device models share.
 *
 * A display driver (mbochs, mdpy) keeps its video memory in a struct
 * umdev_display: a memfd the VMM maps straight into the guest (a
 * sparse-mmap BAR), so pixel writes never reach the daemon. The driver
 * tells the display which part of that memory the guest shows and how
 * (struct umdev_display_mode); everything that looks at the screen from
 * the host goes through here and never touches the driver or the wire:
 *
 *   - umdev_display_capture(): the visible picture as RGBX bytes;
 *   - the screenshot socket (umdev-screenshot reads it; service.c);
 *   - the VNC server (vnc.c), which sends only what changed.
 *
 * All calls are thread-safe; the display's lock is never held while
 * calling back into the driver.
 */
#ifndef UMDEV_DISPLAY_H
#define UMDEV_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How the guest's pixels lie in video memory (names as DRM's fourcc codes). */
enum umdev_display_format {
	UMDEV_DISPLAY_C8,	/* 1 byte, an index into the palette */
	UMDEV_DISPLAY_XRGB1555, /* 16-bit little endian, 5:5:5 */
	UMDEV_DISPLAY_RGB565,	/* 16-bit little endian, 5:6:5 */
	UMDEV_DISPLAY_RGB888,	/* 3 bytes: blue, green, red */
	UMDEV_DISPLAY_XRGB8888, /* 32-bit little endian: bytes blue, green, red, unused */
	UMDEV_DISPLAY_BGRX8888, /* 32-bit big-endian XRGB: bytes unused, red, green, blue */
	UMDEV_DISPLAY_NR_FORMATS,
};

/* Bytes per pixel of @format, 0 for an unknown one. */
unsigned int umdev_display_format_cpp(enum umdev_display_format format);
/* A short name ("XRGB8888"), "?" for an unknown format. */
const char *umdev_display_format_name(enum umdev_display_format format);

/**
 * struct umdev_display_mode - the scanout: what the guest shows.
 * @enabled: false while the guest shows nothing (no mode set).
 * @width, @height: the visible area in pixels.
 * @stride: bytes from one line to the next.
 * @offset: where the first visible pixel is in video memory.
 */
struct umdev_display_mode {
	bool enabled;
	enum umdev_display_format format;
	uint32_t width, height;
	uint32_t stride;
	uint64_t offset;
};

/* The largest picture the host side accepts (VNC's and PNG's limits are far above). */
#define UMDEV_DISPLAY_MAX_WIDTH 16384
#define UMDEV_DISPLAY_MAX_HEIGHT 16384

/*
 * Whether @mode lies wholly inside @vram_size bytes with a known format,
 * a non-zero size within the limits and a stride holding a line. 0 or
 * -EINVAL. A disabled mode is always valid.
 */
int umdev_display_mode_check(const struct umdev_display_mode *mode, uint64_t vram_size);

/**
 * struct umdev_display_config - the host-side services of a display.
 * @vnc: run a VNC server for it.
 * @vnc_any_address: listen on every address, not only on loopback.
 * @vnc_port: the first TCP port to try (then upwards); 0 for any free port.
 * @vnc_password: a VNC password (VncAuth) clients must give, or NULL for none.
 * @vnc_socket_dir: listen on the UNIX socket DIR/NAME.vnc (mode 0600; DIR
 *                  made 0700 when missing) instead of TCP; NULL for TCP.
 */
struct umdev_display_config {
	bool vnc;
	bool vnc_any_address;
	unsigned int vnc_port;
	const char *vnc_password;
	const char *vnc_socket_dir;
};

struct umdev_display;

/**
 * umdev_display_create() - video memory and the host's view of it.
 * @name: the device's name (its UUID): names the memfd and the
 *        screenshot socket ("@umdev-display/NAME", an abstract socket).
 * @vram_size: bytes of video memory, a multiple of the page size.
 * @config: services to start, or NULL for the defaults (VNC on loopback,
 *          any free port, no password).
 * The memory starts zeroed and the display disabled. A service that
 * cannot start (a port or socket name taken) is logged and left out; the
 * display itself still works.
 * Return: 0 or a negative errno (-EINVAL, -ENOMEM, memfd's errno).
 */
int umdev_display_create(const char *name, uint64_t vram_size,
			 const struct umdev_display_config *config, struct umdev_display **out);
/* Stops the services, then frees the memory (the VMM must have unmapped it or be gone). */
void umdev_display_destroy(struct umdev_display *display);

/* The memfd (for the BAR's mmap_fd), its mapping in the daemon, its size. */
int umdev_display_fd(const struct umdev_display *display);
uint8_t *umdev_display_vram(const struct umdev_display *display);
uint64_t umdev_display_vram_size(const struct umdev_display *display);

/* Sets the scanout; -EINVAL (nothing changed) unless umdev_display_mode_check passes. */
int umdev_display_set_mode(struct umdev_display *display, const struct umdev_display_mode *mode);
void umdev_display_get_mode(struct umdev_display *display, struct umdev_display_mode *mode);
/* Sets palette entry @index (for C8) to 0xRRGGBB. */
void umdev_display_set_palette(struct umdev_display *display, uint8_t index, uint32_t rgb);

/**
 * umdev_display_capture() - the visible picture, as the guest shows it.
 * @rgbx: receives malloc'd width * height * 4 bytes (red, green, blue, 0
 *        per pixel, top line first); the caller frees it.
 * Return: 0, -ENODATA while the display is disabled, -ENOMEM.
 */
int umdev_display_capture(struct umdev_display *display, uint32_t *width, uint32_t *height,
			  uint8_t **rgbx);

/*
 * An EDID base block for a monitor whose preferred and largest mode is
 * @width x @height at 60 Hz, named @name (13 characters at most shown).
 * Returns 0, or -1 for a size EDID cannot describe (below 640x480, above
 * 4095 pixels or a 655 MHz clock).
 */
#define UMDEV_DISPLAY_EDID_SIZE 128
int umdev_display_edid(uint8_t edid[UMDEV_DISPLAY_EDID_SIZE], uint32_t width, uint32_t height,
		       const char *name);

/* Converts @width pixels of @format at @src to RGBX bytes at @dst. */
void umdev_display_convert_line(enum umdev_display_format format, const uint8_t *src,
				uint8_t *dst, uint32_t width, const uint32_t *palette);

/*
 * Where the VNC server listens ("127.0.0.1:5901", or "unix:PATH" with
 * @vnc_socket_dir), or "" without one; @buf of @size bytes (128 hold any).
 * Returns the length.
 */
int umdev_display_vnc_address(struct umdev_display *display, char *buf, size_t size);
/**
 * struct umdev_display_stats - what the VNC view's change detection has cost.
 * @refreshes: comparisons of the visible area with what viewers were sent.
 * @changed: of those, the ones that found a change.
 * @changed_ns, @still_ns: thread CPU time spent in each kind (including the
 *                         copy of what changed, not the sending).
 */
struct umdev_display_stats {
	uint64_t refreshes, changed;
	uint64_t changed_ns, still_ns;
};
/* Zeroes without a VNC server. */
void umdev_display_get_stats(struct umdev_display *display, struct umdev_display_stats *stats);

/* The screenshot socket's name ("@umdev-display/UUID"), or "" without one. */
int umdev_display_socket_name(struct umdev_display *display, char *buf, size_t size);

/* The screenshot socket's protocol: a reply of this header, then width * height * 4 bytes. */
#define UMDEV_DISPLAY_SOCKET_PREFIX "umdev-display/"
#define UMDEV_DISPLAY_SNAPSHOT_MAGIC "UMDVSHOT"
struct umdev_display_snapshot_header {
	char magic[8];	 /* UMDEV_DISPLAY_SNAPSHOT_MAGIC */
	uint32_t width;	 /* little endian; 0 with height 0: the display is disabled */
	uint32_t height; /* little endian */
	uint32_t format; /* the guest's enum umdev_display_format, for information */
	uint32_t reserved;
};

#ifdef __cplusplus
}
#endif
#endif /* UMDEV_DISPLAY_H */
