// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio-libvirt-hook on the host: what it reads from a domain's XML,
 * its switch file, its records, and what it asks for by operation. The
 * tool's bind and unbind stand in here for the kernel (cmd_bind() and
 * cmd_unbind() are wrapped: the arguments of every request are kept, and
 * the exit status is the test's); the QEMU suite runs the real thing
 * (tests/guest/29-libvirt-hook.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpuvfio.h"
#include "libvirt-hook.h"
#include "test.h"

/* ---- The tool's requests, as the test wants them answered ------------ */

static int calls;
static char last_args[1024];
static int answer;		/* the exit status cmd_bind/cmd_unbind give */
static bool hang;		/* the request never ends (the timeout test) */

static int record_call(int argc, char **argv)
{
	size_t len = 0;
	int i;

	calls++;
	last_args[0] = '\0';
	for (i = 0; i < argc; i++) {
		snprintf(last_args + len, sizeof(last_args) - len, "%s%s", i ? " " : "", argv[i]);
		len += strlen(last_args + len);
	}
	if (hang)
		sleep(30);
	return answer;
}

int __wrap_cmd_bind(int argc, char **argv);
int __wrap_cmd_unbind(int argc, char **argv);

int __wrap_cmd_bind(int argc, char **argv)
{
	return record_call(argc, argv);
}

int __wrap_cmd_unbind(int argc, char **argv)
{
	return record_call(argc, argv);
}

/* ---- Domains ---------------------------------------------------------- */

#define UUID "1b4e28ba-2fa1-11d2-883f-0016d3cca427"

#define HEAD "<domain type='kvm'>\n  <name>vm1</name>\n  <uuid>" UUID "</uuid>\n  <devices>\n"
#define TAIL "  </devices>\n</domain>\n"
#define HOSTDEV(managed, dom, bus, slot, fn) \
	"    <hostdev mode='subsystem' type='pci'" managed ">\n" \
	"      <source><address domain='" dom "' bus='" bus "' slot='" slot "' function='" fn "'/></source>\n" \
	"    </hostdev>\n"

/* The three-function card, 0000:01:00.{0,1,2}, as libvirt writes it. */
static const char card_xml[] = HEAD
	HOSTDEV(" managed='no'", "0x0000", "0x01", "0x00", "0x0")
	HOSTDEV(" managed='no'", "0x0000", "0x01", "0x00", "0x1")
	HOSTDEV(" managed='no'", "0x0000", "0x01", "0x00", "0x2")
	"    <disk type='file' device='disk'><source file='/v.img'/><target dev='vda'/></disk>\n"
	TAIL;

static const char plain_xml[] = HEAD
	"    <disk type='file' device='disk'><source file='/v.img'/><target dev='vda'/></disk>\n"
	TAIL;

static struct gv_hook_domain dom;
static char err[256];

static int parse(const char *xml)
{
	err[0] = '\0';
	return gv_hook_parse_domain(xml, strlen(xml), &dom, err, sizeof(err));
}

static const char *addrs_text(const struct gv_hook_addrs *s)
{
	static char buf[1024];
	char one[32];
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < s->n; i++) {
		gv_format_addr(one, sizeof(one), &s->a[i]);
		if (i)
			strcat(buf, " ");
		strcat(buf, one);
	}
	return buf;
}

