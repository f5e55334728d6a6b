// SPDX-License-Identifier: MIT
/*
 * VERSION: the client's capabilities JSON in, ours out (json-c).
 *
 * The client states what it accepts from us (fds per message, transfer
 * size); we answer with what we accept from it, never more than QEMU
 * tolerates, and agree to write_multiple only when it was offered.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "private.h"

/* A non-negative integer member; absent keeps *out. */
static int get_uint(struct json_object *obj, const char *key, uint64_t max, uint32_t *out)
{
	struct json_object *val;
	int64_t v;

	if (!json_object_object_get_ex(obj, key, &val))
		return 0;
	if (!json_object_is_type(val, json_type_int))
		return -EINVAL;
	errno = 0;
	v = json_object_get_int64(val);
	if (errno || v < 0 || (uint64_t)v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_caps(struct vfu_conn *conn, struct json_object *caps)
{
	struct json_object *val;
	uint32_t pgsizes = VFIO_USER_DEF_PGSIZE, max_dma = VFIO_USER_DEF_MAX_DMA_MAPS;
	int ret;

	if (!json_object_is_type(caps, json_type_object))
		return -EINVAL;
	ret = get_uint(caps, "max_msg_fds", VFU_MAX_RECV_FDS, &conn->client_max_fds);
	if (!ret)
		ret = get_uint(caps, "max_data_xfer_size", UINT32_MAX, &conn->client_max_xfer);
	if (!ret)
		ret = get_uint(caps, "pgsizes", UINT32_MAX, &pgsizes);
	if (!ret)
		ret = get_uint(caps, "max_dma_maps", UINT32_MAX, &max_dma);
	if (ret)
		return ret;
	/* our only page size is 4K: the client must support it */
	if (!(pgsizes & VFIO_USER_DEF_PGSIZE) || conn->client_max_xfer == 0)
		return -EINVAL;
	if (json_object_object_get_ex(caps, "write_multiple", &val)) {
		if (!json_object_is_type(val, json_type_boolean))
			return -EINVAL;
		conn->write_multiple = json_object_get_boolean(val);
	}
	if (json_object_object_get_ex(caps, "twin_socket", &val) &&
	    !json_object_is_type(val, json_type_object))
		return -EINVAL;
	if (json_object_object_get_ex(caps, "migration", &val) &&
	    !json_object_is_type(val, json_type_object))
		return -EINVAL;
	return 0;
}

int vfu_version_parse(struct vfu_conn *conn, const char *json, size_t len)
{
	struct json_tokener *tok;
	struct json_object *root, *caps;
	int ret = -EINVAL;

	conn->client_max_fds = VFIO_USER_DEF_MAX_FDS;
	conn->client_max_xfer = VFIO_USER_DEF_MAX_XFER;
	conn->write_multiple = false;
	if (!len)
		return 0;
	/* a NUL must end the string inside the payload, and nothing follow it */
	if (json[len - 1] != '\0' || strlen(json) != len - 1 || len > VFU_MAX_VERSION_JSON)
		return -EINVAL;

	tok = json_tokener_new_ex(16);
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, json, (int)len - 1);
	if (root && json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == len - 1 && json_object_is_type(root, json_type_object)) {
		if (json_object_object_get_ex(root, "capabilities", &caps))
			ret = parse_caps(conn, caps);
		else
			ret = 0;
	}
	json_object_put(root);
	json_tokener_free(tok);
	if (ret) { /* a rejected VERSION leaves the defaults */
		conn->client_max_fds = VFIO_USER_DEF_MAX_FDS;
		conn->client_max_xfer = VFIO_USER_DEF_MAX_XFER;
		conn->write_multiple = false;
	}
	return ret;
}

int vfu_version_reply_json(const struct vfu_conn *conn, char *buf, size_t size)
{
	int n = snprintf(buf, size,
			 "{\"capabilities\":{\"max_msg_fds\":%u,\"max_data_xfer_size\":%u,"
			 "\"pgsizes\":%u,\"max_dma_maps\":%u,\"write_multiple\":%s}}",
			 VFU_MAX_MSG_FDS, VFU_MAX_XFER, VFIO_USER_DEF_PGSIZE, VFU_MAX_DMA_MAPS,
			 conn->write_multiple ? "true" : "false");

	if (n < 0 || (size_t)n + 1 > size)
		return -ENOSPC;
	return n + 1;
}
