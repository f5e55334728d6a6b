// SPDX-License-Identifier: MIT
/* The display drivers' shared settings and attributes (display_common.h). */
#include <stdio.h>

#include "display_common.h"

void display_settings_config(const struct display_settings *s, struct umdev_display_config *config)
{
	*config = (struct umdev_display_config){
		.vnc = s->vnc,
		.vnc_any_address = s->vnc_any_address,
		.vnc_port = s->vnc_port,
	};
}

ssize_t display_show_vnc(struct umdev_display *d, char *buf)
{
	char addr[64];

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
