// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio check: is this host ready for GPU passthrough? One line per
 * check, PASS, WARN or FAIL and a sentence, like virt-host-validate.
 *
 * Everything is read from files any user may read: sysfs, /proc/cmdline,
 * /proc/interrupts, /lib/modules and modprobe.d (the kernel log is not open
 * to every user), and the initramfs in /boot, unpacked with unmkinitramfs
 * or lsinitrd, when it is readable. Under a fake sysfs root
 * (GPUVFIO_SYSFS_ROOT, for tests), /proc, /lib/modules, /etc, /boot and
 * the like are read from ROOT/proc, ROOT/lib/modules, ...: a real sysfs has
 * none of them, so a fake tree can hold them all.
 */
#define _GNU_SOURCE	/* nftw() */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "check-dev.h"
#include "devsrc.h"
#include "gpuvfio.h"
#include "groups.h"
#include "json.h"
#include "modconf.h"
#include "status.h"
#include "sysfs.h"

/* Interrupt remapping support: bit 3 (IR) of VT-d's extended capabilities. */
#define VTD_ECAP_IR	(1ULL << 3)

/* Foreign members named in one message. */
#define MAX_FOREIGN	4

#define PASS	GV_PASS
#define WARN	GV_WARN
#define FAIL	GV_FAIL

static const char *const result_word[] = { "PASS", "WARN", "FAIL" };
static const char *const result_json[] = { "pass", "warn", "fail" };

static void vadd(struct gv_checks *c, const char *name, enum gv_result r,
		 const char *fmt, va_list ap)
{
	struct gv_check *v, *k;

	v = realloc(c->v, (c->n + 1) * sizeof(*v));
	if (!v) {
		c->oom = true;
		return;
	}
	c->v = v;
	k = &v[c->n++];
	memset(k, 0, sizeof(*k));
	k->name = name;
	k->result = r;
	vsnprintf(k->message, sizeof(k->message), fmt, ap);
	c->count[r]++;
}

void gv_check_add(struct gv_checks *c, const char *name, enum gv_result r,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(c, name, r, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 4, 5)))
add(struct gv_checks *c, const char *name, enum gv_result r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(c, name, r, fmt, ap);
	va_end(ap);
}

void gv_check_set_device(struct gv_checks *c, const char *addr)
{
	if (c->n)
		snprintf(c->v[c->n - 1].device, sizeof(c->v[c->n - 1].device),
			 "%s", addr);
}

/* Marks the last check as being about one device. */
static void set_device(struct gv_checks *c, const struct gv_dev *d)
{
	gv_check_set_device(c, d->name);
}

/* ---- reading the host ---------------------------------------------------- */

/* An absolute path outside /sys ("/proc/cmdline"), moved under the fake
 * root when there is one. */
int gv_check_host_path(char *buf, size_t size, const char *abs)
{
	if (gv_sysfs_overridden())
		return gv_sysfs_path(buf, size, "%s", abs + 1);
	if ((size_t)snprintf(buf, size, "%s", abs) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int host_path(char *buf, size_t size, const char *abs)
{
	return gv_check_host_path(buf, size, abs);
}

static int read_host_file(const char *abs, char *buf, size_t size)
{
	char path[PATH_MAX];
	int ret;

	ret = host_path(path, sizeof(path), abs);
	if (ret)
		return ret;
	return gv_sysfs_read(path, buf, size);
}

static bool sysfs_exists(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	return !gv_sysfs_path(path, sizeof(path), "%s", rel) && !stat(path, &st);
}

/* Names in a sysfs directory, not starting with '.': the first max go to
 * out[], the count of all is returned. */
static size_t list_dir(const char *rel, char out[][64], size_t max)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *dir;

	if (gv_sysfs_path(path, sizeof(path), "%s", rel))
		return 0;
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= 64)
			continue;
		if (n < max)
			strcpy(out[n], de->d_name);
		n++;
	}
	closedir(dir);
	return n;
}

/*
 * The value of the last "name=value" on the kernel command line, into val;
 * false when the parameter is absent. A bare "name" gives "".
 */
static bool cmdline_param(const char *cmdline, const char *name, char *val,
			  size_t size)
{
	size_t nlen = strlen(name), len;
	const char *p = cmdline, *end;
	bool found = false;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		end = p;
		while (*end && *end != ' ' && *end != '\t' && *end != '\n')
			end++;
		len = (size_t)(end - p);
		if (len >= nlen && !strncmp(p, name, nlen) &&
		    (len == nlen || p[nlen] == '=')) {
			found = true;
			len = len > nlen ? len - nlen - 1 : 0;
			if (len >= size)
				len = size - 1;
			memcpy(val, p + nlen + (len ? 1 : 0), len);
			val[len] = '\0';
		}
		p = end;
	}
	return found;
}

