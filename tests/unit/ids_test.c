// SPDX-License-Identifier: GPL-2.0
/*
 * `gpuvfio ids` and `gpuvfio monitor`: argument parsing, the list
 * arithmetic of add and del, and what they print. The test stands in for
 * the kernel: ids.o's netlink calls come here (linked with --wrap).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ids.h"
#include "monitor.h"
#include "nl.h"
#include "test.h"

static struct {
	char ids[GPUVFIO_LIST_MAX];	/* the module's list */
	int set_err;
	bool old_module;
	int gets, sets;
	char sent[GPUVFIO_LIST_MAX];
	char exclude[GPUVFIO_LIST_MAX];		/* the module's exclude list */
	char sent_exclude[GPUVFIO_LIST_MAX];
	int sub_err;		/* gv_nl_subscribe_events()'s, never 0 */
} k;

static char dummy;

int __wrap_gv_nl_open(struct gv_nl **nl)
{
	*nl = (struct gv_nl *)&dummy;
	return 0;
}

void __wrap_gv_nl_close(struct gv_nl *nl)
{
	(void)nl;
}

bool __wrap_gv_nl_require_op(struct gv_nl *nl, uint8_t cmd, const char *what)
{
	(void)nl;
	if (!k.old_module || cmd != GPUVFIO_CMD_SET_CONFIG)
		return true;
	fprintf(stderr, "gpuvfio: the loaded gpuvfio module (version 0.1) is too old for `%s`: it has no %s; update it\n",
		what, gv_nl_cmd_name(cmd));
	return false;
}

void __wrap_gv_nl_set_quiet(struct gv_nl *nl, bool quiet)
{
	(void)nl;
	(void)quiet;
}

const char *__wrap_gv_nl_last_message(const struct gv_nl *nl)
{
	(void)nl;
	return NULL;
}

const char *__wrap_gv_nl_last_ack_text(const struct gv_nl *nl)
{
	(void)nl;
	return NULL;
}

/* monitor: only the ways joining "events" fails (success would wait for
 * events for ever). */
int __wrap_gv_nl_subscribe_events(struct gv_nl *nl)
{
	(void)nl;
	return k.sub_err ? k.sub_err : -EIO;
}

static void fill(struct gv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->loaded = true;
	cfg->source = "netlink";
	snprintf(cfg->version, sizeof(cfg->version), "0.2.0");
	snprintf(cfg->ids, sizeof(cfg->ids), "%s", k.ids);
	snprintf(cfg->exclude, sizeof(cfg->exclude), "%s", k.exclude);
	cfg->have_managed = true;
	cfg->managed = 2;
}

int __wrap_gv_nl_get_config(struct gv_nl *nl, struct gv_config *cfg)
{
	(void)nl;
	k.gets++;
	fill(cfg);
	return 0;
}

int __wrap_gv_nl_set_config(struct gv_nl *nl, const char *ids, const char *exclude,
			    struct gv_config *cfg)
{
	(void)nl;
	k.sets++;
	snprintf(k.sent, sizeof(k.sent), "%s", ids ? ids : "(null)");
	snprintf(k.sent_exclude, sizeof(k.sent_exclude), "%s", exclude ? exclude : "(null)");
	if (k.set_err)
		return k.set_err;
	if (ids)
		snprintf(k.ids, sizeof(k.ids), "%s", ids);
	if (exclude)
		snprintf(k.exclude, sizeof(k.exclude), "%s", exclude);
	fill(cfg);
	return 0;
}

static void reset(const char *ids)
{
	memset(&k, 0, sizeof(k));
	snprintf(k.ids, sizeof(k.ids), "%s", ids);
	snprintf(k.exclude, sizeof(k.exclude), "0000:01:00.0");
}

