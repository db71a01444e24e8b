// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio: move GPUs between their host drivers and vfio-pci, and show the
 * IOMMU groups they live in. This file only dispatches to the commands.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gpuvfio.h"

#ifndef GPUVFIO_VERSION
#define GPUVFIO_VERSION "unknown"
#endif

const char *gv_prog = "gpuvfio";
bool gv_json;

static int cmd_help(int argc, char **argv);

/*
 * The one command table: --help, `help COMMAND`, the man page's SYNOPSIS
 * and the bash completion follow it. usage is the synopsis after
 * "gpuvfio NAME" (NULL: no arguments).
 */
static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
	const char *usage;
} commands[] = {
	{ "status", cmd_status, "Show IOMMU groups with GPUs, their drivers and gpuvfio's state",
	  "[TARGET...]" },
	{ "bind", cmd_bind, "Move devices, with the rest of their card, to vfio-pci",
	  "(TARGET...|--all) [-n|--dry-run] [-f|--force] [-t|--timeout SECONDS]" },
	{ "unbind", cmd_unbind, "Give devices back to the drivers they came from",
	  "(TARGET...|--all) [-n|--dry-run] [-f|--force] [-t|--timeout SECONDS]" },
	{ "ids", cmd_ids, "Show or change the IDs the module claims for vfio-pci",
	  "[show] | set LIST | add ID... | del ID..." },
	{ "exclude", cmd_exclude, "Show or change the addresses the module never claims",
	  "[show] | set LIST | add ADDRESS... | del ADDRESS..." },
	{ "monitor", cmd_monitor, "Print the module's events as they happen, until interrupted",
	  NULL },
	{ "check", cmd_check, "Check whether this host is ready for GPU passthrough",
	  NULL },
	{ "xml", cmd_xml, "Print libvirt <hostdev> elements for cards, one guest slot per card",
	  "[-b|--guest-bus BUS] [-s|--guest-slot SLOT] [-f|--function N] [-H|--hide-hypervisor] TARGET..." },
	{ "nova", cmd_nova, "Print OpenStack nova's [pci] device_spec and alias lines for the claimed cards",
	  "[-r|--resource-class CLASS] [-t|--trait TRAIT]... [-p|--numa-policy POLICY]" },
	{ "kubevirt", cmd_kubevirt, "Print KubeVirt's pciHostDevices entries for the claimed cards",
	  "[-d|--domain DOMAIN] [-e|--external]" },
	{ "metrics", cmd_metrics, "Print device states and the module's counters for Prometheus",
	  "[-o|--output FILE]" },
	{ "help", cmd_help, "Show this help, or a command's (help COMMAND)",
	  "[COMMAND]" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

void gv_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", gv_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int gv_common_opts(int argc, char **argv, void (*cmd_usage)(FILE *f))
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			gv_json = true;
			break;
		case 'h':
			cmd_usage(stdout);
			return GV_EXIT_OK;
		default:
			cmd_usage(stderr);
			return GV_EXIT_USAGE;
		}
	}
	return -1;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: %s [-j|--json] [-h|--help] [-V|--version] [COMMAND [ARGS...]]\n"
		"Moves GPUs between their host drivers and vfio-pci for VM passthrough.\n"
		"Without a command, shows the status.\n\n"
		"Commands:\n",
		gv_prog);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fputs("\nUsage of each:\n", f);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s %s%s%s\n", gv_prog, commands[i].name,
			commands[i].usage ? " " : "",
			commands[i].usage ? commands[i].usage : "");
	fprintf(f,
		"\nOptions (before or after the command name):\n"
		"  -j, --json     machine-readable output (see gpuvfio(8))\n"
		"  -h, --help     this help; after a command, the command's\n"
		"  -V, --version  the tool's version\n"
		"\nExit status: 0 done, 1 refused or failed, 2 usage, 3 module not loaded,\n"
		"4 pending past the timeout.\n"
		"`%s help COMMAND` describes a command.\n",
		gv_prog);
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;
	char *args[] = { NULL, "--help", NULL };

	if (argc < 2) {
		usage(stdout);
		return GV_EXIT_OK;
	}
	if (argc > 2) {
		gv_err("help takes at most one command");
		return GV_EXIT_USAGE;
	}
	c = find_command(argv[1]);
	if (!c) {
		gv_err("'%s' is not a gpuvfio command: see '%s help'", argv[1], gv_prog);
		return GV_EXIT_USAGE;
	}
	if (c->fn == cmd_help) {
		usage(stdout);
		return GV_EXIT_OK;
	}
	args[0] = argv[1];
	return c->fn(2, args);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	static char *status_argv[] = { "status", NULL };
	const struct command *c;
	int opt;

	gv_json = false;
	optind = 0;
	/* '+': options after the command name belong to the command. */
	while ((opt = getopt_long(argc, argv, "+jhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			gv_json = true;
			break;
		case 'h':
			usage(stdout);
			return GV_EXIT_OK;
		case 'V':
			printf("gpuvfio %s\n", GPUVFIO_VERSION);
			return GV_EXIT_OK;
		default:
			usage(stderr);
			return GV_EXIT_USAGE;
		}
	}
	if (optind == argc)
		return cmd_status(1, status_argv);
	c = find_command(argv[optind]);
	if (!c) {
		gv_err("'%s' is not a gpuvfio command: see '%s help'", argv[optind],
		       gv_prog);
		return GV_EXIT_USAGE;
	}
	return c->fn(argc - optind, argv + optind);
}
