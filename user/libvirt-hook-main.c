// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio-libvirt-hook's main(), and what gpuvfio.c defines for the tool's
 * commands (bind.c's cmd_bind() and cmd_unbind() run in this program):
 * the name errors begin with, and the output mode. The hook's errors begin
 * "gpuvfio:" like the tool's: libvirt quotes them in its own error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "gpuvfio.h"
#include "libvirt-hook.h"

const char *gv_prog = "gpuvfio";
bool gv_json;

void gv_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", gv_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	return gv_hook_main(argc, argv, STDIN_FILENO);
}
