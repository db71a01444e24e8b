// SPDX-License-Identifier: GPL-2.0
/*
 * Replies and events as plain C: pure functions over the bytes of a
 * message. They take any bytes without harm (a length is checked before
 * every read, a string must hold its NUL), and skip what a newer module
 * appends; unit-tested and fuzzed (tests/fuzz/fuzz_reply.c).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

#include "nl.h"

int gv_nl_parse_attrs(const void *buf, size_t len, const struct nlattr **tb,
		      int max)
{
	const char *p = buf;
	const struct nlattr *a;
	size_t step;
	int type;

	memset(tb, 0, ((size_t)max + 1) * sizeof(*tb));
	while (len >= NLA_HDRLEN) {
		a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return -EPROTO;
		type = a->nla_type & NLA_TYPE_MASK;
		if (type <= max)
			tb[type] = a;
		step = NLA_ALIGN(a->nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

int gv_nl_parse_msg(const struct nlmsghdr *nlh, size_t len,
		    const struct nlattr **tb, uint8_t *cmd)
{
	const struct genlmsghdr *g;
	size_t hdr = NLMSG_HDRLEN + GENL_HDRLEN;

	if (len < hdr || nlh->nlmsg_len < hdr || nlh->nlmsg_len > len)
		return -EPROTO;
	g = (const struct genlmsghdr *)((const char *)nlh + NLMSG_HDRLEN);
	if (cmd)
		*cmd = g->cmd;
	return gv_nl_parse_attrs((const char *)nlh + hdr, nlh->nlmsg_len - hdr,
				 tb, GPUVFIO_A_MAX);
}

static size_t payload_len(const struct nlattr *a)
{
	return (size_t)a->nla_len - NLA_HDRLEN;
}

static const void *payload(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

/*
 * Each getter: true when a is absent (nothing stored) or well formed; *has,
 * when given, says whether a value was stored.
 */
static bool get_fixed(const struct nlattr *a, void *v, size_t size, bool *has)
{
	if (!a)
		return true;
	if (payload_len(a) != size)
		return false;
	memcpy(v, payload(a), size);
	if (has)
		*has = true;
	return true;
}

static bool get_u16(const struct nlattr *a, uint16_t *v, bool *has)
{
	return get_fixed(a, v, sizeof(*v), has);
}

static bool get_u32(const struct nlattr *a, uint32_t *v, bool *has)
{
	return get_fixed(a, v, sizeof(*v), has);
}

static bool get_u64(const struct nlattr *a, uint64_t *v, bool *has)
{
	return get_fixed(a, v, sizeof(*v), has);
}

static bool get_flag(const struct nlattr *a, bool *v)
{
	*v = a != NULL;
	return !a || payload_len(a) == 0;
}

/*
 * A NUL-terminated string into dst. One that does not fit is refused,
 * unless truncating is harmless (the kernel's sentences).
 */
static bool get_str(const struct nlattr *a, char *dst, size_t size,
		    bool truncate, bool *has)
{
	const char *s;
	const char *nul;

	if (!a)
		return true;
	s = payload(a);
	nul = memchr(s, '\0', payload_len(a));
	if (!nul)
		return false;
	if ((size_t)(nul - s) >= size) {
		if (!truncate)
			return false;
		memcpy(dst, s, size - 1);
		dst[size - 1] = '\0';
	} else {
		memcpy(dst, s, (size_t)(nul - s) + 1);
	}
	if (has)
		*has = true;
	return true;
}

static bool is_nest(const struct nlattr *a)
{
	return payload_len(a) == 0 || payload_len(a) >= NLA_HDRLEN;
}

