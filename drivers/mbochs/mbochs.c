// SPDX-License-Identifier: MIT
/*
 * mbochs: a parent of virtual bochs (QEMU stdvga) displays, after the
 * kernel's samples/vfio-mdev/mbochs.c.
 *
 * Three types differ in their video memory and in the largest mode their
 * EDID offers. They share a budget of video memory (256 MB by default, the
 * `memory_mb` setting). The driver counts for itself: each type shows how
 * many more displays the free memory allows, and probe takes the memory or
 * refuses with ENOSPC.
 *
 * Each display is served for real (mbochs_pci.c): the guest's bochs DRM
 * driver binds it, and the host watches it over VNC or takes screenshots
 * (display_common.h says where).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <umdev/mdev.h>
#include "../module.h"

#include "../display_common.h"
#include "../settings.h"
#include "mbochs_pci.h"

#define MBOCHS_NAME "mbochs"
#define MBOCHS_DEFAULT_MBYTES 256 /* the kernel sample's max_mbytes */
#define MBOCHS_MAX_MBYTES 65536
#define MBOCHS_NR_TYPES 3

struct mbochs_type {
	struct umdev_type type;
	uint32_t mbytes;
	uint32_t max_x; /* the EDID's largest mode; 0 for no limit */
	uint32_t max_y;
};

struct mbochs_parent {
	struct umdev_parent parent;
	struct mbochs_type types[MBOCHS_NR_TYPES];
	struct umdev_type *type_list[MBOCHS_NR_TYPES];

	pthread_mutex_t lock; /* protects avail_mbytes */
	unsigned int avail_mbytes;
	struct umdev_display_config display_config;
};

/* State of each mediated display. */
struct mbochs_state {
	const struct mbochs_type *type; /* its mbytes are given back at remove */
	struct mbochs_model *model;	/* what a VM sees: mbochs_pci.c */
};

static const struct mbochs_type mbochs_types[MBOCHS_NR_TYPES] = {
	{
		.type.sysfs_name = "small",
		.type.pretty_name = MBOCHS_NAME "-small",
		.mbytes = 4,
		.max_x = 800,
		.max_y = 600,
	}, {
		.type.sysfs_name = "medium",
		.type.pretty_name = MBOCHS_NAME "-medium",
		.mbytes = 16,
		.max_x = 1920,
		.max_y = 1440,
	}, {
		.type.sysfs_name = "large",
		.type.pretty_name = MBOCHS_NAME "-large",
		.mbytes = 64,
		.max_x = 0,
		.max_y = 0,
	},
};

/* The EDID's mode for a type without a limit: 4K, which 64 MB holds twice. */
#define MBOCHS_UNLIMITED_X 3840
#define MBOCHS_UNLIMITED_Y 2160

static struct mbochs_parent *to_mbochs_parent(struct umdev_parent *parent)
{
	return container_of(parent, struct mbochs_parent, parent);
}

static struct mbochs_type *to_mbochs_type(struct umdev_type *type)
{
	return container_of(type, struct mbochs_type, type);
}

static int mbochs_probe(struct umdev_device *mdev)
{
	struct mbochs_parent *mbochs = to_mbochs_parent(umdev_device_parent(mdev));
	struct mbochs_type *type = to_mbochs_type(umdev_device_type(mdev));
	struct mbochs_state *state;
	int ret = -ENOMEM;

	pthread_mutex_lock(&mbochs->lock);
	if (mbochs->avail_mbytes < type->mbytes) {
		pthread_mutex_unlock(&mbochs->lock);
		return -ENOSPC;
	}
	mbochs->avail_mbytes -= type->mbytes;
	pthread_mutex_unlock(&mbochs->lock);

	state = calloc(1, sizeof(*state));
	if (!state)
		goto err_mbytes;
	state->type = type;

	/* The device model: config space, the VRAM and MMIO BARs, the display. */
	ret = mbochs_model_create(mdev, (uint64_t)type->mbytes << 20,
				  type->max_x ? type->max_x : MBOCHS_UNLIMITED_X,
				  type->max_y ? type->max_y : MBOCHS_UNLIMITED_Y,
				  &mbochs->display_config, &state->model);
	if (ret)
		goto err_state;

	umdev_set_drvdata(mdev, state);
	return 0;

err_state:
	free(state);
err_mbytes:
	pthread_mutex_lock(&mbochs->lock);
	mbochs->avail_mbytes += type->mbytes;
	pthread_mutex_unlock(&mbochs->lock);
	return ret;
}

static void mbochs_remove(struct umdev_device *mdev)
{
	struct mbochs_parent *mbochs = to_mbochs_parent(umdev_device_parent(mdev));
	struct mbochs_state *state = umdev_get_drvdata(mdev);

	/* The device model is detached and freed here, before its memory goes. */
	mbochs_model_destroy(state->model);

	pthread_mutex_lock(&mbochs->lock);
	mbochs->avail_mbytes += state->type->mbytes;
	pthread_mutex_unlock(&mbochs->lock);
	umdev_set_drvdata(mdev, NULL);
	free(state);
}

