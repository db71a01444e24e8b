// SPDX-License-Identifier: GPL-2.0
/*
 * `gpuvfio bind/unbind` end to end, with the test standing in for the
 * kernel: bind.o's netlink calls (gv_nl_open(), gv_nl_switch(), ...) come
 * here (linked with --wrap), which records each request and answers from
 * a script of replies; a RUNNING reply is followed by the wait for its
 * transaction's end (gv_nl_wait_txn(), tested on its own in txn_test.c),
 * which answers from the script too. The holder scan runs for real,
 * against a fake /proc, /dev and /sys.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bind.h"
#include "nl.h"
#include "test.h"

#define MAX_CALLS 4

/* One answer of the "kernel": the ACK's error and, if reply, a reply. */
struct answer {
	int err;
	bool reply;
	uint32_t outcome, txn;
	const char *message;
	const char *wait_addr, *wait_driver;
	const char *ack_text;
	bool moves;		/* the members move (else they are already there) */
};

/* How the wait for a RUNNING transaction ends: its error, or a report. */
struct ending {
	int err;
	uint32_t event;		/* 0: a GET_TXN report */
	uint32_t outcome, errno_;
	const char *message;
	const char *wait_addr, *wait_driver;
	bool stranded;		/* the audio function is left without a driver */
};

static struct {
	int open_err;
	bool old_module;
	struct answer answers[MAX_CALLS];
	int calls;
	struct {
		bool bind;
		uint32_t flags, timeout_ms;
		unsigned int ntargets;
		char targets[4][32];
	} req[MAX_CALLS];
	char last_message[256];
	/* The events socket and the wait. */
	int sub_err;
	int subscribed_at;	/* calls made when it joined "events"; -1: never */
	struct ending ending;
	int waits;
	struct {
		bool events, sigmask;
		uint32_t txn;
		double in_s;	/* from the wait's start to its deadline */
		bool sigint_let_in;
	} wait;
} k;

static char dummy;

int __wrap_gv_nl_open(struct gv_nl **nl)
{
	*nl = k.open_err ? NULL : (struct gv_nl *)&dummy;
	return k.open_err;
}

void __wrap_gv_nl_close(struct gv_nl *nl)
{
	(void)nl;
}

bool __wrap_gv_nl_require_op(struct gv_nl *nl, uint8_t cmd, const char *what)
{
	(void)nl;
	if (!k.old_module)
		return true;
	fprintf(stderr, "gpuvfio: the loaded gpuvfio module (version 0.0) is too old for `%s`: it has no %s; update it\n",
		what, gv_nl_cmd_name(cmd));
	return false;
}

void __wrap_gv_nl_set_quiet(struct gv_nl *nl, bool quiet)
{
	(void)nl;
	(void)quiet;
}

const char *__wrap_gv_nl_last_message(const struct gv_nl *nl)
{
	(void)nl;
	return *k.last_message ? k.last_message : NULL;
}

const char *__wrap_gv_nl_last_ack_text(const struct gv_nl *nl)
{
	(void)nl;
	return NULL;
}

static void member(struct gv_nl_dev *d, const char *addr, uint16_t vendor,
		   uint32_t class, int group, uint32_t role, uint32_t fate,
		   const char *from, const char *to)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->addr, sizeof(d->addr), "%s", addr);
	d->has_ids = true;
	d->vendor = vendor;
	d->device = 0x1111;
	d->has_class = true;
	d->class = class;
	d->group = group;
	d->role = role;
	d->fate = fate;
	d->has_from = true;
	snprintf(d->from_driver, sizeof(d->from_driver), "%s", from);
	d->has_driver = true;
	snprintf(d->driver, sizeof(d->driver), "%s", from);
	if (to) {
		d->has_to = true;
		snprintf(d->to_driver, sizeof(d->to_driver), "%s", to);
	}
}

/* A report of the three members: as the script says, or, with the
 * members moved (moves) or rolled back, and their times. */