/* One of the comma-separated options of a parameter's value is opt. */
static bool has_option(const char *val, const char *opt)
{
	size_t n = strlen(opt);
	const char *p = val;

	while (*p) {
		if (!strncmp(p, opt, n) && (p[n] == ',' || !p[n]))
			return true;
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
	return false;
}

/* What the host looks like, gathered once. */
struct facts {
	char cmdline[4096];
	bool have_cmdline;
	char release[128];
	const char *cpu_vendor;		/* "intel", "amd" or NULL */
	bool dmar_table, ivrs_table;
	unsigned int ngroups;
	unsigned int identity_groups;	/* groups in passthrough (iommu=pt) */
	char units[16][64];		/* /sys/class/iommu */
	size_t nunits;
	unsigned int intel_units, amd_units, intel_ir_units;
	bool ir_in_use;			/* an IR- irq chip in /proc/interrupts */
	bool interrupts_read;
};

static void read_cpu_vendor(struct facts *f)
{
	char path[PATH_MAX], line[256];
	FILE *fp;

	if (host_path(path, sizeof(path), "/proc/cpuinfo"))
		return;
	fp = fopen(path, "re");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "vendor_id", 9))
			continue;
		if (strstr(line, "GenuineIntel"))
			f->cpu_vendor = "intel";
		else if (strstr(line, "AuthenticAMD") || strstr(line, "HygonGenuine"))
			f->cpu_vendor = "amd";
		break;
	}
	fclose(fp);
}

/* Interrupt chips behind an interrupt remapping unit are named "IR-...":
 * IR-IO-APIC, IR-PCI-MSI, IR-PCI-MSIX-<device> (Intel and AMD alike). */
static void read_interrupts(struct facts *f)
{
	char path[PATH_MAX];
	char *line = NULL;
	size_t cap = 0;
	FILE *fp;

	if (host_path(path, sizeof(path), "/proc/interrupts"))
		return;
	fp = fopen(path, "re");
	if (!fp)
		return;
	f->interrupts_read = true;
	while (getline(&line, &cap, fp) > 0) {
		if (strstr(line, " IR-")) {
			f->ir_in_use = true;
			break;
		}
	}
	free(line);
	fclose(fp);
}

static void read_units(struct facts *f)
{
	char rel[PATH_MAX], ecap[64], *end;
	unsigned long long v;
	size_t i;

	f->nunits = list_dir("class/iommu", f->units, 16);
	if (f->nunits > 16)
		f->nunits = 16;
	for (i = 0; i < f->nunits; i++) {
		snprintf(rel, sizeof(rel), "class/iommu/%s/amd-iommu", f->units[i]);
		if (sysfs_exists(rel)) {
			f->amd_units++;
			continue;
		}
		snprintf(rel, sizeof(rel), "class/iommu/%s/intel-iommu", f->units[i]);
		if (!sysfs_exists(rel))
			continue;
		f->intel_units++;
		if (gv_sysfs_path(rel, sizeof(rel), "class/iommu/%s/intel-iommu/ecap",
				  f->units[i]) ||
		    gv_sysfs_read(rel, ecap, sizeof(ecap)) < 0)
			continue;
		errno = 0;
		v = strtoull(ecap, &end, 16);
		if (!errno && end != ecap && !*end && (v & VTD_ECAP_IR))
			f->intel_ir_units++;
	}
}

static void read_groups(struct facts *f)
{
	char names[256][64], rel[PATH_MAX], type[32];
	size_t n, i;

	/* Counting needs every name; the types of the first 256 will do. */
	n = list_dir("kernel/iommu_groups", names, 256);
	f->ngroups = (unsigned int)n;
	for (i = 0; i < n && i < 256; i++) {
		if (gv_sysfs_path(rel, sizeof(rel), "kernel/iommu_groups/%s/type",
				  names[i]) ||
		    gv_sysfs_read(rel, type, sizeof(type)) < 0)
			continue;
		if (!strcmp(type, "identity"))
			f->identity_groups++;
	}
}

static void gather(struct facts *f)
{
	struct utsname u;

	memset(f, 0, sizeof(*f));
	f->have_cmdline = read_host_file("/proc/cmdline", f->cmdline,
					 sizeof(f->cmdline)) >= 0;
	if (!f->have_cmdline)
		f->cmdline[0] = '\0';
	if (read_host_file("/proc/sys/kernel/osrelease", f->release,
			   sizeof(f->release)) < 0) {
		if (!uname(&u))
			snprintf(f->release, sizeof(f->release), "%s", u.release);
	}
	read_cpu_vendor(f);
	f->dmar_table = sysfs_exists("firmware/acpi/tables/DMAR");
	f->ivrs_table = sysfs_exists("firmware/acpi/tables/IVRS");
	read_groups(f);
	read_units(f);
	read_interrupts(f);
}

/* ---- the checks ------------------------------------------------------------ */

/* "intel_iommu=on" or "amd_iommu=on", or both when the vendor is unknown. */
static const char *enable_param(const struct facts *f, bool amd_hw)
{
	if (amd_hw || (f->cpu_vendor && !strcmp(f->cpu_vendor, "amd")))
		return "amd_iommu=on";
	if (f->dmar_table || (f->cpu_vendor && !strcmp(f->cpu_vendor, "intel")))
		return "intel_iommu=on";
	return "intel_iommu=on (Intel) or amd_iommu=on (AMD)";
}

