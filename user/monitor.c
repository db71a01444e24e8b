// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio monitor: the module's events (bound, unbound, rolled back,
 * rollback incomplete, refused, pending, claimed), one line each, as they
 * come, until SIGINT or SIGTERM.
 * The signals are blocked except inside ppoll(), so that one arriving
 * between two events is never missed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "gpuvfio.h"
#include "json.h"
#include "monitor.h"
#include "nl.h"
#include "sysfs.h"

static volatile sig_atomic_t stop;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s monitor [-j|--json]\n"
		"Prints the module's events as they happen, one line each (with -j, one\n"
		"JSON object per line): bound, unbound, rolled_back, rollback_incomplete,\n"
		"refused, pending, claimed. Runs until interrupted (SIGINT, SIGTERM).\n"
		"Where the kernel keeps the module's events to CAP_SYS_ADMIN, it needs root.\n",
		gv_prog);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The members a failed rollback left without a driver. */
static void print_stranded(FILE *f, const struct gv_nl_result *ev)
{
	const char *sep = "; left without a driver: ";
	size_t i;

	for (i = 0; i < ev->nmembers; i++) {
		if (ev->members[i].progress != GPUVFIO_PROGRESS_STRANDED)
			continue;
		fprintf(f, "%s%s", sep, ev->members[i].addr);
		sep = ", ";
	}
}

static void human_event(FILE *f, const struct gv_nl_result *ev)
{
	const char *name = gv_nl_event_name(ev->event);
	const struct gv_nl_dev *d;
	bool any_move = false, first = true;
	char ms[32];
	size_t i;

	if (name)
		fputs(name, f);
	else
		fprintf(f, "event %" PRIu32, ev->event);
	if (ev->has_txn || ev->has_elapsed) {
		fputs(" (", f);
		if (ev->has_txn)
			fprintf(f, "txn %" PRIu32 "%s", ev->txn, ev->has_elapsed ? ", " : "");
		if (ev->has_elapsed) {
			gv_format_ms(ms, sizeof(ms), ev->elapsed_ns);
			fprintf(f, "%s ms", ms);
		}
		fputc(')', f);
	}
	if (*ev->message)
		fprintf(f, ": %s", ev->message);
	else if (ev->err)
		fprintf(f, ": %s", strerror((int)ev->err));
	for (i = 0; i < ev->nmembers; i++)
		any_move |= ev->members[i].fate == GPUVFIO_FATE_MOVE;
	for (i = 0; i < ev->nmembers; i++) {
		d = &ev->members[i];
		if (any_move && d->fate != GPUVFIO_FATE_MOVE)
			continue;
		fprintf(f, "%s%s", first ? " [" : ", ", d->addr);
		first = false;
		if (d->has_from || d->has_to)
			fprintf(f, " %s -> %s",
				*d->from_driver ? d->from_driver : "none",
				!d->has_to ? "?" : *d->to_driver ? d->to_driver :
				ev->event == GPUVFIO_EVENT_UNBOUND ? "default driver" : "none");
		if (d->err)
			fprintf(f, " (failed: %s)", strerror((int)d->err));
	}
	if (!first)
		fputc(']', f);
	print_stranded(f, ev);
	if (*ev->wait_addr)
		fprintf(f, "; waiting for %s to let go of %s",
			*ev->wait_driver ? ev->wait_driver : "its driver", ev->wait_addr);
	fputc('\n', f);
}

int gv_monitor_print(FILE *f, bool json, const struct gv_nl_result *ev)
{
	struct json j;

	if (!json) {
		human_event(f, ev);
		return 0;
	}
	json_begin(&j, f);
	json_object_open(&j);
	json_key(&j, "event");
	json_string(&j, gv_nl_event_name(ev->event));
	gv_result_json(&j, ev, 0, NULL);
	json_object_close(&j);
	return json_end(&j) ? -EIO : 0;
}

static void print_event(const struct gv_nl_result *ev, void *arg)
{
	int *status = arg;

	if (gv_monitor_print(stdout, gv_json, ev) || fflush(stdout))
		*status = GV_EXIT_FAILED;
}

int cmd_monitor(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, unblocked;
	struct pollfd pfd;
	struct gv_nl *nl;
	int ret, status = GV_EXIT_OK;

	ret = gv_common_opts(argc, argv, usage);
	if (ret >= 0)
		return ret;
	if (optind < argc) {
		gv_err("monitor takes no arguments");
		return GV_EXIT_USAGE;
	}
	if (!gv_module_loaded()) {
		gv_err(GV_MODULE_MISSING);
		return GV_EXIT_NO_MODULE;
	}
	ret = gv_nl_open(&nl);
	if (ret) {
		if (ret == -ENOENT) {
			gv_err(GV_MODULE_MISSING);
			return GV_EXIT_NO_MODULE;
		}
		gv_err("could not reach the gpuvfio module over netlink: %s", strerror(-ret));
		return GV_EXIT_FAILED;
	}
	ret = gv_nl_subscribe_events(nl);
	if (ret) {
		if (ret == -ENOENT)
			gv_err("the loaded gpuvfio module is too old for `gpuvfio monitor`: it has no \"%s\" multicast group; update it",
			       GPUVFIO_MCGRP_EVENTS);
		else if (ret == -EPERM || ret == -EACCES)
			gv_err("`gpuvfio monitor` needs root here: this kernel lets only CAP_SYS_ADMIN listen to the module's events; run it as root");
		else
			gv_err("could not listen to the module's events: %s", strerror(-ret));
		gv_nl_close(nl);
		return GV_EXIT_FAILED;
	}

	stop = 0;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	sigdelset(&unblocked, SIGINT);
	sigdelset(&unblocked, SIGTERM);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	pfd.fd = gv_nl_fd(nl);
	pfd.events = POLLIN;
	while (!stop && status == GV_EXIT_OK) {
		ret = ppoll(&pfd, 1, NULL, &unblocked);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			gv_err("waiting for events: %s", strerror(errno));
			status = GV_EXIT_FAILED;
			break;
		}
		ret = gv_nl_read_events(nl, print_event, &status);
		if (ret == -ENOBUFS) {
			gv_err("some events were lost: the tool did not read them fast enough");
		} else if (ret && ret != -EAGAIN) {
			gv_err("reading events: %s", strerror(-ret));
			status = GV_EXIT_FAILED;
		}
	}
	gv_nl_close(nl);
	return status;
}
