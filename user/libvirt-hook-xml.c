// SPDX-License-Identifier: GPL-2.0
/*
 * The domain XML libvirt gives a hook on standard input, read with
 * libxml2: the domain's UUID (the hook's records are kept by it) and the
 * host PCI address of every hostdev libvirt leaves to the host's
 * administrator, <hostdev mode='subsystem' type='pci' managed='no'>.
 * libvirt detaches managed='yes' ones itself; they are not the hook's.
 *
 * The parser never touches the network (XML_PARSE_NONET) and never
 * substitutes entities, so that no part of the input reaches outside it.
 * Anything libvirt would not have written (no <domain> root, a hostdev
 * without a source address, an address out of range) is refused rather
 * than guessed at: the hook then changes nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlversion.h>

#include "libvirt-hook.h"

int gv_hook_addrs_add(struct gv_hook_addrs *s, const struct gv_addr *addr)
{
	if (gv_hook_addrs_has(s, addr))
		return 0;
	if (s->n >= GV_MAX_LIST)
		return -E2BIG;
	s->a[s->n++] = *addr;
	return 0;
}

bool gv_hook_addrs_has(const struct gv_hook_addrs *s, const struct gv_addr *addr)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (gv_addr_equal(&s->a[i], addr))
			return true;
	return false;
}

int gv_hook_parse_number(const char *s, unsigned long max, unsigned long *v)
{
	unsigned long base = 10, n = 0, d;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return -EINVAL;
	} else if (p[0] == '0') {
		base = 8;
	}
	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			d = (unsigned long)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned long)(*p - 'a' + 10);
		else if (*p >= 'A' && *p <= 'F')
			d = (unsigned long)(*p - 'A' + 10);
		else
			return -EINVAL;
		if (d >= base)
			return -EINVAL;
		n = n * base + d;
		if (n > max)
			return -ERANGE;
	}
	*v = n;
	return 0;
}

static void set_err(char *err, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

static bool named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static const xmlNode *child(const xmlNode *parent, const char *name)
{
	const xmlNode *c;

	for (c = parent->children; c; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

/* An attribute's value; NULL when absent. Free with xmlFree(). */
static char *attr(const xmlNode *n, const char *name)
{
	return (char *)xmlGetProp(n, (const xmlChar *)name);
}

/* libvirt's UUID, as it writes it or as 32 bare hex digits. */
static int parse_uuid(const xmlNode *root, char *uuid, char *err, size_t err_size)
{
	const xmlNode *n = child(root, "uuid");
	char hex[33];
	xmlChar *text;
	const char *p;
	size_t nhex = 0;
	int ret = 0;

	if (!n) {
		set_err(err, err_size, "the domain has no <uuid>");
		return -EINVAL;
	}
	text = xmlNodeGetContent(n);
	for (p = text ? (const char *)text : ""; *p && ret == 0; p++) {
		if (*p == '-' || *p == ' ' || *p == '\t' || *p == '\n')
			continue;
		if (nhex < 32 && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
				  (*p >= 'A' && *p <= 'F')))
			hex[nhex++] = (char)(*p | 0x20);
		else
			ret = -EINVAL;
	}
	xmlFree(text);
	if (ret || nhex != 32) {
		set_err(err, err_size, "the domain's <uuid> is not a UUID");
		return -EINVAL;
	}
	snprintf(uuid, GV_HOOK_UUID_LEN, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8,
		 hex + 12, hex + 16, hex + 20);
	return 0;
}

/* One attribute of a source <address>; an absent one is 0, as libvirt
 * reads it. */
static int addr_field(const xmlNode *a, const char *name, unsigned long max,
		      unsigned long *v, unsigned int nth, char *err, size_t err_size)
{
	char *s = attr(a, name);
	int ret;

	*v = 0;
	if (!s)
		return 0;
	ret = gv_hook_parse_number(s, max, v);
	if (ret)
		set_err(err, err_size, "PCI hostdev #%u: %s='%.32s' is %s (at most %#lx)",
			nth, name, s, ret == -ERANGE ? "out of range" : "not a number", max);
	xmlFree(s);
	return ret;
}