static void test_ids(void)
{
	struct run r;

	fake_init();
	/* show reads through the one device source, which under a moved
	 * sysfs root is sysfs: the fake module's files, not netlink. */
	fake_module("0.2.0", "10de:1bb3", "0000:01:00.0");
	fake_managed("0000:01:00.0", "nouveau", "", "vfio");
	fake_managed("0000:01:00.1", "snd_hda_intel", "", "vfio");

	reset("10de:1bb3");
	run_tool(&r, "ids", NULL);
	check(r.status == 0 && k.sets == 0, "ids: shows, changes nothing");
	check(k.gets == 0, "ids: read through the device source (sysfs here), not netlink directly");
	check_str(r.out, "ids:     10de:1bb3\nexclude: 0000:01:00.0\n", "ids: the lists");
	run_tool(&r, "ids", "show", "-j", NULL);
	check(r.status == 0 && json_valid(r.out), "ids show -j: valid JSON");
	check_str(r.out, "{\"version\":\"0.2.0\",\"ids\":[\"10de:1bb3\"],\"exclude\":[\"0000:01:00.0\"],\"managed\":2}\n",
		  "ids show -j: version, ids, exclude, managed");

	reset("10de:1bb3");
	run_tool(&r, "ids", "set", "10DE:1BB4, 1002:692f", "10de:1bb3:10de:11d8", NULL);
	check(r.status == 0 && k.sets == 1 && !strcmp(k.sent, "10de:1bb4,1002:692f,10de:1bb3:10de:11d8"),
	      "ids set: the arguments, checked and canonical, in one list (sent '%s')", k.sent);
	check_contains(r.out, "ids:     10de:1bb4,1002:692f,10de:1bb3:10de:11d8\n",
		       "ids set: prints the module's list after");

	reset("10de:1bb3");
	run_tool(&r, "ids", "set", "", NULL);
	check(r.status == 0 && k.sets == 1 && !strcmp(k.sent, ""), "ids set '': empties the list");

	reset("10de:1bb3");
	run_tool(&r, "ids", "add", "1002:692f", NULL);
	check(r.status == 0 && k.sets == 1 && !strcmp(k.sent, "10de:1bb3,1002:692f"),
	      "ids add: appended to the module's list");
	reset("10de:1bb3");
	run_tool(&r, "ids", "add", "10de:1bb3", NULL);
	check(r.status == 0 && k.sets == 0 && strstr(r.err, "10de:1bb3 is in the list already"),
	      "ids add of an ID in the list: said, nothing sent, exit 0");
	reset("10de:1bb3,1002:692f,10de:1bb3:10de:11d8");
	run_tool(&r, "ids", "del", "10de:1bb3", NULL);
	check(r.status == 0 && k.sets == 1 && !strcmp(k.sent, "1002:692f,10de:1bb3:10de:11d8"),
	      "ids del: exactly that ID goes, not the one with a subsystem");
	reset("10de:1bb3");
	run_tool(&r, "ids", "del", "1002:692f", NULL);
	check(r.status == 0 && k.sets == 0 && strstr(r.err, "1002:692f is not in the list"),
	      "ids del of an ID not in the list: said, nothing sent");

	reset("10de:1bb3");
	k.set_err = -EPERM;
	run_tool(&r, "ids", "add", "1002:692f", NULL);
	check(r.status == 1 && strstr(r.err, "changing the ids list needs root (CAP_SYS_ADMIN): run as root"),
	      "ids add as a user: run as root");
	reset("10de:1bb3");
	k.set_err = -EINVAL;
	run_tool(&r, "ids", "set", "1002:692f", NULL);
	check(r.status == 1 && strstr(r.err, "the module refused the ids list '1002:692f'"),
	      "a refused list: exit 1, named");

	reset("10de:1bb3");
	k.old_module = true;
	run_tool(&r, "ids", "set", "1002:692f", NULL);
	check(r.status == 1 && k.sets == 0 &&
	      strstr(r.err, "too old for `gpuvfio ids set`: it has no GPUVFIO_CMD_SET_CONFIG; update it"),
	      "a module without SET_CONFIG: too old, said plainly");
	run_tool(&r, "ids", "show", NULL);
	check(r.status == 0, "but ids show works with it");

	/* The list is full. */
	{
		char list[GPUVFIO_LIST_MAX] = "";
		size_t len = 0;
		int i;

		for (i = 0; i < GV_MAX_LIST; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s10de:%04x",
						i ? "," : "", i);
		reset(list);
	}
	run_tool(&r, "ids", "add", "1002:692f", NULL);
	check(r.status == 1 && k.sets == 0 && strstr(r.err, "holds at most 64"),
	      "ids add to a full list: refused, nothing sent");
}

