// SPDX-License-Identifier: MIT
/*
 * The request dispatcher: every field of every client request is checked
 * before anything changes, and each request gets a reply or an error
 * reply. Nothing here touches a socket, so the fuzz harness drives it
 * directly.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <umdev/log.h>

#include "private.h"

/* A driver's indexes (vfio.h) go on the wire unchanged: both are VFIO's. */
#define SAME_INDEX(name) \
	_Static_assert((int)UMDEV_VFIO_PCI_##name == (int)VFIO_USER_PCI_##name, #name " differs")
SAME_INDEX(BAR0_REGION);
SAME_INDEX(BAR5_REGION);
SAME_INDEX(ROM_REGION);
SAME_INDEX(CONFIG_REGION);
SAME_INDEX(VGA_REGION);
SAME_INDEX(NUM_REGIONS);
SAME_INDEX(INTX_IRQ);
SAME_INDEX(MSI_IRQ);
SAME_INDEX(MSIX_IRQ);
SAME_INDEX(ERR_IRQ);
SAME_INDEX(REQ_IRQ);
SAME_INDEX(NUM_IRQS);

/* So are the model's flags (vfio.h, vfio_frontend.h): a client's pass through unchanged. */
#define SAME_FLAG(model, wire) _Static_assert((model) == (wire), #model " differs")
SAME_FLAG(UMDEV_VFIO_REGION_READ, VFIO_USER_REGION_F_READ);
SAME_FLAG(UMDEV_VFIO_REGION_WRITE, VFIO_USER_REGION_F_WRITE);
SAME_FLAG(UMDEV_VFIO_IRQ_EVENTFD, VFIO_USER_IRQ_INFO_F_EVENTFD);
SAME_FLAG(UMDEV_VFIO_IRQ_MASKABLE, VFIO_USER_IRQ_INFO_F_MASKABLE);
SAME_FLAG(UMDEV_VFIO_IRQ_AUTOMASKED, VFIO_USER_IRQ_INFO_F_AUTOMASKED);
SAME_FLAG(UMDEV_VFIO_IRQ_NORESIZE, VFIO_USER_IRQ_INFO_F_NORESIZE);
SAME_FLAG(UMDEV_VFIO_IRQ_SET_DATA_NONE, VFIO_USER_IRQ_SET_DATA_NONE);
SAME_FLAG(UMDEV_VFIO_IRQ_SET_DATA_BOOL, VFIO_USER_IRQ_SET_DATA_BOOL);
SAME_FLAG(UMDEV_VFIO_IRQ_SET_DATA_EVENTFD, VFIO_USER_IRQ_SET_DATA_EVENTFD);
SAME_FLAG(UMDEV_VFIO_IRQ_SET_ACTION_MASK, VFIO_USER_IRQ_SET_ACTION_MASK);
SAME_FLAG(UMDEV_VFIO_IRQ_SET_ACTION_UNMASK, VFIO_USER_IRQ_SET_ACTION_UNMASK);
SAME_FLAG(UMDEV_VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_USER_IRQ_SET_ACTION_TRIGGER);
SAME_FLAG(UMDEV_VFIO_IRQ_SET_DATA_ALL, VFIO_USER_IRQ_SET_DATA_MASK);
SAME_FLAG(UMDEV_VFIO_IRQ_SET_ACTION_ALL, VFIO_USER_IRQ_SET_ACTION_MASK_ALL);
SAME_FLAG(UMDEV_VFIO_DMA_READ, VFIO_USER_DMA_MAP_F_READ);
SAME_FLAG(UMDEV_VFIO_DMA_WRITE, VFIO_USER_DMA_MAP_F_WRITE);
SAME_FLAG(UMDEV_VFIO_PAGE_SIZE, VFIO_USER_DEF_PGSIZE);
SAME_FLAG(UMDEV_VFIO_MAX_DMA_MAPS, VFIO_USER_DEF_MAX_DMA_MAPS);

#define PAYLOAD(type, msg) ((const struct type *)(msg)->payload)

static bool page_aligned(uint64_t v)
{
	return (v & (VFIO_USER_DEF_PGSIZE - 1)) == 0;
}

/* An access of @count bytes at @offset inside a region of @size, overflow-safe. */
static bool in_range(uint64_t offset, uint64_t count, uint64_t size)
{
	return offset <= size && count <= size - offset;
}

static int handle_version(struct vfu_conn *conn, struct vfu_msg *msg, struct vfu_reply *reply)
{
	struct vfio_user_version *out = (struct vfio_user_version *)reply->payload;
	const struct vfio_user_version *in = PAYLOAD(vfio_user_version, msg);
	int ret;

	if (conn->negotiated || msg->len < sizeof(*in))
		return -EINVAL;
	if (in->major != VFIO_USER_MAJOR)
		return -ENOTSUP;
	ret = vfu_version_parse(conn, (const char *)msg->payload + sizeof(*in),
				msg->len - sizeof(*in));
	if (ret)
		return ret;
	out->major = VFIO_USER_MAJOR;
	out->minor = VFIO_USER_MINOR; /* no higher than any client offers */
	ret = vfu_version_reply_json(conn, (char *)reply->payload + sizeof(*out),
				     VFU_MAX_VERSION_JSON);
	if (ret < 0)
		return ret;
	reply->len = sizeof(*out) + (size_t)ret;
	conn->negotiated = true;
	return 0;
}

static int handle_dma_map(struct vfu_conn *conn, struct vfu_msg *msg)
{
	const struct vfio_user_dma_map *map = PAYLOAD(vfio_user_dma_map, msg);
	int fd = msg->nr_fds ? msg->fds[0] : -1;
	int ret;

	if (msg->len != sizeof(*map) || map->argsz != sizeof(*map) || msg->nr_fds > 1)
		return -EINVAL;
	if (map->flags & ~(VFIO_USER_DMA_MAP_F_READ | VFIO_USER_DMA_MAP_F_WRITE))
		return -EINVAL;
	if (!map->size || map->address + map->size < map->address ||
	    map->offset + map->size < map->offset || !page_aligned(map->address) ||
	    !page_aligned(map->size) || (fd >= 0 && !page_aligned(map->offset)))
		return -EINVAL;

	ret = umdev_vfio_dma_map(conn->vdev, map->address, map->size, map->flags, fd, map->offset);
	if (ret)
		return ret;
	umdev_log(UMDEV_LOG_DEBUG, "vfio-user: map %#llx+%#llx fd %d flags %u",
		  (unsigned long long)map->address, (unsigned long long)map->size, fd, map->flags);
	if (fd >= 0)
		msg->fds[0] = -1; /* the map owns it now */
	return 0;
}

static int handle_dma_unmap(struct vfu_conn *conn, struct vfu_msg *msg)
{
	const struct vfio_user_dma_unmap *unmap = PAYLOAD(vfio_user_dma_unmap, msg);

	if (msg->len != sizeof(*unmap) || unmap->argsz != sizeof(*unmap))
		return -EINVAL;
	umdev_log(UMDEV_LOG_DEBUG, "vfio-user: unmap %#llx+%#llx flags %u",
		  (unsigned long long)unmap->address, (unsigned long long)unmap->size, unmap->flags);
	if (unmap->flags == VFIO_USER_DMA_UNMAP_F_ALL) {
		if (unmap->address || unmap->size)
			return -EINVAL;
		umdev_vfio_dma_unmap_all(conn->vdev);
		return 0;
	}
	if (unmap->flags) /* dirty page tracking is not offered */
		return -EINVAL;
	return umdev_vfio_dma_unmap(conn->vdev, unmap->address, unmap->size);
}

static int handle_device_info(struct vfu_conn *conn, struct vfu_msg *msg, struct vfu_reply *reply)
{
	const struct vfio_user_device_info *in = PAYLOAD(vfio_user_device_info, msg);
	struct vfio_user_device_info *out = (struct vfio_user_device_info *)reply->payload;
	struct umdev_vfio_device *vdev = conn->vdev;

	if (msg->len != sizeof(*in) || in->argsz < sizeof(*in))
		return -EINVAL;
	*out = (struct vfio_user_device_info){
		.argsz = sizeof(*out),
		.flags = (vdev->pci ? VFIO_USER_DEVICE_F_PCI : 0) |
			 (vdev->ops && vdev->ops->reset ? VFIO_USER_DEVICE_F_RESET : 0),
		.num_regions = vdev->nr_regions,
		.num_irqs = vdev->nr_irqs,
	};
	reply->len = sizeof(*out);
	return 0;
}

static int handle_region_info(struct vfu_conn *conn, struct vfu_msg *msg, struct vfu_reply *reply)
{
	const struct vfio_user_region_info *in = PAYLOAD(vfio_user_region_info, msg);
	struct vfio_user_region_info *out = (struct vfio_user_region_info *)reply->payload;
	const struct umdev_vfio_region *r;
	size_t needed = sizeof(*out);

	if (msg->len != sizeof(*in) || in->argsz < sizeof(*in) ||
	    in->index >= conn->vdev->nr_regions)
		return -EINVAL;
	r = &conn->vdev->regions[in->index];
	*out = (struct vfio_user_region_info){
		.argsz = sizeof(*out),
		.flags = r->flags & (VFIO_USER_REGION_F_READ | VFIO_USER_REGION_F_WRITE),
		.index = in->index,
		.size = r->size,
	};
	reply->len = sizeof(*out);
	if (!r->size || r->mmap_fd < 0)
		return 0;

	out->flags |= VFIO_USER_REGION_F_MMAP;
	out->offset = r->mmap_offset;
	if (r->nr_areas) {
		struct vfio_user_cap_sparse_mmap *cap = (void *)(out + 1);
		struct vfio_user_sparse_area *areas = (void *)(cap + 1);

		needed += sizeof(*cap) + r->nr_areas * sizeof(*areas);
		out->argsz = (uint32_t)needed;
		/*
		 * Too small: the client asks again with room; no fd until then.
		 * Unlike the kernel, leave CAPS clear here: QEMU's vfio-user
		 * client rejects CAPS with a cap_offset outside the reply.
		 */
		if (in->argsz < needed)
			return 0;
		out->flags |= VFIO_USER_REGION_F_CAPS;
		out->cap_offset = sizeof(*out);
		*cap = (struct vfio_user_cap_sparse_mmap){
			.header = { .id = VFIO_USER_REGION_CAP_SPARSE_MMAP, .version = 1 },
			.nr_areas = r->nr_areas,
		};
		for (unsigned int i = 0; i < r->nr_areas; i++)
			areas[i] = (struct vfio_user_sparse_area){ r->areas[i].offset,
								   r->areas[i].size };
		reply->len = needed;
	}
	reply->fd = r->mmap_fd;
	return 0;
}

static int handle_irq_info(struct vfu_conn *conn, struct vfu_msg *msg, struct vfu_reply *reply)
{
	const struct vfio_user_irq_info *in = PAYLOAD(vfio_user_irq_info, msg);
	struct vfio_user_irq_info *out = (struct vfio_user_irq_info *)reply->payload;
	uint32_t flags, count;

	if (msg->len != sizeof(*in) || in->argsz < sizeof(*in) ||
	    umdev_vfio_irq_info(conn->vdev, in->index, &flags, &count))
		return -EINVAL;
	*out = (struct vfio_user_irq_info){
		.argsz = sizeof(*out),
		.flags = flags,
		.index = in->index,
		.count = count,
	};
	reply->len = sizeof(*out);
	return 0;
}

/* Only an eventfd may receive our 8-byte writes: a pipe could block us. */
static bool is_eventfd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:[eventfd]") == 0;
}

