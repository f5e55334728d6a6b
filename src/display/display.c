// SPDX-License-Identifier: MIT
/*
 * A display's video memory and scanout. The memory is a memfd mapped
 * shared here and, through the BAR's mmap_fd, in the VMM: the guest writes
 * pixels without a message to the daemon, and the host-side views read
 * them here. The mode says which bytes the guest shows; it is checked
 * against the memory's size before it is taken, so no view ever reads
 * outside video memory, whatever the guest programmed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "private.h"

int umdev_display_mode_check(const struct umdev_display_mode *m, uint64_t vram_size)
{
	unsigned int cpp;
	uint64_t last;

	if (!m->enabled)
		return 0;
	cpp = umdev_display_format_cpp(m->format);
	if (!cpp || !m->width || !m->height || m->width > UMDEV_DISPLAY_MAX_WIDTH ||
	    m->height > UMDEV_DISPLAY_MAX_HEIGHT || m->stride < (uint64_t)m->width * cpp)
		return -EINVAL;
	/* the last visible byte: every term is bounded, no overflow in 64 bits */
	last = m->offset + (uint64_t)m->stride * (m->height - 1) + (uint64_t)m->width * cpp;
	if (m->offset >= vram_size || last > vram_size)
		return -EINVAL;
	return 0;
}

int umdev_display_create(const char *name, uint64_t vram_size,
			 const struct umdev_display_config *config, struct umdev_display **out)
{
	static const struct umdev_display_config defaults = { .vnc = true };
	struct umdev_display *d;
	char memfd_name[80];
	int ret;

	if (!name || strlen(name) >= sizeof(d->name) || !vram_size ||
	    vram_size % (uint64_t)sysconf(_SC_PAGESIZE))
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	strcpy(d->name, name);
	d->vram_size = vram_size;
	snprintf(memfd_name, sizeof(memfd_name), "umdev-vram-%s", name);
	/* sealing keeps the size fixed: nobody holding the fd can shrink it under a mapping */
	d->fd = memfd_create(memfd_name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (d->fd < 0) {
		ret = -errno;
		goto err_free;
	}
	if (ftruncate(d->fd, (off_t)vram_size) ||
	    fcntl(d->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		ret = -errno;
		goto err_fd;
	}
	d->vram = mmap(NULL, vram_size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, 0);
	if (d->vram == MAP_FAILED) {
		ret = -errno;
		goto err_fd;
	}
	pthread_mutex_init(&d->lock, NULL);
	/* a grey ramp, as a VGA DAC is commonly loaded, until the guest sets its own */
	for (unsigned int i = 0; i < 256; i++)
		d->palette[i] = i << 16 | i << 8 | i;
	ret = display_service_start(d, config ? config : &defaults, &d->service);
	if (ret == -ENOMEM)
		goto err_map;
	*out = d;
	return 0;

err_map:
	pthread_mutex_destroy(&d->lock);
	munmap(d->vram, vram_size);
err_fd:
	close(d->fd);
err_free:
	free(d);
	return ret;
}

void umdev_display_destroy(struct umdev_display *d)
{
	if (!d)
		return;
	if (d->service)
		display_service_stop(d->service);
	pthread_mutex_destroy(&d->lock);
	munmap(d->vram, d->vram_size);
	close(d->fd);
	free(d);
}

int umdev_display_fd(const struct umdev_display *d)
{
	return d->fd;
}

uint8_t *umdev_display_vram(const struct umdev_display *d)
{
	return d->vram;
}

uint64_t umdev_display_vram_size(const struct umdev_display *d)
{
	return d->vram_size;
}

int umdev_display_set_mode(struct umdev_display *d, const struct umdev_display_mode *mode)
{
	if (umdev_display_mode_check(mode, d->vram_size))
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	d->mode = *mode;
	if (!d->mode.enabled)
		d->mode = (struct umdev_display_mode){ .enabled = false };
	pthread_mutex_unlock(&d->lock);
	return 0;
}

void umdev_display_get_mode(struct umdev_display *d, struct umdev_display_mode *mode)
{
	pthread_mutex_lock(&d->lock);
	*mode = d->mode;
	pthread_mutex_unlock(&d->lock);
}

void umdev_display_set_palette(struct umdev_display *d, uint8_t index, uint32_t rgb)
{
	pthread_mutex_lock(&d->lock);
	d->palette[index] = rgb & 0xffffff;
	pthread_mutex_unlock(&d->lock);
}

void display_copy_visible(struct umdev_display *d, const struct umdev_display_mode *m,
			  uint8_t *rgbx)
{
	uint32_t palette[256];

	pthread_mutex_lock(&d->lock);
	memcpy(palette, d->palette, sizeof(palette));
	pthread_mutex_unlock(&d->lock);
	for (uint32_t y = 0; y < m->height; y++)
		umdev_display_convert_line(m->format, d->vram + m->offset + (uint64_t)y * m->stride,
					   rgbx + (size_t)y * m->width * 4, m->width, palette);
}

int umdev_display_capture(struct umdev_display *d, uint32_t *width, uint32_t *height,
			  uint8_t **rgbx)
{
	struct umdev_display_mode m;

	umdev_display_get_mode(d, &m);
	if (!m.enabled)
		return -ENODATA;
	*rgbx = malloc((size_t)m.width * m.height * 4);
	if (!*rgbx)
		return -ENOMEM;
	display_copy_visible(d, &m, *rgbx);
	*width = m.width;
	*height = m.height;
	return 0;
}

int umdev_display_vnc_address(struct umdev_display *d, char *buf, size_t size)
{
	if (!d->service) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	return display_service_vnc_address(d->service, buf, size);
}

int umdev_display_socket_name(struct umdev_display *d, char *buf, size_t size)
{
	if (!d->service) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	return display_service_socket_name(d->service, buf, size);
}

void umdev_display_get_stats(struct umdev_display *d, struct umdev_display_stats *stats)
{
	*stats = (struct umdev_display_stats){ 0 };
	if (d->service)
		display_service_stats(d->service, stats);
}
