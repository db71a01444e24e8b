/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_CONFIG_H
#define GV_CONFIG_H

#include <linux/iommu.h>
#include <linux/pci.h>
#include "parse.h"

int gv_config_set_ids(const char *s);
int gv_config_set_exclude(const char *s);
/*
 * Sets either list or both (NULL: unchanged), both parsed before either is
 * applied. On a parse error *bad says which list (0 ids, 1 exclude) and err
 * which token.
 */
int gv_config_set_lists(const char *ids, const char *exclude, int *bad,
			struct gv_parse_err *err);
int gv_config_format_ids(char *buf, size_t size);
int gv_config_format_exclude(char *buf, size_t size);
/* Page-sized buf; returns the length, newline included. */
int gv_config_show_ids(char *buf);
int gv_config_show_exclude(char *buf);

/* Matches ids=, whether excluded or not. */
bool gv_config_matches(struct pci_dev *pdev);
/* Matches ids= and is not excluded. */
bool gv_config_claims(struct pci_dev *pdev);
bool gv_config_excluded(struct pci_dev *pdev);
bool gv_id_matches_pdev(const struct gv_id *id, struct pci_dev *pdev);

/*
 * The claim rule. A group is claimed (at load, at hotplug, when ids is
 * written) only when each of its members that is not moving is matched, a
 * function of a matched device's slot, or a bridge: at boot a NIC's driver
 * may simply not have loaded yet, and its group is never taken from under
 * it. gv_config_claim_allows() says why in the log when it does not allow.
 */
bool gv_config_slot_claimed(struct pci_dev *pdev);
bool gv_config_claim_allows(struct pci_dev *pdev, struct iommu_group *group);

#endif /* GV_CONFIG_H */
