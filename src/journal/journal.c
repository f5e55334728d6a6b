// SPDX-License-Identifier: MIT
/*
 * The journal of live devices (journal.h): a snapshot and a log.
 *
 * It keeps its own list of what is durable, changed only together with the
 * files: a change is applied to the list and appended to the log as one
 * record; if the append fails the list goes back as it was and the core
 * undoes the change (the journal hook in bus.h).
 *
 * Files, next to <path>:
 *   <path>       the snapshot: JSON version 1 ({"version", "devices"}), with
 *                "log_seq", the last log record it includes; written to
 *                <path>.tmp, fsync'd, renamed over <path>, directory fsync'd;
 *                the one it replaces is kept as <path>.prev.
 *   <path>.log   the records after the snapshot, one per change:
 *                "<seq> <crc32 of json, 8 hex> <json>\n", then newlines up
 *                to the next 4 KiB, so that every change writes a block of
 *                its own (a full disk refuses it with ENOSPC, a torn write
 *                spoils no earlier record). Opened, appended, fdatasync'd and
 *                closed per change: an idle daemon holds no file open.
 * Once the log outgrows max(LOG_COMPACT_MIN, the snapshot), the next change
 * first writes a new snapshot and empties the log (compaction), so a change
 * costs one block and one fdatasync however many devices are journaled,
 * plus, amortized, a snapshot's worth of bytes per log's worth of changes.
 *
 * Reading: the snapshot, then the log's records after its log_seq. An
 * unfinished last record (bad CRC or JSON, nothing valid after it) is a
 * change that was never acknowledged: dropped. A bad record with records
 * after it is damage: the records before it are used and the log is kept
 * aside as <path>.log.corrupt.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <umdev/log.h>

#include "journal.h"

#define JOURNAL_VERSION 1
#define JOURNAL_MAX_SIZE (256 << 20) /* far beyond any real set of devices */
#define LOG_BLOCK 4096
#define LOG_COMPACT_MIN (64 << 10)

struct journal_attr {
	char *name; /* "group/name", or "name" for an attribute without a group */
	char *value;
};

struct journal_entry {
	TAILQ_ENTRY(journal_entry) link; /* in the order the devices were made */
	struct journal_entry *hash_next;
	char uuid[UMDEV_UUID_STRING_LEN + 1];
	char *parent;
	char *type;
	struct journal_attr *attrs;
	size_t nr_attrs;
};

TAILQ_HEAD(entry_list, journal_entry);

struct umdev_journal {
	char *path, *log_path;
	int lock_fd; /* "<path>.lock", flock'd: one daemon per journal */
	pthread_mutex_t lock; /* everything below, and the files */
	struct entry_list entries;
	struct journal_entry **buckets; /* by UUID; the count of buckets is a power of two */
	size_t nr_buckets, count;
	uint64_t seq;		/* the last record number given out */
	off_t log_size;		/* bytes of records in the log */
	off_t snapshot_size;
	bool must_compact;	/* the log may hold a failed record, or was kept aside */
	bool log_dir_synced;	/* the log's directory entry is durable */
	bool recording;
};

/* ---- entries: a list in creation order, and a hash by UUID ---- */

static size_t bucket_of(const struct umdev_journal *journal, const char *uuid)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *uuid; uuid++)
		h = (h ^ (uint8_t)*uuid) * 16777619u;
	return h & (journal->nr_buckets - 1);
}

static void entry_free(struct journal_entry *entry)
{
	for (size_t i = 0; i < entry->nr_attrs; i++) {
		free(entry->attrs[i].name);
		free(entry->attrs[i].value);
	}
	free(entry->attrs);
	free(entry->parent);
	free(entry->type);
	free(entry);
}

static struct journal_entry *entry_new(const char *uuid, const char *parent, const char *type)
{
	struct journal_entry *entry = calloc(1, sizeof(*entry));

	if (!entry)
		return NULL;
	snprintf(entry->uuid, sizeof(entry->uuid), "%s", uuid);
	entry->parent = strdup(parent);
	entry->type = strdup(type);
	if (!entry->parent || !entry->type) {
		entry_free(entry);
		return NULL;
	}
	return entry;
}

static struct journal_entry *find_entry(struct umdev_journal *journal, const char *uuid)
{
	if (!journal->nr_buckets)
		return NULL;
	for (struct journal_entry *e = journal->buckets[bucket_of(journal, uuid)]; e; e = e->hash_next)
		if (!strcmp(e->uuid, uuid))
			return e;
	return NULL;
}

