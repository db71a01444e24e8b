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
	expect_no_line(&r, "WARN", "0000:03:00.0", "the unbound bridge is not foreign");
	expect_line(&r, "PASS", "0000:06:00.0 [10de:1bb3]: IOMMU group 4 holds no device",
		    "a GPU already on vfio-pci");
	expect_line(&r, "WARN", "0000:01:00.0 is the boot VGA device: the host console is on it",
		    "the boot VGA device is flagged");
	expect_line(&r, "", "10 passed, 2 warnings, 0 failed.", "summary line");
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
	check_contains(r.out, "\"passed\":10,\"warnings\":2,\"failed\":0}", "JSON: the counts");

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
	expect_no_line(&r, "", "0000:04:01.0 [1234:1111]", "the excluded GPU is not checked");
	expect_no_line(&r, "", "0000:06:00.0 [10de:1bb3]", "an unmatched GPU is not checked");

	fake_module("1.2.3", "10de:0001", "");
	run_tool(&r, "check", NULL);
	check(r.status == 0, "ids matching nothing is a warning, not a failure");
	expect_line(&r, "WARN", "(10de:0001) matches no device", "says the ids match nothing");
	expect_no_line(&r, "", "boot VGA", "no boot VGA line without GPUs");

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

static void test_usage(void)
{
	struct run r;

	make_host("intel_iommu=on\n", true);
	run_tool(&r, "check", "extra", NULL);
	check(r.status == 2, "check with an argument: exit 2 (got %d)", r.status);
	check_contains(r.err, "check takes no arguments", "and says why");
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
	test_usage();
	fake_cleanup();
	return test_done();
}
