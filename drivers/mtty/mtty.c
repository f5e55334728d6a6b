// SPDX-License-Identifier: MIT
/*
 * mtty: a parent of virtual PCI serial cards, after the kernel's
 * samples/vfio-mdev/mtty.c.
 *
 * Two types, a card with one 16550 port and a card with two, share a
 * budget of serial ports (24 by default, the `ports` setting). The driver
 * counts for itself: each type shows how many more cards the free ports
 * allow, and probe takes the ports or refuses with ENOSPC.
 *
 * Each port is a host pty (two file descriptors in the daemon); the ports
 * of a parent share one I/O thread (struct mtty_io), so an idle card costs
 * no thread. The system's ptys are limited (/proc/sys/kernel/pty/max,
 * 4096 by default): a probe that finds none left fails with ENOSPC, logs
 * the limit, and leaves nothing behind.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <umdev/log.h>

#include <umdev/mdev.h>
#include "../module.h"

#include "../settings.h"
#include "mtty_pci.h"

#define MTTY_NAME "mtty"
#define MTTY_DEFAULT_PORTS 24 /* the kernel sample's MAX_MTTYS */
/* the kernel's NR_UNIX98_PTY_MAX: no system has more ptys than this */
#define MTTY_MAX_PORTS (1u << 20)
#define MTTY_NR_TYPES 2

struct mtty_type {
	struct umdev_type type;
	unsigned int nr_ports;
};

struct mtty_parent {
	struct umdev_parent parent;
	struct mtty_type types[MTTY_NR_TYPES];
	struct umdev_type *type_list[MTTY_NR_TYPES];

	pthread_mutex_t lock; /* protects avail_ports */
	unsigned int avail_ports;
	struct mtty_io *io; /* the thread serving every port's pty */
};

/* State of each mediated card. */
struct mtty_state {
	unsigned int nr_ports; /* given back at remove */
	struct mtty_model *model; /* what a VM sees: mtty_pci.c */
};

static const struct mtty_type mtty_types[MTTY_NR_TYPES] = {
	{ .nr_ports = 1, .type.sysfs_name = "1", .type.pretty_name = "Single port serial" },
	{ .nr_ports = 2, .type.sysfs_name = "2", .type.pretty_name = "Dual port serial" },
};

static struct mtty_parent *to_mtty_parent(struct umdev_parent *parent)
{
	return container_of(parent, struct mtty_parent, parent);
}

static struct mtty_type *to_mtty_type(struct umdev_type *type)
{
	return container_of(type, struct mtty_type, type);
}

/* The limits a device can run into, named so the operator knows which to raise. */
static void log_model_error(struct umdev_device *mdev, int err)
{
	char max[32] = "?";
	FILE *f;

	if (err == -ENOSPC) {
		f = fopen("/proc/sys/kernel/pty/max", "re");
		if (f) {
			if (!fgets(max, sizeof(max), f))
				strcpy(max, "?");
			max[strcspn(max, "\n")] = '\0';
			fclose(f);
		}
		umdev_log(UMDEV_LOG_ERROR,
			  "mtty %s: no pseudo-terminal left for its ports: the system's limit "
			  "(/proc/sys/kernel/pty/max, %s) is reached",
			  umdev_device_name(mdev), max);
	} else if (err == -EMFILE || err == -ENFILE) {
		umdev_log(UMDEV_LOG_ERROR,
			  "mtty %s: out of file descriptors (each port holds 2; "
			  "raise umdevd's RLIMIT_NOFILE): %s",
			  umdev_device_name(mdev), strerror(-err));
	} else {
		umdev_log(UMDEV_LOG_ERROR, "mtty %s: cannot build the device: %s",
			  umdev_device_name(mdev), strerror(-err));
	}
}

static int mtty_probe(struct umdev_device *mdev)
{
	struct mtty_parent *mtty = to_mtty_parent(umdev_device_parent(mdev));
	struct mtty_type *type = to_mtty_type(umdev_device_type(mdev));
	struct mtty_state *state;
	int ret = -ENOMEM;

	pthread_mutex_lock(&mtty->lock);
	if (mtty->avail_ports < type->nr_ports) {
		pthread_mutex_unlock(&mtty->lock);
		return -ENOSPC;
	}
	mtty->avail_ports -= type->nr_ports;
	pthread_mutex_unlock(&mtty->lock);

	state = calloc(1, sizeof(*state));
	if (!state)
		goto err_ports;
	state->nr_ports = type->nr_ports;

	/* The device model: PCI config space, the UARTs, interrupts, a pty per port. */
	ret = mtty_model_create(mdev, mtty->io, type->nr_ports, &state->model);
	if (ret) {
		log_model_error(mdev, ret);
		goto err_state;
	}

	umdev_set_drvdata(mdev, state);
	return 0;

err_state:
	free(state);
err_ports:
	pthread_mutex_lock(&mtty->lock);
	mtty->avail_ports += type->nr_ports;
	pthread_mutex_unlock(&mtty->lock);
	return ret;
}

