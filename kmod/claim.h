/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_CLAIM_H
#define GV_CLAIM_H

void gv_claim_all(void);
int gv_claim_init(void);
void gv_claim_exit(void);

#endif /* GV_CLAIM_H */
