/* ocim-sync's GitLab client: the reads of one project (branch, tree,
 * files raw or from the repository archive, pipelines), each filling the
 * project_sync of sync_int.h or saying why not in ps->err. */
#ifndef OCIM_SYNC_READ_H
#define OCIM_SYNC_READ_H

#include "db.h"
#include "gitarchive.h"
#include "sync_int.h"
#include "webhook.h"

/* Big reads.  A raw read costs a request per file; GitLab's archive of
 * instances/ at the commit holds them all in one request, but GitLab.com
 * allows 5 a minute per user and it carries every file.  So:
 *  - a first read (no commit read yet) or a project of ARCHIVE_MIN_INSTANCES
 *    instances or more (its tree alone takes several pages of 100) reads no
 *    tree: the archive and cluster.yml's raw file, 2 requests side by side
 *    whatever changed, the blob ids computed from the bytes as git does;
 *  - else the tree is read, and the changed files raw, a request each,
 *    unless more than ARCHIVE_MAX_RAW instance files changed: the archive.
 * An archive GitLab does not give (429, another status, no answer, over
 * the caps) falls back to the tree and raw reads; after a 429 or a
 * RateLimit-Remaining of 0 no archive is asked until GitLab's reset.  An
 * archive that is damaged or holds an unsafe path fails the project, which
 * keeps what was stored.
 * The archives of a group of sync.concurrency projects go out together
 * (sync.c), once GitLab gave one archive in the run: the first is asked
 * alone, so that a 429 keeps the others from asking. */
#define ARCHIVE_MIN_INSTANCES 25
#define ARCHIVE_MAX_RAW 8

/* Whether an answer is a 200; else ps->err says what came instead. */
int sync_answer_ok(struct project_sync *ps, const struct fetch *r);

/* One GET of the project's GitLab (path, or a whole URL), retried as
 * configured; 0 with the answer, or -1 with ps->err. */
int sync_get(struct project_sync *ps, const char *path, struct fetch_answer *a);

/* The answer's JSON (the answer freed); NULL with ps->err when it is not
 * an array (want_array) or an object. */
json_t *sync_answer_json(struct project_sync *ps, struct fetch_answer *a, int want_array);

/* The head commit of the branch GitLab answered into ps->commit; 0, or -1
 * with ps->err. */
int sync_branch_head(struct project_sync *ps, struct fetch_answer *a);

/* The path of page page of the pipelines updated since ps->since. */
void sync_pipelines_path(const struct project_sync *ps, int page, char *path, size_t size);

/* Reads the whole tree at ps->commit into ps->entries (the files Ocim
 * reads) and ps->folders; an item not understood fails it: -1 with ps->err. */
int sync_read_tree(struct project_sync *ps);

/* Whether an archive may be asked now (none failed for this project, no
 * rate limit pending). */
int sync_archive_usable(const struct project_sync *ps);

/* Whether GitLab gave an archive in this run. */
int sync_archive_answered(void);

/* The requests of the archive of instances/ at ps->commit (reqs[0]) and
 * of cluster.yml's raw file (reqs[1]), to send with others (no retries
 * for the archive: a 429 is read otherwise, not waited for); 0, or -2 when
 * the URL is too long. */
int sync_archive_ask(struct project_sync *ps, struct fetch reqs[2]);

/* Takes the answers of sync_archive_ask's n requests (1: the archive
 * alone, cluster NULL).  0 with the archive's files in files (the caller
 * frees them) and cluster.yml's answer in cluster (taken; body.data NULL
 * when there is none); -1 with ps->err when the project fails; -2 when
 * the archive is not to be had (read otherwise).  The answers are freed. */
int sync_archive_take(struct project_sync *ps, struct fetch *reqs, size_t n, struct gitarchive_list *files,
                      struct fetch_answer *cluster);

/* sync_archive_ask, sent at once, and sync_archive_take. */
int sync_fetch_archive(struct project_sync *ps, struct gitarchive_list *files, struct fetch_answer *cluster);

/* Fetches and parses every changed entry: raw, or from the archive when
 * many changed; 0, or -1 with ps->err. */
int sync_fetch_changed(struct project_sync *ps);

/* The pipelines updated since the last run, with what the list lacks
 * asked for those new or changed (see sync_read.c); the strings of *out
 * point into keep.  0, or -1 with ps->err. */
int sync_read_pipelines(struct project_sync *ps, struct db *db, json_t *keep, struct pipeline_event **out,
                        size_t *nout);

#endif
