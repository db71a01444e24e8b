// SPDX-License-Identifier: GPL-2.0
/*
 * `gpuvfio bind/unbind` end to end against a fake sysfs tree. The test
 * stands in for the kernel: bind.c's gv_sysfs_write() comes here (linked
 * with --wrap), which records the write, then either fails it with an
 * errno or does it and moves drivers in the fake tree the way the module
 * would.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "test.h"

static struct {
	int fail;			/* errno to fail the write with */
	void (*effect)(void);		/* what the "kernel" changes */
	int calls;
	char path[PATH_MAX];
	char data[4096];
} k;

int __real_gv_sysfs_write(const char *path, const char *buf, size_t len);

int __wrap_gv_sysfs_write(const char *path, const char *buf, size_t len)
{
	const char *root = getenv("GPUVFIO_SYSFS_ROOT");
	int ret;

	k.calls++;
	snprintf(k.path, sizeof(k.path), "%s",
		 root && !strncmp(path, root, strlen(root)) ? path + strlen(root) : path);
	snprintf(k.data, sizeof(k.data), "%.*s", (int)len, buf);
	if (k.fail)
		return -k.fail;
	ret = __real_gv_sysfs_write(path, buf, len);
	if (!ret && k.effect)
		k.effect();
	return ret;
}

static void reset(int fail, void (*effect)(void))
{
	memset(&k, 0, sizeof(k));
	k.fail = fail;
	k.effect = effect;
}

/*
 * group 1: root port, VGA + audio on host drivers; group 2: a NIC;
 * group 6: a VGA + audio sharing their group with a NIC in another slot.
 */
static void make_host(void)
{
	fake_init();
	fake_dev("0000:00:1c.0", 0x1b36, 0x000c, 0x060400, "pcieport", 1);
	fake_dev("0000:01:00.0", 0x1234, 0x1111, 0x030000, "bochs-drm", 1);
	fake_dev("0000:01:00.1", 0x8086, 0x2668, 0x040300, "snd_hda_intel", 1);
	fake_dev("0000:02:00.0", 0x8086, 0x10d3, 0x020000, "e1000e", 2);
	fake_dev("0000:05:00.0", 0x1234, 0x1111, 0x030000, "bochs-drm", 6);
	fake_dev("0000:05:00.1", 0x8086, 0x2668, 0x040300, "snd_hda_intel", 6);
	fake_dev("0000:06:00.0", 0x8086, 0x10d3, 0x020000, "e1000e", 6);
	fake_module("9.9-test", "1234:1111", "");
}

static void kernel_binds_group1(void)
{
	fake_set_driver("0000:01:00.0", "vfio-pci");
	fake_set_driver("0000:01:00.1", "vfio-pci");
	fake_managed("0000:01:00.0", "bochs-drm", "", "vfio");
	fake_managed("0000:01:00.1", "snd_hda_intel", "", "vfio");
}

static void kernel_unbinds_group1(void)
{
	fake_set_driver("0000:01:00.0", "bochs-drm");
	fake_set_driver("0000:01:00.1", "snd_hda_intel");
}

