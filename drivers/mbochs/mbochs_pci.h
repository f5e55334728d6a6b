/* SPDX-License-Identifier: MIT */
/*
 * The mbochs device model: QEMU's bochs display (stdvga without legacy
 * VGA memory, like `-device secondary-vga`) as the kernel's mbochs sample
 * offers it, served over vfio-user. BAR0 is the video memory, a memfd the
 * VMM maps (sparse mmap) so guest pixel writes never reach the daemon;
 * BAR2 holds the EDID, the VGA ports, the DISPI registers and QEMU's
 * extension registers (mbochs_regs.h). The picture goes to the host's
 * views through a struct umdev_display (include/umdev/display.h).
 *
 * drivers/mbochs/mbochs.c's probe creates one per device and its remove
 * destroys it.
 */
#ifndef MBOCHS_PCI_H
#define MBOCHS_PCI_H

#include <stdint.h>

#include <umdev/display.h>
#include <umdev/mdev.h>

struct mbochs_model;

/*
 * Builds the model for @mdev: @vram_size bytes of video memory, modes up to
 * @max_x x @max_y (the EDID's preferred mode), host views as @config says;
 * attaches it for vfio-user. Returns 0 or a negative errno; on failure
 * nothing is attached.
 */
int mbochs_model_create(struct umdev_device *mdev, uint64_t vram_size, uint32_t max_x,
			uint32_t max_y, const struct umdev_display_config *config,
			struct mbochs_model **out);
/* Detaches and frees it; the device must no longer be served. */
void mbochs_model_destroy(struct mbochs_model *model);

struct umdev_display *mbochs_model_display(struct mbochs_model *model);

#endif /* MBOCHS_PCI_H */
