// SPDX-License-Identifier: GPL-2.0
/*
 * `gpuvfio check` end to end against fake trees: a ready Intel host, a GPU
 * sharing its group with a NIC, the boot VGA device, ids and exclude
 * choosing the GPUs, the IOMMU off in its different ways, interrupt
 * remapping missing, vfio-pci and gpuvfio only installed or missing, and
 * the JSON form. /proc and /lib/modules live in the fake root too
 * (ROOT/proc, ROOT/lib/modules; see check.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"

#define REL "6.99.0-test"

static const char intel_cpu[] = "processor\t: 0\nvendor_id\t: GenuineIntel\n";
static const char ir_interrupts[] =
	"           CPU0       CPU1\n"
	"  0:         40          0  IR-IO-APIC    2-edge      timer\n"
	" 24:          0         17  IR-PCI-MSIX-0000:05:00.0    0-edge      eth0\n";
static const char plain_interrupts[] =
	"           CPU0       CPU1\n"
	"  0:         40          0   IO-APIC    2-edge      timer\n"
	" 24:          0         17  PCI-MSI 524288-edge      eth0\n";

/*
 * group 0: host bridge; 1: root port; 2: VGA + its audio (boot VGA);
 * 3: a PCIe-to-PCI bridge, a display device and an e1000 behind it;
 * 4: a second VGA on vfio-pci.
 */
static void make_host(const char *cmdline, bool iommu)
{
	fake_init();
	fake_file("proc/cmdline", cmdline);
	fake_file("proc/sys/kernel/osrelease", REL "\n");
	fake_file("proc/cpuinfo", intel_cpu);
	fake_file("proc/interrupts", ir_interrupts);
	fake_file("firmware/acpi/tables/DMAR", "");
	fake_file("lib/modules/" REL "/modules.dep",
		  "kernel/drivers/vfio/pci/vfio-pci.ko.xz: kernel/drivers/vfio/pci/vfio-pci-core.ko.xz\n"
		  "kernel/drivers/vfio/pci/vfio-pci-core.ko.xz:\n"
		  "updates/dkms/gpuvfio.ko.xz: kernel/drivers/vfio/pci/vfio-pci.ko.xz\n");
	fake_file("lib/modules/" REL "/modules.builtin", "kernel/drivers/pci/pcie/portdrv.ko\n");
	if (iommu) {
		fake_file("class/iommu/dmar0/intel-iommu/cap", "d2008c22260286\n");
		fake_file("class/iommu/dmar0/intel-iommu/ecap", "f00f5e\n");
	}
	fake_dev("0000:00:00.0", 0x8086, 0x29c0, 0x060000, NULL, iommu ? 0 : -1);
	fake_dev("0000:00:10.0", 0x1b36, 0x000c, 0x060400, "pcieport", iommu ? 1 : -1);
	fake_dev("0000:01:00.0", 0x1234, 0x1111, 0x030000, "bochs-drm", iommu ? 2 : -1);
	fake_dev("0000:01:00.1", 0x8086, 0x2668, 0x040300, "snd_hda_intel", iommu ? 2 : -1);
	fake_dev("0000:03:00.0", 0x1b36, 0x000e, 0x060400, NULL, iommu ? 3 : -1);
	fake_dev("0000:04:01.0", 0x1234, 0x1111, 0x038000, "bochs-drm", iommu ? 3 : -1);
	fake_dev("0000:04:02.0", 0x8086, 0x100e, 0x020000, "e1000", iommu ? 3 : -1);
	fake_dev("0000:06:00.0", 0x10de, 0x1bb3, 0x030200, "vfio-pci", iommu ? 4 : -1);
	fake_file("devices/pci0000:00/0000:01:00.0/boot_vga", "1\n");
	fake_file("devices/pci0000:00/0000:04:01.0/boot_vga", "0\n");
	fake_file("devices/pci0000:00/0000:06:00.0/boot_vga", "0\n");
	if (!iommu)
		fake_iommu_dir();
	fake_file("bus/pci/drivers/vfio-pci/new_id", "");
	/* Every card can be reset, and no framebuffer holds one: the
	 * per-device findings pass (tested on their own below). */
	fake_file("devices/pci0000:00/0000:01:00.0/reset_method", "flr bus\n");
	fake_file("devices/pci0000:00/0000:01:00.1/reset_method", "flr\n");
	fake_file("devices/pci0000:00/0000:04:01.0/reset_method", "pm bus\n");
	fake_file("devices/pci0000:00/0000:06:00.0/reset_method", "flr\n");
	fake_file("proc/iomem", "00000000-00000fff : Reserved\n");
}

/* Removes a file or an empty directory of the fake tree. */
static void fake_remove(const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", getenv("GPUVFIO_SYSFS_ROOT"), rel);
	if (remove(path))
		printf("FAIL - test setup: remove %s\n", path);
}

