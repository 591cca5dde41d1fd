#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <yaml.h>

#include "util.h"
#include "ydoc.h"

const struct ylimits ydoc_default_limits = {
	.max_bytes = 1024 * 1024,
	.max_depth = 32,
	.max_nodes = 100000,
	.max_alias_nodes = 100000,
	.max_alias_depth = 8,
};

/* An open-addressing hash set of strings, for mapping keys (duplicates)
 * and anchor names.  Keys are borrowed: they must outlive the set.  Each
 * slot carries a value (a pointer) for the caller.  The hash is SipHash
 * (crypto_shorthash) with a random key per parse, so a file cannot be
 * made of keys that collide and bring the quadratic time back. */
struct kslot {
	const char *key;        /* NULL: empty slot */
	size_t len;
	uint64_t hash;
	void *val;
};

struct kset {
	const unsigned char *hkey;      /* crypto_shorthash_KEYBYTES, borrowed */
	struct kslot *slots;
	size_t cap;             /* a power of two, or 0 before the first insert */
	size_t used;
};

static uint64_t
khash(const struct kset *s, const char *key, size_t len)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, (const unsigned char *)key, len, s->hkey);
	memcpy(&h, out, sizeof h);
	return h;
}

/* The slot holding key, or the empty slot where it would go. */
static struct kslot *
kset_slot(const struct kset *s, const char *key, size_t len, uint64_t h)
{
	size_t i = (size_t)h & (s->cap - 1);

	for (;;) {
		struct kslot *sl = &s->slots[i];
		if (sl->key == NULL ||
		    (sl->hash == h && sl->len == len && memcmp(sl->key, key, len) == 0))
			return sl;
		i = (i + 1) & (s->cap - 1);
	}
}

/* Borrowed slot for key, or NULL when absent. */
static struct kslot *
kset_find(const struct kset *s, const char *key, size_t len)
{
	struct kslot *sl;

	if (s->cap == 0)
		return NULL;
	sl = kset_slot(s, key, len, khash(s, key, len));
	return sl->key != NULL ? sl : NULL;
}

/* Adds key with val, or replaces the value of a key already there.
 * Returns 0, or -1 when out of memory. */
static int
kset_put(struct kset *s, const char *key, size_t len, void *val)
{
	uint64_t h = khash(s, key, len);
	struct kslot *sl;

	if ((s->used + 1) * 2 > s->cap) {     /* keep the load under a half */
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct kset bigger = { s->hkey, calloc(cap, sizeof *bigger.slots), cap, s->used };

		if (bigger.slots == NULL)
			return -1;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slots[i].key != NULL)
				*kset_slot(&bigger, s->slots[i].key, s->slots[i].len,
				           s->slots[i].hash) = s->slots[i];
		free(s->slots);
		*s = bigger;
	}
	sl = kset_slot(s, key, len, h);
	if (sl->key == NULL) {
		sl->key = key;
		sl->len = len;
		sl->hash = h;
		s->used++;
	}
	sl->val = val;
	return 0;
}

static void
kset_free(struct kset *s)
{
	free(s->slots);
	s->slots = NULL;
	s->cap = s->used = 0;
}

/* A node an anchor names; name is owned, node belongs to the tree (or to
 * the graveyard) and lives until the parse ends. */
struct anchor {
	char *name;
	const struct ynode *node;
	unsigned nest;          /* aliases nested inside node, plus one per level */
};

struct parser {
	yaml_parser_t yp;
	const struct ylimits *lim;
	size_t nodes;
	size_t alias_nodes;     /* nodes produced by aliases and merge keys */
	unsigned char hkey[crypto_shorthash_KEYBYTES];
	struct kset anchors;    /* name -> struct anchor * */
	struct anchor **anchor_list;
	size_t n_anchors;
	struct ynode **graveyard;  /* parsed nodes left out of the tree (merged) */
	unsigned at_line, at_col;  /* the alias or merge key being expanded */
	size_t n_graveyard;
	char *err;
	size_t errsz;
};

static void
fail(struct parser *p, unsigned line, unsigned col, const char *msg)
{
	if (p->err[0] == '\0')
		utf8_snprintf(p->err, p->errsz, "line %u, column %u: %s", line, col, msg);
}

static void
fail_at(struct parser *p, const yaml_mark_t *m, const char *msg)
{
	fail(p, (unsigned)m->line + 1, (unsigned)m->column + 1, msg);
}

