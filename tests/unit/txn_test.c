// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting for a transaction's end (user/nl-txn.c): what an event or a
 * report means to the wait (pure functions), then gv_nl_wait_txn() itself
 * with the test standing in for the sockets: gv_nl_read_events(),
 * gv_nl_get_txn() and gv_nl_fd() come here (linked with --wrap) and
 * answer from a script, and the events socket is a pipe that is readable
 * while the script has reads left.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nl.h"
#include "test.h"

#define MAX_READS	4
#define MAX_EVENTS	3
#define MAX_ASKS	8

struct ev {
	uint32_t event, txn, outcome;
	bool no_txn;
};

/* One gv_nl_read_events(): its events, then its return value. */
struct read {
	struct ev ev[MAX_EVENTS];
	int nev;
	int ret;
};

/* One gv_nl_get_txn(): its error, or a report with this outcome. */
struct ask {
	int err;
	uint32_t outcome;
};

static struct {
	struct read reads[MAX_READS];
	int nreads, read;
	struct ask asks[MAX_ASKS];
	int nasks, asked;
	uint32_t asked_txn;
} k;

static int ready[2], idle[2];	/* pipes: one with a byte in it, one empty */
static char dummy;
#define EVENTS ((struct gv_nl *)&dummy)
static char dummy2;
#define NL ((struct gv_nl *)&dummy2)

int __wrap_gv_nl_fd(const struct gv_nl *nl)
{
	(void)nl;
	return k.read < k.nreads ? ready[0] : idle[0];
}

int __wrap_gv_nl_read_events(struct gv_nl *nl, gv_nl_event_fn fn, void *arg)
{
	struct gv_nl_dev member = { .addr = "0000:01:00.0", .group = 1 };
	const struct read *rd;
	struct gv_nl_result ev;
	int i;

	(void)nl;
	if (k.read == k.nreads)
		return -EAGAIN;
	rd = &k.reads[k.read++];
	for (i = 0; i < rd->nev; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.received = true;
		ev.event = rd->ev[i].event;
		ev.has_txn = !rd->ev[i].no_txn;
		ev.txn = rd->ev[i].txn;
		ev.outcome = rd->ev[i].outcome;
		snprintf(ev.message, sizeof(ev.message), "event %d.%d", k.read, i);
		ev.members = &member;
		ev.nmembers = 1;
		fn(&ev, arg);
	}
	return rd->ret;
}

int __wrap_gv_nl_get_txn(struct gv_nl *nl, uint32_t txn, struct gv_nl_result *res)
{
	const struct ask *a;

	(void)nl;
	memset(res, 0, sizeof(*res));
	k.asked_txn = txn;
	if (k.asked == k.nasks)
		return -EIO;
	a = &k.asks[k.asked++];
	if (a->err)
		return a->err;
	res->received = true;
	res->has_txn = true;
	res->txn = txn;
	res->outcome = a->outcome;
	snprintf(res->message, sizeof(res->message), "asked");
	return 0;
}