/* The line of out that starts with word and contains what. */
static const char *line_with(const char *out, const char *word, const char *what)
{
	static char line[1024];
	const char *p = out, *end;
	size_t n;

	while (*p) {
		end = strchr(p, '\n');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (!strncmp(line, word, strlen(word)) && strstr(line, what))
				return line;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return NULL;
}

static void expect_line(const struct run *r, const char *word, const char *what,
			const char *desc)
{
	if (!check(line_with(r->out, word, what) != NULL, "%s", desc))
		printf("#   wanted a %s line with \"%s\" in:\n%s\n", word, what, r->out);
}

static void expect_no_line(const struct run *r, const char *word, const char *what,
			   const char *desc)
{
	const char *l = line_with(r->out, word, what);

	if (!check(l == NULL, "%s", desc))
		printf("#   unexpected: %s\n", l);
}

static void test_ready_host(void)
{
	struct run r;

	make_host("BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on\n", true);
	fake_module("1.2.3", "", "");
	run_tool(&r, "check", NULL);
	check(r.status == 0, "a host with no failed check: exit 0 (got %d)", r.status);
	expect_line(&r, "PASS", "ACPI DMAR", "the firmware's DMAR table is seen");
	expect_line(&r, "PASS", "5 IOMMU groups", "the IOMMU is on, groups counted");
	expect_line(&r, "PASS", "Intel VT-d: dmar0", "DMA remapping by dmar0");
	expect_line(&r, "PASS", "translated", "host devices are translated");
	expect_line(&r, "PASS", "Interrupt remapping is in use", "IR- chips mean interrupt remapping");
	expect_line(&r, "PASS", "vfio-pci is loaded", "vfio-pci's driver directory means loaded");
	expect_line(&r, "PASS", "gpuvfio 1.2.3 is loaded", "module and version");
	expect_line(&r, "PASS", "0000:01:00.0, 0000:04:01.0, 0000:06:00.0",
		    "without ids, every display controller is checked");
	expect_line(&r, "PASS", "0000:01:00.0 [1234:1111]: IOMMU group 2 holds no device",
		    "GPU with its audio function alone: no warning");
	expect_line(&r, "WARN", "0000:04:01.0 [1234:1111]: IOMMU group 3 also holds 0000:04:02.0 [8086:100e] on e1000",
		    "the GPU sharing its group with a NIC is named with the NIC and its driver");
	expect_no_line(&r, "WARN", "0000:03:00.0 [1b36:000e] on", "the unbound bridge is not foreign");
	expect_line(&r, "PASS", "0000:06:00.0 [10de:1bb3]: IOMMU group 4 holds no device",
		    "a GPU already on vfio-pci");
	expect_line(&r, "WARN", "0000:01:00.0 is the boot VGA device: the host console is on it",
		    "the boot VGA device is flagged");
	expect_line(&r, "WARN", "0000:04:01.0 [1234:1111]: IOMMU group 3 also holds 0000:03:00.0, 0000:04:02.0",
		    "per device: the group of the GPU behind the bridge holds more than the card");
	/* 10 host checks, then 6 findings for 01:00.0, 5 for its audio function
	 * (no framebuffer), 6 for 04:01.0 (one the group warning), 6 for 06:00.0. */
	expect_line(&r, "", "32 passed, 3 warnings, 0 failed.", "summary line");
	check_str(r.err, "", "nothing on stderr");

	run_tool(&r, "-j", "check", NULL);
	check(r.status == 0, "-j check: exit 0");
	check(json_valid(r.out), "-j check prints valid JSON");
	check_contains(r.out, "{\"checks\":[{\"name\":\"iommu_firmware\",\"result\":\"pass\",\"message\":",
		       "JSON: checks with name, result, message");
	check_contains(r.out, "{\"name\":\"iommu_group\",\"device\":\"0000:04:01.0\",\"result\":\"warn\"",
		       "JSON: the group warning names its device");
	check_contains(r.out, "{\"name\":\"boot_vga\",\"device\":\"0000:01:00.0\",\"result\":\"warn\"",
		       "JSON: the boot VGA warning");
	check_contains(r.out, "\"passed\":32,\"warnings\":3,\"failed\":0,", "JSON: the counts");

	run_tool(&r, "check", "--json", NULL);
	check(json_valid(r.out), "check --json after the command prints valid JSON");
}

static void test_ids_and_exclude(void)
{
	struct run r;

	make_host("intel_iommu=on\n", true);
	fake_module("1.2.3", "1234:1111", "0000:04:01.0");
	run_tool(&r, "check", NULL);
	check(r.status == 0, "ids and exclude: exit 0");
	expect_line(&r, "PASS", "ids list (1234:1111) matches: 0000:01:00.0.",
		    "only the matched, not excluded device is checked");
	expect_no_line(&r, "", "0000:04:01.0 [1234:1111]", "the excluded GPU is not checked, not even per device");
	expect_no_line(&r, "", "0000:06:00.0 [10de:1bb3]: IOMMU group 4 holds no device", "an unmatched GPU's group is not checked");
	expect_line(&r, "PASS", "0000:06:00.0 [10de:1bb3]: the kernel can reset it",
		    "but it is a GPU: its own findings are there (status shows it too)");

	fake_module("1.2.3", "10de:0001", "");
	run_tool(&r, "check", NULL);
	check(r.status == 0, "ids matching nothing is a warning, not a failure");
	expect_line(&r, "WARN", "(10de:0001) matches no device", "says the ids match nothing");
	expect_no_line(&r, "", "the host console", "no boot VGA line without GPUs");

	fake_module("1.2.3", "10de:1bb3", "");
	run_tool(&r, "check", NULL);
	expect_line(&r, "PASS", "The host console is not on a GPU to pass through",
		    "boot VGA not among the GPUs: pass");
}

static void test_iommu_off(void)
{
	struct run r;

	make_host("root=/dev/sda1 intel_iommu=off quiet\n", false);
	fake_module("1.2.3", "", "");
	run_tool(&r, "check", NULL);
	check(r.status == 1, "IOMMU off: exit 1 (got %d)", r.status);
	expect_line(&r, "PASS", "ACPI DMAR", "the firmware still has its DMAR table");
	expect_line(&r, "FAIL", "intel_iommu=off; remove it", "the failure names intel_iommu=off");
	expect_line(&r, "FAIL", "No device is behind an active DMA remapping unit",
		    "no DMA remapping");
	expect_no_line(&r, "", "IOMMU group", "no group lines without groups");
	run_tool(&r, "-j", "check", NULL);
	check(json_valid(r.out), "IOMMU off: valid JSON");
	check_contains(r.out, "\"name\":\"iommu\",\"result\":\"fail\"", "JSON: iommu fails");

	/* No firmware table, nothing on the command line: say both steps. */
	make_host("root=/dev/sda1\n", false);
	fake_remove("firmware/acpi/tables/DMAR");
	run_tool(&r, "check", NULL);
	expect_line(&r, "FAIL", "enable VT-d in the firmware setup.",
		    "no DMAR table: says to enable VT-d in the firmware");
	expect_line(&r, "FAIL", "enable VT-d in the firmware setup, then boot with intel_iommu=on",
		    "no groups: firmware, then intel_iommu=on");

	fake_file("proc/cpuinfo", "vendor_id\t: AuthenticAMD\n");
	fake_file("firmware/acpi/tables/IVRS", "");
	run_tool(&r, "check", NULL);
	expect_line(&r, "PASS", "AMD-Vi IOMMU (ACPI IVRS table)", "the IVRS table is seen");
	expect_line(&r, "FAIL", "boot with amd_iommu=on", "AMD: amd_iommu=on");
}

static void test_interrupt_remapping(void)
{
	struct run r;

	make_host("intel_iommu=on\n", true);
	fake_module("1.2.3", "", "");
	fake_file("proc/interrupts", plain_interrupts);
	run_tool(&r, "check", NULL);
	check(r.status == 1, "no interrupt remapping: exit 1 (got %d)", r.status);
	expect_line(&r, "FAIL", "supports interrupt remapping but it is not in use",
		    "ECAP.IR set but no IR- chip");

	fake_file("class/iommu/dmar0/intel-iommu/ecap", "f00f56\n");
	run_tool(&r, "check", NULL);
	expect_line(&r, "FAIL", "Interrupt remapping is not in use: VFIO refuses",
		    "no IR support at all");

	fake_file("proc/cmdline", "intel_iommu=on intremap=off\n");
	run_tool(&r, "check", NULL);
	expect_line(&r, "FAIL", "turned off on the kernel command line", "intremap=off is named");

	fake_file("module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "Y\n");
	run_tool(&r, "check", NULL);
	check(r.status == 0, "allow_unsafe_interrupts: a warning, exit 0 (got %d)", r.status);
	expect_line(&r, "WARN", "allow_unsafe_interrupts=1", "the unsafe setting is named");
}

static void test_passthrough_mode(void)
{
	struct run r;
	int g;
	char rel[64];

	make_host("intel_iommu=on iommu=pt\n", true);
	fake_module("1.2.3", "", "");
	for (g = 0; g <= 4; g++) {
		snprintf(rel, sizeof(rel), "kernel/iommu_groups/%d/type", g);
		fake_file(rel, "identity\n");
	}
	run_tool(&r, "check", NULL);
	expect_line(&r, "PASS", "passthrough mode (iommu=pt)", "iommu=pt is reported as passthrough");
}

static void test_modules(void)
{
	struct run r;

	make_host("intel_iommu=on\n", true);
	fake_remove("bus/pci/drivers/vfio-pci/new_id");
	fake_remove("bus/pci/drivers/vfio-pci");
	run_tool(&r, "check", NULL);
	check(r.status == 0, "vfio-pci installed, gpuvfio installed: exit 0 (got %d)", r.status);
	expect_line(&r, "PASS", "vfio-pci is installed", "vfio-pci found in modules.dep");
	expect_line(&r, "WARN", "gpuvfio is installed but not loaded: modprobe gpuvfio",
		    "gpuvfio installed, not loaded");

	fake_file("lib/modules/" REL "/modules.dep", "kernel/drivers/net/e1000.ko:\n");
	fake_file("lib/modules/" REL "/modules.builtin", "kernel/drivers/vfio/pci/vfio-pci.ko\n");
	run_tool(&r, "check", NULL);
	expect_line(&r, "PASS", "vfio-pci is built into the kernel", "vfio-pci from modules.builtin");
	expect_line(&r, "FAIL", "gpuvfio is not installed for kernel " REL, "gpuvfio missing");
	check(r.status == 1, "gpuvfio missing: exit 1");

	fake_file("lib/modules/" REL "/modules.builtin", "");
	run_tool(&r, "check", NULL);
	expect_line(&r, "FAIL", "vfio-pci is neither loaded nor installed for kernel " REL,
		    "vfio-pci missing");
}

/* A stand-in for unmkinitramfs, first in PATH: it "unpacks" a modprobe.d
 * file with the given content into DIR/main/etc/modprobe.d, or fails. */
static char stub_dir[] = "/tmp/gpuvfio-unpack.XXXXXX";

static void stub_unpacker(const char *conf)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/initrd.conf", stub_dir);
	f = fopen(path, "w");
	if (f) {
		fputs(conf ? conf : "", f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/unmkinitramfs", stub_dir);
	f = fopen(path, "w");
	if (!f)
		return;
	if (conf)
		fprintf(f, "#!/bin/sh\nmkdir -p \"$2/main/etc/modprobe.d\" &&\n"
			   "cp %s/initrd.conf \"$2/main/etc/modprobe.d/zz-gpuvfio-initramfs.conf\"\n",
			stub_dir);
	else
		fputs("#!/bin/sh\nexit 1\n", f);
	fclose(f);
	chmod(path, 0755);
}

static void test_config(void)
{
	const char *path = getenv("PATH");
	char newpath[8192];
	struct run r;

	if (!mkdtemp(stub_dir)) {
		check(false, "config: a temporary directory");
		return;
	}
	snprintf(newpath, sizeof(newpath), "%s:%s", stub_dir, path ? path : "/usr/bin:/bin");
	setenv("PATH", newpath, 1);

	/* As the tool persists them, the module and the initramfs agreeing. */
	make_host("BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on\n", true);
	fake_module("1.2.3", "1234:1111", "0000:02:00.0");
	fake_file("etc/modprobe.d/gpuvfio-ids.conf",
		  "# comment\noptions gpuvfio ids=1234:1111 exclude=0000:02:00.0\n");
	/* Hidden by the file of the same name in /etc, as modprobe reads them. */
	fake_file("lib/modprobe.d/gpuvfio-ids.conf", "options gpuvfio ids=10de:0001\n");
	fake_file("usr/sbin/update-initramfs", "");
	fake_file("boot/initrd.img-" REL, "not read: the stand-in unpacks\n");
	stub_unpacker("softdep nvidia pre: gpuvfio\noptions gpuvfio ids=1234:1111\n"
		      "options gpuvfio exclude=0000:02:00.0\n");
	run_tool(&r, "check", NULL);
	check(r.status == 0, "config: all agree: exit 0 (got %d)", r.status);
	expect_line(&r, "PASS", "runs with the lists that modprobe.d and the kernel command line give (ids=1234:1111 exclude=0000:02:00.0)",
		    "config: the running lists are modprobe.d's");
	expect_line(&r, "PASS", "/boot/initrd.img-" REL " carries the lists modprobe.d gives (ids=1234:1111 exclude=0000:02:00.0)",
		    "config: the initramfs carries them too");

	/* The initramfs made before the exclude line was written. */
	stub_unpacker("options gpuvfio ids=1234:1111\n");
	run_tool(&r, "check", NULL);
	check(r.status == 1, "config: an initramfs without the exclude list: exit 1 (got %d)", r.status);
	expect_line(&r, "FAIL", "carries ids=1234:1111 exclude=(none), but modprobe.d gives ids=1234:1111 exclude=0000:02:00.0: run update-initramfs -u",
		    "config: it says what differs and to run update-initramfs -u");

	/* An operator's own file, with a continued line, after the module loaded. */
	fake_file("etc/modprobe.d/local.conf", "options gpuvfio \\\n  exclude=0000:02:00.0,0000:03:00.0\n");
	run_tool(&r, "check", NULL);
	expect_line(&r, "WARN", "runs with ids=1234:1111 exclude=0000:02:00.0, but modprobe.d and the kernel command line give ids=1234:1111 exclude=0000:02:00.0,0000:03:00.0",
		    "config: a list changed in modprobe.d since the load is a warning");
	expect_line(&r, "FAIL", "but modprobe.d gives ids=1234:1111 exclude=0000:02:00.0,0000:03:00.0",
		    "config: every modprobe.d file counts, not only the tool's");

	/* The kernel command line comes last, and the initramfs is dracut's. */
	fake_remove("usr/sbin/update-initramfs");
	fake_file("usr/bin/dracut", "");
	fake_file("proc/cmdline", "root=/dev/sda1 gpuvfio.exclude=0000:02:00.0\n");
	stub_unpacker("options gpuvfio ids=1234:1111 exclude=0000:02:00.0,0000:03:00.0\n");
	run_tool(&r, "check", NULL);
	expect_line(&r, "PASS", "runs with the lists that modprobe.d and the kernel command line give (ids=1234:1111 exclude=0000:02:00.0)",
		    "config: gpuvfio.exclude= on the command line wins over modprobe.d");
	expect_line(&r, "PASS", "carries the lists modprobe.d gives (ids=1234:1111 exclude=0000:02:00.0,0000:03:00.0)",
		    "config: the initramfs is compared with modprobe.d alone (the command line is the same for both)");
	fake_file("etc/modprobe.d/local.conf", "");
	run_tool(&r, "check", NULL);
	expect_line(&r, "FAIL", "run dracut -f", "config: with dracut, it says to run dracut -f");

	stub_unpacker(NULL);
	run_tool(&r, "check", NULL);
	expect_line(&r, "WARN", "Cannot look into /boot/initrd.img-" REL ": it did not unpack",
		    "config: an initramfs that does not unpack is a warning");

	/* A malformed ids line: the module refused to load. */
	make_host("BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on\n", true);
	fake_file("etc/modprobe.d/gpuvfio-typo.conf", "options gpuvfio ids=1234:1111,10de:xyz1\n");
	run_tool(&r, "check", NULL);
	check(r.status == 1, "config: a malformed ids line: exit 1 (got %d)", r.status);
	expect_line(&r, "FAIL", "/etc/modprobe.d/gpuvfio-typo.conf sets gpuvfio ids=1234:1111,10de:xyz1, and '10de:xyz1' is not a vendor:device ID",
		    "config: the file and the token are named");
	expect_line(&r, "WARN", "There is no /boot/initrd.img-" REL " to compare with modprobe.d",
		    "config: no initramfs to compare is a warning when something is configured");

	setenv("PATH", path ? path : "/usr/bin:/bin", 1);
	snprintf(newpath, sizeof(newpath), "rm -rf %s", stub_dir);
	if (system(newpath))
		printf("# could not remove %s\n", stub_dir);
}

/* ---- per device ---------------------------------------------------------- */

/* Writes bytes to a file of the fake tree (config space is binary). */
static void fake_bytes(const char *rel, const unsigned char *b, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", getenv("GPUVFIO_SYSFS_ROOT"), rel);
	f = fopen(path, "w");
	if (!f || fwrite(b, 1, n, f) != n)
		printf("FAIL - test setup: write %s\n", path);
	if (f)
		fclose(f);
}

enum acs { NO_ACS, ACS_OFF, ACS_ON };

/*
 * A config space with a PCIe capability of the given port type and, at
 * 0x100, either an ACS capability (enabled or not) or only an AER one;
 * len 64 is what a user without root reads.
 */
static void fake_config(const char *addr, unsigned int type, enum acs acs, size_t len)
{
	unsigned char c[4096] = { 0 };
	char rel[128];

	c[0x06] = 0x10;			/* capability list */
	c[0x34] = 0x40;
	c[0x40] = 0x10;			/* PCI Express */
	c[0x42] = (unsigned char)(type << 4 | 2);
	if (acs == NO_ACS) {
		c[0x100] = 0x01;	/* AER, version 1, last */
		c[0x102] = 0x01;
	} else {
		c[0x100] = 0x0d;	/* ACS, version 1, last */
		c[0x102] = 0x01;
		c[0x104] = 0x1f;	/* SV TB RR CR UF */
		c[0x106] = acs == ACS_ON ? 0x1d : 0x00;
	}
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/config", addr);
	fake_bytes(rel, c, len);
}

/* A resource file: n lines of start end flags, zeros past those given. */
static void fake_resources(const char *addr, unsigned int lines,
			   const unsigned long long (*res)[4], size_t nres)
{
	char buf[4096], rel[128];
	size_t len = 0, i, k;
	unsigned long long s, e, f;

	for (i = 0; i < lines; i++) {
		s = e = f = 0;
		for (k = 0; k < nres; k++)
			if (res[k][0] == i) {
				s = res[k][1];
				e = res[k][2];
				f = res[k][3];
			}
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"0x%016llx 0x%016llx 0x%016llx\n", s, e, f);
	}
	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/resource", addr);
	fake_file(rel, buf);
}

static void fake_attr(const char *addr, const char *attr, const char *val)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "bus/pci/devices/%s/%s", addr, attr);
	fake_file(rel, val);
}