static void test_bind(void)
{
	struct run r;

	make_host();
	reset(0, kernel_binds_group1);
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 0, "bind exits 0");
	check_str(k.path, "/kernel/gpuvfio/bind", "bind writes /sys/kernel/gpuvfio/bind");
	check_str(fake_read("kernel/gpuvfio/bind"), "0000:01:00.0",
		  "the canonical address, without a newline, in one write");
	check_str(r.out,
		  "IOMMU group 1:\n"
		  "  0000:00:1c.0 unknown class [1b36:000c]: pcieport (unchanged)\n"
		  "  0000:01:00.0 unknown class [1234:1111]: bochs-drm -> vfio-pci\n"
		  "  0000:01:00.1 unknown class [8086:2668]: snd_hda_intel -> vfio-pci\n",
		  "every member of the target's group, driver before -> after");
	check_str(r.err, "", "nothing on stderr");

	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 0 &&
	      strstr(r.out, "0000:01:00.0 unknown class [1234:1111]: vfio-pci (unchanged)") &&
	      strstr(r.out, "0000:01:00.1 unknown class [8086:2668]: vfio-pci (unchanged)"),
	      "bound again: every member unchanged");
	check_contains(r.out, "Nothing changed: the targets were already on vfio-pci.",
		       "an already satisfied request says so");

	make_host();
	reset(0, kernel_binds_group1);
	run_tool(&r, "bind", "--json", "01:00.0", NULL);
	check(r.status == 0 && json_valid(r.out), "bind --json: valid JSON");
	check_contains(r.out, "{\"command\":\"bind\",\"request\":\"0000:01:00.0\",\"changed\":true,"
			      "\"groups\":[{\"group\":1,\"devices\":[",
		       "bind JSON: command, request, changed");
	check_contains(r.out, "{\"address\":\"0000:01:00.0\",\"vendor\":\"1234\",\"device\":\"1111\","
			      "\"class\":\"0300\",\"driver_before\":\"bochs-drm\",\"driver_after\":\"vfio-pci\","
			      "\"changed\":true,\"managed\":true,\"state\":\"vfio\"}",
		       "bind JSON: a member with its drivers before and after");

	reset(0, kernel_unbinds_group1);
	run_tool(&r, "unbind", "01:00.0", NULL);
	check(r.status == 0 && !strcmp(k.path, "/kernel/gpuvfio/unbind"),
	      "unbind writes /sys/kernel/gpuvfio/unbind");
	check_contains(r.out, "0000:01:00.0 unknown class [1234:1111]: vfio-pci -> bochs-drm",
		       "unbind shows the driver coming back");
}

static void test_target_forms(void)
{
	struct run r;

	make_host();
	reset(0, NULL);
	run_tool(&r, "bind", "1234:1111", "0000:05:00.1", NULL);
	check(r.status == 0 && !strcmp(k.data, "1234:1111 0000:05:00.1"),
	      "IDs and addresses, space separated (got '%s')", k.data);
	check(strstr(r.out, "IOMMU group 1:") && strstr(r.out, "IOMMU group 6:") &&
	      !strstr(r.out, "IOMMU group 2:"),
	      "the report covers every group an ID or address names");
	reset(0, NULL);
	run_tool(&r, "bind", "01:00.0,01:00.1", NULL);
	check(r.status == 0 && !strcmp(k.data, "0000:01:00.0 0000:01:00.1"),
	      "a comma list in one argument");
	reset(0, NULL);
	run_tool(&r, "bind", "1234:1111:ABCD:0001", NULL);
	check(r.status == 0 && !strcmp(k.data, "1234:1111:abcd:0001"),
	      "an ID with subsystem, lower-cased");
	reset(0, NULL);
	run_tool(&r, "bind", "--all", NULL);
	check(r.status == 0 && !strcmp(k.data, "all"), "--all writes 'all'");
	reset(0, NULL);
	run_tool(&r, "unbind", "all", NULL);
	check(r.status == 0 && !strcmp(k.data, "all") &&
	      !strcmp(k.path, "/kernel/gpuvfio/unbind"), "'all' as a target works too");
}

