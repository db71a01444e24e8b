// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio check, per device: the things that break GPU passthrough of one
 * card, judging by the bug trackers of the VM managers, read from sysfs:
 *
 *  - reset: the methods the kernel offers (reset_method), and the AMD
 *    families whose reset leaves the card unusable ("the AMD reset bug");
 *  - d3cold: whether the card may be powered off while vfio-pci idles it;
 *  - bars: each BAR against the window of the bridge above it;
 *  - framebuffer: a firmware framebuffer in /proc/iomem still holding a
 *    display card's BAR;
 *  - numa and path: the node and the bridges up to the root port;
 *  - acs: which bridge on the path (or the card itself) lacks ACS, the
 *    reason an IOMMU group holds more than the card;
 *  - sriov: the VF counts where the device has them.
 *
 * Config space past its first 64 bytes (capabilities, ACS) is open to
 * root only; without it the findings say so instead of guessing.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-dev.h"
#include "sysfs.h"

#define CFG_SIZE		4096
#define CFG_STD			64	/* what a user without root reads */
#define CFG_EXT			0x100	/* extended capabilities start here */
#define CAP_ID_EXP		0x10
#define EXT_CAP_ID_ACS		0x000d
/* What the kernel asks of a port before it isolates what is below it
 * (REQ_ACS_FLAGS): source validation, request and completion redirect,
 * upstream forwarding. */
#define ACS_SV			0x0001
#define ACS_RR			0x0004
#define ACS_CR			0x0008
#define ACS_UF			0x0010
#define ACS_EC			0x0020
#define ACS_REQUIRED		(ACS_SV | ACS_RR | ACS_CR | ACS_UF)

/* PCIe capability, device/port type (bits 7:4 of its second word). */
enum {
	PORT_ENDPOINT = 0x0,
	PORT_LEGACY = 0x1,
	PORT_ROOT = 0x4,
	PORT_UPSTREAM = 0x5,
	PORT_DOWNSTREAM = 0x6,
	PORT_PCIE_TO_PCI = 0x7,
	PORT_PCI_TO_PCIE = 0x8,
	PORT_RC_ENDPOINT = 0x9,
	PORT_UNKNOWN = -1,
	PORT_NOT_PCIE = -2,
};

/* struct resource flags, as the resource file shows them. */
#define RES_IO			0x00000100ULL
#define RES_MEM			0x00000200ULL
#define RES_PREFETCH		0x00002000ULL
#define RES_MEM_64		0x00100000ULL
#define RES_UNSET		0x20000000ULL

/* ---- reading -------------------------------------------------------------- */

static int dev_attr(const char *dev, const char *attr, char *buf, size_t size)
{
	char path[PATH_MAX];
	int ret;

	ret = gv_sysfs_path(path, sizeof(path), "bus/pci/devices/%s/%s", dev, attr);
	if (ret)
		return ret;
	ret = gv_sysfs_read(path, buf, size);
	if (ret < 0)
		buf[0] = '\0';
	return ret;
}

static bool dev_int(const char *dev, const char *attr, int *val)
{
	char buf[32], *end;
	long v;

	if (dev_attr(dev, attr, buf, sizeof(buf)) <= 0)
		return false;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || *end || v < INT32_MIN || v > INT32_MAX)
		return false;
	*val = (int)v;
	return true;
}

/* The raw config space as this user may read it; its length or -errno. */
static int read_config(const char *dev, unsigned char *buf, size_t size)
{
	char path[PATH_MAX];
	size_t len = 0;
	ssize_t n;
	int fd;

	if (gv_sysfs_path(path, sizeof(path), "bus/pci/devices/%s/config", dev))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size && (n = read(fd, buf + len, size - len)) > 0)
		len += (size_t)n;
	close(fd);
	return (int)len;
}

static unsigned int cfg16(const unsigned char *c, size_t at)
{
	return c[at] | (unsigned int)c[at + 1] << 8;
}

static uint32_t cfg32(const unsigned char *c, size_t at)
{
	return cfg16(c, at) | (uint32_t)cfg16(c, at + 2) << 16;
}

/* The PCIe port type from the capability list; PORT_NOT_PCIE without one. */
static int port_type(const unsigned char *c, size_t len)
{
	unsigned int pos, guard;

	if (len < 256 || !(cfg16(c, 0x06) & 0x10))
		return len < 256 ? PORT_UNKNOWN : PORT_NOT_PCIE;
	pos = c[0x34] & 0xfc;
	for (guard = 0; pos >= 0x40 && pos < 0xff && guard < 48; guard++) {
		if (c[pos] == CAP_ID_EXP)
			return (c[pos + 2] >> 4) & 0xf;
		pos = c[pos + 1] & 0xfc;
	}
	return PORT_NOT_PCIE;
}

/*
 * ACS the way the kernel judges it: every required control that the
 * capability implements is enabled. 1, 0 (no capability, or not enabled);
 * *cap says whether the capability is there at all.
 */
