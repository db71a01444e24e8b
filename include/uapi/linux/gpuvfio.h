/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * gpuvfio: the generic netlink protocol between gpuvfio.ko and its tools.
 *
 * Family GPUVFIO_GENL_NAME ("gpuvfio"), version GPUVFIO_GENL_VERSION, one
 * multicast group GPUVFIO_MCGRP_EVENTS ("events"). Attributes are only ever
 * appended; attribute 0 of every set is never used. Strings are
 * NUL-terminated. Commands that read devices, groups and the configuration
 * are open to every user; commands that change state, GET_TXN and the
 * events group need CAP_SYS_ADMIN (-EPERM otherwise). Every request is
 * validated strictly: an unknown attribute, a wrong type or length, a flag
 * bit outside the policy's mask or a missing required attribute is
 * rejected with an extended ACK that names the attribute
 * (NLMSGERR_ATTR_OFFS, or NLMSGERR_ATTR_MISS_TYPE for a missing one) and a
 * message, and changes nothing. Errors: -EINVAL malformed, -ERANGE a number out of range,
 * -E2BIG too many targets, -ENODEV no such device or group, -ENOENT no
 * such transaction (any more), -EPERM not privileged (the changing
 * commands are GENL_ADMIN_PERM: a caller without CAP_NET_ADMIN gets a
 * bare -EPERM from generic netlink; one with it but without
 * CAP_SYS_ADMIN gets -EPERM with a message). What generic netlink rejects
 * before the family sees a request (an unknown command, a dump of a
 * do-only command, a short header, a nonzero reserved field) carries its
 * errno only. Dumps ignore the do-only attributes.
 *
 * A device is named by its PCI address, "0000:01:00.0". A target is a PCI
 * address ("0000:01:00.0" or "01:00.0"), a vendor:device ID with optional
 * subsystem IDs ("10de:1bb3", "10de:1bb3:10de:11d8"), or "all" (bind: every
 * device ids= matches; unbind: every device gpuvfio manages).
 *
 * GPUVFIO_CMD_GET_CONFIG (do)
 *   request:  no attributes
 *   reply:    GPUVFIO_A_VERSION      NLA_NUL_STRING  module version
 *             GPUVFIO_A_IDS          NLA_NUL_STRING  the ids list, in the
 *                                                    format of ids=
 *             GPUVFIO_A_EXCLUDE      NLA_NUL_STRING  the exclude list
 *             GPUVFIO_A_MANAGED      NLA_U32         number of devices
 *                                                    gpuvfio manages
 *             GPUVFIO_A_STATS        NLA_NESTED      the module's counters
 *                                                    since it was loaded
 *                                                    (absent from modules
 *                                                    older than it):
 *               GPUVFIO_STATS_A_BINDS        NLA_U64  binds that moved
 *                                            devices (outcome DONE)
 *               GPUVFIO_STATS_A_UNBINDS      NLA_U64  unbinds that moved
 *                                            devices (outcome DONE)
 *               GPUVFIO_STATS_A_CLAIMS       NLA_U64  claims: claim
 *                                            transactions (load, ids
 *                                            written) that moved devices,
 *                                            and devices claimed as they
 *                                            appeared (each CLAIMED event)
 *               GPUVFIO_STATS_A_ROLLBACKS    NLA_U64  requests that failed
 *                                            and were rolled back
 *                                            completely (ROLLED_BACK)
 *               GPUVFIO_STATS_A_ROLLBACKS_INCOMPLETE NLA_U64  requests
 *                                            whose rollback stranded a
 *                                            device (ROLLBACK_INCOMPLETE)
 *               GPUVFIO_STATS_A_REFUSALS     NLA_U64  transactions refused
 *                                            before any change (REFUSED),
 *                                            dry runs included
 *               GPUVFIO_STATS_A_NOTHING      NLA_U64  requests already
 *                                            satisfied (NOTHING)
 *               GPUVFIO_STATS_A_DRY_RUNS     NLA_U64  dry runs that gave
 *                                            their plan (DRY_RUN)
 *               GPUVFIO_STATS_A_RUNNING      NLA_U32  transactions being
 *                                            committed now, pending ones
 *                                            included
 *               GPUVFIO_STATS_A_PENDING      NLA_U32  of those, how many are
 *                                            past their deadline
 *               GPUVFIO_STATS_A_LAST_NS      NLA_U64  how long the last
 *                                            request that ended took, from
 *                                            its arrival to its end, in
 *                                            nanoseconds (dry runs that
 *                                            gave their plan aside; absent
 *                                            before the first)
 *               GPUVFIO_STATS_A_LAST_OUTCOME NLA_U32  its enum
 *                                            gpuvfio_outcome (absent
 *                                            likewise)
 *             Every transaction counts once, when it ends, in binds,
 *             unbinds or claims (DONE, by its kind) or else by its
 *             outcome in one of rollbacks, rollbacks_incomplete,
 *             refusals, nothing, dry_runs. A request rejected before it
 *             became a transaction (malformed, an unknown or excluded
 *             target: the ACK's error only, no GPUVFIO_A_TXN) counts
 *             nowhere. (The tool's bind and unbind send a dry run before
 *             the request itself, and stop when it is refused.)
 *
 * GPUVFIO_CMD_SET_CONFIG (do, CAP_SYS_ADMIN)
 *   request:  GPUVFIO_A_IDS          NLA_NUL_STRING  new ids list (optional)
 *             GPUVFIO_A_EXCLUDE      NLA_NUL_STRING  new exclude list
 *                                                    (optional; one of
 *                                                    the two is required)
 *             GPUVFIO_A_TIMEOUT_MS   NLA_U32         optional: the deadline
 *                                                    of the claims, as in
 *                                                    BIND; only with IDS
 *   reply:    as GPUVFIO_CMD_GET_CONFIG. Lists are validated as a whole
 *             before either is applied (a new list also ends any dump in
 *             progress with NLM_F_DUMP_INTR). Devices a new ids list
 *             matches are claimed as at module load: the reply does not
 *             wait for them. Each group's claim is a transaction; unbound
 *             devices get the vfio-pci override before the reply is sent
 *             when the claim's plan can be made at once (when it must wait
 *             for another request or a device's lock, as its commit
 *             begins), and the rest (releasing host drivers, attaching
 *             vfio-pci) goes on in the kernel and is announced as events
 *             (CLAIMED, PENDING past the deadline, ROLLED_BACK, REFUSED).
 *
 * GPUVFIO_CMD_GET_DEVICE (do, dump)
 *   request:  GPUVFIO_A_ADDR         NLA_NUL_STRING  the device (do only;
 *                                                    required)
 *   reply:    GPUVFIO_A_DEVICE       NLA_NESTED      one device:
 *               GPUVFIO_DEV_A_ADDR          NLA_NUL_STRING
 *               GPUVFIO_DEV_A_VENDOR        NLA_U16
 *               GPUVFIO_DEV_A_DEVICE        NLA_U16
 *               GPUVFIO_DEV_A_SUBVENDOR     NLA_U16
 *               GPUVFIO_DEV_A_SUBDEVICE     NLA_U16
 *               GPUVFIO_DEV_A_CLASS         NLA_U32  24-bit class code
 *               GPUVFIO_DEV_A_GROUP         NLA_U32  IOMMU group (absent:
 *                                                    the device has none)
 *               GPUVFIO_DEV_A_DRIVER        NLA_NUL_STRING  bound driver,
 *                                           "" for none; absent while the
 *                                           device is busy (state BUSY)
 *               GPUVFIO_DEV_A_STATE         NLA_U32  enum gpuvfio_state
 *               GPUVFIO_DEV_A_MANAGED       NLA_FLAG gpuvfio parked it
 *               GPUVFIO_DEV_A_ORIG_DRIVER   NLA_NUL_STRING  managed only:
 *                                           the driver it came from
 *               GPUVFIO_DEV_A_ORIG_OVERRIDE NLA_NUL_STRING  managed only:
 *                                           its driver_override before
 *               GPUVFIO_DEV_A_BOOT_VGA      NLA_FLAG the boot VGA device
 *               GPUVFIO_DEV_A_MATCHED       NLA_FLAG ids= matches it
 *               GPUVFIO_DEV_A_EXCLUDED      NLA_FLAG exclude= names it
 *   A dump lists every PCI device. A dump that a change interrupted ends
 *   with NLM_F_DUMP_INTR set on its messages: read it again. Every dump
 *   message has room for the largest entry (up to 1 MiB; an entry holds
 *   a record's original override, up to a page): read with a buffer of
 *   64 KiB, or peek (MSG_PEEK | MSG_TRUNC) for a message's length.
 *
 * GPUVFIO_CMD_GET_GROUP (do, dump)
 *   request:  GPUVFIO_A_GROUP_ID     NLA_U32         the group (do only;
 *                                                    required)
 *   reply:    GPUVFIO_A_GROUP        NLA_NESTED      one IOMMU group:
 *               GPUVFIO_GROUP_A_ID          NLA_U32
 *               GPUVFIO_GROUP_A_VIABLE      NLA_FLAG no member is on a
 *                                           driver that does its own DMA:
 *                                           a VM can be given the group
 *               GPUVFIO_GROUP_A_VFIO_USER   NLA_FLAG a VFIO user (a VM)
 *                                           owns the group
 *               GPUVFIO_GROUP_A_BUSY        NLA_FLAG a bind or unbind is
 *                                           in progress (maybe pending)
 *             GPUVFIO_A_MEMBERS      NLA_NESTED      the members, each a
 *                                                    GPUVFIO_A_DEVICE nest
 *   A dump lists every IOMMU group, by id, and detects changes as above.
 *
 * GPUVFIO_CMD_BIND, GPUVFIO_CMD_UNBIND (do, CAP_SYS_ADMIN, a dry run too)
 *   request:  GPUVFIO_A_TARGETS      NLA_NESTED      required: one or more
 *               GPUVFIO_A_TARGET     NLA_NUL_STRING  a target (see above)
 *             GPUVFIO_A_FLAGS        NLA_U32         enum gpuvfio_flags
 *                                                    (a policy mask: other
 *                                                    bits are -EINVAL)
 *             GPUVFIO_A_TIMEOUT_MS   NLA_U32         the request's deadline:
 *                                                    1..3600000 ms from its
 *                                                    arrival, default 10000
 *   The handler never waits: it resolves the targets, plans the request
 *   without sleeping on anything another task holds, queues the commit
 *   and replies at once. When the plan can be made at once, the reply
 *   has every member and its fate, and a refusal, a dry run or "nothing
 *   to do" is final in the reply itself. A plan that has to wait (another
 *   request holds the group, a driver outside gpuvfio holds a device's
 *   lock, vfio-pci has to be loaded first) is made by the commit's
 *   worker, up to the deadline; the reply then says RUNNING with no
 *   members yet. The end of a RUNNING transaction is announced on
 *   "events" (BOUND, UNBOUND, ROLLED_BACK, ROLLBACK_INCOMPLETE, CLAIMED,
 *   or a refusal as ROLLED_BACK's sibling below) and can be read with
 *   GPUVFIO_CMD_GET_TXN. A caller that waits subscribes to "events"
 *   before it sends, and asks GET_TXN when it lost events (ENOBUFS) or
 *   when its own deadline passed.
 *   reply (sent whenever the targets could be resolved, also when the
 *   request is then refused; the error itself follows in the ACK, with an
 *   extended-ACK message):
 *             GPUVFIO_A_TXN          NLA_U32         the transaction's id,
 *                                                    as in its events
 *             GPUVFIO_A_OUTCOME      NLA_U32         enum gpuvfio_outcome
 *             GPUVFIO_A_ERRNO        NLA_U32         positive errno, 0
 *             GPUVFIO_A_MESSAGE      NLA_NUL_STRING  what happened, or why
 *                                                    not, in a sentence
 *             GPUVFIO_A_ELAPSED_NS   NLA_U64         time in the request
 *             GPUVFIO_A_WAIT_ADDR    NLA_NUL_STRING  pending: the device
 *                                                    whose driver blocks
 *             GPUVFIO_A_WAIT_DRIVER  NLA_NUL_STRING  pending: that driver
 *             GPUVFIO_A_MEMBERS      NLA_NESTED      every member of every
 *                                                    group involved, each a
 *                                                    GPUVFIO_A_DEVICE nest
 *                                                    with, in addition:
 *               GPUVFIO_DEV_A_ROLE          NLA_U32  enum gpuvfio_role
 *               GPUVFIO_DEV_A_FATE          NLA_U32  enum gpuvfio_fate
 *               GPUVFIO_DEV_A_FROM_DRIVER   NLA_NUL_STRING  driver when
 *                                           the request began
 *               GPUVFIO_DEV_A_TO_DRIVER     NLA_NUL_STRING  where it goes;
 *                                           "" for the kernel's default
 *                                           driver (unbind) or none yet
 *                                           (claim before vfio-pci loads)
 *               GPUVFIO_DEV_A_PROGRESS      NLA_U32  enum gpuvfio_progress
 *               GPUVFIO_DEV_A_ERRNO         NLA_U32  the step that failed
 *                                           on this device failed so
 *               GPUVFIO_DEV_A_T_OVERRIDE_NS NLA_U64  time per step, once
 *               GPUVFIO_DEV_A_T_RELEASE_NS  NLA_U64  the step has run
 *               GPUVFIO_DEV_A_T_ATTACH_NS   NLA_U64
 *   A commit whose driver remove or probe is still running at the
 *   deadline becomes PENDING (an event says so, naming the device and the
 *   driver waited on): the change goes on in the kernel, completes by
 *   itself when the holder lets the device go, and is announced by an
 *   event with the same GPUVFIO_A_TXN. A request on a group that another
 *   request holds waits for it up to the deadline, and then ends REFUSED
 *   with errno EBUSY having changed nothing.
 *
 * GPUVFIO_CMD_EVENT (multicast on "events" only; CAP_SYS_ADMIN to join
 * where the kernel has multicast group permissions, GENL_MCAST_CAP_*)
 *             GPUVFIO_A_EVENT        NLA_U32         enum gpuvfio_event
 *             GPUVFIO_A_TXN, _OUTCOME, _ERRNO, _MESSAGE, _ELAPSED_NS,
 *             _WAIT_ADDR, _WAIT_DRIVER, _MEMBERS as in the bind reply
 *             (CLAIMED of a device claimed as it appeared: no TXN, and
 *             GPUVFIO_A_MEMBERS holds the one device claimed; CLAIMED of
 *             a claim transaction (load, ids written): its report).
 *   A RUNNING transaction that is refused after all (its worker found
 *   the group busy past the deadline, vfio-pci could not be loaded)
 *   ends with GPUVFIO_EVENT_REFUSED.
 *
 * GPUVFIO_CMD_GET_TXN (do, CAP_SYS_ADMIN: a report tells what the
 * events tell, and they are root's)
 *   request:  GPUVFIO_A_TXN          NLA_U32         required
 *   reply:    as the bind reply: the transaction's state now (RUNNING,
 *             PENDING) or its end, with every member. A transaction is
 *             kept for GPUVFIO_TXN_KEEP_MS after it ends (at most the
 *             GPUVFIO_TXN_KEEP_MAX newest), then -ENOENT.
 */
#ifndef _UAPI_LINUX_GPUVFIO_H
#define _UAPI_LINUX_GPUVFIO_H

#define GPUVFIO_GENL_NAME	"gpuvfio"
#define GPUVFIO_GENL_VERSION	1
#define GPUVFIO_MCGRP_EVENTS	"events"

enum gpuvfio_cmd {
	GPUVFIO_CMD_UNSPEC,
	GPUVFIO_CMD_GET_CONFIG,
	GPUVFIO_CMD_SET_CONFIG,
	GPUVFIO_CMD_GET_DEVICE,
	GPUVFIO_CMD_GET_GROUP,
	GPUVFIO_CMD_BIND,
	GPUVFIO_CMD_UNBIND,
	GPUVFIO_CMD_EVENT,
	GPUVFIO_CMD_GET_TXN,
	__GPUVFIO_CMD_MAX
};
#define GPUVFIO_CMD_MAX (__GPUVFIO_CMD_MAX - 1)

enum gpuvfio_attr {
	GPUVFIO_A_UNSPEC,
	GPUVFIO_A_VERSION,
	GPUVFIO_A_IDS,
	GPUVFIO_A_EXCLUDE,
	GPUVFIO_A_MANAGED,
	GPUVFIO_A_ADDR,
	GPUVFIO_A_GROUP_ID,
	GPUVFIO_A_TARGETS,
	GPUVFIO_A_TARGET,
	GPUVFIO_A_FLAGS,
	GPUVFIO_A_TIMEOUT_MS,
	GPUVFIO_A_TXN,
	GPUVFIO_A_OUTCOME,
	GPUVFIO_A_ERRNO,
	GPUVFIO_A_MESSAGE,
	GPUVFIO_A_ELAPSED_NS,
	GPUVFIO_A_WAIT_ADDR,
	GPUVFIO_A_WAIT_DRIVER,
	GPUVFIO_A_DEVICE,
	GPUVFIO_A_GROUP,
	GPUVFIO_A_MEMBERS,
	GPUVFIO_A_EVENT,
	GPUVFIO_A_PAD,
	GPUVFIO_A_STATS,
	__GPUVFIO_A_MAX
};
#define GPUVFIO_A_MAX (__GPUVFIO_A_MAX - 1)

enum gpuvfio_dev_attr {
	GPUVFIO_DEV_A_UNSPEC,
	GPUVFIO_DEV_A_ADDR,
	GPUVFIO_DEV_A_VENDOR,
	GPUVFIO_DEV_A_DEVICE,
	GPUVFIO_DEV_A_SUBVENDOR,
	GPUVFIO_DEV_A_SUBDEVICE,
	GPUVFIO_DEV_A_CLASS,
	GPUVFIO_DEV_A_GROUP,
	GPUVFIO_DEV_A_DRIVER,
	GPUVFIO_DEV_A_STATE,
	GPUVFIO_DEV_A_MANAGED,
	GPUVFIO_DEV_A_ORIG_DRIVER,
	GPUVFIO_DEV_A_ORIG_OVERRIDE,
	GPUVFIO_DEV_A_BOOT_VGA,
	GPUVFIO_DEV_A_MATCHED,
	GPUVFIO_DEV_A_EXCLUDED,
	GPUVFIO_DEV_A_ROLE,
	GPUVFIO_DEV_A_FATE,
	GPUVFIO_DEV_A_FROM_DRIVER,
	GPUVFIO_DEV_A_TO_DRIVER,
	GPUVFIO_DEV_A_PROGRESS,
	GPUVFIO_DEV_A_ERRNO,
	GPUVFIO_DEV_A_T_OVERRIDE_NS,
	GPUVFIO_DEV_A_T_RELEASE_NS,
	GPUVFIO_DEV_A_T_ATTACH_NS,
	GPUVFIO_DEV_A_PAD,
	__GPUVFIO_DEV_A_MAX
};
#define GPUVFIO_DEV_A_MAX (__GPUVFIO_DEV_A_MAX - 1)

enum gpuvfio_group_attr {
	GPUVFIO_GROUP_A_UNSPEC,
	GPUVFIO_GROUP_A_ID,
	GPUVFIO_GROUP_A_VIABLE,
	GPUVFIO_GROUP_A_VFIO_USER,
	GPUVFIO_GROUP_A_BUSY,
	__GPUVFIO_GROUP_A_MAX
};
#define GPUVFIO_GROUP_A_MAX (__GPUVFIO_GROUP_A_MAX - 1)

/* GPUVFIO_A_STATS (see GPUVFIO_CMD_GET_CONFIG). */
enum gpuvfio_stats_attr {
	GPUVFIO_STATS_A_UNSPEC,
	GPUVFIO_STATS_A_BINDS,
	GPUVFIO_STATS_A_UNBINDS,
	GPUVFIO_STATS_A_CLAIMS,
	GPUVFIO_STATS_A_ROLLBACKS,
	GPUVFIO_STATS_A_ROLLBACKS_INCOMPLETE,
	GPUVFIO_STATS_A_REFUSALS,
	GPUVFIO_STATS_A_NOTHING,
	GPUVFIO_STATS_A_DRY_RUNS,
	GPUVFIO_STATS_A_RUNNING,
	GPUVFIO_STATS_A_PENDING,
	GPUVFIO_STATS_A_LAST_NS,
	GPUVFIO_STATS_A_LAST_OUTCOME,
	GPUVFIO_STATS_A_PAD,
	__GPUVFIO_STATS_A_MAX
};
#define GPUVFIO_STATS_A_MAX (__GPUVFIO_STATS_A_MAX - 1)

/* GPUVFIO_A_FLAGS of a bind or unbind. */
enum gpuvfio_flags {
	/* Plan only: reply with every member and its fate, change nothing. */
	GPUVFIO_F_DRY_RUN	= 1U << 0,
	/* Do not refuse a group a VFIO user (a VM) owns: vfio-pci's remove
	 * then waits for the VM to let go, and the request goes pending.
	 * (The tool sends it for --force, which also skips its own check
	 * for processes that hold the devices' nodes.) */
	GPUVFIO_F_FORCE		= 1U << 1,
	__GPUVFIO_F_ALL		= GPUVFIO_F_DRY_RUN | GPUVFIO_F_FORCE
};

/* GPUVFIO_DEV_A_STATE: where a device is, read from the device itself. */
enum gpuvfio_state {
	GPUVFIO_STATE_UNSPEC,
	GPUVFIO_STATE_UNBOUND,		/* no driver, no vfio-pci override */
	GPUVFIO_STATE_HOST,		/* on a driver other than vfio-pci */
	GPUVFIO_STATE_VFIO,		/* on vfio-pci */
	GPUVFIO_STATE_CLAIMED,		/* no driver yet, vfio-pci override
					 * set: vfio-pci binds it when it
					 * loads, no other driver can */
	GPUVFIO_STATE_BUSY,		/* a driver is being probed or removed
					 * outside gpuvfio */
	GPUVFIO_STATE_BINDING,		/* a bind is moving it (maybe pending) */
	GPUVFIO_STATE_UNBINDING,	/* an unbind is moving it */
	__GPUVFIO_STATE_MAX
};
#define GPUVFIO_STATE_MAX (__GPUVFIO_STATE_MAX - 1)

/* GPUVFIO_DEV_A_ROLE: a member's part in a request (see docs/switch.md). */
enum gpuvfio_role {
	GPUVFIO_ROLE_UNSPEC,
	GPUVFIO_ROLE_TARGET,		/* named by the request */
	GPUVFIO_ROLE_COMPANION,		/* another function of a target's slot */
	GPUVFIO_ROLE_NEUTRAL,		/* no driver, or one that leaves DMA to
					 * its owner: left as it is */
	GPUVFIO_ROLE_FOREIGN,		/* on a host driver: refuses the request */
	__GPUVFIO_ROLE_MAX
};
#define GPUVFIO_ROLE_MAX (__GPUVFIO_ROLE_MAX - 1)

/* GPUVFIO_DEV_A_FATE: what the request does with a member. */
enum gpuvfio_fate {
	GPUVFIO_FATE_UNSPEC,
	GPUVFIO_FATE_MOVE,		/* moves from FROM_DRIVER to TO_DRIVER */
	GPUVFIO_FATE_STAY,		/* not touched */
	GPUVFIO_FATE_ALREADY,		/* already where the request wants it */
	GPUVFIO_FATE_BLOCKS,		/* refuses the request (foreign,
					 * excluded, bridge, VFIO user) */
	__GPUVFIO_FATE_MAX
};
#define GPUVFIO_FATE_MAX (__GPUVFIO_FATE_MAX - 1)

/* GPUVFIO_DEV_A_PROGRESS: how far a moving member got. */
enum gpuvfio_progress {
	GPUVFIO_PROGRESS_UNSPEC,
	GPUVFIO_PROGRESS_WAITING,	/* not started */
	GPUVFIO_PROGRESS_OVERRIDE,	/* setting driver_override */
	GPUVFIO_PROGRESS_RELEASE,	/* its driver is being removed */
	GPUVFIO_PROGRESS_ATTACH,	/* the new driver is probing it */
	GPUVFIO_PROGRESS_DONE,		/* moved */
	GPUVFIO_PROGRESS_ROLLED_BACK,	/* returned to where it was */
	GPUVFIO_PROGRESS_STRANDED,	/* the rollback could not give it its
					 * driver back: left without one (its
					 * record stays: unbind retries) */
	__GPUVFIO_PROGRESS_MAX
};
#define GPUVFIO_PROGRESS_MAX (__GPUVFIO_PROGRESS_MAX - 1)

/* GPUVFIO_A_OUTCOME of a bind or unbind. */
enum gpuvfio_outcome {
	GPUVFIO_OUTCOME_UNSPEC,
	GPUVFIO_OUTCOME_DONE,		/* every device moved */
	GPUVFIO_OUTCOME_NOTHING,	/* already satisfied: nothing to do */
	GPUVFIO_OUTCOME_DRY_RUN,	/* the plan; nothing changed */
	GPUVFIO_OUTCOME_REFUSED,	/* refused before any change */
	GPUVFIO_OUTCOME_ROLLED_BACK,	/* a step failed; every device went
					 * back to where it was */
	GPUVFIO_OUTCOME_PENDING,	/* past the deadline; goes on in the
					 * kernel, an event tells the end */
	GPUVFIO_OUTCOME_RUNNING,	/* queued or committing, before its
					 * deadline: an event tells the end */
	GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE, /* a step failed and the rollback
					 * could not give every device its
					 * driver back: see the members whose
					 * progress is STRANDED */
	__GPUVFIO_OUTCOME_MAX
};
#define GPUVFIO_OUTCOME_MAX (__GPUVFIO_OUTCOME_MAX - 1)

/* GPUVFIO_A_EVENT. */
enum gpuvfio_event {
	GPUVFIO_EVENT_UNSPEC,
	GPUVFIO_EVENT_BOUND,		/* a bind completed */
	GPUVFIO_EVENT_UNBOUND,		/* an unbind completed */
	GPUVFIO_EVENT_ROLLED_BACK,	/* a bind or unbind failed and was
					 * rolled back */
	GPUVFIO_EVENT_PENDING,		/* a request returned to its caller
					 * before its change completed */
	GPUVFIO_EVENT_CLAIMED,		/* a device that appeared (hotplug,
					 * rescan) was claimed, or a claim
					 * transaction completed */
	GPUVFIO_EVENT_ROLLBACK_INCOMPLETE, /* a bind or unbind failed and a
					 * device could not be given back */
	GPUVFIO_EVENT_REFUSED,		/* a RUNNING transaction was refused
					 * before it changed anything */
	__GPUVFIO_EVENT_MAX
};
#define GPUVFIO_EVENT_MAX (__GPUVFIO_EVENT_MAX - 1)

/* Longest ids= or exclude= list, in bytes including the NUL. */
#define GPUVFIO_LIST_MAX	4096
/* Longest target string, in bytes including the NUL. */
#define GPUVFIO_TARGET_MAX	64
/* Most targets in one request. */
#define GPUVFIO_TARGETS_MAX	64
/* Default and longest timeout of a bind or unbind. */
#define GPUVFIO_TIMEOUT_DEFAULT_MS	10000
#define GPUVFIO_TIMEOUT_MAX_MS		3600000
/* How long an ended transaction stays readable with GPUVFIO_CMD_GET_TXN,
 * and how many ended ones are kept at most. */
#define GPUVFIO_TXN_KEEP_MS		60000
#define GPUVFIO_TXN_KEEP_MAX		256

#endif /* _UAPI_LINUX_GPUVFIO_H */
