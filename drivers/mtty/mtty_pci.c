// SPDX-License-Identifier: MIT
/*
 * The mtty PCI function: config space (the sample's identity plus an MSI
 * capability so a guest can use MSI), one I/O BAR per port, the interrupt
 * line shared by the ports, and the bytes between each port and its host
 * pseudo-terminal, moved by the parent's I/O thread (struct mtty_io: one
 * epoll set and one thread for every port of the parent, so an idle device
 * costs two file descriptors per port and no thread).
 *
 * Lock order: model->lock, then the frontend's per-device lock (taken by
 * the umdev_vfio_* calls made under it); io->lock is never held while
 * taking another.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <termios.h>
#include <unistd.h>

#include <umdev/pci.h>
#include <umdev/vfio.h>

#include "mtty_pci.h"
#include "mtty_uart.h"

#define MTTY_IO_BAR_SIZE 8
#define MTTY_VENDOR 0x4348 /* WCH, as the kernel sample */
#define MTTY_DEVICE 0x3253 /* CH352 dual serial */

struct mtty_port {
	struct mtty_model *model;
	struct mtty_uart uart;
	int pty;	       /* master side */
	int pty_peer;	       /* our slave fd: keeps the termios raw and the master readable */
	char pty_name[64];
	bool rx_armed;	       /* the pty is in the epoll set for input: rx_budget() > 0 */
};

/*
 * The I/O thread of a parent. Ports register their pty in its epoll set,
 * armed for input while their receiver has room (rx_budget()), so a port
 * the guest cannot take from is not woken for. Whoever changes a port's
 * registers re-arms it under model->lock; the thread disarms it when the
 * budget runs out. Removal waits for one full pass of the loop after
 * taking the ports out of the set (mtty_io_sync()), so the thread holds no
 * event for a freed port.
 */
struct mtty_io {
	int epfd;
	int wake_fd; /* an eventfd: a pass of the loop, or stop */
	pthread_t thread;

	pthread_mutex_t lock; /* passes, stopping */
	pthread_cond_t passed;
	unsigned long passes; /* loop iterations completed */
	bool stopping;
};

struct mtty_model {
	struct umdev_device *mdev;
	struct umdev_vfio_device vdev;
	struct umdev_vfio_region regions[UMDEV_VFIO_PCI_NUM_REGIONS];
	struct umdev_vfio_irq irqs[UMDEV_VFIO_PCI_NUM_IRQS];
	struct umdev_pci_config cfg;
	unsigned int nr_ports;
	struct mtty_port ports[MTTY_MODEL_MAX_PORTS];

	pthread_mutex_t lock; /* ports, config space, line */
	bool line;	      /* the interrupt request as last signalled */
	bool loopback;

	struct mtty_io *io;
};

static struct mtty_model *model_of(struct umdev_vfio_device *vdev)
{
	return container_of(vdev, struct mtty_model, vdev);
}

static void wake_io(struct mtty_io *io)
{
	uint64_t one = 1;
	ssize_t n = write(io->wake_fd, &one, sizeof(one));
	(void)n;
}

/* Puts @port's pty in or out of the I/O thread's interest; model->lock held. */
static void arm_port(struct mtty_port *port, bool on)
{
	struct epoll_event ev = { .events = on ? EPOLLIN : 0, .data.ptr = port };

	/* cannot fail for a registered fd but on ENOMEM, which leaves it as it was */
	if (!epoll_ctl(port->model->io->epfd, EPOLL_CTL_MOD, port->pty, &ev))
		port->rx_armed = on;
}

/*
 * Signals the interrupt the guest chose: MSI once per rising edge of the
 * ports' combined request, else INTx following the request as a level
 * (unless the guest disabled INTx in the command register).
 */
