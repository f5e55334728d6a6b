// SPDX-License-Identifier: MIT
/*
 * Parsing and checking umdevd's config (json-c). Everything is checked
 * before anything is registered, so a bad config changes nothing and says
 * exactly where it is wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <umdev/mdev.h>

#include "config.h"
#include "log.h"
#include "modules.h"

#define CONFIG_MAX_SIZE (1 << 20)

static const char default_config[] =
	"{\"parents\": ["
	"{\"module\": \"mtty\", \"name\": \"mtty\"},"
	"{\"module\": \"mdpy\", \"name\": \"mdpy\"},"
	"{\"module\": \"mbochs\", \"name\": \"mbochs\"}"
	"]}";

/* Context for messages: "<origin>: parents[<index>]: ..." */
struct parse_ctx {
	const char *origin;
	size_t index;
};

#define parent_error(ctx, fmt, ...) \
	log_error("%s: parents[%zu]: " fmt, (ctx)->origin, (ctx)->index, ##__VA_ARGS__)

void config_free(struct config *config)
{
	for (size_t i = 0; i < config->nr_parents; i++) {
		struct config_parent *p = &config->parents[i];

		for (size_t j = 0; j < p->nr_settings; j++) {
			free((char *)p->settings[j].key);
			free((char *)p->settings[j].value);
		}
		free(p->settings);
		free(p->name);
	}
	free(config->parents);
	memset(config, 0, sizeof(*config));
}

/* The same rule the core applies to a parent name (a path component). */
static bool valid_parent_name(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= UMDEV_NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

/* A setting's value as text: strings as they are, integers and booleans spelled out. */
static char *setting_text(struct json_object *value)
{
	switch (json_object_get_type(value)) {
	case json_type_string:
		return strdup(json_object_get_string(value));
	case json_type_int:
	case json_type_boolean:
		return strdup(json_object_to_json_string(value));
	default:
		return NULL;
	}
}

static int parse_settings(struct parse_ctx *ctx, struct json_object *settings,
			  struct config_parent *parent)
{
	size_t count = (size_t)json_object_object_length(settings);

	parent->settings = calloc(count ? count : 1, sizeof(*parent->settings));
	if (!parent->settings)
		return -ENOMEM;
	json_object_object_foreach(settings, key, value) {
		enum json_type type = json_object_get_type(value);
		struct umdev_setting *setting = &parent->settings[parent->nr_settings];

		if (type != json_type_string && type != json_type_int && type != json_type_boolean) {
			parent_error(ctx, "settings: \"%s\" must be a string, an integer or a boolean",
				     key);
			return -EINVAL;
		}
		setting->key = strdup(key);
		setting->value = setting_text(value);
		parent->nr_settings++;
		if (!setting->key || !setting->value)
			return -ENOMEM;
	}
	return 0;
}

/* "owner" or "group": a name, or a number (as a string or an integer). */
static int parse_id(struct parse_ctx *ctx, const char *key, struct json_object *value,
		    struct umdev_socket_access *access)
{
	const char *text = json_object_get_string(value);
	bool owner = !strcmp(key, "owner");
	int ret = -EINVAL;

	if (json_object_is_type(value, json_type_string) || json_object_is_type(value, json_type_int))
		ret = owner ? socket_access_parse_user(text, &access->owner)
			    : socket_access_parse_group(text, &access->group);
	if (ret)
		parent_error(ctx, "socket: no %s %s", owner ? "user" : "group",
			     json_object_to_json_string(value));
	return ret;
}

/* "socket": who may connect to the parent's devices (socket_access.h). */
static int parse_socket(struct parse_ctx *ctx, struct json_object *socket,
			struct umdev_socket_access *access)
{
	*access = SOCKET_ACCESS_UNSET;
	if (!json_object_is_type(socket, json_type_object)) {
		parent_error(ctx, "\"socket\" must be an object");
		return -EINVAL;
	}
	json_object_object_foreach(socket, key, value) {
		int ret = 0;

		if (!strcmp(key, "owner") || !strcmp(key, "group")) {
			ret = parse_id(ctx, key, value, access);
		} else if (!strcmp(key, "mode")) {
			if (!json_object_is_type(value, json_type_string) ||
			    socket_access_parse_mode(json_object_get_string(value), &access->mode)) {
				parent_error(ctx, "socket: \"mode\" must be octal permission bits "
					     "as a string, 1 to 0777 (e.g. \"0660\"), not %s",
					     json_object_to_json_string(value));
				ret = -EINVAL;
			}
		} else {
			parent_error(ctx, "socket: unknown key \"%s\" (expected owner, group, mode)",
				     key);
			ret = -EINVAL;
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int parse_parent(struct parse_ctx *ctx, struct json_object *entry,
			struct config *config)
{
	struct config_parent *parent = &config->parents[config->nr_parents];
	struct json_object *module = NULL, *name = NULL, *settings = NULL, *socket = NULL;
	const char *parent_name;
	int ret;

	if (!json_object_is_type(entry, json_type_object)) {
		parent_error(ctx, "must be an object");
		return -EINVAL;
	}
	json_object_object_foreach(entry, key, value) {
		if (!strcmp(key, "module")) {
			module = value;
		} else if (!strcmp(key, "name")) {
			name = value;
		} else if (!strcmp(key, "settings")) {
			settings = value;
		} else if (!strcmp(key, "socket")) {
			socket = value;
		} else {
			parent_error(ctx, "unknown key \"%s\" (expected module, name, settings, socket)",
				     key);
			return -EINVAL;
		}
	}
	if (!module || !json_object_is_type(module, json_type_string)) {
		parent_error(ctx, "\"module\" must be given as a string");
		return -EINVAL;
	}
	parent->module = modules_find(json_object_get_string(module));
	if (!parent->module) {
		parent_error(ctx, "unknown module \"%s\" (umdevd --help lists the modules)",
			     json_object_get_string(module));
		return -EINVAL;
	}
	if (name && !json_object_is_type(name, json_type_string)) {
		parent_error(ctx, "\"name\" must be a string");
		return -EINVAL;
	}
	parent_name = name ? json_object_get_string(name) : parent->module->name;
	if (!valid_parent_name(parent_name)) {
		parent_error(ctx, "bad parent name \"%s\" (1 to %d bytes, no '/', not . or ..)",
			     parent_name, UMDEV_NAME_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < config->nr_parents; i++) {
		if (!strcmp(config->parents[i].name, parent_name)) {
			parent_error(ctx, "parent name \"%s\" is already used by parents[%zu]",
				     parent_name, i);
			return -EINVAL;
		}
	}
	if (settings && !json_object_is_type(settings, json_type_object)) {
		parent_error(ctx, "\"settings\" must be an object");
		return -EINVAL;
	}
	parent->socket = SOCKET_ACCESS_UNSET;
	if (socket) {
		ret = parse_socket(ctx, socket, &parent->socket);
		if (ret)
			return ret;
	}

	/* Counted from here on, so config_free() releases what is filled. */
	config->nr_parents++;
	parent->name = strdup(parent_name);
	if (!parent->name)
		return -ENOMEM;
	return settings ? parse_settings(ctx, settings, parent) : 0;
}

static int parse_root(const char *origin, struct json_object *root, struct config *config)
{
	struct json_object *parents = NULL;
	struct parse_ctx ctx = { origin, 0 };
	size_t count;

	if (!json_object_is_type(root, json_type_object)) {
		log_error("%s: the top level must be an object with a \"parents\" array", origin);
		return -EINVAL;
	}
	json_object_object_foreach(root, key, value) {
		if (strcmp(key, "parents")) {
			log_error("%s: unknown key \"%s\" (expected parents)", origin, key);
			return -EINVAL;
		}
		parents = value;
	}
	if (!parents || !json_object_is_type(parents, json_type_array)) {
		log_error("%s: \"parents\" must be given as an array", origin);
		return -EINVAL;
	}
	count = json_object_array_length(parents);
	config->parents = calloc(count ? count : 1, sizeof(*config->parents));
	if (!config->parents)
		return -ENOMEM;
	for (ctx.index = 0; ctx.index < count; ctx.index++) {
		int ret = parse_parent(&ctx, json_object_array_get_idx(parents, ctx.index), config);
		if (ret)
			return ret;
	}
	return 0;
}

/* Line and column (from 1) of byte @offset of @text. */
static void position(const char *text, size_t offset, unsigned int *line, unsigned int *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*column = 1;
		} else {
			(*column)++;
		}
	}
}

int config_parse(const char *origin, const char *text, size_t len, struct config *config)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error jerr;
	unsigned int line, column;
	size_t end;
	int ret;

	memset(config, 0, sizeof(*config));
	if (memchr(text, '\0', len)) {
		log_error("%s: contains a NUL byte", origin);
		return -EINVAL;
	}
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	if (jerr == json_tokener_continue) {
		log_error("%s: unexpected end of file (incomplete JSON)", origin);
		return -EINVAL;
	}
	if (jerr != json_tokener_success) {
		position(text, end, &line, &column);
		log_error("%s:%u:%u: %s", origin, line, column, json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	/* @text need not end in a NUL: stop at @len. */
	while (end < len && memchr(" \t\r\n", text[end], 4))
		end++;
	if (end < len) {
		position(text, end, &line, &column);
		log_error("%s:%u:%u: text after the end of the JSON object", origin, line, column);
		json_object_put(root);
		return -EINVAL;
	}

	ret = parse_root(origin, root, config);
	json_object_put(root);
	if (ret) {
		if (ret == -ENOMEM)
			log_error("%s: out of memory", origin);
		config_free(config);
	}
	return ret;
}

int config_load_file(const char *path, struct config *config)
{
	FILE *file = fopen(path, "r");
	char *text;
	size_t len;
	int ret;

	memset(config, 0, sizeof(*config));
	if (!file) {
		ret = -errno;
		log_error("%s: %s", path, strerror(-ret));
		return ret;
	}
	text = malloc(CONFIG_MAX_SIZE + 1);
	if (!text) {
		fclose(file);
		return -ENOMEM;
	}
	len = fread(text, 1, CONFIG_MAX_SIZE + 1, file);
	if (ferror(file)) {
		ret = -EIO;
		log_error("%s: read error", path);
	} else if (len > CONFIG_MAX_SIZE) {
		ret = -EFBIG;
		log_error("%s: larger than %d bytes", path, CONFIG_MAX_SIZE);
	} else {
		ret = config_parse(path, text, len, config);
	}
	free(text);
	fclose(file);
	return ret;
}

int config_load_default(struct config *config)
{
	return config_parse("(built-in default config)", default_config,
			    sizeof(default_config) - 1, config);
}
