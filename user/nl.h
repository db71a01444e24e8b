/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink side of the tool: one socket, the family resolved
 * once together with the list of operations the loaded module knows, one
 * request function that every command goes through, and the one place
 * where extended ACKs are parsed and printed ("kernel reports: ...").
 *
 * Adding a command: a put() that adds its attributes, a reply() that reads
 * them, and a small wrapper like gv_nl_get_config().
 */
#ifndef GV_NL_H
#define GV_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "gpuvfio.h"

struct gv_nl;
struct nl_msg;
struct nlattr;

/*
 * Connects and resolves the gpuvfio family. -ENOENT: the family is not
 * registered (the module is not loaded). Other -errno: no netlink.
 */
int gv_nl_open(struct gv_nl **nl);
/* The same for any generic netlink family (tests resolve "nlctrl"). */
int gv_nl_open_family(struct gv_nl **nl, const char *family);
void gv_nl_close(struct gv_nl *nl);

/* Whether the loaded module has this command. */
bool gv_nl_has_op(const struct gv_nl *nl, uint8_t cmd);
int gv_nl_family_id(const struct gv_nl *nl);
uint32_t gv_nl_family_version(const struct gv_nl *nl);

/* Adds the request's attributes; 0 or -errno. */
typedef int (*gv_nl_put_fn)(struct nl_msg *msg, void *arg);
/* Gets each reply's attributes, tb[0..GPUVFIO_A_MAX], checked against the
 * reply policy; 0 or -errno (the first error is returned by the request). */
typedef int (*gv_nl_reply_fn)(struct nlattr **tb, void *arg);

/*
 * Sends cmd to the family (flags: 0 for a do, NLM_F_DUMP for a dump) and
 * waits for the last reply. put (may be NULL) and reply both get arg. Returns 0 or -errno: the kernel's error, the
 * callbacks', or -ENOSYS when the module does not know cmd (it is older
 * than the tool), in which case nothing is sent. The kernel's
 * extended-ACK message, if any, has been printed on stderr.
 */
int gv_nl_request(struct gv_nl *nl, uint8_t cmd, uint16_t flags,
		  gv_nl_put_fn put, gv_nl_reply_fn reply, void *arg);

/* The message of the last extended ACK, or NULL. */
const char *gv_nl_last_message(const struct gv_nl *nl);

/* GPUVFIO_CMD_GET_CONFIG. */
int gv_nl_get_config(struct gv_nl *nl, struct gv_config *cfg);

/* The contents of an extended ACK (NLMSG_ERROR, or NLMSG_DONE of a dump). */
struct gv_ext_ack {
	int error;		/* 0 or -errno */
	const char *msg;	/* NLMSGERR_ATTR_MSG, in the message; or NULL */
	bool has_offset;
	uint32_t offset;	/* NLMSGERR_ATTR_OFFS */
	int bad_attr;		/* type of the attribute at offset, or -1 */
	int missing_attr;	/* NLMSGERR_ATTR_MISS_TYPE, or -1 */
};

/*
 * Parses nlh (nlh->nlmsg_len bytes). When req, the request it answers, is
 * given, bad_attr is looked up there. 0, or -EINVAL for a malformed message.
 */
int gv_nl_parse_ext_ack(const struct nlmsghdr *nlh, const struct nlmsghdr *req,
			struct gv_ext_ack *ack);

/* "kernel reports: <msg> (attribute X)", naming attributes with attr_name
 * (may be NULL, or return NULL: numbers are used). snprintf-like. */
int gv_nl_format_ext_ack(char *buf, size_t size, const struct gv_ext_ack *ack,
			 const char *(*attr_name)(int type));

/* "GPUVFIO_A_IDS" for GPUVFIO_A_IDS; NULL for unknown types. */
const char *gv_nl_attr_name(int type);

#endif /* GV_NL_H */