#define RP_A	"pci0000:00/0000:00:1c.0"
#define RP_B	"pci0000:00/0000:00:1d.0"
#define RP_C	"pci0000:00/0000:00:1e.0"
#define WIN_MEM		0x00000200ULL
#define WIN_PREF	0x00102200ULL
#define BAR_MEM		0x00040200ULL
#define BAR_PREF64	0x0014220cULL

/*
 * Root port A (00:1c.0, ACS on): GPU A 01:00.0 (10de:1bb3, FLR, boot VGA,
 * NUMA node 1, SR-IOV capable, BARs within the windows, a resizable BAR 1)
 * and its audio function 01:00.1, group 2.
 * Root port B (00:1d.0, no ACS) above a switch (upstream 02:00.0, no ACS;
 * downstream 03:00.0 and 03:01.0, ACS on): GPU C 04:00.0 (no reset) and a
 * NIC 05:00.0 in one group, 5.
 * Root port C (00:1e.0, ACS on): GPU B 07:00.0 (AMD Polaris 10, bus reset
 * only, a 512 MiB BAR in a 256 MiB window, VFs enabled), group 6.
 * Two NUMA nodes; vfio-pci's disable_idle_d3 is N.
 */
static void make_topology(void)
{
	static const unsigned long long win_a[][4] = {
		{ 14, 0xfd000000, 0xfdffffff, WIN_MEM },
		{ 15, 0xe0000000, 0xefffffff, WIN_PREF },
	};
	static const unsigned long long bars_a[][4] = {
		{ 0, 0xfd000000, 0xfdffffff, BAR_MEM },
		{ 1, 0xe0000000, 0xefffffff, BAR_PREF64 },
		{ 3, 0x0000e000, 0x0000e07f, 0x40101 },		/* I/O: not judged */
	};
	static const unsigned long long win_c[][4] = {
		{ 14, 0xfc000000, 0xfcffffff, WIN_MEM },
		{ 15, 0x800000000ULL, 0x80fffffffULL, WIN_PREF },
	};
	static const unsigned long long bars_b[][4] = {
		{ 0, 0x800000000ULL, 0x81fffffffULL, BAR_PREF64 },
		{ 2, 0xfc000000, 0xfc03ffff, BAR_MEM },
	};

	make_host("intel_iommu=on\n", true);
	fake_module("1.2.3", "", "");
	/* make_host's own cards stay; these are beside them. */
	fake_dev_at("pci0000:00", "0000:00:1c.0", 0x8086, 0xa110, 0x060400, "pcieport", 10);
	fake_dev_at(RP_A, "0000:01:00.0", 0x10de, 0x1bb3, 0x030000, "nvidia", 12);
	fake_dev_at(RP_A, "0000:01:00.1", 0x10de, 0x10f0, 0x040300, "snd_hda_intel", 12);
	fake_dev_at("pci0000:00", "0000:00:1d.0", 0x8086, 0xa111, 0x060400, "pcieport", 11);
	fake_dev_at(RP_B, "0000:02:00.0", 0x10b5, 0x8747, 0x060400, "pcieport", 15);
	fake_dev_at(RP_B "/0000:02:00.0", "0000:03:00.0", 0x10b5, 0x8747, 0x060400, "pcieport", 15);
	fake_dev_at(RP_B "/0000:02:00.0", "0000:03:01.0", 0x10b5, 0x8747, 0x060400, "pcieport", 15);
	fake_dev_at(RP_B "/0000:02:00.0/0000:03:00.0", "0000:04:00.0", 0x1234, 0x1111, 0x030000,
		    "bochs-drm", 15);
	fake_dev_at(RP_B "/0000:02:00.0/0000:03:01.0", "0000:05:00.0", 0x8086, 0x10d3, 0x020000,
		    "e1000e", 15);
	fake_dev_at("pci0000:00", "0000:00:1e.0", 0x8086, 0xa112, 0x060400, "pcieport", 13);
	fake_dev_at(RP_C, "0000:07:00.0", 0x1002, 0x67df, 0x030000, "amdgpu", 16);

	fake_config("0000:00:1c.0", 4, ACS_ON, 4096);
	fake_config("0000:00:1d.0", 4, NO_ACS, 4096);
	fake_config("0000:02:00.0", 5, NO_ACS, 4096);
	fake_config("0000:03:00.0", 6, ACS_ON, 4096);
	fake_config("0000:03:01.0", 6, ACS_ON, 4096);
	fake_config("0000:00:1e.0", 4, ACS_ON, 4096);
	fake_config("0000:01:00.0", 0, NO_ACS, 4096);
	fake_resources("0000:00:1c.0", 17, win_a, 2);
	fake_resources("0000:00:1e.0", 17, win_c, 2);
	fake_resources("0000:01:00.0", 13, bars_a, 3);
	fake_resources("0000:07:00.0", 13, bars_b, 2);

	fake_attr("0000:01:00.0", "reset_method", "flr bus\n");
	fake_attr("0000:01:00.1", "reset_method", "flr\n");
	fake_attr("0000:04:00.0", "reset_method", "\n");	/* empty: none */
	fake_attr("0000:07:00.0", "reset_method", "bus\n");
	fake_attr("0000:01:00.0", "boot_vga", "1\n");
	fake_attr("0000:04:00.0", "boot_vga", "0\n");
	fake_attr("0000:07:00.0", "boot_vga", "0\n");
	fake_attr("0000:01:00.0", "d3cold_allowed", "1\n");
	fake_attr("0000:01:00.0", "numa_node", "1\n");
	fake_attr("0000:07:00.0", "numa_node", "-1\n");
	fake_attr("0000:01:00.0", "resource1_resize", "00000000000001c0\n");
	fake_attr("0000:01:00.0", "sriov_totalvfs", "16\n");
	fake_attr("0000:01:00.0", "sriov_numvfs", "0\n");
	fake_attr("0000:07:00.0", "sriov_totalvfs", "4\n");
	fake_attr("0000:07:00.0", "sriov_numvfs", "2\n");
	fake_file("devices/system/node/node0/cpulist", "0-1\n");
	fake_file("devices/system/node/node1/cpulist", "2-3\n");
	fake_file("module/vfio_pci/parameters/disable_idle_d3", "N\n");
	fake_file("class/graphics/fb0/name", "EFI VGA\n");
	fake_file("proc/iomem",
		  "00000000-00000fff : Reserved\n"
		  "e0000000-efffffff : PCI Bus 0000:01\n"
		  "  e0000000-efffffff : 0000:01:00.0\n"
		  "    e0000000-e02fffff : efifb\n"
		  "800000000-81fffffff : 0000:07:00.0\n");
}

