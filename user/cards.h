/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cards as the VM managers see them: the functions of one PCI slot in the
 * order a guest wants them (xml), and the cards gpuvfio claims, by model
 * (nova, kubevirt). Pure functions over a struct gv_host.
 */
#ifndef GV_CARDS_H
#define GV_CARDS_H

#include <stdbool.h>
#include <stddef.h>

#include "groups.h"

#define GV_SLOT_FUNCS	8

/*
 * The functions of one slot: the display function first (guest function
 * 0), its HDMI audio (class 0403) next (guest function 1: guest drivers
 * look for it there), then the rest in address order. A slot without a
 * display function keeps address order, audio first after function 0.
 */
struct gv_card {
	const struct gv_dev *fn[GV_SLOT_FUNCS];
	size_t nfn;
};

/* The card in d's slot. */
void gv_card_of(const struct gv_host *h, const struct gv_dev *d, struct gv_card *c);

/*
 * Whether pci.ids names d as a consumer card (GeForce, TITAN, Radeon RX,
 * R9, HD), whose older Windows drivers refused to run under a hypervisor;
 * the word that matched goes to *word. False without a name.
 */
bool gv_card_is_consumer(const struct gv_dev *d, const char **word);

/*
 * One card model (vendor:device of the display function) and its claimed
 * cards: each display function the module manages, or that the ids list
 * matches and exclude does not name. kept[] are the host's other cards of
 * the same model, which the VM managers must not be offered: when there
 * is any, the cards are named by address.
 */
struct gv_model {
	unsigned int vendor, device;
	const struct gv_dev **devs;
	size_t ndevs;
	const struct gv_dev **kept;
	size_t nkept;
};

/*
 * The claimed cards by model, in address order of their first card.
 * ids and exclude are lists in the module's syntax ("" for none).
 * 0, -EINVAL (a list does not parse) or -ENOMEM. Free with
 * gv_models_free() either way.
 */
int gv_models_claimed(const struct gv_host *h, const char *ids,
		      const char *exclude, struct gv_model **models, size_t *n);
void gv_models_free(struct gv_model *models, size_t n);

/*
 * What nova and kubevirt print from: the host through the device source,
 * the claim lists (gv_devsrc_claim_lists(): ids, exclude, *from) and the
 * claimed cards by model. Says why not on stderr and returns
 * GV_EXIT_FAILED; 0 otherwise, *n 0 when nothing is claimed. Free h with
 * gv_host_free() and models with gv_models_free() either way.
 */
int gv_models_read(struct gv_host *h, char *ids, char *exclude, size_t size,
		   const char **from, struct gv_model **models, size_t *n);

/* How gv_model_name() spells a name. */
enum {
	GV_NAME_BRACKET = 1 << 0,	/* only the part in brackets */
	GV_NAME_LOWER = 1 << 1,		/* lowercased; else as pci.ids has it */
};

/*
 * A name for d's model from pci.ids's device name, for nova's alias and
 * KubeVirt's resource: each run of characters other than ASCII letters
 * and digits becomes one sep, none at either end. With GV_NAME_BRACKET,
 * "GP104 [GeForce GTX 1080]" gives "GeForce GTX 1080" before that.
 * "<vendor><sep><device>" in hex without a name. snprintf-like.
 */
int gv_model_name(char *buf, size_t size, const struct gv_dev *d, char sep,
		  unsigned int flags);

#endif /* GV_CARDS_H */
