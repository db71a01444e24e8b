// SPDX-License-Identifier: GPL-2.0
/*
 * The holder scan against a fake /proc, /dev and /sys made of plain files
 * and symlinks: /proc/PID/fd/N links to a fake node, and stat() through
 * the link gives the node's own (st_dev, st_ino), as it would give a real
 * character device's st_rdev.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "holders.h"
#include "test.h"

static const char *root;

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

static void setup(void)
{
	char p[PATH_MAX];

	root = fake_init();
	snprintf(p, sizeof(p), "%s/proc", root);
	setenv("GPUVFIO_PROC_ROOT", p, 1);
	snprintf(p, sizeof(p), "%s/dev", root);
	setenv("GPUVFIO_DEV_ROOT", p, 1);

	/* GPU 0000:01:00.0 with card0/renderD128, its audio with sound card 1. */
	fake_file("bus/pci/devices/0000:01:00.0/drm/card0/dev", "226:0\n");
	fake_file("bus/pci/devices/0000:01:00.0/drm/renderD128/dev", "226:128\n");
	fake_file("bus/pci/devices/0000:01:00.1/sound/card1/id", "HDMI\n");
	fake_file("dev/dri/card0", "");
	fake_file("dev/dri/renderD128", "");
	fake_file("dev/dri/card1", "");
	fake_file("dev/snd/controlC1", "");
	fake_file("dev/snd/pcmC1D3p", "");
	fake_file("dev/snd/pcmC10D0p", "");
	fake_file("dev/snd/timer", "");
	fake_file("dev/vfio/12", "");
	fake_file("dev/vfio/vfio", "");
	fake_file("dev/nvidia0", "");
	fake_file("dev/nvidia1", "");
	fake_file("dev/nvidiactl", "");
	fake_file("proc/driver/nvidia/gpus/0000:02:00.0/information",
		  "Model: \t\t Tesla P4\nIRQ:   42\nDevice Minor: \t 1\n");

	fake_file("proc/100/comm", "Xorg\n");
	fd_link("100", "3", "dev/dri/card0");
	fd_link("100", "4", "dev/dri/card0");	/* twice: named once */
	fake_file("proc/101/comm", "other-gpu\n");
	fd_link("101", "3", "dev/dri/card1");
	fake_file("proc/102/comm", "aplay\n");
	fd_link("102", "7", "dev/snd/pcmC1D3p");
	fake_file("proc/103/comm", "card10\n");
	fd_link("103", "7", "dev/snd/pcmC10D0p");
	fake_file("proc/104/comm", "qemu-system-x86\n");
	fd_link("104", "20", "dev/vfio/12");
	fd_link("104", "21", "dev/vfio/vfio");
	fake_file("proc/105/comm", "cuda-app\n");
	fd_link("105", "3", "dev/nvidia1");
	fd_link("105", "4", "dev/nvidiactl");
	fake_file("proc/106/comm", "cuda-other\n");
	fd_link("106", "3", "dev/nvidia0");
	fake_file("proc/self", "");	/* not a pid */
}

static bool has(const struct gv_holder *h, int n, const char *addr, int pid,
		const char *comm, const char *node)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(h[i].addr, addr) && h[i].pid == pid &&
		    !strcmp(h[i].comm, comm) && !strcmp(h[i].node, node))
			return true;
	return false;
}

int main(void)
{
	struct gv_holder_dev devs[] = {
		{ .addr = "0000:01:00.0", .vendor = 0x1234, .driver = "bochs-drm", .group = 12 },
		{ .addr = "0000:01:00.1", .vendor = 0x8086, .driver = "snd_hda_intel", .group = 12 },
		{ .addr = "0000:02:00.0", .vendor = 0x10de, .driver = "nvidia", .group = -1 },
	};
	struct gv_holder h[16];
	int n;

	setup();
	n = gv_holders_scan(devs, 3, h, 16);
	check(n == 5, "five holders (got %d)", n);
	check(has(h, n, "0000:01:00.0", 100, "Xorg", "/dev/dri/card0"),
	      "DRM: the card node of the device, through its drm/ directory");
	check(has(h, n, "0000:01:00.1", 102, "aplay", "/dev/snd/pcmC1D3p"),
	      "sound: a PCM node of the device's card");
	check(has(h, n, "0000:01:00.0", 104, "qemu-system-x86", "/dev/vfio/12") &&
	      has(h, n, "0000:01:00.1", 104, "qemu-system-x86", "/dev/vfio/12"),
	      "VFIO: the group's node, for each device in the group");
	check(has(h, n, "0000:02:00.0", 105, "cuda-app", "/dev/nvidia1"),
	      "NVIDIA: the minor from /proc/driver/nvidia");
	check(!has(h, n, "0000:01:00.0", 101, "other-gpu", "/dev/dri/card1") &&
	      !has(h, n, "0000:01:00.1", 103, "card10", "/dev/snd/pcmC10D0p") &&
	      !has(h, n, "0000:02:00.0", 106, "cuda-other", "/dev/nvidia0"),
	      "another card's nodes (card1, sound card 10, nvidia0) do not count");

	/* Without the NVIDIA proc file, every /dev/nvidiaN of a device on nvidia. */
	fake_file("proc/driver/nvidia/gpus/0000:02:00.0/information", "nothing\n");
	n = gv_holders_scan(&devs[2], 1, h, 16);
	check(n == 2 && has(h, n, "0000:02:00.0", 106, "cuda-other", "/dev/nvidia0"),
	      "NVIDIA minor unknown: every /dev/nvidiaN counts (got %d)", n);
	devs[2].driver = "nouveau";
	fake_file("proc/driver/nvidia/gpus/0000:02:00.0/information", "");
	{
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/proc/driver/nvidia/gpus/0000:02:00.0/information", root);
		unlink(p);
	}
	n = gv_holders_scan(&devs[2], 1, h, 16);
	check(n == 0, "an NVIDIA device on nouveau: /dev/nvidia* are not its nodes");

	n = gv_holders_scan(devs, 3, h, 1);
	check(n >= 2 && h[0].pid > 0, "more holders than room: counted, the first stored");

	setenv("GPUVFIO_PROC_ROOT", "/nonexistent-gpuvfio", 1);
	check(gv_holders_scan(devs, 2, h, 16) < 0, "no /proc: an error");
	unsetenv("GPUVFIO_PROC_ROOT");
	unsetenv("GPUVFIO_DEV_ROOT");
	fake_cleanup();
	return test_done();
}