static void report_of(struct gv_nl_result *res, const struct answer *a, bool bind, bool dry)
{
	struct gv_nl_dev *m;

	res->received = true;
	res->has_txn = true;
	res->txn = a->txn;
	res->outcome = a->outcome;
	res->err = (uint32_t)-a->err;
	snprintf(res->message, sizeof(res->message), "%s", a->message ? a->message : "");
	res->has_elapsed = true;
	res->elapsed_ns = 12345678;
	snprintf(res->wait_addr, sizeof(res->wait_addr), "%s", a->wait_addr ? a->wait_addr : "");
	snprintf(res->wait_driver, sizeof(res->wait_driver), "%s",
		 a->wait_driver ? a->wait_driver : "");
	/* A RUNNING reply has no members yet. */
	if (a->outcome == GPUVFIO_OUTCOME_RUNNING)
		return;
	res->nmembers = 3;
	res->members = calloc(3, sizeof(*m));
	m = res->members;
	member(&m[0], "0000:00:1c.0", 0x1b36, 0x060400, 1, GPUVFIO_ROLE_NEUTRAL,
	       GPUVFIO_FATE_STAY, "pcieport", NULL);
	member(&m[1], "0000:01:00.0", 0x1234, 0x030000, 1, GPUVFIO_ROLE_TARGET,
	       a->moves ? GPUVFIO_FATE_MOVE : GPUVFIO_FATE_ALREADY,
	       bind ? "bochs-drm" : "vfio-pci", bind ? "vfio-pci" : "bochs-drm");
	member(&m[2], "0000:01:00.1", 0x8086, 0x040300, 1, GPUVFIO_ROLE_COMPANION,
	       a->moves ? GPUVFIO_FATE_MOVE : GPUVFIO_FATE_ALREADY,
	       bind ? "snd_hda_intel" : "vfio-pci", bind ? "vfio-pci" : "snd_hda_intel");
	if (a->moves && !dry) {
		m[1].progress = m[2].progress = GPUVFIO_PROGRESS_DONE;
		m[1].has_t_override = m[1].has_t_release = m[1].has_t_attach = true;
		m[1].t_override_ns = 1000;
		m[1].t_release_ns = 2500000;
		m[1].t_attach_ns = 7000000;
	}
	if (a->outcome == GPUVFIO_OUTCOME_PENDING)
		m[2].progress = GPUVFIO_PROGRESS_RELEASE;
	if (a->outcome == GPUVFIO_OUTCOME_REFUSED) {
		member(&m[0], "0000:06:00.0", 0x8086, 0x020000, 1, GPUVFIO_ROLE_FOREIGN,
		       GPUVFIO_FATE_BLOCKS, "e1000e", NULL);
	}
}

int __wrap_gv_nl_switch(struct gv_nl *nl, const struct gv_nl_switch_req *req,
			struct gv_nl_result *res)
{
	const struct answer *a;
	unsigned int i;

	(void)nl;
	memset(res, 0, sizeof(*res));
	if (k.calls == MAX_CALLS)
		return -EIO;
	a = &k.answers[k.calls];
	k.req[k.calls].bind = req->bind;
	k.req[k.calls].flags = req->flags;
	k.req[k.calls].timeout_ms = req->timeout_ms;
	k.req[k.calls].ntargets = req->ntargets;
	for (i = 0; i < req->ntargets && i < 4; i++)
		snprintf(k.req[k.calls].targets[i], 32, "%s", req->targets[i]);
	k.calls++;
	snprintf(k.last_message, sizeof(k.last_message), "%s",
		 a->ack_text ? a->ack_text : "");
	if (a->reply)
		report_of(res, a, req->bind, req->flags & GPUVFIO_F_DRY_RUN);
	return a->err;
}

int __wrap_gv_nl_subscribe_events(struct gv_nl *nl)
{
	(void)nl;
	if (!k.sub_err)
		k.subscribed_at = k.calls;
	return k.sub_err;
}

int __wrap_gv_nl_wait_txn(struct gv_nl *events, struct gv_nl *nl, uint32_t txn,
			  const struct timespec *deadline, const sigset_t *sigmask,
			  struct gv_nl_result *res)
{
	const struct ending *e = &k.ending;
	struct answer a = { .reply = true, .outcome = e->outcome, .err = -(int)e->errno_,
			    .txn = txn, .message = e->message, .wait_addr = e->wait_addr,
			    .wait_driver = e->wait_driver, .moves = true };
	struct timespec now;

	(void)nl;
	memset(res, 0, sizeof(*res));
	k.waits++;
	k.wait.events = events != NULL;
	k.wait.sigmask = sigmask != NULL;
	k.wait.sigint_let_in = sigmask && !sigismember(sigmask, SIGINT);
	k.wait.txn = txn;
	clock_gettime(CLOCK_MONOTONIC, &now);
	k.wait.in_s = (double)(deadline->tv_sec - now.tv_sec) +
		      (double)(deadline->tv_nsec - now.tv_nsec) / 1e9;
	if (e->err)
		return e->err;
	report_of(res, &a, k.req[k.calls - 1].bind, k.req[k.calls - 1].flags & GPUVFIO_F_DRY_RUN);
	res->event = e->event;
	if (e->outcome == GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE || e->outcome == GPUVFIO_OUTCOME_ROLLED_BACK) {
		res->members[1].progress = GPUVFIO_PROGRESS_ROLLED_BACK;
		res->members[2].progress = e->stranded ? GPUVFIO_PROGRESS_STRANDED :
					   GPUVFIO_PROGRESS_ROLLED_BACK;
		res->members[2].err = EIO;
	}
	return 0;
}

static void reset(void)
{
	memset(&k, 0, sizeof(k));
	k.subscribed_at = -1;
}

/* The plan, then the request: both succeed. */
static void script_ok(void)
{
	reset();
	k.answers[0] = (struct answer){ .reply = true, .outcome = GPUVFIO_OUTCOME_DRY_RUN,
					.txn = 6, .message = "2 devices would move.", .moves = true };
	k.answers[1] = (struct answer){ .reply = true, .outcome = GPUVFIO_OUTCOME_DONE,
					.txn = 7, .message = "Moved 2 devices.", .moves = true };
}

static const char *root;