int gv_nl_parse_dev(const struct nlattr *nest, struct gv_nl_dev *d)
{
	const struct nlattr *tb[GPUVFIO_DEV_A_MAX + 1];
	uint32_t group = 0;
	bool has_group = false, has_addr = false, ok;

	memset(d, 0, sizeof(*d));
	d->group = -1;
	if (!nest || !is_nest(nest) ||
	    gv_nl_parse_attrs(payload(nest), payload_len(nest), tb,
			      GPUVFIO_DEV_A_MAX))
		return -EPROTO;
	ok = get_str(tb[GPUVFIO_DEV_A_ADDR], d->addr, sizeof(d->addr), false,
		     &has_addr) &&
	     get_u16(tb[GPUVFIO_DEV_A_VENDOR], &d->vendor, &d->has_ids) &&
	     get_u16(tb[GPUVFIO_DEV_A_DEVICE], &d->device, NULL) &&
	     get_u16(tb[GPUVFIO_DEV_A_SUBVENDOR], &d->subvendor, &d->has_subsys) &&
	     get_u16(tb[GPUVFIO_DEV_A_SUBDEVICE], &d->subdevice, NULL) &&
	     get_u32(tb[GPUVFIO_DEV_A_CLASS], &d->class, &d->has_class) &&
	     get_u32(tb[GPUVFIO_DEV_A_GROUP], &group, &has_group) &&
	     get_str(tb[GPUVFIO_DEV_A_DRIVER], d->driver, sizeof(d->driver),
		     false, &d->has_driver) &&
	     get_u32(tb[GPUVFIO_DEV_A_STATE], &d->state, NULL) &&
	     get_flag(tb[GPUVFIO_DEV_A_MANAGED], &d->managed) &&
	     get_str(tb[GPUVFIO_DEV_A_ORIG_DRIVER], d->orig_driver,
		     sizeof(d->orig_driver), false, NULL) &&
	     get_str(tb[GPUVFIO_DEV_A_ORIG_OVERRIDE], d->orig_override,
		     sizeof(d->orig_override), false, NULL) &&
	     get_flag(tb[GPUVFIO_DEV_A_BOOT_VGA], &d->boot_vga) &&
	     get_flag(tb[GPUVFIO_DEV_A_MATCHED], &d->matched) &&
	     get_flag(tb[GPUVFIO_DEV_A_EXCLUDED], &d->excluded) &&
	     get_u32(tb[GPUVFIO_DEV_A_ROLE], &d->role, NULL) &&
	     get_u32(tb[GPUVFIO_DEV_A_FATE], &d->fate, NULL) &&
	     get_str(tb[GPUVFIO_DEV_A_FROM_DRIVER], d->from_driver,
		     sizeof(d->from_driver), false, &d->has_from) &&
	     get_str(tb[GPUVFIO_DEV_A_TO_DRIVER], d->to_driver,
		     sizeof(d->to_driver), false, &d->has_to) &&
	     get_u32(tb[GPUVFIO_DEV_A_PROGRESS], &d->progress, NULL) &&
	     get_u32(tb[GPUVFIO_DEV_A_ERRNO], &d->err, NULL) &&
	     get_u64(tb[GPUVFIO_DEV_A_T_OVERRIDE_NS], &d->t_override_ns,
		     &d->has_t_override) &&
	     get_u64(tb[GPUVFIO_DEV_A_T_RELEASE_NS], &d->t_release_ns,
		     &d->has_t_release) &&
	     get_u64(tb[GPUVFIO_DEV_A_T_ATTACH_NS], &d->t_attach_ns,
		     &d->has_t_attach);
	if (!ok || !has_addr || !*d->addr)
		return -EPROTO;
	if (has_group)
		d->group = group;
	return 0;
}

/* Far more than a message can hold: a bound on what a bad one costs. */
#define MAX_MEMBERS	4096

int gv_nl_parse_members(const struct nlattr *nest, struct gv_nl_dev **devs,
			size_t *n)
{
	const char *p;
	const struct nlattr *a;
	struct gv_nl_dev *v = NULL, *nv;
	size_t len, step, cap = 0;
	int ret = 0;

	*devs = NULL;
	*n = 0;
	if (!nest)
		return 0;
	if (!is_nest(nest))
		return -EPROTO;
	p = payload(nest);
	len = payload_len(nest);
	while (len >= NLA_HDRLEN) {
		a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len) {
			ret = -EPROTO;
			break;
		}
		if ((a->nla_type & NLA_TYPE_MASK) == GPUVFIO_A_DEVICE) {
			if (*n == MAX_MEMBERS) {
				ret = -EPROTO;
				break;
			}
			if (*n == cap) {
				cap = cap ? cap * 2 : 8;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					ret = -ENOMEM;
					break;
				}
				v = nv;
			}
			ret = gv_nl_parse_dev(a, &v[*n]);
			if (ret)
				break;
			(*n)++;
		}
		step = NLA_ALIGN(a->nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	if (ret) {
		free(v);
		*n = 0;
		return ret;
	}
	*devs = v;
	return 0;
}

int gv_nl_parse_result(const struct nlattr **tb, struct gv_nl_result *r)
{
	bool ok;

	memset(r, 0, sizeof(*r));
	ok = get_u32(tb[GPUVFIO_A_EVENT], &r->event, NULL) &&
	     get_u32(tb[GPUVFIO_A_TXN], &r->txn, &r->has_txn) &&
	     get_u32(tb[GPUVFIO_A_OUTCOME], &r->outcome, NULL) &&
	     get_u32(tb[GPUVFIO_A_ERRNO], &r->err, NULL) &&
	     get_str(tb[GPUVFIO_A_MESSAGE], r->message, sizeof(r->message),
		     true, NULL) &&
	     get_u64(tb[GPUVFIO_A_ELAPSED_NS], &r->elapsed_ns, &r->has_elapsed) &&
	     get_str(tb[GPUVFIO_A_WAIT_ADDR], r->wait_addr, sizeof(r->wait_addr),
		     false, NULL) &&
	     get_str(tb[GPUVFIO_A_WAIT_DRIVER], r->wait_driver,
		     sizeof(r->wait_driver), false, NULL);
	if (!ok)
		return -EPROTO;
	return gv_nl_parse_members(tb[GPUVFIO_A_MEMBERS], &r->members,
				   &r->nmembers);
}

void gv_nl_result_free(struct gv_nl_result *r)
{
	free(r->members);
	r->members = NULL;
	r->nmembers = 0;
}

