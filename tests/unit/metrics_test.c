// SPDX-License-Identifier: GPL-2.0
/*
 * `gpuvfio metrics` end to end against fake sysfs trees: the exposition
 * text (one HELP and TYPE per family, before its samples; counters named
 * *_total; label values escaped), the module's counters from
 * /sys/kernel/gpuvfio/stats/, the series without the module, the VFIO
 * user found by its open /dev/vfio/N, --output written whole or not at
 * all, and usage errors that write nothing. Prometheus's own promtool
 * judges the output, after it is shown to reject a broken text.
 */
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

static char root[256];

static void fd_link(const char *pid, const char *fd, const char *node)
{
	char target[PATH_MAX], link[PATH_MAX], rel[64];

	snprintf(rel, sizeof(rel), "proc/%s/fd/.keep", pid);
	fake_file(rel, "");
	snprintf(target, sizeof(target), "%s/%s", root, node);
	snprintf(link, sizeof(link), "%s/proc/%s/fd/%s", root, pid, fd);
	unlink(link);
	if (symlink(target, link))
		perror(link);
}

static void stats(const char *binds, const char *last_ns)
{
	fake_file("kernel/gpuvfio/stats/binds", binds);
	fake_file("kernel/gpuvfio/stats/unbinds", "2\n");
	fake_file("kernel/gpuvfio/stats/claims", "5\n");
	fake_file("kernel/gpuvfio/stats/rollbacks", "1\n");
	fake_file("kernel/gpuvfio/stats/rollbacks_incomplete", "0\n");
	fake_file("kernel/gpuvfio/stats/refusals", "4\n");
	fake_file("kernel/gpuvfio/stats/nothing", "6\n");
	fake_file("kernel/gpuvfio/stats/dry_runs", "7\n");
	fake_file("kernel/gpuvfio/stats/running", "2\n");
	fake_file("kernel/gpuvfio/stats/pending", "1\n");
	fake_file("kernel/gpuvfio/stats/last_ns", last_ns);
}

/*
 * group 1: a GPU and its audio on host drivers (the driver's name has a
 * quote and a backslash in it); 2: a NIC; 3: a GPU on vfio-pci, managed,
 * that QEMU (pid 104) holds through /dev/vfio/3; 4: a GPU on vfio-pci
 * that nobody holds.
 */
static void make_host(bool module)
{
	char p[PATH_MAX];

	snprintf(root, sizeof(root), "%s", fake_init());
	snprintf(p, sizeof(p), "%s/proc", root);
	setenv("GPUVFIO_PROC_ROOT", p, 1);
	snprintf(p, sizeof(p), "%s/dev", root);
	setenv("GPUVFIO_DEV_ROOT", p, 1);
	fake_dev("0000:01:00.0", 0x1234, 0x1111, 0x030000, "we\"ird\\drv", 1);
	fake_dev("0000:01:00.1", 0x8086, 0x2668, 0x040300, "snd_hda_intel", 1);
	fake_dev("0000:02:00.0", 0x8086, 0x10d3, 0x020000, "e1000e", 2);
	fake_dev("0000:03:00.0", 0x10de, 0x1bb3, 0x030200, "vfio-pci", 3);
	fake_dev("0000:04:00.0", 0x10de, 0x1bb3, 0x030200, "vfio-pci", 4);
	fake_file("dev/vfio/3", "");
	fake_file("dev/vfio/4", "");
	fake_file("proc/104/comm", "qemu-system-x86\n");
	fd_link("104", "20", "dev/vfio/3");
	if (!module)
		return;
	/* A version with a quote, a backslash and a newline in it. */
	fake_module("9.9\"a\\b\nc", "10de:1bb3,1234:1111", "0000:01:00.0");
	fake_managed("0000:03:00.0", "nouveau", "", "vfio");
	stats("3\n", "1500000000\n");
}

/* ---- The exposition format's rules, checked line by line ------------- */

#define MAX_FAMILIES 64

struct families {
	char name[MAX_FAMILIES][128];
	char type[MAX_FAMILIES][16];
	int help[MAX_FAMILIES], typed[MAX_FAMILIES], samples[MAX_FAMILIES];
	int n;
};