static void test_xml(void)
{
	static char big[64 * 1024];
	size_t len;
	int i;

	check(parse(card_xml) == 0, "the three-function card parses");
	check_str(addrs_text(&dom.pci), "0000:01:00.0 0000:01:00.1 0000:01:00.2",
		  "every function of the card, in order");
	check_str(dom.uuid, UUID, "the domain's UUID");

	check(parse(HEAD HOSTDEV(" managed='no'", "0", "1", "0", "2")
		    HOSTDEV(" managed='no'", "0x0", "0X1F", "0x1f", "7")
		    HOSTDEV(" managed='no'", "1", "010", "10", "0") TAIL) == 0,
	      "decimal, octal and hexadecimal addresses parse");
	check_str(addrs_text(&dom.pci), "0000:01:00.2 0000:1f:1f.7 0001:08:0a.0",
		  "as libvirt reads them: 0x hex, a leading 0 octal, else decimal");

	check(parse(HEAD HOSTDEV(" managed='yes'", "0x0000", "0x02", "0x00", "0x0")
		    HOSTDEV(" managed='no'", "0x0000", "0x01", "0x00", "0x0") TAIL) == 0 &&
	      dom.pci.n == 1, "managed='yes' is left to libvirt");
	check_str(addrs_text(&dom.pci), "0000:01:00.0", "only the managed='no' one is taken");
	check(parse(HEAD HOSTDEV("", "0x0000", "0x02", "0x00", "0x0") TAIL) == 0 &&
	      dom.pci.n == 1, "no managed= is libvirt's default, no: taken");

	check(parse(plain_xml) == 0 && dom.pci.n == 0, "a domain without hostdevs: none, no error");
	check(parse("<domain><uuid>" UUID "</uuid></domain>") == 0 && dom.pci.n == 0,
	      "a domain without <devices>: none, no error");

	check(parse(HEAD "    <hostdev mode='subsystem' type='usb' managed='no'>\n"
		    "      <source><vendor id='0x1234'/><product id='0xbeef'/></source>\n"
		    "    </hostdev>\n"
		    "    <hostdev mode='capabilities' type='storage'><source><block>/dev/sdf1</block></source></hostdev>\n"
		    HOSTDEV(" managed='no'", "0x0000", "0x05", "0x00", "0x0") TAIL) == 0,
	      "a USB hostdev and a capabilities hostdev parse");
	check_str(addrs_text(&dom.pci), "0000:05:00.0", "only the PCI one is taken");

	check(parse(HEAD HOSTDEV(" managed='no'", "0x0000", "0x01", "0x00", "0x0")
		    HOSTDEV(" managed='no'", "0", "1", "0", "0") TAIL) == 0 &&
	      dom.pci.n == 1, "the same device twice counts once");

	check(parse("<domain><uuid>" UUID "</uuid><devices><hostdev type='pci'") == -EINVAL,
	      "malformed XML is refused");
	check_contains(err, "not well-formed", "saying it is not well-formed");
	check(parse("") == -EINVAL, "empty input is refused");
	check(parse("<network><uuid>" UUID "</uuid></network>") == -EINVAL, "a root other than <domain> is refused");
	check_contains(err, "<domain>", "saying so");
	check(parse("<domain><devices/></domain>") == -EINVAL, "a domain without <uuid> is refused");
	check(parse(HEAD HOSTDEV(" managed='no'", "0x0000", "0x01", "0x20", "0x0") TAIL) == -EINVAL,
	      "slot 0x20 is refused");
	check_contains(err, "slot='0x20' is out of range", "naming the attribute");
	check(parse(HEAD HOSTDEV(" managed='no'", "0x0000", "0x01", "0x00", "8") TAIL) == -EINVAL,
	      "function 8 is refused");
	check(parse(HEAD HOSTDEV(" managed='no'", "0x0000", "0x100", "0x00", "0") TAIL) == -EINVAL,
	      "bus 0x100 is refused");
	check(parse(HEAD HOSTDEV(" managed='no'", "0x0000", "-1", "0x00", "0") TAIL) == -EINVAL,
	      "a negative bus is refused");
	check(parse(HEAD "    <hostdev mode='subsystem' type='pci' managed='no'/>\n" TAIL) == -EINVAL,
	      "a PCI hostdev without a source address is refused");
	check(parse(HEAD HOSTDEV(" managed='maybe'", "0x0000", "0x01", "0x00", "0x0") TAIL) == -EINVAL,
	      "managed='maybe' is refused");

	/* An external entity is neither fetched nor substituted: the UUID it
	 * would fill in stays empty, and the domain is refused. */
	check(parse("<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY u SYSTEM \"file:///etc/hostname\">]>\n"
		    "<domain><uuid>&u;</uuid></domain>") == -EINVAL,
	      "an external entity is not read in");

	len = (size_t)snprintf(big, sizeof(big), HEAD);
	for (i = 0; i < GV_MAX_LIST + 1; i++)
		len += (size_t)snprintf(big + len, sizeof(big) - len,
					"<hostdev type='pci'><source><address bus='%d' slot='0' function='0'/></source></hostdev>\n",
					i + 1);
	snprintf(big + len, sizeof(big) - len, TAIL);
	check(parse(big) == -E2BIG, "more than %d unmanaged PCI hostdevs are refused", GV_MAX_LIST);
}

