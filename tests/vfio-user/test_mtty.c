// SPDX-License-Identifier: MIT
/*
 * The mtty device model driven through vfio-user like a guest's 8250
 * driver would: PCI identity, 16550 registers, divisor latch, FIFO and
 * trigger levels, IIR/LSR/MSR, INTx and MSI, loopback and the host pty.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <umdev/bus.h>
#include <umdev/mdev.h>
#include "module.h"
#include <umdev/pci.h>
#include <umdev/vfio_user.h>
#include <umdev/vfio_user_client.h>

#include "../../drivers/mtty/mtty_uart.h"

static char dir[64], sockets[96];
static void *mtty;		  /* the real driver, as umdevd instantiates it */
static struct umdev_type *mtty2; /* its dual-port type */
static struct umdev_device *mdev;
static struct umdev_vu_client *c;

static int group_setup(void **state)
{
	struct umdev_parent *parent;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/umdev-mtty-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sockets, sizeof(sockets), "%s/s", dir);
	if (umdev_vfio_user_start(sockets, NULL) || umdev_mtty_module.create("mtty", NULL, 0, &mtty))
		return -1;
	parent = umdev_parent_get("mtty");
	mtty2 = parent ? umdev_parent_find_type(parent, "mtty-2") : NULL;
	umdev_parent_put(parent);
	return mtty2 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	umdev_mtty_module.destroy(mtty);
	umdev_vfio_user_stop();
	rmdir(sockets);
	rmdir(dir);
	return 0;
}

static int dev_setup(void **state)
{
	uint8_t uuid[UMDEV_UUID_SIZE];
	char path[256];

	(void)state;
	umdev_uuid_parse("3b0a6f6e-7c61-4d57-8a3c-0000000000aa", uuid);
	if (umdev_device_create(mtty2, uuid))
		return -1;
	mdev = umdev_device_get(uuid);
	if (umdev_vfio_user_socket_path(mdev, path, sizeof(path)) < 0 ||
	    umdev_vu_connect(path, true, &c))
		return -1;
	return 0;
}

static int dev_teardown(void **state)
{
	(void)state;
	umdev_vu_close(c);
	umdev_device_remove(mdev);
	umdev_device_put(mdev);
	return 0;
}

/* The device's vendor/NAME attribute, as `cat` on the sysfs file gives it. */
static void attr_show(const char *name, char *buf)
{
	const struct umdev_attribute *attr = umdev_device_find_attr(mdev, "vendor", name);
	ssize_t n;

	assert_non_null(attr);
	n = umdev_device_attr_show(mdev, attr, buf);
	assert_true(n > 0);
	buf[n] = '\0';
}

static void set_loopback(bool on)
{
	const struct umdev_attribute *attr = umdev_device_find_attr(mdev, "vendor", "loopback");

	assert_int_equal(umdev_device_attr_store(mdev, attr, on ? "1\n" : "0\n", 2), 2);
}

/* The host pty of @port, from vendor/ptys (one per line). */
static void pty_path(unsigned int port, char *path, size_t size)
{
	char buf[UMDEV_ATTR_BUF_SIZE + 1], *line = buf;

	attr_show("ptys", buf);
	for (unsigned int i = 0; i < port; i++) {
		line = strchr(line, '\n');
		assert_non_null(line);
		line++;
	}
	snprintf(path, size, "%.*s", (int)strcspn(line, "\n"), line);
	assert_non_null(strstr(path, "/dev/pts/"));
}

