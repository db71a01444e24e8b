// SPDX-License-Identifier: GPL-2.0
/*
 * gpuvfio xml: the libvirt <hostdev> elements for every function of each
 * target's card, managed='no' (gpuvfio, not libvirt, moves the card), with
 * guest addresses that keep the card's functions together in one guest
 * slot, as guest drivers expect: the display function at guest function 0
 * with multifunction='on', its HDMI audio at 1, the rest after.
 *
 * XML comments may not hold two hyphens in a row: the comments printed
 * here name options by their short form.
 */
#define _GNU_SOURCE	/* open_memstream() */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cards.h"
#include "devsrc.h"
#include "gpuvfio.h"
#include "json.h"
#include "status.h"
#include "sysfs.h"

#define MAX_CARDS	32
#define DEFAULT_SLOT	0x10
/* A device's name without its ".F": its slot, "0000:01:00". */
#define SLOT_LEN(d)	((int)strlen((d)->name) - 2)

struct xml_opts {
	int bus, slot;		/* -1: not given */
	int function;		/* -1: every function */
	bool hide;
};

struct placed {
	struct gv_card card;
	unsigned int bus, slot;		/* the guest's */
	bool consumer;
	const char *word;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s xml [-j|--json] [-b|--guest-bus BUS] [-s|--guest-slot SLOT]\n"
		"              [-f|--function N] [-H|--hide-hypervisor] TARGET...\n"
		"Prints the libvirt <hostdev managed='no'> elements for every function of\n"
		"each TARGET's card (a PCI address or a vendor:device ID, as bind takes),\n"
		"with guest addresses that keep a card's functions in one guest slot: the\n"
		"display function at guest function 0 (multifunction='on'), its HDMI audio\n"
		"at 1, the rest after. gpuvfio moves the card, not libvirt: claim it at\n"
		"boot (ids), bind it, or let gpuvfio's libvirt hook move it at start.\n"
		"\n"
		"Without -f, the output is one <devices> element: paste the <hostdev>\n"
		"elements inside it into the domain's <devices> (virsh edit DOMAIN).\n"
		"virsh attach-device takes one element per call: print each with -f,\n"
		"guest function 0 first, and attach it to the domain's configuration:\n"
		"  $ %s xml -f 0 01:00.0 > gpu.xml\n"
		"  $ virsh attach-device DOMAIN gpu.xml --config\n"
		"  $ %s xml -f 1 01:00.0 > audio.xml\n"
		"  $ virsh attach-device DOMAIN audio.xml --config\n"
		"\n"
		"Guest addresses: by default bus 0 (the root bus, on i440fx and q35\n"
		"alike), one slot per card from slot 0x10 on. -b BUS alone puts card k on\n"
		"bus BUS+k, slot 0: one pcie-root-port per card on q35 (the domain needs\n"
		"<controller type='pci' model='pcie-root-port' index='BUS'/>). -s SLOT\n"
		"sets the first slot; cards take the slots after it. Numbers are decimal\n"
		"or 0x hex.\n"
		"\n"
		"-H also prints <features><kvm><hidden state='on'/></kvm></features>:\n"
		"it goes into the domain's <features> element (merge the <kvm> into an\n"
		"existing one, virsh edit DOMAIN), and hides KVM from the guest's GPU\n"
		"driver. It is proposed in a comment for consumer cards (GeForce, Radeon)\n"
		"whose older drivers refused to run in a VM; see gpuvfio(8).\n",
		gv_prog, gv_prog, gv_prog);
}

/* A number in 0..max, decimal or 0x hex; -1 when malformed. */
static int parse_num(const char *s, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || !*s || *end || v < 0 || v > max)
		return -1;
	return (int)v;
}

