/* A small YAML document tree over libyaml's event API, with caps.
 * One document per input; depth, node count and input size are capped,
 * duplicate mapping keys are errors.  Aliases (and merge keys "<<") are
 * expanded into copies, within a budget that stops alias bombs.  Every
 * node knows its line and column (1-based) for error messages; a copy's
 * root has its alias's position, its inner nodes their anchor's. */
#ifndef OCIM_YDOC_H
#define OCIM_YDOC_H

#include <stddef.h>
#include <jansson.h>

enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_kind kind;
	unsigned line, col;
	/* scalars: NUL-terminated value (may contain NUL: then len tells) */
	char *value;
	size_t len;
	int plain;              /* unquoted scalar: may be a number, bool or null */
	/* sequences: items[0..n); mappings: items[2i] key, items[2i+1] value */
	struct ynode **items;
	size_t n;
};

struct ylimits {
	size_t max_bytes;
	unsigned max_depth;             /* also applies to what aliases expand to */
	size_t max_nodes;               /* nodes written in the document */
	/* The alias budget: nodes produced by expanding aliases and merge keys
	 * in all (0 refuses aliases), and how deeply aliases may nest, an
	 * anchored node holding aliases to nodes holding aliases... */
	size_t max_alias_nodes;
	unsigned max_alias_depth;
};

extern const struct ylimits ydoc_default_limits;

/* Parses buf.  Returns the root node (caller frees with ynode_free), or
 * NULL with a message "line L, column C: ..." in err.  An empty document
 * gives an empty mapping. */
struct ynode *ydoc_parse(const char *buf, size_t len, const struct ylimits *lim,
                         char *err, size_t errsz);
void ynode_free(struct ynode *node);

/* Number of entries of a mapping (0 for other kinds). */
size_t ynode_map_size(const struct ynode *map);
/* Borrowed value for key in a mapping, or NULL. */
const struct ynode *ynode_map_get(const struct ynode *map, const char *key);

/* Scalar is a plain null (~, null, Null, NULL or empty). */
int ynode_is_null(const struct ynode *node);

/* Converts to JSON: plain scalars become integers, reals, booleans or null
 * where YAML 1.2 core schema says so, other scalars strings.  New
 * reference, or NULL on allocation failure. */
json_t *ynode_to_json(const struct ynode *node);

const char *ynode_kind_name(enum ynode_kind kind);

#endif
