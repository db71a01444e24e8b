// SPDX-License-Identifier: GPL-2.0
/*
 * nsclock: print CLOCK_MONOTONIC in nanoseconds, for timing in busybox sh
 * (make bench, tests/bench/guest.sh):
 *
 *   t0=$(nsclock); command; t1=$(nsclock); echo $((t1 - t0))
 */
#include <stdio.h>
#include <time.h>

int main(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts)) {
		perror("nsclock: clock_gettime");
		return 1;
	}
	printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	return 0;
}
