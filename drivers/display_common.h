/* SPDX-License-Identifier: MIT */
/*
 * What the display drivers (mbochs, mdpy) share beyond src/display: their
 * settings for the host-side views and their vendor attributes that say
 * where to watch a device.
 *
 * Settings (config file, per parent):
 *   vnc              1 (default): a VNC server per device; 0: none
 *   vnc_port         0 (default): any free port; N: the first free from N up
 *   vnc_any_address  0 (default): listen on 127.0.0.1 only; 1: on every address
 *   vnc_password_file  a file whose first line (1 to 8 characters: VNC
 *                    authentication uses no more) viewers must give; read
 *                    when the parent registers. Default: no password.
 *   vnc_socket_dir   listen on DIR/UUID.vnc (a UNIX socket, 0600) instead of
 *                    TCP. Default: TCP.
 *
 * Vendor attributes (read-only, one line each):
 *   vnc              "127.0.0.1:PORT" or "unix:PATH", or empty without a VNC server
 *   screenshot_socket  "@umdev-display/UUID" (an abstract socket), or empty
 *   mode             "WIDTHxHEIGHT FORMAT stride S offset O", or "off"
 */
#ifndef UMDEV_DRIVERS_DISPLAY_COMMON_H
#define UMDEV_DRIVERS_DISPLAY_COMMON_H

#include <sys/types.h>

#include <umdev/display.h>
#include <umdev/mdev.h>

#include "settings.h"

/* The settings' values, as driver_parse_settings() fills them. */
struct display_settings {
	unsigned int vnc, vnc_port, vnc_any_address;
	const char *vnc_password_file;
	const char *vnc_socket_dir;
};

#define DISPLAY_SETTINGS_DEFAULTS { .vnc = 1 }
/* The five entries of a driver's known settings, for @s. */
#define DISPLAY_KNOWN_SETTINGS(s)                                                          \
	{ .key = "vnc", .min = 0, .max = 1, .value = &(s)->vnc },                          \
	{ .key = "vnc_port", .min = 0, .max = 65535, .value = &(s)->vnc_port },            \
	{ .key = "vnc_any_address", .min = 0, .max = 1, .value = &(s)->vnc_any_address },  \
	{ .key = "vnc_password_file", .min = 1, .max = 4095, .text = &(s)->vnc_password_file }, \
	{ .key = "vnc_socket_dir", .min = 1, .max = 64, .text = &(s)->vnc_socket_dir }

/*
 * The display library's config for @s (reading the password file); a bad
 * file is logged, naming @module and @parent_name, and is -EINVAL.
 * display_config_release() frees what it holds.
 */
int display_settings_config(const char *module, const char *parent_name,
			    const struct display_settings *s, struct umdev_display_config *config);
void display_config_release(struct umdev_display_config *config);

/* The attributes' show callbacks do their work here, given the device's display. */
ssize_t display_show_vnc(struct umdev_display *d, char *buf);
ssize_t display_show_screenshot_socket(struct umdev_display *d, char *buf);
ssize_t display_show_mode(struct umdev_display *d, char *buf);

#endif /* UMDEV_DRIVERS_DISPLAY_COMMON_H */