static void test_usage(void)
{
	static const char *const bad[][4] = {
		{ "bind", NULL },
		{ "bind", "1:00.0", NULL },
		{ "bind", "01:00.0", "01:00.8", NULL },
		{ "bind", "--all", "01:00.0", NULL },
		{ "bind", "all", "01:00.0", NULL },
		{ "bind", "", NULL },
		{ "unbind", "10de", NULL },
		{ "unbind", "--force", "01:00.0", NULL },
	};
	struct run r;
	size_t i;

	make_host();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reset(0, NULL);
		run_tool(&r, bad[i][0], bad[i][1], bad[i][2], bad[i][3], NULL);
		check(r.status == 2 && k.calls == 0 && *r.err && !*r.out,
		      "'%s %s %s' is a usage error (exit 2), nothing written",
		      bad[i][0], bad[i][1] ? bad[i][1] : "", bad[i][1] && bad[i][2] ? bad[i][2] : "");
	}
	reset(0, NULL);
	run_tool(&r, "bind", "01:00.0", "0000:01:00.8", NULL);
	check_contains(r.err, "'0000:01:00.8' is neither a PCI address", "the bad target is named");
	check_contains(r.err, "nothing was changed", "and the operator is told nothing changed");
	run_tool(&r, "bind", "--help", NULL);
	check(r.status == 0 && strstr(r.out, "Usage: gpuvfio bind") && k.calls == 0,
	      "bind --help: usage on stdout, exit 0");
}

static void test_errors(void)
{
	static const struct {
		int err;
		const char *want;
	} cases[] = {
		{ ENXIO, "intel_iommu=on or amd_iommu=on" },
		{ EXDEV, "name it as a target too" },
		{ EOPNOTSUPP, "SR-IOV" },
		{ ENOPKG, "vfio-pci is not available" },
		{ EBUSY, "VFIO user (a running VM)" },
		{ EIO, "put back as it was" },
		{ EPERM, "exclude" },
		{ ENODEV, "gpuvfio status" },
		{ EINVAL, "different versions" },
		{ EACCES, "needs root" },
		{ ETIMEDOUT, "Connection timed out" },
	};
	struct run r;
	size_t i;

	make_host();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reset(cases[i].err, NULL);
		run_tool(&r, "bind", "01:00.0", NULL);
		check(r.status == 1 && !*r.out && strstr(r.err, "bind failed: ") &&
		      strstr(r.err, cases[i].want),
		      "%s: exit 1, stderr says '%s'", strerror(cases[i].err), cases[i].want);
	}

	reset(EXDEV, NULL);
	run_tool(&r, "bind", "05:00.0", NULL);
	check_contains(r.err, "IOMMU group 6 also holds 0000:06:00.0 (e1000e, class 0200)",
		       "EXDEV: the foreign device is named");
	check(!strstr(r.err, "holds 0000:05:00.1"), "EXDEV: the companion audio is not called foreign");
	reset(ENODEV, NULL);
	run_tool(&r, "bind", "09:00.0", "01:00.0", NULL);
	check(strstr(r.err, "no PCI device is 0000:09:00.0") && !strstr(r.err, "is 0000:01:00.0"),
	      "ENODEV: the missing target is named");

	check(gv_switch_strerror(-ETIMEDOUT, true) == NULL,
	      "an errno without a sentence gives NULL");
	check(strcmp(gv_switch_strerror(-EBUSY, true), gv_switch_strerror(-EBUSY, false)),
	      "EBUSY is worded for bind and unbind each");
}

static void test_no_module(void)
{
	struct run r;

	fake_init();
	fake_dev("0000:01:00.0", 0x1234, 0x1111, 0x030000, "bochs-drm", 1);
	reset(0, NULL);
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 3 && k.calls == 0, "no module: exit 3, nothing written");
	check_contains(r.err, "the gpuvfio module is not loaded: modprobe gpuvfio",
		       "no module: the operator is told what to do");
	run_tool(&r, "unbind", "--all", NULL);
	check(r.status == 3, "no module: unbind exits 3 too");
	run_tool(&r, "bind", "1:00.0", NULL);
	check(r.status == 2, "a malformed target is a usage error even without the module");

	/* The module goes away between the check and the write. */
	make_host();
	reset(ENOENT, NULL);
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 3, "bind file gone at write time: exit 3");
}

int main(void)
{
	/* No names: the report's layout does not depend on this host's pci.ids. */
	setenv("GPUVFIO_PCI_IDS", "/dev/null", 1);
	test_bind();
	test_target_forms();
	test_usage();
	test_errors();
	test_no_module();
	fake_cleanup();
	return test_done();
}
