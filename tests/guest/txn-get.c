// SPDX-License-Identifier: GPL-2.0
/*
 * txn-get: asks the gpuvfio module for a transaction's report
 * (GPUVFIO_CMD_GET_TXN), independently of the gpuvfio tool, for the guest
 * tests (28-async).
 *
 *   txn-get ID
 *
 * prints the report as lines of words:
 *
 *   txn ID outcome NAME errno N members N
 *   wait ADDRESS DRIVER                     (pending only)
 *   member ADDRESS fate N progress NAME     (one per member)
 *
 * and exits 0; or prints "error NAME" (ENOENT: the module does not know
 * the transaction) and exits 1; 2 when it could not ask.
 */
#define _GNU_SOURCE
#include <errno.h>
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

static const char *const outcomes[] = {
	[GPUVFIO_OUTCOME_UNSPEC] = "unspec",
	[GPUVFIO_OUTCOME_DONE] = "done",
	[GPUVFIO_OUTCOME_NOTHING] = "nothing",
	[GPUVFIO_OUTCOME_DRY_RUN] = "dry_run",
	[GPUVFIO_OUTCOME_REFUSED] = "refused",
	[GPUVFIO_OUTCOME_ROLLED_BACK] = "rolled_back",
	[GPUVFIO_OUTCOME_PENDING] = "pending",
	[GPUVFIO_OUTCOME_RUNNING] = "running",
	[GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE] = "rollback_incomplete",
};

static const char *const progresses[] = {
	[GPUVFIO_PROGRESS_UNSPEC] = "none",
	[GPUVFIO_PROGRESS_WAITING] = "waiting",
	[GPUVFIO_PROGRESS_OVERRIDE] = "override",
	[GPUVFIO_PROGRESS_RELEASE] = "release",
	[GPUVFIO_PROGRESS_ATTACH] = "attach",
	[GPUVFIO_PROGRESS_DONE] = "done",
	[GPUVFIO_PROGRESS_ROLLED_BACK] = "rolled_back",
	[GPUVFIO_PROGRESS_STRANDED] = "stranded",
};

#define NAME(table, v) ((v) < sizeof(table) / sizeof(table[0]) && table[v] ? table[v] : "?")

static unsigned char buf[1 << 16];

struct req {
	struct nlmsghdr nlh;
	struct genlmsghdr genl;
	unsigned char attrs[64];
};

static void put_attr(struct req *r, uint16_t type, const void *data, size_t len)
{
	struct nlattr *nla = (struct nlattr *)((unsigned char *)r + r->nlh.nlmsg_len);

	nla->nla_type = type;
	nla->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((unsigned char *)nla + NLA_HDRLEN, data, len);
	r->nlh.nlmsg_len += NLA_ALIGN(nla->nla_len);
}

/* Sends r and returns the length of the first answer read, or -errno. */
static ssize_t ask(int fd, struct req *r)
{
	ssize_t n;

	if (send(fd, r, r->nlh.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(fd, buf, sizeof(buf), 0);
	return n < 0 ? -errno : n;
}

static uint32_t u32_of(const struct nlattr *nla)
{
	uint32_t v = 0;

	if (nla->nla_len >= NLA_HDRLEN + 4)
		memcpy(&v, DATA(nla), 4);
	return v;
}

static void print_member(const struct nlattr *dev)
{
	const struct nlattr *nla;
	const char *addr = "?";
	uint32_t fate = 0, progress = 0;

	for_each_attr(nla, DATA(dev), END(dev)) {
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case GPUVFIO_DEV_A_ADDR:
			addr = (const char *)DATA(nla);
			break;
		case GPUVFIO_DEV_A_FATE:
			fate = u32_of(nla);
			break;
		case GPUVFIO_DEV_A_PROGRESS:
			progress = u32_of(nla);
			break;
		}
	}
	printf("member %s fate %u progress %s\n", addr, fate, NAME(progresses, progress));
}

int main(int argc, char **argv)
{
	struct timeval tv = { .tv_sec = 30 };
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const struct nlattr *nla, *members = NULL, *dev;
	const char *wait_addr = NULL, *wait_driver = "";
	uint32_t txn, outcome = 0, err = 0, nmembers = 0;
	struct req r = { 0 };
	uint16_t family;
	char *end;
	ssize_t n;
	int fd;

	if (argc != 2 || !*argv[1]) {
		fprintf(stderr, "usage: txn-get ID\n");
		return 2;
	}
	txn = (uint32_t)strtoul(argv[1], &end, 10);
	if (*end) {
		fprintf(stderr, "txn-get: '%s' is not a transaction id\n", argv[1]);
		return 2;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		perror("txn-get: netlink");
		return 2;
	}
	family = genl_gpuvfio_family(fd, buf, sizeof(buf));
	if (!family) {
		fprintf(stderr, "txn-get: the family %s is not registered\n", GPUVFIO_GENL_NAME);
		return 2;
	}
	r.nlh = (struct nlmsghdr){ .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN), .nlmsg_type = family,
				   .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 2 };
	r.genl = (struct genlmsghdr){ .cmd = GPUVFIO_CMD_GET_TXN, .version = GPUVFIO_GENL_VERSION };
	put_attr(&r, GPUVFIO_A_TXN, &txn, sizeof(txn));
	n = ask(fd, &r);
	if (n < 0) {
		fprintf(stderr, "txn-get: %s\n", strerror((int)-n));
		return 2;
	}
	if (n < (ssize_t)NLMSG_HDRLEN || !NLMSG_OK(nlh, (int)n)) {
		fprintf(stderr, "txn-get: a short answer\n");
		return 2;
	}
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		int e = ((const struct nlmsgerr *)NLMSG_DATA(nlh))->error;
		const char *name = strerrorname_np(-e);

		printf("error %s\n", name ? name : "unknown");
		return 1;
	}
	if (nlh->nlmsg_type != family) {
		fprintf(stderr, "txn-get: an answer of type %u\n", nlh->nlmsg_type);
		return 2;
	}
	for_each_attr(nla, (const unsigned char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
		      (const unsigned char *)nlh + nlh->nlmsg_len) {
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case GPUVFIO_A_TXN:
			txn = u32_of(nla);
			break;
		case GPUVFIO_A_OUTCOME:
			outcome = u32_of(nla);
			break;
		case GPUVFIO_A_ERRNO:
			err = u32_of(nla);
			break;
		case GPUVFIO_A_WAIT_ADDR:
			wait_addr = (const char *)DATA(nla);
			break;
		case GPUVFIO_A_WAIT_DRIVER:
			wait_driver = (const char *)DATA(nla);
			break;
		case GPUVFIO_A_MEMBERS:
			members = nla;
			break;
		}
	}
	if (members)
		for_each_attr(dev, DATA(members), END(members))
			nmembers++;
	printf("txn %u outcome %s errno %u members %u\n", txn, NAME(outcomes, outcome), err,
	       nmembers);
	if (wait_addr)
		printf("wait %s %s\n", wait_addr, wait_driver);
	if (members)
		for_each_attr(dev, DATA(members), END(members))
			print_member(dev);
	close(fd);
	return 0;
}