int gv_nl_result_copy(struct gv_nl_result *dst, const struct gv_nl_result *src)
{
	*dst = *src;
	dst->members = NULL;
	dst->nmembers = 0;
	if (!src->nmembers)
		return 0;
	dst->members = malloc(src->nmembers * sizeof(*dst->members));
	if (!dst->members)
		return -ENOMEM;
	memcpy(dst->members, src->members, src->nmembers * sizeof(*dst->members));
	dst->nmembers = src->nmembers;
	return 0;
}

int gv_nl_parse_group(const struct nlattr **tb, struct gv_nl_group *g)
{
	const struct nlattr *gtb[GPUVFIO_GROUP_A_MAX + 1];
	const struct nlattr *nest = tb[GPUVFIO_A_GROUP];
	bool has_id = false;

	memset(g, 0, sizeof(*g));
	if (!nest || !is_nest(nest) ||
	    gv_nl_parse_attrs(payload(nest), payload_len(nest), gtb,
			      GPUVFIO_GROUP_A_MAX))
		return -EPROTO;
	if (!get_u32(gtb[GPUVFIO_GROUP_A_ID], &g->id, &has_id) || !has_id ||
	    !get_flag(gtb[GPUVFIO_GROUP_A_VIABLE], &g->viable) ||
	    !get_flag(gtb[GPUVFIO_GROUP_A_VFIO_USER], &g->vfio_user) ||
	    !get_flag(gtb[GPUVFIO_GROUP_A_BUSY], &g->busy))
		return -EPROTO;
	return gv_nl_parse_members(tb[GPUVFIO_A_MEMBERS], &g->members,
				   &g->nmembers);
}

void gv_nl_group_free(struct gv_nl_group *g)
{
	free(g->members);
	g->members = NULL;
	g->nmembers = 0;
}

/* A GPUVFIO_A_STATS nest (absent: st->have stays false). */
static bool get_stats(const struct nlattr *a, struct gv_stats *st)
{
	const struct nlattr *tb[GPUVFIO_STATS_A_MAX + 1];
	static const struct {
		int type;
		size_t off;
	} u64s[] = {
		{ GPUVFIO_STATS_A_BINDS, offsetof(struct gv_stats, binds) },
		{ GPUVFIO_STATS_A_UNBINDS, offsetof(struct gv_stats, unbinds) },
		{ GPUVFIO_STATS_A_CLAIMS, offsetof(struct gv_stats, claims) },
		{ GPUVFIO_STATS_A_ROLLBACKS, offsetof(struct gv_stats, rollbacks) },
		{ GPUVFIO_STATS_A_ROLLBACKS_INCOMPLETE,
		  offsetof(struct gv_stats, rollbacks_incomplete) },
		{ GPUVFIO_STATS_A_REFUSALS, offsetof(struct gv_stats, refusals) },
		{ GPUVFIO_STATS_A_NOTHING, offsetof(struct gv_stats, nothing) },
		{ GPUVFIO_STATS_A_DRY_RUNS, offsetof(struct gv_stats, dry_runs) },
	};
	size_t i;

	if (!a)
		return true;
	if (gv_nl_parse_attrs(payload(a), payload_len(a), tb, GPUVFIO_STATS_A_MAX))
		return false;
	for (i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++)
		if (!get_u64(tb[u64s[i].type], (uint64_t *)((char *)st + u64s[i].off),
			     NULL))
			return false;
	if (!get_u32(tb[GPUVFIO_STATS_A_RUNNING], &st->running, NULL) ||
	    !get_u32(tb[GPUVFIO_STATS_A_PENDING], &st->pending, NULL) ||
	    !get_u64(tb[GPUVFIO_STATS_A_LAST_NS], &st->last_ns, &st->have_last) ||
	    !get_u32(tb[GPUVFIO_STATS_A_LAST_OUTCOME], &st->last_outcome,
		     &st->have_last_outcome))
		return false;
	st->have = true;
	return true;
}

int gv_nl_parse_config(const struct nlattr **tb, struct gv_config *cfg)
{
	bool has_version = false;

	memset(cfg, 0, sizeof(*cfg));
	/* Lists longer than GPUVFIO_LIST_MAX are refused, not cut: a cut
	 * list would be written back by `ids add`. */
	if (!get_str(tb[GPUVFIO_A_VERSION], cfg->version, sizeof(cfg->version),
		     true, &has_version) ||
	    !get_str(tb[GPUVFIO_A_IDS], cfg->ids, sizeof(cfg->ids), false, NULL) ||
	    !get_str(tb[GPUVFIO_A_EXCLUDE], cfg->exclude, sizeof(cfg->exclude),
		     false, NULL) ||
	    !get_u32(tb[GPUVFIO_A_MANAGED], &cfg->managed, &cfg->have_managed) ||
	    !get_stats(tb[GPUVFIO_A_STATS], &cfg->stats) ||
	    !has_version) {
		memset(cfg, 0, sizeof(*cfg));
		return -EPROTO;
	}
	return 0;
}