static bool single_bit(uint32_t v)
{
	return v && !(v & (v - 1));
}

static int handle_set_irqs(struct vfu_conn *conn, struct vfu_msg *msg)
{
	const struct vfio_user_irq_set *set = PAYLOAD(vfio_user_irq_set, msg);
	struct umdev_vfio_device *vdev = conn->vdev;
	uint32_t data, action, flags, count;

	if (msg->len < sizeof(*set) || set->argsz != msg->len)
		return -EINVAL;
	data = set->flags & VFIO_USER_IRQ_SET_DATA_MASK;
	action = set->flags & VFIO_USER_IRQ_SET_ACTION_MASK_ALL;
	if ((set->flags & ~(VFIO_USER_IRQ_SET_DATA_MASK | VFIO_USER_IRQ_SET_ACTION_MASK_ALL)) ||
	    !single_bit(data) || !single_bit(action))
		return -EINVAL;
	if (umdev_vfio_irq_info(vdev, set->index, &flags, &count) || !count)
		return -EINVAL;
	if (set->count == 0) {
		if (data != VFIO_USER_IRQ_SET_DATA_NONE || action != VFIO_USER_IRQ_SET_ACTION_TRIGGER)
			return -EINVAL;
	} else if (set->start >= count || set->count > count - set->start) {
		return -EINVAL;
	}

	switch (data) {
	case VFIO_USER_IRQ_SET_DATA_NONE:
		if (msg->len != sizeof(*set) || msg->nr_fds)
			return -EINVAL;
		break;
	case VFIO_USER_IRQ_SET_DATA_BOOL:
		if (msg->len - sizeof(*set) != set->count || msg->nr_fds)
			return -EINVAL;
		break;
	case VFIO_USER_IRQ_SET_DATA_EVENTFD:
		/* no fds at all disables the vectors, as QEMU sends it */
		if (msg->len != sizeof(*set) || (msg->nr_fds && msg->nr_fds != set->count))
			return -EINVAL;
		for (unsigned int i = 0; i < msg->nr_fds; i++)
			if (!is_eventfd(msg->fds[i]))
				return -EINVAL;
		break;
	}
	return umdev_vfio_set_irqs(vdev, set->index, set->flags, set->start, set->count,
				   msg->payload + sizeof(*set), msg->fds, msg->nr_fds);
}