static void test_ids_usage(void)
{
	static const char *const bad[][4] = {
		{ "ids", "frob", NULL },
		{ "ids", "show", "10de:1bb3", NULL },
		{ "ids", "set", NULL },
		{ "ids", "set", "10de:1bb", NULL },
		{ "ids", "set", "10de:1bb3,zz", NULL },
		{ "ids", "set", "01:00.0", NULL },
		{ "ids", "set", "all", NULL },
		{ "ids", "add", NULL },
		{ "ids", "add", "10de", NULL },
		{ "ids", "del", "", NULL },
		{ "ids", "--bogus", NULL },
		{ "monitor", "now", NULL },
		{ "monitor", "-x", NULL },
	};
	struct run r;
	size_t i;

	fake_init();
	fake_module("0.2.0", "10de:1bb3", "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reset("10de:1bb3");
		run_tool(&r, bad[i][0], bad[i][1], bad[i][2], bad[i][3], NULL);
		check(r.status == 2 && k.sets == 0 && k.gets == 0 && *r.err && !*r.out,
		      "'%s %s %s' is a usage error (exit 2), nothing sent", bad[i][0],
		      bad[i][1] ? bad[i][1] : "", bad[i][1] && bad[i][2] ? bad[i][2] : "");
	}
	run_tool(&r, "ids", "set", "10de:1bb3,zz", NULL);
	check_contains(r.err, "'zz' is not a vendor:device ID", "the bad token is named");
	run_tool(&r, "ids", "--help", NULL);
	check(r.status == 0 && strstr(r.out, "Usage: gpuvfio ids"), "ids --help");
	run_tool(&r, "monitor", "--help", NULL);
	check(r.status == 0 && strstr(r.out, "Usage: gpuvfio monitor"), "monitor --help");
	k.sub_err = -EPERM;
	run_tool(&r, "monitor", NULL);
	check(r.status == 1 && !*r.out &&
	      strstr(r.err, "`gpuvfio monitor` needs root here: this kernel lets only CAP_SYS_ADMIN listen"),
	      "monitor where the kernel keeps events to CAP_SYS_ADMIN: needs root, in a sentence, exit 1");
	k.sub_err = -ENOENT;
	run_tool(&r, "monitor", NULL);
	check(r.status == 1 && strstr(r.err, "too old for `gpuvfio monitor`"),
	      "monitor on a module without \"events\": too old");

	fake_init();
	reset("");
	run_tool(&r, "ids", NULL);
	check(r.status == 3 && strstr(r.err, "modprobe gpuvfio"), "ids without the module: exit 3");
	run_tool(&r, "ids", "add", "1:2", NULL);
	check(r.status == 2, "a bad ID is a usage error even without the module");
	run_tool(&r, "monitor", NULL);
	check(r.status == 3 && strstr(r.err, "modprobe gpuvfio"), "monitor without the module: exit 3");
	fake_cleanup();
}

static void test_edit(void)
{
	struct gv_id cur[GV_MAX_LIST], add[2];
	unsigned int n = 0;
	char buf[256];
	char out[256], err[256];

	gv_parse_id(("10de:1bb3"), 9, &cur[0]);
	n = 1;
	gv_parse_id("1002:692f", 9, &add[0]);
	gv_parse_id("1002:692f", 9, &add[1]);
	capture_begin();
	check(gv_ids_edit(cur, &n, add, 2, true) == 1 && n == 2, "add: a repeated ID once");
	capture_end(out, sizeof(out), err, sizeof(err));
	gv_format_id_list(buf, sizeof(buf), cur, n);
	check_str(buf, "10de:1bb3,1002:692f", "add: appended at the end");
	capture_begin();
	check(gv_ids_edit(cur, &n, add, 1, false) == 1 && n == 1, "del: removed");
	capture_end(out, sizeof(out), err, sizeof(err));
}

