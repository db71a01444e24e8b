/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the guest's small raw generic-netlink clients (txn-get.c,
 * nl-dump.c) share: walking attributes, and resolving the gpuvfio family
 * through nlctrl. Each client is compiled on its own (mkinitramfs.sh).
 */
#ifndef GV_GENL_RAW_H
#define GV_GENL_RAW_H

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "uapi/linux/gpuvfio.h"

/* Every whole attribute from start to end; stops at a malformed one. */
#define for_each_attr(nla, start, end)						\
	for (nla = (const struct nlattr *)(start);				\
	     (const unsigned char *)nla + NLA_HDRLEN <= (end) &&		\
	     nla->nla_len >= NLA_HDRLEN &&					\
	     (const unsigned char *)nla + nla->nla_len <= (end);		\
	     nla = (const struct nlattr *)((const unsigned char *)nla + NLA_ALIGN(nla->nla_len)))

#define DATA(nla) ((const unsigned char *)(nla) + NLA_HDRLEN)
#define END(nla) ((const unsigned char *)(nla) + (nla)->nla_len)

/*
 * The gpuvfio family's id, asked of nlctrl on fd (its answer is read into
 * buf); 0 when it is not registered or the answer was not understood.
 */
static inline uint16_t genl_gpuvfio_family(int fd, unsigned char *buf, size_t size)
{
	struct {
		struct nlmsghdr nlh;
		struct genlmsghdr genl;
		struct nlattr name;
		char value[NLA_ALIGN(sizeof(GPUVFIO_GENL_NAME))];
	} r = {
		.nlh = { .nlmsg_len = sizeof(r), .nlmsg_type = GENL_ID_CTRL,
			 .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 },
		.genl = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 },
		.name = { .nla_len = NLA_HDRLEN + sizeof(GPUVFIO_GENL_NAME),
			  .nla_type = CTRL_ATTR_FAMILY_NAME },
		.value = GPUVFIO_GENL_NAME,
	};
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const struct nlattr *nla;
	uint16_t id = 0;
	ssize_t n;

	if (send(fd, &r, sizeof(r), 0) < 0)
		return 0;
	n = recv(fd, buf, size, 0);
	if (n < (ssize_t)NLMSG_HDRLEN || nlh->nlmsg_type != GENL_ID_CTRL)
		return 0;
	for_each_attr(nla, (const unsigned char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
		      (const unsigned char *)nlh + nlh->nlmsg_len)
		if ((nla->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
			memcpy(&id, DATA(nla), sizeof(id));
	return id;
}

#endif /* GV_GENL_RAW_H */