static int acs_enabled(const unsigned char *c, size_t len, bool *cap)
{
	unsigned int pos = CFG_EXT, guard, caps, ctrl, want;
	uint32_t hdr;

	*cap = false;
	for (guard = 0; len >= CFG_SIZE && pos >= CFG_EXT && pos <= CFG_SIZE - 8 &&
	     guard < (CFG_SIZE - CFG_EXT) / 8; guard++) {
		hdr = cfg32(c, pos);
		if (!hdr || hdr == 0xffffffff)
			break;
		if ((hdr & 0xffff) == EXT_CAP_ID_ACS) {
			*cap = true;
			caps = cfg16(c, pos + 4);
			ctrl = cfg16(c, pos + 6);
			want = ACS_REQUIRED & (caps | ACS_EC);
			return (ctrl & want) == want;
		}
		pos = (hdr >> 20) & 0xffc;
	}
	return 0;
}

/* Port type and ACS of one device (a hop, or the function itself). */
static void read_isolation(const char *dev, struct gv_dev_hop *hop)
{
	unsigned char *c = malloc(CFG_SIZE);
	int len;

	hop->port_type = PORT_UNKNOWN;
	hop->acs = -1;
	hop->config_short = true;
	if (!c)
		return;
	len = read_config(dev, c, CFG_SIZE);
	if (len > CFG_STD) {
		hop->config_short = false;
		hop->port_type = port_type(c, (size_t)len);
		/* Conventional PCI has no extended space: no ACS either. */
		if (len >= CFG_SIZE || hop->port_type == PORT_NOT_PCIE)
			hop->acs = acs_enabled(c, (size_t)len, &hop->acs_cap);
	}
	free(c);
}

/* The device's own sysfs directory, links resolved. */
static bool dev_dir(const char *dev, char *out)
{
	char path[PATH_MAX];

	return !gv_sysfs_path(path, sizeof(path), "bus/pci/devices/%s", dev) &&
	       realpath(path, out);
}

static void read_path(struct gv_dev_facts *f)
{
	char dir[PATH_MAX], *slash;
	struct gv_addr a;

	if (!dev_dir(f->dev->name, dir))
		return;
	while ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		slash = strrchr(dir, '/');
		if (!slash || gv_parse_addr(slash + 1, strlen(slash + 1), &a) ||
		    f->npath == GV_DEV_HOPS)
			break;
		snprintf(f->path[f->npath].name, sizeof(f->path[0].name), "%s",
			 slash + 1);
		read_isolation(slash + 1, &f->path[f->npath]);
		f->npath++;
	}
}

/* Lines of a resource file: start, end, flags each; the count read. */
static unsigned int read_resources(const char *dev, uint64_t (*res)[3],
				   unsigned int max)
{
	char path[PATH_MAX], line[128];
	unsigned long long s, e, fl;
	unsigned int n = 0;
	FILE *fp;

	if (gv_sysfs_path(path, sizeof(path), "bus/pci/devices/%s/resource", dev))
		return 0;
	fp = fopen(path, "re");
	if (!fp)
		return 0;
	while (n < max && fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "%llx %llx %llx", &s, &e, &fl) != 3)
			break;
		res[n][0] = s;
		res[n][1] = e;
		res[n][2] = fl;
		n++;
	}
	fclose(fp);
	return n;
}

static uint64_t res_size(const uint64_t *r)
{
	return r[1] > r[0] ? r[1] - r[0] + 1 : 0;
}

/*
 * The parent bridge's windows: a bridge's resource file ends with its four
 * bridge resources (I/O, memory, prefetchable memory, and one unused),
 * whatever comes before them (SR-IOV BARs or not); told apart by flags.
 */
static void bridge_windows(const char *bridge, uint64_t *mem, uint64_t *pref)
{
	uint64_t res[32][3];
	unsigned int n, i;

	*mem = *pref = 0;
	n = read_resources(bridge, res, 32);
	for (i = n >= 4 ? n - 4 : 0; i < n; i++) {
		if (!(res[i][2] & RES_MEM))
			continue;
		if (res[i][2] & RES_PREFETCH)
			*pref = res_size(res[i]);
		else
			*mem = res_size(res[i]);
	}
}

static void read_bars(struct gv_dev_facts *f)
{
	uint64_t res[GV_DEV_BARS][3], mem = 0, pref = 0;
	char attr[32], buf[32], *end;
	struct gv_dev_bar *b;
	unsigned int n, i;

	n = read_resources(f->dev->name, res, GV_DEV_BARS);
	if (f->npath)
		bridge_windows(f->path[0].name, &mem, &pref);
	for (i = 0; i < n; i++) {
		if (!(res[i][2] & RES_MEM) || !res_size(res[i]))
			continue;
		b = &f->bars[f->nbars++];
		b->index = (int)i;
		b->start = res[i][0];
		b->end = res[i][1];
		b->flags = res[i][2];
		b->have_window = f->npath > 0;
		/* A prefetchable BAR goes in the prefetchable window when the
		 * bridge has one, else in the memory window. */
		b->window = (b->flags & RES_PREFETCH) && pref ? pref : mem;
		snprintf(attr, sizeof(attr), "resource%u_resize", i);
		if (dev_attr(f->dev->name, attr, buf, sizeof(buf)) > 0) {
			errno = 0;
			b->resize_mask = strtoull(buf, &end, 16);
			b->resizable = !errno && !*end;
		}
	}
}

