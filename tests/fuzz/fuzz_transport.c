// SPDX-License-Identifier: MIT
/*
 * The vfio-user transport (src/transport) at the framing level: the input
 * is a client's writes to a real socket pair, each with up to three
 * eventfds, and the reader cuts what arrives into messages as the server
 * does. The target fails when the messages are not exactly the bytes
 * written, when an fd reaches a message that does not overlap the write
 * that carried it, or when an fd is left open.
 *
 * Input: chunks of [control][len_lo][len_hi][bytes...]. control bits 0-1:
 * eventfds sent with the chunk; bit 2: the reader takes what has arrived
 * before the next chunk; bit 3: the chunk is len KiB of zeros instead of
 * bytes from the input (large messages from small inputs).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "open_fds.h"
#include "transport.h"

#define MAX_MSG (256 * 1024)
#define MAX_WRITTEN (4u << 20)
#define MAX_CHUNKS 4096

static uint8_t *written; /* every byte the client sent */
static size_t nr_written, nr_taken;
static uint64_t chunk_first[MAX_CHUNKS], chunk_last[MAX_CHUNKS];
/*
 * Chunks read alone: everything before was taken, the chunk went in one
 * sendmsg(), fit the reader's buffer and was taken at once, so one read
 * brought exactly its bytes and its fds belong to the message holding its
 * last byte.
 */
static bool chunk_alone[MAX_CHUNKS];
static bool stream_broken; /* a header the reader refused */

/* A message must be the next bytes written, and its fds from writes it overlaps. */
static void check_message(const struct vfu_msg *msg)
{
	uint64_t first = nr_taken, last = nr_taken + msg->hdr.msg_size - 1;

	if (msg->hdr.msg_size != sizeof(msg->hdr) + msg->len || last >= nr_written ||
	    memcmp(written + first, &msg->hdr, sizeof(msg->hdr)) ||
	    memcmp(written + first + sizeof(msg->hdr), msg->payload, msg->len))
		abort();
	for (unsigned int i = 0; i < msg->nr_fds; i++) {
		uint64_t chunk;

		/* the harness wrote the chunk's number + 1 into each eventfd it sent */
		if (read(msg->fds[i], &chunk, sizeof(chunk)) != sizeof(chunk) || !chunk ||
		    chunk > MAX_CHUNKS)
			abort();
		chunk--;
		if (chunk_first[chunk] > last || chunk_last[chunk] < first)
			abort();
		if (chunk_alone[chunk] && chunk_last[chunk] > last)
			abort();
		close(msg->fds[i]);
	}
	nr_taken += msg->hdr.msg_size;
}

/* Takes whatever has arrived; @wait blocks until the end of the stream. */
static void take(struct vfu_stream *in, int fd, bool wait)
{
	for (;;) {
		struct vfu_msg msg;
		int ret;

		while (!stream_broken && (ret = vfu_stream_next(in, &msg)) != 0) {
			if (ret < 0) {
				/* the refused header is the next one written */
				if (memcmp(written + nr_taken, &msg.hdr, sizeof(msg.hdr)))
					abort();
				stream_broken = true;
				break;
			}
			check_message(&msg);
		}
		ssize_t n;

		if (stream_broken) {
			/* the server drops such a client: what follows is discarded (and its fds) */
			static char sink[65536];

			n = recv(fd, sink, sizeof(sink), wait ? 0 : MSG_DONTWAIT);
			if (n <= 0)
				return;
			continue;
		}
		n = vfu_stream_fill(in, fd, wait ? 0 : MSG_DONTWAIT);
		if (n == 0 || n == -EAGAIN)
			return;
		if (n < 0)
			abort();
	}
}

/* Writes @len bytes with @nr_fds eventfds, taking what arrives while the socket is full. */
static void client_write(struct vfu_stream *in, int sv[2], const uint8_t *bytes, size_t len,
			 unsigned int nr_fds, unsigned int chunk, bool *alone)
{
	int fds[3];
	size_t done = 0, start = nr_written;

	for (unsigned int i = 0; i < nr_fds; i++) {
		fds[i] = eventfd(chunk + 1, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fds[i] < 0)
			abort();
	}
	memcpy(written + nr_written, bytes, len);
	chunk_alone[chunk] = false;
	chunk_first[chunk] = nr_written;
	chunk_last[chunk] = nr_written + len - 1;
	while (done < len) {
		struct iovec iov = { .iov_base = written + start + done, .iov_len = len - done };
		char control[CMSG_SPACE(3 * sizeof(int))];
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (nr_fds && !done) {
			struct cmsghdr *c;

			memset(control, 0, sizeof(control));
			mh.msg_control = control;
			mh.msg_controllen = CMSG_SPACE(nr_fds * sizeof(int));
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(nr_fds * sizeof(int));
			memcpy(CMSG_DATA(c), fds, nr_fds * sizeof(int));
		}
		n = sendmsg(sv[0], &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			take(in, sv[1], false);
			*alone = false;
			continue;
		}
		if (n <= 0)
			abort();
		done += (size_t)n;
		nr_written += (size_t)n; /* what the reader may get */
	}
	vfu_close_fds(fds, nr_fds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t zeros[255 * 1024];
	struct vfu_stream in;
	unsigned int chunks = 0;
	bool all_taken = true; /* nothing written is still in the socket */
	int baseline = count_open_fds(), sv[2];

	if (!written && !(written = malloc(MAX_WRITTEN)))
		abort();
	nr_written = nr_taken = 0;
	stream_broken = false;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) || vfu_stream_init(&in, MAX_MSG))
		abort();
	while (size >= 3 && chunks < MAX_CHUNKS) {
		uint8_t control = data[0];
		size_t len = data[1] | (size_t)data[2] << 8;
		const uint8_t *bytes = data + 3;

		data += 3;
		size -= 3;
		if (control & 8) {
			len = (len & 0xff) * 1024;
			bytes = zeros;
		} else {
			len = len < size ? len : size;
			data += len;
			size -= len;
		}
		if (!len || nr_written + len > MAX_WRITTEN)
			continue;
		/* the read fits: what is left of a message plus the chunk within the
		 * stream's smallest buffer (64 KiB) */
		bool alone = all_taken && nr_written - nr_taken + len <= 64 * 1024 && len <= 32 * 1024;
		unsigned int chunk = chunks++;

		client_write(&in, sv, bytes, len, control & 3u, chunk, &alone);
		all_taken = false;
		if (control & 4) {
			chunk_alone[chunk] = alone;
			take(&in, sv[1], false);
			all_taken = true;
		}
	}
	shutdown(sv[0], SHUT_WR);
	take(&in, sv[1], true);
	/* everything was taken, except a last message cut short or after a refused header */
	if (!stream_broken && nr_written - nr_taken >= sizeof(struct vfio_user_header)) {
		struct vfio_user_header h;

		memcpy(&h, written + nr_taken, sizeof(h));
		if (h.msg_size >= sizeof(h) && h.msg_size <= MAX_MSG &&
		    h.msg_size <= nr_written - nr_taken)
			abort(); /* a whole message the reader did not give */
	}
	vfu_stream_fini(&in);
	close(sv[0]);
	close(sv[1]);
	if (count_open_fds() != baseline) {
		fprintf(stderr, "fds: %d, expected %d\n", count_open_fds(), baseline);
		abort();
	}
	return 0;
}
