// SPDX-License-Identifier: MIT
/*
 * The vfio-user client library: connection and the requests a VMM sends,
 * with the server's DMA requests served while waiting. The framing is the
 * server's own (src/transport).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include <umdev/vfio_user_client.h>

#include "transport.h"

/* A stuck server is an error, not a hang; QEMU waits 5 s by default. */
#define REPLY_TIMEOUT_MS 10000
#define MAX_DMA_WINDOWS 16

struct dma_window {
	uint64_t iova;
	uint8_t *base;
	size_t size;
};

struct umdev_vu_client {
	int fd;
	uint16_t next_id;
	char *server_caps;
	uint32_t max_fds;  /* the server accepts this many fds per message */
	uint32_t max_xfer; /* and this much data */
	struct dma_window windows[MAX_DMA_WINDOWS];
	unsigned int nr_windows;
	int rcv_timeout_ms; /* SO_RCVTIMEO as last set */
	struct vfu_stream in; /* what the server sent, not yet taken */
	struct vfu_msg next;  /* the message being taken */
};

/* The largest message accepted: a reply or DMA request of twice the largest transfer. */
#define MAX_MSG (sizeof(struct vfio_user_header) + 2 * (size_t)VFIO_USER_MAX_MAX_XFER)

/* What the client offers, as QEMU does. */
static const char client_caps[] =
	"{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576,"
	"\"pgsizes\":4096,\"max_dma_maps\":65535,\"write_multiple\":true,"
	"\"migration\":{\"pgsize\":4096,\"max_bitmap_size\":268435456}}}";

int umdev_vu_connect(const char *path, bool negotiate, struct umdev_vu_client **out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct umdev_vu_client *c;
	int ret;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->max_fds = VFIO_USER_DEF_MAX_FDS;
	c->max_xfer = VFIO_USER_DEF_MAX_XFER;
	c->rcv_timeout_ms = -1; /* a new socket waits forever */
	ret = vfu_stream_init(&c->in, MAX_MSG);
	if (ret) {
		free(c);
		return ret;
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		ret = -errno;
		vfu_stream_fini(&c->in);
		free(c);
		return ret;
	}
	if (connect(c->fd, (struct sockaddr *)&addr, sizeof(addr))) {
		ret = -errno;
		umdev_vu_close(c);
		return ret;
	}
	if (negotiate) {
		ret = umdev_vu_version(c, client_caps);
		if (ret) {
			umdev_vu_close(c);
			return ret;
		}
	}
	*out = c;
	return 0;
}

void umdev_vu_close(struct umdev_vu_client *c)
{
	if (!c)
		return;
	vfu_stream_fini(&c->in);
	close(c->fd);
	free(c->server_caps);
	free(c);
}

int umdev_vu_fd(const struct umdev_vu_client *c)
{
	return c->fd;
}

const char *umdev_vu_server_caps(const struct umdev_vu_client *c)
{
	return c->server_caps ? c->server_caps : "";
}

uint32_t umdev_vu_max_fds(const struct umdev_vu_client *c)
{
	return c->max_fds;
}

uint32_t umdev_vu_max_xfer(const struct umdev_vu_client *c)
{
	return c->max_xfer;
}

uint16_t umdev_vu_next_id(struct umdev_vu_client *c)
{
	return c->next_id;
}

/* One sendmsg() as far as the socket takes it; a closed server is -ECONNRESET. */
static int send_iov(struct umdev_vu_client *c, struct iovec *iov, int iovcnt, const int *fds,
		    unsigned int nr_fds)
{
	int ret = vfu_send_iov(c->fd, iov, iovcnt, fds, nr_fds);

	return ret == -EPIPE ? -ECONNRESET : ret;
}

int umdev_vu_send_raw(struct umdev_vu_client *c, const void *buf, size_t len, const int *fds,
		      unsigned int nr_fds)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return send_iov(c, &iov, 1, fds, nr_fds);
}

static int send_msg(struct umdev_vu_client *c, const struct vfio_user_header *hdr,
		    const void *payload, size_t len, const int *fds, unsigned int nr_fds)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)hdr, .iov_len = sizeof(*hdr) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};

	return send_iov(c, iov, 2, fds, nr_fds);
}

/*
 * Blocking receives bounded by SO_RCVTIMEO rather than a poll() before
 * each one: a round trip costs two system calls less.
 */
