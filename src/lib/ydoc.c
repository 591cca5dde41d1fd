#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util.h"
#include "ydoc.h"

const struct ylimits ydoc_default_limits = {
	.max_bytes = 1024 * 1024,
	.max_depth = 32,
	.max_nodes = 100000,
};

struct parser {
	yaml_parser_t yp;
	const struct ylimits *lim;
	size_t nodes;
	char *err;
	size_t errsz;
};

static void
fail(struct parser *p, unsigned line, unsigned col, const char *msg)
{
	if (p->err[0] == '\0')
		utf8_snprintf(p->err, p->errsz, "line %u, column %u: %s", line, col, msg);
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
		fail(p, (unsigned)p->yp.problem_mark.line + 1,
		     (unsigned)p->yp.problem_mark.column + 1, msg);
		return -1;
	}
	return 0;
}

static struct ynode *
node_new(struct parser *p, enum ynode_kind kind, const yaml_mark_t *mark)
{
	struct ynode *n;

	if (++p->nodes > p->lim->max_nodes) {
		fail(p, (unsigned)mark->line + 1, (unsigned)mark->column + 1,
		     "document has too many nodes");
		return NULL;
	}
	n = calloc(1, sizeof *n);
	if (n == NULL) {
		fail(p, (unsigned)mark->line + 1, (unsigned)mark->column + 1, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->line = (unsigned)mark->line + 1;
	n->col = (unsigned)mark->column + 1;
	return n;
}

static int
node_push(struct parser *p, struct ynode *parent, struct ynode *child)
{
	struct ynode **items;

	items = realloc(parent->items, (parent->n + 1) * sizeof *items);
	if (items == NULL) {
		fail(p, child->line, child->col, "out of memory");
		return -1;
	}
	parent->items = items;
	parent->items[parent->n++] = child;
	return 0;
}

static int
keys_equal(const struct ynode *a, const struct ynode *b)
{
	return a->kind == YNODE_SCALAR && b->kind == YNODE_SCALAR && a->len == b->len &&
	       memcmp(a->value, b->value, a->len) == 0;
}

static struct ynode *parse_node(struct parser *p, yaml_event_t *ev, unsigned depth);

/* Reads children until the matching end event; ev is the start event. */
static struct ynode *
parse_collection(struct parser *p, yaml_event_t *start, unsigned depth)
{
	int is_map = start->type == YAML_MAPPING_START_EVENT;
	yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
	struct ynode *n = node_new(p, is_map ? YNODE_MAP : YNODE_SEQ, &start->start_mark);

	if (n == NULL)
		return NULL;
	if (depth >= p->lim->max_depth) {
		fail(p, n->line, n->col, "document nested too deeply");
		ynode_free(n);
		return NULL;
	}
	for (;;) {
		yaml_event_t ev;
		struct ynode *child;

		if (next_event(p, &ev) < 0)
			goto bad;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return n;
		}
		child = parse_node(p, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (child == NULL)
			goto bad;
		if (is_map && n->n % 2 == 0) {
			if (child->kind != YNODE_SCALAR) {
				fail(p, child->line, child->col, "mapping keys must be scalars");
				ynode_free(child);
				goto bad;
			}
			for (size_t i = 0; i < n->n; i += 2) {
				if (keys_equal(n->items[i], child)) {
					char msg[160], shown[101];
					snprintf(msg, sizeof msg, "duplicate key '%s'",
					         utf8_clip(shown, sizeof shown, child->value));
					fail(p, child->line, child->col, msg);
					ynode_free(child);
					goto bad;
				}
			}
		}
		if (node_push(p, n, child) < 0) {
			ynode_free(child);
			goto bad;
		}
	}
bad:
	ynode_free(n);
	return NULL;
}

static struct ynode *
parse_node(struct parser *p, yaml_event_t *ev, unsigned depth)
{
	struct ynode *n;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
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
		return n;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return parse_collection(p, ev, depth);
	case YAML_ALIAS_EVENT:
		fail(p, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
		     "aliases are not allowed");
		return NULL;
	default:
		fail(p, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
		     "unexpected YAML event");
		return NULL;
	}
}

struct ynode *
ydoc_parse(const char *buf, size_t len, const struct ylimits *lim, char *err, size_t errsz)
{
	struct parser p = { .lim = lim ? lim : &ydoc_default_limits, .err = err, .errsz = errsz };
	struct ynode *root = NULL;
	yaml_event_t ev;
	int state = 0; /* 0 before document, 1 root read, 2 document ended */

	err[0] = '\0';
	if (len > p.lim->max_bytes) {
		snprintf(err, errsz, "line 1, column 1: document larger than %zu bytes", p.lim->max_bytes);
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errsz, "line 1, column 1: document contains a NUL byte");
		return NULL;
	}
	if (!yaml_parser_initialize(&p.yp)) {
		snprintf(err, errsz, "line 1, column 1: out of memory");
		return NULL;
	}
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
				fail(&p, (unsigned)ev.start_mark.line + 1, (unsigned)ev.start_mark.column + 1,
				     "only one YAML document is allowed");
				yaml_event_delete(&ev);
				goto bad;
			}
			break;
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&ev);
			yaml_parser_delete(&p.yp);
			if (root == NULL) {
				yaml_mark_t m = { 0, 0, 0 };
				p.nodes = 0;
				root = node_new(&p, YNODE_MAP, &m);
			}
			return root;
		default:
			root = parse_node(&p, &ev, 0);
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
	yaml_parser_delete(&p.yp);
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
