// SPDX-License-Identifier: GPL-2.0
/* The dispatcher: help from the command table, version, exit codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static void test_help(void)
{
	static const char *const commands[] = { "status", "bind", "unbind", "ids", "monitor",
						"check", "help" };
	struct run r, h;
	size_t i;
	bool all = true;

	run_tool(&r, "--help", NULL);
	check(r.status == 0 && !*r.err && strstr(r.out, "Usage: gpuvfio"), "--help: exit 0, usage on stdout");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		char line[64];

		snprintf(line, sizeof(line), "\n  %-8s ", commands[i]);
		all &= strstr(r.out, line) != NULL;
	}
	check(all, "--help lists every command of the table");
	run_tool(&h, "help", NULL);
	check(h.status == 0 && !strcmp(h.out, r.out), "'help' prints the same as --help");
	run_tool(&h, "-h", NULL);
	check(h.status == 0 && !strcmp(h.out, r.out), "'-h' prints the same as --help");
	run_tool(&h, "help", "status", NULL);
	check(h.status == 0 && strstr(h.out, "Usage: gpuvfio status"), "'help status': the command's usage");
	run_tool(&h, "help", "unbind", NULL);
	check(h.status == 0 && strstr(h.out, "Usage: gpuvfio unbind"), "'help unbind': the command's usage");
	check(strstr(r.out, "\n  gpuvfio bind (TARGET...|--all) [-n|--dry-run] [-f|--force] [-t|--timeout SECONDS]\n") &&
	      strstr(r.out, "\n  gpuvfio ids [show] | set LIST | add ID... | del ID...\n") &&
	      strstr(r.out, "\n  gpuvfio monitor\n"),
	      "--help: each command's usage, from the table");
	check_contains(r.out, "4 pending past the timeout", "--help: every exit status");
	run_tool(&h, "help", "ids", NULL);
	check(h.status == 0 && strstr(h.out, "Usage: gpuvfio ids"), "'help ids': the command's usage");
	run_tool(&h, "help", "monitor", NULL);
	check(h.status == 0 && strstr(h.out, "Usage: gpuvfio monitor"), "'help monitor'");
	run_tool(&h, "help", "bind", NULL);
	check(h.status == 0 && strstr(h.out, "--timeout SECONDS"), "'help bind': the options");
	run_tool(&h, "help", "bind", "unbind", NULL);
	check(h.status == 2, "'help' takes one command");
	run_tool(&h, "help", "nosuch", NULL);
	check(h.status == 2 && strstr(h.err, "'nosuch' is not a gpuvfio command"), "'help nosuch': exit 2");
	run_tool(&h, "status", "-h", NULL);
	check(h.status == 0 && strstr(h.out, "Usage: gpuvfio status"), "'status -h': usage, exit 0");
}

static void test_dispatch(void)
{
	struct run r;

	run_tool(&r, "--version", NULL);
	check(r.status == 0 && !strcmp(r.out, "gpuvfio 0.0-unit\n"), "--version prints the version");
	run_tool(&r, "-V", NULL);
	check(r.status == 0 && !strcmp(r.out, "gpuvfio 0.0-unit\n"), "-V too");
	run_tool(&r, "frobnicate", NULL);
	check(r.status == 2 && !*r.out &&
	      strstr(r.err, "'frobnicate' is not a gpuvfio command: see 'gpuvfio help'"),
	      "unknown command: exit 2, pointed at help");
	run_tool(&r, "--frobnicate", NULL);
	check(r.status == 2 && strstr(r.err, "Usage:"), "unknown option: exit 2, usage on stderr");
	run_tool(&r, "stat", NULL);
	check(r.status == 2, "no abbreviations of commands");

	fake_init();
	fake_dev("0000:01:00.0", 0x1234, 0x1111, 0x030000, "bochs-drm", 1);
	run_tool(&r, NULL);
	check(r.status == 0 && strstr(r.out, "IOMMU group 1:"), "no command: status");
	run_tool(&r, "-j", NULL);
	check(r.status == 0 && json_valid(r.out), "-j alone: status in JSON");
	run_tool(&r, "--json", "status", NULL);
	check(r.status == 0 && json_valid(r.out), "--json before the command");
	run_tool(&r, "status", NULL);
	check(r.status == 0 && !json_valid(r.out) && strstr(r.out, "IOMMU group 1:"),
	      "-j does not stick from one run to the next");
	run_tool(&r, "status", "01:00.0", "--json", NULL);
	check(r.status == 0 && json_valid(r.out), "options after targets");
	fake_cleanup();
}

int main(void)
{
	test_help();
	test_dispatch();
	return test_done();
}