static void update_irq(struct mtty_model *m)
{
	bool pending = false, msi;

	for (unsigned int i = 0; i < m->nr_ports; i++)
		pending |= mtty_uart_irq_pending(&m->ports[i].uart);
	msi = umdev_vfio_irq_enabled(&m->vdev, UMDEV_VFIO_PCI_MSI_IRQ, 0);
	umdev_pci_set_intx_status(&m->cfg, pending);
	if (msi) {
		umdev_vfio_intx_set(&m->vdev, false);
		if (pending && !m->line)
			umdev_vfio_irq_trigger(&m->vdev, UMDEV_VFIO_PCI_MSI_IRQ, 0);
	} else {
		umdev_vfio_intx_set(&m->vdev, pending && !umdev_pci_intx_disabled(&m->cfg));
	}
	m->line = pending;
}

#define RX_CHUNK 64 /* bytes the I/O thread takes from a pty at a time */

/*
 * How many bytes the I/O thread may take from @port's pty now; model->lock
 * held. While the guest's terminal is ready (DTR: Linux's serial core
 * raises it when a process opens the port and drops it at the last close),
 * the pty is paced by the receiver: only its free room is read, so nothing
 * the host writes to an open port is lost, however slowly the guest reads.
 * With DTR off (the port closed, or in loop mode) the line runs as a wire
 * does, listened to or not: every byte is taken, and what the receiver
 * cannot hold is overrun and shows in LSR.OE, as on the chip. A host
 * writer then never blocks, and a guest opening the port later does not
 * get a backlog of stale input. With the loopback option the port has no
 * line: the pty is not read.
 */
static size_t rx_budget(const struct mtty_model *m, const struct mtty_port *port)
{
	if (m->loopback)
		return 0;
	if (!mtty_uart_dtr(&port->uart))
		return RX_CHUNK;
	return mtty_uart_room(&port->uart);
}

/*
 * Brings the outside in line with the ports' registers after anything
 * changed them: the interrupt, and the reading of each pty. The budget
 * comes back in many ways (an RBR read, a FIFO clear or mode switch from
 * FCR, a change of DTR or loop mode, a reset), so rather than catch each
 * one, this compares it with what the I/O thread listens for and arms the
 * pty when they differ (the thread disarms it). model->lock held.
 */
static void ports_changed(struct mtty_model *m)
{
	update_irq(m);
	for (unsigned int i = 0; i < m->nr_ports; i++)
		if (!m->ports[i].rx_armed && rx_budget(m, &m->ports[i]) > 0)
			arm_port(&m->ports[i], true);
}

static ssize_t bar_read(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			void *buf, size_t count)
{
	struct mtty_model *m = model_of(vdev);
	struct mtty_port *port = &m->ports[index];
	uint8_t *out = buf;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < count; i++)
		out[i] = mtty_uart_read(&port->uart, (unsigned int)(offset + i));
	ports_changed(m);
	pthread_mutex_unlock(&m->lock);
	return (ssize_t)count;
}

static ssize_t bar_write(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			 const void *buf, size_t count)
{
	struct mtty_model *m = model_of(vdev);
	const uint8_t *in = buf;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < count; i++)
		mtty_uart_write(&m->ports[index].uart, (unsigned int)(offset + i), in[i]);
	ports_changed(m);
	pthread_mutex_unlock(&m->lock);
	return (ssize_t)count;
}

