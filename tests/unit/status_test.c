// SPDX-License-Identifier: GPL-2.0
/*
 * `gpuvfio status` end to end against fake sysfs trees: the scan, the
 * module header from sysfs, target filters, the no-module and no-IOMMU
 * cases, and names from a fake pci.ids.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "groups.h"
#include "status.h"
#include "test.h"

static char ids_path[256];

/* A pci.ids with a quote, UTF-8 and a byte that is not UTF-8 in names. */
static void write_pci_ids(void)
{
	FILE *f;

	snprintf(ids_path, sizeof(ids_path), "/tmp/gpuvfio-pci.ids.%d", (int)getpid());
	f = fopen(ids_path, "w");
	if (!f) {
		printf("FAIL - test setup: %s\n", ids_path);
		exit(1);
	}
	fputs("# fake pci.ids\n"
	      "1234  Test \"Quoted\" Vend\xc3\xb6r\n"
	      "\t1111  Fake VGA\n"
	      "8086  Intel Corporation\n"
	      "\t2668  Fake HDA \xff byte\n"
	      "C 03  Display controller\n"
	      "\t00  VGA compatible controller\n"
	      "\t02  3D controller\n"
	      "C 0c  Serial bus controller\n"
	      "C 04  Multimedia controller\n"
	      "\t03  Audio device\n",
	      f);
	fclose(f);
	setenv("GPUVFIO_PCI_IDS", ids_path, 1);
}

/*
 * group 0: host bridge; 1: root port + VGA + its audio, on host drivers;
 * 2: a NIC; 3: a managed VGA + audio on vfio-pci; 4: onboard audio;
 * 10: an unbound 3D controller.
 */
static void make_host(bool module)
{
	fake_init();
	fake_dev("0000:00:00.0", 0x8086, 0x29c0, 0x060000, NULL, 0);
	fake_dev("0000:00:1c.0", 0x1b36, 0x000c, 0x060400, "pcieport", 1);
	fake_dev("0000:01:00.0", 0x1234, 0x1111, 0x030000, "bochs-drm", 1);
	fake_dev("0000:01:00.1", 0x8086, 0x2668, 0x040300, "snd_hda_intel", 1);
	fake_dev("0000:02:00.0", 0x8086, 0x10d3, 0x020000, "e1000e", 2);
	fake_dev("0000:03:00.0", 0x1234, 0x1111, 0x030000, "vfio-pci", 3);
	fake_dev("0000:03:00.1", 0x8086, 0x2668, 0x040300, NULL, 3);
	fake_dev("0000:00:1b.0", 0x8086, 0x293e, 0x040300, "snd_hda_intel", 4);
	fake_dev("0000:0a:00.0", 0x10de, 0x1bb3, 0x030200, NULL, 10);
	fake_dev("0000:0a:00.2", 0x10de, 0x1ada, 0x0c0330, "xhci_hcd", 10);
	/* Not PCI devices: ignored. */
	fake_file("bus/pci/devices/README", "");
	if (!module)
		return;
	fake_module("9.9-test", "1234:1111", "0000:01:00.0");
	fake_managed("0000:03:00.0", "bochs-drm", "", "vfio");
	fake_managed("0000:03:00.1", "", "snd_hda_intel", "claimed");
}

static void test_scan(void)
{
	struct gv_host h;
	const struct gv_dev *d;
	struct gv_addr a;

	make_host(true);
	check(gv_host_scan(&h) == 0, "scan of a fake tree");
	check(h.ndevs == 10 && h.ngroups == 6 && h.iommu,
	      "10 devices, 6 groups, IOMMU on (got %zu, %zu)", h.ndevs, h.ngroups);
	gv_parse_addr("0000:01:00.1", 12, &a);
	d = gv_host_find(&h, &a);
	check(d && d->vendor == 0x8086 && d->device == 0x2668 &&
	      d->class == 0x040300 && !strcmp(d->driver, "snd_hda_intel") &&
	      d->group == 1 && !d->managed && d->subvendor == 0x8086 &&
	      d->subdevice == 0x0001,
	      "IDs, class, subsystem, driver (from the link) and group read");
	gv_parse_addr("0000:03:00.1", 12, &a);
	d = gv_host_find(&h, &a);
	check(d && d->managed && !strcmp(d->state, "claimed") && !*d->orig_driver &&
	      !strcmp(d->orig_override, "snd_hda_intel") && !*d->driver,
	      "gpuvfio's record read: claimed, no original driver, an override");
	gv_parse_addr("0000:00:00.0", 12, &a);
	d = gv_host_find(&h, &a);
	check(d && !*d->driver && d->group == 0, "an unbound device has driver \"\"");
	gv_host_free(&h);
}