static void mtty_remove(struct umdev_device *mdev)
{
	struct mtty_parent *mtty = to_mtty_parent(umdev_device_parent(mdev));
	struct mtty_state *state = umdev_get_drvdata(mdev);

	/* The device model is detached and freed here, before its ports go. */
	mtty_model_destroy(state->model);

	pthread_mutex_lock(&mtty->lock);
	mtty->avail_ports += state->nr_ports;
	pthread_mutex_unlock(&mtty->lock);
	umdev_set_drvdata(mdev, NULL);
	free(state);
}

static unsigned int mtty_get_available(struct umdev_type *mtype)
{
	struct mtty_parent *mtty = to_mtty_parent(umdev_type_parent(mtype));
	unsigned int avail;

	pthread_mutex_lock(&mtty->lock);
	avail = mtty->avail_ports / to_mtty_type(mtype)->nr_ports;
	pthread_mutex_unlock(&mtty->lock);
	return avail;
}

static ssize_t sample_mdev_dev_show(struct umdev_device *mdev, char *buf)
{
	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "This is MDEV %s\n", umdev_device_name(mdev));
}

static const struct umdev_attribute mtty_attr_sample_mdev_dev = {
	.group = "vendor",
	.name = "sample_mdev_dev",
	.show = sample_mdev_dev_show,
};

/*
 * Beyond the kernel sample: where a person talks to the guest's serial
 * ports (one host pty per port, one per line), and the sample's loopback
 * as a per-device switch ("1" loops each port's output back as its input).
 */
static ssize_t ptys_show(struct umdev_device *mdev, char *buf)
{
	struct mtty_state *state = umdev_get_drvdata(mdev);
	size_t len = 0;

	for (unsigned int i = 0; i < mtty_model_nr_ports(state->model); i++)
		len += (size_t)snprintf(buf + len, UMDEV_ATTR_BUF_SIZE - len, "%s\n",
					mtty_model_pty(state->model, i));
	return (ssize_t)len;
}

static ssize_t loopback_show(struct umdev_device *mdev, char *buf)
{
	struct mtty_state *state = umdev_get_drvdata(mdev);

	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "%d\n", mtty_model_loopback(state->model));
}

static ssize_t loopback_store(struct umdev_device *mdev, const char *buf, size_t count)
{
	struct mtty_state *state = umdev_get_drvdata(mdev);

	if ((count != 1 && !(count == 2 && buf[1] == '\n')) || (buf[0] != '0' && buf[0] != '1'))
		return -EINVAL;
	mtty_model_set_loopback(state->model, buf[0] == '1');
	return (ssize_t)count;
}

static const struct umdev_attribute mtty_attr_ptys = {
	.group = "vendor",
	.name = "ptys",
	.show = ptys_show,
};

static const struct umdev_attribute mtty_attr_loopback = {
	.group = "vendor",
	.name = "loopback",
	.show = loopback_show,
	.store = loopback_store,
};

static const struct umdev_attribute *const mtty_dev_attrs[] = {
	&mtty_attr_sample_mdev_dev,
	&mtty_attr_ptys,
	&mtty_attr_loopback,
	NULL,
};

static struct umdev_driver mtty_driver = {
	.name = MTTY_NAME,
	.device_api = "vfio-pci",
	.probe = mtty_probe,
	.remove = mtty_remove,
	.get_available = mtty_get_available,
	.dev_attrs = mtty_dev_attrs,
};

static int mtty_create(const char *parent_name, const struct umdev_setting *settings,
		       size_t nr_settings, void **handle)
{
	unsigned int ports = MTTY_DEFAULT_PORTS;
	const struct driver_setting known[] = {
		{ .key = "ports", .min = 1, .max = MTTY_MAX_PORTS, .value = &ports },
	};
	struct mtty_parent *mtty;
	int ret;

	ret = driver_parse_settings(MTTY_NAME, parent_name, settings, nr_settings,
				    known, 1);
	if (ret)
		return ret;

	mtty = calloc(1, sizeof(*mtty));
	if (!mtty)
		return -ENOMEM;
	for (unsigned int i = 0; i < MTTY_NR_TYPES; i++) {
		mtty->types[i] = mtty_types[i];
		mtty->type_list[i] = &mtty->types[i].type;
	}
	pthread_mutex_init(&mtty->lock, NULL);
	mtty->avail_ports = ports;
	ret = mtty_io_create(&mtty->io);
	if (ret)
		goto err_free;

	ret = umdev_register_parent(&mtty->parent, parent_name, &mtty_driver,
				    mtty->type_list, MTTY_NR_TYPES);
	if (ret)
		goto err_io;
	*handle = mtty;
	return 0;

err_io:
	mtty_io_destroy(mtty->io);
err_free:
	pthread_mutex_destroy(&mtty->lock);
	free(mtty);
	return ret;
}

static void mtty_destroy(void *handle)
{
	struct mtty_parent *mtty = handle;

	umdev_unregister_parent(&mtty->parent);
	mtty_io_destroy(mtty->io);
	pthread_mutex_destroy(&mtty->lock);
	free(mtty);
}

const struct umdev_parent_module umdev_mtty_module = {
	.name = MTTY_NAME,
	.summary = "virtual PCI serial cards (mtty-1, mtty-2) sharing a budget of ports",
	.create = mtty_create,
	.destroy = mtty_destroy,
};