static ssize_t config_read(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			   void *buf, size_t count)
{
	struct mtty_model *m = model_of(vdev);
	ssize_t ret;

	(void)index;
	pthread_mutex_lock(&m->lock);
	ret = umdev_pci_config_read(&m->cfg, offset, buf, count);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

static ssize_t config_write(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			    const void *buf, size_t count)
{
	struct mtty_model *m = model_of(vdev);
	ssize_t ret;

	(void)index;
	pthread_mutex_lock(&m->lock);
	ret = umdev_pci_config_write(&m->cfg, offset, buf, count);
	update_irq(m); /* INTx disable may have changed */
	pthread_mutex_unlock(&m->lock);
	return ret;
}

static int model_reset(struct umdev_vfio_device *vdev)
{
	struct mtty_model *m = model_of(vdev);

	pthread_mutex_lock(&m->lock);
	for (unsigned int i = 0; i < m->nr_ports; i++)
		mtty_uart_reset(&m->ports[i].uart);
	umdev_pci_config_reset(&m->cfg);
	ports_changed(m);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static void irqs_changed(struct umdev_vfio_device *vdev, unsigned int index)
{
	struct mtty_model *m = model_of(vdev);

	pthread_mutex_lock(&m->lock);
	/*
	 * A newly chosen interrupt sees any pending request: MSI gets a new
	 * edge, and a new INTx eventfd fires if the line is already up (the
	 * frontend signals INTx only when the level rises).
	 */
	m->line = false;
	if (index == UMDEV_VFIO_PCI_INTX_IRQ)
		umdev_vfio_intx_set(&m->vdev, false);
	update_irq(m);
	pthread_mutex_unlock(&m->lock);
}

static const struct umdev_vfio_ops mtty_vfio_ops = {
	.reset = model_reset,
	.irqs_changed = irqs_changed,
};

/* A byte the guest sent out of a port: to the pty, lost if nobody reads. */
static void port_tx(struct mtty_uart *uart, uint8_t byte, void *arg)
{
	struct mtty_port *port = arg;
	ssize_t n = write(port->pty, &byte, 1);

	(void)uart;
	(void)n;
}

/* Input waiting on @port's pty: as much as the receiver may take. */
static void port_input(struct mtty_port *port)
{
	struct mtty_model *m = port->model;
	uint8_t buf[RX_CHUNK];
	size_t budget;
	ssize_t n;

	pthread_mutex_lock(&m->lock);
	/* the guest may have changed the budget since the pty was armed */
	budget = rx_budget(m, port);
	n = budget ? read(port->pty, buf, budget) : 0;
	for (ssize_t k = 0; k < n; k++)
		mtty_uart_receive(&port->uart, buf[k]);
	ports_changed(m);
	if (port->rx_armed && !rx_budget(m, port))
		arm_port(port, false);
	pthread_mutex_unlock(&m->lock);
}

static void *io_main(void *arg)
{
	struct mtty_io *io = arg;
	bool stop;

	do {
		struct epoll_event evs[64];
		int n = epoll_wait(io->epfd, evs, 64, -1);

		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr) {
				port_input(evs[i].data.ptr);
			} else {
				uint64_t v;
				ssize_t r = read(io->wake_fd, &v, sizeof(v));
				(void)r;
			}
		}
		pthread_mutex_lock(&io->lock);
		io->passes++;
		stop = io->stopping;
		pthread_cond_broadcast(&io->passed);
		pthread_mutex_unlock(&io->lock);
	} while (!stop);
	return NULL;
}

/*
 * Returns once the I/O thread has finished a pass of its loop that began
 * after this call: an event it took from the set before the caller removed
 * a port has been handled.
 */
static void mtty_io_sync(struct mtty_io *io)
{
	unsigned long start;

	pthread_mutex_lock(&io->lock);
	start = io->passes;
	wake_io(io);
	/* the pass under way, if any, took its events before the caller's removal */
	while (io->passes == start && !io->stopping)
		pthread_cond_wait(&io->passed, &io->lock);
	pthread_mutex_unlock(&io->lock);
}