static void test_monitor_print(void)
{
	struct gv_nl_result ev;
	struct gv_nl_dev m[2];
	char out[4096], err[256];

	memset(&ev, 0, sizeof(ev));
	memset(m, 0, sizeof(m));
	ev.received = true;
	ev.event = GPUVFIO_EVENT_BOUND;
	ev.has_txn = true;
	ev.txn = 5;
	ev.outcome = GPUVFIO_OUTCOME_DONE;
	snprintf(ev.message, sizeof(ev.message), "moved 1 device");
	ev.members = m;
	ev.nmembers = 2;
	snprintf(m[0].addr, sizeof(m[0].addr), "0000:01:00.0");
	m[0].fate = GPUVFIO_FATE_MOVE;
	m[0].has_from = m[0].has_to = true;
	snprintf(m[0].from_driver, sizeof(m[0].from_driver), "bochs-drm");
	snprintf(m[0].to_driver, sizeof(m[0].to_driver), "vfio-pci");
	m[0].group = 1;
	snprintf(m[1].addr, sizeof(m[1].addr), "0000:00:1c.0");
	m[1].fate = GPUVFIO_FATE_STAY;
	m[1].group = 1;

	capture_begin();
	gv_monitor_print(stdout, false, &ev);
	capture_end(out, sizeof(out), err, sizeof(err));
	check_str(out, "bound (txn 5): moved 1 device [0000:01:00.0 bochs-drm -> vfio-pci]\n",
		  "monitor: one line, the moved devices only");

	capture_begin();
	gv_monitor_print(stdout, true, &ev);
	capture_end(out, sizeof(out), err, sizeof(err));
	check(json_valid(out) && strchr(out, '\n') == out + strlen(out) - 1,
	      "monitor -j: one JSON object on one line");
	check_contains(out, "{\"event\":\"bound\",\"outcome\":\"done\",\"txn\":5,\"errno\":0,"
			    "\"message\":\"moved 1 device\",\"elapsed_ms\":null,\"wait\":null,\"members\":[",
		       "monitor -j: event, then the fields of a bind reply");

	ev.event = GPUVFIO_EVENT_PENDING;
	ev.has_txn = false;
	ev.message[0] = '\0';
	snprintf(ev.wait_addr, sizeof(ev.wait_addr), "0000:01:00.1");
	snprintf(ev.wait_driver, sizeof(ev.wait_driver), "snd_hda_intel");
	capture_begin();
	gv_monitor_print(stdout, false, &ev);
	capture_end(out, sizeof(out), err, sizeof(err));
	check_str(out, "pending [0000:01:00.0 bochs-drm -> vfio-pci]; waiting for snd_hda_intel to let go of 0000:01:00.1\n",
		  "monitor: a pending event says what it waits on");

	/* The rollback could not give the GPU its driver back. */
	ev.event = GPUVFIO_EVENT_ROLLBACK_INCOMPLETE;
	ev.outcome = GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE;
	ev.has_txn = true;
	ev.err = EIO;
	ev.wait_addr[0] = ev.wait_driver[0] = '\0';
	snprintf(ev.message, sizeof(ev.message), "vfio-pci probe failed; rollback incomplete");
	m[0].progress = GPUVFIO_PROGRESS_STRANDED;
	m[0].err = EIO;
	capture_begin();
	gv_monitor_print(stdout, false, &ev);
	capture_end(out, sizeof(out), err, sizeof(err));
	check_str(out, "rollback_incomplete (txn 5): vfio-pci probe failed; rollback incomplete "
		       "[0000:01:00.0 bochs-drm -> vfio-pci (failed: Input/output error)]; "
		       "left without a driver: 0000:01:00.0\n",
		  "monitor: rollback_incomplete names the stranded device");
	capture_begin();
	gv_monitor_print(stdout, true, &ev);
	capture_end(out, sizeof(out), err, sizeof(err));
	check(json_valid(out) && strstr(out, "{\"event\":\"rollback_incomplete\",\"outcome\":\"rollback_incomplete\",") &&
	      strstr(out, "\"progress\":\"stranded\""),
	      "monitor -j: rollback_incomplete, its outcome, the stranded progress");

	/* A RUNNING transaction refused after all, without a sentence. */
	ev.event = GPUVFIO_EVENT_REFUSED;
	ev.outcome = GPUVFIO_OUTCOME_REFUSED;
	ev.err = EBUSY;
	ev.message[0] = '\0';
	ev.nmembers = 0;
	capture_begin();
	gv_monitor_print(stdout, false, &ev);
	capture_end(out, sizeof(out), err, sizeof(err));
	check_str(out, "refused (txn 5): Device or resource busy\n",
		  "monitor: refused, with its errno when it has no sentence");
}