static int set_timeout(struct umdev_vu_client *c, int timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };

	if (timeout_ms < 0)
		tv = (struct timeval){ 0, 0 };
	if (c->rcv_timeout_ms == timeout_ms)
		return 0;
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -errno;
	c->rcv_timeout_ms = timeout_ms;
	return 0;
}

void umdev_vu_message_free(struct umdev_vu_message *msg)
{
	for (unsigned int i = 0; i < msg->nr_fds; i++)
		close(msg->fds[i]);
	msg->nr_fds = 0;
	free(msg->payload);
	msg->payload = NULL;
	msg->len = 0;
}

int umdev_vu_receive(struct umdev_vu_client *c, struct umdev_vu_message *msg, int timeout_ms)
{
	const unsigned int max_fds = sizeof(msg->fds) / sizeof(msg->fds[0]);
	struct vfu_msg *next = &c->next;
	int ret;

	memset(msg, 0, sizeof(*msg));
	while ((ret = vfu_stream_next(&c->in, next)) != 1) {
		ssize_t n;

		if (ret < 0)
			return -EPROTO;
		ret = set_timeout(c, timeout_ms);
		if (ret)
			return ret;
		n = vfu_stream_fill(&c->in, c->fd, 0);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0)
			return n == -EAGAIN || n == -EWOULDBLOCK ? -ETIMEDOUT : (int)n;
	}
	msg->hdr = next->hdr;
	msg->len = next->len;
	msg->payload = malloc(msg->len ? msg->len : 1);
	if (!msg->payload) {
		vfu_close_fds(next->fds, next->nr_fds);
		return -ENOMEM;
	}
	memcpy(msg->payload, next->payload, msg->len);
	for (unsigned int i = 0; i < next->nr_fds; i++) {
		if (msg->nr_fds < max_fds)
			msg->fds[msg->nr_fds++] = next->fds[i];
		else
			close(next->fds[i]);
	}
	return 0;
}

int umdev_vu_add_dma_memory(struct umdev_vu_client *c, uint64_t iova, void *base, size_t size)
{
	if (c->nr_windows == MAX_DMA_WINDOWS)
		return -ENOSPC;
	c->windows[c->nr_windows++] = (struct dma_window){ iova, base, size };
	return 0;
}

static uint8_t *window_find(struct umdev_vu_client *c, uint64_t iova, uint64_t len)
{
	for (unsigned int i = 0; i < c->nr_windows; i++) {
		struct dma_window *w = &c->windows[i];

		if (iova >= w->iova && iova - w->iova <= w->size && len <= w->size - (iova - w->iova))
			return w->base + (iova - w->iova);
	}
	return NULL;
}

/* Answers a DMA_READ/DMA_WRITE from the server (QEMU's layout). */
static int serve_request(struct umdev_vu_client *c, struct umdev_vu_message *req)
{
	const struct vfio_user_dma_access *in = (const void *)req->payload;
	struct vfio_user_header hdr = {
		.msg_id = req->hdr.msg_id,
		.command = req->hdr.command,
		.msg_size = sizeof(hdr),
		.flags = VFIO_USER_F_TYPE_REPLY,
	};
	uint8_t *mem;
	int ret;

	if (req->nr_fds || req->len < sizeof(*in) + VFIO_USER_DMA_ACCESS_PAD ||
	    (req->hdr.command != VFIO_USER_DMA_READ && req->hdr.command != VFIO_USER_DMA_WRITE))
		goto fail;
	if (in->count > c->max_xfer && in->count > VFIO_USER_DEF_MAX_XFER)
		goto fail;
	mem = window_find(c, in->address, in->count);
	if (!mem)
		goto fail;
	if (req->hdr.command == VFIO_USER_DMA_WRITE) {
		if (req->len - sizeof(*in) - VFIO_USER_DMA_ACCESS_PAD < in->count)
			goto fail;
		memcpy(mem, in + 1, in->count);
		if (req->hdr.flags & VFIO_USER_F_NO_REPLY)
			return 0;
		return send_msg(c, &hdr, NULL, 0, NULL, 0);
	} else {
		size_t len = sizeof(*in) + in->count + VFIO_USER_DMA_ACCESS_PAD;
		struct vfio_user_dma_access *out = calloc(1, len);

		if (!out)
			return -ENOMEM;
		*out = *in;
		memcpy(out + 1, mem, in->count);
		hdr.msg_size = (uint32_t)(sizeof(hdr) + len);
		ret = send_msg(c, &hdr, out, len, NULL, 0);
		free(out);
		return ret;
	}
fail:
	hdr.flags |= VFIO_USER_F_ERROR;
	hdr.error = EFAULT;
	if (req->hdr.flags & VFIO_USER_F_NO_REPLY)
		return 0;
	return send_msg(c, &hdr, NULL, 0, NULL, 0);
}

