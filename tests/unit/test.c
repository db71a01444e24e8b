// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

static unsigned int passed, failed;

static bool report(bool cond, const char *fmt, va_list ap)
{
	fputs(cond ? "ok - " : "FAIL - ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	if (cond)
		passed++;
	else
		failed++;
	return cond;
}

bool check(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(cond, fmt, ap);
	va_end(ap);
	return cond;
}

void skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	fputs("ok - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
	fflush(stdout);
	passed++;
}

int test_done(void)
{
	printf("# %s: %u passed, %u failed\n", program_invocation_short_name,
	       passed, failed);
	return failed ? 1 : 0;
}

bool check_str(const char *got, const char *want, const char *what)
{
	bool same = got && !strcmp(got, want);

	check(same, "%s", what);
	if (!same)
		printf("#   got:  %s\n#   want: %s\n", got ? got : "(null)", want);
	return same;
}

bool check_contains(const char *got, const char *want, const char *what)
{
	bool has = got && strstr(got, want);

	check(has, "%s", what);
	if (!has)
		printf("#   wanted \"%s\" in:\n%s\n", want, got ? got : "(null)");
	return has;
}

/* JSON validation, by the grammar of RFC 8259. */

struct jv {
	const unsigned char *p;
	int depth;
};

static bool jv_value(struct jv *v);

static void jv_ws(struct jv *v)
{
	while (*v->p == ' ' || *v->p == '\t' || *v->p == '\n' || *v->p == '\r')
		v->p++;
}

static bool jv_lit(struct jv *v, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp((const char *)v->p, lit, n))
		return false;
	v->p += n;
	return true;
}

static bool jv_utf8(struct jv *v)
{
	const unsigned char *s = v->p;
	unsigned int n, i, cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return false;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return false;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return false;
	v->p += n;
	return true;
}

static bool jv_string(struct jv *v)
{
	int i;

	if (*v->p++ != '"')
		return false;
	for (;;) {
		if (*v->p == '"') {
			v->p++;
			return true;
		}
		if (*v->p < 0x20)
			return false;	/* control characters, and the end */
		if (*v->p == '\\') {
			v->p++;
			if (strchr("\"\\/bfnrt", *v->p) && *v->p) {
				v->p++;
			} else if (*v->p == 'u') {
				v->p++;
				for (i = 0; i < 4; i++, v->p++)
					if (!strchr("0123456789abcdefABCDEF", *v->p) || !*v->p)
						return false;
			} else {
				return false;
			}
		} else if (*v->p < 0x80) {
			v->p++;
		} else if (!jv_utf8(v)) {
			return false;
		}
	}
}

static bool jv_digits(struct jv *v)
{
	if (*v->p < '0' || *v->p > '9')
		return false;
	while (*v->p >= '0' && *v->p <= '9')
		v->p++;
	return true;
}

static bool jv_number(struct jv *v)
{
	if (*v->p == '-')
		v->p++;
	if (*v->p == '0')
		v->p++;
	else if (!jv_digits(v))
		return false;
	if (*v->p == '.') {
		v->p++;
		if (!jv_digits(v))
			return false;
	}
	if (*v->p == 'e' || *v->p == 'E') {
		v->p++;
		if (*v->p == '+' || *v->p == '-')
			v->p++;
		if (!jv_digits(v))
			return false;
	}
	return true;
}

static bool jv_container(struct jv *v, char close, bool object)
{
	v->p++;
	if (++v->depth > 64)
		return false;
	jv_ws(v);
	if (*v->p == close) {
		v->p++;
		v->depth--;
		return true;
	}
	for (;;) {
		if (object) {
			jv_ws(v);
			if (*v->p != '"' || !jv_string(v))
				return false;
			jv_ws(v);
			if (*v->p++ != ':')
				return false;
		}
		if (!jv_value(v))
			return false;
		jv_ws(v);
		if (*v->p == ',') {
			v->p++;
			continue;
		}
		if (*v->p != close)
			return false;
		v->p++;
		v->depth--;
		return true;
	}
}

static bool jv_value(struct jv *v)
{
	jv_ws(v);
	switch (*v->p) {
	case '{':
		return jv_container(v, '}', true);
	case '[':
		return jv_container(v, ']', false);
	case '"':
		return jv_string(v);
	case 't':
		return jv_lit(v, "true");
	case 'f':
		return jv_lit(v, "false");
	case 'n':
		return jv_lit(v, "null");
	default:
		return jv_number(v);
	}
}

