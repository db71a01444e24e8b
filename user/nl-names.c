// SPDX-License-Identifier: GPL-2.0
/*
 * Names of the protocol's values: the UAPI's own names of commands and
 * attributes (for messages: "attribute GPUVFIO_A_TARGET #2 in
 * GPUVFIO_A_TARGETS"), and the words the tool prints for its enums, which
 * JSON uses too. One table each; they grow with
 * include/uapi/linux/gpuvfio.h.
 */
#include "nl.h"

/* The UAPI's names, one row per value. */
#define NAME(x) [x] = #x

static const char *const gpuvfio_cmd_names[GPUVFIO_CMD_MAX + 1] = {
	NAME(GPUVFIO_CMD_GET_CONFIG),
	NAME(GPUVFIO_CMD_SET_CONFIG),
	NAME(GPUVFIO_CMD_GET_DEVICE),
	NAME(GPUVFIO_CMD_GET_GROUP),
	NAME(GPUVFIO_CMD_BIND),
	NAME(GPUVFIO_CMD_UNBIND),
	NAME(GPUVFIO_CMD_EVENT),
	NAME(GPUVFIO_CMD_GET_TXN),
};

static const char *const gpuvfio_attr_names[GPUVFIO_A_MAX + 1] = {
	NAME(GPUVFIO_A_VERSION),
	NAME(GPUVFIO_A_IDS),
	NAME(GPUVFIO_A_EXCLUDE),
	NAME(GPUVFIO_A_MANAGED),
	NAME(GPUVFIO_A_ADDR),
	NAME(GPUVFIO_A_GROUP_ID),
	NAME(GPUVFIO_A_TARGETS),
	NAME(GPUVFIO_A_TARGET),
	NAME(GPUVFIO_A_FLAGS),
	NAME(GPUVFIO_A_TIMEOUT_MS),
	NAME(GPUVFIO_A_TXN),
	NAME(GPUVFIO_A_OUTCOME),
	NAME(GPUVFIO_A_ERRNO),
	NAME(GPUVFIO_A_MESSAGE),
	NAME(GPUVFIO_A_ELAPSED_NS),
	NAME(GPUVFIO_A_WAIT_ADDR),
	NAME(GPUVFIO_A_WAIT_DRIVER),
	NAME(GPUVFIO_A_DEVICE),
	NAME(GPUVFIO_A_GROUP),
	NAME(GPUVFIO_A_MEMBERS),
	NAME(GPUVFIO_A_EVENT),
	NAME(GPUVFIO_A_PAD),
	NAME(GPUVFIO_A_STATS),
};

static const char *const gpuvfio_dev_attr_names[GPUVFIO_DEV_A_MAX + 1] = {
	NAME(GPUVFIO_DEV_A_ADDR),
	NAME(GPUVFIO_DEV_A_VENDOR),
	NAME(GPUVFIO_DEV_A_DEVICE),
	NAME(GPUVFIO_DEV_A_SUBVENDOR),
	NAME(GPUVFIO_DEV_A_SUBDEVICE),
	NAME(GPUVFIO_DEV_A_CLASS),
	NAME(GPUVFIO_DEV_A_GROUP),
	NAME(GPUVFIO_DEV_A_DRIVER),
	NAME(GPUVFIO_DEV_A_STATE),
	NAME(GPUVFIO_DEV_A_MANAGED),
	NAME(GPUVFIO_DEV_A_ORIG_DRIVER),
	NAME(GPUVFIO_DEV_A_ORIG_OVERRIDE),
	NAME(GPUVFIO_DEV_A_BOOT_VGA),
	NAME(GPUVFIO_DEV_A_MATCHED),
	NAME(GPUVFIO_DEV_A_EXCLUDED),
	NAME(GPUVFIO_DEV_A_ROLE),
	NAME(GPUVFIO_DEV_A_FATE),
	NAME(GPUVFIO_DEV_A_FROM_DRIVER),
	NAME(GPUVFIO_DEV_A_TO_DRIVER),
	NAME(GPUVFIO_DEV_A_PROGRESS),
	NAME(GPUVFIO_DEV_A_ERRNO),
	NAME(GPUVFIO_DEV_A_T_OVERRIDE_NS),
	NAME(GPUVFIO_DEV_A_T_RELEASE_NS),
	NAME(GPUVFIO_DEV_A_T_ATTACH_NS),
	NAME(GPUVFIO_DEV_A_PAD),
};

static const char *const gpuvfio_group_attr_names[GPUVFIO_GROUP_A_MAX + 1] = {
	NAME(GPUVFIO_GROUP_A_ID),
	NAME(GPUVFIO_GROUP_A_VIABLE),
	NAME(GPUVFIO_GROUP_A_VFIO_USER),
	NAME(GPUVFIO_GROUP_A_BUSY),
};