static const char *firmware_switch(const struct facts *f)
{
	if (f->cpu_vendor && !strcmp(f->cpu_vendor, "amd"))
		return "AMD-Vi (often labelled IOMMU)";
	if (f->cpu_vendor && !strcmp(f->cpu_vendor, "intel"))
		return "VT-d";
	return "VT-d (Intel) or AMD-Vi (AMD)";
}

static void check_firmware(struct gv_checks *c, const struct facts *f)
{
	if (f->dmar_table)
		add(c, "iommu_firmware", PASS,
		    "The firmware describes an Intel VT-d IOMMU (ACPI DMAR table).");
	else if (f->ivrs_table)
		add(c, "iommu_firmware", PASS,
		    "The firmware describes an AMD-Vi IOMMU (ACPI IVRS table).");
	else if (f->ngroups)
		add(c, "iommu_firmware", PASS,
		    "The firmware has no ACPI DMAR or IVRS table, but an IOMMU is active.");
	else
		add(c, "iommu_firmware", FAIL,
		    "The firmware describes no IOMMU (no ACPI DMAR or IVRS table): enable %s in the firmware setup.",
		    firmware_switch(f));
}

static void check_iommu(struct gv_checks *c, const struct facts *f)
{
	char val[64];

	if (f->ngroups) {
		add(c, "iommu", PASS, "The IOMMU is on: %u IOMMU group%s.",
		    f->ngroups, f->ngroups == 1 ? "" : "s");
		return;
	}
	if (cmdline_param(f->cmdline, "intel_iommu", val, sizeof(val)) &&
	    has_option(val, "off"))
		add(c, "iommu", FAIL,
		    "The IOMMU is off: the kernel command line has intel_iommu=off; remove it (or write intel_iommu=on) and reboot.");
	else if (cmdline_param(f->cmdline, "amd_iommu", val, sizeof(val)) &&
		 has_option(val, "off"))
		add(c, "iommu", FAIL,
		    "The IOMMU is off: the kernel command line has amd_iommu=off; remove it and reboot.");
	else if (cmdline_param(f->cmdline, "iommu", val, sizeof(val)) &&
		 has_option(val, "off"))
		add(c, "iommu", FAIL,
		    "The IOMMU is off: the kernel command line has iommu=off; remove it and reboot.");
	else if (!f->dmar_table && !f->ivrs_table)
		add(c, "iommu", FAIL,
		    "The IOMMU is off (no IOMMU groups): enable %s in the firmware setup, then boot with %s.",
		    firmware_switch(f), enable_param(f, false));
	else
		add(c, "iommu", FAIL,
		    "The IOMMU is off (no IOMMU groups): boot with %s on the kernel command line.",
		    enable_param(f, f->ivrs_table));
}

static void unit_list(const struct facts *f, char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < f->nunits && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					i ? ", " : "", f->units[i]);
}

static void check_dma_remapping(struct gv_checks *c, const struct facts *f)
{
	char units[256];
	const char *kind;
	char val[64];
	bool pt;

	if (!f->ngroups) {
		add(c, "dma_remapping", FAIL,
		    "No device is behind an active DMA remapping unit, so none can be isolated for a VM (see the IOMMU check above).");
		return;
	}
	if (!f->nunits) {
		add(c, "dma_remapping", PASS,
		    "DMA remapping is in use (%u IOMMU group%s; no unit is listed in /sys/class/iommu).",
		    f->ngroups, f->ngroups == 1 ? "" : "s");
		return;
	}
	unit_list(f, units, sizeof(units));
	kind = f->intel_units ? "Intel VT-d" : f->amd_units ? "AMD-Vi" : "IOMMU";
	pt = (f->identity_groups &&
	      f->identity_groups == (f->ngroups < 256 ? f->ngroups : 256)) ||
	     (cmdline_param(f->cmdline, "iommu", val, sizeof(val)) &&
	      has_option(val, "pt"));
	if (pt)
		add(c, "dma_remapping", PASS,
		    "DMA remapping is in use (%s: %s); host devices are in passthrough mode (iommu=pt), devices given to VMs are still isolated.",
		    kind, units);
	else
		add(c, "dma_remapping", PASS,
		    "DMA remapping is in use (%s: %s); host devices are translated.",
		    kind, units);
}

static bool unsafe_interrupts_allowed(void)
{
	char path[PATH_MAX], val[8];

	if (gv_sysfs_path(path, sizeof(path),
			  "module/vfio_iommu_type1/parameters/allow_unsafe_interrupts") ||
	    gv_sysfs_read(path, val, sizeof(val)) < 0)
		return false;
	return val[0] == 'Y' || val[0] == '1';
}