bool json_valid(const char *s)
{
	struct jv v = { .p = (const unsigned char *)s };

	if (!jv_value(&v))
		return false;
	jv_ws(&v);
	return *v.p == '\0';
}

/* The fake sysfs tree. */

static void die(const char *what);

/* snprintf that stops the test instead of truncating a path. */
static void __attribute__((format(printf, 3, 4)))
xsnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		die(fmt);
	}
}

static char root[PATH_MAX];

static void die(const char *what)
{
	fprintf(stdout, "FAIL - test setup: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void mkdirs(const char *path)
{
	char buf[PATH_MAX], *p;

	xsnprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			die(buf);
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		die(buf);
}

static void put_file(const char *path, const char *content)
{
	char dir[PATH_MAX], *slash;
	FILE *f;

	xsnprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	mkdirs(dir);
	f = fopen(path, "w");
	if (!f)
		die(path);
	fputs(content, f);
	fclose(f);
}

static void put_link(const char *target, const char *path)
{
	char dir[PATH_MAX], *slash;

	xsnprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	mkdirs(dir);
	unlink(path);
	if (symlink(target, path))
		die(path);
}

const char *fake_init(void)
{
	fake_cleanup();
	xsnprintf(root, sizeof(root), "%s/gpuvfio-test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root))
		die("mkdtemp");
	setenv("GPUVFIO_SYSFS_ROOT", root, 1);
	return root;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fake_cleanup(void)
{
	if (*root)
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	root[0] = '\0';
	unsetenv("GPUVFIO_SYSFS_ROOT");
}

void fake_file(const char *rel, const char *content)
{
	char path[PATH_MAX];

	xsnprintf(path, sizeof(path), "%s/%s", root, rel);
	put_file(path, content);
}

const char *fake_read(const char *rel)
{
	static char buf[8192];
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	xsnprintf(path, sizeof(path), "%s/%s", root, rel);
	buf[0] = '\0';
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

void fake_set_driver(const char *addr, const char *driver)
{
	char path[PATH_MAX], target[PATH_MAX];

	xsnprintf(path, sizeof(path), "%s/devices/pci0000:00/%s/driver", root, addr);
	unlink(path);
	if (!driver)
		return;
	xsnprintf(target, sizeof(target), "%s/bus/pci/drivers/%s", root, driver);
	mkdirs(target);
	/* Relative, like the kernel's links. */
	xsnprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", driver);
	put_link(target, path);
}

void fake_dev(const char *addr, unsigned int vendor, unsigned int device,
	      unsigned int class, const char *driver, int group)
{
	char dir[PATH_MAX], path[PATH_MAX], target[PATH_MAX], val[32];

	xsnprintf(dir, sizeof(dir), "%s/devices/pci0000:00/%s", root, addr);
	mkdirs(dir);
	xsnprintf(val, sizeof(val), "0x%04x\n", vendor);
	xsnprintf(path, sizeof(path), "%s/vendor", dir);
	put_file(path, val);
	xsnprintf(path, sizeof(path), "%s/subsystem_vendor", dir);
	put_file(path, val);
	xsnprintf(val, sizeof(val), "0x%04x\n", device);
	xsnprintf(path, sizeof(path), "%s/device", dir);
	put_file(path, val);
	xsnprintf(path, sizeof(path), "%s/subsystem_device", dir);
	put_file(path, "0x0001\n");
	xsnprintf(val, sizeof(val), "0x%06x\n", class);
	xsnprintf(path, sizeof(path), "%s/class", dir);
	put_file(path, val);
	fake_set_driver(addr, driver);

	xsnprintf(path, sizeof(path), "%s/bus/pci/devices/%s", root, addr);
	xsnprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", addr);
	put_link(target, path);
	if (group < 0)
		return;
	xsnprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/devices/%s",
		 root, group, addr);
	xsnprintf(target, sizeof(target), "../../../../devices/pci0000:00/%s", addr);
	put_link(target, path);
	xsnprintf(path, sizeof(path), "%s/iommu_group", dir);
	xsnprintf(target, sizeof(target), "../../../kernel/iommu_groups/%d", group);
	put_link(target, path);
}

/*
 * A PCI device below others: its directory is devices/PARENT/ADDR, PARENT
 * a path such as "pci0000:00/0000:00:1c.0", as the kernel nests devices
 * under their bridges. Links are absolute (their depth varies).
 */
void fake_dev_at(const char *parent, const char *addr, unsigned int vendor,
		 unsigned int device, unsigned int class, const char *driver,
		 int group)
{
	char dir[PATH_MAX], path[PATH_MAX], target[PATH_MAX], val[32];

	xsnprintf(dir, sizeof(dir), "%s/devices/%s/%s", root, parent, addr);
	mkdirs(dir);
	xsnprintf(val, sizeof(val), "0x%04x\n", vendor);
	xsnprintf(path, sizeof(path), "%s/vendor", dir);
	put_file(path, val);
	xsnprintf(val, sizeof(val), "0x%04x\n", device);
	xsnprintf(path, sizeof(path), "%s/device", dir);
	put_file(path, val);
	xsnprintf(val, sizeof(val), "0x%06x\n", class);
	xsnprintf(path, sizeof(path), "%s/class", dir);
	put_file(path, val);
	if (driver) {
		xsnprintf(target, sizeof(target), "%s/bus/pci/drivers/%s", root, driver);
		mkdirs(target);
		xsnprintf(path, sizeof(path), "%s/driver", dir);
		put_link(target, path);
	}
	xsnprintf(path, sizeof(path), "%s/bus/pci/devices/%s", root, addr);
	put_link(dir, path);
	if (group < 0)
		return;
	xsnprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/devices/%s",
		  root, group, addr);
	put_link(dir, path);
	xsnprintf(path, sizeof(path), "%s/iommu_group", dir);
	xsnprintf(target, sizeof(target), "%s/kernel/iommu_groups/%d", root, group);
	put_link(target, path);
}

void fake_iommu_dir(void)
{
	char path[PATH_MAX];

	xsnprintf(path, sizeof(path), "%s/kernel/iommu_groups", root);
	mkdirs(path);
}

void fake_module(const char *version, const char *ids, const char *exclude)
{
	char buf[4200];

	xsnprintf(buf, sizeof(buf), "%s\n", version);
	fake_file("kernel/gpuvfio/version", buf);
	xsnprintf(buf, sizeof(buf), "%s\n", ids);
	fake_file("kernel/gpuvfio/ids", buf);
	xsnprintf(buf, sizeof(buf), "%s\n", exclude);
	fake_file("kernel/gpuvfio/exclude", buf);
	fake_file("kernel/gpuvfio/bind", "");
	fake_file("kernel/gpuvfio/unbind", "");
	{
		char path[PATH_MAX];

		xsnprintf(path, sizeof(path), "%s/kernel/gpuvfio/devices", root);
		mkdirs(path);
	}
}

void fake_managed(const char *addr, const char *orig_driver,
		  const char *orig_override, const char *state)
{
	char rel[PATH_MAX], buf[128];

	xsnprintf(rel, sizeof(rel), "kernel/gpuvfio/devices/%s/original_driver", addr);
	xsnprintf(buf, sizeof(buf), "%s\n", orig_driver);
	fake_file(rel, buf);
	xsnprintf(rel, sizeof(rel), "kernel/gpuvfio/devices/%s/original_override", addr);
	xsnprintf(buf, sizeof(buf), "%s\n", orig_override);
	fake_file(rel, buf);
	xsnprintf(rel, sizeof(rel), "kernel/gpuvfio/devices/%s/state", addr);
	xsnprintf(buf, sizeof(buf), "%s\n", state);
	fake_file(rel, buf);
}

/* Running the tool. */

int gpuvfio_main(int argc, char **argv);

static void slurp(int fd, char *buf, size_t size)
{
	ssize_t n;
	size_t len = 0;

	lseek(fd, 0, SEEK_SET);
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

static int cap_out = -1, cap_err = -1, saved_out, saved_err;

void capture_begin(void)
{
	char tmpl_out[] = "/tmp/gpuvfio-out.XXXXXX";
	char tmpl_err[] = "/tmp/gpuvfio-err.XXXXXX";

	cap_out = mkstemp(tmpl_out);
	cap_err = mkstemp(tmpl_err);
	if (cap_out < 0 || cap_err < 0)
		die("mkstemp");
	unlink(tmpl_out);
	unlink(tmpl_err);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(1);
	saved_err = dup(2);
	dup2(cap_out, 1);
	dup2(cap_err, 2);
}

void capture_end(char *out, size_t out_size, char *err, size_t err_size)
{
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	slurp(cap_out, out, out_size);
	slurp(cap_err, err, err_size);
	close(cap_out);
	close(cap_err);
}

int run_tool(struct run *r, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	char *a;

	argv[argc++] = "gpuvfio";
	va_start(ap, r);
	while ((a = va_arg(ap, char *)) && argc < 31)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;

	capture_begin();
	r->status = gpuvfio_main(argc, argv);
	capture_end(r->out, sizeof(r->out), r->err, sizeof(r->err));
	return r->status;
}