static int check_access(struct vfu_conn *conn, uint32_t region, uint64_t offset, uint32_t count,
			bool write)
{
	const struct umdev_vfio_region *r;

	if (region >= conn->vdev->nr_regions || !count || count > VFU_MAX_XFER)
		return -EINVAL;
	r = &conn->vdev->regions[region];
	if (!(r->flags & (write ? UMDEV_VFIO_REGION_WRITE : UMDEV_VFIO_REGION_READ)))
		return -EINVAL;
	if (!in_range(offset, count, r->size))
		return -EINVAL;
	return 0;
}

/* A handler's result: a count up to @count, or a negative errno. */
static int handler_result(ssize_t n, uint32_t count)
{
	if (n < 0)
		return n < -4095 ? -EIO : (int)n;
	if ((size_t)n > count)
		return -EIO;
	return 0;
}

static int handle_region_read(struct vfu_conn *conn, struct vfu_msg *msg, struct vfu_reply *reply)
{
	const struct vfio_user_region_access *in = PAYLOAD(vfio_user_region_access, msg);
	struct vfio_user_region_access *out = (struct vfio_user_region_access *)reply->payload;
	struct umdev_vfio_device *vdev = conn->vdev;
	ssize_t n;
	int ret;

	if (msg->len != sizeof(*in))
		return -EINVAL;
	ret = check_access(conn, in->region, in->offset, in->count, false);
	if (ret)
		return ret;
	n = vdev->regions[in->region].read(vdev, in->region, in->offset, out + 1, in->count);
	ret = handler_result(n, in->count);
	if (ret)
		return ret;
	*out = *in;
	out->count = (uint32_t)n;
	reply->len = sizeof(*out) + (size_t)n;
	return 0;
}

