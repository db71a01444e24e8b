// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cards.h"
#include "devsrc.h"
#include "gpuvfio.h"
#include "sysfs.h"

static bool is_audio(const struct gv_dev *d)
{
	return (d->class >> 8) == 0x0403;
}

/* Lower ranks come first in the guest slot. */
static int guest_rank(const struct gv_dev *d)
{
	if (gv_dev_is_display(d))
		return 0;
	return is_audio(d) ? 1 : 2;
}

void gv_card_of(const struct gv_host *h, const struct gv_dev *d, struct gv_card *c)
{
	const struct gv_dev *t;
	size_t i, k;

	c->nfn = 0;
	/* h->devs is in address order; an insertion by rank keeps it
	 * within each rank. */
	for (i = 0; i < h->ndevs && c->nfn < GV_SLOT_FUNCS; i++) {
		t = &h->devs[i];
		if (!gv_same_slot(&t->addr, &d->addr))
			continue;
		for (k = c->nfn; k > 0 && guest_rank(c->fn[k - 1]) > guest_rank(t); k--)
			c->fn[k] = c->fn[k - 1];
		c->fn[k] = t;
		c->nfn++;
	}
}

bool gv_card_is_consumer(const struct gv_dev *d, const char **word)
{
	/* NVIDIA's and AMD's consumer lines as pci.ids spells them. */
	static const char *const words[] = {
		"GeForce", "TITAN", "Radeon RX", "Radeon R9", "Radeon R7", "Radeon HD",
	};
	size_t i;

	if (!d->device_name)
		return false;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strstr(d->device_name, words[i])) {
			if (word)
				*word = words[i];
			return true;
		}
	}
	return false;
}

static int push(const struct gv_dev ***v, size_t *n, const struct gv_dev *d)
{
	const struct gv_dev **p;

	p = realloc(*v, (*n + 1) * sizeof(**v));
	if (!p)
		return -ENOMEM;
	p[(*n)++] = d;
	*v = p;
	return 0;
}

static struct gv_model *model_of(struct gv_model **models, size_t *n,
				 const struct gv_dev *d)
{
	struct gv_model *m;
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*models)[i].vendor == d->vendor && (*models)[i].device == d->device)
			return &(*models)[i];
	m = realloc(*models, (*n + 1) * sizeof(*m));
	if (!m)
		return NULL;
	*models = m;
	m = &m[(*n)++];
	memset(m, 0, sizeof(*m));
	m->vendor = d->vendor;
	m->device = d->device;
	return m;
}

static bool claimed(const struct gv_dev *d, const struct gv_id *ids,
		    unsigned int nids, const struct gv_addr *ex, unsigned int nex)
{
	unsigned int i;

	if (d->managed)
		return true;
	for (i = 0; i < nex; i++)
		if (gv_addr_equal(&ex[i], &d->addr))
			return false;
	for (i = 0; i < nids; i++)
		if (gv_id_match(&ids[i], d->vendor, d->device, d->subvendor,
				d->subdevice))
			return true;
	return false;
}

int gv_models_claimed(const struct gv_host *h, const char *ids,
		      const char *exclude, struct gv_model **models, size_t *n)
{
	struct gv_id idv[GV_MAX_LIST];
	struct gv_addr exv[GV_MAX_LIST];
	struct gv_parse_err err;
	unsigned int nids, nex;
	const struct gv_dev *d;
	struct gv_model *m;
	size_t i, k;
	int ret = 0;

	*models = NULL;
	*n = 0;
	if (gv_parse_id_list(ids, idv, GV_MAX_LIST, &nids, &err) ||
	    gv_parse_addr_list(exclude, exv, GV_MAX_LIST, &nex, &err))
		return -EINVAL;
	/* Claimed cards first, so that models come in their order. */
	for (i = 0; i < h->ndevs && !ret; i++) {
		d = &h->devs[i];
		if (!gv_dev_is_display(d) || !claimed(d, idv, nids, exv, nex))
			continue;
		m = model_of(models, n, d);
		ret = m ? push(&m->devs, &m->ndevs, d) : -ENOMEM;
	}
	for (i = 0; i < h->ndevs && !ret; i++) {
		d = &h->devs[i];
		if (!gv_dev_is_display(d) || claimed(d, idv, nids, exv, nex))
			continue;
		for (k = 0; k < *n; k++) {
			m = &(*models)[k];
			if (m->vendor == d->vendor && m->device == d->device)
				ret = push(&m->kept, &m->nkept, d);
		}
	}
	return ret;
}

void gv_models_free(struct gv_model *models, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(models[i].devs);
		free(models[i].kept);
	}
	free(models);
}

int gv_model_name(char *buf, size_t size, const struct gv_dev *d, char sep,
		  unsigned int flags)
{
	const char *s = d->device_name, *open, *close;
	size_t len, o = 0;
	bool gap = false;
	int c;

	if (s) {
		len = strlen(s);
		open = strchr(s, '[');
		close = open ? strchr(open, ']') : NULL;
		if ((flags & GV_NAME_BRACKET) && open && close && close > open + 1) {
			s = open + 1;
			len = (size_t)(close - s);
		}
		/* Room for a separator, a character and the NUL. */
		for (; len > 0 && o + 3 <= size; s++, len--) {
			c = (unsigned char)*s;
			if (c >= 0x80 || !isalnum(c)) {
				gap = o > 0;
				continue;
			}
			if (gap)
				buf[o++] = sep;
			gap = false;
			buf[o++] = (char)(flags & GV_NAME_LOWER ? tolower(c) : c);
		}
	}
	if (!o)
		return snprintf(buf, size, "%04x%c%04x", d->vendor, sep, d->device);
	buf[o] = '\0';
	return (int)o;
}

int gv_models_read(struct gv_host *h, char *ids, char *exclude, size_t size,
		   const char **from, struct gv_model **models, size_t *n)
{
	struct gv_devsrc src;
	struct gv_config *cfg;
	int ret;

	*models = NULL;
	*n = 0;
	memset(h, 0, sizeof(*h));
	cfg = malloc(sizeof(*cfg));
	if (!cfg) {
		gv_err("out of memory");
		return GV_EXIT_FAILED;
	}
	gv_devsrc_open(&src);
	gv_devsrc_config(&src, cfg);
	ret = gv_devsrc_host(&src, h, GV_DEVSRC_NAMES);
	gv_devsrc_close(&src);
	if (ret) {
		gv_err("could not read the PCI devices in %s: %s", gv_sysfs_root(),
		       strerror(-ret));
		free(cfg);
		return GV_EXIT_FAILED;
	}
	gv_devsrc_claim_lists(cfg, ids, exclude, size, from);
	free(cfg);
	ret = gv_models_claimed(h, ids, exclude, models, n);
	if (ret == -EINVAL)
		gv_err("the ids or exclude list of %s does not parse: see gpuvfio check", *from);
	else if (ret)
		gv_err("out of memory");
	return ret ? GV_EXIT_FAILED : 0;
}