/* Opens the host side of @port as a terminal program would. */
static int open_pty(unsigned int port)
{
	char path[64];
	int fd;

	pty_path(port, path, sizeof(path));
	fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static uint8_t rd(unsigned int port, unsigned int reg)
{
	uint8_t v;

	assert_int_equal(umdev_vu_region_read(c, port, reg, &v, 1), 1);
	return v;
}

static void wr(unsigned int port, unsigned int reg, uint8_t v)
{
	assert_int_equal(umdev_vu_region_write(c, port, reg, &v, 1), 1);
}

static bool fired(int efd)
{
	uint64_t v;
	struct pollfd pfd = { .fd = efd, .events = POLLIN };

	if (poll(&pfd, 1, 0) != 1)
		return false;
	return read(efd, &v, sizeof(v)) == sizeof(v);
}

static void test_identity(void **state)
{
	struct umdev_vu_region_info ri;
	struct umdev_vu_irq_info ii;
	uint8_t cfg[256];

	(void)state;
	assert_int_equal(umdev_vu_region_read(c, VFIO_USER_PCI_CONFIG_REGION, 0, cfg, 256), 256);
	assert_int_equal(cfg[0] | cfg[1] << 8, 0x4348);
	assert_int_equal(cfg[2] | cfg[3] << 8, 0x3253);
	assert_int_equal(cfg[0x09], 0x02);
	assert_int_equal(cfg[0x0b], 0x07);
	assert_int_equal(cfg[0x10] & 1, 1); /* I/O BARs */
	assert_int_equal(cfg[0x14] & 1, 1);
	assert_int_equal(cfg[0x3d], 1); /* INTA# */
	assert_int_equal(cfg[cfg[0x34]], UMDEV_PCI_CAP_ID_MSI);
	for (unsigned int i = 0; i < 2; i++) {
		assert_int_equal(umdev_vu_region_info(c, i, &ri), 0);
		assert_int_equal(ri.size, 8);
	}
	assert_int_equal(umdev_vu_region_info(c, 2, &ri), 0);
	assert_int_equal(ri.size, 0);
	assert_int_equal(umdev_vu_irq_info(c, VFIO_USER_PCI_INTX_IRQ, &ii), 0);
	assert_int_equal(ii.count, 1);
	assert_int_equal(umdev_vu_irq_info(c, VFIO_USER_PCI_MSI_IRQ, &ii), 0);
	assert_int_equal(ii.count, 1);
	{
		char ptys[UMDEV_ATTR_BUF_SIZE + 1], p0[64], p1[64];

		attr_show("ptys", ptys);
		pty_path(0, p0, sizeof(p0));
		pty_path(1, p1, sizeof(p1));
		assert_string_not_equal(p0, p1); /* one pty per port, one per line */
		assert_int_equal(strlen(ptys), strlen(p0) + strlen(p1) + 2);
	}
	/* the guest sizes an I/O BAR: 8 bytes */
	uint32_t all = 0xffffffff, bar;
	umdev_vu_region_write(c, 7, 0x10, &all, 4);
	umdev_vu_region_read(c, 7, 0x10, &bar, 4);
	assert_int_equal(bar, 0xfffffff9);
}

static void test_loopback_fifo(void **state)
{
	char buf[UMDEV_ATTR_BUF_SIZE + 1];

	(void)state;
	set_loopback(true);
	attr_show("loopback", buf);
	assert_string_equal(buf, "1\n");
	assert_int_equal(rd(0, UART_LSR) & (UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT),
			 UART_LSR_THRE | UART_LSR_TEMT);
	wr(0, UART_FCR, 0x41 | UART_FCR_CLEAR_RCVR); /* FIFO on, trigger 4 */
	assert_int_equal(rd(0, UART_IIR), 0xc1);
	wr(0, UART_IER, UART_IER_RDI | UART_IER_RLSI);
	wr(0, UART_RX, 'a');
	wr(0, UART_RX, 'b');
	assert_int_equal(rd(0, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	assert_int_equal(rd(0, UART_IIR), 0xc0 | UART_IIR_TIMEOUT); /* below the trigger */
	wr(0, UART_RX, 'c');
	wr(0, UART_RX, 'd');
	assert_int_equal(rd(0, UART_IIR), 0xc0 | UART_IIR_RDI);
	assert_int_equal(rd(0, UART_RX), 'a');
	assert_int_equal(rd(0, UART_RX), 'b');
	assert_int_equal(rd(0, UART_RX), 'c');
	assert_int_equal(rd(0, UART_RX), 'd');
	assert_int_equal(rd(0, UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(rd(0, UART_IIR), 0xc1);
	/* port 1 is untouched by port 0's traffic */
	assert_int_equal(rd(1, UART_LSR) & UART_LSR_DR, 0);
	/* overrun: 17 bytes into a 16-byte FIFO */
	for (int i = 0; i < 17; i++)
		wr(0, UART_RX, (uint8_t)i);
	assert_int_equal(rd(0, UART_IIR), 0xc0 | UART_IIR_RLSI);
	assert_int_equal(rd(0, UART_LSR) & UART_LSR_OE, UART_LSR_OE);
	assert_int_equal(rd(0, UART_LSR) & UART_LSR_OE, 0); /* cleared by reading */
	for (int i = 0; i < 16; i++)
		assert_int_equal(rd(0, UART_RX), i);
	/* without the FIFO, one byte of holding */
	wr(0, UART_FCR, 0);
	assert_int_equal(rd(0, UART_IIR), 0x01);
	wr(0, UART_RX, 'x');
	assert_int_equal(rd(0, UART_RX), 'x');
	assert_int_equal(rd(0, UART_LSR) & UART_LSR_DR, 0);
}

/*
 * Overrun as the 16550 data sheet has it. In FIFO mode a byte arriving at
 * a full FIFO is lost and the FIFO keeps what it holds; without the FIFO
 * the new byte replaces the unread one. Either way LSR.OE is set at once
 * (an RLSI interrupt, the highest priority) and only reading LSR clears
 * it: clearing the FIFO does not. Loopback drives it: the host pty is
 * flow-controlled and never outruns the receiver.
 */
static void test_overrun(void **state)
{
	(void)state;
	set_loopback(true);
	wr(0, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR); /* trigger 1 */
	wr(0, UART_IER, UART_IER_RDI | UART_IER_RLSI);
	for (int i = 0; i < 17; i++)
		wr(0, UART_RX, (uint8_t)i);
	assert_int_equal(rd(0, UART_IIR), 0xc0 | UART_IIR_RLSI);
	/* the driver clears the FIFO (as at open): OE stays until LSR is read */
	wr(0, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	assert_int_equal(rd(0, UART_IIR), 0xc0 | UART_IIR_RLSI);
	assert_int_equal(rd(0, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), UART_LSR_OE);
	assert_int_equal(rd(0, UART_LSR) & UART_LSR_OE, 0);
	assert_int_equal(rd(0, UART_IIR), 0xc1);
	/* reading the FIFO empty does not clear it either; the lost byte is the 17th */
	for (int i = 0; i < 18; i++)
		wr(0, UART_RX, (uint8_t)(0x40 + i));
	for (int i = 0; i < 16; i++)
		assert_int_equal(rd(0, UART_RX), 0x40 + i);
	assert_int_equal(rd(0, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), UART_LSR_OE);
	/* without the FIFO the holding register takes the newest byte */
	wr(0, UART_FCR, 0);
	wr(0, UART_RX, 'x');
	assert_int_equal(rd(0, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), UART_LSR_DR);
	wr(0, UART_RX, 'y');
	assert_int_equal(rd(0, UART_IIR), UART_IIR_RLSI);
	assert_int_equal(rd(0, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), UART_LSR_OE | UART_LSR_DR);
	assert_int_equal(rd(0, UART_RX), 'y');
	assert_int_equal(rd(0, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), 0);
}

static void test_registers(void **state)
{
	(void)state;
	/* the divisor latch hides RBR/IER while DLAB is set */
	wr(0, UART_IER, 0x05);
	wr(0, UART_LCR, UART_LCR_DLAB | 0x03);
	wr(0, UART_DLL, 0x0c);
	wr(0, UART_DLM, 0x00);
	assert_int_equal(rd(0, UART_DLL), 0x0c);
	assert_int_equal(rd(0, UART_DLM), 0x00);
	wr(0, UART_LCR, 0x03);
	assert_int_equal(rd(0, UART_LCR), 0x03);
	assert_int_equal(rd(0, UART_IER), 0x05);
	/* scratch, as the 8250 driver probes it */
	wr(0, UART_SCR, 0xa5);
	assert_int_equal(rd(0, UART_SCR), 0xa5);
	/* modem status follows MCR in loop mode, with delta bits */
	rd(0, UART_MSR);
	wr(0, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_DTR);
	/* CTS/DSR now come from RTS/DTR (still set); DCD from OUT2 (clear) */
	assert_int_equal(rd(0, UART_MSR), UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DDCD);
	assert_int_equal(rd(0, UART_MSR), UART_MSR_CTS | UART_MSR_DSR);
	wr(0, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	assert_int_equal(rd(0, UART_MSR) & 0xf0, UART_MSR_DCD);
	/* THRE: raised when enabled with THR empty, acknowledged by reading IIR */
	wr(0, UART_MCR, 0);
	wr(0, UART_IER, UART_IER_THRI);
	assert_int_equal(rd(0, UART_IIR) & 0x0f, UART_IIR_THRI);
	assert_int_equal(rd(0, UART_IIR) & 0x0f, UART_IIR_NO_INT);
	/* reset brings the registers back */
	assert_int_equal(umdev_vu_reset(c), 0);
	assert_int_equal(rd(0, UART_IER), 0);
	assert_int_equal(rd(0, UART_LCR), 0);
	assert_int_equal(rd(0, UART_SCR), 0);
}

static void test_intx_and_msi(void **state)
{
	int intx = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), msi = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	const uint32_t trig = VFIO_USER_IRQ_SET_DATA_EVENTFD | VFIO_USER_IRQ_SET_ACTION_TRIGGER;
	const uint32_t unmask = VFIO_USER_IRQ_SET_DATA_NONE | VFIO_USER_IRQ_SET_ACTION_UNMASK;

	(void)state;
	set_loopback(true);
	assert_int_equal(umdev_vu_set_irqs(c, 0, trig, 0, 1, &intx, NULL), 0);
	wr(1, UART_IER, UART_IER_RDI);
	assert_false(fired(intx));
	wr(1, UART_RX, 'z');
	assert_true(fired(intx));
	/* level-triggered: unmask with data still there fires again */
	assert_int_equal(umdev_vu_set_irqs(c, 0, unmask, 0, 1, NULL, NULL), 0);
	assert_true(fired(intx));
	assert_int_equal(rd(1, UART_RX), 'z');
	assert_int_equal(umdev_vu_set_irqs(c, 0, unmask, 0, 1, NULL, NULL), 0);
	assert_false(fired(intx));
	/* the guest disables INTx in the command register: nothing fires */
	uint16_t cmd = UMDEV_PCI_COMMAND_IO | UMDEV_PCI_COMMAND_INTX_DISABLE;
	umdev_vu_region_write(c, 7, UMDEV_PCI_COMMAND, &cmd, 2);
	wr(1, UART_RX, 'q');
	assert_false(fired(intx));
	assert_int_equal(rd(1, UART_RX), 'q');
	cmd = UMDEV_PCI_COMMAND_IO;
	umdev_vu_region_write(c, 7, UMDEV_PCI_COMMAND, &cmd, 2);

	/* MSI: one message per new request */
	assert_int_equal(umdev_vu_set_irqs(c, 1, trig, 0, 1, &msi, NULL), 0);
	wr(1, UART_RX, '1');
	assert_true(fired(msi));
	wr(1, UART_RX, '2'); /* still pending: no new edge */
	assert_false(fired(msi));
	rd(1, UART_RX);
	rd(1, UART_RX);
	wr(1, UART_RX, '3');
	assert_true(fired(msi));
	assert_false(fired(intx));
	rd(1, UART_RX);
	close(intx);
	close(msi);
}

/* Waits until the port has received data; the pty delivers asynchronously. */
static void wait_for_rx(unsigned int port)
{
	for (int tries = 0; tries < 1000; tries++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (rd(port, UART_LSR) & UART_LSR_DR)
			return;
		nanosleep(&ts, NULL);
	}
	fail_msg("no data arrived from the pty");
}

static void test_pty(void **state)
{
	int peer;
	char got[8] = { 0 };
	struct pollfd pfd;

	(void)state;
	peer = open_pty(0);
	/* host to guest, the guest's terminal ready (DTR) */
	wr(0, UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
	assert_int_equal(write(peer, "hi", 2), 2);
	wait_for_rx(0);
	got[0] = (char)rd(0, UART_RX);
	wait_for_rx(0);
	got[1] = (char)rd(0, UART_RX);
	assert_string_equal(got, "hi");
	/* guest to host */
	wr(0, UART_RX, 'O');
	wr(0, UART_RX, 'K');
	pfd = (struct pollfd){ .fd = peer, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	memset(got, 0, sizeof(got));
	ssize_t n = read(peer, got, 2);
	if (n == 1) {
		assert_int_equal(poll(&pfd, 1, 10000), 1);
		n += read(peer, got + 1, 1);
	}
	assert_int_equal(n, 2);
	assert_string_equal(got, "OK");
	close(peer);
}

/* Reads @len bytes from @port as a polling guest does; the pty delivers asynchronously. */
static void rx_bytes(unsigned int port, char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		wait_for_rx(port);
		buf[i] = (char)rd(port, UART_RX);
	}
	buf[len] = '\0';
}

/*
 * The 8250 driver's open: clear and enable the FIFOs, read away what is
 * pending, raise DTR and RTS (serial core, at open), enable interrupts.
 */
static void guest_open(unsigned int port)
{
	wr(port, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
	rd(port, UART_LSR);
	rd(port, UART_IIR);
	rd(port, UART_MSR);
	wr(port, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	wr(port, UART_IER, UART_IER_RDI | UART_IER_RLSI);
}

/* ... and its last close: interrupts off, DTR and RTS down (HUPCL), FIFOs cleared and off. */
static void guest_close(unsigned int port)
{
	wr(port, UART_IER, 0);
	wr(port, UART_MCR, 0);
	wr(port, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT);
	wr(port, UART_FCR, 0);
}

/*
 * Waits until the receiver reports an overrun; reading LSR clears OE, so
 * this consumes it. The byte that overran was the last one the host wrote
 * when the test wrote exactly enough to overrun: the pty is then drained.
 */
static void wait_for_overrun(unsigned int port)
{
	for (int tries = 0; tries < 1000; tries++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (rd(port, UART_LSR) & UART_LSR_OE)
			return;
		nanosleep(&ts, NULL);
	}
	fail_msg("no overrun reported");
}

/*
 * A closed port (DTR off) is a wire nobody listens to: the device takes
 * what the host writes at once, and what the receiver cannot hold is
 * overrun as on a 16550. Without the FIFO (as Linux leaves a closed port)
 * the holding register keeps the newest byte; with it the FIFO keeps the
 * first 16 and loses the 17th. The host is never held up. When the guest
 * opens the port (FIFO clear, DTR), the host's next bytes arrive, whole.
 */
static void test_rx_closed_port_overruns(void **state)
{
	int peer = open_pty(0);
	char got[20];

	(void)state;
	guest_close(0);
	assert_int_equal(write(peer, "ab", 2), 2);
	wait_for_overrun(0); /* 'b' replaced the unread 'a' */
	assert_int_equal(rd(0, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), UART_LSR_DR);
	assert_int_equal(rd(0, UART_RX), 'b');

	wr(0, UART_FCR, UART_FCR_ENABLE_FIFO); /* trigger level 1 */
	assert_int_equal(write(peer, "0123456789abcdefX", 17), 17);
	wait_for_overrun(0); /* the 17th byte, lost */
	rx_bytes(0, got, 16);
	assert_string_equal(got, "0123456789abcdef");
	assert_int_equal(rd(0, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), 0);

	guest_open(0);
	assert_int_equal(write(peer, "open", 4), 4);
	rx_bytes(0, got, 4);
	assert_string_equal(got, "open");
	assert_int_equal(rd(0, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), 0);
	close(peer);
}

/*
 * An open port whose receiver is full takes no more from the pty, so the
 * host's bytes wait there, none lost. The receiver is emptied through FCR
 * (a clear, or a FIFO mode switch, as the 8250 probe does) rather than RBR
 * reads: the device must take bytes from the pty again, and what waited
 * there arrives whole. Before the fix, the pty was never read again.
 */
static void test_rx_resumes_after_fcr(void **state)
{
	int peer = open_pty(0);
	char got[16];

	(void)state;
	wr(0, UART_MCR, UART_MCR_DTR | UART_MCR_RTS); /* open, FIFO off: one byte of holding */
	assert_int_equal(write(peer, "0123456789", 10), 10);
	wait_for_rx(0); /* '0' in the holding register, the rest waits in the pty */
	wr(0, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR); /* '0' cleared */
	rx_bytes(0, got, 9);
	assert_string_equal(got, "123456789");
	assert_int_equal(rd(0, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), 0);

	wr(0, UART_FCR, 0); /* one byte of holding again */
	assert_int_equal(write(peer, "abc", 3), 3);
	wait_for_rx(0);
	wr(0, UART_FCR, UART_FCR_ENABLE_FIFO); /* a mode switch empties the FIFO too */
	rx_bytes(0, got, 2);
	assert_string_equal(got, "bc");
	assert_int_equal(rd(0, UART_LSR) & UART_LSR_OE, 0);
	close(peer);
}

/*
 * A guest that opens and closes the port over and over (`echo > ttyS1` in
 * a loop) while the host writes: what comes while it is closed is overrun,
 * and after every open the host's next line arrives whole.
 */
static void test_rx_open_close_loop(void **state)
{
	int peer = open_pty(1);
	char line[16], got[16];

	(void)state;
	guest_close(1);
	for (int i = 0; i < 50; i++) {
		int len = snprintf(line, sizeof(line), "line %02d\n", i);

		assert_int_equal(write(peer, "xy", 2), 2); /* while closed: overrun */
		wait_for_overrun(1);
		guest_open(1);
		assert_int_equal(write(peer, line, (size_t)len), len);
		rx_bytes(1, got, (size_t)len);
		assert_string_equal(got, line);
		wr(1, UART_RX, '.'); /* the guest's echo */
		guest_close(1);
	}
	for (int i = 0; i < 50; i++) {
		struct pollfd pfd = { .fd = peer, .events = POLLIN };
		char c;

		assert_int_equal(poll(&pfd, 1, 10000), 1);
		assert_int_equal(read(peer, &c, 1), 1);
		assert_int_equal(c, '.');
	}
	close(peer);
}

/*
 * A full FIFO that the guest drains through RBR: the device takes more from
 * the pty each time there is room, and a long burst arrives whole, in order.
 */
static void test_rx_fifo_drain(void **state)
{
	int peer = open_pty(0);
	char sent[512], got[sizeof(sent) + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(sent); i++)
		sent[i] = (char)('A' + i % 26);
	guest_open(0);
	assert_int_equal(write(peer, sent, sizeof(sent)), sizeof(sent));
	rx_bytes(0, got, sizeof(sent));
	assert_memory_equal(got, sent, sizeof(sent));
	assert_int_equal(rd(0, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), 0);
	close(peer);
}

/*
 * Loop mode (MCR.LOOP, used by the 8250 probe) disconnects the receiver
 * from the line: what the guest sends comes back alone, whatever the host
 * writes meanwhile. A reset closes the port (DTR off); after the guest
 * opens it again the host's bytes flow.
 */
static void test_rx_loop_mode_and_reset(void **state)
{
	int peer = open_pty(0);
	char got[8];

	(void)state;
	guest_open(0);
	wr(0, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_RTS);
	assert_int_equal(write(peer, "abc", 3), 3);
	wr(0, UART_RX, 'x');
	assert_int_equal(rd(0, UART_RX), 'x');
	assert_int_equal(rd(0, UART_LSR) & UART_LSR_DR, 0);

	assert_int_equal(umdev_vu_reset(c), 0);
	/* "abc" may still be on its way: read until the holding register has our last byte */
	assert_int_equal(write(peer, "12", 2), 2);
	do
		wait_for_rx(0);
	while (rd(0, UART_RX) != '2');
	guest_open(0);
	assert_int_equal(write(peer, "ok", 2), 2);
	rx_bytes(0, got, 2);
	assert_string_equal(got, "ok");
	close(peer);
}

/*
 * The guest's driver may configure INTx only after the port raised its
 * request (QEMU re-enables INTx when MSI goes away): a level-triggered
 * line that is already asserted interrupts as soon as it has an eventfd.
 */
static void test_intx_configured_while_asserted(void **state)
{
	int intx = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	const uint32_t trig = VFIO_USER_IRQ_SET_DATA_EVENTFD | VFIO_USER_IRQ_SET_ACTION_TRIGGER;

	(void)state;
	set_loopback(true);
	wr(0, UART_IER, UART_IER_RDI);
	wr(0, UART_RX, 'i');
	assert_int_equal(umdev_vu_set_irqs(c, VFIO_USER_PCI_INTX_IRQ, trig, 0, 1, &intx, NULL), 0);
	assert_true(fired(intx));
	assert_int_equal(rd(0, UART_RX), 'i');
	close(intx);
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, dev_setup, dev_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_identity),
		CASE(test_loopback_fifo),
		CASE(test_registers),
		CASE(test_intx_and_msi),
		CASE(test_pty),
		CASE(test_overrun),
		CASE(test_rx_closed_port_overruns),
		CASE(test_rx_resumes_after_fcr),
		CASE(test_rx_open_close_loop),
		CASE(test_rx_fifo_drain),
		CASE(test_rx_loop_mode_and_reset),
		CASE(test_intx_configured_while_asserted),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
