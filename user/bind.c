// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio bind / unbind: move devices (and their IOMMU groups) to vfio-pci
 * and back, over netlink. The targets are checked here with the module's
 * own grammar, so that a typo is refused before anything is sent. Then a
 * dry run asks the module which devices would move, the processes holding
 * their nodes are looked for (a driver's remove would wait for them), and
 * only then is the request made. The module answers at once: with every
 * member of every group involved and what happened to it when it could
 * end the request there, or RUNNING. The tool then waits for the
 * transaction's end, announced as an event, up to the timeout (see
 * commit()).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bind.h"
#include "gpuvfio.h"
#include "holders.h"
#include "json.h"
#include "nl.h"
#include "sysfs.h"

#define MAX_HOLDERS	64
/* The module emits a transaction's pending event at its deadline, which
 * is the tool's own less the time the request took to arrive: the tool
 * waits this much longer, so that the event arrives before it asks. */
#define WAIT_GRACE_MS	1000

static void usage(FILE *f, bool bind)
{
	fprintf(f, "Usage: %s %s [-j|--json] (TARGET...|--all) [-n|--dry-run] [-f|--force]\n"
		   "       %*s [-t|--timeout SECONDS]\n",
		gv_prog, bind ? "bind" : "unbind", (int)strlen(bind ? "bind" : "unbind"), "");
	if (bind)
		fputs("Moves each target, with the other functions of its card, to vfio-pci.\n", f);
	else
		fputs("Gives each target, with the other functions of its card, back to the\n"
		      "driver it had before gpuvfio moved it.\n", f);
	fputs("TARGET is a PCI address (0000:01:00.0 or 01:00.0) or a vendor:device ID\n"
	      "(10de:1bb3: every matching device); --all means every device matching\n",
	      f);
	fputs(bind ? "the module's ids=.\n" : "the module's ids= that gpuvfio manages.\n", f);
	fputs("  -n, --dry-run          print the plan: every member and what would happen\n"
	      "  -f, --force            go ahead although processes hold the devices (the\n"
	      "                         request then waits for them, up to the timeout)\n"
	      "  -t, --timeout SECONDS  how long the change may take (0.001 to 3600; default:\n"
	      "                         the module's, 10); past it the request is pending\n"
	      "                         (exit 4) and completes by itself in the kernel\n",
	      f);
}

const char *gv_switch_strerror(int err, bool bind)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		return "changing drivers needs root (CAP_SYS_ADMIN): run as root";
	case -EINVAL:
		return "the module refused the request as malformed although this tool accepted it: "
		       "the module and the tool may be of different versions";
	case -ENODEV:
		return "no device matches a target: check the addresses and IDs with `gpuvfio status` or `lspci -Dnn`";
	case -ENXIO:
		return "the IOMMU is off, so the device has no IOMMU group: enable VT-d (Intel) or AMD-Vi (AMD) "
		       "in the firmware setup and boot with intel_iommu=on or amd_iommu=on";
	case -EXDEV:
		return "another device on a host driver shares the IOMMU group: "
		       "name it as a target too to move it along, or put the card in a slot with its own group";
	case -EOPNOTSUPP:
		return "a target is a PCI bridge or an SR-IOV physical function with VFs enabled: "
		       "name the GPU's own functions instead, or disable the VFs first";
	case -ENOPKG:
		return "vfio-pci is not available: install it, or check that it is not blacklisted "
		       "(`modprobe vfio-pci` says why it does not load)";
	case -EBUSY:
		return bind ? "the group is busy: a VFIO user (a running VM) owns it, or another request holds it"
			    : "the group is busy: a VFIO user (a running VM) still has it open, or another request holds it";
	case -EIO:
		return "a step failed and every device was put back as it was: dmesg has the step and the reason";
	case -E2BIG:
		return "too many targets for one request: split them";
	}
	return NULL;
}

int gv_parse_timeout(const char *s, uint32_t *ms)
{
	uint64_t whole = 0, frac = 0;
	unsigned int digits = 0, fdigits = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 1000000)
			return -ERANGE;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, fdigits++) {
			/* Past a millisecond only zeros are taken. */
			if (fdigits >= 3) {
				if (*p != '0')
					return -ERANGE;
				continue;
			}
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
		if (!fdigits)
			return -EINVAL;
		for (; fdigits < 3; fdigits++)
			frac *= 10;
	}
	if (*p || (!digits && !fdigits))
		return -EINVAL;
	whole = whole * 1000 + frac;
	if (whole < 1 || whole > GPUVFIO_TIMEOUT_MAX_MS)
		return -ERANGE;
	*ms = (uint32_t)whole;
	return 0;
}

