// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting for a transaction's end. The module answers a bind or unbind at
 * once; when it cannot end the request there (RUNNING), the end comes as
 * an event with the same GPUVFIO_A_TXN. The caller joins "events" before
 * it sends the request, so that no event can come before it listens, and
 * waits here: for the transaction's final or pending event, up to its own
 * deadline. Events can be lost (the socket's buffer overflows: ENOBUFS),
 * and a deadline can pass without news: GPUVFIO_CMD_GET_TXN then tells
 * where the transaction is.
 *
 * What an event or a report means for the wait is decided by pure
 * functions (gv_nl_event_state(), gv_nl_outcome_state()), unit-tested
 * like the parsers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "nl.h"

enum gv_nl_txn_state gv_nl_outcome_state(uint32_t outcome)
{
	switch (outcome) {
	case GPUVFIO_OUTCOME_RUNNING:
		return GV_NL_TXN_RUNNING;
	case GPUVFIO_OUTCOME_PENDING:
		return GV_NL_TXN_PENDING;
	}
	return GV_NL_TXN_FINAL;
}

enum gv_nl_txn_state gv_nl_event_state(const struct gv_nl_result *ev,
				       uint32_t txn)
{
	if (!ev->has_txn || ev->txn != txn)
		return GV_NL_TXN_OTHER;
	switch (ev->event) {
	case GPUVFIO_EVENT_BOUND:
	case GPUVFIO_EVENT_UNBOUND:
	case GPUVFIO_EVENT_ROLLED_BACK:
	case GPUVFIO_EVENT_ROLLBACK_INCOMPLETE:
	case GPUVFIO_EVENT_REFUSED:
	case GPUVFIO_EVENT_CLAIMED:
		return GV_NL_TXN_FINAL;
	case GPUVFIO_EVENT_PENDING:
		return GV_NL_TXN_PENDING;
	}
	/* A newer module's event: its outcome may still say enough. */
	if (!gv_nl_outcome_name(ev->outcome))
		return GV_NL_TXN_OTHER;
	return gv_nl_outcome_state(ev->outcome);
}

uint32_t gv_nl_event_outcome(const struct gv_nl_result *ev)
{
	if (ev->outcome)
		return ev->outcome;
	switch (ev->event) {
	case GPUVFIO_EVENT_BOUND:
	case GPUVFIO_EVENT_UNBOUND:
	case GPUVFIO_EVENT_CLAIMED:
		return GPUVFIO_OUTCOME_DONE;
	case GPUVFIO_EVENT_ROLLED_BACK:
		return GPUVFIO_OUTCOME_ROLLED_BACK;
	case GPUVFIO_EVENT_ROLLBACK_INCOMPLETE:
		return GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE;
	case GPUVFIO_EVENT_REFUSED:
		return GPUVFIO_OUTCOME_REFUSED;
	case GPUVFIO_EVENT_PENDING:
		return GPUVFIO_OUTCOME_PENDING;
	}
	return GPUVFIO_OUTCOME_UNSPEC;
}

/* What the events read so far said of the transaction. */
struct wait {
	uint32_t txn;
	struct gv_nl_result *res;
	enum gv_nl_txn_state state;	/* OTHER: nothing yet */
	int err;
};

static void on_event(const struct gv_nl_result *ev, void *arg)
{
	struct wait *w = arg;
	enum gv_nl_txn_state s = gv_nl_event_state(ev, w->txn);

	if (w->err || (s != GV_NL_TXN_FINAL && s != GV_NL_TXN_PENDING))
		return;
	/* The end, when it comes in the same read as the pending event,
	 * is the better news. */
	if (w->state == GV_NL_TXN_FINAL)
		return;
	gv_nl_result_free(w->res);
	w->err = gv_nl_result_copy(w->res, ev);
	if (w->err)
		return;
	w->res->outcome = gv_nl_event_outcome(ev);
	w->state = s;
}

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* How long from now to the deadline, at most cap_ns; 0 when past. */
static int64_t ns_left(const struct timespec *deadline, int64_t cap_ns)
{
	struct timespec now;
	int64_t left;

	clock_gettime(CLOCK_MONOTONIC, &now);
	left = ns_of(deadline) - ns_of(&now);
	if (left < 0)
		return 0;
	return cap_ns > 0 && left > cap_ns ? cap_ns : left;
}

/* Waits up to ns for events (or, without a socket, just waits).
 * 1: something to read, 0: time is up, -EINTR: a signal, -errno. */
static int wait_for(struct gv_nl *events, int64_t ns, const sigset_t *sigmask)
{
	struct timespec t = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };
	struct pollfd pfd = { .fd = events ? gv_nl_fd(events) : -1, .events = POLLIN };
	int ret;

	ret = ppoll(events ? &pfd : NULL, events ? 1 : 0, &t, sigmask);
	if (ret < 0)
		return -errno;
	return ret > 0;
}

/* GET_TXN. 0 with res and *state, or -errno. */
static int ask(struct gv_nl *nl, uint32_t txn, struct gv_nl_result *res,
	       enum gv_nl_txn_state *state)
{
	int ret;

	gv_nl_result_free(res);
	ret = gv_nl_get_txn(nl, txn, res);
	if (!ret)
		*state = gv_nl_outcome_state(res->outcome);
	return ret;
}

int gv_nl_wait_txn(struct gv_nl *events, struct gv_nl *nl, uint32_t txn,
		   const struct timespec *deadline, const sigset_t *sigmask,
		   struct gv_nl_result *res)
{
	struct wait w = { .txn = txn, .res = res, .state = GV_NL_TXN_OTHER };
	enum gv_nl_txn_state state;
	bool lost = false;
	int64_t left;
	int ret;

	memset(res, 0, sizeof(*res));
	for (;;) {
		left = ns_left(deadline, events ? 0 : (int64_t)GV_NL_TXN_POLL_MS * 1000000);
		if (lost || !left) {
			ret = ask(nl, txn, res, &state);
			if (ret == -ENOSYS && events && lost && ns_left(deadline, 0)) {
				/* A module without GET_TXN: its event may
				 * still come, if it was not among those lost. */
				lost = false;
				continue;
			}
			if (ret || state != GV_NL_TXN_RUNNING || !ns_left(deadline, 0))
				return ret;
			/* Still running, before the deadline: its event
			 * is yet to come. */
			gv_nl_result_free(res);
			memset(res, 0, sizeof(*res));
			lost = false;
			continue;
		}
		ret = wait_for(events, left, sigmask);
		if (ret < 0)
			return ret;
		if (!events) {
			lost = true;	/* nothing tells but GET_TXN */
			continue;
		}
		if (!ret)
			continue;
		ret = gv_nl_read_events(events, on_event, &w);
		if (w.err)
			return w.err;
		if (w.state != GV_NL_TXN_OTHER)
			return 0;
		if (ret == -ENOBUFS)
			lost = true;
		else if (ret && ret != -EAGAIN)
			return ret;
	}
}