static int fam_find(struct families *fs, const char *name)
{
	int i;

	for (i = 0; i < fs->n; i++)
		if (!strcmp(fs->name[i], name))
			return i;
	if (fs->n == MAX_FAMILIES)
		return -1;
	snprintf(fs->name[fs->n], sizeof(fs->name[0]), "%s", name);
	return fs->n++;
}

/*
 * Every family: one HELP and one TYPE, both before its first sample, its
 * samples together; counters end in _total; every line ends in a newline.
 * Returns a description of the first problem, or NULL.
 */
static const char *format_problem(const char *text, struct families *fs)
{
	static char why[256];
	char line[4096], name[128];
	const char *p = text, *nl;
	int i, last = -1;
	size_t len;

	memset(fs, 0, sizeof(*fs));
	if (*text && text[strlen(text) - 1] != '\n')
		return "the text does not end in a newline";
	for (; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		len = (size_t)(nl - p);
		if (len >= sizeof(line))
			return "a line too long";
		memcpy(line, p, len);
		line[len] = '\0';
		if (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7)) {
			if (sscanf(line + 7, "%127s", name) != 1)
				return "HELP or TYPE without a name";
			i = fam_find(fs, name);
			if (i < 0)
				return "too many families";
			if (fs->samples[i]) {
				snprintf(why, sizeof(why), "%s: HELP or TYPE after its samples", name);
				return why;
			}
			if (line[2] == 'H' && fs->help[i]++) {
				snprintf(why, sizeof(why), "%s: two HELP lines", name);
				return why;
			}
			if (line[2] == 'T') {
				if (fs->typed[i]++) {
					snprintf(why, sizeof(why), "%s: two TYPE lines", name);
					return why;
				}
				sscanf(line + 7 + strlen(name), " %15s", fs->type[i]);
			}
			last = i;
			continue;
		}
		if (line[0] == '#' || !line[0])
			return "a comment or empty line that is neither HELP nor TYPE";
		len = strcspn(line, "{ ");
		snprintf(name, sizeof(name), "%.*s", (int)len, line);
		i = fam_find(fs, name);
		if (i < 0)
			return "too many families";
		if (!fs->typed[i] || !fs->help[i]) {
			snprintf(why, sizeof(why), "%s: a sample before its HELP and TYPE", name);
			return why;
		}
		if (i != last) {
			snprintf(why, sizeof(why), "%s: its samples are not together", name);
			return why;
		}
		fs->samples[i]++;
	}
	for (i = 0; i < fs->n; i++) {
		len = strlen(fs->name[i]);
		if (!strcmp(fs->type[i], "counter") !=
		    (len > 6 && !strcmp(fs->name[i] + len - 6, "_total"))) {
			snprintf(why, sizeof(why), "%s: counters, and only they, end in _total", fs->name[i]);
			return why;
		}
		if (!fs->help[i] || !fs->typed[i]) {
			snprintf(why, sizeof(why), "%s: no HELP or no TYPE", fs->name[i]);
			return why;
		}
	}
	return NULL;
}

static const char *type_of(struct families *fs, const char *name)
{
	int i;

	for (i = 0; i < fs->n; i++)
		if (!strcmp(fs->name[i], name))
			return fs->type[i];
	return "";
}

static void test_judge(void)
{
	struct families fs;

	/* The checker itself rejects what it is there to reject. */
	check(format_problem("# HELP a_total x\n# TYPE a_total counter\na_total 1\n", &fs) == NULL,
	      "judge: a well-formed counter passes");
	check(format_problem("# HELP a x\n# TYPE a counter\na 1\n", &fs) != NULL,
	      "judge: a counter without _total fails");
	check(format_problem("# HELP a x\n# TYPE a gauge\na 1\n# HELP a x\n", &fs) != NULL,
	      "judge: a second HELP fails");
	check(format_problem("a 1\n# HELP a x\n# TYPE a gauge\n", &fs) != NULL,
	      "judge: a sample before its TYPE fails");
	check(format_problem("# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na 2\n", &fs) != NULL,
	      "judge: samples of a family apart fail");
}

/* ---- The text --------------------------------------------------------- */