static void test_numbers(void)
{
	static const struct {
		const char *s;
		unsigned long max, v;
		int ret;
	} cases[] = {
		{ "0x1f", 0x1f, 0x1f, 0 }, { "0X1F", 0x1f, 0x1f, 0 }, { "010", 0xff, 8, 0 },
		{ "10", 0xff, 10, 0 }, { "0", 7, 0, 0 }, { "7", 7, 7, 0 },
		{ "8", 7, 0, -ERANGE }, { "0x100", 0xff, 0, -ERANGE }, { "", 7, 0, -EINVAL },
		{ "0x", 7, 0, -EINVAL }, { "08", 0xff, 0, -EINVAL }, { "-1", 7, 0, -EINVAL },
		{ "+1", 7, 0, -EINVAL }, { " 1", 7, 0, -EINVAL }, { "1 ", 7, 0, -EINVAL },
		{ "0xg", 0xff, 0, -EINVAL }, { "0xffffffff", 0xffffffffUL, 0xffffffffUL, 0 },
		{ "0x100000000", 0xffffffffUL, 0, -ERANGE },
	};
	unsigned long v;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 12345;
		ret = gv_hook_parse_number(cases[i].s, cases[i].max, &v);
		check(ret == cases[i].ret && (ret || v == cases[i].v),
		      "number '%s' (max %#lx): %d, %lu", cases[i].s, cases[i].max, ret, v);
	}
}

/* ---- The switch file ---------------------------------------------------- */

static char conf_path[256];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(99);
	}
}

static void test_conf(void)
{
	struct gv_hook_conf c;
	int ret;

	unlink(conf_path);
	check(gv_hook_conf_read(conf_path, &c, err, sizeof(err)) == 0 && c.enabled &&
	      c.timeout_ms == GV_HOOK_TIMEOUT_MS, "no switch file: on, 20 s");
	write_file(conf_path, "# comment\n\n  enabled = no  \ntimeout=2.5\n");
	check(gv_hook_conf_read(conf_path, &c, err, sizeof(err)) == 0 && !c.enabled &&
	      c.timeout_ms == 2500, "enabled = no, timeout=2.5: off, 2.5 s");
	write_file(conf_path, "enabled=yes\n");
	check(gv_hook_conf_read(conf_path, &c, err, sizeof(err)) == 0 && c.enabled,
	      "enabled=yes: on");
	write_file(conf_path, "enabled=yes\nenabld=no\n");
	ret = gv_hook_conf_read(conf_path, &c, err, sizeof(err));
	check(ret == -EINVAL, "a misspelt key is an error, not skipped");
	check_contains(err, ", line 2: unknown key", "naming the line");
	write_file(conf_path, "enabled=off\n");
	check(gv_hook_conf_read(conf_path, &c, err, sizeof(err)) == -EINVAL, "enabled=off is an error");
	write_file(conf_path, "timeout=0\n");
	check(gv_hook_conf_read(conf_path, &c, err, sizeof(err)) == -EINVAL, "timeout=0 is an error");
	write_file(conf_path, "timeout=3601\n");
	check(gv_hook_conf_read(conf_path, &c, err, sizeof(err)) == -EINVAL, "timeout=3601 is an error");
	write_file(conf_path, "enabled\n");
	check(gv_hook_conf_read(conf_path, &c, err, sizeof(err)) == -EINVAL, "a line without = is an error");
	unlink(conf_path);
}

/* ---- Records ------------------------------------------------------------ */

static char state_dir[256];

static void test_record(void)
{
	struct gv_hook_addrs s = { 0 }, got;
	char path[512];

	check(gv_hook_record_read(UUID, &got) == -ENOENT, "no record: -ENOENT");
	check(parse(card_xml) == 0, "the card parses (record)");
	check(gv_hook_record_write(UUID, &dom.pci) == 0, "a record is written, its directory made");
	check(gv_hook_record_read(UUID, &got) == 0, "and read back");
	check_str(addrs_text(&got), "0000:01:00.0 0000:01:00.1 0000:01:00.2", "with the same devices");
	check(gv_hook_record_write(UUID, &s) == 0 && gv_hook_record_read(UUID, &got) == -ENOENT,
	      "an empty record is no record");
	snprintf(path, sizeof(path), "%s/%s", state_dir, UUID);
	write_file(path, "0000:01:00.0\nnot-an-address\n");
	check(gv_hook_record_read(UUID, &got) == -EINVAL, "a damaged record: -EINVAL");
	unlink(path);
}