static void make_host(void)
{
	root = fake_init();
	fake_dev("0000:00:1c.0", 0x1b36, 0x000c, 0x060400, "pcieport", 1);
	fake_dev("0000:01:00.0", 0x1234, 0x1111, 0x030000, "bochs-drm", 1);
	fake_dev("0000:01:00.1", 0x8086, 0x2668, 0x040300, "snd_hda_intel", 1);
	fake_module("9.9-test", "1234:1111", "");
	/* An empty /proc and /dev: nobody holds anything. */
	fake_file("proc/1/comm", "init\n");
	fake_file("dev/null", "");
	{
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/proc", root);
		setenv("GPUVFIO_PROC_ROOT", p, 1);
		snprintf(p, sizeof(p), "%s/dev", root);
		setenv("GPUVFIO_DEV_ROOT", p, 1);
	}
}

/* aplay holds the audio function's control node, through fd 5. */
static void make_holder(void)
{
	char target[PATH_MAX], link[PATH_MAX];

	fake_file("bus/pci/devices/0000:01:00.1/sound/card0/id", "Intel\n");
	fake_file("dev/snd/controlC0", "");
	fake_file("dev/snd/pcmC0D0p", "");
	fake_file("dev/snd/controlC1", "");
	fake_file("proc/1234/comm", "aplay\n");
	fake_file("proc/1234/fd/0", "");
	fake_file("proc/99/comm", "other\n");
	fake_file("proc/99/fd/0", "");
	snprintf(target, sizeof(target), "%s/dev/snd/controlC0", root);
	snprintf(link, sizeof(link), "%s/proc/1234/fd/5", root);
	if (symlink(target, link))
		perror("symlink");
	snprintf(link, sizeof(link), "%s/proc/1234/fd/6", root);
	if (symlink(target, link))
		perror("symlink");
	snprintf(target, sizeof(target), "%s/dev/snd/controlC1", root);
	snprintf(link, sizeof(link), "%s/proc/99/fd/3", root);
	if (symlink(target, link))
		perror("symlink");
}

static void test_bind(void)
{
	struct run r;

	make_host();
	script_ok();
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 0, "bind exits 0 (got %d)", r.status);
	check(k.calls == 2 && k.req[0].flags == (GPUVFIO_F_DRY_RUN | GPUVFIO_F_FORCE) &&
	      k.req[1].flags == 0,
	      "a dry run first, then the request (%d calls)", k.calls);
	check(k.req[1].bind && k.req[1].ntargets == 1 &&
	      !strcmp(k.req[1].targets[0], "0000:01:00.0") && k.req[1].timeout_ms == 0,
	      "the canonical address in GPUVFIO_A_TARGET, no timeout: the kernel's default");
	check_str(r.out,
		  "bind: done (txn 7, 12.345 ms): Moved 2 devices.\n"
		  "IOMMU group 1:\n"
		  "  0000:00:1c.0  neutral    stay     pcieport\n"
		  "  0000:01:00.0  target     move     bochs-drm -> vfio-pci  (override 0.001 ms, release 2.500 ms, attach 7.000 ms)\n"
		  "  0000:01:00.1  companion  move     snd_hda_intel -> vfio-pci\n",
		  "a header with the outcome, then every member with role, fate, drivers, times");
	check_str(r.err, "", "nothing on stderr");

	script_ok();
	run_tool(&r, "bind", "--json", "01:00.0", NULL);
	check(r.status == 0 && json_valid(r.out), "bind --json: valid JSON");
	check_contains(r.out, "{\"command\":\"bind\",\"dry_run\":false,\"outcome\":\"done\",\"txn\":7,"
			      "\"errno\":0,\"message\":\"Moved 2 devices.\",\"elapsed_ms\":12.345,"
			      "\"wait\":null,\"members\":[",
		       "bind JSON: the top-level fields");
	check_contains(r.out, "{\"address\":\"0000:01:00.0\",\"group\":1,\"role\":\"target\",\"fate\":\"move\","
			      "\"from_driver\":\"bochs-drm\",\"to_driver\":\"vfio-pci\",\"progress\":\"done\","
			      "\"errno\":0,\"t_override_ms\":0.001,\"t_release_ms\":2.500,\"t_attach_ms\":7.000,"
			      "\"vendor\":\"1234\",\"device\":\"1111\",\"class\":\"0300\"}",
		       "bind JSON: a member");
	check_contains(r.out, "],\"holders\":[]}\n", "bind JSON: holders, empty");

	script_ok();
	run_tool(&r, "unbind", "--timeout", "2.5", "1234:1111", NULL);
	check(r.status == 0 && !k.req[1].bind && k.req[1].timeout_ms == 2500 &&
	      k.req[0].timeout_ms == 2500 && !strcmp(k.req[1].targets[0], "1234:1111"),
	      "unbind: GPUVFIO_CMD_UNBIND, --timeout 2.5 is 2500 ms, in both requests");
	check_contains(r.out, "0000:01:00.0  target     move     vfio-pci -> bochs-drm",
		       "unbind shows the way back");

	script_ok();
	run_tool(&r, "unbind", "--all", NULL);
	check(r.status == 0 && !strcmp(k.req[0].targets[0], "all"), "--all sends 'all'");

	script_ok();
	run_tool(&r, "bind", "01:00.0,01:00.1", "10de:1bb3:ABCD:0001", NULL);
	check(r.status == 0 && k.req[0].ntargets == 3 &&
	      !strcmp(k.req[0].targets[1], "0000:01:00.1") &&
	      !strcmp(k.req[0].targets[2], "10de:1bb3:abcd:0001"),
	      "a comma list and an ID with subsystem: three canonical targets");

	/* Already there: the plan says so, the request is still made. */
	reset();
	k.answers[0] = (struct answer){ .reply = true, .outcome = GPUVFIO_OUTCOME_NOTHING, .txn = 1 };
	k.answers[1] = (struct answer){ .reply = true, .outcome = GPUVFIO_OUTCOME_NOTHING, .txn = 2,
					.message = "Nothing to do." };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 0 && k.calls == 2, "nothing to do: exit 0");
	check_contains(r.out, "bind: nothing to do (txn 2, 12.345 ms): Nothing to do.\n",
		       "nothing to do: said so");
	check_contains(r.out, "0000:01:00.0  target     already  bochs-drm", "fate already");
}