int gv_switch_parse(int argc, char **argv, bool all, struct gv_switch_req *r)
{
	struct gv_parse_err err;
	unsigned int got, i;
	int ret;

	if (all) {
		if (argc > 0) {
			gv_err("--all already names every device in ids=: give no targets with it");
			return GV_EXIT_USAGE;
		}
		r->t[0].kind = GV_TARGET_ALL;
		r->nt = 1;
	}
	for (; argc > 0; argc--, argv++) {
		ret = gv_parse_target_list(*argv, r->t + r->nt,
					       GV_MAX_LIST - r->nt, &got, &err);
		if (ret == -E2BIG) {
			gv_err("too many targets: at most %d in one request", GV_MAX_LIST);
			return GV_EXIT_USAGE;
		}
		if (ret) {
			gv_err("'%.*s' is neither a PCI address (0000:01:00.0 or 01:00.0) nor a vendor:device ID (10de:1bb3): nothing was changed",
			       (int)err.len, err.tok);
			return GV_EXIT_USAGE;
		}
		if (!got) {
			gv_err("an empty target: name a PCI address or a vendor:device ID");
			return GV_EXIT_USAGE;
		}
		r->nt += got;
	}
	for (i = 0; i < r->nt; i++)
		if (r->t[i].kind == GV_TARGET_ALL)
			r->all = true;
	if (r->all && r->nt > 1) {
		gv_err("'all' (--all) already names every device in ids=: give it alone");
		return GV_EXIT_USAGE;
	}
	if (!r->nt) {
		gv_err("name what to %s: one or more PCI addresses or vendor:device IDs, or --all",
		       r->bind ? "bind" : "unbind");
		return GV_EXIT_USAGE;
	}
	for (i = 0; i < r->nt; i++) {
		switch (r->t[i].kind) {
		case GV_TARGET_ADDR:
			gv_format_addr(r->text[i], sizeof(r->text[i]), &r->t[i].addr);
			break;
		case GV_TARGET_ID:
			gv_format_id(r->text[i], sizeof(r->text[i]), &r->t[i].id);
			break;
		case GV_TARGET_ALL:
			snprintf(r->text[i], sizeof(r->text[i]), "all");
			break;
		}
		r->textp[i] = r->text[i];
	}
	return 0;
}

/* ---- Output ------------------------------------------------------------ */

void gv_format_ms(char *buf, size_t size, uint64_t ns)
{
	snprintf(buf, size, "%" PRIu64 ".%03" PRIu64, ns / 1000000,
		 (ns / 1000) % 1000);
}

static const char *or_none(const char *driver)
{
	return *driver ? driver : "none";
}

static const char *outcome_words(uint32_t outcome)
{
	switch (outcome) {
	case GPUVFIO_OUTCOME_DONE:
		return "done";
	case GPUVFIO_OUTCOME_NOTHING:
		return "nothing to do";
	case GPUVFIO_OUTCOME_DRY_RUN:
		return "the plan (dry run: nothing changed)";
	case GPUVFIO_OUTCOME_REFUSED:
		return "refused, nothing changed";
	case GPUVFIO_OUTCOME_ROLLED_BACK:
		return "failed, every device put back as it was";
	case GPUVFIO_OUTCOME_PENDING:
		return "pending";
	case GPUVFIO_OUTCOME_RUNNING:
		return "still in progress";
	case GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE:
		return "failed, and the rollback could not put every device back as it was";
	}
	return "unknown outcome";
}

static void print_times(FILE *f, const struct gv_nl_dev *d)
{
	char ms[32];
	const char *sep = "  (";

	if (d->has_t_override) {
		gv_format_ms(ms, sizeof(ms), d->t_override_ns);
		fprintf(f, "%soverride %s ms", sep, ms);
		sep = ", ";
	}
	if (d->has_t_release) {
		gv_format_ms(ms, sizeof(ms), d->t_release_ns);
		fprintf(f, "%srelease %s ms", sep, ms);
		sep = ", ";
	}
	if (d->has_t_attach) {
		gv_format_ms(ms, sizeof(ms), d->t_attach_ns);
		fprintf(f, "%sattach %s ms", sep, ms);
		sep = ", ";
	}
	if (strcmp(sep, "  ("))
		fputc(')', f);
}