static void test_with_module(void)
{
	struct families fs;
	const char *why;
	struct run r;

	make_host(true);
	run_tool(&r, "metrics", NULL);
	check(r.status == 0, "metrics: exit 0 (got %d: %s)", r.status, r.err);
	why = format_problem(r.out, &fs);
	check(!why, "metrics: one HELP and TYPE per family, before its samples; counters *_total (%s)",
	      why ? why : "ok");
	check_contains(r.out, "\ngpuvfio_module_loaded 1\n", "module loaded");
	check_contains(r.out, "gpuvfio_module_info{version=\"9.9\\\"a\\\\b\\nc\"} 1\n",
		       "label value: quote, backslash and newline escaped");
	check_contains(r.out, "driver=\"we\\\"ird\\\\drv\"", "a driver's name escaped as a label value");
	check_contains(r.out, "\ngpuvfio_ids_entries 2\n", "ids entries");
	check_contains(r.out, "\ngpuvfio_exclude_entries 1\n", "exclude entries");
	check_contains(r.out, "\ngpuvfio_managed_devices 1\n", "managed devices");
	check_contains(r.out, "\ngpuvfio_binds_total 3\n", "binds counter");
	check_contains(r.out, "\ngpuvfio_unbinds_total 2\n", "unbinds counter");
	check_contains(r.out, "\ngpuvfio_claims_total 5\n", "claims counter");
	check_contains(r.out, "\ngpuvfio_rollbacks_total 1\n", "rollbacks counter");
	check_contains(r.out, "\ngpuvfio_rollbacks_incomplete_total 0\n", "incomplete rollbacks counter");
	check_contains(r.out, "\ngpuvfio_refusals_total 4\n", "refusals counter");
	check_contains(r.out, "\ngpuvfio_nothing_to_do_total 6\n", "nothing-to-do counter");
	check_contains(r.out, "\ngpuvfio_dry_runs_total 7\n", "dry-run counter");
	check_contains(r.out, "\ngpuvfio_transactions_running 2\n", "running transactions");
	check_contains(r.out, "\ngpuvfio_transactions_pending 1\n", "pending transactions");
	check_contains(r.out, "\ngpuvfio_last_request_duration_seconds 1.500000000\n",
		       "last request's duration, in seconds");
	check(!strcmp(type_of(&fs, "gpuvfio_binds_total"), "counter") &&
	      !strcmp(type_of(&fs, "gpuvfio_transactions_pending"), "gauge") &&
	      !strcmp(type_of(&fs, "gpuvfio_last_request_duration_seconds"), "gauge"),
	      "counters are counters, gauges gauges");
	check_contains(r.out, "gpuvfio_device_info{address=\"0000:03:00.0\",vendor=\"10de\",device=\"1bb3\",class=\"0302\",driver=\"vfio-pci\",state=\"vfio\",group=\"3\"} 1\n",
		       "a managed GPU's info: IDs, class, driver, state, group");
	check_contains(r.out, "gpuvfio_device_info{address=\"0000:01:00.1\",vendor=\"8086\",device=\"2668\",class=\"0403\",driver=\"snd_hda_intel\",state=\"\",group=\"1\"} 1\n",
		       "a GPU's audio function is shown (no state from sysfs: unmanaged)");
	check(!strstr(r.out, "0000:02:00.0") && !strstr(r.out, "group=\"2\""),
	      "the NIC and its group are not series");
	check_contains(r.out, "gpuvfio_device_managed{address=\"0000:03:00.0\"} 1\n", "managed: 1");
	check_contains(r.out, "gpuvfio_device_managed{address=\"0000:04:00.0\"} 0\n", "not managed: 0");
	check_contains(r.out, "gpuvfio_group_vfio_user{group=\"3\"} 1\n",
		       "a group whose /dev/vfio/N a process holds: owned by a VFIO user");
	check_contains(r.out, "gpuvfio_group_vfio_user{group=\"4\"} 0\n",
		       "a group on vfio-pci that nobody holds: not owned");
	check_contains(r.out, "gpuvfio_group_vfio_user{group=\"1\"} 0\n",
		       "a group on host drivers: not owned");
	check_contains(r.out, "gpuvfio_group_viable{group=\"1\"} 0\n", "host drivers: not viable");
	check_contains(r.out, "gpuvfio_group_viable{group=\"3\"} 1\n", "vfio-pci: viable");
	check(!strstr(r.out, "gpuvfio_group_busy"),
	      "busy is the module's to say: no series from sysfs");
}

