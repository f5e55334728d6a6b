/* SPDX-License-Identifier: MIT */
/*
 * umdev: a vfio-user client library.
 *
 * Speaks to a vfio-user server (umdev's, or any other) the way QEMU's
 * vfio-user-pci does: tests, tools (umdev-lspci) and benchmarks use it.
 * Calls are synchronous and not thread-safe: one thread per client. While
 * waiting for a reply the client serves the server's DMA_READ/DMA_WRITE
 * requests from memory registered with umdev_vu_add_dma_memory().
 *
 * Functions return 0 (or a count) on success and a negative errno on
 * failure; an error reply from the server returns its errno negated.
 */
#ifndef UMDEV_VFIO_USER_CLIENT_H
#define UMDEV_VFIO_USER_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <umdev/vfio_user_proto.h>

#ifdef __cplusplus
extern "C" {
#endif

struct umdev_vu_client;

#define UMDEV_VU_MAX_AREAS 16

struct umdev_vu_device_info {
	uint32_t flags; /* VFIO_USER_DEVICE_F_* */
	uint32_t num_regions;
	uint32_t num_irqs;
};

struct umdev_vu_region_info {
	uint32_t index;
	uint32_t flags; /* VFIO_USER_REGION_F_* */
	uint64_t size;
	uint64_t offset; /* in @fd */
	int fd;		 /* the region's memory when MMAP is set, else -1; the caller closes it */
	unsigned int nr_areas; /* from a sparse-mmap capability */
	struct vfio_user_sparse_area areas[UMDEV_VU_MAX_AREAS];
};

struct umdev_vu_irq_info {
	uint32_t index;
	uint32_t flags; /* VFIO_USER_IRQ_INFO_F_* */
	uint32_t count;
};

/* A received message; free it with umdev_vu_message_free(). */
struct umdev_vu_message {
	struct vfio_user_header hdr;
	uint8_t *payload;
	size_t len;
	int fds[8];
	unsigned int nr_fds;
};

/*
 * Connect to the socket at @path and negotiate VERSION, offering what
 * QEMU offers. With @negotiate false nothing is sent (for tests that
 * speak first themselves).
 */
int umdev_vu_connect(const char *path, bool negotiate, struct umdev_vu_client **out);
void umdev_vu_close(struct umdev_vu_client *c);
/* The socket, for poll() and for tests that write raw bytes. */
int umdev_vu_fd(const struct umdev_vu_client *c);

/* VERSION with @json (NULL: none); fills the server's reply JSON. */
int umdev_vu_version(struct umdev_vu_client *c, const char *json);
/* The server's capabilities JSON from VERSION ("" before). */
const char *umdev_vu_server_caps(const struct umdev_vu_client *c);
/* The negotiated numbers (defaults before VERSION). */
uint32_t umdev_vu_max_fds(const struct umdev_vu_client *c);
uint32_t umdev_vu_max_xfer(const struct umdev_vu_client *c);

int umdev_vu_device_info(struct umdev_vu_client *c, struct umdev_vu_device_info *info);
int umdev_vu_region_info(struct umdev_vu_client *c, uint32_t index,
			 struct umdev_vu_region_info *info);
int umdev_vu_irq_info(struct umdev_vu_client *c, uint32_t index, struct umdev_vu_irq_info *info);

/*
 * SET_IRQS. With VFIO_USER_IRQ_SET_DATA_EVENTFD, @fds holds @count fds
 * (-1 disables a vector), sent in chunks the server accepts, as QEMU does;
 * with DATA_BOOL, @bools holds @count bytes.
 */
int umdev_vu_set_irqs(struct umdev_vu_client *c, uint32_t index, uint32_t flags, uint32_t start,
		      uint32_t count, const int *fds, const uint8_t *bools);

/* Region access; returns the bytes transferred. */
ssize_t umdev_vu_region_read(struct umdev_vu_client *c, uint32_t region, uint64_t offset,
			     void *buf, uint32_t count);
ssize_t umdev_vu_region_write(struct umdev_vu_client *c, uint32_t region, uint64_t offset,
			      const void *buf, uint32_t count);
/* A posted write (no reply), as QEMU sends BAR writes. */
int umdev_vu_region_write_posted(struct umdev_vu_client *c, uint32_t region, uint64_t offset,
				 const void *buf, uint32_t count);
/* REGION_WRITE_MULTI, posted; needs write_multiple agreed at VERSION. */
int umdev_vu_region_write_multi(struct umdev_vu_client *c, const struct vfio_user_write_one *wr,
				unsigned int nr);

/* DMA_MAP of [@iova, @iova + @size) from @fd at @offset, or without fd (@fd -1). */
int umdev_vu_dma_map(struct umdev_vu_client *c, uint32_t flags, uint64_t iova, uint64_t size,
		     int fd, uint64_t offset);
int umdev_vu_dma_unmap(struct umdev_vu_client *c, uint32_t flags, uint64_t iova, uint64_t size);
int umdev_vu_reset(struct umdev_vu_client *c);

/* Memory served to the server's DMA_READ/WRITE at @iova (maps without fd). */
int umdev_vu_add_dma_memory(struct umdev_vu_client *c, uint64_t iova, void *base, size_t size);
/* Waits up to @timeout_ms for one server request and answers it; -ETIMEDOUT. */
int umdev_vu_serve_one(struct umdev_vu_client *c, int timeout_ms);

/*
 * Raw access for tests: send a request with any payload and fds and wait
 * for its reply (serving DMA requests meanwhile). Returns 0 with the reply
 * in @reply (its error field tells an error reply), or a negative errno
 * when the connection fails (-ECONNRESET when the server closed it).
 */
int umdev_vu_request(struct umdev_vu_client *c, uint16_t command, uint32_t flags,
		     const void *payload, size_t len, const int *fds, unsigned int nr_fds,
		     struct umdev_vu_message *reply);
/* Send bytes as they are, with fds on the first byte. */
int umdev_vu_send_raw(struct umdev_vu_client *c, const void *buf, size_t len, const int *fds,
		      unsigned int nr_fds);
/* Receive one whole message, waiting up to @timeout_ms. */
int umdev_vu_receive(struct umdev_vu_client *c, struct umdev_vu_message *msg, int timeout_ms);
void umdev_vu_message_free(struct umdev_vu_message *msg);
/* The next msg_id the client will use. */
uint16_t umdev_vu_next_id(struct umdev_vu_client *c);

/* Command names, for tools and logs. */
const char *umdev_vu_command_name(uint16_t command);

#ifdef __cplusplus
}
#endif
#endif /* UMDEV_VFIO_USER_CLIENT_H */