static void in_ms(struct timespec *t, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void reset(void)
{
	memset(&k, 0, sizeof(k));
}

/* Waits on txn 7 with events, up to ms from now. */
static int wait7(long ms, struct gv_nl_result *res)
{
	struct timespec deadline;

	in_ms(&deadline, ms);
	return gv_nl_wait_txn(EVENTS, NL, 7, &deadline, NULL, res);
}

static void test_states(void)
{
	static const uint32_t final[] = {
		GPUVFIO_EVENT_BOUND, GPUVFIO_EVENT_UNBOUND, GPUVFIO_EVENT_ROLLED_BACK,
		GPUVFIO_EVENT_ROLLBACK_INCOMPLETE, GPUVFIO_EVENT_REFUSED, GPUVFIO_EVENT_CLAIMED,
	};
	struct gv_nl_result ev = { .has_txn = true, .txn = 7 };
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(final) / sizeof(final[0]); i++) {
		ev.event = final[i];
		if (gv_nl_event_state(&ev, 7) != GV_NL_TXN_FINAL || gv_nl_event_state(&ev, 8) != GV_NL_TXN_OTHER)
			bad++;
	}
	check(!bad, "bound, unbound, rolled_back, rollback_incomplete, refused, claimed end their "
		    "transaction, and only theirs");
	ev.event = GPUVFIO_EVENT_PENDING;
	check(gv_nl_event_state(&ev, 7) == GV_NL_TXN_PENDING && gv_nl_event_state(&ev, 6) == GV_NL_TXN_OTHER,
	      "pending: its transaction is pending");
	ev.event = GPUVFIO_EVENT_CLAIMED;
	ev.has_txn = false;
	ev.txn = 0;
	check(gv_nl_event_state(&ev, 0) == GV_NL_TXN_OTHER,
	      "a device claimed as it appeared (no txn) ends no wait, not even one for txn 0");
	ev.has_txn = true;
	ev.txn = 7;
	ev.event = 100;
	ev.outcome = GPUVFIO_OUTCOME_DONE;
	check(gv_nl_event_state(&ev, 7) == GV_NL_TXN_FINAL, "a newer event of the txn: by its outcome, done");
	ev.outcome = GPUVFIO_OUTCOME_RUNNING;
	check(gv_nl_event_state(&ev, 7) == GV_NL_TXN_RUNNING, "a newer event saying running: not the end");
	ev.outcome = 100;
	check(gv_nl_event_state(&ev, 7) == GV_NL_TXN_OTHER, "a newer event with a newer outcome: no news");

	check(gv_nl_outcome_state(GPUVFIO_OUTCOME_RUNNING) == GV_NL_TXN_RUNNING &&
	      gv_nl_outcome_state(GPUVFIO_OUTCOME_PENDING) == GV_NL_TXN_PENDING &&
	      gv_nl_outcome_state(GPUVFIO_OUTCOME_DONE) == GV_NL_TXN_FINAL &&
	      gv_nl_outcome_state(GPUVFIO_OUTCOME_DRY_RUN) == GV_NL_TXN_FINAL &&
	      gv_nl_outcome_state(GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE) == GV_NL_TXN_FINAL &&
	      gv_nl_outcome_state(100) == GV_NL_TXN_FINAL,
	      "outcomes: running and pending go on, every other is final (an unknown one too)");

	memset(&ev, 0, sizeof(ev));
	ev.event = GPUVFIO_EVENT_REFUSED;
	check(gv_nl_event_outcome(&ev) == GPUVFIO_OUTCOME_REFUSED, "refused without an outcome: refused");
	ev.event = GPUVFIO_EVENT_BOUND;
	check(gv_nl_event_outcome(&ev) == GPUVFIO_OUTCOME_DONE, "bound without an outcome: done");
	ev.event = GPUVFIO_EVENT_ROLLBACK_INCOMPLETE;
	check(gv_nl_event_outcome(&ev) == GPUVFIO_OUTCOME_ROLLBACK_INCOMPLETE,
	      "rollback_incomplete without an outcome: rollback_incomplete");
	ev.outcome = GPUVFIO_OUTCOME_ROLLED_BACK;
	check(gv_nl_event_outcome(&ev) == GPUVFIO_OUTCOME_ROLLED_BACK, "an outcome sent is kept");
}