static void test_dry_run(void)
{
	struct run r;

	make_host();
	make_holder();
	reset();
	k.answers[0] = (struct answer){ .reply = true, .outcome = GPUVFIO_OUTCOME_DRY_RUN,
					.txn = 3, .message = "2 devices would move.", .moves = true };
	run_tool(&r, "bind", "-n", "01:00.0", NULL);
	check(r.status == 0 && k.calls == 1 && k.req[0].flags == GPUVFIO_F_DRY_RUN,
	      "--dry-run: one request, GPUVFIO_F_DRY_RUN, exit 0, no holder check");
	check_contains(r.out, "bind: the plan (dry run: nothing changed) (txn 3, 12.345 ms): 2 devices would move.\n",
		       "--dry-run: the plan's header");
	check_contains(r.out, "  0000:01:00.1  companion  move     snd_hda_intel -> vfio-pci\n",
		       "--dry-run: every member and what would happen to it");

	reset();
	k.answers[0] = (struct answer){ .err = -EXDEV, .reply = true, .outcome = GPUVFIO_OUTCOME_REFUSED,
					.txn = 4, .message = "0000:06:00.0 (e1000e) shares IOMMU group 1: name it too." };
	run_tool(&r, "bind", "--dry-run", "01:00.0", NULL);
	check(r.status == 1 && k.calls == 1, "a plan the kernel refuses: exit 1");
	check_contains(r.out, "  0000:06:00.0  foreign    blocks   on e1000e: refuses the request\n",
		       "the refusing member is shown");
	check_str(r.err, "gpuvfio: bind refused: 0000:06:00.0 (e1000e) shares IOMMU group 1: name it too.\n",
		  "the kernel's sentence, once, on stderr");

	reset();
	k.answers[0] = (struct answer){ .err = -EXDEV, .reply = true, .outcome = GPUVFIO_OUTCOME_REFUSED,
					.txn = 4, .message = "shares a group" };
	run_tool(&r, "-j", "bind", "--dry-run", "01:00.0", NULL);
	check(r.status == 1 && json_valid(r.out) &&
	      strstr(r.out, "\"dry_run\":true,\"outcome\":\"refused\",\"txn\":4,\"errno\":18,\"message\":\"shares a group\""),
	      "a refused plan in JSON: outcome, errno, message");

	/* Refused at planning without --dry-run: nothing more is sent. */
	reset();
	k.answers[0] = (struct answer){ .err = -EXDEV, .reply = true, .outcome = GPUVFIO_OUTCOME_REFUSED,
					.txn = 4, .message = "shares a group" };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 1 && k.calls == 1 && strstr(r.err, "bind refused: shares a group"),
	      "refused at planning: exit 1, the request is not made");
}

static void test_holders(void)
{
	struct run r;

	make_host();
	make_holder();
	script_ok();
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 1 && k.calls == 1, "a holder: refused after the plan, exit 1 (got %d, %d calls)",
	      r.status, k.calls);
	check_str(r.err,
		  "gpuvfio: 0000:01:00.1 is held open by pid 1234 (aplay) through /dev/snd/controlC0: "
		  "stop it, or use --force to go ahead (the request then waits for it, up to --timeout, "
		  "and completes when it lets go)\n",
		  "the holder is named once, with pid, command and node; card 1's holder is not");

	script_ok();
	run_tool(&r, "-j", "bind", "01:00.0", NULL);
	check(r.status == 1 && json_valid(r.out) &&
	      strstr(r.out, "\"holders\":[{\"address\":\"0000:01:00.1\",\"pid\":1234,\"command\":\"aplay\","
			    "\"node\":\"/dev/snd/controlC0\"}]"),
	      "the holder in JSON");

	script_ok();
	run_tool(&r, "bind", "--force", "-t", "3", "01:00.0", NULL);
	check(r.status == 0 && k.calls == 2 && k.req[1].flags == GPUVFIO_F_FORCE &&
	      k.req[0].flags == (GPUVFIO_F_DRY_RUN | GPUVFIO_F_FORCE) && k.req[1].timeout_ms == 3000,
	      "--force: the request goes ahead with GPUVFIO_F_FORCE");
	check_contains(r.err, "going ahead (--force)", "--force: the holder is still named");

	/* A holder of a node that does not move is no reason to refuse. */
	reset();
	k.answers[0] = (struct answer){ .reply = true, .outcome = GPUVFIO_OUTCOME_DRY_RUN, .txn = 1 };
	k.answers[1] = (struct answer){ .reply = true, .outcome = GPUVFIO_OUTCOME_NOTHING, .txn = 2 };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 0 && k.calls == 2, "nothing moves: holders do not matter");
}