static void human_member(FILE *f, const struct gv_nl_dev *d, bool bind)
{
	const char *role = gv_nl_role_name(d->role);
	const char *fate = gv_nl_fate_name(d->fate);
	const char *prog = gv_nl_progress_name(d->progress);
	const char *from = d->has_from ? d->from_driver : d->driver;

	fprintf(f, "  %-12s  %-9s  %-7s  ", d->addr, role ? role : "?",
		fate ? fate : "?");
	switch (d->fate) {
	case GPUVFIO_FATE_MOVE:
		fprintf(f, "%s -> %s", or_none(from),
			!d->has_to ? "?" : *d->to_driver ? d->to_driver :
			bind ? "none yet" : "the kernel's default driver");
		break;
	case GPUVFIO_FATE_BLOCKS:
		fprintf(f, "on %s: refuses the request", or_none(from));
		break;
	default:
		fprintf(f, "%s", or_none(from));
		break;
	}
	if (d->fate == GPUVFIO_FATE_MOVE && prog &&
	    d->progress != GPUVFIO_PROGRESS_DONE &&
	    d->progress != GPUVFIO_PROGRESS_WAITING)
		fprintf(f, " [%s]", prog);
	if (d->err)
		fprintf(f, " [failed: %s]", strerror((int)d->err));
	print_times(f, d);
	fputc('\n', f);
}

void gv_result_print_members(FILE *f, const struct gv_nl_result *res, bool bind)
{
	int64_t group = -2;
	size_t i;

	for (i = 0; i < res->nmembers; i++) {
		if (res->members[i].group != group) {
			group = res->members[i].group;
			if (group >= 0)
				fprintf(f, "IOMMU group %" PRId64 ":\n", group);
			else
				fputs("No IOMMU group:\n", f);
		}
		human_member(f, &res->members[i], bind);
	}
}

static void human_header(FILE *f, const struct gv_switch_req *r,
			 const struct gv_nl_result *res)
{
	char ms[32];

	fprintf(f, "%s: %s", r->bind ? "bind" : "unbind", outcome_words(res->outcome));
	if (res->has_txn || res->has_elapsed) {
		fputs(" (", f);
		if (res->has_txn)
			fprintf(f, "txn %" PRIu32 "%s", res->txn, res->has_elapsed ? ", " : "");
		if (res->has_elapsed) {
			gv_format_ms(ms, sizeof(ms), res->elapsed_ns);
			fprintf(f, "%s ms", ms);
		}
		fputc(')', f);
	}
	/* A refusal's or failure's reason goes to stderr. */
	if (*res->message && (res->outcome == GPUVFIO_OUTCOME_DONE ||
			      res->outcome == GPUVFIO_OUTCOME_NOTHING ||
			      res->outcome == GPUVFIO_OUTCOME_DRY_RUN))
		fprintf(f, ": %s", res->message);
	fputc('\n', f);
}

static void json_ms(struct json *j, const char *key, bool has, uint64_t ns)
{
	char ms[32];

	json_key(j, key);
	if (!has) {
		json_null(j);
		return;
	}
	gv_format_ms(ms, sizeof(ms), ns);
	json_number_text(j, ms);
}

static void json_hex4(struct json *j, const char *key, bool has, unsigned int v)
{
	char buf[8];

	json_key(j, key);
	if (!has) {
		json_null(j);
		return;
	}
	snprintf(buf, sizeof(buf), "%04x", v & 0xffff);
	json_string(j, buf);
}

static void json_member(struct json *j, const struct gv_nl_dev *d)
{
	const char *from = d->has_from ? d->from_driver : d->has_driver ? d->driver : "";

	json_object_open(j);
	json_key(j, "address");
	json_string(j, d->addr);
	json_key(j, "group");
	if (d->group >= 0)
		json_int(j, d->group);
	else
		json_null(j);
	json_key(j, "role");
	json_string(j, gv_nl_role_name(d->role));
	json_key(j, "fate");
	json_string(j, gv_nl_fate_name(d->fate));
	json_key(j, "from_driver");
	json_string(j, *from ? from : NULL);
	json_key(j, "to_driver");
	json_string(j, d->has_to ? d->to_driver : NULL);
	json_key(j, "progress");
	json_string(j, gv_nl_progress_name(d->progress));
	json_key(j, "errno");
	json_uint(j, d->err);
	json_ms(j, "t_override_ms", d->has_t_override, d->t_override_ns);
	json_ms(j, "t_release_ms", d->has_t_release, d->t_release_ns);
	json_ms(j, "t_attach_ms", d->has_t_attach, d->t_attach_ns);
	json_hex4(j, "vendor", d->has_ids, d->vendor);
	json_hex4(j, "device", d->has_ids, d->device);
	json_hex4(j, "class", d->has_class, d->class >> 8);
	json_object_close(j);
}