static unsigned int mbochs_get_available(struct umdev_type *mtype)
{
	struct mbochs_parent *mbochs = to_mbochs_parent(umdev_type_parent(mtype));
	unsigned int avail;

	pthread_mutex_lock(&mbochs->lock);
	avail = mbochs->avail_mbytes / to_mbochs_type(mtype)->mbytes;
	pthread_mutex_unlock(&mbochs->lock);
	return avail;
}

static ssize_t memory_show(struct umdev_device *mdev, char *buf)
{
	const struct mbochs_state *state = umdev_get_drvdata(mdev);

	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "%u MB\n", state->type->mbytes);
}

static const struct umdev_attribute mbochs_attr_memory = {
	.group = "vendor",
	.name = "memory",
	.show = memory_show,
};

static struct umdev_display *display_of(struct umdev_device *mdev)
{
	const struct mbochs_state *state = umdev_get_drvdata(mdev);

	return mbochs_model_display(state->model);
}

static ssize_t vnc_show(struct umdev_device *mdev, char *buf)
{
	return display_show_vnc(display_of(mdev), buf);
}

static ssize_t screenshot_socket_show(struct umdev_device *mdev, char *buf)
{
	return display_show_screenshot_socket(display_of(mdev), buf);
}

static ssize_t mode_show(struct umdev_device *mdev, char *buf)
{
	return display_show_mode(display_of(mdev), buf);
}

static const struct umdev_attribute mbochs_attr_vnc = {
	.group = "vendor", .name = "vnc", .show = vnc_show,
};

static const struct umdev_attribute mbochs_attr_screenshot_socket = {
	.group = "vendor", .name = "screenshot_socket", .show = screenshot_socket_show,
};

static const struct umdev_attribute mbochs_attr_mode = {
	.group = "vendor", .name = "mode", .show = mode_show,
};

static const struct umdev_attribute *const mbochs_dev_attrs[] = {
	&mbochs_attr_memory,
	&mbochs_attr_vnc,
	&mbochs_attr_screenshot_socket,
	&mbochs_attr_mode,
	NULL,
};

static ssize_t mbochs_show_description(struct umdev_type *mtype, char *buf)
{
	const struct mbochs_type *type = to_mbochs_type(mtype);

	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "virtual display, %u MB video memory\n",
			type->mbytes);
}

static struct umdev_driver mbochs_driver = {
	.name = MBOCHS_NAME,
	.device_api = "vfio-pci",
	.probe = mbochs_probe,
	.remove = mbochs_remove,
	.get_available = mbochs_get_available,
	.show_description = mbochs_show_description,
	.dev_attrs = mbochs_dev_attrs,
};

static int mbochs_create(const char *parent_name, const struct umdev_setting *settings,
			 size_t nr_settings, void **handle)
{
	unsigned int memory_mb = MBOCHS_DEFAULT_MBYTES;
	struct display_settings display = DISPLAY_SETTINGS_DEFAULTS;
	const struct driver_setting known[] = {
		{ .key = "memory_mb", .min = 1, .max = MBOCHS_MAX_MBYTES, .value = &memory_mb },
		DISPLAY_KNOWN_SETTINGS(&display),
	};
	struct mbochs_parent *mbochs;
	int ret;

	ret = driver_parse_settings(MBOCHS_NAME, parent_name, settings, nr_settings,
				    known, sizeof(known) / sizeof(known[0]));
	if (ret)
		return ret;

	mbochs = calloc(1, sizeof(*mbochs));
	if (!mbochs)
		return -ENOMEM;
	ret = display_settings_config(MBOCHS_NAME, parent_name, &display, &mbochs->display_config);
	if (ret) {
		free(mbochs);
		return ret;
	}
	for (unsigned int i = 0; i < MBOCHS_NR_TYPES; i++) {
		mbochs->types[i] = mbochs_types[i];
		mbochs->type_list[i] = &mbochs->types[i].type;
	}
	pthread_mutex_init(&mbochs->lock, NULL);
	mbochs->avail_mbytes = memory_mb;

	ret = umdev_register_parent(&mbochs->parent, parent_name, &mbochs_driver,
				    mbochs->type_list, MBOCHS_NR_TYPES);
	if (ret)
		goto err_free;
	*handle = mbochs;
	return 0;

err_free:
	pthread_mutex_destroy(&mbochs->lock);
	display_config_release(&mbochs->display_config);
	free(mbochs);
	return ret;
}

static void mbochs_destroy(void *handle)
{
	struct mbochs_parent *mbochs = handle;

	umdev_unregister_parent(&mbochs->parent);
	pthread_mutex_destroy(&mbochs->lock);
	display_config_release(&mbochs->display_config);
	free(mbochs);
}

const struct umdev_parent_module umdev_mbochs_module = {
	.name = MBOCHS_NAME,
	.summary = "virtual bochs displays (mbochs-small, -medium, -large) sharing video memory",
	.create = mbochs_create,
	.destroy = mbochs_destroy,
};
