/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink side of the tool, one concern per file:
 *
 *   nl.c        the socket: the family resolved once together with the
 *               list of operations the loaded module knows and its
 *               multicast groups, one request function that every command
 *               goes through, the commands, the events socket
 *   nl-ack.c    extended ACKs, parsed and formatted ("kernel reports: ...")
 *   nl-parse.c  replies and events read by pure functions over a buffer
 *               (gv_nl_parse_msg(), gv_nl_parse_result(), ...): they take
 *               any bytes without harm, and are unit-tested and fuzzed
 *               (tests/fuzz/)
 *   nl-names.c  names of commands, attributes and enum values
 *   nl-txn.c    waiting for a transaction's end: its events, and
 *               GPUVFIO_CMD_GET_TXN when they cannot tell
 *
 * This is the one public header; nl-internal.h is shared by those files
 * only.
 *
 * Adding a command: a put() that adds its attributes, a reply() that reads
 * them, and a small wrapper like gv_nl_get_config().
 */
#ifndef GV_NL_H
#define GV_NL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <linux/netlink.h>

#include "gpuvfio.h"

struct gv_nl;
struct nl_msg;
struct nlattr;

/*
 * Connects and resolves the gpuvfio family. -ENOENT: the family is not
 * registered (the module is not loaded). Other -errno: no netlink.
 * Resolving a family the kernel does not have makes it try to load the
 * module that provides it: callers check gv_module_loaded() first.
 */
int gv_nl_open(struct gv_nl **nl);
/* The same for any generic netlink family (tests resolve "nlctrl"). */
int gv_nl_open_family(struct gv_nl **nl, const char *family);
void gv_nl_close(struct gv_nl *nl);

/* Whether the loaded module has this command. */
bool gv_nl_has_op(const struct gv_nl *nl, uint8_t cmd);
int gv_nl_family_id(const struct gv_nl *nl);
uint32_t gv_nl_family_version(const struct gv_nl *nl);

/*
 * Whether the module has cmd; if not, says on stderr "the loaded gpuvfio
 * module (version X) is too old for `what`: it has no GPUVFIO_CMD_Y;
 * update it".
 */
bool gv_nl_require_op(struct gv_nl *nl, uint8_t cmd, const char *what);

/* "GPUVFIO_CMD_BIND"; NULL for unknown commands. */
const char *gv_nl_cmd_name(unsigned int cmd);

/*
 * Quiet: extended-ACK messages are kept (gv_nl_last_message(),
 * gv_nl_last_ack_text()) but not printed; for commands that print the
 * kernel's sentence themselves.
 */
void gv_nl_set_quiet(struct gv_nl *nl, bool quiet);

/* Adds the request's attributes; 0 or -errno. */
typedef int (*gv_nl_put_fn)(struct nl_msg *msg, void *arg);
/* Gets each reply's attributes, tb[0..GPUVFIO_A_MAX] (see
 * gv_nl_parse_msg()); 0 or -errno (the first error is returned by the
 * request). */
typedef int (*gv_nl_reply_fn)(const struct nlattr **tb, void *arg);

/*
 * Sends cmd to the family (flags: 0 for a do, NLM_F_DUMP for a dump) and
 * waits for the last reply. put (may be NULL) and reply both get arg.
 * Returns 0 or -errno: the kernel's error, the callbacks', -ENOSYS when
 * the module does not know cmd (it is older than the tool; nothing is
 * sent), or -EINTR when a dump was interrupted by a change
 * (NLM_F_DUMP_INTR: read it again). Unless quiet, the kernel's
 * extended-ACK message, if any, has been printed on stderr.
 */
int gv_nl_request(struct gv_nl *nl, uint8_t cmd, uint16_t flags,
		  gv_nl_put_fn put, gv_nl_reply_fn reply, void *arg);

/* The last extended ACK formatted ("kernel reports: ..."), or NULL. */
const char *gv_nl_last_message(const struct gv_nl *nl);
/* The last extended ACK's own text (NLMSGERR_ATTR_MSG), or NULL. */
const char *gv_nl_last_ack_text(const struct gv_nl *nl);

/* ---- Replies as plain C ------------------------------------------------ */

#define GV_NL_ADDR_LEN	32	/* a PCI address with room to spare */
#define GV_NL_NAME_LEN	64	/* driver names */
#define GV_NL_OVERRIDE_LEN 4096	/* a driver_override: any length the
				 * kernel accepts (less than a page) */
