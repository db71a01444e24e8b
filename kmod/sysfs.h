/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_SYSFS_H
#define GV_SYSFS_H

int gv_sysfs_init(void);
void gv_sysfs_exit(void);

#endif /* GV_SYSFS_H */