static bool is_fb_name(const char *name)
{
	static const char *const names[] = {
		"efifb", "vesafb", "BOOTFB", "simple-framebuffer", "simplefb",
		"simpledrm", "vesa-framebuffer",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/*
 * Firmware framebuffers in /proc/iomem inside the device's BARs, into
 * f->fb. Returns 1 when /proc/iomem shows addresses, 0 when it shows only
 * zeros (not root), -1 when it cannot be read.
 */
static int read_framebuffers(struct gv_dev_facts *f)
{
	unsigned long long s, e;
	char path[PATH_MAX], line[256], name[128];
	size_t len = 0;
	bool addresses = false;
	unsigned int i;
	FILE *fp;

	if (gv_check_host_path(path, sizeof(path), "/proc/iomem"))
		return -1;
	fp = fopen(path, "re");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, " %llx-%llx : %127[^\n]", &s, &e, name) != 3)
			continue;
		if (s || e)
			addresses = true;
		if (!is_fb_name(name) || !e)
			continue;
		for (i = 0; i < f->nbars; i++) {
			if (s < f->bars[i].start || e > f->bars[i].end)
				continue;
			if (len < sizeof(f->fb))
				len += (size_t)snprintf(f->fb + len, sizeof(f->fb) - len,
						"%s%s at %llx-%llx in BAR %d",
						len ? ", " : "", name, s, e,
						f->bars[i].index);
			break;
		}
	}
	fclose(fp);
	return addresses;
}

/* Framebuffer devices a firmware driver made: fb0 (EFI VGA), ... */
static void fb_devices(char *out, size_t size)
{
	char path[PATH_MAX], name[64], rel[PATH_MAX];
	struct dirent *de;
	size_t len = 0;
	DIR *dir;

	out[0] = '\0';
	if (gv_sysfs_path(path, sizeof(path), "class/graphics"))
		return;
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir)) && len < size) {
		if (strncmp(de->d_name, "fb", 2))
			continue;
		snprintf(rel, sizeof(rel), "class/graphics/%s/name", de->d_name);
		if (gv_sysfs_path(path, sizeof(path), "%s", rel) ||
		    gv_sysfs_read(path, name, sizeof(name)) <= 0)
			continue;
		if (strcmp(name, "EFI VGA") && strcmp(name, "VESA VGA") &&
		    strcmp(name, "simple") && !strstr(name, "simpledrm") &&
		    !strstr(name, "efidrm") && !strstr(name, "vesadrm"))
			continue;
		len += (size_t)snprintf(out + len, size - len, "%s%s (%s)",
					len ? ", " : "", de->d_name, name);
	}
	closedir(dir);
}

/* ---- known reset bugs ---------------------------------------------------- */

/*
 * AMD families whose cards do not come back from the kernel's resets after
 * a VM used them ("the AMD reset bug"); the out-of-tree vendor-reset module
 * carries a device-specific reset for them. Ranges of device IDs, vendor
 * 1002; conservative: the families the module was written for.
 */
static const struct {
	unsigned int first, last;
	const char *family;
} reset_bugs[] = {
	{ 0x67c0, 0x67df, "Polaris 10" },
	{ 0x6fdf, 0x6fdf, "Polaris 10" },
	{ 0x67e0, 0x67ff, "Polaris 11" },
	{ 0x6980, 0x699f, "Polaris 12" },
	{ 0x6860, 0x687f, "Vega 10" },
	{ 0x66a0, 0x66af, "Vega 20" },
	{ 0x7310, 0x731f, "Navi 10" },
	{ 0x7340, 0x734f, "Navi 14" },
	{ 0x7360, 0x736f, "Navi 12" },
};

static const char *reset_bug_family(const struct gv_dev *d)
{
	size_t i;

	if (d->vendor != 0x1002 || (d->class >> 16) != 0x03)
		return NULL;
	for (i = 0; i < sizeof(reset_bugs) / sizeof(reset_bugs[0]); i++)
		if (d->device >= reset_bugs[i].first && d->device <= reset_bugs[i].last)
			return reset_bugs[i].family;
	return NULL;
}

/* ---- words --------------------------------------------------------------- */

static void fmt_size(char *buf, size_t size, uint64_t v)
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (u < 4 && v >= 1024 && !(v & 1023)) {
		v >>= 10;
		u++;
	}
	snprintf(buf, size, "%" PRIu64 " %s", v, unit[u]);
}