static void test_events(void)
{
	struct gv_nl_result res;
	int ret;

	reset();
	k.nreads = 2;
	k.reads[0] = (struct read){ .nev = 2, .ret = 0, .ev = {
		{ GPUVFIO_EVENT_BOUND, 6, GPUVFIO_OUTCOME_DONE },
		{ GPUVFIO_EVENT_CLAIMED, 0, GPUVFIO_OUTCOME_DONE, .no_txn = true } } };
	k.reads[1] = (struct read){ .nev = 1, .ret = 0, .ev = {
		{ GPUVFIO_EVENT_UNBOUND, 7, GPUVFIO_OUTCOME_DONE } } };
	ret = wait7(5000, &res);
	check(ret == 0 && res.event == GPUVFIO_EVENT_UNBOUND && res.txn == 7 &&
	      res.outcome == GPUVFIO_OUTCOME_DONE && res.received && res.nmembers == 1 &&
	      !strcmp(res.members[0].addr, "0000:01:00.0") && !strcmp(res.message, "event 2.0") &&
	      k.read == 2 && k.asked == 0,
	      "events of other transactions are passed over; its own final event ends the wait, "
	      "with its members, without GET_TXN");
	gv_nl_result_free(&res);

	reset();
	k.nreads = 1;
	k.reads[0] = (struct read){ .nev = 1, .ev = { { GPUVFIO_EVENT_PENDING, 7, GPUVFIO_OUTCOME_PENDING } } };
	ret = wait7(5000, &res);
	check(ret == 0 && res.event == GPUVFIO_EVENT_PENDING && res.outcome == GPUVFIO_OUTCOME_PENDING &&
	      gv_nl_outcome_state(res.outcome) == GV_NL_TXN_PENDING && k.asked == 0,
	      "its pending event ends the wait as pending");
	gv_nl_result_free(&res);

	reset();
	k.nreads = 1;
	k.reads[0] = (struct read){ .nev = 3, .ev = {
		{ GPUVFIO_EVENT_PENDING, 7, GPUVFIO_OUTCOME_PENDING },
		{ GPUVFIO_EVENT_REFUSED, 7, 0 },
		{ GPUVFIO_EVENT_PENDING, 7, GPUVFIO_OUTCOME_PENDING } } };
	ret = wait7(5000, &res);
	check(ret == 0 && res.event == GPUVFIO_EVENT_REFUSED && res.outcome == GPUVFIO_OUTCOME_REFUSED,
	      "pending and its end read together: the end wins, its outcome filled in");
	gv_nl_result_free(&res);

	reset();
	k.nreads = 1;
	k.reads[0] = (struct read){ .ret = -EIO };
	ret = wait7(5000, &res);
	check(ret == -EIO, "a socket error ends the wait with it");
	gv_nl_result_free(&res);
}

