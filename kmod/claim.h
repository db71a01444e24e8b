/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_CLAIM_H
#define GV_CLAIM_H

#include <linux/pci.h>

void gv_claim_all(void);
/* The claim rule for a device in a claimed group that is not moving. */
bool gv_claim_allows(struct pci_dev *pdev);
int gv_claim_init(void);
void gv_claim_exit(void);

#endif /* GV_CLAIM_H */