static const char *port_word(int type)
{
	switch (type) {
	case PORT_ROOT:
		return "root port";
	case PORT_UPSTREAM:
		return "switch upstream port";
	case PORT_DOWNSTREAM:
		return "switch downstream port";
	case PORT_PCIE_TO_PCI:
		return "PCIe-to-PCI bridge";
	case PORT_PCI_TO_PCIE:
		return "PCI-to-PCIe bridge";
	case PORT_NOT_PCIE:
		return "conventional PCI bridge";
	case PORT_UNKNOWN:
		return NULL;
	default:
		return "PCIe bridge";
	}
}

/* For JSON: stable names. */
static const char *port_key(int type)
{
	switch (type) {
	case PORT_ROOT:
		return "root_port";
	case PORT_UPSTREAM:
		return "switch_upstream";
	case PORT_DOWNSTREAM:
		return "switch_downstream";
	case PORT_PCIE_TO_PCI:
		return "pcie_to_pci";
	case PORT_PCI_TO_PCIE:
		return "pci_to_pcie";
	case PORT_NOT_PCIE:
		return "pci_bridge";
	case PORT_UNKNOWN:
		return NULL;
	default:
		return "pcie_other";
	}
}

/* Ports the kernel asks ACS of before it isolates what is below them. */
static bool needs_acs(int type)
{
	return type == PORT_ROOT || type == PORT_DOWNSTREAM;
}

/* Devices behind it share its requester ID: one group whatever ACS says. */
static bool aliases(int type)
{
	return type == PORT_PCIE_TO_PCI || type == PORT_NOT_PCIE;
}

/* ---- the findings ------------------------------------------------------------ */

static void add_dev(struct gv_checks *c, const struct gv_dev *d, const char *name,
		    enum gv_result r, const char *msg)
{
	gv_check_add(c, name, r, "%s [%04x:%04x]: %s", d->name, d->vendor,
		     d->device, msg);
	gv_check_set_device(c, d->name);
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') && (!p[n] || p[n] == ' '))
			return true;
		p += n;
	}
	return false;
}

static void check_reset(struct gv_checks *c, const struct gv_dev_facts *f)
{
	const struct gv_dev *d = f->dev;
	enum gv_result r;
	char msg[900], bug[400] = "";
	int n;

	if (f->reset_bug && !has_word(f->reset, "device_specific"))
		snprintf(bug, sizeof(bug),
			 " Its ID is in the range of AMD's %s GPUs, which often do not come back from the kernel's resets after a VM used them (the AMD reset bug): install the vendor-reset module, load it early (from the initramfs), and write device_specific to /sys/bus/pci/devices/%s/reset_method.",
			 f->reset_bug, d->name);
	else if (f->reset_bug)
		snprintf(bug, sizeof(bug),
			 " Its ID is in the range of AMD's %s GPUs (the AMD reset bug); device_specific is offered, as vendor-reset provides it: make sure vendor-reset is loaded before the card is first reset.",
			 f->reset_bug);
	if (!*f->reset && f->slot_functions > 1) {
		/* A card's HDMI audio or USB function often has no reset of
		 * its own; vfio-pci resets the slot's functions together
		 * (a hot reset of the bus) when one VM owns all of them, as
		 * gpuvfio moves them. */
		r = GV_WARN;
		n = snprintf(msg, sizeof(msg),
			     "the kernel offers no reset of this function alone (reset_method is empty or missing); vfio-pci can still reset it with the rest of its slot (a bus reset) when one VM gets every function of the slot, as gpuvfio moves them, and the bridge above allows it. Give the whole card to one VM.");
	} else if (!*f->reset) {
		r = GV_FAIL;
		n = snprintf(msg, sizeof(msg),
			     "the kernel offers no reset for it (reset_method is empty or missing): it cannot be reset between VMs, so one VM leaves its state to the next; give it to one VM only, or use a card with FLR.");
	} else if (!strcmp(f->reset, "bus")) {
		r = GV_WARN;
		n = snprintf(msg, sizeof(msg),
			     "its only reset is a bus reset (reset_method: bus), which resets every device below %s too: give the VM every device on that bus, or move the card to a slot of its own.",
			     f->npath ? f->path[0].name : "its bridge");
	} else {
		r = GV_PASS;
		n = snprintf(msg, sizeof(msg),
			     "the kernel can reset it between VMs (reset_method: %s).",
			     f->reset);
	}
	if (*bug) {
		if (r == GV_PASS)
			r = GV_WARN;
		snprintf(msg + n, sizeof(msg) - (size_t)n, "%s", bug);
	}
	add_dev(c, d, "reset", r, msg);
}