static int
next_event(struct parser *p, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&p->yp, ev)) {
		const char *problem = p->yp.problem ? p->yp.problem : "invalid YAML";
		char msg[256];
		if (p->yp.context != NULL)
			snprintf(msg, sizeof msg, "%s %s", problem, p->yp.context);
		else
			snprintf(msg, sizeof msg, "%s", problem);
		fail_at(p, &p->yp.problem_mark, msg);
		return -1;
	}
	return 0;
}

static struct ynode *
node_alloc(struct parser *p, enum ynode_kind kind, unsigned line, unsigned col)
{
	struct ynode *n = calloc(1, sizeof *n);

	if (n == NULL) {
		fail(p, line, col, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->line = line;
	n->col = col;
	return n;
}

static struct ynode *
node_new(struct parser *p, enum ynode_kind kind, const yaml_mark_t *mark)
{
	if (++p->nodes > p->lim->max_nodes) {
		fail_at(p, mark, "document has too many nodes");
		return NULL;
	}
	return node_alloc(p, kind, (unsigned)mark->line + 1, (unsigned)mark->column + 1);
}

/* How many items an items array of n items has room for: doubling, so
 * a big mapping costs no more than linear time in reallocations. */
static size_t
items_cap(size_t n)
{
	size_t cap = 16;

	if (n == 0)
		return 0;
	while (cap < n)
		cap *= 2;
	return cap;
}

static int
node_push(struct parser *p, struct ynode *parent, struct ynode *child)
{
	struct ynode **items;

	if (parent->n == items_cap(parent->n)) {
		items = realloc(parent->items, items_cap(parent->n + 1) * sizeof *items);
		if (items == NULL) {
			fail(p, child->line, child->col, "out of memory");
			return -1;
		}
		parent->items = items;
	}
	parent->items[parent->n++] = child;
	return 0;
}

/* Keeps a parsed node that is not part of the tree (the value of a merge
 * key) until the parse ends, since anchors may point into it. */
static int
bury(struct parser *p, struct ynode *n)
{
	struct ynode **g = realloc(p->graveyard, (p->n_graveyard + 1) * sizeof *g);

	if (g == NULL) {
		fail(p, n->line, n->col, "out of memory");
		ynode_free(n);
		return -1;
	}
	p->graveyard = g;
	p->graveyard[p->n_graveyard++] = n;
	return 0;
}

/* A copy of src at the given depth with its root at line:col, charged to
 * the alias budget: an alias bomb stops here after max_alias_nodes nodes,
 * however many it would have made, with an error at the alias being
 * expanded (p->at_line, p->at_col).  NULL with p->err set. */
static struct ynode *
node_copy(struct parser *p, const struct ynode *src, unsigned depth, unsigned line, unsigned col)
{
	struct ynode *n;
	char msg[160];

	if (++p->alias_nodes > p->lim->max_alias_nodes) {
		snprintf(msg, sizeof msg, "aliases expand to more than %zu nodes",
		         p->lim->max_alias_nodes);
		fail(p, p->at_line, p->at_col, msg);
		return NULL;
	}
	if (src->kind != YNODE_SCALAR && depth >= p->lim->max_depth) {
		fail(p, p->at_line, p->at_col, "document nested too deeply (through an alias)");
		return NULL;
	}
	n = node_alloc(p, src->kind, line, col);
	if (n == NULL)
		return NULL;
	n->plain = src->plain;
	if (src->value != NULL) {
		n->len = src->len;
		n->value = malloc(src->len + 1);
		if (n->value == NULL) {
			fail(p, line, col, "out of memory");
			goto bad;
		}
		memcpy(n->value, src->value, src->len + 1);
	}
	if (src->n > 0) {
		n->items = malloc(items_cap(src->n) * sizeof *n->items);
		if (n->items == NULL) {
			fail(p, line, col, "out of memory");
			goto bad;
		}
		for (size_t i = 0; i < src->n; i++) {
			const struct ynode *c = src->items[i];
			n->items[i] = node_copy(p, c, depth + 1, c->line, c->col);
			if (n->items[i] == NULL)
				goto bad;
			n->n++;
		}
	}
	return n;
bad:
	ynode_free(n);
	return NULL;
}

/* The anchor an alias event names, or NULL with p->err set. */
static const struct anchor *
alias_target(struct parser *p, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct kslot *sl;
	char msg[160], shown[101];
	const struct anchor *a;

	if (p->lim->max_alias_nodes == 0 || p->lim->max_alias_depth == 0) {
		fail_at(p, &ev->start_mark, "aliases are not allowed");
		return NULL;
	}
	sl = kset_find(&p->anchors, name, strlen(name));
	if (sl == NULL) {
		snprintf(msg, sizeof msg, "unknown alias '*%s' (no anchor '&%s' before it)",
		         utf8_clip(shown, sizeof shown, name), shown);
		fail_at(p, &ev->start_mark, msg);
		return NULL;
	}
	a = sl->val;
	if (a->nest + 1 > p->lim->max_alias_depth) {
		snprintf(msg, sizeof msg, "aliases nested more than %u deep",
		         p->lim->max_alias_depth);
		fail_at(p, &ev->start_mark, msg);
		return NULL;
	}
	return a;
}

/* Records the anchor of a node just parsed (a later anchor of the same
 * name wins, as YAML says).  Returns 0, or -1 with p->err set. */
static int
anchor_add(struct parser *p, const char *name, const struct ynode *node, unsigned nest)
{
	struct anchor *a, **list;

	if (name == NULL)
		return 0;
	a = calloc(1, sizeof *a);
	list = realloc(p->anchor_list, (p->n_anchors + 1) * sizeof *list);
	if (list != NULL)
		p->anchor_list = list;
	if (a == NULL || list == NULL || (a->name = strdup(name)) == NULL) {
		free(a);
		fail(p, node->line, node->col, "out of memory");
		return -1;
	}
	a->node = node;
	a->nest = nest;
	p->anchor_list[p->n_anchors++] = a;
	if (kset_put(&p->anchors, a->name, strlen(a->name), a) < 0) {
		fail(p, node->line, node->col, "out of memory");
		return -1;
	}
	return 0;
}

static struct ynode *parse_node(struct parser *p, yaml_event_t *ev, unsigned depth, unsigned *nest);

/* A mapping being read: its keys for the duplicate check and the mappings
 * its merge keys name, applied when it ends. */
struct merge {
	const struct ynode *src;
	unsigned line, col;     /* where the merge names it */
};

struct mapstate {
	struct kset keys;       /* key -> nothing; keys are the nodes' values */
	struct merge *merges;
	size_t n_merges;
};

static int
merge_add(struct parser *p, struct mapstate *ms, const struct ynode *src, const yaml_mark_t *m)
{
	struct merge *v;

	if (src->kind != YNODE_MAP) {
		fail_at(p, m, "the merge key '<<' takes a mapping, an alias of one or a list of them");
		return -1;
	}
	v = realloc(ms->merges, (ms->n_merges + 1) * sizeof *v);
	if (v == NULL) {
		fail_at(p, m, "out of memory");
		return -1;
	}
	ms->merges = v;
	ms->merges[ms->n_merges].src = src;
	ms->merges[ms->n_merges].line = (unsigned)m->line + 1;
	ms->merges[ms->n_merges++].col = (unsigned)m->column + 1;
	return 0;
}

/* One mapping (inline or an alias) named by a merge key, from event ev.
 * Returns 0, or -1 with p->err set. */
static int
merge_one(struct parser *p, struct mapstate *ms, yaml_event_t *ev, unsigned depth, unsigned *nest)
{
	struct ynode *n;
	unsigned inner = 0;

	if (ev->type == YAML_ALIAS_EVENT) {
		const struct anchor *a = alias_target(p, ev);
		if (a == NULL)
			return -1;
		if (a->nest + 1 > *nest)
			*nest = a->nest + 1;
		return merge_add(p, ms, a->node, &ev->start_mark);
	}
	if (ev->type != YAML_MAPPING_START_EVENT) {
		fail_at(p, &ev->start_mark,
		        "the merge key '<<' takes a mapping, an alias of one or a list of them");
		return -1;
	}
	n = parse_node(p, ev, depth, &inner);
	if (n == NULL || bury(p, n) < 0)
		return -1;
	if (inner > *nest)
		*nest = inner;
	return merge_add(p, ms, n, &ev->start_mark);
}

/* The value of a merge key: a mapping, an alias of one, or a sequence of
 * those (earlier ones win).  ev is the value's first event. */
static int
merge_value(struct parser *p, struct mapstate *ms, yaml_event_t *ev, unsigned depth, unsigned *nest)
{
	if (ev->type != YAML_SEQUENCE_START_EVENT)
		return merge_one(p, ms, ev, depth, nest);
	if (depth >= p->lim->max_depth) {
		fail_at(p, &ev->start_mark, "document nested too deeply");
		return -1;
	}
	for (;;) {
		yaml_event_t item;
		int rc;

		if (next_event(p, &item) < 0)
			return -1;
		if (item.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&item);
			return 0;
		}
		rc = merge_one(p, ms, &item, depth + 1, nest);
		yaml_event_delete(&item);
		if (rc < 0)
			return -1;
	}
}

static int
is_merge_key(const struct ynode *k)
{
	return k->plain && k->len == 2 && memcmp(k->value, "<<", 2) == 0;
}

/* Adds a key and its value to map n unless the key is there already (a
 * merged key that an explicit one overrides).  Takes both nodes (freed
 * on failure or when skipped).  Returns 0, or -1 with p->err set. */
static int
map_add(struct parser *p, struct ynode *n, struct mapstate *ms, struct ynode *k, struct ynode *v)
{
	if (kset_find(&ms->keys, k->value, k->len) != NULL) {
		ynode_free(k);
		ynode_free(v);
		return 0;
	}
	if (node_push(p, n, k) < 0) {
		ynode_free(k);
		ynode_free(v);
		return -1;
	}
	if (node_push(p, n, v) < 0) {
		n->n--;
		ynode_free(k);
		ynode_free(v);
		return -1;
	}
	if (kset_put(&ms->keys, k->value, k->len, NULL) < 0) {
		fail(p, k->line, k->col, "out of memory");
		return -1;
	}
	return 0;
}

/* Copies the pairs of the mappings merge keys named into n, where n has
 * no such key yet; earlier mappings win over later ones. */
static int
apply_merges(struct parser *p, struct ynode *n, struct mapstate *ms, unsigned depth)
{
	for (size_t i = 0; i < ms->n_merges; i++) {
		const struct ynode *src = ms->merges[i].src;

		p->at_line = ms->merges[i].line;
		p->at_col = ms->merges[i].col;

		for (size_t j = 0; j + 1 < src->n; j += 2) {
			const struct ynode *sk = src->items[j], *sv = src->items[j + 1];
			struct ynode *k, *v;

			if (kset_find(&ms->keys, sk->value, sk->len) != NULL)
				continue;
			k = node_copy(p, sk, depth + 1, sk->line, sk->col);
			if (k == NULL)
				return -1;
			v = node_copy(p, sv, depth + 1, sv->line, sv->col);
			if (v == NULL) {
				ynode_free(k);
				return -1;
			}
			if (map_add(p, n, ms, k, v) < 0)
				return -1;
		}
	}
	return 0;
}

/* Reads children until the matching end event; start is the start event.
 * Duplicate keys are found with a hash set per mapping: linear, however
 * many keys.  *nest gets the deepest alias nesting inside. */
static struct ynode *
parse_collection(struct parser *p, yaml_event_t *start, unsigned depth, unsigned *nest)
{
	int is_map = start->type == YAML_MAPPING_START_EVENT;
	yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
	struct ynode *n = node_new(p, is_map ? YNODE_MAP : YNODE_SEQ, &start->start_mark);
	struct ynode *key = NULL;       /* a mapping's key waiting for its value */
	struct mapstate ms = { .keys.hkey = p->hkey };

	if (n == NULL)
		return NULL;
	if (depth >= p->lim->max_depth) {
		fail(p, n->line, n->col, "document nested too deeply");
		goto bad;
	}
	for (;;) {
		yaml_event_t ev;
		struct ynode *child;
		unsigned inner = 0;
		int rc;

		if (next_event(p, &ev) < 0)
			goto bad;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			break;
		}
		if (key != NULL && is_merge_key(key)) {
			rc = merge_value(p, &ms, &ev, depth + 1, nest);
			yaml_event_delete(&ev);
			/* the key stays alive: an anchor may name it */
			rc = bury(p, key) < 0 ? -1 : rc;
			key = NULL;
			if (rc < 0)
				goto bad;
			continue;
		}
		child = parse_node(p, &ev, depth + 1, &inner);
		yaml_event_delete(&ev);
		if (child == NULL)
			goto bad;
		if (inner > *nest)
			*nest = inner;
		if (!is_map) {
			if (node_push(p, n, child) < 0) {
				ynode_free(child);
				goto bad;
			}
		} else if (key == NULL) {
			if (child->kind != YNODE_SCALAR) {
				fail(p, child->line, child->col, "mapping keys must be scalars");
				ynode_free(child);
				goto bad;
			}
			if (kset_find(&ms.keys, child->value, child->len) != NULL) {
				char msg[160], shown[101];

				snprintf(msg, sizeof msg, "duplicate key '%s'",
				         utf8_clip(shown, sizeof shown, child->value));
				fail(p, child->line, child->col, msg);
				ynode_free(child);
				goto bad;
			}
			key = child;
		} else {
			rc = map_add(p, n, &ms, key, child);
			key = NULL;
			if (rc < 0)
				goto bad;
		}
	}
	if (is_map && apply_merges(p, n, &ms, depth) < 0)
		goto bad;
	kset_free(&ms.keys);
	free(ms.merges);
	return n;
bad:
	ynode_free(key);
	kset_free(&ms.keys);
	free(ms.merges);
	ynode_free(n);
	return NULL;
}