#undef NAME

#define LOOKUP(table, v) \
	((v) < sizeof(table) / sizeof((table)[0]) ? (table)[v] : NULL)

const char *gv_nl_attr_name(int type)
{
	return type < 0 ? NULL : LOOKUP(gpuvfio_attr_names, (unsigned int)type);
}

const char *gv_nl_dev_attr_name(int type)
{
	return type < 0 ? NULL : LOOKUP(gpuvfio_dev_attr_names, (unsigned int)type);
}

const char *gv_nl_group_attr_name(int type)
{
	return type < 0 ? NULL : LOOKUP(gpuvfio_group_attr_names, (unsigned int)type);
}

const char *gv_nl_cmd_name(unsigned int cmd)
{
	return LOOKUP(gpuvfio_cmd_names, cmd);
}

/* The words the tool prints for the protocol's enums; JSON uses them too
 * (docs/json.md), so they never change. */
static const char *const state_names[] = {
	[GPUVFIO_STATE_UNBOUND]		= "unbound",
	[GPUVFIO_STATE_HOST]		= "host",
	[GPUVFIO_STATE_VFIO]		= "vfio",
	[GPUVFIO_STATE_CLAIMED]		= "claimed",
	[GPUVFIO_STATE_BUSY]		= "busy",
	[GPUVFIO_STATE_BINDING]		= "binding",
	[GPUVFIO_STATE_UNBINDING]	= "unbinding",
};

static const char *const role_names[] = {
	[GPUVFIO_ROLE_TARGET]		= "target",
	[GPUVFIO_ROLE_COMPANION]	= "companion",
	[GPUVFIO_ROLE_NEUTRAL]		= "neutral",
	[GPUVFIO_ROLE_FOREIGN]		= "foreign",
};

static const char *const fate_names[] = {
	[GPUVFIO_FATE_MOVE]		= "move",
	[GPUVFIO_FATE_STAY]		= "stay",
	[GPUVFIO_FATE_ALREADY]		= "already",
	[GPUVFIO_FATE_BLOCKS]		= "blocks",
};

static const char *const progress_names[] = {
	[GPUVFIO_PROGRESS_WAITING]	= "waiting",
	[GPUVFIO_PROGRESS_OVERRIDE]	= "override",
	[GPUVFIO_PROGRESS_RELEASE]	= "release",
	[GPUVFIO_PROGRESS_ATTACH]	= "attach",
	[GPUVFIO_PROGRESS_DONE]		= "done",
	[GPUVFIO_PROGRESS_ROLLED_BACK]	= "rolled_back",
	[GPUVFIO_PROGRESS_STRANDED]	= "stranded",
};

static const char *const outcome_names[] = {
	[GPUVFIO_OUTCOME_DONE]		= "done",
	[GPUVFIO_OUTCOME_NOTHING]	= "nothing",
	[GPUVFIO_OUTCOME_DRY_RUN]	= "dry_run",
	[GPUVFIO_OUTCOME_REFUSED]	= "refused",
	[GPUVFIO_OUTCOME_ROLLED_BACK]	= "rolled_back",
	[GPUVFIO_OUTCOME_PENDING]	= "pending",
	[GPUVFIO_OUTCOME_RUNNING]	= "running",
	[GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE] = "rollback_incomplete",
};

static const char *const event_names[] = {
	[GPUVFIO_EVENT_BOUND]		= "bound",
	[GPUVFIO_EVENT_UNBOUND]		= "unbound",
	[GPUVFIO_EVENT_ROLLED_BACK]	= "rolled_back",
	[GPUVFIO_EVENT_PENDING]		= "pending",
	[GPUVFIO_EVENT_CLAIMED]		= "claimed",
	[GPUVFIO_EVENT_ROLLBACK_INCOMPLETE] = "rollback_incomplete",
	[GPUVFIO_EVENT_REFUSED]		= "refused",
};

const char *gv_nl_state_name(uint32_t v) { return LOOKUP(state_names, v); }
const char *gv_nl_role_name(uint32_t v) { return LOOKUP(role_names, v); }
const char *gv_nl_fate_name(uint32_t v) { return LOOKUP(fate_names, v); }
const char *gv_nl_progress_name(uint32_t v) { return LOOKUP(progress_names, v); }
const char *gv_nl_outcome_name(uint32_t v) { return LOOKUP(outcome_names, v); }
const char *gv_nl_event_name(uint32_t v) { return LOOKUP(event_names, v); }
