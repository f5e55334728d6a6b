// SPDX-License-Identifier: MIT
/*
 * The journal of live devices (journal.h).
 *
 * It keeps its own list of what is durable, changed only together with the
 * file: each change is applied to the list, the whole list is written out
 * atomically, and if the write fails the list goes back as it was and the
 * core undoes the change (the journal hook in bus.h).
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <umdev/log.h>

#include "journal.h"

#define JOURNAL_VERSION 1
#define JOURNAL_MAX_SIZE (64 << 20) /* far beyond any real set of devices */

struct journal_attr {
	char *name; /* "group/name", or "name" for an attribute without a group */
	char *value;
};

struct journal_entry {
	char uuid[UMDEV_UUID_STRING_LEN + 1];
	char *parent;
	char *type;
	struct journal_attr *attrs;
	size_t nr_attrs;
};

struct umdev_journal {
	char *path;
	int lock_fd; /* "<path>.lock", flock'd: one daemon per journal */
	pthread_mutex_t lock; /* the entries and the file */
	struct journal_entry *entries;
	size_t count, capacity;
	bool recording;
};

/* ---- entries ---- */

static void entry_free(struct journal_entry *entry)
{
	for (size_t i = 0; i < entry->nr_attrs; i++) {
		free(entry->attrs[i].name);
		free(entry->attrs[i].value);
	}
	free(entry->attrs);
	free(entry->parent);
	free(entry->type);
}

static struct journal_entry *find_entry(struct umdev_journal *journal, const char *uuid)
{
	for (size_t i = 0; i < journal->count; i++)
		if (!strcmp(journal->entries[i].uuid, uuid))
			return &journal->entries[i];
	return NULL;
}

static int append_entry(struct umdev_journal *journal, struct journal_entry *entry)
{
	if (journal->count == journal->capacity) {
		size_t capacity = journal->capacity ? journal->capacity * 2 : 16;
		void *grown = reallocarray(journal->entries, capacity, sizeof(*journal->entries));
		if (!grown)
			return -ENOMEM;
		journal->entries = grown;
		journal->capacity = capacity;
	}
	journal->entries[journal->count++] = *entry;
	return 0;
}

/* Moves entry @i out of the list into *@out, keeping the order of the rest. */
static void take_entry(struct umdev_journal *journal, size_t i, struct journal_entry *out)
{
	*out = journal->entries[i];
	memmove(&journal->entries[i], &journal->entries[i + 1],
		(journal->count - i - 1) * sizeof(*journal->entries));
	journal->count--;
}

static int set_attr(struct journal_entry *entry, const char *name, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < entry->nr_attrs; i++) {
		if (!strcmp(entry->attrs[i].name, name)) {
			free(entry->attrs[i].value);
			entry->attrs[i].value = copy;
			return 0;
		}
	}
	struct journal_attr *grown = reallocarray(entry->attrs, entry->nr_attrs + 1, sizeof(*grown));
	char *name_copy = strdup(name);
	if (grown)
		entry->attrs = grown;
	if (!grown || !name_copy) {
		free(copy);
		free(name_copy);
		return -ENOMEM;
	}
	entry->attrs[entry->nr_attrs++] = (struct journal_attr){ name_copy, copy };
	return 0;
}

/* Undoes the set_attr() that appended an attribute. */
static void drop_last_attr(struct journal_entry *entry)
{
	struct journal_attr *last = &entry->attrs[--entry->nr_attrs];

	free(last->name);
	free(last->value);
}

/* ---- the file ---- */

static json_object *entries_to_json(struct umdev_journal *journal)
{
	json_object *root = json_object_new_object();
	json_object *devices = json_object_new_array();

	json_object_object_add(root, "version", json_object_new_int(JOURNAL_VERSION));
	json_object_object_add(root, "devices", devices);
	for (size_t i = 0; i < journal->count; i++) {
		struct journal_entry *entry = &journal->entries[i];
		json_object *device = json_object_new_object();
		json_object *attrs = json_object_new_object();

		json_object_object_add(device, "uuid", json_object_new_string(entry->uuid));
		json_object_object_add(device, "parent", json_object_new_string(entry->parent));
		json_object_object_add(device, "type", json_object_new_string(entry->type));
		for (size_t a = 0; a < entry->nr_attrs; a++)
			json_object_object_add(attrs, entry->attrs[a].name,
					       json_object_new_string(entry->attrs[a].value));
		json_object_object_add(device, "attrs", attrs);
		json_object_array_add(devices, device);
	}
	return root;
}