static void test_device_reset(void)
{
	struct run r;

	make_topology();
	run_tool(&r, "check", NULL);
	check(r.status == 1, "a GPU without reset: check fails, exit 1 (got %d)", r.status);
	expect_line(&r, "PASS", "0000:01:00.0 [10de:1bb3]: the kernel can reset it between VMs (reset_method: flr bus)",
		    "reset: FLR offered: pass, with the methods");
	expect_line(&r, "FAIL", "0000:04:00.0 [1234:1111]: the kernel offers no reset for it",
		    "reset: an empty reset_method is a failure");
	expect_line(&r, "WARN", "0000:07:00.0 [1002:67df]: its only reset is a bus reset",
		    "reset: bus only is a warning");
	expect_line(&r, "WARN", "AMD's Polaris 10 GPUs", "reset: the Polaris 10 ID names its family");
	expect_line(&r, "WARN", "vendor-reset module", "reset: and the remedy, vendor-reset");
	expect_no_line(&r, "", "0000:01:00.0 [10de:1bb3]: the kernel can reset it between VMs (reset_method: flr bus). Its ID",
		       "reset: an NVIDIA card is not in a reset-bug family");

	/* A missing reset_method is none too; device_specific first is the
	 * vendor-reset remedy in place. */
	fake_remove("devices/pci0000:00/0000:00:1d.0/0000:02:00.0/0000:03:00.0/0000:04:00.0/reset_method");
	fake_attr("0000:07:00.0", "reset_method", "device_specific bus\n");
	run_tool(&r, "check", NULL);
	expect_line(&r, "FAIL", "0000:04:00.0 [1234:1111]: the kernel offers no reset for it",
		    "reset: no reset_method file is a failure too");
	expect_line(&r, "WARN", "0000:07:00.0 [1002:67df]: the kernel can reset it between VMs (reset_method: device_specific bus). Its ID is in the range of AMD's Polaris 10 GPUs (the AMD reset bug); device_specific is offered",
		    "reset: device_specific offered for a Polaris card: says to keep vendor-reset loaded");

	/* A card's audio function without a reset of its own: the slot's
	 * bus reset covers it when the whole card goes to one VM, so a
	 * warning, not a failure; the single-function 04:00.0 still fails. */
	fake_attr("0000:01:00.1", "reset_method", "\n");
	run_tool(&r, "check", NULL);
	expect_line(&r, "WARN", "0000:01:00.1 [10de:10f0]: the kernel offers no reset of this function alone",
		    "reset: a function of a multifunction slot without reset: warning");
	expect_no_line(&r, "FAIL", "0000:01:00.1 [10de:10f0]",
		       "reset: and no failure for it");
	expect_line(&r, "FAIL", "0000:04:00.0 [1234:1111]: the kernel offers no reset for it",
		    "reset: the single-function device without reset still fails beside it");
}