int umdev_vu_serve_one(struct umdev_vu_client *c, int timeout_ms)
{
	struct umdev_vu_message msg;
	int ret = umdev_vu_receive(c, &msg, timeout_ms);

	if (ret)
		return ret;
	if ((msg.hdr.flags & VFIO_USER_F_TYPE_MASK) != VFIO_USER_F_TYPE_COMMAND)
		ret = -EPROTO;
	else
		ret = serve_request(c, &msg);
	umdev_vu_message_free(&msg);
	return ret;
}

int umdev_vu_request(struct umdev_vu_client *c, uint16_t command, uint32_t flags,
		     const void *payload, size_t len, const int *fds, unsigned int nr_fds,
		     struct umdev_vu_message *reply)
{
	struct vfio_user_header hdr = {
		.msg_id = c->next_id++,
		.command = command,
		.msg_size = (uint32_t)(sizeof(hdr) + len),
		.flags = flags & ~VFIO_USER_F_TYPE_MASK,
	};
	int ret = send_msg(c, &hdr, payload, len, fds, nr_fds);

	if (ret || (flags & VFIO_USER_F_NO_REPLY))
		return ret;
	for (;;) {
		ret = umdev_vu_receive(c, reply, REPLY_TIMEOUT_MS);
		if (ret)
			return ret;
		if ((reply->hdr.flags & VFIO_USER_F_TYPE_MASK) == VFIO_USER_F_TYPE_COMMAND) {
			ret = serve_request(c, reply);
			umdev_vu_message_free(reply);
			if (ret)
				return ret;
			continue;
		}
		if (reply->hdr.msg_id != hdr.msg_id || reply->hdr.command != command) {
			umdev_vu_message_free(reply);
			return -EPROTO;
		}
		return 0;
	}
}

/* A request whose reply payload must be exactly @out_len bytes (or an error). */
static int call(struct umdev_vu_client *c, uint16_t command, const void *payload, size_t len,
		const int *fds, unsigned int nr_fds, void *out, size_t out_min, size_t out_max,
		struct umdev_vu_message *keep)
{
	struct umdev_vu_message reply;
	int ret = umdev_vu_request(c, command, 0, payload, len, fds, nr_fds, &reply);

	if (ret)
		return ret;
	if (reply.hdr.flags & VFIO_USER_F_ERROR)
		ret = reply.hdr.error ? -(int)reply.hdr.error : -EIO;
	else if (reply.len < out_min || reply.len > out_max)
		ret = -EPROTO;
	else if (out)
		memcpy(out, reply.payload, reply.len);
	if (!ret && keep) {
		*keep = reply;
		return 0;
	}
	umdev_vu_message_free(&reply);
	return ret;
}

static int json_uint(struct json_object *caps, const char *key, uint32_t *out)
{
	struct json_object *v;

	if (json_object_object_get_ex(caps, key, &v)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
			return -EPROTO;
		*out = (uint32_t)json_object_get_int64(v);
	}
	return 0;
}

