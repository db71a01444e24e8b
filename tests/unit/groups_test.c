// SPDX-License-Identifier: GPL-2.0
/*
 * The rules applied to a host, built by hand: which devices count as GPU
 * and GPU audio, group viability, sorting, and status output formatting.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"
#include "json.h"
#include "status.h"
#include "test.h"

static void add(struct gv_host *h, const char *name, unsigned int vendor,
		unsigned int device, unsigned int class, const char *driver,
		int group)
{
	struct gv_addr addr;
	struct gv_dev *d;

	if (gv_parse_addr(name, strlen(name), &addr) ||
	    !(d = gv_host_add_dev(h, &addr))) {
		printf("FAIL - test setup: %s\n", name);
		exit(1);
	}
	d->vendor = vendor;
	d->device = device;
	d->class = class;
	d->group = group;
	snprintf(d->driver, sizeof(d->driver), "%s", driver ? driver : "");
}

static struct gv_dev *dev(struct gv_host *h, const char *name)
{
	struct gv_addr addr;

	gv_parse_addr(name, strlen(name), &addr);
	return (struct gv_dev *)gv_host_find(h, &addr);
}

static void test_drivers(void)
{
	static const char *leave[] = {
		"", "vfio-pci", "pci-stub", "pcieport", "mlx5_vfio_pci",
		"nvgrace-gpu-vfio-pci",
	};
	static const char *hold[] = {
		"bochs-drm", "snd_hda_intel", "e1000e", "nvidia", "amdgpu",
		"xhci_hcd", "vfio", "vfio-pci-foo", "pci-stub2", "virtio-pci",
	};
	size_t i;

	for (i = 0; i < sizeof(leave) / sizeof(leave[0]); i++)
		check(gv_driver_leaves_dma(leave[i]), "'%s' leaves DMA to the group's owner",
		      leave[i]);
	for (i = 0; i < sizeof(hold) / sizeof(hold[0]); i++)
		check(!gv_driver_leaves_dma(hold[i]), "'%s' holds DMA (host driver)",
		      hold[i]);
}

static void test_classes(void)
{
	struct gv_host h = { 0 };

	add(&h, "0000:01:00.0", 0x1234, 0x1111, 0x030000, "bochs-drm", 1);
	add(&h, "0000:01:00.1", 0x8086, 0x2668, 0x040300, "snd_hda_intel", 1);
	add(&h, "0000:00:1b.0", 0x8086, 0x293e, 0x040300, "snd_hda_intel", 2);
	add(&h, "0000:02:00.0", 0x10de, 0x1bb3, 0x030200, NULL, 3);
	add(&h, "0000:02:00.1", 0x10de, 0x10f0, 0x040100, NULL, 3);
	add(&h, "0000:03:00.1", 0x8086, 0x2668, 0x040300, NULL, 4);
	add(&h, "0000:04:00.0", 0x8086, 0x10d3, 0x020000, "e1000e", 5);
	add(&h, "0001:01:00.1", 0x8086, 0x2668, 0x040300, NULL, 6);
	add(&h, "0000:05:00.0", 0x1af4, 0x1050, 0x038000, "virtio-pci", 7);
	check(gv_host_finish(&h) == 0, "host built");

	check(gv_dev_is_display(dev(&h, "01:00.0")), "VGA controller (0300) is a display");
	check(gv_dev_is_display(dev(&h, "02:00.0")), "3D controller (0302) is a display");
	check(gv_dev_is_display(dev(&h, "05:00.0")), "other display controller (0380) is a display");
	check(!gv_dev_is_display(dev(&h, "04:00.0")), "a NIC is not a display");
	check(gv_dev_is_gpu_audio(&h, dev(&h, "01:00.1")),
	      "HDA audio in a GPU's slot is GPU audio");
	check(!gv_dev_is_gpu_audio(&h, dev(&h, "00:1b.0")),
	      "onboard HDA audio is not GPU audio");
	check(!gv_dev_is_gpu_audio(&h, dev(&h, "02:00.1")),
	      "multimedia audio (0401) is not HDA audio (0403)");
	check(!gv_dev_is_gpu_audio(&h, dev(&h, "03:00.1")),
	      "HDA audio with no display in its slot is not GPU audio");
	check(!gv_dev_is_gpu_audio(&h, dev(&h, "0001:01:00.1")),
	      "same bus and slot in another domain is another slot");
	check(!gv_dev_is_interesting(&h, dev(&h, "04:00.0")), "a NIC is not shown");
	dev(&h, "04:00.0")->managed = true;
	check(gv_dev_is_interesting(&h, dev(&h, "04:00.0")), "a managed NIC is shown");
	gv_host_free(&h);
}

static void test_finish_and_viability(void)
{
	const struct gv_dev *blk[4];
	const struct gv_group *g;
	struct gv_host h = { 0 };
	struct gv_target t;

	/* Added out of order on purpose. */
	add(&h, "0000:0a:00.0", 0x10de, 0x1bb3, 0x030200, "vfio-pci", 10);
	add(&h, "0000:01:00.1", 0x8086, 0x2668, 0x040300, "snd_hda_intel", 9);
	add(&h, "0000:00:1c.0", 0x1b36, 0x000c, 0x060400, "pcieport", 9);
	add(&h, "0000:01:00.0", 0x1234, 0x1111, 0x030000, "bochs-drm", 9);
	add(&h, "0000:00:00.0", 0x8086, 0x29c0, 0x060000, NULL, -1);
	add(&h, "0000:0a:00.1", 0x10de, 0x10f0, 0x040300, NULL, 10);
	check(gv_host_finish(&h) == 0, "host built");

	check(h.ngroups == 2 && h.groups[0].id == 9 && h.groups[1].id == 10,
	      "groups sorted by number, not by name (9 before 10)");
	g = gv_host_group(&h, 9);
	check(g && g->nmembers == 3 &&
	      !strcmp(h.devs[g->members[0]].name, "0000:00:1c.0") &&
	      !strcmp(h.devs[g->members[1]].name, "0000:01:00.0") &&
	      !strcmp(h.devs[g->members[2]].name, "0000:01:00.1"),
	      "members sorted by address");
	check(!strcmp(h.devs[0].name, "0000:00:00.0") && h.devs[0].group == -1,
	      "a device without a group stays out of every group");

	check(!gv_group_viable(&h, g), "group on bochs-drm and snd_hda_intel is not viable");
	check(gv_group_blockers(&h, g, blk, 4) == 2 &&
	      !strcmp(blk[0]->name, "0000:01:00.0") &&
	      !strcmp(blk[1]->name, "0000:01:00.1"),
	      "the blockers are the two host-driver devices, not the root port");
	check(gv_group_blockers(&h, g, blk, 1) == 2 && !strcmp(blk[0]->name, "0000:01:00.0"),
	      "the count is right even when out[] is short");
	check(gv_group_viable(&h, gv_host_group(&h, 10)),
	      "group on vfio-pci plus an unbound function is viable");
	snprintf(dev(&h, "01:00.0")->driver, GV_DRIVER_LEN, "vfio-pci");
	check(!gv_group_viable(&h, g), "one function left on a host driver is enough to block");
	snprintf(dev(&h, "01:00.1")->driver, GV_DRIVER_LEN, "vfio-pci");
	check(gv_group_viable(&h, g), "all functions on vfio-pci next to pcieport: viable");

	gv_parse_target("1234:1111", 9, &t);
	check(gv_dev_match(dev(&h, "01:00.0"), &t) && !gv_dev_match(dev(&h, "0a:00.0"), &t),
	      "an ID target matches by vendor:device");
	gv_parse_target("0a:00.1", 7, &t);
	check(gv_dev_match(dev(&h, "0a:00.1"), &t) && !gv_dev_match(dev(&h, "0a:00.0"), &t),
	      "an address target matches one function");
	gv_parse_target("all", 3, &t);
	check(!gv_dev_match(dev(&h, "0a:00.1"), &t), "'all' is resolved by the module, not matched here");
	gv_host_free(&h);
}