/* One node from its first event ev (which the caller deletes): a scalar,
 * a collection, or the copy an alias makes.  Records its anchor.  *nest
 * gets how deeply aliases nest inside it (0: none). */
static struct ynode *
parse_node(struct parser *p, yaml_event_t *ev, unsigned depth, unsigned *nest)
{
	const struct anchor *a;
	const char *anchor = NULL;
	struct ynode *n;

	*nest = 0;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		anchor = (const char *)ev->data.scalar.anchor;
		n = node_new(p, YNODE_SCALAR, &ev->start_mark);
		if (n == NULL)
			return NULL;
		n->len = ev->data.scalar.length;
		n->value = malloc(n->len + 1);
		if (n->value == NULL) {
			fail(p, n->line, n->col, "out of memory");
			ynode_free(n);
			return NULL;
		}
		memcpy(n->value, ev->data.scalar.value, n->len);
		n->value[n->len] = '\0';
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		           ev->data.scalar.tag == NULL;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = (const char *)ev->data.sequence_start.anchor;
		n = parse_collection(p, ev, depth, nest);
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = (const char *)ev->data.mapping_start.anchor;
		n = parse_collection(p, ev, depth, nest);
		break;
	case YAML_ALIAS_EVENT:
		a = alias_target(p, ev);
		if (a == NULL)
			return NULL;
		*nest = a->nest + 1;
		p->at_line = (unsigned)ev->start_mark.line + 1;
		p->at_col = (unsigned)ev->start_mark.column + 1;
		return node_copy(p, a->node, depth, p->at_line, p->at_col);
	default:
		fail_at(p, &ev->start_mark, "unexpected YAML event");
		return NULL;
	}
	if (n != NULL && anchor_add(p, anchor, n, *nest) < 0) {
		ynode_free(n);
		return NULL;
	}
	return n;
}