static int parse_opts(int argc, char **argv, struct xml_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "guest-bus", required_argument, NULL, 'b' },
		{ "guest-slot", required_argument, NULL, 's' },
		{ "function", required_argument, NULL, 'f' },
		{ "hide-hypervisor", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt;

	o->bus = o->slot = o->function = -1;
	o->hide = false;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "jb:s:f:Hh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			gv_json = true;
			break;
		case 'b':
			o->bus = parse_num(optarg, 0xff);
			if (o->bus < 0) {
				gv_err("'%s' is not a guest bus: a number from 0 to 255 (0xff)", optarg);
				return GV_EXIT_USAGE;
			}
			break;
		case 's':
			o->slot = parse_num(optarg, 0x1f);
			if (o->slot < 0) {
				gv_err("'%s' is not a guest slot: a number from 0 to 31 (0x1f)", optarg);
				return GV_EXIT_USAGE;
			}
			break;
		case 'f':
			o->function = parse_num(optarg, 7);
			if (o->function < 0) {
				gv_err("'%s' is not a guest function: a number from 0 to 7", optarg);
				return GV_EXIT_USAGE;
			}
			break;
		case 'H':
			o->hide = true;
			break;
		case 'h':
			usage(stdout);
			return GV_EXIT_OK;
		default:
			usage(stderr);
			return GV_EXIT_USAGE;
		}
	}
	if (optind == argc) {
		gv_err("xml needs a TARGET: the address or vendor:device ID of a card");
		usage(stderr);
		return GV_EXIT_USAGE;
	}
	if (o->function >= 0 && o->hide) {
		gv_err("-f prints one <hostdev> for virsh attach-device, -H a <features> element for virsh edit: ask for them in two calls");
		return GV_EXIT_USAGE;
	}
	if (o->function >= 0 && gv_json) {
		gv_err("--json prints every function already: -f is for virsh attach-device");
		return GV_EXIT_USAGE;
	}
	return -1;
}

static bool slot_listed(const struct placed *p, size_t n, const struct gv_dev *d)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (gv_same_slot(&p[i].card.fn[0]->addr, &d->addr))
			return true;
	return false;
}

/* The cards the targets name, in their order, each slot once. */
static int resolve(const struct gv_host *h, const struct gv_target *t,
		   unsigned int nt, struct placed *p, size_t *n)
{
	char name[GV_ID_LEN + GV_ADDR_LEN];
	unsigned int i;
	bool found;
	size_t k;
	int ret = 0;

	*n = 0;
	for (i = 0; i < nt; i++) {
		found = false;
		for (k = 0; k < h->ndevs; k++) {
			if (!gv_dev_match(&h->devs[k], &t[i]))
				continue;
			found = true;
			if (slot_listed(p, *n, &h->devs[k]))
				continue;
			if (*n == MAX_CARDS) {
				gv_err("too many cards: at most %d at a time", MAX_CARDS);
				return GV_EXIT_USAGE;
			}
			gv_card_of(h, &h->devs[k], &p[*n].card);
			p[*n].consumer = gv_card_is_consumer(p[*n].card.fn[0], &p[*n].word);
			(*n)++;
		}
		if (!found) {
			gv_target_name(&t[i], name, sizeof(name));
			gv_err("no PCI device matches %s: `lspci -Dnn` lists this host's devices",
			       name);
			ret = GV_EXIT_FAILED;
		}
	}
	return ret;
}

/* Guest addresses; the exit status when they run out. */
static int place(struct placed *p, size_t n, const struct xml_opts *o)
{
	unsigned int bus = o->bus < 0 ? 0 : (unsigned int)o->bus;
	unsigned int slot;
	bool per_bus = o->bus > 0 && o->slot < 0;
	size_t i;

	slot = o->slot >= 0 ? (unsigned int)o->slot : per_bus ? 0 : DEFAULT_SLOT;
	for (i = 0; i < n; i++) {
		p[i].bus = per_bus ? bus + (unsigned int)i : bus;
		p[i].slot = per_bus ? slot : slot + (unsigned int)i;
		if (p[i].bus > 0xff || p[i].slot > 0x1f) {
			gv_err("%zu cards do not fit from guest bus 0x%02x slot 0x%02x on: choose another start (-b, -s)",
			       n, bus, slot);
			return GV_EXIT_USAGE;
		}
	}
	if (o->function >= 0 && n != 1) {
		gv_err("-f prints one element of one card, and the targets name %zu cards", n);
		return GV_EXIT_USAGE;
	}
	if (o->function >= 0 && (size_t)o->function >= p[0].card.nfn) {
		gv_err("the card in slot %.*s has %zu function%s: -f takes 0 to %zu",
		       SLOT_LEN(p[0].card.fn[0]), p[0].card.fn[0]->name, p[0].card.nfn,
		       p[0].card.nfn == 1 ? "" : "s", p[0].card.nfn - 1);
		return GV_EXIT_USAGE;
	}
	return 0;
}