static void test_device_power_and_bars(void)
{
	struct run r;

	make_topology();
	run_tool(&r, "check", NULL);
	expect_line(&r, "PASS", "0000:01:00.0 [10de:1bb3]: D3cold is allowed (d3cold_allowed is 1) and vfio-pci puts unused devices in low power (disable_idle_d3=N)",
		    "d3cold: allowed, vfio-pci idles devices: the trade-off is explained");
	expect_line(&r, "PASS", "vfio_pci.disable_idle_d3=1", "d3cold: the remedy for a card that does not wake");
	fake_file("module/vfio_pci/parameters/disable_idle_d3", "Y\n");
	run_tool(&r, "check", NULL);
	expect_line(&r, "PASS", "0000:01:00.0 [10de:1bb3]: vfio-pci keeps unused devices powered",
		    "d3cold: with disable_idle_d3=Y, says so");
	fake_file("module/vfio_pci/parameters/disable_idle_d3", "N\n");
	fake_attr("0000:01:00.0", "d3cold_allowed", "0\n");
	run_tool(&r, "check", NULL);
	expect_line(&r, "PASS", "0000:01:00.0 [10de:1bb3]: D3cold is not allowed", "d3cold: d3cold_allowed 0");

	expect_line(&r, "FAIL", "0000:07:00.0 [1002:67df]: BAR 0 is 512 MiB, larger than the 256 MiB prefetchable window of bridge 0000:00:1e.0",
		    "bars: a BAR larger than its bridge's window fails, naming both sizes and the bridge");
	expect_line(&r, "FAIL", "Above 4G decoding", "bars: and says what to do");
	expect_line(&r, "FAIL", "BAR 2 256 KiB in a 16 MiB window", "bars: the BAR that fits is listed too");
	expect_line(&r, "PASS", "0000:01:00.0 [10de:1bb3]: BAR 0 16 MiB in a 16 MiB window; BAR 1 256 MiB prefetchable in a 256 MiB window (resizable to 64 MiB, 128 MiB, 256 MiB).",
		    "bars: BARs that fit their windows pass; the I/O BAR is left out; resourceN_resize sizes");
	expect_no_line(&r, "", "0000:01:00.1 [10de:10f0]: BAR", "bars: no resource file, no BAR line");

	/* A BAR the kernel could not place. */
	{
		static const unsigned long long unset[][4] = {
			{ 0, 0, 0x1fffffff, BAR_PREF64 | 0x20000000ULL },
		};
		fake_resources("0000:07:00.0", 13, unset, 1);
		run_tool(&r, "check", NULL);
		expect_line(&r, "FAIL", "0000:07:00.0 [1002:67df]: BAR 0 (512 MiB) has no address",
			    "bars: an unassigned BAR fails");
	}
}