#define GV_NL_MSG_LEN	1024	/* the kernel's sentences */

/* A GPUVFIO_A_DEVICE nest; has_* say whether an attribute was there. */
struct gv_nl_dev {
	char addr[GV_NL_ADDR_LEN];
	bool has_ids;
	uint16_t vendor, device;
	bool has_subsys;
	uint16_t subvendor, subdevice;
	bool has_class;
	uint32_t class;			/* 24 bits */
	int64_t group;			/* -1: none */
	bool has_driver;		/* absent while the device is busy */
	char driver[GV_NL_NAME_LEN];	/* "" for none */
	uint32_t state;			/* enum gpuvfio_state, 0 if absent */
	bool managed, boot_vga, matched, excluded;
	char orig_driver[GV_NL_NAME_LEN];
	char orig_override[GV_NL_OVERRIDE_LEN];
	/* In a bind or unbind reply or an event: */
	uint32_t role;			/* enum gpuvfio_role, 0 if absent */
	uint32_t fate;			/* enum gpuvfio_fate */
	bool has_from, has_to;
	char from_driver[GV_NL_NAME_LEN];
	char to_driver[GV_NL_NAME_LEN];
	uint32_t progress;		/* enum gpuvfio_progress */
	uint32_t err;			/* positive errno, 0 */
	bool has_t_override, has_t_release, has_t_attach;
	uint64_t t_override_ns, t_release_ns, t_attach_ns;
};

/* A GPUVFIO_CMD_GET_GROUP reply. */
struct gv_nl_group {
	uint32_t id;
	bool viable, vfio_user, busy;
	struct gv_nl_dev *members;
	size_t nmembers;
};

/* A bind or unbind reply, a GET_TXN report, or an event (then event is
 * set). */
struct gv_nl_result {
	bool received;			/* a reply came (gv_nl_switch()) */
	uint32_t event;			/* enum gpuvfio_event; 0 in a reply */
	bool has_txn;
	uint32_t txn;
	uint32_t outcome;		/* enum gpuvfio_outcome */
	uint32_t err;			/* positive errno, 0 */
	char message[GV_NL_MSG_LEN];
	bool has_elapsed;
	uint64_t elapsed_ns;
	char wait_addr[GV_NL_ADDR_LEN];	/* "" unless pending */
	char wait_driver[GV_NL_NAME_LEN];
	struct gv_nl_dev *members;
	size_t nmembers;
};

/*
 * Splits the attributes in buf[0..len) (4-byte aligned) into
 * tb[0..max]: tb[type] is the last attribute of that type, NULL when
 * absent; types above max are skipped. -EPROTO for a malformed stream.
 */
int gv_nl_parse_attrs(const void *buf, size_t len, const struct nlattr **tb,
		      int max);
/*
 * The same for a whole generic netlink message of len bytes (its
 * nlmsg_len must fit): tb[0..GPUVFIO_A_MAX]; *cmd (may be NULL) gets the
 * genl command. -EPROTO when malformed.
 */
int gv_nl_parse_msg(const struct nlmsghdr *nlh, size_t len,
		    const struct nlattr **tb, uint8_t *cmd);
/* One GPUVFIO_A_DEVICE nest. -EPROTO: malformed, or no address. */
int gv_nl_parse_dev(const struct nlattr *nest, struct gv_nl_dev *d);
/* The GPUVFIO_A_DEVICE nests in a GPUVFIO_A_MEMBERS nest, in a new array
 * (*devs NULL when *n is 0). 0, -EPROTO or -ENOMEM. */
int gv_nl_parse_members(const struct nlattr *nest, struct gv_nl_dev **devs,
			size_t *n);
/* A bind/unbind reply or an event, from its tb. 0, -EPROTO or -ENOMEM;
 * free with gv_nl_result_free() either way. */
int gv_nl_parse_result(const struct nlattr **tb, struct gv_nl_result *r);
void gv_nl_result_free(struct gv_nl_result *r);
/* A copy of src with its own members. 0, or -ENOMEM (dst then has no
 * members). Free dst with gv_nl_result_free(). */
int gv_nl_result_copy(struct gv_nl_result *dst, const struct gv_nl_result *src);
/* A GET_GROUP reply. Free with gv_nl_group_free() either way. */
int gv_nl_parse_group(const struct nlattr **tb, struct gv_nl_group *g);
void gv_nl_group_free(struct gv_nl_group *g);
/* A GET_CONFIG or SET_CONFIG reply. 0 or -EPROTO. */
int gv_nl_parse_config(const struct nlattr **tb, struct gv_config *cfg);