int umdev_vu_version(struct umdev_vu_client *c, const char *json)
{
	size_t jlen = json ? strlen(json) + 1 : 0;
	size_t len = sizeof(struct vfio_user_version) + jlen;
	struct vfio_user_version *ver = calloc(1, len);
	struct umdev_vu_message reply;
	struct json_object *root = NULL, *caps;
	int ret;

	if (!ver)
		return -ENOMEM;
	ver->major = VFIO_USER_MAJOR;
	ver->minor = VFIO_USER_MINOR;
	if (jlen)
		memcpy(ver + 1, json, jlen);
	ret = call(c, VFIO_USER_VERSION, ver, len, NULL, 0, NULL, sizeof(*ver), SIZE_MAX, &reply);
	free(ver);
	if (ret)
		return ret;
	ver = (struct vfio_user_version *)reply.payload;
	if (ver->major != VFIO_USER_MAJOR || ver->minor > VFIO_USER_MINOR ||
	    reply.len == sizeof(*ver) || reply.payload[reply.len - 1] != '\0') {
		ret = -EPROTO;
		goto out;
	}
	free(c->server_caps);
	c->server_caps = strdup((char *)(ver + 1));
	root = json_tokener_parse(c->server_caps ? c->server_caps : "");
	if (!root || !json_object_object_get_ex(root, "capabilities", &caps)) {
		ret = -EPROTO;
		goto out;
	}
	ret = json_uint(caps, "max_msg_fds", &c->max_fds);
	if (!ret)
		ret = json_uint(caps, "max_data_xfer_size", &c->max_xfer);
	if (!ret && (c->max_fds > VFIO_USER_MAX_MAX_FDS || c->max_xfer > VFIO_USER_MAX_MAX_XFER))
		ret = -EPROTO; /* QEMU refuses these too */
out:
	json_object_put(root);
	umdev_vu_message_free(&reply);
	return ret;
}

int umdev_vu_device_info(struct umdev_vu_client *c, struct umdev_vu_device_info *info)
{
	struct vfio_user_device_info in = { .argsz = sizeof(in) }, out;
	int ret = call(c, VFIO_USER_DEVICE_GET_INFO, &in, sizeof(in), NULL, 0, &out, sizeof(out),
		       sizeof(out), NULL);

	if (ret)
		return ret;
	*info = (struct umdev_vu_device_info){ out.flags, out.num_regions, out.num_irqs };
	return 0;
}

int umdev_vu_region_info(struct umdev_vu_client *c, uint32_t index,
			 struct umdev_vu_region_info *info)
{
	struct vfio_user_region_info in = { .argsz = sizeof(in), .index = index };
	const struct vfio_user_region_info *out;
	struct umdev_vu_message reply;
	int ret;

	for (;;) {
		ret = call(c, VFIO_USER_DEVICE_GET_REGION_INFO, &in, sizeof(in), NULL, 0, NULL,
			   sizeof(*out), in.argsz, &reply);
		if (ret)
			return ret;
		out = (const void *)reply.payload;
		if (out->argsz <= in.argsz)
			break;
		/* the capabilities did not fit: ask again with the size it needs */
		in.argsz = out->argsz;
		umdev_vu_message_free(&reply);
	}
	memset(info, 0, sizeof(*info));
	info->index = out->index;
	info->flags = out->flags;
	info->size = out->size;
	info->offset = out->offset;
	info->fd = -1;
	if (reply.nr_fds > 1 || (reply.nr_fds && !(out->flags & VFIO_USER_REGION_F_MMAP))) {
		ret = -EPROTO;
		goto out;
	}
	if (out->flags & VFIO_USER_REGION_F_CAPS) {
		uint32_t off = out->cap_offset;

		while (off) {
			const struct vfio_user_cap_header *cap = (const void *)(reply.payload + off);

			if (off < sizeof(*out) || off > reply.len - sizeof(*cap)) {
				ret = -EPROTO;
				goto out;
			}
			if (cap->id == VFIO_USER_REGION_CAP_SPARSE_MMAP) {
				const struct vfio_user_cap_sparse_mmap *sp = (const void *)cap;
				const struct vfio_user_sparse_area *a = (const void *)(sp + 1);

				if (off > reply.len - sizeof(*sp) ||
				    sp->nr_areas > UMDEV_VU_MAX_AREAS ||
				    sp->nr_areas * sizeof(*a) > reply.len - off - sizeof(*sp)) {
					ret = -EPROTO;
					goto out;
				}
				info->nr_areas = sp->nr_areas;
				memcpy(info->areas, a, sp->nr_areas * sizeof(*a));
			}
			if (cap->next && cap->next <= off) {
				ret = -EPROTO; /* a loop */
				goto out;
			}
			off = cap->next;
		}
	}
	if (reply.nr_fds) {
		info->fd = reply.fds[0];
		reply.nr_fds = 0;
	}
out:
	umdev_vu_message_free(&reply);
	return ret;
}

