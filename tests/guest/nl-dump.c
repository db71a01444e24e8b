// SPDX-License-Identifier: GPL-2.0
/*
 * nl-dump: dumps the gpuvfio module's devices or groups
 * (GPUVFIO_CMD_GET_DEVICE or GET_GROUP with NLM_F_DUMP) as a client that
 * has never received on its socket before: the family is resolved on
 * another socket. With --page it reads as a client with a one-page buffer
 * does, peeking at each message's length and reading a longer one with a
 * buffer of that length: the kernel then sizes each dump message for a
 * page, unless the module asks for room for its largest entry. A record
 * whose original override has thousands of characters needs more
 * (28-async).
 *
 *   nl-dump [--page] [--between CMD] device|group
 *
 * prints "entries N devices N longest_override N" (the devices counted in
 * every entry, the longest GPUVFIO_DEV_A_ORIG_OVERRIDE seen) and exits 0
 * when the dump ended cleanly; prints "error NAME" and exits 1 when it
 * ended with an error; exits 2 when it could not ask. --between runs CMD
 * (with sh) once the request is sent, before the first read: the kernel
 * has made the dump's first message then, and makes the next ones as they
 * are read. The line then ends " parts N intr N": the messages read
 * (datagrams), and the dump messages flagged NLM_F_DUMP_INTR.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "genl-raw.h"

/* Room for any message: the test is about the kernel's side. */
static unsigned char buf[1 << 20];

struct req {
	struct nlmsghdr nlh;
	struct genlmsghdr genl;
};

static int open_socket(void)
{
	struct timeval tv = { .tv_sec = 30 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		perror("nl-dump: netlink");
		exit(2);
	}
	return fd;
}

static uint16_t resolve(void)
{
	int fd = open_socket();
	uint16_t id = genl_gpuvfio_family(fd, buf, sizeof(buf));

	close(fd);
	return id;
}

static unsigned int ndevs;
static size_t longest;

static void count_device(const struct nlattr *dev)
{
	const struct nlattr *nla;

	ndevs++;
	for_each_attr(nla, DATA(dev), END(dev))
		if ((nla->nla_type & NLA_TYPE_MASK) == GPUVFIO_DEV_A_ORIG_OVERRIDE &&
		    strnlen((const char *)DATA(nla), nla->nla_len - NLA_HDRLEN) > longest)
			longest = strnlen((const char *)DATA(nla), nla->nla_len - NLA_HDRLEN);
}

/* One message into buf; with page, as a client with a one-page buffer. */
static ssize_t read_one(int fd, bool page)
{
	ssize_t n;

	if (!page)
		return recv(fd, buf, sizeof(buf), 0);
	n = recv(fd, buf, 4096, MSG_PEEK | MSG_TRUNC);
	if (n < 0)
		return n;
	return recv(fd, buf, n > 4096 && (size_t)n <= sizeof(buf) ? (size_t)n : 4096, 0);
}

int main(int argc, char **argv)
{
	struct req r = { 0 };
	unsigned int entries = 0, parts = 0, intr = 0;
	const char *between = NULL;
	bool page = false;
	uint16_t family;
	uint8_t cmd;
	int fd;

	if (argc >= 3 && !strcmp(argv[1], "--page")) {
		page = true;
		argv++;
		argc--;
	}
	if (argc >= 4 && !strcmp(argv[1], "--between")) {
		between = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc != 2 || (strcmp(argv[1], "device") && strcmp(argv[1], "group"))) {
		fprintf(stderr, "usage: nl-dump [--page] [--between CMD] device|group\n");
		return 2;
	}
	cmd = strcmp(argv[1], "device") ? GPUVFIO_CMD_GET_GROUP : GPUVFIO_CMD_GET_DEVICE;
	family = resolve();
	if (!family) {
		fprintf(stderr, "nl-dump: the family %s is not registered\n", GPUVFIO_GENL_NAME);
		return 2;
	}
	/* A socket that has received nothing yet. */
	fd = open_socket();
	r.nlh = (struct nlmsghdr){ .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN), .nlmsg_type = family,
				   .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 2 };
	r.genl = (struct genlmsghdr){ .cmd = cmd, .version = GPUVFIO_GENL_VERSION };
	if (send(fd, &r, r.nlh.nlmsg_len, 0) < 0) {
		perror("nl-dump: send");
		return 2;
	}
	if (between && system(between)) {
		fprintf(stderr, "nl-dump: %s failed\n", between);
		return 2;
	}
	for (;;) {
		ssize_t n = read_one(fd, page);
		const struct nlmsghdr *nlh;
		int len = (int)n;

		if (n < 0) {
			perror("nl-dump: recv");
			return 2;
		}
		parts++;
		for (nlh = (const struct nlmsghdr *)buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			const struct nlattr *nla, *dev;
			int err;

			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
				err = nlh->nlmsg_type == NLMSG_ERROR ?
				      ((const struct nlmsgerr *)NLMSG_DATA(nlh))->error :
				      *(const int *)NLMSG_DATA(nlh);
				if (err) {
					const char *name = strerrorname_np(-err);

					printf("error %s\n", name ? name : "unknown");
					return 1;
				}
				printf("entries %u devices %u longest_override %zu", entries,
				       ndevs, longest);
				if (between)
					printf(" parts %u intr %u", parts, intr);
				printf("\n");
				return 0;
			}
			if (nlh->nlmsg_type != family)
				continue;
			entries++;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr++;
			for_each_attr(nla, (const unsigned char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
				      (const unsigned char *)nlh + nlh->nlmsg_len) {
				uint16_t type = nla->nla_type & NLA_TYPE_MASK;

				if (type == GPUVFIO_A_DEVICE)
					count_device(nla);
				else if (type == GPUVFIO_A_MEMBERS)
					for_each_attr(dev, DATA(nla), END(nla))
						count_device(dev);
			}
		}
	}
}
