/* What the parts of ocim-sync share about one project's read (sync.c
 * runs it, sync_read.c asks GitLab, sync_store.c maps and stores): not
 * for use outside them. */
#ifndef OCIM_SYNC_INT_H
#define OCIM_SYNC_INT_H

#include <stddef.h>
#include <jansson.h>

#include "conf.h"
#include "fetch.h"
#include "sync.h"

#define MAX_FILE (1024 * 1024)      /* a file read, at most */
#define MAX_PAGES 1000                /* pages of a list (tree, pipelines), at most */

/* A file of the tree worth reading. */
struct entry {
	char instance[64];              /* "" for cluster.yml */
	int grove;                      /* grove.yml, else config.yml */
	char blob[65];                  /* 40 (SHA-1) or 64 (SHA-256) hex digits */
	char *text;                     /* fetched content, owned */
	json_t *parsed;                 /* its YAML as JSON, owned */
	char error[300];                /* why it could not be read or parsed */
	int changed;
	int kept_error;                 /* unchanged since it failed: its error stands */
};

struct project_sync {
	const struct conf *conf;
	const struct sync_options *opt;
	struct sync_stats *st;
	long id, gitlab_id;
	const char *name, *base, *since, *synced_commit;
	const char *read_at;            /* when this read began (the database's clock) */
	char branch[256];
	char commit[65];                /* the branch's head: the ref everything is read at */
	int requested;                  /* marked for refresh (push webhook, user) */
	int skipped;                    /* another run holds its lock */
	int read_tree;                  /* the tree is read (the head moved, or asked to) */
	int no_archive;                 /* the archive failed: file by file */
	char token[512];
	struct fetch *first;   /* project, branch, pipelines: sent with every project's */
	char urls[3][2400];
	struct fetch *archive;          /* the archive and cluster.yml, asked with other projects', or NULL */
	char archive_urls[2][2400];
	json_t *meta;
	struct entry *entries;
	size_t n;
	json_t *folders;                /* {path: error}: instances/ folders that are no instance name */
	char err[400];
};

#endif