static void test_device_framebuffer(void)
{
	struct run r;

	make_topology();
	run_tool(&r, "check", NULL);
	expect_line(&r, "WARN", "0000:01:00.0 [10de:1bb3]: it is the boot VGA device and a firmware framebuffer still holds its memory (efifb at e0000000-e02fffff in BAR 1 in /proc/iomem; framebuffer devices: fb0 (EFI VGA))",
		    "framebuffer: efifb inside the boot VGA card's BAR is named, with fb0");
	expect_line(&r, "WARN", "initcall_blacklist=sysfb_init", "framebuffer: the sysfb remedy");
	expect_line(&r, "WARN", "video=efifb:off", "framebuffer: the efifb remedy");
	expect_line(&r, "PASS", "0000:07:00.0 [1002:67df]: it is not the boot VGA device; no firmware framebuffer holds its memory.",
		    "framebuffer: a card whose BARs hold none passes");
	expect_no_line(&r, "", "0000:01:00.1 [10de:10f0]: it is", "framebuffer: not judged for the audio function");

	fake_file("proc/iomem", "e0000000-efffffff : 0000:01:00.0\n  e0000000-e02fffff : BOOTFB\n"
				"    e0000000-e02fffff : simpledrm\n");
	run_tool(&r, "check", NULL);
	expect_line(&r, "WARN", "(BOOTFB at e0000000-e02fffff in BAR 1, simpledrm at e0000000-e02fffff in BAR 1",
		    "framebuffer: sysfb's BOOTFB and simpledrm are named");

	fake_file("proc/iomem", "e0000000-efffffff : 0000:01:00.0\n  f0000000-f02fffff : efifb\n");
	run_tool(&r, "check", NULL);
	expect_line(&r, "PASS", "0000:01:00.0 [10de:1bb3]: it is the boot VGA device; no firmware framebuffer holds its memory.",
		    "framebuffer: a framebuffer outside the card's BARs is not its");

	fake_file("proc/iomem", "00000000-00000000 : 0000:01:00.0\n  00000000-00000000 : efifb\n");
	run_tool(&r, "check", NULL);
	expect_line(&r, "WARN", "0000:01:00.0 [10de:1bb3]: it is the boot VGA device, and whether a firmware framebuffer still holds its memory cannot be told: /proc/iomem shows addresses to root only",
		    "framebuffer: /proc/iomem read without root: says so");
}

