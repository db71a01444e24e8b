// SPDX-License-Identifier: GPL-2.0
/*
 * The holder scan: the device nodes of each device that would move, then
 * every /proc/PID/fd/N compared with them by what stat() says, not by path
 * (a container's /dev, a renamed node or a bind mount still match).
 */
#define _GNU_SOURCE	/* getdents64() */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "holders.h"
#include "sysfs.h"

#define MAX_NODES	256

struct node {
	const struct gv_holder_dev *dev;
	char shown[96];		/* "/dev/dri/card0" */
	struct stat st;
};

struct scan {
	struct node nodes[MAX_NODES];
	size_t n;
};

static const char *root_of(const char *env, const char *def)
{
	const char *r = getenv(env);

	return r && *r ? r : def;
}

const char *gv_proc_root(void)
{
	return root_of(GV_PROC_ROOT_ENV, "/proc");
}

const char *gv_dev_root(void)
{
	return root_of(GV_DEV_ROOT_ENV, "/dev");
}

/* Adds DEV_ROOT/dir/name (dir may be "") if it exists. */
static void add_node(struct scan *s, const struct gv_holder_dev *d,
		     const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct node *n;
	int len;

	if (s->n == MAX_NODES)
		return;
	n = &s->nodes[s->n];
	len = snprintf(n->shown, sizeof(n->shown), "/dev/%s%s%s", dir,
		       *dir ? "/" : "", name);
	if (len < 0 || (size_t)len >= sizeof(n->shown))
		return;
	len = snprintf(path, sizeof(path), "%s%s", gv_dev_root(), n->shown + 4);
	if (len < 0 || (size_t)len >= sizeof(path) || stat(path, &n->st))
		return;
	n->dev = d;
	s->n++;
}

/* Calls fn for each entry of a directory, dot entries left out. */
static void each_entry(const char *dir, void (*fn)(const char *name, void *arg),
		       void *arg)
{
	struct dirent *de;
	DIR *dp = opendir(dir);

	if (!dp)
		return;
	while ((de = readdir(dp)))
		if (de->d_name[0] != '.')
			fn(de->d_name, arg);
	closedir(dp);
}

struct ctx {
	struct scan *s;
	const struct gv_holder_dev *d;
	long card;
};

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void nvidia_node(const char *name, void *arg)
{
	struct ctx *c = arg;

	if (strncmp(name, "nvidia", 6) || !all_digits(name + 6))
		return;
	add_node(c->s, c->d, "", name);
}

/*
 * NVIDIA's driver makes one /dev/nvidiaN per GPU; its minor is in
 * /proc/driver/nvidia/gpus/ADDR/information ("Device Minor: N"). When
 * that cannot be read but the device is on nvidia, every /dev/nvidiaN
 * counts: better a refusal that --force overrides than a hang.
 */
static void nvidia_nodes(struct scan *s, const struct gv_holder_dev *d)
{
	char path[PATH_MAX], line[256], rel[32];
	struct ctx c = { .s = s, .d = d };
	unsigned int minor;
	FILE *f;

	if (d->vendor != 0x10de)
		return;
	snprintf(path, sizeof(path), "%s/driver/nvidia/gpus/%s/information",
		 gv_proc_root(), d->addr);
	f = fopen(path, "re");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "Device Minor: %u", &minor) == 1) {
				fclose(f);
				snprintf(rel, sizeof(rel), "nvidia%u", minor);
				add_node(s, d, "", rel);
				return;
			}
		}
		fclose(f);
	} else if (!d->driver || strcmp(d->driver, "nvidia")) {
		return;
	}
	each_entry(gv_dev_root(), nvidia_node, &c);
}

static void drm_node(const char *name, void *arg)
{
	struct ctx *c = arg;

	if (strncmp(name, "card", 4) && strncmp(name, "renderD", 7))
		return;
	add_node(c->s, c->d, "dri", name);
}

/* "controlC0", "pcmC0D3p", "hwC0D0", "midiC0D0" belong to card 0;
 * "timer" and "seq" to no card. */
static void snd_node(const char *name, void *arg)
{
	struct ctx *c = arg;
	const char *p = name;
	char *end;
	long card;

	while (islower((unsigned char)*p))
		p++;
	if (p == name || *p != 'C' || !isdigit((unsigned char)p[1]))
		return;
	card = strtol(p + 1, &end, 10);
	if (card != c->card || (*end && *end != 'D'))
		return;
	add_node(c->s, c->d, "snd", name);
}

static void sound_card(const char *name, void *arg)
{
	struct ctx *c = arg;
	char dir[PATH_MAX];

	if (strncmp(name, "card", 4) || !all_digits(name + 4))
		return;
	c->card = strtol(name + 4, NULL, 10);
	snprintf(dir, sizeof(dir), "%s/snd", gv_dev_root());
	each_entry(dir, snd_node, c);
}

