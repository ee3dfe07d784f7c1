/*
 * memory_latency.c — how long one random read takes on this machine when it
 * misses the CPU caches: a chain of dependent reads through a random cycle
 * over a buffer of the given size (one 64-byte line per step), the best of
 * five rounds.  A warm point check over the SPEC §10 data set reads two such
 * lines that no cache holds (its uuid's bucket and its node), so this is the
 * floor under test/bench/run.sh's point-check figure on the machine it runs.
 *
 *   gcc -O2 -o memory_latency memory_latency.c && ./memory_latency 67108864
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define LINE_WORDS	8			/* uint64 per 64-byte line */
#define STEPS		4000000

static double
seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

int
main(int argc, char **argv)
{
	size_t		bytes = argc > 1 ? strtoull(argv[1], NULL, 10) : (size_t) 64 << 20;
	size_t		lines = bytes / 64,
				i;
	uint64_t   *buf;
	uint32_t   *order;
	uint64_t	x = 88172645463325252ULL,
				at = 0;
	double		best = 1e9;
	int			round;

	if (lines < 2)
	{
		fprintf(stderr, "memory_latency: the buffer must hold at least two 64-byte lines\n");
		return 1;
	}
	buf = aligned_alloc(64, lines * 64);
	order = malloc(lines * sizeof(uint32_t));
	if (buf == NULL || order == NULL)
	{
		fprintf(stderr, "memory_latency: out of memory\n");
		return 1;
	}
	/* a random cyclic order of the lines (Fisher-Yates with xorshift64) */
	for (i = 0; i < lines; i++)
		order[i] = (uint32_t) i;
	for (i = lines - 1; i > 0; i--)
	{
		size_t		j;
		uint32_t	t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = x % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	/* each line holds the position of the next one in that order */
	for (i = 0; i < lines; i++)
		buf[(size_t) order[i] * LINE_WORDS] = (uint64_t) order[(i + 1) % lines] * LINE_WORDS;
	for (round = 0; round < 5; round++)
	{
		double		start = seconds(),
					ns;

		for (i = 0; i < STEPS; i++)
			at = buf[at];
		ns = (seconds() - start) / STEPS * 1e9;
		if (ns < best)
			best = ns;
	}
	/* (where the chain ended is printed, so that it is not optimized away) */
	printf("%.1f ns per dependent random read over %zu MB (ended at line %llu)\n", best,
		   bytes >> 20, (unsigned long long) (at / LINE_WORDS));
	return 0;
}
