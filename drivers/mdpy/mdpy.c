// SPDX-License-Identifier: MIT
/*
 * mdpy: a parent of simple virtual PCI displays, after the kernel's
 * samples/vfio-mdev/mdpy.c.
 *
 * Three types differ only in their fixed resolution. The core counts the
 * instances: at most 4 displays per parent whatever their types (the
 * `max_devices` setting), so every type shows the same number.
 *
 * Each display is served for real (mdpy_pci.c): its framebuffer BAR is
 * shared memory the guest writes, watched from the host over VNC or as
 * screenshots (display_common.h says where).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <umdev/mdev.h>
#include "../module.h"

#include "../display_common.h"
#include "../settings.h"
#include "mdpy_pci.h"

#define MDPY_NAME "mdpy"
#define MDPY_DEFAULT_DEVICES 4 /* the kernel sample's max_instances */
#define MDPY_MAX_DEVICES 1024
#define MDPY_NR_TYPES 3

/* DRM_FORMAT_XRGB8888, the fourcc "XR24": the only format mdpy shows. */
#define MDPY_FORMAT_XRGB8888 0x34325258u

struct mdpy_type {
	struct umdev_type type;
	uint32_t format;
	uint32_t bytepp;
	uint32_t width;
	uint32_t height;
};

struct mdpy_parent {
	struct umdev_parent parent;
	/* Per parent, not static: max_instances comes from the settings. */
	struct umdev_driver driver;
	struct mdpy_type types[MDPY_NR_TYPES];
	struct umdev_type *type_list[MDPY_NR_TYPES];
	struct umdev_display_config display_config;
};

/* State of each mediated display. */
struct mdpy_state {
	const struct mdpy_type *type;
	struct mdpy_model *model; /* what a VM sees: mdpy_pci.c */
};

static const struct mdpy_type mdpy_types[MDPY_NR_TYPES] = {
	{
		.type.sysfs_name = "vga",
		.type.pretty_name = MDPY_NAME "-vga",
		.format = MDPY_FORMAT_XRGB8888,
		.bytepp = 4,
		.width = 640,
		.height = 480,
	}, {
		.type.sysfs_name = "xga",
		.type.pretty_name = MDPY_NAME "-xga",
		.format = MDPY_FORMAT_XRGB8888,
		.bytepp = 4,
		.width = 1024,
		.height = 768,
	}, {
		.type.sysfs_name = "hd",
		.type.pretty_name = MDPY_NAME "-hd",
		.format = MDPY_FORMAT_XRGB8888,
		.bytepp = 4,
		.width = 1920,
		.height = 1080,
	},
};

static struct mdpy_type *to_mdpy_type(struct umdev_type *type)
{
	return container_of(type, struct mdpy_type, type);
}

static int mdpy_probe(struct umdev_device *mdev)
{
	struct mdpy_parent *mdpy = container_of(umdev_device_parent(mdev), struct mdpy_parent, parent);
	struct mdpy_state *state = calloc(1, sizeof(*state));
	int ret;

	if (!state)
		return -ENOMEM;
	state->type = to_mdpy_type(umdev_device_type(mdev));

	/* The device model: config space with the vendor capability, the framebuffer BAR. */
	ret = mdpy_model_create(mdev, state->type->format, state->type->width, state->type->height,
				&mdpy->display_config, &state->model);
	if (ret) {
		free(state);
		return ret;
	}
	umdev_set_drvdata(mdev, state);
	return 0;
}

static void mdpy_remove(struct umdev_device *mdev)
{
	struct mdpy_state *state = umdev_get_drvdata(mdev);

	/* The device model is detached and freed here. */
	mdpy_model_destroy(state->model);

	umdev_set_drvdata(mdev, NULL);
	free(state);
}

static ssize_t resolution_show(struct umdev_device *mdev, char *buf)
{
	const struct mdpy_state *state = umdev_get_drvdata(mdev);

	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "%ux%u\n",
			state->type->width, state->type->height);
}