void gv_result_json(struct json *j, const struct gv_nl_result *res, int err,
		    const char *message)
{
	size_t i;

	json_key(j, "outcome");
	json_string(j, res->received ? gv_nl_outcome_name(res->outcome) : NULL);
	json_key(j, "txn");
	if (res->has_txn)
		json_uint(j, res->txn);
	else
		json_null(j);
	json_key(j, "errno");
	json_uint(j, err ? (uint64_t)(err < 0 ? -err : err) : res->err);
	json_key(j, "message");
	json_string(j, message ? message : *res->message ? res->message : NULL);
	json_ms(j, "elapsed_ms", res->has_elapsed, res->elapsed_ns);
	json_key(j, "wait");
	if (*res->wait_addr || *res->wait_driver) {
		json_object_open(j);
		json_key(j, "address");
		json_string(j, *res->wait_addr ? res->wait_addr : NULL);
		json_key(j, "driver");
		json_string(j, *res->wait_driver ? res->wait_driver : NULL);
		json_object_close(j);
	} else {
		json_null(j);
	}
	json_key(j, "members");
	json_array_open(j);
	for (i = 0; i < res->nmembers; i++)
		json_member(j, &res->members[i]);
	json_array_close(j);
}

static int print_json(const struct gv_switch_req *r, const struct gv_nl_result *res,
		      int err, const char *message, const struct gv_holder *h,
		      size_t nh)
{
	struct json j;
	size_t i;

	json_begin(&j, stdout);
	json_object_open(&j);
	json_key(&j, "command");
	json_string(&j, r->bind ? "bind" : "unbind");
	json_key(&j, "dry_run");
	json_bool(&j, r->dry_run);
	gv_result_json(&j, res, err, message);
	json_key(&j, "holders");
	json_array_open(&j);
	for (i = 0; i < nh; i++) {
		json_object_open(&j);
		json_key(&j, "address");
		json_string(&j, h[i].addr);
		json_key(&j, "pid");
		json_int(&j, h[i].pid);
		json_key(&j, "command");
		json_string(&j, h[i].comm);
		json_key(&j, "node");
		json_string(&j, h[i].node);
		json_object_close(&j);
	}
	json_array_close(&j);
	json_object_close(&j);
	return json_end(&j) ? -EIO : 0;
}

/* ---- The request ------------------------------------------------------- */

/* The reason of a refusal or failure, in the kernel's words if it gave
 * any, in one sentence. */
static const char *reason(struct gv_nl *nl, const struct gv_switch_req *r,
			  const struct gv_nl_result *res, int err, char *buf,
			  size_t size)
{
	const char *why;

	if (res->received && *res->message)
		return res->message;
	/* The module's own words first: an EPERM it explains is not
	 * always about privileges (an excluded target is EPERM too). */
	if (gv_nl_last_message(nl))
		return gv_nl_last_message(nl);
	if ((err == -EPERM || err == -EACCES) && !res->received)
		return gv_switch_strerror(err, r->bind);
	why = gv_switch_strerror(err ? err : -(int)res->err, r->bind);
	if (why)
		return why;
	snprintf(buf, size, "%s", strerror(err ? -err : (int)res->err));
	return buf;
}

static int exit_status(const struct gv_nl_result *res, int err)
{
	if (err)
		return GV_EXIT_FAILED;
	switch (res->outcome) {
	case GPUVFIO_OUTCOME_DONE:
	case GPUVFIO_OUTCOME_NOTHING:
	case GPUVFIO_OUTCOME_DRY_RUN:
		return GV_EXIT_OK;
	case GPUVFIO_OUTCOME_PENDING:
	case GPUVFIO_OUTCOME_RUNNING:
		return GV_EXIT_PENDING;
	}
	return GV_EXIT_FAILED;
}

/* Prints a result on stdout, human or JSON; false when it could not be
 * written (said on stderr). */