static void check_d3cold(struct gv_checks *c, const struct gv_dev_facts *f,
			 int idle_d3_off)
{
	char msg[900];

	if (idle_d3_off == 1)
		snprintf(msg, sizeof(msg),
			 "vfio-pci keeps unused devices powered (vfio_pci.disable_idle_d3=Y): no card is lost to a low-power state it does not wake from, at the cost of idle power.");
	else if (f->d3cold == 0)
		snprintf(msg, sizeof(msg),
			 "D3cold is not allowed (d3cold_allowed is 0): vfio-pci may put the idle card in D3hot but the platform does not cut its power.");
	else if (f->d3cold == 1)
		snprintf(msg, sizeof(msg),
			 "D3cold is allowed (d3cold_allowed is 1) and vfio-pci puts unused devices in low power%s: this saves power, but a card that does not wake from D3cold is lost until reboot (vfio-pci logs \"Unable to change power state from D3cold to D0\"); for such a card write 0 to /sys/bus/pci/devices/%s/d3cold_allowed, or set vfio_pci.disable_idle_d3=1.",
			 idle_d3_off == 0 ? " (disable_idle_d3=N)" : "",
			 f->dev->name);
	else
		snprintf(msg, sizeof(msg),
			 "The kernel has no d3cold_allowed file for it: nothing to choose.");
	add_dev(c, f->dev, "d3cold", GV_PASS, msg);
}

static void check_bars(struct gv_checks *c, const struct gv_dev_facts *f)
{
	char msg[1000], sz[32], win[32];
	enum gv_result r = GV_PASS;
	const struct gv_dev_bar *b;
	size_t len = 0;
	unsigned int i, bit;
	bool first;

	if (!f->nbars)
		return;
	for (i = 0; i < f->nbars && len < sizeof(msg); i++) {
		b = &f->bars[i];
		fmt_size(sz, sizeof(sz), b->end - b->start + 1);
		fmt_size(win, sizeof(win), b->window);
		if (b->flags & RES_UNSET) {
			r = GV_FAIL;
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
				"%sBAR %d (%s) has no address: the kernel could not place it",
				len ? "; " : "", b->index, sz);
		} else if (b->have_window && b->end - b->start + 1 > b->window) {
			r = GV_FAIL;
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
				"%sBAR %d is %s, larger than the %s %s window of bridge %s",
				len ? "; " : "", b->index, sz, win,
				(b->flags & RES_PREFETCH) ? "prefetchable" : "memory",
				f->path[0].name);
		} else {
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
				"%sBAR %d %s%s", len ? "; " : "", b->index, sz,
				(b->flags & RES_PREFETCH) ? " prefetchable" : "");
			if (b->have_window && len < sizeof(msg))
				len += (size_t)snprintf(msg + len, sizeof(msg) - len,
					" in a %s window", win);
		}
		if (!b->resizable || len >= sizeof(msg))
			continue;
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, " (resizable to");
		for (bit = 0, first = true; bit < 44 && len < sizeof(msg); bit++) {
			if (!(b->resize_mask & (1ULL << bit)))
				continue;
			fmt_size(sz, sizeof(sz), 1ULL << (bit + 20));
			len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s %s",
						first ? "" : ",", sz);
			first = false;
		}
		if (len < sizeof(msg))
			len += (size_t)snprintf(msg + len, sizeof(msg) - len, ")");
	}
	if (len < sizeof(msg))
		snprintf(msg + len, sizeof(msg) - len, "%s",
			 r == GV_FAIL ?
			 ": enable \"Above 4G decoding\" (and resizable BAR support) in the firmware setup so the bridge gets a larger window, or boot with pci=realloc; a resizable BAR can instead be made smaller through its resourceN_resize file while no driver is bound." :
			 !f->npath ? ", on the root bus (the host bridge's windows hold them)." : ".");
	add_dev(c, f->dev, "bars", r, msg);
}

static void check_framebuffer(struct gv_checks *c, struct gv_dev_facts *f)
{
	char msg[1000], fbs[256];
	int iomem;

	iomem = read_framebuffers(f);
	fb_devices(fbs, sizeof(fbs));
	if (*f->fb) {
		snprintf(msg, sizeof(msg),
			 "%sa firmware framebuffer still holds its memory (%s in /proc/iomem%s%s): vfio-pci cannot reserve that BAR and the VM's driver fails; boot with initcall_blacklist=sysfb_init on kernels that turn it into a simple-framebuffer (BOOTFB, simpledrm), or video=efifb:off (efifb) or video=vesafb:off (vesafb), or let the host console use another card.",
			 f->boot_vga == 1 ? "it is the boot VGA device and " : "",
			 f->fb, *fbs ? "; framebuffer devices: " : "", fbs);
		add_dev(c, f->dev, "framebuffer", GV_WARN, msg);
	} else if (iomem <= 0 && f->boot_vga == 1) {
		snprintf(msg, sizeof(msg),
			 "it is the boot VGA device, and whether a firmware framebuffer still holds its memory cannot be told: %s.",
			 iomem < 0 ? "/proc/iomem cannot be read" :
				     "/proc/iomem shows addresses to root only; run gpuvfio check as root");
		add_dev(c, f->dev, "framebuffer", GV_WARN, msg);
	} else {
		snprintf(msg, sizeof(msg), "%s; no firmware framebuffer holds its memory%s.",
			 f->boot_vga == 1 ? "it is the boot VGA device" :
					    "it is not the boot VGA device",
			 iomem > 0 ? "" : " (as far as a user without root can see)");
		add_dev(c, f->dev, "framebuffer", GV_PASS, msg);
	}
}

