/* SPDX-License-Identifier: GPL-2.0 */
/* Names from pci.ids, through libpci. */
#ifndef GV_PCI_H
#define GV_PCI_H

#include "groups.h"

/* Overrides the pci.ids file libpci reads (for testing; see gpuvfio(8)). */
#define GV_PCI_IDS_ENV	"GPUVFIO_PCI_IDS"

/*
 * Fills vendor_name, device_name and class_name of every device; names
 * pci.ids does not know stay NULL. Without pci.ids, all stay NULL.
 */
void gv_pci_name_devices(struct gv_host *h);

#endif /* GV_PCI_H */
