/* SPDX-License-Identifier: GPL-2.0 */
#ifndef GV_DEVICES_H
#define GV_DEVICES_H

#include <linux/kobject.h>
#include <linux/pci.h>

#define GV_NAME_LEN	64	/* driver names */

/*
 * moving(pdev) says whether a running transaction is moving pdev, and which
 * way (GPUVFIO_STATE_BINDING or _UNBINDING; 0 when none is): the engine's
 * answer, handed down so that the records need not know the engine.
 */
int gv_devices_init(struct kobject *parent,
		    u32 (*moving)(struct pci_dev *pdev));
void gv_devices_exit(void);

/*
 * Records that gpuvfio parked pdev, which came from orig_driver with
 * orig_override ("" for none). When vfio is given, a reference on its module
 * is held for as long as the record lives. A record that already exists keeps
 * what it knew about the device's origin.
 */
int gv_dev_add(struct pci_dev *pdev, const char *orig_driver,
	       const char *orig_override, struct device_driver *vfio);
void gv_dev_remove(struct pci_dev *pdev);
/*
 * Copies the record's origin out: orig_driver (GV_NAME_LEN bytes) and a
 * copy of the override, which the caller frees. 1 when pdev is managed, 0
 * when not (*orig_override NULL), -ENOMEM.
 */
int gv_dev_lookup(struct pci_dev *pdev, char *orig_driver,
		  char **orig_override);
bool gv_dev_managed(struct pci_dev *pdev);
/* The length of the record's override (0 when not managed), for sizing. */
size_t gv_dev_override_len(struct pci_dev *pdev);
unsigned int gv_dev_count(void);
/* Fills pdevs (with references) with up to max managed devices. */
unsigned int gv_dev_collect(struct pci_dev **pdevs, unsigned int max);

/*
 * A device as status reports it, read without waiting: a device whose lock
 * a driver's probe or remove holds is BUSY, with no driver read.
 */
struct gv_dev_status {
	u32 state;			/* GPUVFIO_STATE_* */
	bool have_driver;
	bool dma_managed;		/* no driver, or driver_managed_dma */
	char driver[GV_NAME_LEN];
};

void gv_dev_status(struct pci_dev *pdev, struct gv_dev_status *s);

/* A counter that changes whenever a device's driver or record may have:
 * netlink dumps use it to detect that they were interrupted. */
void gv_dev_changed(void);
unsigned int gv_dev_generation(void);

#endif /* GV_DEVICES_H */