static unsigned int numa_nodes(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	unsigned int n = 0;
	DIR *dir;

	if (gv_sysfs_path(path, sizeof(path), "devices/system/node"))
		return 0;
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "node", 4) && de->d_name[4] >= '0' &&
		    de->d_name[4] <= '9')
			n++;
	closedir(dir);
	return n;
}

static void check_numa(struct gv_checks *c, const struct gv_dev_facts *f)
{
	char msg[600], path[PATH_MAX], cpus[256] = "";
	unsigned int nodes = numa_nodes();

	if (f->have_numa && f->numa >= 0) {
		if (!gv_sysfs_path(path, sizeof(path), "devices/system/node/node%d/cpulist",
				   f->numa))
			gv_sysfs_read(path, cpus, sizeof(cpus));
		snprintf(msg, sizeof(msg),
			 "it is on NUMA node %d%s%s%s: give its VM vCPUs and memory of that node (libvirt <vcpupin>/<numatune>).",
			 f->numa, *cpus ? " (CPUs " : "", cpus, *cpus ? ")" : "");
		add_dev(c, f->dev, "numa", GV_PASS, msg);
	} else if (nodes > 1) {
		snprintf(msg, sizeof(msg),
			 "the host has %u NUMA nodes but the firmware does not say which one the card is on (numa_node is -1): find its socket in the board's manual to place its VM.",
			 nodes);
		add_dev(c, f->dev, "numa", GV_WARN, msg);
	} else {
		add_dev(c, f->dev, "numa", GV_PASS,
			"no NUMA node (numa_node is -1): one memory node, nothing to place.");
	}
}

static void check_path(struct gv_checks *c, const struct gv_dev_facts *f)
{
	char msg[1000];
	size_t len = 0;
	unsigned int i;
	bool unknown = false;
	const char *w;

	if (!f->npath) {
		add_dev(c, f->dev, "path", GV_PASS,
			"it sits on the root bus, behind no bridge.");
		return;
	}
	len = (size_t)snprintf(msg, sizeof(msg), "path to the root bus: ");
	for (i = 0; i < f->npath && len < sizeof(msg); i++) {
		w = port_word(f->path[i].port_type);
		unknown |= !w;
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s%s (%s%s)",
					i ? ", " : "", f->path[i].name,
					w ? w : "bridge",
					f->path[i].acs == 1 ? ", ACS" :
					f->path[i].acs == 0 ? ", no ACS" : "");
	}
	if (len < sizeof(msg))
		snprintf(msg + len, sizeof(msg) - len, "%s",
			 unknown ? "; the port types and ACS need the config space past its first 64 bytes, which only root reads: run gpuvfio check as root." :
				   ".");
	add_dev(c, f->dev, "path", GV_PASS, msg);
}

/* Why the group holds more than the card: the causes on its path. */
static size_t acs_causes(const struct gv_dev_facts *f, char *buf, size_t size,
			 bool *unknown)
{
	const struct gv_dev_hop *p;
	size_t len = 0;
	unsigned int i;

	buf[0] = '\0';
	*unknown = false;
	for (i = 0; i < f->npath && len < size; i++) {
		p = &f->path[i];
		if (p->config_short) {
			*unknown = true;
		} else if (aliases(p->port_type)) {
			len += (size_t)snprintf(buf + len, size - len,
				"%sit is behind %s %s, whose devices all reach the IOMMU with its requester ID",
				len ? "; " : "", port_word(p->port_type), p->name);
		} else if (needs_acs(p->port_type) && p->acs != 1) {
			len += (size_t)snprintf(buf + len, size - len,
				"%s%s %s %s", len ? "; " : "", port_word(p->port_type),
				p->name, p->acs_cap ? "has ACS but not enabled" :
						      "has no ACS capability");
		}
	}
	return len;
}

