/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_CONFIG_H
#define GV_CONFIG_H

#include <linux/pci.h>
#include "parse.h"

int gv_config_set_ids(const char *s);
int gv_config_set_exclude(const char *s);
int gv_config_format_ids(char *buf, size_t size);
int gv_config_format_exclude(char *buf, size_t size);
/* Page-sized buf; returns the length, newline included. */
int gv_config_show_ids(char *buf);
int gv_config_show_exclude(char *buf);

/* Matches ids= and is not excluded. */
bool gv_config_claims(struct pci_dev *pdev);
bool gv_config_excluded(struct pci_dev *pdev);
bool gv_id_matches_pdev(const struct gv_id *id, struct pci_dev *pdev);

#endif /* GV_CONFIG_H */