static void check_interrupt_remapping(struct gv_checks *c, const struct facts *f)
{
	char val[64];
	bool off;

	if (f->ir_in_use) {
		add(c, "interrupt_remapping", PASS,
		    "Interrupt remapping is in use: a VM cannot forge interrupts to the host.");
		return;
	}
	if (!f->interrupts_read) {
		add(c, "interrupt_remapping", WARN,
		    "Cannot tell whether interrupt remapping is in use: /proc/interrupts is not readable.");
		return;
	}
	off = (cmdline_param(f->cmdline, "intremap", val, sizeof(val)) &&
	       has_option(val, "off")) ||
	      cmdline_param(f->cmdline, "nointremap", val, sizeof(val));
	if (unsafe_interrupts_allowed()) {
		add(c, "interrupt_remapping", WARN,
		    "Interrupt remapping is not in use and vfio_iommu_type1.allow_unsafe_interrupts=1 lets VMs have devices anyway: a VM can then forge interrupts to the host.");
		return;
	}
	if (off)
		add(c, "interrupt_remapping", FAIL,
		    "Interrupt remapping is turned off on the kernel command line (intremap=off or nointremap): remove it, or VFIO refuses to give devices to VMs.");
	else if (f->intel_ir_units)
		add(c, "interrupt_remapping", FAIL,
		    "The IOMMU supports interrupt remapping but it is not in use (is x2APIC or intremap disabled?): VFIO refuses to give devices to VMs without it.");
	else if (f->ngroups)
		add(c, "interrupt_remapping", FAIL,
		    "Interrupt remapping is not in use: VFIO refuses to give devices to VMs unless vfio_iommu_type1.allow_unsafe_interrupts=1, which is unsafe.");
	else
		add(c, "interrupt_remapping", FAIL,
		    "Interrupt remapping is not in use: it comes with the IOMMU (see the IOMMU check above).");
}

/* The module is in modules.dep (or modules.builtin) of this kernel. */
static bool module_installed(const struct facts *f, const char *name,
			     bool *builtin)
{
	static const char *const files[] = { "modules.dep", "modules.builtin" };
	char abs[PATH_MAX], path[PATH_MAX], *line = NULL, *p, *q;
	size_t cap = 0, i, n = strlen(name);
	bool found = false;
	FILE *fp;

	*builtin = false;
	for (i = 0; i < 2 && !found; i++) {
		if ((size_t)snprintf(abs, sizeof(abs), "/lib/modules/%s/%s",
				     f->release, files[i]) >= sizeof(abs) ||
		    host_path(path, sizeof(path), abs))
			continue;
		fp = fopen(path, "re");
		if (!fp)
			continue;
		while (!found && getline(&line, &cap, fp) > 0) {
			/* The module's own path comes first, before ':'. */
			q = strchr(line, ':');
			if (q)
				*q = '\0';
			line[strcspn(line, "\n")] = '\0';
			p = strrchr(line, '/');
			p = p ? p + 1 : line;
			if (!strncmp(p, name, n) && !strncmp(p + n, ".ko", 3)) {
				found = true;
				*builtin = i == 1;
			}
		}
		fclose(fp);
	}
	free(line);
	return found;
}

static void check_vfio_pci(struct gv_checks *c, const struct facts *f)
{
	bool builtin;

	if (sysfs_exists("bus/pci/drivers/vfio-pci"))
		add(c, "vfio_pci", PASS, "vfio-pci is loaded.");
	else if (module_installed(f, "vfio-pci", &builtin))
		add(c, "vfio_pci", PASS,
		    builtin ? "vfio-pci is built into the kernel." :
		    "vfio-pci is installed (not loaded yet; gpuvfio loads it when it needs it).");
	else
		add(c, "vfio_pci", FAIL,
		    "vfio-pci is neither loaded nor installed for kernel %s: install the kernel's modules (CONFIG_VFIO_PCI).",
		    *f->release ? f->release : "(unknown)");
}

static void check_module(struct gv_checks *c, const struct facts *f,
			 const struct gv_config *cfg)
{
	bool builtin;

	if (cfg->loaded) {
		add(c, "module", PASS,
		    "gpuvfio %s is loaded; ids: %s; exclude: %s.",
		    *cfg->version ? cfg->version : "(version unknown)",
		    *cfg->ids ? cfg->ids : "(none)",
		    *cfg->exclude ? cfg->exclude : "(none)");
	} else if (module_installed(f, "gpuvfio", &builtin)) {
		add(c, "module", WARN,
		    "gpuvfio is installed but not loaded: modprobe gpuvfio.");
	} else {
		add(c, "module", FAIL,
		    "gpuvfio is not installed for kernel %s: install it with DKMS (dkms install gpuvfio) or make install.",
		    *f->release ? f->release : "(unknown)");
	}
}

/* ---- the configuration: running, in modprobe.d, in the initramfs ------- */

/* "" for the real root, the fake root's directory otherwise. */
static const char *conf_root(void)
{
	return gv_sysfs_overridden() ? gv_sysfs_root() : "";
}

/* The canonical lists of a configuration, "ids=A exclude=B" for messages. */
struct lists {
	char ids[GPUVFIO_LIST_MAX], exclude[GPUVFIO_LIST_MAX];
	char text[2 * GPUVFIO_LIST_MAX + 32];
	bool bad;
};