int mtty_io_create(struct mtty_io **out)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	sigset_t all, old_mask;
	struct mtty_io *io;
	int ret;

	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	io->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (io->epfd < 0) {
		ret = -errno;
		goto err_free;
	}
	io->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (io->wake_fd < 0) {
		ret = -errno;
		goto err_epoll;
	}
	if (epoll_ctl(io->epfd, EPOLL_CTL_ADD, io->wake_fd, &ev)) {
		ret = -errno;
		goto err_wake;
	}
	pthread_mutex_init(&io->lock, NULL);
	pthread_cond_init(&io->passed, NULL);
	/* with every signal blocked: the daemon takes SIGTERM in its own thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old_mask);
	ret = -pthread_create(&io->thread, NULL, io_main, io);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	if (ret)
		goto err_cond;
	*out = io;
	return 0;

err_cond:
	pthread_cond_destroy(&io->passed);
	pthread_mutex_destroy(&io->lock);
err_wake:
	close(io->wake_fd);
err_epoll:
	close(io->epfd);
err_free:
	free(io);
	return ret;
}

void mtty_io_destroy(struct mtty_io *io)
{
	pthread_mutex_lock(&io->lock);
	io->stopping = true;
	pthread_mutex_unlock(&io->lock);
	wake_io(io);
	pthread_join(io->thread, NULL);
	pthread_cond_destroy(&io->passed);
	pthread_mutex_destroy(&io->lock);
	close(io->wake_fd);
	close(io->epfd);
	free(io);
}

static int open_pty(struct mtty_port *port)
{
	struct termios tio;
	int ret;

	port->pty = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (port->pty < 0)
		return -errno;
	if (grantpt(port->pty) || unlockpt(port->pty) ||
	    ptsname_r(port->pty, port->pty_name, sizeof(port->pty_name)))
		goto err;
	/* raw: no echo of the guest's output back to it, no line editing */
	port->pty_peer = open(port->pty_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (port->pty_peer < 0 || tcgetattr(port->pty_peer, &tio))
		goto err;
	cfmakeraw(&tio);
	if (tcsetattr(port->pty_peer, TCSANOW, &tio))
		goto err;
	return 0;
err:
	ret = -errno;
	if (port->pty_peer >= 0)
		close(port->pty_peer);
	close(port->pty);
	port->pty = port->pty_peer = -1;
	return ret;
}

static void close_pty(struct mtty_port *port)
{
	if (port->pty_peer >= 0)
		close(port->pty_peer);
	if (port->pty >= 0)
		close(port->pty);
}

static void build_config(struct mtty_model *m)
{
	static const struct umdev_pci_id id = {
		.vendor = MTTY_VENDOR, .device = MTTY_DEVICE,
		.subsystem_vendor = MTTY_VENDOR, .subsystem = MTTY_DEVICE,
		.revision = 0x10,
		.class_code = 0x070002, /* simple communication, serial, 16550-compatible */
	};

	umdev_pci_config_init(&m->cfg, &id, false, 1 /* INTA# */);
	for (unsigned int i = 0; i < m->nr_ports; i++)
		umdev_pci_set_bar(&m->cfg, i, MTTY_IO_BAR_SIZE, UMDEV_PCI_BAR_IO, false);
	umdev_pci_add_msi(&m->cfg, 1, true, false);
}

static void build_vfio(struct mtty_model *m)
{
	for (unsigned int i = 0; i < UMDEV_VFIO_PCI_NUM_REGIONS; i++)
		m->regions[i].mmap_fd = -1;
	for (unsigned int i = 0; i < m->nr_ports; i++)
		m->regions[i] = (struct umdev_vfio_region){
			.size = MTTY_IO_BAR_SIZE,
			.flags = UMDEV_VFIO_REGION_READ | UMDEV_VFIO_REGION_WRITE,
			.read = bar_read, .write = bar_write, .mmap_fd = -1,
		};
	m->regions[UMDEV_VFIO_PCI_CONFIG_REGION] = (struct umdev_vfio_region){
		.size = UMDEV_PCI_CONFIG_SIZE,
		.flags = UMDEV_VFIO_REGION_READ | UMDEV_VFIO_REGION_WRITE,
		.read = config_read, .write = config_write, .mmap_fd = -1,
	};
	m->irqs[UMDEV_VFIO_PCI_INTX_IRQ] = (struct umdev_vfio_irq){
		1, UMDEV_VFIO_IRQ_MASKABLE | UMDEV_VFIO_IRQ_AUTOMASKED };
	m->irqs[UMDEV_VFIO_PCI_MSI_IRQ] = (struct umdev_vfio_irq){ 1, UMDEV_VFIO_IRQ_NORESIZE };
	/*
	 * The error and device-request notifications, one eventfd each as
	 * vfio-pci offers them. QEMU asks for the error one at every attach
	 * and warns "Could not enable error recovery" unless it has exactly
	 * one; the model has no unrecoverable errors, so it is never signalled.
	 */
	m->irqs[UMDEV_VFIO_PCI_ERR_IRQ] = (struct umdev_vfio_irq){ 1, 0 };
	m->irqs[UMDEV_VFIO_PCI_REQ_IRQ] = (struct umdev_vfio_irq){ 1, 0 };
	m->vdev = (struct umdev_vfio_device){
		.pci = true,
		.nr_regions = UMDEV_VFIO_PCI_NUM_REGIONS, .regions = m->regions,
		.nr_irqs = UMDEV_VFIO_PCI_NUM_IRQS, .irqs = m->irqs,
		.ops = &mtty_vfio_ops,
	};
}

