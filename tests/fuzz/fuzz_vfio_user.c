// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the vfio-user message decoder and dispatcher, given whole
 * messages directly (the framing has its own target, fuzz_transport.c), with fds (eventfds, sealed and unsealed memfds)
 * attached as a client could, against a device model that raises
 * interrupts, does DMA and serves its config space with the PCI helpers.
 *
 * Input: records of [control byte][16-byte header][payload], the payload
 * as long as the header says (clamped to what is left). Control byte:
 * bits 0-1 the number of fds to attach, bits 2-3 their kind (0 eventfd,
 * 1 sealed memfd, 2 unsealed memfd, 3 a pipe), bit 7 a disconnect
 * before the message. The first byte's bit 0 skips VERSION.
 *
 * Every input must leave no fd open and get a well-formed reply.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <umdev/pci.h>

#include "../../src/vfio-user/private.h"
#include "open_fds.h"

struct fuzz_model {
	struct umdev_vfio_device vdev;
	struct umdev_vfio_region regions[VFIO_USER_PCI_NUM_REGIONS];
	struct umdev_vfio_irq irqs[VFIO_USER_PCI_NUM_IRQS];
	struct umdev_pci_config cfg;
	uint8_t bar0[4096];
	int memfd;
};

static struct fuzz_model model;
static int baseline_fds;

static ssize_t bar0_read(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			 void *buf, size_t count)
{
	(void)vdev, (void)index;
	memcpy(buf, model.bar0 + offset, count);
	return (ssize_t)count;
}

static ssize_t bar0_write(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			  const void *buf, size_t count)
{
	uint64_t v = 0;
	uint8_t dma[64];

	(void)index;
	memcpy(model.bar0 + offset, buf, count);
	memcpy(&v, buf, count < 8 ? count : 8);
	switch (offset) {
	case 0x800:
		umdev_vfio_irq_trigger(vdev, (unsigned int)(v >> 16) & 0xff, v & 0xffff);
		break;
	case 0x808:
		umdev_vfio_intx_set(vdev, v & 1);
		break;
	case 0x810:
		if (!umdev_vfio_dma_read(vdev, v, dma, sizeof(dma)))
			umdev_vfio_dma_write(vdev, v + 1, dma, sizeof(dma) - 1);
		break;
	}
	return (ssize_t)count;
}

static ssize_t bar1_read(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			 void *buf, size_t count)
{
	(void)vdev, (void)index;
	return pread(model.memfd, buf, count, (off_t)offset);
}

static ssize_t bar1_write(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			  const void *buf, size_t count)
{
	(void)vdev, (void)index;
	return pwrite(model.memfd, buf, count, (off_t)offset);
}

static ssize_t cfg_read(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			void *buf, size_t count)
{
	(void)vdev, (void)index;
	return umdev_pci_config_read(&model.cfg, offset, buf, count);
}

static ssize_t cfg_write(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			 const void *buf, size_t count)
{
	(void)vdev, (void)index;
	return umdev_pci_config_write(&model.cfg, offset, buf, count);
}

static int reset(struct umdev_vfio_device *vdev)
{
	(void)vdev;
	memset(model.bar0, 0, sizeof(model.bar0));
	umdev_pci_config_reset(&model.cfg);
	return 0;
}

static void dma_map(struct umdev_vfio_device *vdev, uint64_t iova, uint64_t size)
{
	uint8_t b[16];

	(void)size;
	umdev_vfio_dma_read(vdev, iova, b, sizeof(b));
}

static const struct umdev_vfio_ops ops = { .reset = reset, .dma_map = dma_map };
static const struct umdev_vfio_area areas[] = { { 0x1000, 0x1000 } };