static bool print_result(const struct gv_switch_req *r, const struct gv_nl_result *res,
			 int err, const char *why, const struct gv_holder *h, size_t nh)
{
	bool ok = true;

	if (gv_json) {
		ok = !print_json(r, res, err, why, h, nh);
	} else if (res->received) {
		human_header(stdout, r, res);
		gv_result_print_members(stdout, res, r->bind);
	}
	if (fflush(stdout)) {
		gv_err("could not write the output: %s", strerror(errno));
		ok = false;
	}
	return ok;
}

/* The members a failed rollback left without a driver, named. */
static void report_stranded(const struct gv_nl_result *res)
{
	size_t i;

	for (i = 0; i < res->nmembers; i++)
		if (res->members[i].progress == GPUVFIO_PROGRESS_STRANDED)
			gv_err("%s was left without a driver: the rollback could not give it %s back; "
			       "`gpuvfio unbind %s` tries again",
			       res->members[i].addr,
			       *res->members[i].from_driver ? res->members[i].from_driver : "its driver",
			       res->members[i].addr);
}

static void report_pending(const struct gv_nl_result *res)
{
	const char *driver = *res->wait_driver ? res->wait_driver : "a driver";

	if (*res->wait_addr)
		gv_err("pending: %s has not let go of %s within the timeout: "
		       "the change completes by itself when the holder closes it; "
		       "watch with `gpuvfio monitor` or `gpuvfio status`",
		       driver, res->wait_addr);
	else if (!strncmp(res->message, "pending: ", 9))
		/* No device to name: the module's own sentence (waiting for
		 * modprobe vfio-pci, or between two steps of the commit). */
		gv_err("%s; watch with `gpuvfio monitor` or `gpuvfio status`",
		       res->message);
	else if (res->outcome == GPUVFIO_OUTCOME_RUNNING && res->has_txn)
		gv_err("pending: txn %" PRIu32 " had not ended when the timeout passed: "
		       "it goes on in the kernel; "
		       "watch with `gpuvfio monitor` or `gpuvfio status`", res->txn);
	else
		gv_err("pending: the change did not complete within the timeout: "
		       "it completes by itself when the holder lets go; "
		       "watch with `gpuvfio monitor` or `gpuvfio status`");
}

/* Prints a result (a reply, or the event or GET_TXN report that ended
 * the wait); returns the exit status. */
static int report(struct gv_nl *nl, const struct gv_switch_req *r,
		  const struct gv_nl_result *res, int err,
		  const struct gv_holder *h, size_t nh)
{
	const char *why = NULL;
	char buf[256];
	int status = exit_status(res, err);
	bool failed = res->outcome == GPUVFIO_OUTCOME_ROLLED_BACK ||
		      res->outcome == GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE;

	if (status == GV_EXIT_FAILED)
		why = reason(nl, r, res, err, buf, sizeof(buf));
	if (!print_result(r, res, err, why, h, nh))
		status = GV_EXIT_FAILED;
	if (why)
		gv_err("%s %s: %s", r->bind ? "bind" : "unbind",
		       failed ? "failed" : "refused", why);
	if (!err && res->outcome == GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE)
		report_stranded(res);
	if (status == GV_EXIT_PENDING)
		report_pending(res);
	return status;
}

/* The devices the plan moves, with what the holder scan needs. */
static size_t moving(const struct gv_nl_result *plan, struct gv_holder_dev *out)
{
	const struct gv_nl_dev *d;
	size_t i, n = 0;

	for (i = 0; i < plan->nmembers; i++) {
		d = &plan->members[i];
		if (d->fate != GPUVFIO_FATE_MOVE)
			continue;
		out[n].addr = d->addr;
		out[n].vendor = d->has_ids ? d->vendor : 0;
		out[n].driver = d->has_from ? d->from_driver : d->driver;
		out[n].group = d->group;
		n++;
	}
	return n;
}

/*
 * Looks for processes holding what the plan moves. Returns 0 to go on, or
 * the exit status of a refusal (printed).
 */