static void test_pending(void)
{
	struct run r;

	make_host();
	script_ok();
	k.answers[1] = (struct answer){ .reply = true, .outcome = GPUVFIO_OUTCOME_PENDING, .txn = 9,
					.wait_addr = "0000:01:00.1", .wait_driver = "snd_hda_intel",
					.moves = true };
	/* Not final: the wait reads the module's pending event. */
	k.ending = (struct ending){ .event = GPUVFIO_EVENT_PENDING, .outcome = GPUVFIO_OUTCOME_PENDING,
				    .wait_addr = "0000:01:00.1", .wait_driver = "snd_hda_intel" };
	run_tool(&r, "bind", "--timeout", "0.5", "01:00.0", NULL);
	check(r.status == 4 && k.waits == 1 && k.wait.txn == 9,
	      "pending: waited for txn 9's end, exit 4 (got %d)", r.status);
	check_contains(r.out, "bind: pending (txn 9, 12.345 ms)\n", "pending: the header");
	check_contains(r.out, "snd_hda_intel -> vfio-pci [release]", "pending: the step it waits in");
	check_contains(r.err, "pending: snd_hda_intel has not let go of 0000:01:00.1",
		       "pending: what it waits on");
	check_contains(r.err, "watch with `gpuvfio monitor` or `gpuvfio status`",
		       "pending: how to follow it");

	script_ok();
	k.answers[1] = (struct answer){ .reply = true, .outcome = GPUVFIO_OUTCOME_PENDING, .txn = 9,
					.wait_addr = "0000:01:00.1", .wait_driver = "snd_hda_intel",
					.moves = true };
	/* Not final: the wait reads the module's pending event. */
	k.ending = (struct ending){ .event = GPUVFIO_EVENT_PENDING, .outcome = GPUVFIO_OUTCOME_PENDING,
				    .wait_addr = "0000:01:00.1", .wait_driver = "snd_hda_intel" };
	run_tool(&r, "bind", "-j", "01:00.0", NULL);
	check(r.status == 4 && strstr(r.out, "\"outcome\":\"pending\"") &&
	      strstr(r.out, "\"wait\":{\"address\":\"0000:01:00.1\",\"driver\":\"snd_hda_intel\"}"),
	      "pending in JSON: wait names device and driver");
}

/* The plan, then a request the module answers RUNNING (txn 7). */
static void script_running(void)
{
	script_ok();
	k.answers[1] = (struct answer){ .reply = true, .outcome = GPUVFIO_OUTCOME_RUNNING,
					.txn = 7, .message = "running: the change is under way" };
}