/* ---- The operations ----------------------------------------------------- */

static struct run hr;

/* Runs the hook with xml (NULL: an empty standard input) on stdin. */
static int hook(const char *xml, ...) __attribute__((sentinel));

static int hook(const char *xml, ...)
{
	char *argv[16] = { "gpuvfio-libvirt-hook" };
	char tmpl[] = "/tmp/gpuvfio-hook-xml.XXXXXX";
	va_list ap;
	int argc = 1, fd;

	va_start(ap, xml);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	fd = mkstemp(tmpl);
	if (fd < 0 || (xml && write(fd, xml, strlen(xml)) != (ssize_t)strlen(xml)) ||
	    lseek(fd, 0, SEEK_SET)) {
		perror("hook xml");
		exit(99);
	}
	unlink(tmpl);
	calls = 0;
	last_args[0] = '\0';
	capture_begin();
	hr.status = gv_hook_main(argc, argv, fd);
	capture_end(hr.out, sizeof(hr.out), hr.err, sizeof(hr.err));
	close(fd);
	return hr.status;
}

static bool has_record(void)
{
	struct gv_hook_addrs got;

	return gv_hook_record_read(UUID, &got) == 0;
}

static void card_on(const char *d0, const char *d1, const char *d2)
{
	fake_set_driver("0000:01:00.0", d0);
	fake_set_driver("0000:01:00.1", d1);
	fake_set_driver("0000:01:00.2", d2);
}

static void test_args(void)
{
	check(hook(card_xml, NULL) == GV_HOOK_USAGE && calls == 0, "no arguments: exit 2, nothing asked");
	check_contains(hr.err, "DOMAIN OPERATION SUB-OPERATION", "with the usage");
	check(hook(card_xml, "vm1", "prepare", NULL) == GV_HOOK_USAGE && calls == 0,
	      "no sub-operation: exit 2, nothing asked");
	check(hook(card_xml, "", "prepare", "begin", "-", NULL) == GV_HOOK_USAGE && calls == 0,
	      "an empty domain name: exit 2");
	check(hook(NULL, "--help", NULL) == 0 && strstr(hr.out, "prepare begin"), "--help: exit 0, usage on stdout");
}