static void
parser_free(struct parser *p)
{
	yaml_parser_delete(&p->yp);
	for (size_t i = 0; i < p->n_anchors; i++) {
		free(p->anchor_list[i]->name);
		free(p->anchor_list[i]);
	}
	free(p->anchor_list);
	kset_free(&p->anchors);
	for (size_t i = 0; i < p->n_graveyard; i++)
		ynode_free(p->graveyard[i]);
	free(p->graveyard);
}

struct ynode *
ydoc_parse(const char *buf, size_t len, const struct ylimits *lim, char *err, size_t errsz)
{
	struct parser p = { .lim = lim ? lim : &ydoc_default_limits, .err = err, .errsz = errsz };
	struct ynode *root = NULL;
	yaml_event_t ev;
	int state = 0; /* 0 before document, 1 root read, 2 document ended */
	unsigned nest;

	err[0] = '\0';
	if (len > p.lim->max_bytes) {
		snprintf(err, errsz, "line 1, column 1: document larger than %zu bytes", p.lim->max_bytes);
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errsz, "line 1, column 1: document contains a NUL byte");
		return NULL;
	}
	if (sodium_init() < 0) {       /* cheap once done; randombytes_buf needs it */
		snprintf(err, errsz, "line 1, column 1: libsodium cannot start");
		return NULL;
	}
	if (!yaml_parser_initialize(&p.yp)) {
		snprintf(err, errsz, "line 1, column 1: out of memory");
		return NULL;
	}
	randombytes_buf(p.hkey, sizeof p.hkey);
	p.anchors.hkey = p.hkey;
	yaml_parser_set_input_string(&p.yp, (const unsigned char *)buf, len);
	for (;;) {
		if (next_event(&p, &ev) < 0)
			goto bad;
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			if (ev.type == YAML_DOCUMENT_END_EVENT)
				state = 2;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (state != 0) {
				fail_at(&p, &ev.start_mark, "only one YAML document is allowed");
				yaml_event_delete(&ev);
				goto bad;
			}
			break;
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&ev);
			parser_free(&p);
			if (root == NULL) {
				yaml_mark_t m = { 0, 0, 0 };
				p.nodes = 0;
				root = node_new(&p, YNODE_MAP, &m);
			}
			return root;
		default:
			root = parse_node(&p, &ev, 0, &nest);
			if (root == NULL) {
				yaml_event_delete(&ev);
				goto bad;
			}
			state = 1;
			break;
		}
		yaml_event_delete(&ev);
	}