static void test_device_numa_path_acs(void)
{
	struct run r;

	make_topology();
	run_tool(&r, "check", NULL);
	expect_line(&r, "PASS", "0000:01:00.0 [10de:1bb3]: it is on NUMA node 1 (CPUs 2-3)",
		    "numa: the node and its CPUs");
	expect_line(&r, "WARN", "0000:07:00.0 [1002:67df]: the host has 2 NUMA nodes but the firmware does not say",
		    "numa: -1 on a host with two nodes is a warning");
	expect_line(&r, "PASS", "0000:04:00.0 [1234:1111]: path to the root bus: 0000:03:00.0 (switch downstream port, ACS), 0000:02:00.0 (switch upstream port, no ACS), 0000:00:1d.0 (root port, no ACS).",
		    "path: the switch ports and the root port, in order, with their ACS");
	expect_line(&r, "PASS", "0000:01:00.0 [10de:1bb3]: path to the root bus: 0000:00:1c.0 (root port, ACS).",
		    "path: a card right below a root port with ACS");
	expect_line(&r, "WARN", "0000:04:00.0 [1234:1111]: IOMMU group 15 also holds 0000:02:00.0, 0000:03:00.0, 0000:03:01.0, 0000:05:00.0, because root port 0000:00:1d.0 has no ACS capability",
		    "acs: the group's other members and the root port without ACS are named");
	expect_no_line(&r, "WARN", "switch downstream port 0000:03:00.0 has",
		       "acs: the downstream port with ACS is not blamed");
	expect_no_line(&r, "WARN", "switch upstream port 0000:02:00.0 has",
		       "acs: nor the upstream port, of which the kernel asks no ACS");
	expect_line(&r, "PASS", "0000:01:00.0 [10de:1bb3]: IOMMU group 12 holds only this card's functions (they share it: the card has no ACS between them",
		    "acs: a card alone with its functions passes, and says why they share");

	fake_config("0000:00:1d.0", 4, ACS_OFF, 4096);
	run_tool(&r, "check", NULL);
	expect_line(&r, "WARN", "because root port 0000:00:1d.0 has ACS but not enabled",
		    "acs: an ACS capability with its controls off is named as such");

	fake_config("0000:00:1d.0", 4, NO_ACS, 64);
	fake_config("0000:02:00.0", 5, NO_ACS, 64);
	fake_config("0000:03:00.0", 6, NO_ACS, 64);
	run_tool(&r, "check", NULL);
	expect_line(&r, "WARN", "0000:04:00.0 [1234:1111]: IOMMU group 15 also holds 0000:02:00.0, 0000:03:00.0, 0000:03:01.0, 0000:05:00.0; which bridge lacks ACS needs the config space past its first 64 bytes, which only root reads",
		    "acs: config space cut at 64 bytes (no root): says root is needed");
	expect_line(&r, "PASS", "0000:04:00.0 [1234:1111]: path to the root bus: 0000:03:00.0 (bridge), 0000:02:00.0 (bridge), 0000:00:1d.0 (bridge); the port types and ACS need",
		    "path: without root, bridges without types, and why");
}

