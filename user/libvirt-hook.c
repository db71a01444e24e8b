// SPDX-License-Identifier: GPL-2.0
/*
 * What libvirt's qemu hook does, by operation (docs/libvirt-hook.md):
 *
 *   prepare begin  every unmanaged PCI hostdev of the domain to vfio-pci,
 *                  with the rest of its card, in one request: exactly what
 *                  `gpuvfio bind ADDR...` does (cmd_bind(): the module's
 *                  plan, the processes holding the devices, the commit and
 *                  the wait for its end), so the operator reads the same
 *                  sentences in libvirt's error as at a shell. A non-zero
 *                  exit makes libvirt refuse to start the domain.
 *   release end    what prepare begin moved back, in one request
 *                  (`gpuvfio unbind ADDR...`).
 *   anything else  nothing, exit 0: libvirt adds operations over time.
 *
 * The hook never calls libvirt (libvirt waits for it and would deadlock)
 * and never makes libvirt wait longer than the timeout of its switch file:
 * the request gets the timeout less a margin, and an alarm ends the hook
 * at the timeout itself whatever it is doing.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpuvfio.h"
#include "libvirt-hook.h"
#include "sysfs.h"

/* What the tool's wait adds to the request's own timeout (bind.c), and a
 * little more: the request gets the hook's timeout less this. */
#define REQUEST_MARGIN_MS	2000

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s DOMAIN OPERATION SUB-OPERATION [EXTRA] < DOMAIN-XML\n"
		   "libvirt's qemu hook (/etc/libvirt/hooks/qemu.d/): on \"prepare begin\" it moves\n"
		   "every <hostdev mode='subsystem' type='pci' managed='no'> of the domain, with\n"
		   "the rest of its card, to vfio-pci; on \"release end\" it gives back what it\n"
		   "moved. Other operations do nothing. Switch and timeout: %s.\n"
		   "See gpuvfio-libvirt-hook(8).\n",
		"gpuvfio-libvirt-hook", GV_HOOK_CONF);
}

/* Reads the whole of fd into a new NUL-terminated buffer. */
static int read_xml(int fd, char **buf, size_t *len)
{
	size_t size = 65536, n = 0;
	char *b = malloc(size), *nb;
	ssize_t got;

	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n + 1 >= size) {
			if (size > GV_HOOK_XML_MAX) {
				free(b);
				return -EFBIG;
			}
			nb = realloc(b, size * 2);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			size *= 2;
		}
		got = read(fd, b + n, size - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(b);
			return -errno;
		}
		if (!got)
			break;
		n += (size_t)got;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* Reads and parses the domain from fd; prints why not. */
static int read_domain(int fd, const char *name, struct gv_hook_domain *d)
{
	char err[256];
	char *xml = NULL;
	size_t len = 0;
	int ret = read_xml(fd, &xml, &len);

	if (ret) {
		gv_err("could not read domain %s's XML on standard input: %s; nothing was changed",
		       name, strerror(-ret));
		return GV_HOOK_FAILED;
	}
	ret = gv_hook_parse_domain(xml, len, d, err, sizeof(err));
	free(xml);
	if (ret) {
		gv_err("domain %s: the XML on standard input is not what libvirt writes (%s): nothing was changed",
		       name, err);
		return GV_HOOK_FAILED;
	}
	return GV_HOOK_OK;
}

/* ---- The timeout ------------------------------------------------------- */

static char alarm_msg[512];
static size_t alarm_len;

static void on_alarm(int sig)
{
	ssize_t n;

	(void)sig;
	n = write(STDERR_FILENO, alarm_msg, alarm_len);
	(void)n;
	_exit(GV_HOOK_FAILED);
}

/* From here on the hook ends at timeout_ms, saying so, whatever it does. */
static void arm_timeout(uint32_t timeout_ms)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	char conf[256];
	int n;

	snprintf(conf, sizeof(conf), "%s", gv_hook_conf_path());
	n = snprintf(alarm_msg, sizeof(alarm_msg),
		     "%s: the libvirt hook gave up at its timeout (%u.%03u s, timeout= in %s): "
		     "a change it asked for may still complete in the kernel; `gpuvfio status` shows where the devices are\n",
		     gv_prog, timeout_ms / 1000, timeout_ms % 1000, conf);
	alarm_len = n > 0 && (size_t)n < sizeof(alarm_msg) ? (size_t)n : sizeof(alarm_msg) - 1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	/* alarm() counts whole seconds: round up, so that the request's
	 * own deadline (below) always comes first. */
	alarm((timeout_ms + 999) / 1000);
}