static int grow_buckets(struct umdev_journal *journal)
{
	size_t nr = journal->nr_buckets ? journal->nr_buckets * 2 : 64;
	struct journal_entry **buckets = calloc(nr, sizeof(*buckets));
	struct journal_entry *e;

	if (!buckets)
		return -ENOMEM;
	free(journal->buckets);
	journal->buckets = buckets;
	journal->nr_buckets = nr;
	TAILQ_FOREACH(e, &journal->entries, link) {
		size_t b = bucket_of(journal, e->uuid);
		e->hash_next = buckets[b];
		buckets[b] = e;
	}
	return 0;
}

/* Adds @entry before @next (NULL: at the end). */
static int insert_entry(struct umdev_journal *journal, struct journal_entry *entry,
			struct journal_entry *next)
{
	size_t b;

	if (journal->count >= journal->nr_buckets && grow_buckets(journal))
		return -ENOMEM;
	if (next)
		TAILQ_INSERT_BEFORE(next, entry, link);
	else
		TAILQ_INSERT_TAIL(&journal->entries, entry, link);
	b = bucket_of(journal, entry->uuid);
	entry->hash_next = journal->buckets[b];
	journal->buckets[b] = entry;
	journal->count++;
	return 0;
}

/* Takes @entry out; returns the entry that followed it (for putting it back). */
static struct journal_entry *unlink_entry(struct umdev_journal *journal, struct journal_entry *entry)
{
	struct journal_entry **p = &journal->buckets[bucket_of(journal, entry->uuid)];
	struct journal_entry *next = TAILQ_NEXT(entry, link);

	while (*p != entry)
		p = &(*p)->hash_next;
	*p = entry->hash_next;
	TAILQ_REMOVE(&journal->entries, entry, link);
	journal->count--;
	return next;
}

static void free_entries(struct umdev_journal *journal)
{
	struct journal_entry *e;

	while ((e = TAILQ_FIRST(&journal->entries))) {
		unlink_entry(journal, e);
		entry_free(e);
	}
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

/* ---- file helpers ---- */

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

/* The whole of @path, NUL-terminated, in *@out (NULL and 0 bytes when it does not exist). */
static int read_file(const char *path, char **out, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;
	struct stat st;
	char *text = NULL;

	*out = NULL;
	*size = 0;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
	} else if (st.st_size > JOURNAL_MAX_SIZE) {
		ret = -EFBIG;
	} else if (!(text = calloc(1, (size_t)st.st_size + 1))) {
		ret = -ENOMEM;
	} else {
		size_t done = 0;
		while (done < (size_t)st.st_size) {
			ssize_t n = read(fd, text + done, (size_t)st.st_size - done);
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				ret = n < 0 ? -errno : -EIO;
				break;
			}
			done += (size_t)n;
		}
		*size = done;
	}
	close(fd);
	if (ret) {
		free(text);
		return ret;
	}
	*out = text;
	return 0;
}

/* ---- the snapshot ---- */