static void test_running(void)
{
	struct ending e;
	struct run r;

	make_host();
	script_ok();
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 0 && k.waits == 0 && k.subscribed_at == 1,
	      "a final reply: no wait; events were joined before the request was sent");

	script_running();
	k.ending = (struct ending){ .event = GPUVFIO_EVENT_BOUND, .outcome = GPUVFIO_OUTCOME_DONE,
				    .message = "Moved 2 devices." };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 0 && k.calls == 2 && k.waits == 1 && k.wait.txn == 7,
	      "RUNNING: the tool waits for txn 7, and its bound event ends it: exit 0 (got %d)", r.status);
	check(k.subscribed_at == 1 && k.wait.events,
	      "the events socket joined \"events\" after the plan and before the request");
	check(k.wait.sigmask && k.wait.sigint_let_in,
	      "SIGINT is let in while waiting");
	check(k.wait.in_s > 10.5 && k.wait.in_s <= 11.0,
	      "the deadline: the module's default 10 s and a 1 s grace (%.3f s)", k.wait.in_s);
	check_str(r.out,
		  "bind: done (txn 7, 12.345 ms): Moved 2 devices.\n"
		  "IOMMU group 1:\n"
		  "  0000:00:1c.0  neutral    stay     pcieport\n"
		  "  0000:01:00.0  target     move     bochs-drm -> vfio-pci  (override 0.001 ms, release 2.500 ms, attach 7.000 ms)\n"
		  "  0000:01:00.1  companion  move     snd_hda_intel -> vfio-pci\n",
		  "the event's report is printed as a reply is");
	check_str(r.err, "", "nothing on stderr");

	script_running();
	k.ending = (struct ending){ .event = GPUVFIO_EVENT_UNBOUND, .outcome = GPUVFIO_OUTCOME_DONE };
	run_tool(&r, "unbind", "-t", "2.5", "01:00.0", NULL);
	check(r.status == 0 && k.wait.in_s > 3.0 && k.wait.in_s <= 3.5,
	      "--timeout 2.5: the tool waits up to 3.5 s (%.3f s)", k.wait.in_s);

	script_running();
	k.ending = (struct ending){ .event = GPUVFIO_EVENT_PENDING, .outcome = GPUVFIO_OUTCOME_PENDING,
				    .wait_addr = "0000:01:00.1", .wait_driver = "snd_hda_intel" };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 4 && strstr(r.out, "bind: pending (txn 7, 12.345 ms)\n") &&
	      strstr(r.err, "pending: snd_hda_intel has not let go of 0000:01:00.1"),
	      "its pending event: pending, exit 4, naming what it waits on");

	/* Pending on no device: the module's own sentence, not a holder. */
	script_running();
	k.ending = (struct ending){ .event = GPUVFIO_EVENT_PENDING, .outcome = GPUVFIO_OUTCOME_PENDING,
				    .message = "pending: waiting for modprobe vfio-pci to finish; the request goes on when it has" };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 4 &&
	      strstr(r.err, "gpuvfio: pending: waiting for modprobe vfio-pci to finish; the request goes on when it has; "
			    "watch with `gpuvfio monitor` or `gpuvfio status`\n") &&
	      !strstr(r.err, "holder"),
	      "pending on modprobe: exit 4, the module's sentence, no holder named");

	script_running();
	k.ending = (struct ending){ .event = GPUVFIO_EVENT_REFUSED, .outcome = GPUVFIO_OUTCOME_REFUSED,
				    .errno_ = EBUSY, .message = "group 1 is busy: another request held it past the deadline" };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 1 && strstr(r.out, "bind: refused, nothing changed (txn 7") &&
	      strstr(r.err, "gpuvfio: bind refused: group 1 is busy: another request held it past the deadline\n"),
	      "its refused event: exit 1, the module's sentence");
	script_running();
	k.ending = (struct ending){ .event = GPUVFIO_EVENT_REFUSED, .outcome = GPUVFIO_OUTCOME_REFUSED,
				    .errno_ = ENOPKG };
	run_tool(&r, "-j", "bind", "01:00.0", NULL);
	check(r.status == 1 && json_valid(r.out) &&
	      strstr(r.out, "\"outcome\":\"refused\",\"txn\":7,\"errno\":65,") &&
	      strstr(r.err, "vfio-pci is not available"),
	      "refused without a sentence: errno in JSON, the tool's sentence for it");

	script_running();
	k.ending = (struct ending){ .event = GPUVFIO_EVENT_ROLLBACK_INCOMPLETE,
				    .outcome = GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE, .errno_ = EIO,
				    .message = "vfio-pci probe failed; 0000:01:00.1 could not be given back",
				    .stranded = true };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 1 &&
	      strstr(r.out, "bind: failed, and the rollback could not put every device back as it was (txn 7") &&
	      strstr(r.out, "snd_hda_intel -> vfio-pci [stranded] [failed: Input/output error]"),
	      "rollback incomplete: exit 1, the stranded member marked");
	check_contains(r.err, "bind failed: vfio-pci probe failed; 0000:01:00.1 could not be given back\n",
		       "rollback incomplete: the module's sentence");
	check_contains(r.err, "0000:01:00.1 was left without a driver: the rollback could not give it "
			      "snd_hda_intel back; `gpuvfio unbind 0000:01:00.1` tries again",
		       "rollback incomplete: the stranded device named, with what to do");
	e = k.ending;
	script_running();
	k.ending = e;
	run_tool(&r, "-j", "bind", "01:00.0", NULL);
	check(r.status == 1 && json_valid(r.out) && strstr(r.out, "\"outcome\":\"rollback_incomplete\"") &&
	      strstr(r.out, "\"progress\":\"stranded\""),
	      "rollback incomplete in JSON: outcome and progress");

	/* The deadline passed and GET_TXN says it still runs. */
	script_running();
	k.ending = (struct ending){ .outcome = GPUVFIO_OUTCOME_RUNNING };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 4 && strstr(r.err, "pending: txn 7 had not ended when the timeout passed"),
	      "still running at the deadline: pending, exit 4");

	script_running();
	k.ending = (struct ending){ .err = -EINTR };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 4 && strstr(r.out, "bind: still in progress (txn 7, 12.345 ms)") &&
	      strstr(r.err, "interrupted: the tool stopped waiting, but the bind goes on in the kernel (txn 7)") &&
	      strstr(r.err, "`gpuvfio monitor` shows its end"),
	      "interrupted (Ctrl-C): exit 4, the change goes on, how to watch it");
	script_running();
	k.ending = (struct ending){ .err = -EINTR };
	run_tool(&r, "-j", "unbind", "01:00.0", NULL);
	check(r.status == 4 && json_valid(r.out) && strstr(r.out, "\"outcome\":\"running\",\"txn\":7,") &&
	      strstr(r.out, "\"members\":[]"),
	      "interrupted, JSON: the RUNNING reply");

	script_running();
	k.ending = (struct ending){ .err = -ENOENT };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 1 && strstr(r.err, "the module no longer knows txn 7 (it keeps an ended one for 60 s)"),
	      "GET_TXN does not know the transaction: said so, exit 1");
	script_running();
	k.ending = (struct ending){ .err = -ENOSYS };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 4 && strstr(r.err, "has no GPUVFIO_CMD_GET_TXN"),
	      "a module without GET_TXN: said so, exit 4");

	/* Without events (a kernel that keeps them to CAP_SYS_ADMIN), the
	 * wait asks GET_TXN. */
	script_running();
	k.sub_err = -EPERM;
	k.ending = (struct ending){ .event = 0, .outcome = GPUVFIO_OUTCOME_DONE };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 0 && k.waits == 1 && !k.wait.events,
	      "no events socket: the wait goes on without one");

	/* A plan that has to wait: asked for with GET_TXN. */
	reset();
	k.answers[0] = (struct answer){ .reply = true, .outcome = GPUVFIO_OUTCOME_RUNNING, .txn = 3 };
	k.ending = (struct ending){ .outcome = GPUVFIO_OUTCOME_DRY_RUN, .message = "2 devices would move." };
	run_tool(&r, "bind", "-n", "01:00.0", NULL);
	check(r.status == 0 && k.calls == 1 && k.waits == 1 && !k.wait.events && !k.wait.sigmask &&
	      k.subscribed_at == -1 &&
	      strstr(r.out, "bind: the plan (dry run: nothing changed) (txn 3, 12.345 ms): 2 devices would move.\n"),
	      "--dry-run answered RUNNING: its plan asked for, no events socket");
	reset();
	k.answers[0] = (struct answer){ .reply = true, .outcome = GPUVFIO_OUTCOME_RUNNING, .txn = 3 };
	k.ending = (struct ending){ .outcome = GPUVFIO_OUTCOME_DRY_RUN };
	k.answers[1] = (struct answer){ .reply = true, .outcome = GPUVFIO_OUTCOME_DONE, .txn = 4, .moves = true };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 0 && k.calls == 2 && k.waits == 1,
	      "the plan before a request, answered RUNNING: waited for, then the request");
	reset();
	k.answers[0] = (struct answer){ .reply = true, .outcome = GPUVFIO_OUTCOME_RUNNING, .txn = 3 };
	k.ending = (struct ending){ .err = -ENOENT };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 1 && k.calls == 1 && strstr(r.err, "the module's plan (txn 3) did not come") &&
	      strstr(r.err, "nothing was changed"),
	      "a plan that does not come: exit 1, nothing sent after it");
}