/* Names of enum values as the tool prints them ("binding", "companion",
 * "move", "stranded", "running", "rollback_incomplete", "refused"); NULL
 * when the value is unknown to this version. */
const char *gv_nl_state_name(uint32_t v);
const char *gv_nl_role_name(uint32_t v);
const char *gv_nl_fate_name(uint32_t v);
const char *gv_nl_progress_name(uint32_t v);
const char *gv_nl_outcome_name(uint32_t v);
const char *gv_nl_event_name(uint32_t v);

/* ---- Commands ---------------------------------------------------------- */

/* GPUVFIO_CMD_GET_CONFIG. */
int gv_nl_get_config(struct gv_nl *nl, struct gv_config *cfg);
/* GPUVFIO_CMD_SET_CONFIG; ids or exclude may be NULL (left as they are).
 * cfg gets the reply. */
int gv_nl_set_config(struct gv_nl *nl, const char *ids, const char *exclude,
		     struct gv_config *cfg);

/* GPUVFIO_CMD_GET_DEVICE dump, read again (up to 3 times) while a change
 * interrupts it. Free *devs with free(). */
int gv_nl_dump_devices(struct gv_nl *nl, struct gv_nl_dev **devs, size_t *n);
/* GPUVFIO_CMD_GET_GROUP dump, likewise. Free with gv_nl_groups_free(). */
int gv_nl_dump_groups(struct gv_nl *nl, struct gv_nl_group **groups,
		      size_t *n);
void gv_nl_groups_free(struct gv_nl_group *groups, size_t n);

struct gv_nl_switch_req {
	bool bind;			/* false: unbind */
	const char *const *targets;	/* canonical target strings */
	unsigned int ntargets;
	uint32_t flags;			/* enum gpuvfio_flags */
	uint32_t timeout_ms;		/* 0: the kernel's default */
};

/*
 * GPUVFIO_CMD_BIND or GPUVFIO_CMD_UNBIND. res gets the reply when one came
 * (res->received); the return value is the ACK's error: 0 or -errno (also
 * -ENOSYS, see gv_nl_request()). Free res with gv_nl_result_free().
 */
int gv_nl_switch(struct gv_nl *nl, const struct gv_nl_switch_req *req,
		 struct gv_nl_result *res);

/*
 * GPUVFIO_CMD_GET_TXN: transaction txn as it is now (RUNNING, PENDING) or
 * its end, a report like gv_nl_switch()'s (res->received set). 0,
 * -ENOENT when the module does not know txn (never did, or it ended more
 * than GPUVFIO_TXN_KEEP_MS ago), -ENOSYS when the module has no
 * GET_TXN, other -errno. Free res with gv_nl_result_free().
 */
int gv_nl_get_txn(struct gv_nl *nl, uint32_t txn, struct gv_nl_result *res);

/*
 * Joins the "events" multicast group. -ENOENT: the module has none;
 * -EPERM: the kernel lets only CAP_SYS_ADMIN join it. The socket is then
 * for events only: no more requests on it.
 */
int gv_nl_subscribe_events(struct gv_nl *nl);
/* The socket's descriptor, for poll(). */
int gv_nl_fd(const struct gv_nl *nl);
typedef void (*gv_nl_event_fn)(const struct gv_nl_result *ev, void *arg);
/*
 * Reads what is waiting on the socket without blocking and calls fn for
 * each event. 0; -EAGAIN when nothing was waiting; -ENOBUFS when events
 * were lost (the socket's buffer overflowed); other -errno.
 */
int gv_nl_read_events(struct gv_nl *nl, gv_nl_event_fn fn, void *arg);

/* ---- Transactions ------------------------------------------------------ */

/* Where a transaction is, as a report or an event tells it. */
enum gv_nl_txn_state {
	GV_NL_TXN_OTHER,	/* an event that says nothing of it */
	GV_NL_TXN_RUNNING,	/* queued or committing, before its deadline */
	GV_NL_TXN_PENDING,	/* past its deadline, still going on */
	GV_NL_TXN_FINAL,	/* ended: its outcome is final */
};

/*
 * A report's outcome (a reply, GET_TXN): RUNNING and PENDING as such,
 * FINAL for any other, an outcome this version does not know included
 * (the tool could not tell when such a transaction ends).
 */
