/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_CLAIM_H
#define GV_CLAIM_H

#include <linux/iommu.h>
#include <linux/pci.h>

void gv_claim_all(void);
/*
 * The claim rule for a device in a claimed group that is not moving: it
 * must be matched, a function of a matched device's slot, or a bridge.
 * Says why in the log when it is none of these.
 */
bool gv_claim_allows(struct pci_dev *pdev, struct iommu_group *group);
int gv_claim_init(void);
void gv_claim_exit(void);

#endif /* GV_CLAIM_H */