/* Registers @port's pty with the I/O thread, armed as its receiver allows. */
static int add_port(struct mtty_model *m, struct mtty_port *port)
{
	struct epoll_event ev = { .events = 0, .data.ptr = port };

	port->rx_armed = rx_budget(m, port) > 0;
	if (port->rx_armed)
		ev.events = EPOLLIN;
	return epoll_ctl(m->io->epfd, EPOLL_CTL_ADD, port->pty, &ev) ? -errno : 0;
}

int mtty_model_create(struct umdev_device *mdev, struct mtty_io *io, unsigned int nr_ports,
		      struct mtty_model **out)
{
	struct mtty_model *m;
	unsigned int opened = 0, added = 0;
	int ret;

	if (nr_ports < 1 || nr_ports > MTTY_MODEL_MAX_PORTS)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->mdev = mdev;
	m->io = io;
	m->nr_ports = nr_ports;
	pthread_mutex_init(&m->lock, NULL);
	for (; opened < nr_ports; opened++) {
		struct mtty_port *port = &m->ports[opened];

		port->model = m;
		port->pty = port->pty_peer = -1;
		mtty_uart_init(&port->uart, port_tx, port);
		ret = open_pty(port);
		if (ret)
			goto err_ptys;
	}
	build_config(m);
	build_vfio(m);
	ret = umdev_vfio_device_init(&m->vdev);
	if (ret)
		goto err_ptys;
	pthread_mutex_lock(&m->lock);
	for (; added < nr_ports; added++) {
		ret = add_port(m, &m->ports[added]);
		if (ret)
			break;
	}
	pthread_mutex_unlock(&m->lock);
	if (ret)
		goto err_ports;
	umdev_device_set_vfio(mdev, &m->vdev);
	*out = m;
	return 0;

err_ports:
	while (added--)
		epoll_ctl(io->epfd, EPOLL_CTL_DEL, m->ports[added].pty, NULL);
	mtty_io_sync(io);
	umdev_vfio_device_fini(&m->vdev);
err_ptys:
	while (opened--)
		close_pty(&m->ports[opened]);
	pthread_mutex_destroy(&m->lock);
	free(m);
	return ret;
}

void mtty_model_destroy(struct mtty_model *m)
{
	umdev_device_set_vfio(m->mdev, NULL);
	pthread_mutex_lock(&m->lock);
	for (unsigned int i = 0; i < m->nr_ports; i++)
		epoll_ctl(m->io->epfd, EPOLL_CTL_DEL, m->ports[i].pty, NULL);
	pthread_mutex_unlock(&m->lock);
	/* the thread may hold an event for these ports taken before the removal */
	mtty_io_sync(m->io);
	umdev_vfio_device_fini(&m->vdev);
	for (unsigned int i = m->nr_ports; i--;)
		close_pty(&m->ports[i]);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void mtty_model_set_loopback(struct mtty_model *m, bool loopback)
{
	pthread_mutex_lock(&m->lock);
	m->loopback = loopback;
	for (unsigned int i = 0; i < m->nr_ports; i++)
		m->ports[i].uart.loopback = loopback;
	ports_changed(m);
	pthread_mutex_unlock(&m->lock);
}

bool mtty_model_loopback(struct mtty_model *m)
{
	pthread_mutex_lock(&m->lock);
	bool loopback = m->loopback;
	pthread_mutex_unlock(&m->lock);
	return loopback;
}

unsigned int mtty_model_nr_ports(const struct mtty_model *m)
{
	return m->nr_ports;
}

const char *mtty_model_pty(const struct mtty_model *m, unsigned int port)
{
	return port < m->nr_ports ? m->ports[port].pty_name : NULL;
}