static int check_holders(struct gv_nl *nl, const struct gv_switch_req *r,
			 const struct gv_nl_result *plan)
{
	struct gv_holder_dev *devs;
	struct gv_holder h[MAX_HOLDERS];
	size_t n, i;
	int found, status = 0;

	devs = calloc(plan->nmembers ? plan->nmembers : 1, sizeof(*devs));
	if (!devs) {
		gv_err("out of memory");
		return GV_EXIT_FAILED;
	}
	n = moving(plan, devs);
	found = n ? gv_holders_scan(devs, n, h, MAX_HOLDERS) : 0;
	if (found < 0) {
		gv_err("could not look for processes holding the devices (%s): %s",
		       gv_proc_root(), strerror(-found));
		if (!r->force)
			status = GV_EXIT_FAILED;
		goto out;
	}
	n = (size_t)found < MAX_HOLDERS ? (size_t)found : MAX_HOLDERS;
	for (i = 0; i < n; i++) {
		if (r->force)
			gv_err("%s is held open by pid %d (%s) through %s: going ahead (--force); "
			       "the request waits for it, up to the timeout",
			       h[i].addr, (int)h[i].pid, h[i].comm, h[i].node);
		else
			gv_err("%s is held open by pid %d (%s) through %s: stop it, or use --force to go ahead "
			       "(the request then waits for it, up to --timeout, and completes when it lets go)",
			       h[i].addr, (int)h[i].pid, h[i].comm, h[i].node);
	}
	if ((size_t)found > n)
		gv_err("... and %d more", found - (int)n);
	if (found && !r->force) {
		struct gv_nl_result none = { 0 };
		char msg[160];

		snprintf(msg, sizeof(msg), "%d process%s hold%s the devices open: nothing was changed",
			 found, found == 1 ? "" : "es", found == 1 ? "s" : "");
		if (gv_json) {
			print_json(r, &none, -EBUSY, msg, h, n);
			fflush(stdout);
		}
		(void)nl;
		status = GV_EXIT_FAILED;
	}
out:
	free(devs);
	return status;
}

/*
 * SIGINT and SIGTERM are blocked from before the request is sent, and let
 * in only while the tool waits (gv_nl_wait_txn()'s ppoll()): one that
 * comes (Ctrl-C) ends the wait, and none can come unseen in between.
 */
struct signals {
	sigset_t old_mask, unblocked;
	struct sigaction old_int, old_term;
};

static void on_signal(int sig)
{
	(void)sig;
}

static void signals_block(struct signals *s)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &s->old_mask);
	s->unblocked = s->old_mask;
	sigdelset(&s->unblocked, SIGINT);
	sigdelset(&s->unblocked, SIGTERM);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &s->old_int);
	sigaction(SIGTERM, &sa, &s->old_term);
}

static void signals_restore(const struct signals *s)
{
	/* The mask first: a signal still pending (it came while the
	 * answer was final already) meets on_signal, not the default
	 * action, and the result stands. */
	sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
	sigaction(SIGINT, &s->old_int, NULL);
	sigaction(SIGTERM, &s->old_term, NULL);
}

/*
 * A socket on "events", joined before the request is sent, so that no
 * event of its transaction can come before the tool listens. NULL when
 * there is none to have (a module without the group, a kernel that keeps
 * it to CAP_SYS_ADMIN): the wait then asks GPUVFIO_CMD_GET_TXN instead.
 */
static struct gv_nl *open_events(void)
{
	struct gv_nl *events;

	if (gv_nl_open(&events))
		return NULL;
	if (gv_nl_subscribe_events(events)) {
		gv_nl_close(events);
		return NULL;
	}
	return events;
}

/* The tool's deadline: the request's own (counted from now, just before
 * it is sent) and a grace. */