static void lists_of(const struct gv_modconf *mc, struct lists *l)
{
	struct gv_parse_err err;

	l->bad = gv_modconf_canonical(&mc->ids, true, l->ids, sizeof(l->ids), &err) ||
		 gv_modconf_canonical(&mc->exclude, false, l->exclude,
				      sizeof(l->exclude), &err);
	snprintf(l->text, sizeof(l->text), "ids=%s exclude=%s",
		 *l->ids ? l->ids : "(none)", *l->exclude ? l->exclude : "(none)");
}

static bool lists_equal(const struct lists *a, const struct lists *b)
{
	return !strcmp(a->ids, b->ids) && !strcmp(a->exclude, b->exclude);
}

/* A malformed value the module would refuse at load, named with its file. */
static bool check_syntax(struct gv_checks *c, const struct gv_modopt *o, bool ids)
{
	struct gv_parse_err err;
	char buf[GPUVFIO_LIST_MAX];

	if (!gv_modconf_canonical(o, ids, buf, sizeof(buf), &err))
		return true;
	add(c, "config", FAIL,
	    "%s sets gpuvfio %s=%s, and '%.*s' is not %s: modprobe gpuvfio fails with it, and nothing is claimed at boot. Fix it, then update the initramfs.",
	    o->from, ids ? "ids" : "exclude", o->value, (int)err.len, err.tok,
	    ids ? "a vendor:device ID (10de:1bb3)" : "a PCI address (0000:01:00.0)");
	return false;
}

static void check_running(struct gv_checks *c, const struct gv_config *cfg,
			  const struct gv_modconf *load)
{
	struct lists want, run;
	struct gv_modconf now = { 0 };

	lists_of(load, &want);
	now.ids.set = now.exclude.set = true;
	snprintf(now.ids.value, sizeof(now.ids.value), "%s", cfg->ids);
	snprintf(now.exclude.value, sizeof(now.exclude.value), "%s", cfg->exclude);
	lists_of(&now, &run);
	if (lists_equal(&want, &run))
		add(c, "config", PASS,
		    "The module runs with the lists that modprobe.d and the kernel command line give (%s).",
		    run.text);
	else
		add(c, "config", WARN,
		    "The module runs with %s, but modprobe.d and the kernel command line give %s: the next boot uses those. `gpuvfio ids set --persist` and `gpuvfio exclude set --persist` make the running lists the boot's.",
		    run.text, want.text);
}

/* Removes what nftw() walks, depth first. */
static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * Unpacks the initramfs img into dir with unmkinitramfs (initramfs-tools)
 * or lsinitrd --unpack (dracut): 0, -ENOENT when neither is installed, or
 * -EIO.
 */
