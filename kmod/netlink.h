/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_NETLINK_H
#define GV_NETLINK_H

#include <linux/pci.h>

struct gv_txn;

int gv_netlink_init(void);
void gv_netlink_exit(void);

/* The engine's hooks (struct gv_switch_hooks): announce on the "events"
 * multicast group. gv_nl_txn_event() is called with the transaction's
 * lock held. */
void gv_nl_txn_event(struct gv_txn *t, u32 event);
void gv_nl_dev_claimed(struct pci_dev *pdev);

#endif /* GV_NETLINK_H */