static void test_device_sriov_targets_json(void)
{
	struct run r;

	make_topology();
	run_tool(&r, "check", NULL);
	expect_line(&r, "PASS", "0000:01:00.0 [10de:1bb3]: SR-IOV: up to 16 virtual functions, none enabled.",
		    "sriov: totals");
	expect_line(&r, "WARN", "0000:07:00.0 [1002:67df]: SR-IOV: 2 of 4 virtual functions are enabled",
		    "sriov: VFs enabled is a warning");
	expect_no_line(&r, "", "0000:04:00.0 [1234:1111]: SR-IOV", "sriov: no files, no line");
	expect_no_line(&r, "", "0000:05:00.0 [8086:10d3]:", "the NIC in a GPU's group is not checked by default");
	expect_no_line(&r, "", "0000:00:1d.0 [", "nor are bridges");

	run_tool(&r, "check", "0000:07:00.0", NULL);
	expect_line(&r, "PASS", "Devices named on the command line: 0000:07:00.0.", "targets: named");
	expect_line(&r, "FAIL", "0000:07:00.0 [1002:67df]: BAR 0 is 512 MiB", "targets: the named device is checked");
	expect_no_line(&r, "", "0000:01:00.0 [10de:1bb3]:", "targets: another card is not");
	expect_no_line(&r, "", "0000:04:00.0 [1234:1111]:", "targets: nor a third");

	run_tool(&r, "check", "10de:1bb3", "05:00.0", NULL);
	expect_line(&r, "PASS", "0000:01:00.0 [10de:1bb3]: the kernel can reset it", "targets: by ID");
	expect_line(&r, "FAIL", "0000:05:00.0 [8086:10d3]: the kernel offers no reset", "targets: any device may be named");
	expect_no_line(&r, "", "0000:01:00.1 [10de:10f0]:", "targets: an ID names that device only, not its slot");

	fake_module("1.2.3", "", "0000:07:00.0");
	run_tool(&r, "check", NULL);
	expect_no_line(&r, "", "0000:07:00.0 [1002:67df]:", "exclude: the host's own card is not checked");
	run_tool(&r, "check", "0000:07:00.0", NULL);
	expect_line(&r, "WARN", "0000:07:00.0 [1002:67df]: its only reset", "exclude: unless named");

	fake_module("1.2.3", "", "");
	run_tool(&r, "-j", "check", NULL);
	check(json_valid(r.out), "per device: valid JSON");
	check_contains(r.out, "\"name\":\"reset\",\"device\":\"0000:04:00.0\",\"result\":\"fail\"",
		       "JSON: a finding names its device");
	check_contains(r.out, "\"vfio_pci_disable_idle_d3\":false,\"devices\":[",
		       "JSON: disable_idle_d3 and the devices");
	check_contains(r.out, "{\"address\":\"0000:01:00.0\",\"reset_methods\":[\"flr\",\"bus\"],\"reset_bug\":null,"
		       "\"d3cold_allowed\":true,\"numa_node\":1,\"boot_vga\":true,"
		       "\"framebuffer\":\"efifb at e0000000-e02fffff in BAR 1\","
		       "\"bars\":[{\"index\":0,\"size\":16777216,\"prefetchable\":false,\"assigned\":true,\"window_size\":16777216,\"resizable_sizes\":null},"
		       "{\"index\":1,\"size\":268435456,\"prefetchable\":true,\"assigned\":true,\"window_size\":268435456,\"resizable_sizes\":[67108864,134217728,268435456]}],"
		       "\"path\":[{\"address\":\"0000:00:1c.0\",\"type\":\"root_port\",\"acs\":true}],"
		       "\"acs\":false,\"sriov_totalvfs\":16,\"sriov_numvfs\":0}",
		       "JSON: GPU A's facts");
	check_contains(r.out, "{\"address\":\"0000:04:00.0\",\"reset_methods\":[],\"reset_bug\":null,",
		       "JSON: no reset is an empty list");
	check_contains(r.out, "\"path\":[{\"address\":\"0000:03:00.0\",\"type\":\"switch_downstream\",\"acs\":true},"
		       "{\"address\":\"0000:02:00.0\",\"type\":\"switch_upstream\",\"acs\":false},"
		       "{\"address\":\"0000:00:1d.0\",\"type\":\"root_port\",\"acs\":false}]",
		       "JSON: the path through the switch");
	check_contains(r.out, "\"reset_bug\":\"Polaris 10\"", "JSON: the reset-bug family");
	check_contains(r.out, "\"numa_node\":null", "JSON: numa_node -1 is null");
	check_contains(r.out, "\"sriov_totalvfs\":4,\"sriov_numvfs\":2", "JSON: VF counts");
}

static void test_usage(void)
{
	struct run r;

	make_host("intel_iommu=on\n", true);
	run_tool(&r, "check", "extra", NULL);
	check(r.status == 2, "check with a malformed target: exit 2 (got %d)", r.status);
	check_contains(r.err, "'extra' is neither a PCI address", "and says why");
	check_str(r.out, "", "and checks nothing");
	run_tool(&r, "check", "all", NULL);
	check(r.status == 2, "check all: exit 2 (got %d)", r.status);
	check_contains(r.err, "check takes addresses and IDs", "and says what it takes");
	run_tool(&r, "check", "0000:09:00.0", NULL);
	check(r.status == 1, "check of an address no device has: exit 1 (got %d)", r.status);
	check_contains(r.err, "no PCI device matches 0000:09:00.0", "and names it");
	check_str(r.out, "", "and prints no findings");
	run_tool(&r, "check", "--help", NULL);
	check(r.status == 0, "check --help: exit 0");
	check_contains(r.out, "Usage: gpuvfio check", "check --help prints the usage");
	run_tool(&r, "help", "check", NULL);
	check_contains(r.out, "Usage: gpuvfio check", "help check prints the usage");
	run_tool(&r, "--help", NULL);
	check_contains(r.out, "Check whether this host is ready for GPU passthrough",
		       "check is in the command list");
}

int main(void)
{
	test_ready_host();
	test_ids_and_exclude();
	test_iommu_off();
	test_interrupt_remapping();
	test_passthrough_mode();
	test_modules();
	test_config();
	test_device_reset();
	test_device_power_and_bars();
	test_device_framebuffer();
	test_device_numa_path_acs();
	test_device_sriov_targets_json();
	test_usage();
	fake_cleanup();
	return test_done();
}
