// SPDX-License-Identifier: GPL-2.0
/*
 * genl-family: is a generic netlink family registered? An independent
 * witness for the guest tests, in place of libnl's genl-ctrl-list.
 *
 *   genl-family          list every family: "NAME id=N version=V"
 *   genl-family NAME     print NAME's line and exit 0, or exit 1 if absent
 *
 * It reads the controller's dump (CTRL_CMD_GETFAMILY with NLM_F_DUMP)
 * rather than asking for NAME, because asking for a missing family makes
 * the kernel try to load the module that provides it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

struct request {
	struct nlmsghdr nlh;
	struct genlmsghdr genl;
};

static int print_family(struct nlmsghdr *nlh, const char *want)
{
	struct genlmsghdr *genl = NLMSG_DATA(nlh);
	struct nlattr *nla = (struct nlattr *)((char *)genl + GENL_HDRLEN);
	int len = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	const char *name = NULL;
	unsigned int id = 0, version = 0;

	while (len >= (int)sizeof(*nla) && nla->nla_len >= sizeof(*nla) &&
	       nla->nla_len <= len) {
		void *data = (char *)nla + NLA_HDRLEN;

		switch (nla->nla_type & NLA_TYPE_MASK) {
		case CTRL_ATTR_FAMILY_NAME:
			name = data;
			break;
		case CTRL_ATTR_FAMILY_ID:
			id = *(unsigned short *)data;
			break;
		case CTRL_ATTR_VERSION:
			version = *(unsigned int *)data;
			break;
		}
		len -= NLA_ALIGN(nla->nla_len);
		nla = (struct nlattr *)((char *)nla + NLA_ALIGN(nla->nla_len));
	}
	if (!name || (want && strcmp(name, want)))
		return 0;
	printf("%s id=%u version=%u\n", name, id, version);
	return 1;
}

int main(int argc, char **argv)
{
	const char *want = argc > 1 ? argv[1] : NULL;
	struct request req = {
		.nlh = {
			.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
			.nlmsg_type = GENL_ID_CTRL,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1,
		},
		.genl = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 },
	};
	static char buf[65536];
	int fd, found = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0 || send(fd, &req, req.nlh.nlmsg_len, 0) < 0) {
		perror("genl-family: netlink");
		return 2;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		if (n < 0) {
			perror("genl-family: recv");
			return 2;
		}
		for (; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type == NLMSG_DONE) {
				close(fd);
				return want && !found ? 1 : 0;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				fprintf(stderr, "genl-family: %s\n",
					strerror(-e->error));
				return 2;
			}
			found |= print_family(nlh, want);
		}
	}
}