static void test_status_with_module(void)
{
	struct run r;

	make_host(true);
	run_tool(&r, "status", NULL);
	check(r.status == 0, "status exits 0");
	check_str(r.err, "", "nothing on stderr (netlink is not tried on a fake root)");
	check_contains(r.out, "module:  gpuvfio 9.9-test, managing 2 devices\n"
			      "ids:     1234:1111\nexclude: 0000:01:00.0\n",
		       "header from the sysfs files");
	check_contains(r.out,
		       "IOMMU group 1: not viable, host drivers hold DMA: 0000:01:00.0 bochs-drm, 0000:01:00.1 snd_hda_intel\n"
		       "  0000:00:1c.0 unknown class [0604]: unknown device [1b36:000c]\n"
		       "      driver: pcieport\n"
		       "  0000:01:00.0 VGA compatible controller [0300]: Test \"Quoted\" Vend\xc3\xb6r Fake VGA [1234:1111]\n",
		       "group 1 with the root port and names from pci.ids");
	check_contains(r.out,
		       "IOMMU group 3: viable\n"
		       "  0000:03:00.0 VGA compatible controller [0300]: Test \"Quoted\" Vend\xc3\xb6r Fake VGA [1234:1111]\n"
		       "      driver: vfio-pci; gpuvfio: vfio (on vfio-pci), original driver bochs-drm\n"
		       "  0000:03:00.1 Audio device [0403]: Intel Corporation Fake HDA \xff byte [8086:2668]\n"
		       "      driver: none; gpuvfio: claimed (held for vfio-pci, which has not bound it yet), original driver none, original override snd_hda_intel\n",
		       "group 3: managed devices with state and origin");
	check_contains(r.out, "IOMMU group 10: not viable, host drivers hold DMA: 0000:0a:00.2 xhci_hcd\n"
			      "  0000:0a:00.0 3D controller [0302]",
		       "group 10, after group 3");
	check_contains(r.out, "  0000:0a:00.2 Serial bus controller [0c03]: unknown device [10de:1ada]\n",
		       "a subclass pci.ids lacks: the class's name, the number once");
	check(strstr(r.out, "IOMMU group 3") < strstr(r.out, "IOMMU group 10"),
	      "groups in numeric order");
	check(!strstr(r.out, "group 0:") && !strstr(r.out, "group 2:") &&
	      !strstr(r.out, "group 4:"),
	      "host bridge, NIC and onboard audio groups left out");

	run_tool(&r, "status", "-j", NULL);
	check(r.status == 0 && json_valid(r.out), "status -j: valid JSON");
	check_contains(r.out, "{\"module\":{\"loaded\":true,\"version\":\"9.9-test\",\"ids\":\"1234:1111\","
			      "\"exclude\":\"0000:01:00.0\",\"managed\":2,\"source\":\"sysfs\"},\"iommu\":true,",
		       "JSON module object from sysfs");
	check_contains(r.out, "\"vendor_name\":\"Test \\\"Quoted\\\" Vend\xc3\xb6r\"",
		       "JSON escapes the quote and keeps UTF-8");
	check_contains(r.out, "\"device_name\":\"Fake HDA \\ufffd byte\"",
		       "JSON replaces the byte that is not UTF-8");
	check_contains(r.out, "\"original_driver\":null,\"original_override\":\"snd_hda_intel\",\"state\":\"claimed\"",
		       "JSON: empty original driver is null");
	check(strstr(r.out, "{\"group\":1,") && strstr(r.out, "{\"group\":3,") &&
	      strstr(r.out, "{\"group\":10,") && !strstr(r.out, "{\"group\":2,"),
	      "JSON groups 1, 3, 10 and not 2");

	run_tool(&r, "-j", "status", NULL);
	check(r.status == 0 && json_valid(r.out), "-j before the command works too");
}