static void test_asks(void)
{
	struct gv_nl_result res;
	struct timespec t0, deadline;
	int ret;

	/* Lost events: GET_TXN tells. */
	reset();
	k.nreads = 1;
	k.reads[0] = (struct read){ .nev = 1, .ret = -ENOBUFS, .ev = { { GPUVFIO_EVENT_BOUND, 6, 1 } } };
	k.nasks = 1;
	k.asks[0] = (struct ask){ .outcome = GPUVFIO_OUTCOME_ROLLED_BACK };
	ret = wait7(5000, &res);
	check(ret == 0 && k.asked == 1 && k.asked_txn == 7 && res.event == 0 &&
	      res.outcome == GPUVFIO_OUTCOME_ROLLED_BACK && !strcmp(res.message, "asked"),
	      "events lost (ENOBUFS): GET_TXN is asked, and its final report ends the wait");
	gv_nl_result_free(&res);

	reset();
	k.nreads = 2;
	k.reads[0] = (struct read){ .ret = -ENOBUFS };
	k.reads[1] = (struct read){ .nev = 1, .ev = { { GPUVFIO_EVENT_BOUND, 7, GPUVFIO_OUTCOME_DONE } } };
	k.nasks = 1;
	k.asks[0] = (struct ask){ .outcome = GPUVFIO_OUTCOME_RUNNING };
	ret = wait7(5000, &res);
	check(ret == 0 && k.asked == 1 && res.event == GPUVFIO_EVENT_BOUND,
	      "events lost, GET_TXN says running before the deadline: the wait goes on, to its event");
	gv_nl_result_free(&res);

	reset();
	k.nreads = 2;
	k.reads[0] = (struct read){ .ret = -ENOBUFS };
	k.reads[1] = (struct read){ .nev = 1, .ev = { { GPUVFIO_EVENT_BOUND, 7, GPUVFIO_OUTCOME_DONE } } };
	k.nasks = 1;
	k.asks[0] = (struct ask){ .err = -ENOSYS };
	ret = wait7(5000, &res);
	check(ret == 0 && k.asked == 1 && res.event == GPUVFIO_EVENT_BOUND,
	      "events lost and no GET_TXN: the wait goes on, its event may still come");
	gv_nl_result_free(&res);

	/* The deadline passes without news. */
	reset();
	k.nasks = 1;
	k.asks[0] = (struct ask){ .outcome = GPUVFIO_OUTCOME_RUNNING };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = wait7(100, &res);
	check(ret == 0 && k.asked == 1 && res.outcome == GPUVFIO_OUTCOME_RUNNING && since(&t0) >= 0.099,
	      "no event by the deadline: GET_TXN asked at the deadline, its running report ends the wait");
	gv_nl_result_free(&res);

	reset();
	k.nasks = 1;
	k.asks[0] = (struct ask){ .outcome = GPUVFIO_OUTCOME_DONE };
	ret = wait7(50, &res);
	check(ret == 0 && res.outcome == GPUVFIO_OUTCOME_DONE,
	      "no event by the deadline, GET_TXN says done (its event lost): done");
	gv_nl_result_free(&res);

	reset();
	k.nasks = 1;
	k.asks[0] = (struct ask){ .err = -ENOENT };
	check(wait7(50, &res) == -ENOENT, "GET_TXN does not know it: -ENOENT");
	gv_nl_result_free(&res);
	reset();
	k.nasks = 1;
	k.asks[0] = (struct ask){ .err = -ENOSYS };
	check(wait7(50, &res) == -ENOSYS, "a module without GET_TXN at the deadline: -ENOSYS");
	gv_nl_result_free(&res);

	/* Without an events socket, GET_TXN is asked every
	 * GV_NL_TXN_POLL_MS. */
	reset();
	k.nasks = 3;
	k.asks[0] = (struct ask){ .outcome = GPUVFIO_OUTCOME_RUNNING };
	k.asks[1] = (struct ask){ .outcome = GPUVFIO_OUTCOME_RUNNING };
	k.asks[2] = (struct ask){ .outcome = GPUVFIO_OUTCOME_DRY_RUN };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	in_ms(&deadline, 5000);
	ret = gv_nl_wait_txn(NULL, NL, 7, &deadline, NULL, &res);
	check(ret == 0 && k.asked == 3 && res.outcome == GPUVFIO_OUTCOME_DRY_RUN &&
	      since(&t0) >= 3 * GV_NL_TXN_POLL_MS / 1000.0 - 0.001 && since(&t0) < 2.0,
	      "no events socket: GET_TXN polled until the report is final (%.3f s)", since(&t0));
	gv_nl_result_free(&res);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void test_signal(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	struct gv_nl_result res;
	struct timespec t0, deadline;
	sigset_t block, saved, unblocked;
	int ret;

	reset();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, &old);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &saved);
	unblocked = saved;
	sigdelset(&unblocked, SIGUSR1);
	/* It comes before the wait starts, while blocked: not lost. */
	raise(SIGUSR1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	in_ms(&deadline, 5000);
	ret = gv_nl_wait_txn(EVENTS, NL, 7, &deadline, &unblocked, &res);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	sigaction(SIGUSR1, &old, NULL);
	check(ret == -EINTR && since(&t0) < 1.0 && k.asked == 0,
	      "a signal let in by the mask ends the wait at once: -EINTR");
	gv_nl_result_free(&res);
}

int main(void)
{
	if (pipe(ready) || pipe(idle) || write(ready[1], "x", 1) != 1) {
		perror("pipe");
		return 1;
	}
	test_states();
	test_events();
	test_asks();
	test_signal();
	return test_done();
}