static void check_acs(struct gv_checks *c, const struct gv_host *h,
		      const struct gv_dev_facts *f)
{
	const struct gv_dev *d = f->dev, *m;
	const struct gv_group *g = gv_host_group(h, d->group);
	char others[300] = "", causes[600], msg[1200];
	size_t i, n = 0, mates = 0, len = 0;
	bool unknown;

	if (!g)
		return;
	for (i = 0; i < g->nmembers; i++) {
		m = &h->devs[g->members[i]];
		if (gv_same_slot(&m->addr, &d->addr)) {
			mates++;
			continue;
		}
		if (n++ < 4 && len < sizeof(others))
			len += (size_t)snprintf(others + len, sizeof(others) - len,
						"%s%s", len ? ", " : "", m->name);
	}
	if (!n) {
		snprintf(msg, sizeof(msg), "IOMMU group %d holds %s.", g->id,
			 mates > 1 ? (f->own_acs == 0 ?
				      "only this card's functions (they share it: the card has no ACS between them, as usual for a GPU and its audio function)" :
				      "only this card's functions") :
				     "only this device");
		add_dev(c, d, "acs", GV_PASS, msg);
		return;
	}
	acs_causes(f, causes, sizeof(causes), &unknown);
	if (*causes)
		snprintf(msg, sizeof(msg),
			 "IOMMU group %d also holds %s%s, because %s: a VM gets them all; move the card to a slot whose path isolates it (a root port with ACS; often a CPU-attached slot).",
			 g->id, others, n > 4 ? ", ..." : "", causes);
	else if (unknown)
		snprintf(msg, sizeof(msg),
			 "IOMMU group %d also holds %s%s; which bridge lacks ACS needs the config space past its first 64 bytes, which only root reads: run gpuvfio check as root.",
			 g->id, others, n > 4 ? ", ..." : "");
	else
		snprintf(msg, sizeof(msg),
			 "IOMMU group %d also holds %s%s, though no port on its path lacks ACS: the kernel groups them for another reason (a DMA alias or a quirk of the platform).",
			 g->id, others, n > 4 ? ", ..." : "");
	add_dev(c, d, "acs", GV_WARN, msg);
}

static void check_sriov(struct gv_checks *c, const struct gv_dev_facts *f)
{
	char msg[600];

	if (f->sriov_total < 0)
		return;
	if (f->sriov_num > 0) {
		snprintf(msg, sizeof(msg),
			 "SR-IOV: %d of %d virtual functions are enabled; gpuvfio does not move a physical function with VFs enabled: pass the VFs, or write 0 to /sys/bus/pci/devices/%s/sriov_numvfs first.",
			 f->sriov_num, f->sriov_total, f->dev->name);
		add_dev(c, f->dev, "sriov", GV_WARN, msg);
	} else {
		snprintf(msg, sizeof(msg),
			 "SR-IOV: up to %d virtual functions, none enabled.",
			 f->sriov_total);
		add_dev(c, f->dev, "sriov", GV_PASS, msg);
	}
}

/* ---- putting it together ------------------------------------------------- */

static int read_disable_idle_d3(void)
{
	char path[PATH_MAX], val[8];

	if (gv_sysfs_path(path, sizeof(path),
			  "module/vfio_pci/parameters/disable_idle_d3") ||
	    gv_sysfs_read(path, val, sizeof(val)) <= 0)
		return -1;
	return val[0] == 'Y' || val[0] == '1';
}

static void gather(struct gv_dev_facts *f, const struct gv_dev *d)
{
	struct gv_dev_hop own;
	int v;

	memset(f, 0, sizeof(*f));
	f->dev = d;
	f->bridge = (d->class >> 8) == 0x0604;
	if (dev_attr(d->name, "reset_method", f->reset, sizeof(f->reset)) < 0)
		f->reset[0] = '\0';
	f->reset_bug = reset_bug_family(d);
	f->d3cold = dev_int(d->name, "d3cold_allowed", &v) ? v != 0 : -1;
	f->have_numa = dev_int(d->name, "numa_node", &f->numa);
	f->boot_vga = dev_int(d->name, "boot_vga", &v) ? v != 0 : -1;
	f->sriov_total = dev_int(d->name, "sriov_totalvfs", &v) ? v : -1;
	f->sriov_num = dev_int(d->name, "sriov_numvfs", &v) ? v : -1;
	read_path(f);
	read_isolation(d->name, &own);
	f->own_acs = own.acs;
	f->own_config_short = own.config_short;
	read_bars(f);
}

bool gv_check_dev_default(const struct gv_host *h, const struct gv_dev *d,
			  const struct gv_addr *excl, unsigned int nexcl)
{
	size_t i;

	for (i = 0; i < nexcl; i++)
		if (gv_addr_equal(&excl[i], &d->addr))
			return false;
	if (gv_dev_is_interesting(h, d))
		return true;
	for (i = 0; i < h->ndevs; i++)
		if (gv_dev_is_display(&h->devs[i]) &&
		    gv_same_slot(&h->devs[i].addr, &d->addr))
			return true;
	return false;
}

static bool selected(const struct gv_host *h, const struct gv_dev *d,
		     const struct gv_target *t, unsigned int nt,
		     const struct gv_addr *excl, unsigned int nexcl)
{
	unsigned int i;

	if (!nt)
		return gv_check_dev_default(h, d, excl, nexcl);
	for (i = 0; i < nt; i++)
		if (gv_dev_match(d, &t[i]))
			return true;
	return false;
}

/* How many functions the slot of d has on this host, d too. */
static unsigned int slot_functions(const struct gv_host *h,
				   const struct gv_dev *d)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < h->ndevs; i++)
		if (h->devs[i].addr.domain == d->addr.domain &&
		    h->devs[i].addr.bus == d->addr.bus &&
		    (h->devs[i].addr.devfn >> 3) == (d->addr.devfn >> 3))
			n++;
	return n;
}

