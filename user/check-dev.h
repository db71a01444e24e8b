/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gpuvfio check, per device: what breaks passthrough of one card rather
 * than the host (check-dev.c). Each device gets findings in the same list
 * as the host's, and a record of the facts behind them for the JSON form.
 */
#ifndef GV_CHECK_DEV_H
#define GV_CHECK_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "groups.h"
#include "json.h"

#define GV_DEV_BARS	6	/* standard BARs */
#define GV_DEV_HOPS	16	/* bridges between a device and its root bus */

struct gv_dev_bar {
	int index;
	uint64_t start, end, flags;
	uint64_t window;		/* the bridge window it must fit in */
	bool have_window;		/* a bridge above it was read */
	uint64_t resize_mask;		/* resourceN_resize: bit n = 2^n MiB */
	bool resizable;
};

/* One bridge on the way up: the parent first, the root port last. */
struct gv_dev_hop {
	char name[GV_ADDR_LEN + 1];
	int port_type;			/* PCIe port type, -1 unknown, -2 not PCIe */
	int acs;			/* ACS holds: 1, 0, or -1 unknown */
	bool acs_cap;			/* has the ACS capability */
	bool config_short;		/* config space beyond 64 bytes unreadable */
};

struct gv_dev_facts {
	const struct gv_dev *dev;
	bool bridge;			/* class 0604: only path and ACS */
	char reset[128];		/* reset_method; "" for none */
	unsigned int slot_functions;	/* functions in its slot, itself too */
	const char *reset_bug;		/* a known family, or NULL */
	int d3cold;			/* d3cold_allowed: 1, 0, -1 unknown */
	int numa;			/* numa_node; -1 none */
	bool have_numa;
	int boot_vga;			/* 1, 0, -1 no such file */
	char fb[256];			/* firmware framebuffers in its BARs */
	struct gv_dev_bar bars[GV_DEV_BARS];
	unsigned int nbars;
	struct gv_dev_hop path[GV_DEV_HOPS];
	unsigned int npath;
	int own_acs;			/* the function's own ACS, as hops' */
	bool own_config_short;
	int sriov_total, sriov_num;	/* -1 when absent */
};

struct gv_dev_report {
	struct gv_dev_facts *v;
	size_t n;
	int disable_idle_d3;		/* vfio_pci's parameter: 1, 0, -1 */
};

/* The devices checked without targets: display controllers, every other
 * function of their slots, and the devices gpuvfio manages (what status
 * shows), less those the exclude list names (never given to a VM). */
bool gv_check_dev_default(const struct gv_host *h, const struct gv_dev *d,
			  const struct gv_addr *excl, unsigned int nexcl);

/*
 * Checks each device of h that one of t[0..nt) names (nt 0: the default
 * set), adding findings to c and facts to r. 0 or -ENOMEM.
 */
int gv_check_devices(struct gv_checks *c, const struct gv_host *h,
		     const struct gv_target *t, unsigned int nt,
		     const struct gv_addr *excl, unsigned int nexcl,
		     struct gv_dev_report *r);
void gv_dev_report_json(struct json *j, const struct gv_dev_report *r);
void gv_dev_report_free(struct gv_dev_report *r);

#endif /* GV_CHECK_DEV_H */
