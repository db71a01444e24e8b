/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_CLAIM_H
#define GV_CLAIM_H

#include <linux/iommu.h>
#include <linux/pci.h>

/* Claims every group with a device ids= matches; returns without waiting
 * for a driver to let go (timeout_ms: the claims' deadline, 0 default). */
void gv_claim_all(unsigned int timeout_ms);
int gv_claim_init(void);
void gv_claim_exit(void);

#endif /* GV_CLAIM_H */