bad:
	ynode_free(root);
	parser_free(&p);
	if (err[0] == '\0')
		snprintf(err, errsz, "line 1, column 1: invalid YAML");
	return NULL;
}

void
ynode_free(struct ynode *node)
{
	if (node == NULL)
		return;
	for (size_t i = 0; i < node->n; i++)
		ynode_free(node->items[i]);
	free(node->items);
	free(node->value);
	free(node);
}

size_t
ynode_map_size(const struct ynode *map)
{
	return map != NULL && map->kind == YNODE_MAP ? map->n / 2 : 0;
}

const struct ynode *
ynode_map_get(const struct ynode *map, const char *key)
{
	size_t klen = strlen(key);

	if (map == NULL || map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->items[i]->len == klen && memcmp(map->items[i]->value, key, klen) == 0)
			return map->items[i + 1];
	return NULL;
}

int
ynode_is_null(const struct ynode *n)
{
	return n->kind == YNODE_SCALAR && n->plain &&
	       (n->len == 0 || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0 ||
	        strcmp(n->value, "Null") == 0 || strcmp(n->value, "NULL") == 0);
}

static json_t *
scalar_to_json(const struct ynode *n)
{
	const char *v = n->value;
	char *end;

	if (!n->plain)
		return json_stringn(v, n->len);
	if (ynode_is_null(n))
		return json_null();
	if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0)
		return json_true();
	if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0)
		return json_false();
	if ((v[0] >= '0' && v[0] <= '9') || ((v[0] == '-' || v[0] == '+') && v[1] >= '0' && v[1] <= '9')) {
		long long ll;
		double d;

		errno = 0;
		ll = strtoll(v, &end, 10);
		if (*end == '\0' && errno == 0)
			return json_integer(ll);
		errno = 0;
		d = strtod(v, &end);
		if (*end == '\0' && errno == 0 && strpbrk(v, "xXpP") == NULL)
			return json_real(d);
	}
	return json_stringn(v, n->len);
}

json_t *
ynode_to_json(const struct ynode *n)
{
	json_t *out;

	switch (n->kind) {
	case YNODE_SCALAR:
		return scalar_to_json(n);
	case YNODE_SEQ:
		out = json_array();
		for (size_t i = 0; out != NULL && i < n->n; i++)
			if (json_array_append_new(out, ynode_to_json(n->items[i])) < 0) {
				json_decref(out);
				return NULL;
			}
		return out;
	case YNODE_MAP:
		out = json_object();
		for (size_t i = 0; out != NULL && i + 1 < n->n; i += 2) {
			json_t *v = ynode_to_json(n->items[i + 1]);
			if (v == NULL ||
			    json_object_setn_new(out, n->items[i]->value, n->items[i]->len, v) < 0) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	}
	return NULL;
}

const char *
ynode_kind_name(enum ynode_kind kind)
{
	switch (kind) {
	case YNODE_SCALAR: return "a scalar";
	case YNODE_SEQ: return "a sequence";
	case YNODE_MAP: return "a mapping";
	}
	return "?";
}