static void test_errors(void)
{
	struct run r;

	make_host();
	reset();
	k.answers[0] = (struct answer){ .err = -EPERM };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 1 && !*r.out, "EPERM: exit 1");
	check_contains(r.err, "changing drivers needs root (CAP_SYS_ADMIN): run as root",
		       "EPERM: run as root");

	reset();
	k.answers[0] = (struct answer){ .err = -EINVAL,
					.ack_text = "kernel reports: bad target (attribute GPUVFIO_A_TARGET #1 in GPUVFIO_A_TARGETS)" };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 1 && strstr(r.err, "bind refused: kernel reports: bad target (attribute GPUVFIO_A_TARGET #1 in GPUVFIO_A_TARGETS)"),
	      "an extended ACK without a reply: the kernel's message with the attribute");

	reset();
	k.answers[0] = (struct answer){ .err = -ENODEV };
	run_tool(&r, "unbind", "09:00.0", NULL);
	check(r.status == 1 && strstr(r.err, "no device matches a target"),
	      "an errno alone: the tool's sentence for it");

	reset();
	k.answers[0] = (struct answer){ .err = -ETIMEDOUT };
	run_tool(&r, "unbind", "09:00.0", NULL);
	check(r.status == 1 && strstr(r.err, "Connection timed out"),
	      "an errno without a sentence: strerror");

	script_ok();
	k.answers[1] = (struct answer){ .err = -EIO, .reply = true, .outcome = GPUVFIO_OUTCOME_ROLLED_BACK,
					.txn = 8, .message = "0000:01:00.1: vfio-pci probe failed (-EIO); rolled back.",
					.moves = true };
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 1 && strstr(r.out, "bind: failed, every device put back as it was (txn 8") &&
	      strstr(r.err, "bind failed: 0000:01:00.1: vfio-pci probe failed (-EIO); rolled back."),
	      "rolled back: exit 1, the kernel's sentence");

	reset();
	k.old_module = true;
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 1 && k.calls == 0 &&
	      strstr(r.err, "is too old for `gpuvfio bind`: it has no GPUVFIO_CMD_BIND; update it"),
	      "a module without GPUVFIO_CMD_BIND: too old, said plainly");

	check(gv_switch_strerror(-ETIMEDOUT, true) == NULL,
	      "an errno without a sentence gives NULL");
	check(strcmp(gv_switch_strerror(-EBUSY, true), gv_switch_strerror(-EBUSY, false)),
	      "EBUSY is worded for bind and unbind each");
}