static uint32_t request_timeout(uint32_t timeout_ms)
{
	if (timeout_ms > 2 * REQUEST_MARGIN_MS)
		return timeout_ms - REQUEST_MARGIN_MS;
	return timeout_ms / 2 ? timeout_ms / 2 : 1;
}

/* ---- The requests ------------------------------------------------------ */

/*
 * Runs `gpuvfio bind|unbind --timeout S ADDR...` in this process (bind.c),
 * with its output: the plan on stdout, which libvirt logs, and the reason
 * of a refusal on stderr, which libvirt puts in its error.
 */
static int run_switch(bool bind, const struct gv_hook_addrs *s, uint32_t timeout_ms)
{
	char text[GV_MAX_LIST][GV_ADDR_LEN + 1], secs[32];
	char *argv[GV_MAX_LIST + 4];
	unsigned int i;
	int argc = 0;

	argv[argc++] = bind ? "bind" : "unbind";
	argv[argc++] = "--timeout";
	snprintf(secs, sizeof(secs), "%u.%03u", timeout_ms / 1000, timeout_ms % 1000);
	argv[argc++] = secs;
	for (i = 0; i < s->n; i++) {
		gv_format_addr(text[i], sizeof(text[i]), &s->a[i]);
		argv[argc++] = text[i];
	}
	argv[argc] = NULL;
	fflush(stdout);
	return bind ? cmd_bind(argc, argv) : cmd_unbind(argc, argv);
}

static bool on_vfio(const struct gv_addr *a)
{
	char addr[GV_ADDR_LEN + 1], path[4096], driver[64];

	gv_format_addr(addr, sizeof(addr), a);
	if (gv_sysfs_path(path, sizeof(path), "bus/pci/devices/%s/driver", addr) ||
	    gv_sysfs_link_name(path, driver, sizeof(driver)))
		return false;
	return !strcmp(driver, "vfio-pci");
}

/* The devices of s not on vfio-pci yet: what the request will move. */
static void not_on_vfio(const struct gv_hook_addrs *s, struct gv_hook_addrs *out)
{
	unsigned int i;

	out->n = 0;
	for (i = 0; i < s->n; i++)
		if (!on_vfio(&s->a[i]))
			out->a[out->n++] = s->a[i];
}

static void list_addrs(char *buf, size_t size, const struct gv_hook_addrs *s)
{
	char one[GV_ADDR_LEN + 1];
	size_t len = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < s->n && len + 1 < size; i++) {
		gv_format_addr(one, sizeof(one), &s->a[i]);
		snprintf(buf + len, size - len, "%s%s", i ? " " : "", one);
		len += strlen(buf + len);
	}
}

/* The switch file; -1 to go on, else the exit status (printed). */
static int read_conf(struct gv_hook_conf *c)
{
	char err[512];

	if (gv_hook_conf_read(gv_hook_conf_path(), c, err, sizeof(err))) {
		gv_err("the libvirt hook's switch file is wrong: %s; nothing was changed", err);
		return GV_HOOK_FAILED;
	}
	return c->enabled ? -1 : GV_HOOK_OK;
}