static json_object *entries_to_json(struct umdev_journal *journal)
{
	json_object *root = json_object_new_object();
	json_object *devices = json_object_new_array_ext((int)journal->count);
	struct journal_entry *entry;

	json_object_object_add(root, "version", json_object_new_int(JOURNAL_VERSION));
	json_object_object_add(root, "log_seq", json_object_new_int64((int64_t)journal->seq));
	json_object_object_add(root, "devices", devices);
	TAILQ_FOREACH(entry, &journal->entries, link) {
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

/* Replaces the snapshot with the entries, atomically and durably. */
static int snapshot_write(struct umdev_journal *journal)
{
	char *tmp = path_with(journal->path, ".tmp");
	char *prev = path_with(journal->path, ".prev");
	json_object *root = entries_to_json(journal);
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = text ? strlen(text) : 0;
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
	ret = write_all(fd, text, len);
	if (!ret)
		ret = write_all(fd, "\n", 1);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (ret)
		goto out_unlink;

	/* Keep the state being replaced, for a snapshot damaged later. */
	unlink(prev);
	if (link(journal->path, prev) && errno != ENOENT)
		umdev_log(UMDEV_LOG_ERROR, "journal: cannot keep %s: %s", prev, strerror(errno));
	if (rename(tmp, journal->path)) {
		ret = -errno;
		goto out_unlink;
	}
	ret = fsync_dir_of(journal->path);
	if (!ret)
		journal->snapshot_size = (off_t)len + 1;
	goto out;

out_unlink:
	unlink(tmp);
out:
	json_object_put(root);
	free(tmp);
	free(prev);
	return ret;
}

/*
 * Writes a snapshot of everything, then empties the log: its records are
 * all in the snapshot now (and were they to survive a crash, their numbers
 * are at most the snapshot's log_seq, so no reader replays them).
 */
static int compact(struct umdev_journal *journal)
{
	int ret = snapshot_write(journal), fd;

	if (ret)
		return ret;
	journal->log_size = 0;
	journal->must_compact = false;
	fd = open(journal->log_path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		/* No log: the next record makes one. Otherwise compact again next time. */
		if (errno == ENOENT)
			journal->log_dir_synced = false;
		else
			journal->must_compact = true;
		return 0;
	}
	if (fdatasync(fd))
		journal->must_compact = true;
	close(fd);
	return 0;
}

/* ---- the log ---- */

/*
 * Makes the change just applied to the list durable: as the next numbered
 * record appended to the log, or, when the log is due for compaction, as
 * part of a snapshot that takes that number as its log_seq. On failure the
 * number stays used and the next change compacts, so that neither a gap
 * in the numbers nor a record that reached the disk anyway is ever replayed.
 */
static int log_append(struct umdev_journal *journal, json_object *record)
{
	const char *json = json_object_to_json_string_ext(record, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
	off_t limit = journal->snapshot_size > LOG_COMPACT_MIN ? journal->snapshot_size
							       : LOG_COMPACT_MIN;
	uint64_t seq = ++journal->seq;
	char *block = NULL;
	size_t len, padded;
	int fd, ret;

	if (journal->must_compact || journal->log_size > limit) {
		ret = compact(journal);
		if (ret)
			journal->must_compact = true;
		return ret;
	}
	if (!json) {
		journal->must_compact = true;
		return -ENOMEM;
	}
	len = strlen(json);
	padded = (len + 32 + LOG_BLOCK) / LOG_BLOCK * LOG_BLOCK;
	block = malloc(padded);
	if (!block) {
		journal->must_compact = true;
		return -ENOMEM;
	}
	memset(block, '\n', padded);
	snprintf(block, padded, "%" PRIu64 " %08lx %s", seq,
		 crc32(0, (const Bytef *)json, (uInt)len), json);
	block[strlen(block)] = '\n'; /* the NUL snprintf left */

	fd = open(journal->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		journal->must_compact = true;
		goto out;
	}
	/* A log made now must be findable after a crash before its first record counts. */
	if (!journal->log_dir_synced) {
		ret = fsync_dir_of(journal->log_path);
		journal->log_dir_synced = !ret;
	} else {
		ret = 0;
	}
	if (!ret)
		ret = write_all(fd, block, padded);
	if (!ret && fdatasync(fd))
		ret = -errno;
	if (ret) {
		/* Take back what part of it was written; either way, compact next. */
		if (!ftruncate(fd, journal->log_size))
			fdatasync(fd);
		journal->must_compact = true;
	}
	close(fd);
	if (!ret)
		journal->log_size += (off_t)padded;
out:
	free(block);
	return ret;
}

static json_object *new_record(const char *op, const char *uuid)
{
	json_object *record = json_object_new_object();

	json_object_object_add(record, "op", json_object_new_string(op));
	json_object_object_add(record, "uuid", json_object_new_string(uuid));
	return record;
}

static void record_add(json_object *record, const char *key, const char *value)
{
	json_object_object_add(record, key, json_object_new_string(value));
}

/* ---- loading ---- */

static const char *string_member(json_object *object, const char *key)
{
	json_object *value;

	if (!json_object_object_get_ex(object, key, &value) || !json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

/* Parses one device of a snapshot; a message in @why on failure. */
static int parse_device(json_object *device, struct journal_entry **out, const char **why)
{
	uint8_t uuid[UMDEV_UUID_SIZE];
	char canonical[UMDEV_UUID_STRING_LEN + 1];
	const char *text, *parent, *type;
	json_object *attrs = NULL;
	struct journal_entry *entry;

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
	umdev_uuid_format(uuid, canonical);
	entry = entry_new(canonical, parent, type);
	if (!entry)
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
			if (set_attr(entry, name, json_object_get_string(value))) {
				entry_free(entry);
				goto nomem;
			}
		}
	}
	*out = entry;
	return 0;
nomem:
	*why = "out of memory";
	return -ENOMEM;
}

/* Loads the snapshot @path into the (empty) list; reports on the log why it cannot. */
static int load_snapshot(struct umdev_journal *journal, const char *path, uint64_t *log_seq)
{
	enum json_tokener_error jerr;
	const char *why = NULL;
	json_object *root, *version, *devices, *seq;
	size_t size;
	char *text;
	int ret = read_file(path, &text, &size);

	*log_seq = 0;
	if (ret)
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
	} else if (json_object_object_get_ex(root, "log_seq", &seq) &&
		   (!json_object_is_type(seq, json_type_int) || json_object_get_int64(seq) < 0)) {
		why = "\"log_seq\" is not a record number";
	} else {
		ret = 0;
		if (json_object_object_get_ex(root, "log_seq", &seq))
			*log_seq = (uint64_t)json_object_get_int64(seq);
		for (size_t i = 0; !ret && i < json_object_array_length(devices); i++) {
			struct journal_entry *entry;
			ret = parse_device(json_object_array_get_idx(devices, i), &entry, &why);
			if (!ret && find_entry(journal, entry->uuid)) {
				why = "a UUID appears twice";
				entry_free(entry);
				ret = -EINVAL;
			}
			if (!ret && (ret = insert_entry(journal, entry, NULL)))
				entry_free(entry);
		}
	}
	json_object_put(root);
	if (ret) {
		umdev_log(UMDEV_LOG_WARNING, "journal: %s: %s", path, why ? why : strerror(-ret));
		free_entries(journal);
	}
	return ret;
}

/* Applies one log record to the list; -EINVAL when it does not fit the list. */
static int apply_record(struct umdev_journal *journal, json_object *record)
{
	const char *op = string_member(record, "op"), *uuid = string_member(record, "uuid");
	struct journal_entry *entry = uuid ? find_entry(journal, uuid) : NULL;
	uint8_t bytes[UMDEV_UUID_SIZE];

	if (!op || !uuid || strlen(uuid) != UMDEV_UUID_STRING_LEN || umdev_uuid_parse(uuid, bytes))
		return -EINVAL;
	if (!strcmp(op, "create")) {
		const char *parent = string_member(record, "parent"), *type = string_member(record, "type");
		if (entry || !parent || !type)
			return -EINVAL;
		entry = entry_new(uuid, parent, type);
		if (!entry)
			return -ENOMEM;
		if (insert_entry(journal, entry, NULL)) {
			entry_free(entry);
			return -ENOMEM;
		}
		return 0;
	}
	if (!entry)
		return -EINVAL;
	if (!strcmp(op, "remove")) {
		unlink_entry(journal, entry);
		entry_free(entry);
		return 0;
	}
	if (!strcmp(op, "attr")) {
		const char *name = string_member(record, "name"), *value = string_member(record, "value");
		return name && value ? set_attr(entry, name, value) : -EINVAL;
	}
	return -EINVAL;
}

/* One line of the log: 0, or -EINVAL when it is not a whole, good record. */
static int parse_line(char *line, uint64_t *seq, json_object **record)
{
	char *end;
	unsigned long crc;
	size_t len;

	errno = 0;
	*seq = strtoull(line, &end, 10);
	if (errno || end == line || *end != ' ')
		return -EINVAL;
	crc = strtoul(end + 1, &end, 16);
	if (*end != ' ')
		return -EINVAL;
	end++;
	len = strlen(end);
	if (crc != crc32(0, (const Bytef *)end, (uInt)len))
		return -EINVAL;
	*record = json_tokener_parse(end);
	if (!*record || !json_object_is_type(*record, json_type_object)) {
		json_object_put(*record);
		return -EINVAL;
	}
	return 0;
}

/*
 * Replays the records of the log that follow @after (the snapshot's
 * log_seq). Returns 0; -ENOMEM; or -EINVAL when the log is damaged (a bad
 * record with records after it, or one that does not follow on: the
 * records before it are applied).
 */
static int replay_log(struct umdev_journal *journal, uint64_t after)
{
	uint64_t last = after;
	size_t size;
	char *text, *line, *next;
	int ret = read_file(journal->log_path, &text, &size);

	journal->seq = after;
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	/* A block torn by a crash may read as zeros: they end a line like newlines. */
	for (size_t i = 0; i < size; i++)
		if (!text[i])
			text[i] = '\n';
	for (line = text; *line; line = next) {
		json_object *record = NULL;
		bool torn = false;
		uint64_t seq = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (!*line)
			continue;
		ret = parse_line(line, &seq, &record);
		torn = ret != 0;
		if (!ret && seq <= after) {
			json_object_put(record);
			continue; /* in the snapshot already */
		}
		if (!ret)
			ret = seq == last + 1 ? apply_record(journal, record) : -EINVAL;
		json_object_put(record);
		if (ret == -ENOMEM)
			break;
		if (ret) {
			bool more = false;

			for (char *rest = next; *rest && !more; rest++)
				more = *rest != '\n';
			if (torn && !more) {
				/* Never acknowledged: its append did not finish. */
				umdev_log(UMDEV_LOG_INFO, "journal: %s: dropped an unfinished last record",
					  journal->log_path);
				journal->must_compact = true;
				ret = 0;
			} else {
				umdev_log(UMDEV_LOG_WARNING, "journal: %s: damaged after record %" PRIu64
					  "; the records up to it are used", journal->log_path, last);
			}
			break;
		}
		last = seq;
	}
	free(text);
	journal->seq = last;
	return ret;
}

/*
 * Loads the snapshot @path (NULL: start from no device) and the log after
 * it. -ENOENT: no such snapshot; -EINVAL: the snapshot is damaged. A
 * damaged log is kept aside and what it held up to the damage is used.
 */
static int load(struct umdev_journal *journal, const char *path)
{
	uint64_t log_seq = 0;
	int ret = path ? load_snapshot(journal, path, &log_seq) : 0;

	if (ret)
		return ret;
	ret = replay_log(journal, log_seq);
	if (ret == -EINVAL) {
		char *corrupt = path_with(journal->log_path, ".corrupt");

		if (corrupt && !rename(journal->log_path, corrupt))
			umdev_log(UMDEV_LOG_WARNING, "journal: kept the damaged log as %s", corrupt);
		free(corrupt);
		journal->must_compact = true;
		journal->log_dir_synced = false;
		ret = 0;
	}
	if (ret)
		free_entries(journal);
	return ret;
}

/* Whether the log holds every record from the first (so that an empty state plus it is exact). */
static bool log_starts_at_one(const char *log_path)
{
	char buf[32] = "";
	FILE *f = fopen(log_path, "re");
	bool yes;

	if (!f)
		return false;
	yes = fgets(buf, sizeof(buf), f) && !strncmp(buf, "1 ", 2);
	fclose(f);
	return yes;
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
	TAILQ_INIT(&journal->entries);
	journal->path = strdup(path);
	journal->log_path = path_with(path, ".log");
	if (!journal->path || !journal->log_path) {
		free(journal->path);
		free(journal->log_path);
		free(journal);
		return -ENOMEM;
	}
	pthread_mutex_init(&journal->lock, NULL);
	/* The log exists already (or is made with its directory entry synced). */
	journal->log_dir_synced = !access(journal->log_path, F_OK);

	ret = lock_journal(journal);
	if (ret) {
		umdev_journal_close(journal);
		return ret;
	}
	ret = load(journal, path);
	if (ret == -ENOENT) {
		ret = load(journal, NULL); /* a first start, or only the log so far */
	} else if (ret == -EINVAL) {
		/* Damaged: keep it for a person to look at, fall back to the state before. */
		char *corrupt = path_with(path, ".corrupt");
		char *prev = path_with(path, ".prev");
		if (corrupt && prev && !rename(path, corrupt)) {
			umdev_log(UMDEV_LOG_WARNING, "journal: kept the damaged journal as %s", corrupt);
			ret = load(journal, prev);
			if (ret == -ENOENT && log_starts_at_one(journal->log_path))
				ret = load(journal, NULL); /* the log holds the whole history */
			if (!ret)
				umdev_log(UMDEV_LOG_WARNING, "journal: using the state before the last snapshot, %s, and the log (%zu devices)",
					prev, journal->count);
			else if (ret == -ENOENT)
				ret = -EINVAL;
			journal->must_compact = true;
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
	struct journal_entry *entry = entry_new(umdev_device_name(mdev),
						 umdev_type_parent(type)->name, umdev_type_id(type));
	json_object *record;
	int ret;

	if (!entry)
		return -ENOMEM;
	record = new_record("create", entry->uuid);
	record_add(record, "parent", entry->parent);
	record_add(record, "type", entry->type);
	pthread_mutex_lock(&journal->lock);
	ret = insert_entry(journal, entry, NULL);
	if (!ret) {
		ret = log_append(journal, record);
		if (ret) {
			unlink_entry(journal, entry);
			umdev_log(UMDEV_LOG_ERROR, "journal: cannot record %s: %s", entry->uuid,
				strerror(-ret));
		}
	}
	pthread_mutex_unlock(&journal->lock);
	json_object_put(record);
	if (ret)
		entry_free(entry);
	return ret;
}

static int record_remove(struct umdev_device *mdev, void *arg)
{
	struct umdev_journal *journal = arg;
	json_object *record = new_record("remove", umdev_device_name(mdev));
	int ret = 0;

	pthread_mutex_lock(&journal->lock);
	struct journal_entry *found = find_entry(journal, umdev_device_name(mdev));
	if (found) {
		struct journal_entry *next = unlink_entry(journal, found);
		ret = log_append(journal, record);
		if (ret) {
			insert_entry(journal, found, next); /* back where it was; cannot fail */
			umdev_log(UMDEV_LOG_ERROR, "journal: cannot record the removal of %s: %s",
				found->uuid, strerror(-ret));
		} else {
			entry_free(found);
		}
	}
	pthread_mutex_unlock(&journal->lock);
	json_object_put(record);
	return ret;
}

static int record_change(struct umdev_device *mdev, const struct umdev_attribute *attr, void *arg)
{
	struct umdev_journal *journal = arg;
	char value[UMDEV_ATTR_BUF_SIZE + 1];
	char name[2 * UMDEV_NAME_MAX + 2];
	json_object *record;
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
	record = new_record("attr", umdev_device_name(mdev));
	record_add(record, "name", name);
	record_add(record, "value", value);

	pthread_mutex_lock(&journal->lock);
	struct journal_entry *entry = find_entry(journal, umdev_device_name(mdev));
	if (!entry) {
		pthread_mutex_unlock(&journal->lock);
		json_object_put(record);
		return 0;
	}
	char *old = NULL;
	for (size_t i = 0; i < entry->nr_attrs; i++)
		if (!strcmp(entry->attrs[i].name, name))
			old = strdup(entry->attrs[i].value);
	ret = set_attr(entry, name, value);
	if (!ret) {
		ret = log_append(journal, record);
		if (ret) {
			umdev_log(UMDEV_LOG_ERROR, "journal: cannot record %s of %s: %s", name,
				entry->uuid, strerror(-ret));
			/* Back to what the files hold. */
			if (old)
				set_attr(entry, name, old);
			else
				drop_last_attr(entry);
		}
	}
	pthread_mutex_unlock(&journal->lock);
	json_object_put(record);
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
	struct journal_entry *entry, *next;
	int restored = 0, ret;

	/*
	 * Not recording yet, so nothing else touches the entries; the lock is
	 * not held across creates, as the core's journal lock nests outside it.
	 */
	for (entry = TAILQ_FIRST(&journal->entries); entry; entry = next) {
		next = TAILQ_NEXT(entry, link);
		if (!restore_entry(entry)) {
			restored++;
			continue;
		}
		unlink_entry(journal, entry);
		entry_free(entry);
	}
	/* One snapshot of what came back; the log starts empty. */
	pthread_mutex_lock(&journal->lock);
	ret = compact(journal);
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
	struct journal_entry *entry, *next, **dropped, **followers;
	size_t nr = 0;
	int ret;

	pthread_mutex_lock(&journal->lock);
	dropped = calloc(journal->count + 1, sizeof(*dropped));
	followers = calloc(journal->count + 1, sizeof(*followers));
	if (!dropped || !followers) {
		pthread_mutex_unlock(&journal->lock);
		free(dropped);
		free(followers);
		return -ENOMEM;
	}
	for (entry = TAILQ_FIRST(&journal->entries); entry; entry = next) {
		next = TAILQ_NEXT(entry, link);
		if (!strcmp(entry->parent, parent)) {
			followers[nr] = unlink_entry(journal, entry);
			dropped[nr++] = entry;
		}
	}
	/* A rare change (a reload): a snapshot without them, not a record each. */
	ret = nr ? compact(journal) : 0;
	if (ret) {
		umdev_log(UMDEV_LOG_ERROR, "journal: cannot forget the devices of %s: %s",
			parent, strerror(-ret));
		/* Back in reverse, each before what followed it then. */
		while (nr--)
			insert_entry(journal, dropped[nr], followers[nr]);
	} else {
		while (nr--)
			entry_free(dropped[nr]);
	}
	pthread_mutex_unlock(&journal->lock);
	free(dropped);
	free(followers);
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
	free_entries(journal);
	free(journal->buckets);
	pthread_mutex_destroy(&journal->lock);
	if (journal->lock_fd >= 0)
		close(journal->lock_fd);
	free(journal->path);
	free(journal->log_path);
	free(journal);
}
