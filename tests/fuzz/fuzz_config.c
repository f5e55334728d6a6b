// SPDX-License-Identifier: MIT
/*
 * Fuzz target: umdevd's config file, as the daemon reads it at start and
 * on SIGHUP: parse and check the JSON, then register every parent it
 * names with the real module (mtty, mdpy, mbochs) and its settings, and
 * unregister them again.
 *
 * Input: the config file's text.
 *
 * Expected: a parse gives 0, -EINVAL or -ENOMEM; a module's create gives 0 or
 * -EINVAL/-ENOMEM (a setting it refuses); nothing is left registered.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <umdev/bus.h>
#include <umdev/log.h>

#include "check.h"
#include "config.h"
#include "modules.h"

static void quiet(enum umdev_log_level level, const char *message, void *arg)
{
	(void)level, (void)message, (void)arg;
}

static void setup_once(void)
{
	static char empty_dir[] = "/tmp/umdev-fuzz-modules-XXXXXX";

	if (empty_dir[sizeof(empty_dir) - 2] != 'X')
		return;
	umdev_set_log(quiet, NULL, UMDEV_LOG_ERROR);
	/* Only the built-in modules: nothing is loaded from the disk. */
	check(mkdtemp(empty_dir));
	modules_set_dir(empty_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
	struct config config;
	umdev_name_t *names;
	void **handles;
	int ret;

	setup_once();
	ret = config_parse("fuzz", (const char *)input, size, &config);
	check(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
	if (ret)
		return 0;
	handles = calloc(config.nr_parents + 1, sizeof(*handles));
	check(handles);
	for (size_t i = 0; i < config.nr_parents; i++) {
		const struct config_parent *p = &config.parents[i];
		ret = p->module->create(p->name, p->settings, p->nr_settings, &handles[i]);
		check(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
		if (ret)
			handles[i] = NULL;
	}
	for (size_t i = config.nr_parents; i-- > 0;)
		if (handles[i])
			config.parents[i].module->destroy(handles[i]);
	free(handles);
	config_free(&config);
	check(umdev_list_parents(&names) == 0);
	free(names);
	return 0;
}