/* One <hostdev>, each line after indent. */
static void hostdev(FILE *f, const char *indent, const struct placed *p, size_t fn)
{
	const struct gv_dev *d = p->card.fn[fn];

	fprintf(f,
		"%s<hostdev mode='subsystem' type='pci' managed='no'>\n"
		"%s  <source>\n"
		"%s    <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n"
		"%s  </source>\n"
		"%s  <address type='pci' domain='0x0000' bus='0x%02x' slot='0x%02x' function='0x%zx'%s/>\n"
		"%s</hostdev>\n",
		indent, indent, indent, d->addr.domain, d->addr.bus, d->addr.devfn >> 3,
		d->addr.devfn & 7, indent, indent, p->bus, p->slot, fn,
		fn == 0 && p->card.nfn > 1 ? " multifunction='on'" : "", indent);
}

static const char hidden_xml[] =
	"<features>\n"
	"  <kvm>\n"
	"    <hidden state='on'/>\n"
	"  </kvm>\n"
	"</features>\n";

/*
 * Text from pci.ids inside a comment: no two hyphens in a row, and only
 * valid UTF-8 (an XML parser refuses anything else, comments included).
 */
static void comment_text(FILE *f, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, len;

	for (; *u; u += len) {
		len = 1;
		if (*u < 0x80) {
			fputc(*u == '-' && u[1] == '-' ? ' ' : *u < 0x20 ? '?' : *u, f);
			continue;
		}
		len = *u >= 0xf0 && *u < 0xf5 ? 4 : *u >= 0xe0 && *u < 0xf0 ? 3 :
		      *u >= 0xc2 && *u < 0xe0 ? 2 : 0;
		for (i = 1; i < len; i++)
			if ((u[i] & 0xc0) != 0x80)
				len = 0;
		if (!len) {
			fputc('?', f);
			len = 1;
			continue;
		}
		fwrite(u, 1, len, f);
	}
}

static void comment_card(FILE *f, const struct placed *p)
{
	const struct gv_dev *d = p->card.fn[0];
	size_t i;

	fprintf(f, "<!-- %.*s: ", SLOT_LEN(d), d->name);
	if (d->vendor_name) {
		comment_text(f, d->vendor_name);
		fputc(' ', f);
	}
	comment_text(f, d->device_name ? d->device_name : "unknown device");
	fprintf(f, " [%04x:%04x], guest slot 0000:%02x:%02x:", d->vendor, d->device,
		p->bus, p->slot);
	for (i = 0; i < p->card.nfn; i++)
		fprintf(f, "%s %s at function %zu", i ? "," : "", p->card.fn[i]->name, i);
	fputs(" -->\n", f);
}

static void comment_hide(FILE *f, const struct placed *p, bool hide)
{
	if (!p->consumer || hide)
		return;
	fprintf(f,
		"<!-- %.*s is a consumer card (%s): if the guest runs a driver that refuses\n"
		"     to run in a VM (NVIDIA GeForce before R465: Code 43), hide the\n"
		"     hypervisor: gpuvfio xml -H prints the <features> element for it. -->\n",
		SLOT_LEN(p->card.fn[0]), p->card.fn[0]->name, p->word);
}

static void print_xml(FILE *f, const struct placed *p, size_t n,
		      const struct xml_opts *o)
{
	size_t i, k;

	fputs("<!-- gpuvfio xml: managed='no', gpuvfio moves each card's whole slot\n"
	      "     (claim at boot with ids, gpuvfio bind, or gpuvfio's libvirt hook). -->\n",
	      f);
	for (i = 0; i < n; i++) {
		comment_card(f, &p[i]);
		comment_hide(f, &p[i], o->hide);
	}
	if (o->function >= 0) {
		fprintf(f, "<!-- One element for virsh attach-device (configuration): attach guest\n"
			   "     function 0 of a card before the others. -->\n");
		hostdev(f, "", &p[0], (size_t)o->function);
		return;
	}
	fputs("<!-- Paste the <hostdev> elements into the domain's <devices> (virsh edit);\n"
	      "     for virsh attach-device, print one at a time with gpuvfio xml -f N. -->\n"
	      "<devices>\n", f);
	for (i = 0; i < n; i++)
		for (k = 0; k < p[i].card.nfn; k++)
			hostdev(f, "  ", &p[i], k);
	fputs("</devices>\n", f);
	if (o->hide)
		fprintf(f, "<!-- Into the domain's <features> (virsh edit): hides KVM from the\n"
			   "     guest's GPU driver. -->\n%s", hidden_xml);
}