static int handle_region_write(struct vfu_conn *conn, struct vfu_msg *msg, struct vfu_reply *reply)
{
	const struct vfio_user_region_access *in = PAYLOAD(vfio_user_region_access, msg);
	struct vfio_user_region_access *out = (struct vfio_user_region_access *)reply->payload;
	struct umdev_vfio_device *vdev = conn->vdev;
	ssize_t n;
	int ret;

	if (msg->len < sizeof(*in) || msg->len - sizeof(*in) != in->count)
		return -EINVAL;
	ret = check_access(conn, in->region, in->offset, in->count, true);
	if (ret)
		return ret;
	n = vdev->regions[in->region].write(vdev, in->region, in->offset, in + 1, in->count);
	ret = handler_result(n, in->count);
	if (ret)
		return ret;
	*out = *in;
	out->count = (uint32_t)n;
	reply->len = sizeof(*out);
	return 0;
}

static int handle_write_multi(struct vfu_conn *conn, struct vfu_msg *msg)
{
	const struct vfio_user_write_multi *in = PAYLOAD(vfio_user_write_multi, msg);
	const struct vfio_user_write_one *wr;
	struct umdev_vfio_device *vdev = conn->vdev;

	if (!conn->write_multiple || msg->len < sizeof(*in))
		return -EINVAL;
	if (!in->wr_cnt || in->wr_cnt > VFIO_USER_WRITE_MULTI_MAX ||
	    msg->len != sizeof(*in) + in->wr_cnt * sizeof(*wr))
		return -EINVAL;
	wr = (const struct vfio_user_write_one *)(in + 1);
	/* all or nothing: one bad entry fails the message before any write */
	for (uint64_t i = 0; i < in->wr_cnt; i++) {
		if (wr[i].count > VFIO_USER_WRITE_MULTI_DATA ||
		    check_access(conn, wr[i].region, wr[i].offset, wr[i].count, true))
			return -EINVAL;
	}
	for (uint64_t i = 0; i < in->wr_cnt; i++) {
		ssize_t n = vdev->regions[wr[i].region].write(vdev, wr[i].region, wr[i].offset,
							     wr[i].data, wr[i].count);
		int ret = handler_result(n, wr[i].count);

		if (ret)
			return ret;
	}
	return 0;
}