enum gv_nl_txn_state gv_nl_outcome_state(uint32_t outcome);
/*
 * An event, to one who waits for transaction txn: OTHER unless it has
 * that GPUVFIO_A_TXN. Then FINAL for the events that end a transaction
 * (bound, unbound, rolled_back, rollback_incomplete, refused, and claimed
 * of a claim transaction), PENDING for pending; an event this version
 * does not know counts by its outcome when that is known, else as OTHER.
 */
enum gv_nl_txn_state gv_nl_event_state(const struct gv_nl_result *ev,
				       uint32_t txn);
/* The outcome an event reports: its GPUVFIO_A_OUTCOME, or, when the
 * module sent none, the one its kind implies (bound: done, ...). */
uint32_t gv_nl_event_outcome(const struct gv_nl_result *ev);

/*
 * Waits for the end of transaction txn, whose request has been answered
 * RUNNING or PENDING. events is a socket that joined "events" before the
 * request was sent (NULL when none could: GET_TXN is then asked every
 * GV_NL_TXN_POLL_MS), nl a request socket; deadline is on
 * CLOCK_MONOTONIC; while it waits, the signal mask is sigmask (NULL: as
 * it is), so that a signal blocked otherwise ends the wait (ppoll()).
 *
 * The first event of txn that is FINAL or PENDING (gv_nl_event_state())
 * ends the wait; a final one wins over a pending one read with it. When
 * events were lost (ENOBUFS), GET_TXN is asked: its report ends the wait
 * unless it is RUNNING, which is waited on. When the deadline passes,
 * GET_TXN is asked, and its report (RUNNING and PENDING included) ends
 * the wait.
 *
 * Returns 0 with res holding the report (an event's: res->event set, its
 * outcome filled in by gv_nl_event_outcome(); or GET_TXN's), whose
 * gv_nl_outcome_state() the caller judges by; -EINTR when a signal came;
 * GET_TXN's -ENOENT, or its -ENOSYS (a module without it: after lost
 * events, the wait still goes on for the event, up to the deadline);
 * other -errno. Free res with gv_nl_result_free() either way.
 */
#define GV_NL_TXN_POLL_MS	200
int gv_nl_wait_txn(struct gv_nl *events, struct gv_nl *nl, uint32_t txn,
		   const struct timespec *deadline, const sigset_t *sigmask,
		   struct gv_nl_result *res);

/* ---- Extended ACKs ----------------------------------------------------- */

/* The contents of an extended ACK (NLMSG_ERROR, or NLMSG_DONE of a dump). */
struct gv_ext_ack {
	int error;		/* 0 or -errno */
	const char *msg;	/* NLMSGERR_ATTR_MSG, in the message; or NULL */
	bool has_offset;
	uint32_t offset;	/* NLMSGERR_ATTR_OFFS */
	int bad_attr;		/* type of the attribute at offset, or -1 */
	int bad_parent;		/* type of the nest holding it, or -1 */
	unsigned int bad_index;	/* 1-based position among its siblings of
				 * the same type, when bad_parent >= 0 */
	int missing_attr;	/* NLMSGERR_ATTR_MISS_TYPE, or -1 */
	int missing_nest;	/* type of the nest at NLMSGERR_ATTR_MISS_NEST,
				 * or -1 */
};

/*
 * Parses nlh (nlh->nlmsg_len bytes). When req, the request it answers, is
 * given (a generic netlink message), bad_attr, bad_parent and
 * missing_nest are looked up there. 0, or -EINVAL for a malformed message.
 */
int gv_nl_parse_ext_ack(const struct nlmsghdr *nlh, const struct nlmsghdr *req,
			struct gv_ext_ack *ack);

/* "kernel reports: <msg> (attribute X)", or "(attribute X #2 in Y)" for
 * a nested one, naming attributes with attr_name (may be NULL, or return
 * NULL: numbers are used). snprintf-like. */
int gv_nl_format_ext_ack(char *buf, size_t size, const struct gv_ext_ack *ack,
			 const char *(*attr_name)(int type));

/* "GPUVFIO_A_IDS" for GPUVFIO_A_IDS; NULL for unknown types. */
const char *gv_nl_attr_name(int type);
/* The same for the nested sets. */
const char *gv_nl_dev_attr_name(int type);
const char *gv_nl_group_attr_name(int type);

#endif /* GV_NL_H */