static int hostdev_addr(const xmlNode *hd, unsigned int nth, struct gv_addr *addr,
			char *err, size_t err_size)
{
	const xmlNode *src = child(hd, "source");
	const xmlNode *a = src ? child(src, "address") : NULL;
	unsigned long domain, bus, slot, function;

	if (!a) {
		set_err(err, err_size, "PCI hostdev #%u has no <source><address>", nth);
		return -EINVAL;
	}
	if (addr_field(a, "domain", 0xffffffffUL, &domain, nth, err, err_size) ||
	    addr_field(a, "bus", 0xff, &bus, nth, err, err_size) ||
	    addr_field(a, "slot", 0x1f, &slot, nth, err, err_size) ||
	    addr_field(a, "function", 7, &function, nth, err, err_size))
		return -EINVAL;
	addr->domain = (u32)domain;
	addr->bus = (u8)bus;
	addr->devfn = (u8)(slot << 3 | function);
	return 0;
}

/*
 * Whether hostdev hd is an unmanaged PCI one: 1 yes, 0 no, -EINVAL for a
 * managed= libvirt does not know (it would not have written it).
 */
static int unmanaged_pci(const xmlNode *hd, unsigned int nth, char *err, size_t err_size)
{
	char *mode = attr(hd, "mode"), *type = attr(hd, "type");
	char *managed = attr(hd, "managed");
	int ret = 0;

	/* mode defaults to subsystem; type has no default. */
	if ((mode && strcmp(mode, "subsystem")) || !type || strcmp(type, "pci"))
		goto out;
	if (!managed || !strcmp(managed, "no"))
		ret = 1;
	else if (strcmp(managed, "yes")) {
		set_err(err, err_size, "PCI hostdev #%u: managed='%.16s' is neither yes nor no",
			nth, managed);
		ret = -EINVAL;
	}
out:
	xmlFree(mode);
	xmlFree(type);
	xmlFree(managed);
	return ret;
}

static int walk_devices(const xmlNode *root, struct gv_hook_addrs *pci, char *err,
			size_t err_size)
{
	const xmlNode *devices = child(root, "devices"), *n;
	struct gv_addr addr;
	unsigned int nth = 0;
	int ret;

	if (!devices)
		return 0;
	for (n = devices->children; n; n = n->next) {
		if (!named(n, "hostdev"))
			continue;
		ret = unmanaged_pci(n, ++nth, err, err_size);
		if (ret <= 0) {
			if (ret)
				return ret;
			continue;
		}
		ret = hostdev_addr(n, nth, &addr, err, err_size);
		if (!ret)
			ret = gv_hook_addrs_add(pci, &addr);
		if (ret == -E2BIG)
			set_err(err, err_size, "more than %d unmanaged PCI hostdevs", GV_MAX_LIST);
		if (ret)
			return ret;
	}
	return 0;
}

/* libxml2 reports errors to stderr by default: they are collected here
 * instead, and the first one tells what was wrong. */
#if LIBXML_VERSION >= 21200
static void quiet(void *ctx, const xmlError *e)
#else
static void quiet(void *ctx, xmlErrorPtr e)
#endif
{
	(void)ctx;
	(void)e;
}

int gv_hook_parse_domain(const char *xml, size_t len, struct gv_hook_domain *d,
			 char *err, size_t err_size)
{
	const xmlError *xe;
	const xmlNode *root;
	xmlDoc *doc;
	int ret;

	memset(d, 0, sizeof(*d));
	if (len > (size_t)GV_HOOK_XML_MAX) {
		set_err(err, err_size, "the domain XML is longer than %u bytes", GV_HOOK_XML_MAX);
		return -EINVAL;
	}
	xmlSetStructuredErrorFunc(NULL, quiet);
	xmlResetLastError();
	doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		xe = xmlGetLastError();
		if (xe && xe->message)
			set_err(err, err_size, "not well-formed XML: line %d: %.*s", xe->line,
				(int)strcspn(xe->message, "\n"), xe->message);
		else
			set_err(err, err_size, "not well-formed XML");
		return -EINVAL;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || !named(root, "domain")) {
		set_err(err, err_size, "the root element is not <domain>");
		ret = -EINVAL;
		goto out;
	}
	ret = parse_uuid(root, d->uuid, err, err_size);
	if (!ret)
		ret = walk_devices(root, &d->pci, err, err_size);
out:
	xmlFreeDoc(doc);
	return ret;
}
