// SPDX-License-Identifier: MIT
/*
 * The vfio-user byte stream (transport.h). Bytes are read in large chunks
 * into a buffer and cut into messages there, so a small message costs one
 * recvmsg(). Passed fds arrive with a read; the kernel never carries data
 * past a message that brought fds in the same read, so a batch of fds
 * belongs to the message holding the last byte of the read that brought
 * it (for a peer that sends each message with one sendmsg(), as QEMU does,
 * that is the message the fds were sent with).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport.h"

/* Room beyond the message being read, so pipelined ones arrive in the same read. */
#define SLACK (64 * 1024)

void vfu_close_fds(int *fds, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int vfu_stream_init(struct vfu_stream *s, size_t max_msg)
{
	memset(s, 0, sizeof(*s));
	s->max_msg = max_msg;
	s->capacity = SLACK;
	s->buf = malloc(s->capacity);
	return s->buf ? 0 : -ENOMEM;
}

void vfu_stream_reset(struct vfu_stream *s)
{
	for (unsigned int i = 0; i < s->nr_batches; i++)
		vfu_close_fds(s->batches[i].fds, s->batches[i].nr);
	s->nr_batches = 0;
	s->base += s->end;
	s->start = s->end = 0;
}

void vfu_stream_fini(struct vfu_stream *s)
{
	vfu_stream_reset(s);
	free(s->buf);
	s->buf = NULL;
}

/*
 * Before a read: the partial message moves to the front, and the buffer
 * grows when that message is larger than it.
 */
static int make_room(struct vfu_stream *s)
{
	const size_t hsize = sizeof(struct vfio_user_header);

	if (s->start) {
		memmove(s->buf, s->buf + s->start, s->end - s->start);
		s->base += s->start;
		s->end -= s->start;
		s->start = 0;
	}
	if (s->end >= hsize) {
		struct vfio_user_header hdr;

		memcpy(&hdr, s->buf, hsize);
		if (hdr.msg_size <= s->max_msg && hdr.msg_size > s->capacity) {
			size_t capacity = hdr.msg_size + SLACK;
			uint8_t *buf = realloc(s->buf, capacity);

			if (!buf)
				return -ENOMEM;
			s->buf = buf;
			s->capacity = capacity;
		}
	}
	return s->end < s->capacity ? 0 : -ENOBUFS;
}

/* Keeps the fds of one read as a batch, or closes them when there is no room. */
static void keep_fds(struct vfu_stream *s, const struct msghdr *mh, uint64_t last)
{
	struct vfu_fd_batch *batch = NULL;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		size_t nr = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fds[VFU_MAX_RECV_FDS];

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		if (nr > VFU_MAX_RECV_FDS)
			nr = VFU_MAX_RECV_FDS;
		memcpy(fds, CMSG_DATA(c), nr * sizeof(int));
		if (!batch && s->nr_batches < VFU_STREAM_BATCHES) {
			batch = &s->batches[s->nr_batches++];
			batch->nr = 0;
			batch->truncated = false;
			batch->last = last;
		}
		for (size_t i = 0; i < nr; i++) {
			if (batch && batch->nr < VFU_MAX_RECV_FDS) {
				batch->fds[batch->nr++] = fds[i];
			} else {
				close(fds[i]); /* too many: the message will be refused */
				if (batch)
					batch->truncated = true;
				else if (s->nr_batches)
					s->batches[s->nr_batches - 1].truncated = true;
			}
		}
	}
	if ((mh->msg_flags & MSG_CTRUNC) && batch)
		batch->truncated = true;
}

ssize_t vfu_stream_fill(struct vfu_stream *s, int fd, int flags)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(VFU_MAX_RECV_FDS * sizeof(int))];
	} control;
	struct iovec iov;
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;
	int ret = make_room(s);

	if (ret)
		return ret;
	iov = (struct iovec){ .iov_base = s->buf + s->end, .iov_len = s->capacity - s->end };
	do
		n = recvmsg(fd, &mh, flags | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	keep_fds(s, &mh, s->base + s->end + (size_t)(n ? n - 1 : 0));
	s->end += (size_t)n;
	return n;
}

/* Hands the message at [first, last] the fds that came with it. */
static void take_fds(struct vfu_stream *s, struct vfu_msg *msg, uint64_t first, uint64_t last)
{
	unsigned int kept = 0;

	for (unsigned int i = 0; i < s->nr_batches; i++) {
		struct vfu_fd_batch *b = &s->batches[i];

		if (b->last > last) {
			s->batches[kept++] = *b; /* a later message's */
			continue;
		}
		if (b->last < first) { /* cannot happen with in-order reads; never leak */
			vfu_close_fds(b->fds, b->nr);
			continue;
		}
		msg->fds_truncated |= b->truncated;
		for (unsigned int k = 0; k < b->nr; k++) {
			if (msg->nr_fds < VFU_MAX_RECV_FDS) {
				msg->fds[msg->nr_fds++] = b->fds[k];
			} else {
				close(b->fds[k]);
				msg->fds_truncated = true;
			}
		}
	}
	s->nr_batches = kept;
}

int vfu_stream_next(struct vfu_stream *s, struct vfu_msg *msg)
{
	const size_t hsize = sizeof(struct vfio_user_header);
	uint64_t first = s->base + s->start;

	msg->nr_fds = 0;
	msg->fds_truncated = false;
	if (s->end - s->start < hsize)
		return 0;
	memcpy(&msg->hdr, s->buf + s->start, hsize);
	if (msg->hdr.msg_size < hsize)
		return -EINVAL;
	if (msg->hdr.msg_size > s->max_msg)
		return -E2BIG;
	if (s->end - s->start < msg->hdr.msg_size)
		return 0; /* the rest is still on its way */
	msg->payload = s->buf + s->start + hsize;
	msg->len = msg->hdr.msg_size - hsize;
	take_fds(s, msg, first, first + msg->hdr.msg_size - 1);
	s->start += msg->hdr.msg_size;
	if (s->start == s->end) {
		s->base += s->end;
		s->start = s->end = 0;
	}
	return 1;
}

int vfu_send_iov(int fd, struct iovec *iov, int iovcnt, const int *fds, unsigned int nr_fds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(VFU_MAX_RECV_FDS * sizeof(int))];
	} control;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt };

	if (nr_fds > VFU_MAX_RECV_FDS)
		return -EINVAL;
	if (nr_fds) {
		struct cmsghdr *cmsg;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(nr_fds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nr_fds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nr_fds * sizeof(int));
	}
	/* skip empty parts, so "nothing left" is "no part left" */
	while (mh.msg_iovlen && !mh.msg_iov->iov_len) {
		mh.msg_iov++;
		mh.msg_iovlen--;
	}
	while (mh.msg_iovlen) {
		ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* the fds went with the first bytes */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		while (mh.msg_iovlen && (size_t)n >= mh.msg_iov->iov_len) {
			n -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen) {
			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + n;
			mh.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}