static int prepare(const char *name, int xml_fd)
{
	struct gv_hook_addrs moving, before, record;
	struct gv_hook_domain d;
	struct gv_hook_conf c;
	char list[GV_MAX_LIST * (GV_ADDR_LEN + 1) + 1];
	unsigned int i;
	int ret, status;

	ret = read_domain(xml_fd, name, &d);
	if (ret || !d.pci.n)
		return ret;
	ret = read_conf(&c);
	if (ret >= 0)
		return ret;
	not_on_vfio(&d.pci, &moving);
	if (!gv_module_loaded()) {
		if (!moving.n)
			return GV_HOOK_OK;
		list_addrs(list, sizeof(list), &moving);
		gv_err("the gpuvfio module is not loaded, so %s cannot be moved to vfio-pci for domain %s: "
		       "modprobe gpuvfio (or set enabled=no in %s to leave them to you); nothing was changed",
		       list, name, gv_hook_conf_path());
		return GV_HOOK_FAILED;
	}

	/* Recorded before the request, so that a hook ended by its
	 * timeout still leaves the record of what may move; put back as it
	 * was when the request moved nothing. */
	ret = gv_hook_record_read(d.uuid, &before);
	if (ret && ret != -ENOENT)
		before.n = 0;
	record = before;
	for (i = 0; i < moving.n; i++)
		gv_hook_addrs_add(&record, &moving.a[i]);
	if (record.n != before.n) {
		ret = gv_hook_record_write(d.uuid, &record);
		if (ret) {
			gv_hook_record_path(list, sizeof(list), d.uuid);
			gv_err("could not write %s: %s; nothing was changed", list, strerror(-ret));
			return GV_HOOK_FAILED;
		}
	}

	arm_timeout(c.timeout_ms);
	status = run_switch(true, &d.pci, request_timeout(c.timeout_ms));
	alarm(0);
	if (status == GV_EXIT_OK)
		return GV_HOOK_OK;
	if (status != GV_EXIT_PENDING && record.n != before.n)
		gv_hook_record_write(d.uuid, &before);
	if (status == GV_EXIT_PENDING)
		gv_err("domain %s not started: its devices did not reach vfio-pci within the hook's timeout",
		       name);
	return GV_HOOK_FAILED;
}

static int release(const char *name, int xml_fd)
{
	struct gv_hook_addrs record, none = { 0 };
	struct gv_hook_domain d;
	struct gv_hook_conf c;
	char list[GV_MAX_LIST * (GV_ADDR_LEN + 1) + 1];
	int ret, status;

	ret = read_domain(xml_fd, name, &d);
	if (ret)
		return ret;
	ret = read_conf(&c);
	if (ret >= 0)
		return ret;
	ret = gv_hook_record_read(d.uuid, &record);
	if (ret == -ENOENT || (!ret && !record.n))
		return GV_HOOK_OK;
	if (ret) {
		gv_hook_record_path(list, sizeof(list), d.uuid);
		gv_err("could not read %s, the record of what the hook moved for domain %s: %s; "
		       "give the devices back with `gpuvfio unbind`", list, name, strerror(-ret));
		return GV_HOOK_FAILED;
	}
	list_addrs(list, sizeof(list), &record);
	if (!gv_module_loaded()) {
		gv_err("the gpuvfio module is not loaded, so %s stay on vfio-pci after domain %s: "
		       "modprobe gpuvfio, then gpuvfio unbind %s", list, name, list);
		return GV_HOOK_FAILED;
	}
	arm_timeout(c.timeout_ms);
	status = run_switch(false, &record, request_timeout(c.timeout_ms));
	alarm(0);
	if (status != GV_EXIT_OK) {
		gv_err("domain %s released, but %s did not all go back: `gpuvfio status` shows where they are",
		       name, list);
		return GV_HOOK_FAILED;
	}
	ret = gv_hook_record_write(d.uuid, &none);
	if (ret)
		gv_err("the devices went back, but the record of domain %s could not be removed: %s",
		       name, strerror(-ret));
	return GV_HOOK_OK;
}

int gv_hook_main(int argc, char **argv, int xml_fd)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return GV_HOOK_OK;
	}
	if (argc < 4 || !*argv[1]) {
		gv_err("the libvirt hook takes DOMAIN OPERATION SUB-OPERATION, as libvirt gives them");
		usage(stderr);
		return GV_HOOK_USAGE;
	}
	if (!strcmp(argv[2], "prepare") && !strcmp(argv[3], "begin"))
		return prepare(argv[1], xml_fd);
	if (!strcmp(argv[2], "release") && !strcmp(argv[3], "end"))
		return release(argv[1], xml_fd);
	return GV_HOOK_OK;
}