static void test_targets(void)
{
	struct run r;

	make_host(true);
	run_tool(&r, "status", "02:00.0", NULL);
	check(r.status == 0 && strstr(r.out, "IOMMU group 2: not viable, host drivers hold DMA: 0000:02:00.0 e1000e") &&
	      !strstr(r.out, "group 1:"),
	      "an address shows that device's group, even a NIC's");
	run_tool(&r, "status", "8086:2668", NULL);
	check(r.status == 0 && strstr(r.out, "group 1:") && strstr(r.out, "group 3:") &&
	      !strstr(r.out, "group 10:") && !strstr(r.out, "group 4:"),
	      "an ID shows every group with a matching device");
	run_tool(&r, "status", "0000:01:00.0,10de:1bb3", NULL);
	check(r.status == 0 && strstr(r.out, "group 1:") && strstr(r.out, "group 10:") &&
	      !strstr(r.out, "group 3:"),
	      "a comma list of targets");
	run_tool(&r, "status", "09:00.0", NULL);
	check(r.status == 1 && strstr(r.err, "no PCI device matches 0000:09:00.0") && !*r.out,
	      "an address that matches nothing: exit 1, said on stderr");
	run_tool(&r, "status", "01:00", NULL);
	check(r.status == 2 && strstr(r.err, "'01:00' is neither a PCI address") && !*r.out,
	      "a malformed target: exit 2");
	run_tool(&r, "status", "all", NULL);
	check(r.status == 2, "'all' is no status target: exit 2");
	run_tool(&r, "status", "--bogus", NULL);
	check(r.status == 2 && strstr(r.err, "Usage:"), "unknown option: usage, exit 2");
}

static void test_no_module(void)
{
	struct run r;

	make_host(false);
	run_tool(&r, "status", NULL);
	check(r.status == 0, "without the module, status still exits 0");
	check_contains(r.err, "the gpuvfio module is not loaded (modprobe gpuvfio)",
		       "and says on stderr that the module is not loaded");
	check(!strstr(r.out, "module:") && strstr(r.out, "IOMMU group 1:") &&
	      strstr(r.out, "IOMMU group 3: viable"),
	      "and shows the groups sysfs shows");
	run_tool(&r, "status", "--json", NULL);
	check(r.status == 0 && json_valid(r.out) &&
	      !strncmp(r.out, "{\"module\":{\"loaded\":false},\"iommu\":true,", 40),
	      "JSON: \"module\":{\"loaded\":false}");
	check_str(r.err, "", "JSON: nothing on stderr");
}

static void test_no_iommu(void)
{
	struct run r;

	fake_init();
	fake_iommu_dir();
	fake_dev("0000:00:02.0", 0x1234, 0x1111, 0x030000, "bochs-drm", -1);
	fake_dev("0000:00:02.1", 0x8086, 0x2668, 0x040300, "snd_hda_intel", -1);
	fake_dev("0000:00:03.0", 0x8086, 0x10d3, 0x020000, "e1000e", -1);
	run_tool(&r, "status", NULL);
	check(r.status == 0, "no IOMMU: exit 0");
	check_contains(r.out, "No IOMMU groups: the IOMMU is off",
		       "no IOMMU: said plainly");
	check_contains(r.out, "intel_iommu=on", "no IOMMU: how to turn it on");
	check_contains(r.out, "GPUs (no IOMMU group):\n  0000:00:02.0 VGA compatible controller [0300]",
		       "no IOMMU: the GPUs are listed");
	check(strstr(r.out, "0000:00:02.1") && !strstr(r.out, "0000:00:03.0"),
	      "no IOMMU: GPU audio listed, NIC not");
	run_tool(&r, "status", "-j", NULL);
	check(r.status == 0 && json_valid(r.out) && strstr(r.out, "\"iommu\":false") &&
	      strstr(r.out, "{\"group\":null,\"viable\":false,\"blocking\":[],\"vfio_user\":null,\"busy\":null,\"devices\":[{\"address\":\"0000:00:02.0\""),
	      "no IOMMU, JSON: iommu false, GPUs with group null");

	fake_init();
	fake_dev("0000:00:03.0", 0x8086, 0x10d3, 0x020000, "e1000e", -1);
	run_tool(&r, "status", NULL);
	check(r.status == 0 && strstr(r.out, "No GPU found"),
	      "no IOMMU and no GPU: says so");

	fake_init();
	fake_dev("0000:00:03.0", 0x8086, 0x10d3, 0x020000, "e1000e", 3);
	run_tool(&r, "status", NULL);
	check(r.status == 0 && strstr(r.out, "No IOMMU group holds a GPU") &&
	      !strstr(r.out, "IOMMU is off"),
	      "IOMMU on, no GPU: says so");
	run_tool(&r, "status", "-j", NULL);
	check(json_valid(r.out) && strstr(r.out, "\"iommu\":true,\"devices_source\":\"sysfs\",\"groups\":[]}"),
	      "IOMMU on, no GPU, JSON: empty groups");

	fake_init();
	run_tool(&r, "status", "-j", NULL);
	check(r.status == 0 && json_valid(r.out) && strstr(r.out, "\"iommu\":false,\"devices_source\":\"sysfs\",\"groups\":[]"),
	      "an empty sysfs: no PCI bus, no IOMMU, still valid");
}

