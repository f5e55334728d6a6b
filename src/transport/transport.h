/* SPDX-License-Identifier: MIT */
/*
 * The vfio-user byte stream over a UNIX socket (transport.c), one for the
 * server and the client: cutting received bytes into messages, giving each
 * message the fds that came with it, and writing a message whole.
 */
#ifndef UMDEV_TRANSPORT_H
#define UMDEV_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <umdev/vfio_user_proto.h>

/* The kernel passes at most this many fds in one message (SCM_MAX_FD). */
#define VFU_MAX_RECV_FDS 253
#define VFU_STREAM_BATCHES 4

/* A received message. Its payload lies in the stream's buffer until the next fill. */
struct vfu_msg {
	struct vfio_user_header hdr;
	uint8_t *payload;
	size_t len;
	int fds[VFU_MAX_RECV_FDS]; /* owned by whoever holds the message */
	unsigned int nr_fds;
	bool fds_truncated; /* some were dropped: the kernel's MSG_CTRUNC, or too many */
};

struct vfu_fd_batch {
	uint64_t last; /* stream offset of the last byte read with these fds */
	unsigned int nr;
	bool truncated;
	int fds[VFU_MAX_RECV_FDS];
};

/* The receiving side of a connection. */
struct vfu_stream {
	uint8_t *buf;
	size_t capacity; /* grows to the largest message announced, up to max_msg */
	size_t max_msg;
	size_t start, end; /* the bytes not yet cut into messages */
	uint64_t base;	   /* stream offset of buf[0] */
	struct vfu_fd_batch batches[VFU_STREAM_BATCHES];
	unsigned int nr_batches;
};

/* A stream that accepts messages of up to @max_msg bytes; 0 or -ENOMEM. */
int vfu_stream_init(struct vfu_stream *s, size_t max_msg);
/* Closes the fds it holds and frees the buffer. */
void vfu_stream_fini(struct vfu_stream *s);
/* Forgets every byte and closes every fd held (a client went away). */
void vfu_stream_reset(struct vfu_stream *s);
/*
 * One recvmsg() of what the socket has (waiting for it, unless @flags has
 * MSG_DONTWAIT or the socket a receive timeout). Returns the bytes read,
 * 0 at the end of the stream, or a negative errno (-EAGAIN: nothing yet).
 */
ssize_t vfu_stream_fill(struct vfu_stream *s, int fd, int flags);
/*
 * Cuts the next whole message: 1 and @msg filled, its fds moved into it;
 * 0 when its bytes have not all arrived; -EINVAL (a size below the header)
 * or -E2BIG (above max_msg) with @msg->hdr set, after which the stream
 * cannot be followed.
 */
int vfu_stream_next(struct vfu_stream *s, struct vfu_msg *msg);

/*
 * Writes @iov whole, passing @nr_fds fds with its first bytes; waits while
 * the socket is full. Returns 0 or a negative errno (-EPIPE once the peer
 * or a shutdown() closed it).
 */
int vfu_send_iov(int fd, struct iovec *iov, int iovcnt, const int *fds, unsigned int nr_fds);

void vfu_close_fds(int *fds, unsigned int nr);

#endif /* UMDEV_TRANSPORT_H */