static void init(void)
{
	static const struct umdev_pci_id id = { 0x1b36, 0x0011, 0x1b36, 0x0011, 1, 0x078000 };

	model.memfd = memfd_create("fuzz-bar1", MFD_CLOEXEC);
	if (model.memfd < 0 || ftruncate(model.memfd, 0x2000))
		abort();
	umdev_pci_config_init(&model.cfg, &id, false, 1);
	umdev_pci_set_bar(&model.cfg, 0, 0x1000, UMDEV_PCI_BAR_MEM32, false);
	umdev_pci_set_bar(&model.cfg, 1, 0x2000, UMDEV_PCI_BAR_MEM64, true);
	umdev_pci_add_pm(&model.cfg);
	umdev_pci_add_msi(&model.cfg, 1, true, true);
	umdev_pci_add_msix(&model.cfg, 8, 0, 0xc00, 0, 0xe00);
	for (unsigned int i = 0; i < VFIO_USER_PCI_NUM_REGIONS; i++)
		model.regions[i].mmap_fd = -1;
	model.regions[0] = (struct umdev_vfio_region){ 0x1000, 3, bar0_read, bar0_write, -1, 0,
						       NULL, 0 };
	model.regions[1] = (struct umdev_vfio_region){ 0x2000, 3, bar1_read, bar1_write,
						       model.memfd, 0, areas, 1 };
	model.regions[7] = (struct umdev_vfio_region){ 256, 3, cfg_read, cfg_write, -1, 0, NULL, 0 };
	model.irqs[0] = (struct umdev_vfio_irq){ 1, UMDEV_VFIO_IRQ_MASKABLE | UMDEV_VFIO_IRQ_AUTOMASKED };
	model.irqs[1] = (struct umdev_vfio_irq){ 1, UMDEV_VFIO_IRQ_NORESIZE };
	model.irqs[2] = (struct umdev_vfio_irq){ 8, UMDEV_VFIO_IRQ_NORESIZE | UMDEV_VFIO_IRQ_MASKABLE };
	model.vdev = (struct umdev_vfio_device){ .pci = true,
		.nr_regions = VFIO_USER_PCI_NUM_REGIONS, .regions = model.regions,
		.nr_irqs = VFIO_USER_PCI_NUM_IRQS, .irqs = model.irqs, .ops = &ops };
	if (umdev_vfio_device_init(&model.vdev))
		abort();
}

static int make_fd(unsigned int kind)
{
	int fd, p[2];

	switch (kind) {
	case 0:
		return eventfd(0, EFD_CLOEXEC);
	case 1:
	case 2:
		fd = memfd_create("fuzz-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd < 0 || ftruncate(fd, 0x10000))
			abort();
		if (kind == 1)
			fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
		return fd;
	default:
		if (pipe2(p, O_CLOEXEC))
			abort();
		close(p[0]);
		return p[1];
	}
}

/* The reply as the server would send it must be well-formed. */
static void check_reply(const struct vfu_msg *msg, const struct vfu_reply *reply)
{
	if (reply->len > VFU_REPLY_BUF_SIZE)
		abort();
	if (reply->error && (reply->len || reply->fd >= 0))
		abort();
	if (!reply->error && msg->hdr.command == VFIO_USER_REGION_READ &&
	    reply->len < sizeof(struct vfio_user_region_access))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool initialised;
	static uint8_t payload[VFU_MAX_MSG_SIZE];
	struct vfu_conn *conn;

	if (!initialised) {
		init();
		initialised = true;
	}
	/* counted per input: libFuzzer itself opens pipes to its symbolizer */
	baseline_fds = count_open_fds();
	conn = vfu_conn_new(&model.vdev, -1);
	if (!conn)
		abort();
	if (size && (data[0] & 1)) {
		conn->negotiated = true;
		conn->write_multiple = true;
	}
	while (size >= 1 + sizeof(struct vfio_user_header)) {
		struct vfu_msg msg = { 0 };
		struct vfu_reply reply;
		uint8_t control = data[0];
		size_t len;

		memcpy(&msg.hdr, data + 1, sizeof(msg.hdr));
		data += 1 + sizeof(msg.hdr);
		size -= 1 + sizeof(msg.hdr);
		if (control & 0x80) {
			vfu_conn_client_gone(conn);
			vfu_conn_free(conn);
			conn = vfu_conn_new(&model.vdev, -1);
			if (!conn)
				abort();
		}
		/* what the server's reader would accept */
		if (msg.hdr.msg_size < sizeof(msg.hdr) || msg.hdr.msg_size > VFU_MAX_MSG_SIZE)
			break;
		len = msg.hdr.msg_size - sizeof(msg.hdr);
		if (len > size)
			len = size;
		memcpy(payload, data, len);
		data += len;
		size -= len;
		msg.payload = payload;
		msg.len = len;
		for (unsigned int i = 0; i < (control & 3u); i++)
			msg.fds[msg.nr_fds++] = make_fd((control >> 2) & 3u);
		if ((msg.hdr.flags & VFIO_USER_F_TYPE_MASK) == VFIO_USER_F_TYPE_REPLY) {
			vfu_conn_complete_dma(conn, &msg);
			vfu_close_fds(msg.fds, msg.nr_fds);
			continue;
		}
		vfu_conn_handle(conn, &msg, &reply);
		check_reply(&msg, &reply);
	}
	vfu_conn_client_gone(conn);
	vfu_conn_free(conn);
	reset(&model.vdev);
	if (count_open_fds() != baseline_fds) {
		/* an fd the client sent outlived its connection, or one was closed twice */
		fprintf(stderr, "fds: %d, expected %d\n", count_open_fds(), baseline_fds);
		abort();
	}
	return 0;
}