static void test_stats_edges(void)
{
	char path[PATH_MAX];
	struct run r;

	make_host(true);
	stats("3\n", "0\n");
	run_tool(&r, "metrics", NULL);
	check(r.status == 0 && strstr(r.out, "\ngpuvfio_binds_total 3\n") &&
	      !strstr(r.out, "gpuvfio_last_request_duration_seconds"),
	      "no request ended yet (last_ns 0): counters, but no duration");

	stats("x3\n", "5\n");
	run_tool(&r, "metrics", NULL);
	check(r.status == 0 && strstr(r.out, "\ngpuvfio_module_loaded 1\n") &&
	      !strstr(r.out, "_total") && !strstr(r.out, "gpuvfio_transactions_"),
	      "a counter that is not a number: no counters at all, not wrong ones");

	make_host(true);
	snprintf(path, sizeof(path), "%s/kernel/gpuvfio/stats/pending", root);
	check(unlink(path) == 0, "setup: an older module without stats/pending");
	run_tool(&r, "metrics", NULL);
	check(r.status == 0 && !strstr(r.out, "_total"),
	      "a module without all the stats files (older): no counters");
}

static void test_no_module(void)
{
	struct families fs;
	const char *why;
	struct run r;

	make_host(false);
	run_tool(&r, "metrics", NULL);
	check(r.status == 0, "no module: exit 0 (got %d)", r.status);
	why = format_problem(r.out, &fs);
	check(!why, "no module: the format holds (%s)", why ? why : "ok");
	check_contains(r.out, "\ngpuvfio_module_loaded 0\n", "no module: module_loaded 0");
	check_contains(r.out, "gpuvfio_device_info{address=\"0000:03:00.0\"", "no module: devices are series");
	check_contains(r.out, "gpuvfio_group_vfio_user{group=\"3\"} 1\n", "no module: the VFIO user is found");
	check(!strstr(r.out, "_total") && !strstr(r.out, "gpuvfio_module_info") &&
	      !strstr(r.out, "gpuvfio_ids_entries") && !strstr(r.out, "gpuvfio_transactions_"),
	      "no module: no counters, no module series");
}

/* ---- --output --------------------------------------------------------- */

static int count_entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static bool file_is(const char *path, const char *want)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return !strcmp(buf, want);
}

static void test_output(void)
{
	char dir[512], file[1024], sub[1024];
	static struct run r, shown;
	struct rlimit old, small;
	struct stat st;
	mode_t mask;

	make_host(true);
	snprintf(dir, sizeof(dir), "%s/textfile", root);
	mkdir(dir, 0755);
	snprintf(file, sizeof(file), "%s/gpuvfio.prom", dir);

	run_tool(&shown, "metrics", NULL);
	mask = umask(077);
	run_tool(&r, "metrics", "--output", file, NULL);
	umask(mask);
	check(r.status == 0 && !r.out[0], "--output: exit 0, nothing on stdout (%d: %s)", r.status, r.err);
	check(file_is(file, shown.out), "--output: the file holds what stdout would");
	if (stat(file, &st))
		st.st_mode = 0;
	check((st.st_mode & 0777) == 0644,
	      "--output: mode 0644 whatever the umask (got %o)", (unsigned int)(st.st_mode & 0777));
	check(count_entries(dir) == 1, "--output: no temporary file left (%d entries)", count_entries(dir));

	/* Replaced, not appended to. */
	stats("9\n", "1\n");
	run_tool(&r, "metrics", "-o", file, NULL);
	check(r.status == 0 && !file_is(file, shown.out) && count_entries(dir) == 1,
	      "-o: the file is replaced, still one entry");
	run_tool(&shown, "metrics", NULL);
	check(file_is(file, shown.out), "-o: the new file holds the new counters");

	/* Never half written: a write that fails leaves the old file. */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = 512;
	stats("10\n", "1\n");
	setrlimit(RLIMIT_FSIZE, &small);
	run_tool(&r, "metrics", "-o", file, NULL);
	setrlimit(RLIMIT_FSIZE, &old);
	check(r.status == 1 && strstr(r.err, "File too large; nothing written"),
	      "a write that fails half way: exit 1, said (exit %d)", r.status);
	check(file_is(file, shown.out) && count_entries(dir) == 1,
	      "a write that fails half way: the old file whole, no temporary file");

	/* The target is a directory: the rename fails, nothing is left. */
	snprintf(sub, sizeof(sub), "%s/adir.prom", dir);
	mkdir(sub, 0755);
	run_tool(&r, "metrics", "-o", sub, NULL);
	check(r.status == 1 && count_entries(dir) == 2 && count_entries(sub) == 0,
	      "-o onto a directory: exit 1, no temporary file (%d)", r.status);
	rmdir(sub);

	snprintf(sub, sizeof(sub), "%s/missing/gpuvfio.prom", dir);
	run_tool(&r, "metrics", "-o", sub, NULL);
	check(r.status == 1 && strstr(r.err, "missing/gpuvfio.prom"),
	      "-o into a directory that does not exist: exit 1, naming it");
}