int umdev_vu_irq_info(struct umdev_vu_client *c, uint32_t index, struct umdev_vu_irq_info *info)
{
	struct vfio_user_irq_info in = { .argsz = sizeof(in), .index = index }, out;
	int ret = call(c, VFIO_USER_DEVICE_GET_IRQ_INFO, &in, sizeof(in), NULL, 0, &out,
		       sizeof(out), sizeof(out), NULL);

	if (ret)
		return ret;
	*info = (struct umdev_vu_irq_info){ out.index, out.flags, out.count };
	return 0;
}

int umdev_vu_set_irqs(struct umdev_vu_client *c, uint32_t index, uint32_t flags, uint32_t start,
		      uint32_t count, const int *fds, const uint8_t *bools)
{
	struct vfio_user_irq_set set = {
		.argsz = sizeof(set),
		.flags = flags,
		.index = index,
		.start = start,
		.count = count,
	};

	if (flags & VFIO_USER_IRQ_SET_DATA_BOOL) {
		size_t len = sizeof(set) + count;
		uint8_t *buf = malloc(len);
		int ret;

		if (!buf)
			return -ENOMEM;
		set.argsz = (uint32_t)len;
		memcpy(buf, &set, sizeof(set));
		memcpy(buf + sizeof(set), bools, count);
		ret = call(c, VFIO_USER_DEVICE_SET_IRQS, buf, len, NULL, 0, NULL, 0, 0, NULL);
		free(buf);
		return ret;
	}
	if (!(flags & VFIO_USER_IRQ_SET_DATA_EVENTFD) || !count)
		return call(c, VFIO_USER_DEVICE_SET_IRQS, &set, sizeof(set), NULL, 0, NULL, 0, 0,
			    NULL);

	/* chunks of at most max_fds, each all valid fds or all -1 (sent as none) */
	for (uint32_t sent = 0; sent < count;) {
		uint32_t n = 1, max = count - sent < c->max_fds ? count - sent : c->max_fds;
		bool valid = fds[sent] >= 0;
		int ret;

		while (n < max && (fds[sent + n] >= 0) == valid)
			n++;
		set.start = start + sent;
		set.count = n;
		ret = call(c, VFIO_USER_DEVICE_SET_IRQS, &set, sizeof(set), valid ? fds + sent : NULL,
			   valid ? n : 0, NULL, 0, 0, NULL);
		if (ret)
			return ret;
		sent += n;
	}
	return 0;
}

ssize_t umdev_vu_region_read(struct umdev_vu_client *c, uint32_t region, uint64_t offset,
			     void *buf, uint32_t count)
{
	struct vfio_user_region_access in = { .offset = offset, .region = region, .count = count };
	const struct vfio_user_region_access *out;
	struct umdev_vu_message reply;
	int ret = call(c, VFIO_USER_REGION_READ, &in, sizeof(in), NULL, 0, NULL, sizeof(*out),
		       sizeof(*out) + count, &reply);

	if (ret)
		return ret;
	out = (const void *)reply.payload;
	if (out->count > count || reply.len != sizeof(*out) + out->count) {
		umdev_vu_message_free(&reply);
		return -EPROTO;
	}
	memcpy(buf, out + 1, out->count);
	ret = (int)out->count;
	umdev_vu_message_free(&reply);
	return ret;
}

static int region_write(struct umdev_vu_client *c, uint32_t region, uint64_t offset,
			const void *buf, uint32_t count, bool posted)
{
	size_t len = sizeof(struct vfio_user_region_access) + count;
	struct vfio_user_region_access *in = malloc(len), out;
	int ret;

	if (!in)
		return -ENOMEM;
	*in = (struct vfio_user_region_access){ .offset = offset, .region = region, .count = count };
	memcpy(in + 1, buf, count);
	if (posted) {
		struct vfio_user_header hdr = {
			.msg_id = c->next_id++,
			.command = VFIO_USER_REGION_WRITE,
			.msg_size = (uint32_t)(sizeof(hdr) + len),
			.flags = VFIO_USER_F_NO_REPLY,
		};
		ret = send_msg(c, &hdr, in, len, NULL, 0);
	} else {
		ret = call(c, VFIO_USER_REGION_WRITE, in, len, NULL, 0, &out, sizeof(out),
			   sizeof(out), NULL);
		if (!ret)
			ret = out.count > count ? -EPROTO : (int)out.count;
	}
	free(in);
	return ret;
}