static void wait_deadline(struct timespec *t, uint32_t timeout_ms)
{
	uint64_t ms = (uint64_t)(timeout_ms ? timeout_ms : GPUVFIO_TIMEOUT_DEFAULT_MS) +
		      WAIT_GRACE_MS;

	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += (time_t)(ms / 1000);
	t->tv_nsec += (long)(ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

/* How a request's end is waited for. */
struct waiting {
	struct gv_nl *events;		/* NULL: GET_TXN is asked instead */
	const sigset_t *sigmask;	/* while waiting; NULL: as it is */
	bool unended;			/* out: the wait ended without the
					 * transaction's report */
};

/*
 * Sends req. An answer that is not final (RUNNING, or PENDING already) is
 * followed by a wait for the end of its transaction (gv_nl_wait_txn()),
 * up to the request's timeout and WAIT_GRACE_MS, counted from just before
 * it is sent. *res gets the report: the reply, or the event or GET_TXN
 * report that ended the wait. Returns the ACK's error; or, with
 * w->unended set and *res the reply, the wait's (-EINTR, -ENOENT,
 * -ENOSYS, ...).
 */
static int request(struct gv_nl *nl, const struct gv_nl_switch_req *req,
		   struct waiting *w, struct gv_nl_result *res)
{
	struct gv_nl_result end;
	struct timespec deadline;
	int err;

	w->unended = false;
	wait_deadline(&deadline, req->timeout_ms);
	err = gv_nl_switch(nl, req, res);
	if (err || !res->received || !res->has_txn ||
	    gv_nl_outcome_state(res->outcome) == GV_NL_TXN_FINAL)
		return err;
	err = gv_nl_wait_txn(w->events, nl, res->txn, &deadline, w->sigmask, &end);
	if (err) {
		gv_nl_result_free(&end);
		w->unended = true;
		return err;
	}
	gv_nl_result_free(res);
	*res = end;
	return 0;
}

/* The wait ended without the transaction's report (err from
 * gv_nl_wait_txn()): res, the RUNNING reply, is printed, and what is
 * known said. plan: the request was a dry run, which changes nothing. */
static int report_unended(const struct gv_switch_req *r,
			  const struct gv_nl_result *res, int err, bool plan)
{
	const char *what = r->bind ? "bind" : "unbind";
	int status = GV_EXIT_FAILED;

	if (!plan && (err == -EINTR || err == -ENOSYS))
		status = GV_EXIT_PENDING;
	if (!print_result(r, res, 0, NULL, NULL, 0))
		status = GV_EXIT_FAILED;
	if (plan) {
		gv_err("the module's plan (txn %" PRIu32 ") did not come: %s; nothing was changed",
		       res->txn, err == -ENOSYS ? "the loaded gpuvfio module has no GPUVFIO_CMD_GET_TXN to ask for it; update it" :
		       err == -ENOENT ? "the module no longer knows the transaction" :
		       strerror(-err));
		return status;
	}
	switch (err) {
	case -EINTR:
		gv_err("interrupted: the tool stopped waiting, but the %s goes on in the kernel "
		       "(txn %" PRIu32 "): `gpuvfio monitor` shows its end, `gpuvfio status` "
		       "where the devices are", what, res->txn);
		break;
	case -ENOSYS:
		gv_err("pending: the %s (txn %" PRIu32 ") had not ended when the tool stopped waiting, "
		       "and the loaded gpuvfio module has no GPUVFIO_CMD_GET_TXN to ask how it goes: "
		       "update the module; `gpuvfio status` shows where the devices are",
		       what, res->txn);
		break;
	case -ENOENT:
		gv_err("the module no longer knows txn %" PRIu32 " (it keeps an ended one for "
		       "%d s): how the %s ended is unknown; `gpuvfio status` shows where the "
		       "devices are, and dmesg what happened",
		       res->txn, GPUVFIO_TXN_KEEP_MS / 1000, what);
		break;
	default:
		gv_err("could not learn how the %s (txn %" PRIu32 ") ended: %s; "
		       "`gpuvfio status` shows where the devices are",
		       what, res->txn, strerror(-err));
		break;
	}
	return status;
}

/*
 * The change itself: listening to "events" before it is sent, and with
 * SIGINT and SIGTERM let in only while waiting for its end.
 */
static int commit(struct gv_nl *nl, const struct gv_switch_req *r,
		  const struct gv_nl_switch_req *req, struct gv_nl_result *res)
{
	struct waiting w = { .events = open_events() };
	struct signals sig;
	int err, status;

	signals_block(&sig);
	w.sigmask = &sig.unblocked;
	err = request(nl, req, &w, res);
	if (w.unended)
		status = report_unended(r, res, err, false);
	else
		status = report(nl, r, res, err, NULL, 0);
	signals_restore(&sig);
	gv_nl_close(w.events);
	return status;
}

/*
 * A dry run. The module plans most at once; a plan that has to wait (a
 * group another request holds) comes later, and is asked for with
 * GPUVFIO_CMD_GET_TXN: a dry run changes nothing, and its end is not
 * worth an events socket. Returns 0 with *res the plan, or the exit
 * status of a failure (reported).
 */
static int plan(struct gv_nl *nl, const struct gv_switch_req *r,
		const struct gv_nl_switch_req *req, struct gv_nl_result *res,
		int *err)
{
	struct waiting w = { 0 };

	*err = request(nl, req, &w, res);
	if (w.unended)
		return report_unended(r, res, *err, true);
	return 0;
}

static int run(struct gv_switch_req *r)
{
	struct gv_nl_switch_req req = {
		.bind = r->bind, .targets = r->textp, .ntargets = r->nt,
		.timeout_ms = r->timeout_ms,
	};
	struct gv_nl_result res;
	struct gv_nl *nl;
	uint8_t cmd = r->bind ? GPUVFIO_CMD_BIND : GPUVFIO_CMD_UNBIND;
	int err, ret;

	if (!gv_module_loaded()) {
		gv_err(GV_MODULE_MISSING);
		return GV_EXIT_NO_MODULE;
	}
	ret = gv_nl_open(&nl);
	if (ret == -ENOENT) {
		gv_err(GV_MODULE_MISSING);
		return GV_EXIT_NO_MODULE;
	}
	if (ret) {
		gv_err("could not reach the gpuvfio module over netlink: %s", strerror(-ret));
		return GV_EXIT_FAILED;
	}
	if (!gv_nl_require_op(nl, cmd, r->bind ? "gpuvfio bind" : "gpuvfio unbind")) {
		gv_nl_close(nl);
		return GV_EXIT_FAILED;
	}
	/* The kernel's sentence is printed once, by report(). */
	gv_nl_set_quiet(nl, true);

	if (r->dry_run) {
		req.flags = GPUVFIO_F_DRY_RUN | (r->force ? GPUVFIO_F_FORCE : 0);
		ret = plan(nl, r, &req, &res, &err);
		if (!ret)
			ret = report(nl, r, &res, err, NULL, 0);
		goto out;
	}
	/* Which devices move, exactly: the module's own plan. Asked with
	 * force, so that a group a VM holds still yields its plan and the
	 * VM is named below; the request itself is forced only when the
	 * operator said so. */
	req.flags = GPUVFIO_F_DRY_RUN | GPUVFIO_F_FORCE;
	ret = plan(nl, r, &req, &res, &err);
	if (ret)
		goto out;
	if (!err && !res.received) {
		gv_err("the module answered the dry run without a plan: the module and the tool may be of different versions");
		ret = GV_EXIT_FAILED;
		goto out;
	}
	if (err || res.outcome != GPUVFIO_OUTCOME_DRY_RUN) {
		/* Refused at planning, or satisfied already. */
		if (err || res.outcome != GPUVFIO_OUTCOME_NOTHING) {
			ret = report(nl, r, &res, err, NULL, 0);
			goto out;
		}
	} else {
		ret = check_holders(nl, r, &res);
		if (ret)
			goto out;
	}
	gv_nl_result_free(&res);
	req.flags = r->force ? GPUVFIO_F_FORCE : 0;
	ret = commit(nl, r, &req, &res);
out:
	gv_nl_result_free(&res);
	gv_nl_close(nl);
	return ret;
}

static int cmd_switch(int argc, char **argv, bool bind)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct gv_switch_req *r;
	bool all = false, dry_run = false, force = false;
	uint32_t timeout_ms = 0;
	int opt, ret;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "anft:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = true;
			break;
		case 'n':
			dry_run = true;
			break;
		case 'f':
			force = true;
			break;
		case 't':
			ret = gv_parse_timeout(optarg, &timeout_ms);
			if (ret) {
				gv_err("--timeout '%s': %s", optarg,
				       ret == -ERANGE ? "out of range: give 0.001 to 3600 seconds, in steps of a millisecond"
						      : "not a number of seconds (3, 0.5)");
				return GV_EXIT_USAGE;
			}
			break;
		case 'j':
			gv_json = true;
			break;
		case 'h':
			usage(stdout, bind);
			return GV_EXIT_OK;
		default:
			usage(stderr, bind);
			return GV_EXIT_USAGE;
		}
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		gv_err("out of memory");
		return GV_EXIT_FAILED;
	}
	r->bind = bind;
	r->dry_run = dry_run;
	r->force = force;
	r->timeout_ms = timeout_ms;
	ret = gv_switch_parse(argc - optind, argv + optind, all, r);
	if (!ret)
		ret = run(r);
	free(r);
	return ret;
}

int cmd_bind(int argc, char **argv)
{
	return cmd_switch(argc, argv, true);
}

int cmd_unbind(int argc, char **argv)
{
	return cmd_switch(argc, argv, false);
}
