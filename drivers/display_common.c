// SPDX-License-Identifier: MIT
/* The display drivers' shared settings and attributes (display_common.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <umdev/log.h>

#include "display_common.h"

#define VNC_PASSWORD_MAX 8 /* VncAuth's DES key: the rest would be ignored */

/* The first line of @path, 1 to 8 characters, in a new string; NULL (logged) otherwise. */
static char *read_password(const char *module, const char *parent_name, const char *path)
{
	char line[64] = "";
	struct stat st;
	FILE *f = fopen(path, "re");
	size_t len;

	if (!f) {
		umdev_log(UMDEV_LOG_ERROR, "%s parent '%s': vnc_password_file %s: %s", module,
			  parent_name, path, strerror(errno));
		return NULL;
	}
	if (!fstat(fileno(f), &st) && (st.st_mode & 077))
		umdev_log(UMDEV_LOG_WARNING, "%s parent '%s': vnc_password_file %s can be read by others (mode %03o)",
			  module, parent_name, path, (unsigned int)(st.st_mode & 0777));
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	if (len < 1 || len > VNC_PASSWORD_MAX) {
		umdev_log(UMDEV_LOG_ERROR, "%s parent '%s': vnc_password_file %s: the first line must have 1 to %d characters (VNC authentication uses no more), not %zu",
			  module, parent_name, path, VNC_PASSWORD_MAX, len);
		return NULL;
	}
	return strdup(line);
}

int display_settings_config(const char *module, const char *parent_name,
			    const struct display_settings *s, struct umdev_display_config *config)
{
	char *password = NULL, *socket_dir = NULL;

	if (s->vnc_password_file) {
		password = read_password(module, parent_name, s->vnc_password_file);
		if (!password)
			return -EINVAL;
	}
	/* The settings' text lasts only while the parent is created. */
	if (s->vnc_socket_dir && !(socket_dir = strdup(s->vnc_socket_dir))) {
		free(password);
		return -ENOMEM;
	}
	*config = (struct umdev_display_config){
		.vnc = s->vnc,
		.vnc_any_address = s->vnc_any_address,
		.vnc_port = s->vnc_port,
		.vnc_password = password,
		.vnc_socket_dir = socket_dir,
	};
	return 0;
}

void display_config_release(struct umdev_display_config *config)
{
	free((char *)config->vnc_password);
	free((char *)config->vnc_socket_dir);
	config->vnc_password = NULL;
	config->vnc_socket_dir = NULL;
}

ssize_t display_show_vnc(struct umdev_display *d, char *buf)
{
	char addr[128];

	umdev_display_vnc_address(d, addr, sizeof(addr));
	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "%s\n", addr);
}

ssize_t display_show_screenshot_socket(struct umdev_display *d, char *buf)
{
	char name[128];

	umdev_display_socket_name(d, name, sizeof(name));
	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "%s\n", name);
}

ssize_t display_show_mode(struct umdev_display *d, char *buf)
{
	struct umdev_display_mode m;

	umdev_display_get_mode(d, &m);
	if (!m.enabled)
		return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "off\n");
	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "%ux%u %s stride %u offset %llu\n", m.width,
			m.height, umdev_display_format_name(m.format), m.stride,
			(unsigned long long)m.offset);
}