ssize_t umdev_vu_region_write(struct umdev_vu_client *c, uint32_t region, uint64_t offset,
			      const void *buf, uint32_t count)
{
	return region_write(c, region, offset, buf, count, false);
}

int umdev_vu_region_write_posted(struct umdev_vu_client *c, uint32_t region, uint64_t offset,
				 const void *buf, uint32_t count)
{
	return region_write(c, region, offset, buf, count, true);
}

int umdev_vu_region_write_multi(struct umdev_vu_client *c, const struct vfio_user_write_one *wr,
				unsigned int nr)
{
	size_t len = sizeof(struct vfio_user_write_multi) + nr * sizeof(*wr);
	struct vfio_user_write_multi *msg = malloc(len);
	struct vfio_user_header hdr = {
		.msg_id = c->next_id++,
		.command = VFIO_USER_REGION_WRITE_MULTI,
		.msg_size = (uint32_t)(sizeof(hdr) + len),
		.flags = VFIO_USER_F_NO_REPLY,
	};
	int ret;

	if (!msg)
		return -ENOMEM;
	msg->wr_cnt = nr;
	memcpy(msg + 1, wr, nr * sizeof(*wr));
	ret = send_msg(c, &hdr, msg, len, NULL, 0);
	free(msg);
	return ret;
}

int umdev_vu_dma_map(struct umdev_vu_client *c, uint32_t flags, uint64_t iova, uint64_t size,
		     int fd, uint64_t offset)
{
	struct vfio_user_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.offset = offset,
		.address = iova,
		.size = size,
	};

	return call(c, VFIO_USER_DMA_MAP, &map, sizeof(map), fd >= 0 ? &fd : NULL, fd >= 0,
		    NULL, 0, 0, NULL);
}

int umdev_vu_dma_unmap(struct umdev_vu_client *c, uint32_t flags, uint64_t iova, uint64_t size)
{
	struct vfio_user_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.address = iova,
		.size = size,
	};

	return call(c, VFIO_USER_DMA_UNMAP, &unmap, sizeof(unmap), NULL, 0, NULL, 0, 0, NULL);
}

int umdev_vu_reset(struct umdev_vu_client *c)
{
	return call(c, VFIO_USER_DEVICE_RESET, NULL, 0, NULL, 0, NULL, 0, 0, NULL);
}

const char *umdev_vu_command_name(uint16_t command)
{
	static const char *const names[] = {
		[VFIO_USER_VERSION] = "VERSION",
		[VFIO_USER_DMA_MAP] = "DMA_MAP",
		[VFIO_USER_DMA_UNMAP] = "DMA_UNMAP",
		[VFIO_USER_DEVICE_GET_INFO] = "DEVICE_GET_INFO",
		[VFIO_USER_DEVICE_GET_REGION_INFO] = "DEVICE_GET_REGION_INFO",
		[VFIO_USER_DEVICE_GET_REGION_IO_FDS] = "DEVICE_GET_REGION_IO_FDS",
		[VFIO_USER_DEVICE_GET_IRQ_INFO] = "DEVICE_GET_IRQ_INFO",
		[VFIO_USER_DEVICE_SET_IRQS] = "DEVICE_SET_IRQS",
		[VFIO_USER_REGION_READ] = "REGION_READ",
		[VFIO_USER_REGION_WRITE] = "REGION_WRITE",
		[VFIO_USER_DMA_READ] = "DMA_READ",
		[VFIO_USER_DMA_WRITE] = "DMA_WRITE",
		[VFIO_USER_DEVICE_RESET] = "DEVICE_RESET",
		[VFIO_USER_DIRTY_PAGES] = "DIRTY_PAGES",
		[VFIO_USER_REGION_WRITE_MULTI] = "REGION_WRITE_MULTI",
		[VFIO_USER_DEVICE_FEATURE] = "DEVICE_FEATURE",
		[VFIO_USER_MIG_DATA_READ] = "MIG_DATA_READ",
		[VFIO_USER_MIG_DATA_WRITE] = "MIG_DATA_WRITE",
	};

	if (command < sizeof(names) / sizeof(names[0]) && names[command])
		return names[command];
	return "UNKNOWN";
}
