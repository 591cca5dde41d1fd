/* Times the YAML reader (ydoc_parse + ynode_to_json) on inputs it must
 * handle quickly: a 50 000-key mapping, a 1 MB config shaped like Grove's,
 * and an alias bomb that must be refused within the budget.  Prints,
 * never asserts: run `build/bench/yaml` and read the numbers. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/ydoc.h"

struct buf {
	char *data;
	size_t len, cap;
};

static void
add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len)
			break;
		b->cap = b->cap * 2 + (size_t)n + 64;
		b->data = realloc(b->data, b->cap);
		if (b->data == NULL)
			abort();
	}
	b->len += (size_t)n;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parses and converts like ocim-sync does, with its limits but room for
 * the bigger inputs; prints the times and the outcome. */
static void
measure(const char *what, const struct buf *b)
{
	struct ylimits lim = ydoc_default_limits;
	char err[300];
	double t0, t1, t2;
	struct ynode *root;
	json_t *j = NULL;

	lim.max_bytes = 2 * 1024 * 1024;
	lim.max_nodes = 200000;
	t0 = now();
	root = ydoc_parse(b->data, b->len, &lim, err, sizeof err);
	t1 = now();
	if (root != NULL)
		j = ynode_to_json(root);
	t2 = now();
	printf("%-32s %8zu bytes  parse %8.1f ms  to JSON %6.1f ms  %s\n", what, b->len,
	       (t1 - t0) * 1000, (t2 - t1) * 1000,
	       root != NULL ? (j != NULL ? "parsed" : "conversion failed") : err);
	json_decref(j);
	ynode_free(root);
}

static void
grove_like(struct buf *b, int aliases)
{
	b->len = 0;
	add(b, "PLATFORM_NAME: \"ACME Learning\"\nLMS_HOST: %slearn.acme.example.com\n"
	       "CMS_HOST: %s\ndefaults:%s\n  ENABLE_HTTPS: true\n  LANGUAGE_CODE: en\n",
	    aliases ? "&host " : "", aliases ? "*host" : "studio.learn.acme.example.com",
	    aliases ? " &defaults" : "");
	for (int i = 0; b->len < 1000 * 1000; i++)
		add(b, "SITE_%d:\n  %s\n  HOST: site-%d.learn.acme.example.com\n"
		       "  CONTACT_EMAIL: \"support+%d@example.com\"\n  PLUGINS:\n    - forum\n    - mfe\n"
		       "    - acme-theme\n  RESOURCES: {cpu: 500m, memory: 1Gi, replicas: %d}\n",
		    i, aliases ? "<<: *defaults" : "ENABLE_HTTPS: true", i, i, i % 7);
}

int
main(void)
{
	struct buf b = { 0 };

	/* 50 000 distinct keys in one mapping, 650 KB */
	for (int i = 0; i < 50000; i++)
		add(&b, "key%05d: val\n", i);
	measure("mapping of 50 000 keys", &b);

	/* a config shaped like Grove's: settings, lists, nested mappings,
	 * repeated under distinct keys up to 1 MB; once plain, once sharing
	 * its settings through anchors, aliases and merge keys */
	grove_like(&b, 0);
	measure("1 MB Grove-like config.yml", &b);
	grove_like(&b, 1);
	measure("1 MB Grove-like, with aliases", &b);

	/* billion laughs: ten levels of ten aliases each */
	b.len = 0;
	add(&b, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (int i = 1; i < 10; i++)
		add(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
		    i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	measure("alias bomb (10^10 nodes)", &b);
	free(b.data);
	return 0;
}