/* The persisted file's content, "" when there is none. Static buffer. */
static const char *persisted(const char *dir)
{
	static char buf[8192];
	char path[4096];
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/gpuvfio-ids.conf", dir);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (f) {
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[len] = '\0';
	return buf;
}

/* The file's one options line, "" when there is none. */
static const char *options_line(const char *dir)
{
	static char line[8192];
	const char *p = strstr(persisted(dir), "\noptions ");

	line[0] = '\0';
	if (p)
		sscanf(p + 1, "%8191[^\n]", line);
	return line;
}

static void test_persist(void)
{
	char dir[] = "/tmp/gpuvfio-persist.XXXXXX", path[4096];
	struct run r;

	if (!mkdtemp(dir)) {
		check(false, "persist: a temporary directory");
		return;
	}
	setenv("GPUVFIO_MODPROBE_D", dir, 1);
	snprintf(path, sizeof(path), "%s/gpuvfio-ids.conf", dir);

	/* Without the module: the file alone. */
	fake_init();
	reset("");
	run_tool(&r, "ids", "set", "10DE:1BB3", "--persist", NULL);
	check(r.status == 0 && k.sets == 0 && k.gets == 0,
	      "ids set --persist without the module: exit 0, nothing sent");
	check_str(options_line(dir), "options gpuvfio ids=10de:1bb3",
		  "ids set --persist: the options line, canonical");
	check(persisted(dir)[0] == '#', "ids set --persist: the file says what wrote it");
	check_contains(r.err, "not loaded", "without the module: said so");
	check_contains(r.err, path, "it names the file");
	check_contains(r.err, "update-initramfs -u", "and says to update the initramfs");
	run_tool(&r, "ids", "add", "--persist", "1002:692f", NULL);
	check_str(options_line(dir), "options gpuvfio ids=10de:1bb3,1002:692f",
		  "ids add --persist without the module: added to the persisted list");
	run_tool(&r, "ids", "del", "--persist", "10de:1bb3", NULL);
	check_str(options_line(dir), "options gpuvfio ids=1002:692f",
		  "ids del --persist without the module: removed from the persisted list");
	run_tool(&r, "ids", "set", "--persist", "10de:1bb3,zz", NULL);
	check(r.status == 2 && !strcmp(options_line(dir), "options gpuvfio ids=1002:692f"),
	      "a bad ID with --persist: usage error, the file unchanged");
	run_tool(&r, "ids", "show", "--persist", NULL);
	check(r.status == 2, "ids show --persist: usage error");
	run_tool(&r, "ids", "set", "", "--persist", NULL);
	check(r.status == 0 && access(path, F_OK) && errno == ENOENT,
	      "ids set '' --persist: the file is removed");

	/* exclude is persisted the same way, in the same file, next to ids. */
	run_tool(&r, "ids", "set", "--persist", "10de:1bb3", NULL);
	run_tool(&r, "exclude", "set", "--persist", "02:00.0", NULL);
	check(r.status == 0 && k.sets == 0, "exclude set --persist without the module: exit 0, nothing sent");
	check_str(options_line(dir), "options gpuvfio ids=10de:1bb3 exclude=0000:02:00.0",
		  "exclude set --persist: canonical, next to the persisted ids");
	check_contains(r.err, "update-initramfs -u", "exclude set --persist: says to update the initramfs");
	run_tool(&r, "exclude", "add", "--persist", "0000:03:00.0", NULL);
	check_str(options_line(dir), "options gpuvfio ids=10de:1bb3 exclude=0000:02:00.0,0000:03:00.0",
		  "exclude add --persist: added to the persisted list");
	run_tool(&r, "ids", "add", "--persist", "1002:692f", NULL);
	check_str(options_line(dir), "options gpuvfio ids=10de:1bb3,1002:692f exclude=0000:02:00.0,0000:03:00.0",
		  "ids add --persist keeps the persisted exclude list");
	run_tool(&r, "exclude", "del", "--persist", "0000:02:00.0", NULL);
	check_str(options_line(dir), "options gpuvfio ids=10de:1bb3,1002:692f exclude=0000:03:00.0",
		  "exclude del --persist: removed, the ids kept");
	run_tool(&r, "exclude", "set", "--persist", "0000:03:00.0,1234:1111", NULL);
	check(r.status == 2 && strstr(r.err, "'1234:1111' is not a PCI address") &&
	      !strcmp(options_line(dir), "options gpuvfio ids=10de:1bb3,1002:692f exclude=0000:03:00.0"),
	      "a bad address with --persist: usage error naming it, the file unchanged");
	run_tool(&r, "ids", "set", "--persist", "", NULL);
	check_str(options_line(dir), "options gpuvfio exclude=0000:03:00.0",
		  "ids set '' --persist: the exclude list stays");
	run_tool(&r, "exclude", "set", "--persist", "", NULL);
	check(r.status == 0 && access(path, F_OK) && errno == ENOENT,
	      "both lists empty: the file is removed");

	/* With the module: the module's list after the change is persisted. */
	fake_module("0.2.0", "10de:1bb3", "");
	reset("10de:1bb3");
	run_tool(&r, "ids", "add", "1002:692f", "--persist", NULL);
	check(r.status == 0 && k.sets == 1 && !strcmp(k.sent, "10de:1bb3,1002:692f"),
	      "ids add --persist with the module: sent to the module");
	check_str(options_line(dir), "options gpuvfio ids=10de:1bb3,1002:692f",
		  "and the module's new list persisted");
	reset("10de:1bb3");
	k.set_err = -EINVAL;
	run_tool(&r, "ids", "set", "1234:1111", "--persist", NULL);
	check(r.status == 1 && !strcmp(options_line(dir), "options gpuvfio ids=10de:1bb3,1002:692f"),
	      "a list the module refuses is not persisted");

	reset("10de:1bb3");
	run_tool(&r, "exclude", "add", "0000:05:00.0", "--persist", NULL);
	check(r.status == 0 && k.sets == 1 && !strcmp(k.sent, "(null)") &&
	      !strcmp(k.sent_exclude, "0000:01:00.0,0000:05:00.0"),
	      "exclude add with the module: the new exclude list sent alone (sent '%s')", k.sent_exclude);
	check_str(options_line(dir), "options gpuvfio ids=10de:1bb3,1002:692f exclude=0000:01:00.0,0000:05:00.0",
		  "and the module's new exclude list persisted next to the ids");
	check_contains(r.out, "exclude: 0000:01:00.0,0000:05:00.0\n", "exclude add: prints the lists after");

	setenv("GPUVFIO_MODPROBE_D", "/nonexistent/gpuvfio-test", 1);
	reset("10de:1bb3");
	run_tool(&r, "ids", "set", "1234:1111", "--persist", NULL);
	check(r.status == 1 && strstr(r.err, "could not write /nonexistent/gpuvfio-test/gpuvfio-ids.conf") &&
	      strstr(r.err, "not persisted"),
	      "an unwritable directory: exit 1, the file named");

	unsetenv("GPUVFIO_MODPROBE_D");
	unlink(path);
	rmdir(dir);
	fake_cleanup();
}

int main(void)
{
	setenv("GPUVFIO_PCI_IDS", "/dev/null", 1);
	test_ids();
	test_ids_usage();
	test_edit();
	test_persist();
	test_monitor_print();
	fake_cleanup();
	return test_done();
}