static void test_other_ops(void)
{
	static const char *const ops[][2] = {
		{ "start", "begin" }, { "started", "begin" }, { "stopped", "end" },
		{ "migrate", "begin" }, { "restore", "begin" }, { "reconnect", "begin" },
		{ "attach", "begin" }, { "prepare", "end" }, { "release", "begin" },
		{ "frobnicate", "sideways" },
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		check(hook(card_xml, "vm1", ops[i][0], ops[i][1], "-", NULL) == 0 && calls == 0 &&
		      !*hr.err, "%s %s: exit 0, nothing asked, nothing said", ops[i][0], ops[i][1]);
	/* They do not even read the XML. */
	check(hook("<domain", "vm1", "started", "begin", "-", NULL) == 0 && calls == 0,
	      "started begin with malformed XML: exit 0");
}

static void test_prepare_release(void)
{
	char want[256];

	answer = 0;
	fake_dev("0000:01:00.0", 0x1234, 0x1111, 0x030000, "bochs-drm", 5);
	fake_dev("0000:01:00.1", 0x8086, 0x2668, 0x040300, "snd_hda_intel", 5);
	fake_dev("0000:01:00.2", 0x1b36, 0x000d, 0x0c0330, "xhci_hcd", 5);

	/* Without the module. */
	check(hook(plain_xml, "vm1", "prepare", "begin", "-", NULL) == 0 && calls == 0 && !*hr.err,
	      "no hostdev, no module: exit 0, nothing asked, nothing said");
	check(hook(card_xml, "vm1", "prepare", "begin", "-", NULL) == GV_HOOK_FAILED && calls == 0,
	      "the card without the module: exit 1, nothing asked");
	check_contains(hr.err, "gpuvfio: the gpuvfio module is not loaded", "saying the module is not loaded");
	check_contains(hr.err, "modprobe gpuvfio", "and what to do");
	check(!has_record(), "no record is left");
	card_on("vfio-pci", "vfio-pci", "vfio-pci");
	check(hook(card_xml, "vm1", "prepare", "begin", "-", NULL) == 0 && calls == 0,
	      "the card on vfio-pci already, no module: exit 0, nothing asked");
	card_on("bochs-drm", "snd_hda_intel", "xhci_hcd");

	fake_module("1.0", "", "");
	check(hook(plain_xml, "vm1", "prepare", "begin", "-", NULL) == 0 && calls == 0,
	      "no hostdev: exit 0, nothing asked");

	check(hook(card_xml, "vm1", "prepare", "begin", "-", NULL) == 0 && calls == 1,
	      "prepare begin with the card: exit 0, one request");
	snprintf(want, sizeof(want), "bind --timeout %u.000 0000:01:00.0 0000:01:00.1 0000:01:00.2",
		 GV_HOOK_TIMEOUT_MS / 1000 - 2);
	check_str(last_args, want, "a bind of the whole card, the timeout less 2 s");
	check(has_record(), "what moved is recorded");

	/* The module moved them; libvirt calls prepare begin again. */
	card_on("vfio-pci", "vfio-pci", "vfio-pci");
	check(hook(card_xml, "vm1", "prepare", "begin", "-", NULL) == 0 && calls == 1,
	      "a second prepare begin: exit 0 (the bind finds nothing to do)");
	check(has_record(), "the record stays");

	check(hook(card_xml, "vm1", "release", "end", "-", NULL) == 0 && calls == 1,
	      "release end: exit 0, one request");
	snprintf(want, sizeof(want), "unbind --timeout %u.000 0000:01:00.0 0000:01:00.1 0000:01:00.2",
		 GV_HOOK_TIMEOUT_MS / 1000 - 2);
	check_str(last_args, want, "an unbind of what moved");
	check(!has_record(), "the record is gone");
	card_on("bochs-drm", "snd_hda_intel", "xhci_hcd");
	check(hook(card_xml, "vm1", "release", "end", "-", NULL) == 0 && calls == 0,
	      "a second release end: exit 0, nothing asked");

	/* A card claimed at boot (ids=) or bound by hand stays where its
	 * administrator put it. */
	card_on("vfio-pci", "vfio-pci", "vfio-pci");
	check(hook(card_xml, "vm1", "prepare", "begin", "-", NULL) == 0 && calls == 1,
	      "the card on vfio-pci before the domain: prepare asks (nothing to do)");
	check(!has_record(), "and records nothing");
	check(hook(card_xml, "vm1", "release", "end", "-", NULL) == 0 && calls == 0,
	      "so release end gives nothing back");
	card_on("bochs-drm", "snd_hda_intel", "xhci_hcd");

	/* Refusals. */
	answer = GV_EXIT_FAILED;
	check(hook(card_xml, "vm1", "prepare", "begin", "-", NULL) == GV_HOOK_FAILED && calls == 1,
	      "a refused bind: exit 1");
	check(!has_record(), "no record is left");
	answer = GV_EXIT_PENDING;
	check(hook(card_xml, "vm1", "prepare", "begin", "-", NULL) == GV_HOOK_FAILED && calls == 1,
	      "a bind pending past the timeout: exit 1");
	check_contains(hr.err, "domain vm1 not started", "saying the domain does not start");
	check(has_record(), "the record stays: the devices move when the holder lets go");
	answer = GV_EXIT_FAILED;
	check(hook(card_xml, "vm1", "release", "end", "-", NULL) == GV_HOOK_FAILED && calls == 1,
	      "a refused unbind at release: exit 1");
	check(has_record(), "the record stays for the next try");
	answer = 0;
	check(hook(card_xml, "vm1", "release", "end", "-", NULL) == 0 && calls == 1 && !has_record(),
	      "the next release gives them back");

	/* Malformed XML changes nothing. */
	check(hook("<domain><devices>", "vm1", "prepare", "begin", "-", NULL) == GV_HOOK_FAILED &&
	      calls == 0, "malformed XML on prepare begin: exit 1, nothing asked");
	check_contains(hr.err, "nothing was changed", "saying nothing was changed");
	check(hook(card_xml, "vm1", "prepare", "begin", "-", NULL) == 0 && has_record(),
	      "(a domain started)");
	check(hook("<domain><devices>", "vm1", "release", "end", "-", NULL) == GV_HOOK_FAILED &&
	      calls == 0 && has_record(), "malformed XML on release end: exit 1, nothing asked, record kept");
	check(hook(card_xml, "vm1", "release", "end", "-", NULL) == 0 && !has_record(), "(released)");
}

static void test_switch(void)
{
	answer = 0;
	write_file(conf_path, "enabled=no\n");
	check(hook(card_xml, "vm1", "prepare", "begin", "-", NULL) == 0 && calls == 0 && !has_record(),
	      "switched off: prepare begin exits 0, asks nothing, records nothing");
	write_file(conf_path, "enabled=yes\ntimeout=5\n");
	check(hook(card_xml, "vm1", "prepare", "begin", "-", NULL) == 0 && calls == 1,
	      "switched on again: the request is made");
	check_contains(last_args, "bind --timeout 3.000 ", "with timeout=5 less 2 s");
	write_file(conf_path, "enabled=no\n");
	check(hook(card_xml, "vm1", "release", "end", "-", NULL) == 0 && calls == 0 && has_record(),
	      "switched off: release end asks nothing, the record stays");
	write_file(conf_path, "enabled=yes\n");
	check(hook(card_xml, "vm1", "release", "end", "-", NULL) == 0 && calls == 1 && !has_record(),
	      "switched on: release end gives the card back");
	write_file(conf_path, "enabld=no\n");
	check(hook(card_xml, "vm1", "prepare", "begin", "-", NULL) == GV_HOOK_FAILED && calls == 0,
	      "a wrong switch file: exit 1, nothing asked");
	check_contains(hr.err, "line 1: unknown key", "naming the line");
	check(hook(plain_xml, "vm1", "prepare", "begin", "-", NULL) == 0 && calls == 0,
	      "but a domain without hostdevs still starts");
	unlink(conf_path);
}

/* A request that never ends: the hook ends at its timeout, in a child,
 * saying so. Without the timeout the child would wait 30 s for the
 * request and exit 0. */
static void test_timeout(void)
{
	int pfd[2], status;
	char buf[1024] = "";
	ssize_t n;
	pid_t pid;

	write_file(conf_path, "timeout=1\n");
	if (pipe(pfd)) {
		perror("pipe");
		exit(99);
	}
	pid = fork();
	if (pid == 0) {
		char tmpl[] = "/tmp/gpuvfio-hook-xml.XXXXXX";
		char *argv[] = { "gpuvfio-libvirt-hook", "vm1", "prepare", "begin", "-", NULL };
		int fd = mkstemp(tmpl);

		if (fd < 0 || write(fd, card_xml, strlen(card_xml)) < 0 || lseek(fd, 0, SEEK_SET))
			_exit(99);
		unlink(tmpl);
		dup2(pfd[1], STDERR_FILENO);
		answer = 0;
		hang = true;
		_exit(gv_hook_main(5, argv, fd));
	}
	close(pfd[1]);
	n = read(pfd[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == GV_HOOK_FAILED,
	      "a request that never ends: the hook exits 1 at its timeout");
	check_contains(buf, "gave up at its timeout (1.000 s", "saying so");
	unlink(conf_path);
	{
		struct gv_hook_addrs none = { 0 };

		gv_hook_record_write(UUID, &none);
	}
}

int main(void)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	test_xml();
	test_numbers();

	snprintf(state_dir, sizeof(state_dir), "%s/gpuvfio-hook-state.%d/libvirt-hook", tmp,
		 (int)getpid());
	snprintf(conf_path, sizeof(conf_path), "%s/gpuvfio-hook-conf.%d", tmp, (int)getpid());
	setenv(GV_HOOK_STATE_ENV, state_dir, 1);
	setenv(GV_HOOK_CONF_ENV, conf_path, 1);

	test_conf();
	test_record();
	fake_init();
	test_args();
	test_other_ops();
	test_prepare_release();
	test_switch();
	test_timeout();
	fake_cleanup();
	rmdir(state_dir);
	*strrchr(state_dir, '/') = '\0';
	rmdir(state_dir);
	return test_done();
}
