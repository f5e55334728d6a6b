/* SPDX-License-Identifier: MIT */
/*
 * The mtty device model: the kernel's mtty sample (a WCH CH352-like PCI
 * serial card with one or two 16550A ports behind 8-byte I/O BARs, INTx
 * and MSI) served over vfio-user, with each port connected to a host
 * pseudo-terminal, or looped back onto itself as the sample does.
 *
 * drivers/mtty/mtty.c's probe creates one per device and its remove
 * destroys it.
 */
#ifndef MTTY_PCI_H
#define MTTY_PCI_H

#include <stdbool.h>

#include <umdev/mdev.h>

#define MTTY_MODEL_MAX_PORTS 2

struct mtty_model;
struct mtty_io;

/*
 * The I/O thread that moves the bytes of every port of a parent between
 * the UARTs and their ptys (one epoll set; an idle port costs no thread).
 * Created with the parent, destroyed after its last model.
 */
int mtty_io_create(struct mtty_io **out);
void mtty_io_destroy(struct mtty_io *io);

/*
 * Builds the model for @mdev with @nr_ports (1 or 2) ports, each on a new
 * pseudo-terminal served by @io, and attaches it for vfio-user
 * (umdev_device_set_vfio). Returns 0 or a negative errno (-EINVAL for a
 * bad port count, the pty's errno: -ENOSPC when the system's ptys are all
 * in use, -ENOMEM); on failure nothing is attached and nothing is left open.
 */
int mtty_model_create(struct umdev_device *mdev, struct mtty_io *io, unsigned int nr_ports,
		      struct mtty_model **out);
/* Detaches and frees it; the device must no longer be served (remove runs after UNBINDING). */
void mtty_model_destroy(struct mtty_model *model);

/* Loopback (the kernel sample's behaviour): a port's output returns as its input. */
void mtty_model_set_loopback(struct mtty_model *model, bool loopback);
bool mtty_model_loopback(struct mtty_model *model);
unsigned int mtty_model_nr_ports(const struct mtty_model *model);
/* The host side of a port: "/dev/pts/N" (open it with picocom, screen, ...). */
const char *mtty_model_pty(const struct mtty_model *model, unsigned int port);

#endif /* MTTY_PCI_H */