static const struct umdev_attribute mdpy_attr_resolution = {
	.group = "vendor",
	.name = "resolution",
	.show = resolution_show,
};

static struct umdev_display *display_of(struct umdev_device *mdev)
{
	const struct mdpy_state *state = umdev_get_drvdata(mdev);

	return mdpy_model_display(state->model);
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

static const struct umdev_attribute mdpy_attr_vnc = {
	.group = "vendor", .name = "vnc", .show = vnc_show,
};

static const struct umdev_attribute mdpy_attr_screenshot_socket = {
	.group = "vendor", .name = "screenshot_socket", .show = screenshot_socket_show,
};

static const struct umdev_attribute mdpy_attr_mode = {
	.group = "vendor", .name = "mode", .show = mode_show,
};

static const struct umdev_attribute *const mdpy_dev_attrs[] = {
	&mdpy_attr_resolution,
	&mdpy_attr_vnc,
	&mdpy_attr_screenshot_socket,
	&mdpy_attr_mode,
	NULL,
};

static ssize_t mdpy_show_description(struct umdev_type *mtype, char *buf)
{
	const struct mdpy_type *type = to_mdpy_type(mtype);

	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "virtual display, %ux%u framebuffer\n",
			type->width, type->height);
}

static const struct umdev_driver mdpy_driver_template = {
	.name = MDPY_NAME,
	.device_api = "vfio-pci",
	.max_instances = MDPY_DEFAULT_DEVICES,
	.probe = mdpy_probe,
	.remove = mdpy_remove,
	.show_description = mdpy_show_description,
	.dev_attrs = mdpy_dev_attrs,
};

static int mdpy_create(const char *parent_name, const struct umdev_setting *settings,
		       size_t nr_settings, void **handle)
{
	unsigned int max_devices = MDPY_DEFAULT_DEVICES;
	struct display_settings display = DISPLAY_SETTINGS_DEFAULTS;
	const struct driver_setting known[] = {
		{ .key = "max_devices", .min = 1, .max = MDPY_MAX_DEVICES, .value = &max_devices },
		DISPLAY_KNOWN_SETTINGS(&display),
	};
	struct mdpy_parent *mdpy;
	int ret;

	ret = driver_parse_settings(MDPY_NAME, parent_name, settings, nr_settings,
				    known, sizeof(known) / sizeof(known[0]));
	if (ret)
		return ret;

	mdpy = calloc(1, sizeof(*mdpy));
	if (!mdpy)
		return -ENOMEM;
	mdpy->driver = mdpy_driver_template;
	mdpy->driver.max_instances = max_devices;
	ret = display_settings_config(MDPY_NAME, parent_name, &display, &mdpy->display_config);
	if (ret) {
		free(mdpy);
		return ret;
	}
	for (unsigned int i = 0; i < MDPY_NR_TYPES; i++) {
		mdpy->types[i] = mdpy_types[i];
		mdpy->type_list[i] = &mdpy->types[i].type;
	}

	ret = umdev_register_parent(&mdpy->parent, parent_name, &mdpy->driver,
				    mdpy->type_list, MDPY_NR_TYPES);
	if (ret) {
		display_config_release(&mdpy->display_config);
		free(mdpy);
		return ret;
	}
	*handle = mdpy;
	return 0;
}

static void mdpy_destroy(void *handle)
{
	struct mdpy_parent *mdpy = handle;

	umdev_unregister_parent(&mdpy->parent);
	display_config_release(&mdpy->display_config);
	free(mdpy);
}

const struct umdev_parent_module umdev_mdpy_module = {
	.name = MDPY_NAME,
	.summary = "simple virtual PCI displays (mdpy-vga, mdpy-xga, mdpy-hd), max_devices (4) per parent",
	.create = mdpy_create,
	.destroy = mdpy_destroy,
};