/* ---- Usage ------------------------------------------------------------ */

static void test_usage(void)
{
	char dir[512], file[1024];
	struct run r;

	make_host(true);
	snprintf(dir, sizeof(dir), "%s/usage", root);
	mkdir(dir, 0755);
	snprintf(file, sizeof(file), "%s/g.prom", dir);

	check(run_tool(&r, "metrics", "-o", file, "--bogus", NULL) == 2 && count_entries(dir) == 0,
	      "unknown option: exit 2, nothing written");
	check(run_tool(&r, "metrics", "-o", file, "extra", NULL) == 2 && count_entries(dir) == 0 &&
	      strstr(r.err, "extra"), "an argument: exit 2, nothing written, named");
	check(run_tool(&r, "metrics", "-o", NULL) == 2, "-o without a file: exit 2");
	check(run_tool(&r, "metrics", "-o", "", NULL) == 2, "-o with an empty name: exit 2");
	check(run_tool(&r, "-j", "metrics", "-o", file, NULL) == 2 && count_entries(dir) == 0,
	      "-j: exit 2, nothing written");
	check(run_tool(&r, "metrics", "--help", NULL) == 0 && strstr(r.out, "--output") &&
	      count_entries(dir) == 0, "--help: exit 0, usage on stdout");
	/* Positive control: the same directory takes a good request. */
	check(run_tool(&r, "metrics", "-o", file, NULL) == 0 && count_entries(dir) == 1,
	      "control: a good request writes the file");
}

/* ---- promtool --------------------------------------------------------- */

/* What promtool said last, for the failure's message. */
static char promtool_said[4096];

static int promtool(const char *text)
{
	char path[PATH_MAX], cmd[2 * PATH_MAX + 64], out[PATH_MAX];
	FILE *f;
	size_t n;
	int ret;

	snprintf(path, sizeof(path), "%s/promtool-input", root);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	snprintf(out, sizeof(out), "%s/promtool-output", root);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' > '%s' 2>&1", path, out);
	ret = system(cmd);
	promtool_said[0] = '\0';
	f = fopen(out, "r");
	if (f) {
		n = fread(promtool_said, 1, sizeof(promtool_said) - 1, f);
		while (n && promtool_said[n - 1] == '\n')
			n--;
		promtool_said[n] = '\0';
		fclose(f);
	}
	unlink(out);
	unlink(path);
	return ret;
}

static void test_promtool(void)
{
	struct run r;

	if (system("command -v promtool > /dev/null 2>&1")) {
		check(false, "promtool is installed (Debian's prometheus: scripts/install-deps.sh)");
		return;
	}
	make_host(true);
	check(promtool("# HELP x_total a\n# TYPE x_total counter\nx_total{a=\"b\\q\"} 1\n") != 0,
	      "promtool rejects a bad escape in a label value");
	check(promtool("# HELP x a\n# TYPE x counter\nx 1\n") != 0,
	      "promtool rejects a counter without _total");
	run_tool(&r, "metrics", NULL);
	check(r.status == 0 && promtool(r.out) == 0, "promtool check metrics accepts the output (%s)",
	      promtool_said);
	make_host(false);
	run_tool(&r, "metrics", NULL);
	check(r.status == 0 && promtool(r.out) == 0,
	      "promtool check metrics accepts the output without the module (%s)", promtool_said);
}

int main(void)
{
	test_judge();
	test_with_module();
	test_stats_edges();
	test_no_module();
	test_output();
	test_usage();
	test_promtool();
	fake_cleanup();
	unsetenv("GPUVFIO_PROC_ROOT");
	unsetenv("GPUVFIO_DEV_ROOT");
	return test_done();
}