static void test_usage(void)
{
	static const char *const bad[][5] = {
		{ "bind", NULL },
		{ "bind", "1:00.0", NULL },
		{ "bind", "01:00.0", "01:00.8", NULL },
		{ "bind", "--all", "01:00.0", NULL },
		{ "bind", "all", "01:00.0", NULL },
		{ "bind", "", NULL },
		{ "unbind", "10de", NULL },
		{ "unbind", "--frobnicate", "01:00.0", NULL },
		{ "bind", "--timeout", NULL },
		{ "bind", "--timeout", "0", "01:00.0", NULL },
		{ "bind", "--timeout", "3601", "01:00.0", NULL },
		{ "bind", "--timeout", "0.0001", "01:00.0", NULL },
		{ "bind", "--timeout", "-1", "01:00.0", NULL },
		{ "bind", "--timeout", "1e3", "01:00.0", NULL },
		{ "bind", "--timeout", "abc", "01:00.0", NULL },
		{ "bind", "--timeout", "", "01:00.0", NULL },
		{ "bind", "-t", "1.", "01:00.0", NULL },
		{ "unbind", "-n", NULL },
		{ "unbind", "-x", "--all", NULL },
	};
	struct run r;
	size_t i;

	make_host();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		script_ok();
		run_tool(&r, bad[i][0], bad[i][1], bad[i][2], bad[i][3], bad[i][4], NULL);
		check(r.status == 2 && k.calls == 0 && *r.err && !*r.out,
		      "'%s %s %s %s' is a usage error (exit 2), nothing sent",
		      bad[i][0], bad[i][1] ? bad[i][1] : "",
		      bad[i][1] && bad[i][2] ? bad[i][2] : "",
		      bad[i][1] && bad[i][2] && bad[i][3] ? bad[i][3] : "");
	}
	script_ok();
	run_tool(&r, "bind", "01:00.0", "0000:01:00.8", NULL);
	check_contains(r.err, "'0000:01:00.8' is neither a PCI address", "the bad target is named");
	check_contains(r.err, "nothing was changed", "and the operator is told nothing changed");
	run_tool(&r, "bind", "-t", "3601", "01:00.0", NULL);
	check_contains(r.err, "--timeout '3601': out of range", "a timeout out of range is named");
	run_tool(&r, "bind", "--help", NULL);
	check(r.status == 0 && strstr(r.out, "Usage: gpuvfio bind") && strstr(r.out, "--dry-run") &&
	      k.calls == 0, "bind --help: usage on stdout, exit 0");
}

static void test_timeout_parse(void)
{
	static const struct {
		const char *s;
		int ret;
		uint32_t ms;
	} cases[] = {
		{ "3", 0, 3000 }, { "0.5", 0, 500 }, { ".5", 0, 500 }, { "0.001", 0, 1 },
		{ "3600", 0, 3600000 }, { "3600.000", 0, 3600000 }, { "1.2500", 0, 1250 },
		{ "007", 0, 7000 },
		{ "0", -ERANGE, 0 }, { "0.000", -ERANGE, 0 }, { "3600.001", -ERANGE, 0 },
		{ "0.0005", -ERANGE, 0 }, { "99999999999999999999", -ERANGE, 0 },
		{ "", -EINVAL, 0 }, { ".", -EINVAL, 0 }, { "1.", -EINVAL, 0 }, { "1,5", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 }, { "1s", -EINVAL, 0 }, { "+1", -EINVAL, 0 },
	};
	uint32_t ms;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ms = 0;
		ret = gv_parse_timeout(cases[i].s, &ms);
		check(ret == cases[i].ret && (ret || ms == cases[i].ms),
		      "timeout '%s': %d, %u ms (got %d, %u)", cases[i].s, cases[i].ret,
		      cases[i].ms, ret, ms);
	}
}

static void test_no_module(void)
{
	struct run r;

	fake_init();
	fake_dev("0000:01:00.0", 0x1234, 0x1111, 0x030000, "bochs-drm", 1);
	script_ok();
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 3 && k.calls == 0, "no module: exit 3, nothing sent");
	check_contains(r.err, "the gpuvfio module is not loaded: modprobe gpuvfio",
		       "no module: the operator is told what to do");
	run_tool(&r, "unbind", "--all", NULL);
	check(r.status == 3, "no module: unbind exits 3 too");
	run_tool(&r, "bind", "1:00.0", NULL);
	check(r.status == 2, "a malformed target is a usage error even without the module");

	/* The family is gone although sysfs still shows the module. */
	make_host();
	script_ok();
	k.open_err = -ENOENT;
	run_tool(&r, "bind", "01:00.0", NULL);
	check(r.status == 3 && k.calls == 0, "no genl family: exit 3");
}

int main(void)
{
	/* No names: the output does not depend on this host's pci.ids. */
	setenv("GPUVFIO_PCI_IDS", "/dev/null", 1);
	test_timeout_parse();
	test_bind();
	test_dry_run();
	test_holders();
	test_pending();
	test_running();
	test_errors();
	test_usage();
	test_no_module();
	fake_cleanup();
	unsetenv("GPUVFIO_PROC_ROOT");
	unsetenv("GPUVFIO_DEV_ROOT");
	return test_done();
}