int gv_check_devices(struct gv_checks *c, const struct gv_host *h,
		     const struct gv_target *t, unsigned int nt,
		     const struct gv_addr *excl, unsigned int nexcl,
		     struct gv_dev_report *r)
{
	struct gv_dev_facts *f;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->disable_idle_d3 = read_disable_idle_d3();
	r->v = calloc(h->ndevs ? h->ndevs : 1, sizeof(*r->v));
	if (!r->v)
		return -ENOMEM;
	for (i = 0; i < h->ndevs; i++) {
		if (!selected(h, &h->devs[i], t, nt, excl, nexcl))
			continue;
		f = &r->v[r->n++];
		gather(f, &h->devs[i]);
		f->slot_functions = slot_functions(h, &h->devs[i]);
		if (!f->bridge) {
			check_reset(c, f);
			check_d3cold(c, f, r->disable_idle_d3);
			check_bars(c, f);
			if ((f->dev->class >> 16) == 0x03)
				check_framebuffer(c, f);
			check_numa(c, f);
		}
		check_path(c, f);
		check_acs(c, h, f);
		if (!f->bridge)
			check_sriov(c, f);
	}
	return 0;
}

void gv_dev_report_free(struct gv_dev_report *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* ---- JSON --------------------------------------------------------------- */

static void json_tristate(struct json *j, const char *key, int v)
{
	json_key(j, key);
	if (v < 0)
		json_null(j);
	else
		json_bool(j, v);
}

static void json_count(struct json *j, const char *key, int v)
{
	json_key(j, key);
	if (v < 0)
		json_null(j);
	else
		json_int(j, v);
}

static void json_reset(struct json *j, const struct gv_dev_facts *f)
{
	const char *p = f->reset, *e;

	json_key(j, "reset_methods");
	if (f->bridge) {
		json_null(j);
	} else {
		json_array_open(j);
		while (*p) {
			e = strchr(p, ' ');
			if (!e)
				e = p + strlen(p);
			if (e > p)
				json_string_len(j, p, (size_t)(e - p));
			p = *e ? e + 1 : e;
		}
		json_array_close(j);
	}
	json_key(j, "reset_bug");
	json_string(j, f->reset_bug);
}

static void json_bars(struct json *j, const struct gv_dev_facts *f)
{
	const struct gv_dev_bar *b;
	unsigned int i, bit;

	json_key(j, "bars");
	json_array_open(j);
	for (i = 0; i < f->nbars; i++) {
		b = &f->bars[i];
		json_object_open(j);
		json_key(j, "index");
		json_int(j, b->index);
		json_key(j, "size");
		json_uint(j, b->end - b->start + 1);
		json_key(j, "prefetchable");
		json_bool(j, b->flags & RES_PREFETCH);
		json_key(j, "assigned");
		json_bool(j, !(b->flags & RES_UNSET));
		json_key(j, "window_size");
		if (b->have_window)
			json_uint(j, b->window);
		else
			json_null(j);
		json_key(j, "resizable_sizes");
		if (b->resizable) {
			json_array_open(j);
			for (bit = 0; bit < 44; bit++)
				if (b->resize_mask & (1ULL << bit))
					json_uint(j, 1ULL << (bit + 20));
			json_array_close(j);
		} else {
			json_null(j);
		}
		json_object_close(j);
	}
	json_array_close(j);
}

static void json_path(struct json *j, const struct gv_dev_facts *f)
{
	unsigned int i;

	json_key(j, "path");
	json_array_open(j);
	for (i = 0; i < f->npath; i++) {
		json_object_open(j);
		json_key(j, "address");
		json_string(j, f->path[i].name);
		json_key(j, "type");
		json_string(j, port_key(f->path[i].port_type));
		json_tristate(j, "acs", f->path[i].acs);
		json_object_close(j);
	}
	json_array_close(j);
}

static void json_facts(struct json *j, const struct gv_dev_facts *f)
{
	json_object_open(j);
	json_key(j, "address");
	json_string(j, f->dev->name);
	json_reset(j, f);
	json_tristate(j, "d3cold_allowed", f->bridge ? -1 : f->d3cold);
	json_count(j, "numa_node", f->have_numa ? f->numa : -1);
	json_tristate(j, "boot_vga", f->boot_vga);
	json_key(j, "framebuffer");
	json_string(j, *f->fb ? f->fb : NULL);
	json_bars(j, f);
	json_path(j, f);
	json_tristate(j, "acs", f->own_acs);
	json_count(j, "sriov_totalvfs", f->sriov_total);
	json_count(j, "sriov_numvfs", f->sriov_num);
	json_object_close(j);
}

void gv_dev_report_json(struct json *j, const struct gv_dev_report *r)
{
	size_t i;

	json_tristate(j, "vfio_pci_disable_idle_d3", r->disable_idle_d3);
	json_key(j, "devices");
	json_array_open(j);
	for (i = 0; i < r->n; i++)
		json_facts(j, &r->v[i]);
	json_array_close(j);
}
