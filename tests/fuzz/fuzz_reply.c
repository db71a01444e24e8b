// SPDX-License-Identifier: GPL-2.0
/*
 * What comes from the kernel: the input is taken as one netlink message
 * (its nlmsg_len forced to the input's size) and given to every parser
 * the tool has for replies, events and extended ACKs, what they read is
 * printed, human and JSON, to /dev/null, and judged as the wait for a
 * transaction's end judges it (an event or a report, copied as the wait
 * keeps it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

#include "bind.h"
#include "monitor.h"
#include "nl.h"

static FILE *null;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	null = fopen("/dev/null", "w");
	return null ? 0 : -1;
}

/* A bind request with a nest, for offsets in extended ACKs to point at. */
static union {
	struct nlmsghdr hdr;
	char bytes[128];
} req;

static void make_request(void)
{
	static const char t1[] = "0000:01:00.0", t2[] = "10de:1bb3";
	struct nlattr *a;
	size_t len = NLMSG_HDRLEN + GENL_HDRLEN, nest;

	memset(&req, 0, sizeof(req));
	nest = len;
	len += NLA_HDRLEN;
	a = (struct nlattr *)(req.bytes + len);
	a->nla_type = GPUVFIO_A_TARGET;
	a->nla_len = NLA_HDRLEN + sizeof(t1);
	memcpy(a + 1, t1, sizeof(t1));
	len += NLA_ALIGN(a->nla_len);
	a = (struct nlattr *)(req.bytes + len);
	a->nla_type = GPUVFIO_A_TARGET;
	a->nla_len = NLA_HDRLEN + sizeof(t2);
	memcpy(a + 1, t2, sizeof(t2));
	len += NLA_ALIGN(a->nla_len);
	a = (struct nlattr *)(req.bytes + nest);
	a->nla_type = GPUVFIO_A_TARGETS | NLA_F_NESTED;
	a->nla_len = (uint16_t)(len - nest);
	req.hdr.nlmsg_len = (uint32_t)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlattr *tb[GPUVFIO_A_MAX + 1];
	struct gv_nl_result res, copy;
	struct gv_nl_group group;
	struct gv_nl_dev dev;
	struct gv_config *cfg;
	struct gv_ext_ack ack;
	struct nlmsghdr *nlh;
	struct json j;
	char text[512];
	void *buf;

	if (size < sizeof(struct nlmsghdr) || size > 1 << 20)
		return 0;
	/* Netlink messages are 4-byte aligned; malloc's memory is more. */
	buf = malloc(size);
	cfg = malloc(sizeof(*cfg));
	if (!buf || !cfg)
		goto out;
	memcpy(buf, data, size);
	nlh = buf;
	nlh->nlmsg_len = (uint32_t)size;

	make_request();
	if (!gv_nl_parse_ext_ack(nlh, &req.hdr, &ack))
		gv_nl_format_ext_ack(text, sizeof(text), &ack, gv_nl_attr_name);

	if (gv_nl_parse_msg(nlh, size, tb, NULL))
		goto out;
	if (!gv_nl_parse_result(tb, &res)) {
		res.received = true;
		gv_result_print_members(null, &res, tb[GPUVFIO_A_EVENT] != NULL);
		gv_monitor_print(null, false, &res);
		gv_monitor_print(null, true, &res);
		json_begin(&j, null);
		json_object_open(&j);
		gv_result_json(&j, &res, 0, NULL);
		json_object_close(&j);
		if (json_end(&j))
			abort();	/* the writer was misused */
		/* Every state is one of the four; the copy is the same. */
		if (gv_nl_event_state(&res, res.txn) > GV_NL_TXN_FINAL ||
		    gv_nl_outcome_state(res.outcome) > GV_NL_TXN_FINAL)
			abort();
		res.outcome = gv_nl_event_outcome(&res);
		if (!gv_nl_result_copy(&copy, &res) &&
		    (copy.nmembers != res.nmembers ||
		     (res.nmembers && memcmp(copy.members, res.members,
					     res.nmembers * sizeof(*res.members)))))
			abort();
		gv_nl_result_free(&copy);
	}
	gv_nl_result_free(&res);
	gv_nl_parse_group(tb, &group);
	gv_nl_group_free(&group);
	gv_nl_parse_config(tb, cfg);
	if (tb[GPUVFIO_A_DEVICE])
		gv_nl_parse_dev(tb[GPUVFIO_A_DEVICE], &dev);
out:
	free(cfg);
	free(buf);
	return 0;
}