static void json_hex(struct json *j, const char *key, const char *fmt, unsigned int v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), fmt, v);
	json_key(j, key);
	json_string(j, buf);
}

static void json_function(struct json *j, const struct placed *p, size_t fn)
{
	const struct gv_dev *d = p->card.fn[fn];
	char guest[32], *text = NULL;
	size_t len = 0;
	FILE *m;

	json_object_open(j);
	json_key(j, "address");
	json_string(j, d->name);
	json_hex(j, "vendor", "%04x", d->vendor);
	json_hex(j, "device", "%04x", d->device);
	json_hex(j, "class", "%04x", d->class >> 8);
	snprintf(guest, sizeof(guest), "0000:%02x:%02x.%zx", p->bus, p->slot, fn);
	json_key(j, "guest_address");
	json_string(j, guest);
	json_key(j, "multifunction");
	json_bool(j, fn == 0 && p->card.nfn > 1);
	m = open_memstream(&text, &len);
	if (m) {
		hostdev(m, "", p, fn);
		fclose(m);
	}
	json_key(j, "xml");
	json_string(j, text);
	free(text);
	json_object_close(j);
}

static int print_json(FILE *f, const struct placed *p, size_t n,
		      const struct xml_opts *o)
{
	struct json j;
	char slot[GV_ADDR_LEN + 1];
	size_t i, k;

	json_begin(&j, f);
	json_object_open(&j);
	json_key(&j, "cards");
	json_array_open(&j);
	for (i = 0; i < n; i++) {
		json_object_open(&j);
		snprintf(slot, sizeof(slot), "%.*s", SLOT_LEN(p[i].card.fn[0]),
			 p[i].card.fn[0]->name);
		json_key(&j, "slot");
		json_string(&j, slot);
		json_key(&j, "vendor_name");
		json_string(&j, p[i].card.fn[0]->vendor_name);
		json_key(&j, "device_name");
		json_string(&j, p[i].card.fn[0]->device_name);
		json_key(&j, "consumer");
		json_bool(&j, p[i].consumer);
		json_key(&j, "functions");
		json_array_open(&j);
		for (k = 0; k < p[i].card.nfn; k++)
			json_function(&j, &p[i], k);
		json_array_close(&j);
		json_object_close(&j);
	}
	json_array_close(&j);
	json_key(&j, "features");
	json_string(&j, o->hide ? hidden_xml : NULL);
	json_object_close(&j);
	return json_end(&j) ? -EIO : 0;
}

int cmd_xml(int argc, char **argv)
{
	struct gv_target targets[GV_MAX_LIST];
	struct xml_opts o;
	struct gv_devsrc src;
	struct placed *p;
	struct gv_host h;
	unsigned int nt;
	size_t n = 0;
	int ret;

	ret = parse_opts(argc, argv, &o);
	if (ret >= 0)
		return ret;
	ret = gv_parse_targets(argc - optind, argv + optind, targets, &nt,
			       "xml takes addresses and IDs: name the cards",
			       NULL);
	if (ret)
		return ret;
	p = calloc(MAX_CARDS, sizeof(*p));
	if (!p) {
		gv_err("out of memory");
		return GV_EXIT_FAILED;
	}
	gv_devsrc_open(&src);
	ret = gv_devsrc_host(&src, &h, GV_DEVSRC_NAMES);
	gv_devsrc_close(&src);
	if (ret) {
		gv_err("could not read the PCI devices in %s: %s", gv_sysfs_root(),
		       strerror(-ret));
		free(p);
		return GV_EXIT_FAILED;
	}
	ret = resolve(&h, targets, nt, p, &n);
	if (!ret)
		ret = place(p, n, &o);
	if (!ret) {
		if (gv_json ? print_json(stdout, p, n, &o) : (print_xml(stdout, p, n, &o), 0))
			ret = GV_EXIT_FAILED;
		if (fflush(stdout)) {
			gv_err("could not write the output: %s", strerror(errno));
			ret = GV_EXIT_FAILED;
		}
	}
	gv_host_free(&h);
	free(p);
	return ret;
}