static int unpack_initramfs(const char *img, const char *dir)
{
	static const char *const unpackers[][4] = {
		{ "unmkinitramfs", "IMG", "DIR", NULL },
		{ "lsinitrd", "--unpack", "IMG", NULL },
	};
	const char *argv[4];
	char path[PATH_MAX];
	size_t i, j;
	int status, fd;
	pid_t pid;

	for (i = 0; i < sizeof(unpackers) / sizeof(unpackers[0]); i++) {
		snprintf(path, sizeof(path), "command -v %s >/dev/null", unpackers[i][0]);
		if (system(path))
			continue;
		for (j = 0; j < 4; j++)
			argv[j] = !unpackers[i][j] ? NULL :
				  !strcmp(unpackers[i][j], "IMG") ? img :
				  !strcmp(unpackers[i][j], "DIR") ? dir : unpackers[i][j];
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			return -EIO;
		if (!pid) {
			fd = open("/dev/null", O_RDWR | O_CLOEXEC);
			if (fd >= 0) {
				dup2(fd, STDIN_FILENO);
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
			/* lsinitrd unpacks into the current directory. */
			if (chdir(dir))
				_exit(127);
			execvp(argv[0], (char *const *)argv);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			return -EIO;
		return 0;
	}
	return -ENOENT;
}

/* What to run to bring the initramfs up to date, for the installed generator. */
static const char *update_command(void)
{
	char path[PATH_MAX];
	struct stat st;

	/* Not mkinitramfs: initramfs-tools-core stays when dracut replaces
	 * initramfs-tools, update-initramfs goes. */
	if (!host_path(path, sizeof(path), "/usr/sbin/update-initramfs") && !stat(path, &st))
		return "update-initramfs -u";
	if ((!host_path(path, sizeof(path), "/usr/bin/dracut") && !stat(path, &st)) ||
	    (!host_path(path, sizeof(path), "/usr/sbin/dracut") && !stat(path, &st)))
		return "dracut -f";
	return "update-initramfs -u (or dracut -f)";
}

static void check_initramfs(struct gv_checks *c, const struct facts *f,
			    const struct gv_modconf *files)
{
	char abs[PATH_MAX], img[PATH_MAX], dir[] = "/tmp/gpuvfio-check.XXXXXX";
	char root[PATH_MAX + 8];
	struct gv_modconf *in;
	struct lists want, have;
	struct stat st;
	int ret;

	snprintf(abs, sizeof(abs), "/boot/initrd.img-%s", f->release);
	if (host_path(img, sizeof(img), abs))
		return;
	if (stat(img, &st)) {
		if (files->ids.set || files->exclude.set)
			add(c, "initramfs", WARN,
			    "There is no %s to compare with modprobe.d: if this kernel boots with an initramfs, make sure it has gpuvfio's options.",
			    abs);
		return;
	}
	in = calloc(1, sizeof(*in));
	if (!in || !mkdtemp(dir)) {
		add(c, "initramfs", WARN, "Cannot look into %s: %s.", abs, strerror(errno));
		free(in);
		return;
	}
	ret = unpack_initramfs(img, dir);
	if (ret) {
		add(c, "initramfs", WARN,
		    ret == -ENOENT ?
		    "Cannot look into %s: neither unmkinitramfs (initramfs-tools) nor lsinitrd (dracut) is installed." :
		    "Cannot look into %s: it did not unpack (is it readable? run as root).",
		    abs);
		goto out;
	}
	/* unmkinitramfs puts the main archive in main/ when early ones precede it. */
	snprintf(root, sizeof(root), "%s/main", dir);
	if (stat(root, &st))
		snprintf(root, sizeof(root), "%s", dir);
	gv_modconf_read(root, in);
	lists_of(files, &want);
	lists_of(in, &have);
	if (lists_equal(&want, &have))
		add(c, "initramfs", PASS,
		    "The initramfs %s carries the lists modprobe.d gives (%s).", abs, want.text);
	else
		add(c, "initramfs", FAIL,
		    "The initramfs %s carries %s, but modprobe.d gives %s: run %s, or the next boot claims by the initramfs's lists.",
		    abs, have.text, want.text, update_command());
out:
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(in);
}

/*
 * The lists the module gets at its next load (modprobe.d, then the kernel
 * command line), against the running module's and the initramfs's.
 */
static void check_config(struct gv_checks *c, const struct facts *f,
			 const struct gv_config *cfg)
{
	struct gv_modconf *files, *load;
	bool ok;

	files = malloc(sizeof(*files));
	load = malloc(sizeof(*load));
	if (!files || !load) {
		c->oom = true;
		goto out;
	}
	if (gv_modconf_read(conf_root(), files)) {
		add(c, "config", WARN, "Cannot read modprobe.d: %s.", strerror(errno));
		goto out;
	}
	*load = *files;
	gv_modconf_cmdline(load, f->cmdline);
	ok = check_syntax(c, &load->ids, true);
	ok = check_syntax(c, &load->exclude, false) && ok;
	if (ok && cfg->loaded)
		check_running(c, cfg, load);
	check_initramfs(c, f, files);
out:
	free(load);
	free(files);
}

/* The GPUs to check: what ids= matches, less exclude=; or, without ids,
 * every display controller. */
struct candidates {
	const struct gv_dev **v;
	size_t n;
	bool by_ids;
	bool named;	/* the targets on the command line chose them */
};

static int pick_candidates(const struct gv_host *h, const struct gv_config *cfg,
			   const struct gv_target *t, unsigned int nt,
			   struct candidates *cand)
{
	struct gv_id ids[GV_MAX_LIST];
	struct gv_addr excl[GV_MAX_LIST];
	struct gv_parse_err err;
	unsigned int nids = 0, nexcl = 0, i;
	const struct gv_dev *d;
	bool take;
	size_t k;

	memset(cand, 0, sizeof(*cand));
	cand->named = nt > 0;
	if (cfg->loaded && *cfg->ids &&
	    !gv_parse_id_list(cfg->ids, ids, GV_MAX_LIST, &nids, &err) && nids)
		cand->by_ids = true;
	if (cfg->loaded && *cfg->exclude &&
	    gv_parse_addr_list(cfg->exclude, excl, GV_MAX_LIST, &nexcl, &err))
		nexcl = 0;
	cand->v = calloc(h->ndevs ? h->ndevs : 1, sizeof(*cand->v));
	if (!cand->v)
		return -ENOMEM;
	for (k = 0; k < h->ndevs; k++) {
		d = &h->devs[k];
		if (nt) {
			/* Named on the command line: those devices only. */
			for (i = 0, take = false; i < nt && !take; i++)
				take = gv_dev_match(d, &t[i]);
			if (take)
				cand->v[cand->n++] = d;
			continue;
		}
		take = !cand->by_ids && gv_dev_is_display(d);
		for (i = 0; cand->by_ids && i < nids && !take; i++)
			take = gv_id_match(&ids[i], d->vendor, d->device,
					   d->subvendor, d->subdevice);
		for (i = 0; take && i < nexcl; i++)
			if (gv_addr_equal(&excl[i], &d->addr))
				take = false;
		if (take)
			cand->v[cand->n++] = d;
	}
	return 0;
}

static void check_candidates(struct gv_checks *c, const struct gv_config *cfg,
			     const struct candidates *cand)
{
	char list[256];
	size_t i, len = 0;

	list[0] = '\0';
	for (i = 0; i < cand->n && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? ", " : "", cand->v[i]->name);
	if (len >= sizeof(list))
		strcpy(list + sizeof(list) - 5, "...");
	if (cand->named)
		add(c, "gpus", PASS, "Devices named on the command line: %s.", list);
	else if (cand->n && cand->by_ids)
		add(c, "gpus", PASS, "Devices the ids list (%s) matches: %s.",
		    cfg->ids, list);
	else if (cand->n)
		add(c, "gpus", PASS,
		    "Display controllers (no ids are configured): %s.", list);
	else if (cand->by_ids)
		add(c, "gpus", WARN,
		    "The ids list (%s) matches no device on this host, once the exclude list is applied.",
		    cfg->ids);
	else
		add(c, "gpus", WARN, "This host has no display controller to pass through.");
}

static void check_group(struct gv_checks *c, const struct gv_host *h,
			const struct gv_dev *d)
{
	const struct gv_dev *foreign[MAX_FOREIGN], *m;
	const struct gv_group *g = gv_host_group(h, d->group);
	char list[400];
	size_t i, n = 0, len = 0;

	if (!g)
		return;
	for (i = 0; i < g->nmembers; i++) {
		m = &h->devs[g->members[i]];
		if (gv_same_slot(&m->addr, &d->addr) ||
		    gv_driver_leaves_dma(m->driver))
			continue;
		if (n < MAX_FOREIGN)
			foreign[n] = m;
		n++;
	}
	if (!n) {
		add(c, "iommu_group", PASS,
		    "%s [%04x:%04x]: IOMMU group %d holds no device of another card on a host driver.",
		    d->name, d->vendor, d->device, g->id);
		set_device(c, d);
		return;
	}
	list[0] = '\0';
	for (i = 0; i < n && i < MAX_FOREIGN && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len,
					"%s%s [%04x:%04x] on %s", i ? ", " : "",
					foreign[i]->name, foreign[i]->vendor,
					foreign[i]->device, foreign[i]->driver);
	add(c, "iommu_group", WARN,
	    "%s [%04x:%04x]: IOMMU group %d also holds %s%s: gpuvfio refuses to bind it unless %s named too, and the host then loses %s.",
	    d->name, d->vendor, d->device, g->id, list,
	    n > MAX_FOREIGN ? ", ..." : "", n == 1 ? "that device is" : "those are",
	    n == 1 ? "it" : "them");
	set_device(c, d);
}

static void check_boot_vga(struct gv_checks *c, const struct candidates *cand)
{
	char path[PATH_MAX], val[8];
	size_t i;
	bool any = false;

	for (i = 0; i < cand->n; i++) {
		if (gv_sysfs_path(path, sizeof(path), "bus/pci/devices/%s/boot_vga",
				  cand->v[i]->name) ||
		    gv_sysfs_read(path, val, sizeof(val)) < 0 || strcmp(val, "1"))
			continue;
		add(c, "boot_vga", WARN,
		    "%s is the boot VGA device: the host console is on it; it goes away when bound.",
		    cand->v[i]->name);
		set_device(c, cand->v[i]);
		any = true;
	}
	if (!any && cand->n)
		add(c, "boot_vga", PASS, "The host console is not on a GPU to pass through.");
}

/* ---- output --------------------------------------------------------------- */

static int print_human(FILE *fp, const struct gv_checks *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		fprintf(fp, "%s  %s\n", result_word[c->v[i].result],
			c->v[i].message);
	fprintf(fp, "%u passed, %u warning%s, %u failed.\n", c->count[PASS],
		c->count[WARN], c->count[WARN] == 1 ? "" : "s", c->count[FAIL]);
	return 0;
}

static int print_json(FILE *fp, const struct gv_checks *c,
		      const struct gv_dev_report *r)
{
	struct json j;
	size_t i;

	json_begin(&j, fp);
	json_object_open(&j);
	json_key(&j, "checks");
	json_array_open(&j);
	for (i = 0; i < c->n; i++) {
		json_object_open(&j);
		json_key(&j, "name");
		json_string(&j, c->v[i].name);
		if (*c->v[i].device) {
			json_key(&j, "device");
			json_string(&j, c->v[i].device);
		}
		json_key(&j, "result");
		json_string(&j, result_json[c->v[i].result]);
		json_key(&j, "message");
		json_string(&j, c->v[i].message);
		json_object_close(&j);
	}
	json_array_close(&j);
	json_key(&j, "passed");
	json_uint(&j, c->count[PASS]);
	json_key(&j, "warnings");
	json_uint(&j, c->count[WARN]);
	json_key(&j, "failed");
	json_uint(&j, c->count[FAIL]);
	gv_dev_report_json(&j, r);
	json_object_close(&j);
	return json_end(&j);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s check [-j|--json] [TARGET...]\n"
		"Checks whether this host is ready for GPU passthrough: IOMMU, DMA and\n"
		"interrupt remapping, vfio-pci, the gpuvfio module, its ids and exclude\n"
		"lists (running, in modprobe.d and on the kernel command line, in the\n"
		"initramfs), the IOMMU groups of the GPUs (those the ids list matches,\n"
		"or every display controller) and the boot VGA device. Then each device:\n"
		"its resets, D3cold, BARs against its bridge's window, firmware\n"
		"framebuffers, NUMA node, the bridges up to the root port and their ACS,\n"
		"SR-IOV: for display controllers, their slots' other functions and the\n"
		"devices gpuvfio manages or, with TARGETs (PCI addresses or vendor:device\n"
		"IDs), for the devices they name. One line per check: PASS, WARN or FAIL.\n"
		"Exit status 0 when nothing failed, 1 when a check failed.\n",
		gv_prog);
}

/* Each device's findings; without targets, exclude= keeps the host's own
 * cards out. */
static int check_devices(struct gv_checks *c, const struct gv_host *h,
			 const struct gv_config *cfg, const struct gv_target *t,
			 unsigned int nt, struct gv_dev_report *rep)
{
	struct gv_addr excl[GV_MAX_LIST];
	struct gv_parse_err err;
	unsigned int nexcl = 0;

	if (cfg->loaded && *cfg->exclude &&
	    gv_parse_addr_list(cfg->exclude, excl, GV_MAX_LIST, &nexcl, &err))
		nexcl = 0;
	return gv_check_devices(c, h, t, nt, excl, nexcl, rep);
}

/* Every target names a device; else says which does not (exit 1). */
static int targets_found(const struct gv_host *h, const struct gv_target *t,
			 unsigned int nt)
{
	char name[GV_ID_LEN + GV_ADDR_LEN];
	unsigned int i;
	size_t k;
	int ret = 0;

	for (i = 0; i < nt; i++) {
		for (k = 0; k < h->ndevs && !gv_dev_match(&h->devs[k], &t[i]); k++)
			;
		if (k < h->ndevs)
			continue;
		if (t[i].kind == GV_TARGET_ADDR)
			gv_format_addr(name, sizeof(name), &t[i].addr);
		else
			gv_format_id(name, sizeof(name), &t[i].id);
		gv_err("no PCI device matches %s: `lspci -Dnn` lists this host's devices",
		       name);
		ret = GV_EXIT_FAILED;
	}
	return ret;
}

int cmd_check(int argc, char **argv)
{
	struct gv_target targets[GV_MAX_LIST];
	struct gv_dev_report rep = { 0 };
	unsigned int nt;
	struct gv_checks c = { 0 };
	struct candidates cand = { 0 };
	struct gv_devsrc src;
	struct gv_config *cfg;
	struct facts *f;
	struct gv_host h;
	int ret;
	size_t i;

	ret = gv_common_opts(argc, argv, usage);
	if (ret >= 0)
		return ret;
	ret = gv_parse_targets(argc - optind, argv + optind, targets, &nt,
			       "check takes addresses and IDs; without any it checks every GPU",
			       usage);
	if (ret)
		return ret;

	f = malloc(sizeof(*f));
	cfg = malloc(sizeof(*cfg));
	if (!f || !cfg) {
		free(f);
		free(cfg);
		gv_err("out of memory");
		return GV_EXIT_FAILED;
	}
	gather(f);
	gv_devsrc_open(&src);
	gv_devsrc_config(&src, cfg);
	ret = gv_devsrc_host(&src, &h, 0);
	gv_devsrc_close(&src);
	if (ret) {
		gv_err("could not read the PCI devices in %s: %s",
		       gv_sysfs_root(), strerror(-ret));
		free(f);
		free(cfg);
		return GV_EXIT_FAILED;
	}
	ret = targets_found(&h, targets, nt);
	if (ret) {
		gv_host_free(&h);
		free(f);
		free(cfg);
		return ret;
	}

	check_firmware(&c, f);
	check_iommu(&c, f);
	check_dma_remapping(&c, f);
	check_interrupt_remapping(&c, f);
	check_vfio_pci(&c, f);
	check_module(&c, f, cfg);
	check_config(&c, f, cfg);
	if (pick_candidates(&h, cfg, targets, nt, &cand)) {
		c.oom = true;
	} else {
		check_candidates(&c, cfg, &cand);
		for (i = 0; i < cand.n; i++)
			check_group(&c, &h, cand.v[i]);
		check_boot_vga(&c, &cand);
	}
	if (check_devices(&c, &h, cfg, targets, nt, &rep))
		c.oom = true;

	ret = c.count[FAIL] ? GV_EXIT_FAILED : GV_EXIT_OK;
	if (c.oom) {
		gv_err("out of memory");
		ret = GV_EXIT_FAILED;
	} else if ((gv_json ? print_json(stdout, &c, &rep) : print_human(stdout, &c)) ||
		   fflush(stdout)) {
		gv_err("could not write the output: %s", strerror(errno));
		ret = GV_EXIT_FAILED;
	}
	free(cand.v);
	gv_dev_report_free(&rep);
	free(c.v);
	gv_host_free(&h);
	free(f);
	free(cfg);
	return ret;
}