static char *print(bool json, const struct gv_config *cfg, const struct gv_host *h,
		   const char *target)
{
	struct gv_target t;
	char *buf = NULL;
	size_t size;
	FILE *f = open_memstream(&buf, &size);
	unsigned int nt = 0;

	if (target && !gv_parse_target(target, strlen(target), &t))
		nt = 1;
	gv_status_print(f, json, cfg, h, &t, nt);
	fclose(f);
	return buf;
}

static void test_output(void)
{
	struct gv_config cfg = { .loaded = true, .source = "netlink",
				 .version = "0.1.0", .ids = "1234:1111",
				 .have_managed = true, .managed = 1 };
	struct gv_host h = { 0 };
	struct gv_dev *d;
	char *out;

	add(&h, "0000:00:1c.0", 0x1b36, 0x000c, 0x060400, "pcieport", 4);
	add(&h, "0000:01:00.0", 0x1234, 0x1111, 0x030000, "bochs-drm", 4);
	add(&h, "0000:01:00.1", 0x8086, 0x2668, 0x040300, "snd_hda_intel", 4);
	add(&h, "0000:02:00.0", 0x1234, 0x1111, 0x030000, "vfio-pci", 5);
	add(&h, "0000:03:00.0", 0x8086, 0x10d3, 0x020000, "e1000e", 6);
	gv_host_finish(&h);
	h.kernel_view = true;	/* as gv_devsrc_host() sets it over netlink */
	h.iommu = true;
	d = dev(&h, "01:00.0");
	d->class_name = strdup("VGA compatible controller");
	d->vendor_name = strdup("Vendor \"Q\"");
	d->device_name = strdup("Std VGA");
	d = dev(&h, "02:00.0");
	d->managed = true;
	snprintf(d->orig_driver, sizeof(d->orig_driver), "bochs-drm");
	snprintf(d->state, sizeof(d->state), "vfio");
	d->class_name = strdup("VGA compatible controller");
	d = dev(&h, "01:00.1");
	d->class_name = strdup("Audio device");

	out = print(false, &cfg, &h, NULL);
	check_str(out,
		  "module:  gpuvfio 0.1.0, managing 1 device\n"
		  "ids:     1234:1111\n"
		  "exclude: (none)\n"
		  "\n"
		  "IOMMU group 4: not viable, host drivers hold DMA: 0000:01:00.0 bochs-drm, 0000:01:00.1 snd_hda_intel\n"
		  "  0000:00:1c.0 unknown class [0604]: unknown device [1b36:000c]\n"
		  "      driver: pcieport\n"
		  "  0000:01:00.0 VGA compatible controller [0300]: Vendor \"Q\" Std VGA [1234:1111]\n"
		  "      driver: bochs-drm\n"
		  "  0000:01:00.1 Audio device [0403]: unknown device [8086:2668]\n"
		  "      driver: snd_hda_intel\n"
		  "\n"
		  "IOMMU group 5: viable\n"
		  "  0000:02:00.0 VGA compatible controller [0300]: unknown device [1234:1111]\n"
		  "      driver: vfio-pci; gpuvfio: vfio (on vfio-pci), original driver bochs-drm\n",
		  "human status: header, groups, members, viability, managed state");
	free(out);

	out = print(false, &cfg, &h, "03:00.0");
	check(strstr(out, "IOMMU group 6: not viable") && !strstr(out, "group 4") &&
	      !strstr(out, "group 5"), "a target shows its group only");
	free(out);

	out = print(true, &cfg, &h, NULL);
	check(json_valid(out), "JSON status is valid");
	check_contains(out,
		       "{\"module\":{\"loaded\":true,\"version\":\"0.1.0\",\"ids\":\"1234:1111\","
		       "\"exclude\":\"\",\"managed\":1,\"source\":\"netlink\"},\"iommu\":true,"
		       "\"devices_source\":\"netlink\",\"groups\":[{\"group\":4,\"viable\":false,"
		       "\"blocking\":[\"0000:01:00.0\",\"0000:01:00.1\"],\"vfio_user\":null,\"busy\":null,\"devices\":[",
		       "JSON status: module, iommu, group 4 with its blockers");
	check_contains(out,
		       "{\"address\":\"0000:01:00.0\",\"vendor\":\"1234\",\"device\":\"1111\","
		       "\"subsystem_vendor\":null,\"subsystem_device\":null,\"class\":\"0300\","
		       "\"class_name\":\"VGA compatible controller\",\"vendor_name\":\"Vendor \\\"Q\\\"\","
		       "\"device_name\":\"Std VGA\",\"driver\":\"bochs-drm\",\"managed\":false,"
		       "\"original_driver\":null,\"original_override\":null,\"state\":null}",
		       "JSON device: every field, escaped name, nulls when unmanaged");
	check_contains(out,
		       "{\"group\":5,\"viable\":true,\"blocking\":[],\"vfio_user\":null,\"busy\":null,\"devices\":[{\"address\":\"0000:02:00.0\"",
		       "JSON group 5 viable");
	check_contains(out,
		       "\"driver\":\"vfio-pci\",\"managed\":true,\"original_driver\":\"bochs-drm\","
		       "\"original_override\":null,\"state\":\"vfio\"}",
		       "JSON managed device: original driver and state");
	check(!strstr(out, "\"group\":6"), "JSON leaves out the NIC's group");
	free(out);

	gv_host_free(&h);
	cfg.loaded = false;
	add(&h, "0000:01:00.0", 0x1234, 0x1111, 0x030000, "bochs-drm", -1);
	add(&h, "0000:01:00.1", 0x8086, 0x2668, 0x040300, "snd_hda_intel", -1);
	add(&h, "0000:03:00.0", 0x8086, 0x10d3, 0x020000, "e1000e", -1);
	gv_host_finish(&h);
	out = print(true, &cfg, &h, NULL);
	check(json_valid(out), "JSON without module and IOMMU is valid");
	check_contains(out, "{\"module\":{\"loaded\":false},\"iommu\":false,\"devices_source\":\"sysfs\",\"groups\":[{\"group\":null,"
			    "\"viable\":false,\"blocking\":[],\"vfio_user\":null,\"busy\":null,\"devices\":[{\"address\":\"0000:01:00.0\"",
		       "JSON without IOMMU: each GPU alone with group null");
	check_contains(out, "]},{\"group\":null,\"viable\":false,\"blocking\":[],\"vfio_user\":null,\"busy\":null,\"devices\":[{\"address\":\"0000:01:00.1\"",
		       "JSON without IOMMU: the GPU's audio function too");
	check(!strstr(out, "0000:03:00.0"), "JSON without IOMMU: no NIC");
	free(out);
	out = print(false, &cfg, &h, NULL);
	check_str(out,
		  "No IOMMU groups: the IOMMU is off, so no device can be passed to a VM.\n"
		  "Enable VT-d (Intel) or AMD-Vi (AMD) in the firmware setup and boot with\n"
		  "intel_iommu=on (Intel) or amd_iommu=on (AMD) on the kernel command line.\n"
		  "\n"
		  "GPUs (no IOMMU group):\n"
		  "  0000:01:00.0 unknown class [0300]: unknown device [1234:1111]\n"
		  "      driver: bochs-drm\n"
		  "  0000:01:00.1 unknown class [0403]: unknown device [8086:2668]\n"
		  "      driver: snd_hda_intel\n",
		  "human status without IOMMU: how to enable it, then the GPUs");
	free(out);
	gv_host_free(&h);
}

int main(void)
{
	test_drivers();
	test_classes();
	test_finish_and_viability();
	test_output();
	return test_done();
}
