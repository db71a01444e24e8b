/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_NETLINK_H
#define GV_NETLINK_H

int gv_netlink_init(void);
void gv_netlink_exit(void);

#endif /* GV_NETLINK_H */