static void test_broken_module_dir(void)
{
	struct run r;

	make_host(false);
	fake_file("kernel/gpuvfio/version", "1.0\n");
	run_tool(&r, "status", NULL);
	check(r.status == 0 && strstr(r.err, "could not read the module's configuration") &&
	      strstr(r.out, "module:  gpuvfio 1.0"),
	      "a module directory with missing files: said, status still shown");
}

/* The module's view over netlink: a device in the middle of a bind. */
static void test_kernel_view(void)
{
	struct gv_nl_dev devs[2];
	struct gv_nl_group groups[1];
	struct gv_config cfg;
	struct gv_host h;
	char out[65536], err[1024];

	make_host(true);
	check(gv_host_scan(&h) == 0, "scan for the kernel view");
	memset(devs, 0, sizeof(devs));
	memset(groups, 0, sizeof(groups));
	snprintf(devs[0].addr, sizeof(devs[0].addr), "0000:01:00.1");
	devs[0].state = GPUVFIO_STATE_BINDING;
	devs[0].managed = true;
	snprintf(devs[0].orig_driver, sizeof(devs[0].orig_driver), "snd_hda_intel");
	snprintf(devs[1].addr, sizeof(devs[1].addr), "0000:02:00.0");
	devs[1].state = GPUVFIO_STATE_HOST;
	groups[0].id = 1;
	groups[0].busy = true;
	gv_host_apply_kernel(&h, devs, 2, groups, 1);
	memset(&cfg, 0, sizeof(cfg));

	capture_begin();
	gv_status_print(stdout, false, &cfg, &h, NULL, 0);
	capture_end(out, sizeof(out), err, sizeof(err));
	check_contains(out, "  a bind or unbind is moving this group (see `gpuvfio monitor`)\n",
		       "human: a busy group says so");
	check_contains(out, "driver: snd_hda_intel; gpuvfio: binding (a bind is moving it; it completes when its driver lets go: see `gpuvfio monitor`), original driver snd_hda_intel\n",
		       "human: a device in transition shows binding");

	capture_begin();
	gv_status_print(stdout, true, &cfg, &h, NULL, 0);
	capture_end(out, sizeof(out), err, sizeof(err));
	check(json_valid(out), "JSON with the kernel view: valid");
	check_contains(out, "\"group\":1,\"viable\":false,\"blocking\":[\"0000:01:00.0\",\"0000:01:00.1\"],\"vfio_user\":false,\"busy\":true,",
		       "JSON: vfio_user and busy from the module");
	check_contains(out, "\"driver\":\"snd_hda_intel\",\"managed\":true,\"original_driver\":\"snd_hda_intel\",\"original_override\":null,\"state\":\"binding\"}",
		       "JSON: state binding");
	check_contains(out, "\"group\":3,\"viable\":true,\"blocking\":[],\"vfio_user\":null,\"busy\":null,",
		       "JSON: a group the module did not report: null");
	gv_host_free(&h);
}

int main(void)
{
	write_pci_ids();
	test_scan();
	test_status_with_module();
	test_targets();
	test_no_module();
	test_no_iommu();
	test_broken_module_dir();
	test_kernel_view();
	fake_cleanup();
	unlink(ids_path);
	return test_done();
}
