/* SPDX-License-Identifier: MIT */
/*
 * The mdpy device model: the kernel sample's simple PCI display
 * (samples/vfio-mdev/mdpy-defs.h), served over vfio-user. Its framebuffer
 * is BAR0, a memfd the VMM maps (sparse mmap); its format, width and height
 * are read-only dwords of a vendor capability in config space. It has no
 * registers: the picture is always the start of BAR0, XRGB8888, shown to
 * the host through a struct umdev_display.
 */
#ifndef MDPY_PCI_H
#define MDPY_PCI_H

#include <stdint.h>

#include <umdev/display.h>
#include <umdev/mdev.h>

/* Config space offsets of the vendor capability, as the guest's mdpy-fb reads them. */
#define MDPY_VENDORCAP_OFFSET 0x40
#define MDPY_VENDORCAP_SIZE 0x10
#define MDPY_FORMAT_OFFSET (MDPY_VENDORCAP_OFFSET + 0x04)
#define MDPY_WIDTH_OFFSET (MDPY_VENDORCAP_OFFSET + 0x08)
#define MDPY_HEIGHT_OFFSET (MDPY_VENDORCAP_OFFSET + 0x0c)

struct mdpy_model;

/*
 * Builds the model for @mdev: a @width x @height XRGB8888 framebuffer
 * (@format, the DRM fourcc), host views as @config says; attaches it for
 * vfio-user. Returns 0 or a negative errno; on failure nothing is attached.
 */
int mdpy_model_create(struct umdev_device *mdev, uint32_t format, uint32_t width, uint32_t height,
		      const struct umdev_display_config *config, struct mdpy_model **out);
/* Detaches and frees it; the device must no longer be served. */
void mdpy_model_destroy(struct mdpy_model *model);

struct umdev_display *mdpy_model_display(struct mdpy_model *model);

#endif /* MDPY_PCI_H */