static int write_all(int fd, const char *text, size_t len)
{
	while (len) {
		ssize_t n = write(fd, text, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd, ret = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

static char *path_with(const char *path, const char *suffix)
{
	char *joined;

	return asprintf(&joined, "%s%s", path, suffix) < 0 ? NULL : joined;
}

/* Replaces the file with the entries, atomically and durably. */
static int journal_write(struct umdev_journal *journal)
{
	char *tmp = path_with(journal->path, ".tmp");
	char *prev = path_with(journal->path, ".prev");
	json_object *root = entries_to_json(journal);
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_NOSLASHESCAPE);
	int fd = -1, ret;

	if (!tmp || !prev || !text) {
		ret = -ENOMEM;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = write_all(fd, text, strlen(text));
	if (!ret)
		ret = write_all(fd, "\n", 1);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (ret)
		goto out_unlink;

	/* Keep the state being replaced, for a journal damaged later. */
	unlink(prev);
	if (link(journal->path, prev) && errno != ENOENT)
		umdev_log(UMDEV_LOG_ERROR, "journal: cannot keep %s: %s", prev, strerror(errno));
	if (rename(tmp, journal->path)) {
		ret = -errno;
		goto out_unlink;
	}
	ret = fsync_dir_of(journal->path);
	goto out;

out_unlink:
	unlink(tmp);
out:
	json_object_put(root);
	free(tmp);
	free(prev);
	return ret;
}

static char *read_file(const char *path, int *error)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *text = NULL;

	*error = 0;
	if (fd < 0) {
		*error = -errno;
		return NULL;
	}
	if (fstat(fd, &st)) {
		*error = -errno;
	} else if (st.st_size > JOURNAL_MAX_SIZE) {
		*error = -EFBIG;
	} else if (!(text = calloc(1, (size_t)st.st_size + 1))) {
		*error = -ENOMEM;
	} else {
		size_t done = 0;
		while (done < (size_t)st.st_size) {
			ssize_t n = read(fd, text + done, (size_t)st.st_size - done);
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				*error = n < 0 ? -errno : -EIO;
				break;
			}
			done += (size_t)n;
		}
	}
	close(fd);
	if (*error) {
		free(text);
		return NULL;
	}
	return text;
}

static const char *string_member(json_object *object, const char *key)
{
	json_object *value;

	if (!json_object_object_get_ex(object, key, &value) || !json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

/* Parses one device; a message in @why on failure. */
static int parse_device(json_object *device, struct journal_entry *entry, const char **why)
{
	uint8_t uuid[UMDEV_UUID_SIZE];
	const char *text, *parent, *type;
	json_object *attrs = NULL;

	memset(entry, 0, sizeof(*entry));
	if (!json_object_is_type(device, json_type_object)) {
		*why = "a device is not an object";
		return -EINVAL;
	}
	text = string_member(device, "uuid");
	parent = string_member(device, "parent");
	type = string_member(device, "type");
	if (!text || !parent || !type) {
		*why = "a device lacks a string \"uuid\", \"parent\" or \"type\"";
		return -EINVAL;
	}
	if (strlen(text) != UMDEV_UUID_STRING_LEN || umdev_uuid_parse(text, uuid)) {
		*why = "a device's \"uuid\" is not a UUID";
		return -EINVAL;
	}
	umdev_uuid_format(uuid, entry->uuid);
	entry->parent = strdup(parent);
	entry->type = strdup(type);
	if (!entry->parent || !entry->type)
		goto nomem;
	if (json_object_object_get_ex(device, "attrs", &attrs)) {
		if (!json_object_is_type(attrs, json_type_object)) {
			*why = "a device's \"attrs\" is not an object";
			entry_free(entry);
			return -EINVAL;
		}
		json_object_object_foreach(attrs, name, value) {
			if (!json_object_is_type(value, json_type_string)) {
				*why = "an attribute value is not a string";
				entry_free(entry);
				return -EINVAL;
			}
			if (set_attr(entry, name, json_object_get_string(value)))
				goto nomem;
		}
	}
	return 0;
nomem:
	entry_free(entry);
	*why = "out of memory";
	return -ENOMEM;
}

/* Loads @path into the (empty) list; reports on the log why it cannot. */
static int load(struct umdev_journal *journal, const char *path)
{
	enum json_tokener_error jerr;
	const char *why = NULL;
	json_object *root, *version, *devices;
	int ret;
	char *text = read_file(path, &ret);

	if (!text)
		return ret;
	errno = 0;
	root = json_tokener_parse_verbose(text, &jerr);
	if (!root && errno == ENOMEM) {
		/* json-c could not allocate: the file is not damaged, keep it. */
		free(text);
		return -ENOMEM;
	}
	free(text);
	if (!root) {
		umdev_log(UMDEV_LOG_WARNING, "journal: %s: not JSON: %s", path,
			json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	ret = -EINVAL;
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "version", &version) ||
	    json_object_get_int(version) != JOURNAL_VERSION) {
		why = "not a version 1 umdev journal";
	} else if (!json_object_object_get_ex(root, "devices", &devices) ||
		   !json_object_is_type(devices, json_type_array)) {
		why = "no \"devices\" array";
	} else {
		ret = 0;
		for (size_t i = 0; !ret && i < json_object_array_length(devices); i++) {
			struct journal_entry entry;
			ret = parse_device(json_object_array_get_idx(devices, i), &entry, &why);
			if (!ret && find_entry(journal, entry.uuid)) {
				why = "a UUID appears twice";
				entry_free(&entry);
				ret = -EINVAL;
			}
			if (!ret && (ret = append_entry(journal, &entry)))
				entry_free(&entry);
		}
	}
	json_object_put(root);
	if (ret) {
		umdev_log(UMDEV_LOG_WARNING, "journal: %s: %s", path, why ? why : strerror(-ret));
		for (size_t i = 0; i < journal->count; i++)
			entry_free(&journal->entries[i]);
		journal->count = 0;
	}
	return ret;
}

/*
 * Two daemons writing one journal would each lose the other's devices.
 * Opened read-only: an idle writer would keep its file system from being
 * remounted read-only.
 */
static int lock_journal(struct umdev_journal *journal)
{
	char *lock_path = path_with(journal->path, ".lock");
	int ret = 0;

	if (!lock_path)
		return -ENOMEM;
	journal->lock_fd = open(lock_path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
	if (journal->lock_fd < 0) {
		ret = -errno;
		umdev_log(UMDEV_LOG_WARNING, "journal: %s: %s", lock_path, strerror(errno));
	} else if (flock(journal->lock_fd, LOCK_EX | LOCK_NB)) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		umdev_log(UMDEV_LOG_WARNING, "journal: %s is in use by another process",
			journal->path);
	}
	free(lock_path);
	return ret;
}

int umdev_journal_open(const char *path, struct umdev_journal **out)
{
	struct umdev_journal *journal = calloc(1, sizeof(*journal));
	int ret;

	if (!journal)
		return -ENOMEM;
	journal->lock_fd = -1;
	journal->path = strdup(path);
	if (!journal->path) {
		free(journal);
		return -ENOMEM;
	}
	pthread_mutex_init(&journal->lock, NULL);

	ret = lock_journal(journal);
	if (ret) {
		umdev_journal_close(journal);
		return ret;
	}
	ret = load(journal, path);
	if (ret == -ENOENT) {
		ret = 0; /* a first start */
	} else if (ret == -EINVAL) {
		/* Damaged: keep it for a person to look at, fall back to the state before. */
		char *corrupt = path_with(path, ".corrupt");
		char *prev = path_with(path, ".prev");
		if (corrupt && prev && !rename(path, corrupt)) {
			umdev_log(UMDEV_LOG_WARNING, "journal: kept the damaged journal as %s", corrupt);
			ret = load(journal, prev);
			if (!ret)
				umdev_log(UMDEV_LOG_WARNING, "journal: using the state before the last change, %s (%zu devices)",
					prev, journal->count);
			else if (ret == -ENOENT)
				ret = -EINVAL;
		}
		free(corrupt);
		free(prev);
	}
	if (ret) {
		umdev_journal_close(journal);
		return ret;
	}
	*out = journal;
	return 0;
}

/* ---- recording (the core's journal hook) ---- */

static int record_create(struct umdev_device *mdev, void *arg)
{
	struct umdev_journal *journal = arg;
	struct umdev_type *type = umdev_device_type(mdev);
	struct journal_entry entry = { 0 };
	int ret;

	strcpy(entry.uuid, umdev_device_name(mdev));
	entry.parent = strdup(umdev_type_parent(type)->name);
	entry.type = strdup(umdev_type_id(type));
	pthread_mutex_lock(&journal->lock);
	ret = !entry.parent || !entry.type ? -ENOMEM : append_entry(journal, &entry);
	if (!ret) {
		ret = journal_write(journal);
		if (ret) {
			journal->count--;
			umdev_log(UMDEV_LOG_ERROR, "journal: cannot record %s: %s", entry.uuid,
				strerror(-ret));
		}
	}
	pthread_mutex_unlock(&journal->lock);
	if (ret)
		entry_free(&entry);
	return ret;
}

static int record_remove(struct umdev_device *mdev, void *arg)
{
	struct umdev_journal *journal = arg;
	struct journal_entry entry;
	int ret = 0;

	pthread_mutex_lock(&journal->lock);
	struct journal_entry *found = find_entry(journal, umdev_device_name(mdev));
	if (found) {
		size_t i = (size_t)(found - journal->entries);
		take_entry(journal, i, &entry);
		ret = journal_write(journal);
		if (ret) {
			/* Put it back where it was. */
			memmove(&journal->entries[i + 1], &journal->entries[i],
				(journal->count - i) * sizeof(*journal->entries));
			journal->entries[i] = entry;
			journal->count++;
			umdev_log(UMDEV_LOG_ERROR, "journal: cannot record the removal of %s: %s",
				entry.uuid, strerror(-ret));
		} else {
			entry_free(&entry);
		}
	}
	pthread_mutex_unlock(&journal->lock);
	return ret;
}

static int record_change(struct umdev_device *mdev, const struct umdev_attribute *attr, void *arg)
{
	struct umdev_journal *journal = arg;
	char value[UMDEV_ATTR_BUF_SIZE + 1];
	char name[2 * UMDEV_NAME_MAX + 2];
	ssize_t len;
	int ret;

	/* Only what can be written back can be restored. */
	if (!attr->show || !attr->store)
		return 0;
	len = umdev_device_attr_show(mdev, attr, value);
	if (len < 0)
		return (int)len;
	value[len] = '\0';
	snprintf(name, sizeof(name), "%s%s%s", attr->group ? attr->group : "",
		 attr->group ? "/" : "", attr->name);

	pthread_mutex_lock(&journal->lock);
	struct journal_entry *entry = find_entry(journal, umdev_device_name(mdev));
	if (!entry) {
		pthread_mutex_unlock(&journal->lock);
		return 0;
	}
	char *old = NULL;
	for (size_t i = 0; i < entry->nr_attrs; i++)
		if (!strcmp(entry->attrs[i].name, name))
			old = strdup(entry->attrs[i].value);
	ret = set_attr(entry, name, value);
	if (!ret) {
		ret = journal_write(journal);
		if (ret) {
			umdev_log(UMDEV_LOG_ERROR, "journal: cannot record %s of %s: %s", name,
				entry->uuid, strerror(-ret));
			/* Back to what the file holds. */
			if (old)
				set_attr(entry, name, old);
			else
				drop_last_attr(entry);
		}
	}
	pthread_mutex_unlock(&journal->lock);
	free(old);
	return ret;
}

static const struct umdev_journal_ops journal_ops = {
	.record_create = record_create,
	.record_remove = record_remove,
	.record_change = record_change,
};

/* ---- restoring ---- */

static int restore_attr(struct umdev_device *mdev, const struct journal_attr *attr)
{
	char group[UMDEV_NAME_MAX + 1] = "";
	const char *name = attr->name, *slash = strchr(attr->name, '/');

	if (slash) {
		size_t len = (size_t)(slash - attr->name);
		if (len > UMDEV_NAME_MAX)
			return -ENOENT;
		memcpy(group, attr->name, len);
		group[len] = '\0';
		name = slash + 1;
	}
	const struct umdev_attribute *found = umdev_device_find_attr(mdev, slash ? group : NULL, name);
	if (!found)
		return -ENOENT;
	ssize_t ret = umdev_device_attr_store(mdev, found, attr->value, strlen(attr->value));
	return ret < 0 ? (int)ret : 0;
}

static int restore_entry(struct journal_entry *entry)
{
	struct umdev_parent *parent = umdev_parent_get(entry->parent);
	uint8_t uuid[UMDEV_UUID_SIZE];
	int ret;

	if (!parent) {
		umdev_log(UMDEV_LOG_WARNING, "journal: %s: parent %s is not loaded", entry->uuid,
			entry->parent);
		return -ENODEV;
	}
	struct umdev_type *type = umdev_parent_find_type(parent, entry->type);
	if (!type) {
		umdev_log(UMDEV_LOG_WARNING, "journal: %s: parent %s has no type %s", entry->uuid,
			entry->parent, entry->type);
		umdev_parent_put(parent);
		return -ENOENT;
	}
	umdev_uuid_parse(entry->uuid, uuid);
	ret = umdev_device_create(type, uuid);
	if (ret) {
		umdev_log(UMDEV_LOG_WARNING, "journal: %s: create failed: %s", entry->uuid,
			strerror(-ret));
	} else {
		struct umdev_device *mdev = umdev_device_get(uuid);
		for (size_t i = 0; mdev && i < entry->nr_attrs; i++) {
			int err = restore_attr(mdev, &entry->attrs[i]);
			if (err)
				umdev_log(UMDEV_LOG_WARNING, "journal: %s: attribute %s not restored: %s",
					entry->uuid, entry->attrs[i].name, strerror(-err));
		}
		if (mdev)
			umdev_device_put(mdev);
	}
	umdev_parent_put(parent);
	return ret;
}

int umdev_journal_restore_and_start(struct umdev_journal *journal)
{
	int restored = 0, ret;

	/*
	 * Not recording yet, so nothing else touches the entries; the lock is
	 * not held across creates, as the core's journal lock nests outside it.
	 */
	for (size_t i = 0; i < journal->count;) {
		if (!restore_entry(&journal->entries[i])) {
			restored++;
			i++;
			continue;
		}
		struct journal_entry dropped;
		take_entry(journal, i, &dropped);
		entry_free(&dropped);
	}
	pthread_mutex_lock(&journal->lock);
	ret = journal_write(journal);
	pthread_mutex_unlock(&journal->lock);
	if (ret) {
		umdev_log(UMDEV_LOG_ERROR, "journal: cannot write %s: %s", journal->path,
			strerror(-ret));
		return ret;
	}
	umdev_set_journal(&journal_ops, journal);
	journal->recording = true;
	return restored;
}

int umdev_journal_drop_parent(struct umdev_journal *journal, const char *parent)
{
	struct journal_entry *kept;
	size_t nr_kept = 0;
	int ret;

	pthread_mutex_lock(&journal->lock);
	kept = calloc(journal->count ? journal->count : 1, sizeof(*kept));
	if (!kept) {
		pthread_mutex_unlock(&journal->lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < journal->count; i++)
		if (strcmp(journal->entries[i].parent, parent))
			kept[nr_kept++] = journal->entries[i];
	if (nr_kept == journal->count) {
		free(kept);
		pthread_mutex_unlock(&journal->lock);
		return 0;
	}
	struct journal_entry *all = journal->entries;
	size_t nr_all = journal->count;
	journal->entries = kept;
	journal->count = nr_kept;
	ret = journal_write(journal);
	if (ret) {
		umdev_log(UMDEV_LOG_ERROR, "journal: cannot forget the devices of %s: %s",
			parent, strerror(-ret));
		journal->entries = all;
		journal->count = nr_all;
		free(kept);
	} else {
		for (size_t i = 0; i < nr_all; i++)
			if (!strcmp(all[i].parent, parent))
				entry_free(&all[i]);
		free(all);
		journal->capacity = nr_all ? nr_all : 1;
	}
	pthread_mutex_unlock(&journal->lock);
	return ret;
}

size_t umdev_journal_count(struct umdev_journal *journal)
{
	pthread_mutex_lock(&journal->lock);
	size_t count = journal->count;
	pthread_mutex_unlock(&journal->lock);
	return count;
}

void umdev_journal_close(struct umdev_journal *journal)
{
	if (journal->recording)
		umdev_set_journal(NULL, NULL);
	for (size_t i = 0; i < journal->count; i++)
		entry_free(&journal->entries[i]);
	free(journal->entries);
	pthread_mutex_destroy(&journal->lock);
	if (journal->lock_fd >= 0)
		close(journal->lock_fd);
	free(journal->path);
	free(journal);
}
