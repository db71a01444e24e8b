// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-hold: a stand-in for a VM. Owns an IOMMU group exactly as QEMU does
 * (container, type1 IOMMU, device fd), says "ready" on stdout and waits
 * until it is killed.
 *
 *   vfio-hold GROUP ADDRESS
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "vfio-hold: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char *argv[])
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int container, group, device;

	if (argc != 3) {
		fprintf(stderr, "usage: vfio-hold GROUP ADDRESS\n");
		return 2;
	}
	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		return die("/dev/vfio/vfio");
	snprintf(path, sizeof(path), "/dev/vfio/%s", argv[1]);
	group = open(path, O_RDWR);
	if (group < 0)
		return die(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		return die("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "vfio-hold: group %s is not viable\n", argv[1]);
		return 1;
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		return die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) &&
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU))
		return die("VFIO_SET_IOMMU");
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[2]);
	if (device < 0)
		return die("VFIO_GROUP_GET_DEVICE_FD");
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