static void collect(struct scan *s, const struct gv_holder_dev *d)
{
	struct ctx c = { .s = s, .d = d };
	char path[PATH_MAX], rel[32];

	nvidia_nodes(s, d);
	if (!gv_sysfs_path(path, sizeof(path), "bus/pci/devices/%s/drm", d->addr))
		each_entry(path, drm_node, &c);
	if (!gv_sysfs_path(path, sizeof(path), "bus/pci/devices/%s/sound", d->addr))
		each_entry(path, sound_card, &c);
	if (d->group >= 0) {
		snprintf(rel, sizeof(rel), "%ld", d->group);
		add_node(s, d, "vfio", rel);
	}
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	if (S_ISCHR(a->st_mode) && S_ISCHR(b->st_mode))
		return a->st_rdev == b->st_rdev;
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* /proc/PID/comm, read relative to the /proc descriptor. */
static void read_comm(int proc, const char *pid, char *buf, size_t size)
{
	char rel[PATH_MAX];
	ssize_t len;
	int fd;

	snprintf(buf, size, "?");
	snprintf(rel, sizeof(rel), "%s/comm", pid);
	fd = openat(proc, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len <= 0) {
		snprintf(buf, size, "?");
		return;
	}
	buf[len] = '\0';
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
}

static bool already(const struct gv_holder *out, size_t stored,
		    const struct gv_holder *h)
{
	size_t i;

	for (i = 0; i < stored; i++)
		if (out[i].pid == h->pid && !strcmp(out[i].addr, h->addr) &&
		    !strcmp(out[i].node, h->node))
			return true;
	return false;
}

/* Records pid as a holder of every node the descriptor st is open on. */
static void match_fd(const struct scan *s, int proc, const char *pid,
		     const struct stat *st, struct gv_holder *out, size_t max,
		     size_t *found)
{
	struct gv_holder h;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (!same_file(st, &s->nodes[i].st))
			continue;
		memset(&h, 0, sizeof(h));
		snprintf(h.addr, sizeof(h.addr), "%s", s->nodes[i].dev->addr);
		h.pid = (pid_t)strtol(pid, NULL, 10);
		snprintf(h.node, sizeof(h.node), "%s", s->nodes[i].shown);
		if (already(out, *found < max ? *found : max, &h))
			continue;
		read_comm(proc, pid, h.comm, sizeof(h.comm));
		if (*found < max)
			out[*found] = h;
		(*found)++;
	}
}

/*
 * The scan runs on every bind and unbind, over every process (kernel
 * threads too: their fd directory is empty), so it stays at a few system
 * calls per process: the fd directory is read with getdents64() and each
 * descriptor looked at with fstatat() relative to it, with no path work.
 */
static void scan_process(const struct scan *s, int proc, const char *pid,
			 struct gv_holder *out, size_t max, size_t *found)
{
	char rel[PATH_MAX];
	union {
		char bytes[8192];
		struct dirent64 align;
	} buf;
	struct dirent64 *de;
	struct stat st;
	ssize_t len, off;
	int fd;

	snprintf(rel, sizeof(rel), "%s/fd", pid);
	fd = openat(proc, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Gone, or not ours to look at. */
	if (fd < 0)
		return;
	while ((len = getdents64(fd, buf.bytes, sizeof(buf.bytes))) > 0) {
		for (off = 0; off < len; off += de->d_reclen) {
			de = (struct dirent64 *)(buf.bytes + off);
			if (de->d_name[0] != '.' && !fstatat(fd, de->d_name, &st, 0))
				match_fd(s, proc, pid, &st, out, max, found);
		}
	}
	close(fd);
}

int gv_holders_scan(const struct gv_holder_dev *devs, size_t ndevs,
		    struct gv_holder *out, size_t max)
{
	struct scan *s;
	struct dirent *de;
	size_t i, found = 0;
	int ret = 0, proc;
	DIR *dp;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (i = 0; i < ndevs; i++)
		collect(s, &devs[i]);
	if (!s->n)
		goto out;
	/* One descriptor of /proc: listed, and each process opened from it. */
	proc = open(gv_proc_root(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dp = proc >= 0 ? fdopendir(proc) : NULL;
	if (!dp) {
		ret = -errno;
		if (proc >= 0)
			close(proc);
		goto out;
	}
	while ((de = readdir(dp)))
		if (all_digits(de->d_name))
			scan_process(s, proc, de->d_name, out, max, &found);
	closedir(dp);
out:
	free(s);
	return ret ? ret : (int)(found > INT_MAX ? INT_MAX : found);
}