static int handle_reset(struct vfu_conn *conn, struct vfu_msg *msg)
{
	struct umdev_vfio_device *vdev = conn->vdev;
	int ret;

	if (msg->len)
		return -EINVAL;
	if (!vdev->ops || !vdev->ops->reset)
		return -EINVAL; /* as vfio-pci without reset_works */
	ret = vdev->ops->reset(vdev);
	return ret > 0 ? -EIO : ret;
}

static bool takes_fds(uint16_t command)
{
	return command == VFIO_USER_DMA_MAP || command == VFIO_USER_DEVICE_SET_IRQS;
}

static int dispatch(struct vfu_conn *conn, struct vfu_msg *msg, struct vfu_reply *reply)
{
	uint16_t command = msg->hdr.command;

	if ((msg->hdr.flags & VFIO_USER_F_TYPE_MASK) != VFIO_USER_F_TYPE_COMMAND ||
	    (msg->hdr.flags & ~(VFIO_USER_F_TYPE_MASK | VFIO_USER_F_NO_REPLY)) || msg->hdr.error)
		return -EINVAL;
	if (msg->fds_truncated || msg->nr_fds > VFU_MAX_MSG_FDS ||
	    (msg->nr_fds && !takes_fds(command)))
		return -EINVAL;
	if (!conn->negotiated && command != VFIO_USER_VERSION)
		return -EINVAL; /* VERSION comes first */

	switch (command) {
	case VFIO_USER_VERSION:
		return handle_version(conn, msg, reply);
	case VFIO_USER_DMA_MAP:
		return handle_dma_map(conn, msg);
	case VFIO_USER_DMA_UNMAP:
		return handle_dma_unmap(conn, msg);
	case VFIO_USER_DEVICE_GET_INFO:
		return handle_device_info(conn, msg, reply);
	case VFIO_USER_DEVICE_GET_REGION_INFO:
		return handle_region_info(conn, msg, reply);
	case VFIO_USER_DEVICE_GET_IRQ_INFO:
		return handle_irq_info(conn, msg, reply);
	case VFIO_USER_DEVICE_SET_IRQS:
		return handle_set_irqs(conn, msg);
	case VFIO_USER_REGION_READ:
		return handle_region_read(conn, msg, reply);
	case VFIO_USER_REGION_WRITE:
		return handle_region_write(conn, msg, reply);
	case VFIO_USER_REGION_WRITE_MULTI:
		return handle_write_multi(conn, msg);
	case VFIO_USER_DEVICE_RESET:
		return handle_reset(conn, msg);
	case VFIO_USER_DEVICE_GET_REGION_IO_FDS:
	case VFIO_USER_DIRTY_PAGES:
	case VFIO_USER_DEVICE_FEATURE:
	case VFIO_USER_MIG_DATA_READ:
	case VFIO_USER_MIG_DATA_WRITE:
		return -ENOTSUP; /* optional features this server does not offer */
	default:
		return -ENOSYS; /* as QEMU answers an unknown command */
	}
}

int vfu_conn_handle(struct vfu_conn *conn, struct vfu_msg *msg, struct vfu_reply *reply)
{
	int ret;

	reply->payload = conn->reply_buf;
	reply->len = 0;
	reply->error = 0;
	reply->fd = -1;
	ret = dispatch(conn, msg, reply);
	if (ret) {
		reply->len = 0;
		reply->fd = -1;
		reply->error = (uint32_t)-ret;
	}
	vfu_close_fds(msg->fds, msg->nr_fds); /* the ones no handler kept */
	msg->nr_fds = 0;
	return 0;
}

void vfu_conn_client_gone(struct vfu_conn *conn)
{
	umdev_vfio_dma_unmap_all(conn->vdev);
	umdev_vfio_irqs_reset(conn->vdev);
}
