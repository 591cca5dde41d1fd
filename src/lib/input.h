/* Validation of JSON request bodies: typed values or an error that names
 * the field, never a half-checked string. */
#ifndef OCIM_INPUT_H
#define OCIM_INPUT_H

#include <stddef.h>
#include <jansson.h>

#include "http.h"

/* Checks that body is an object whose keys are all in allowed (a NULL-
 * terminated list).  Returns 0, or -1 with a 400 error in resp. */
int input_object(struct response *resp, const json_t *body, const char *const *allowed);

/* The string field of body: returns it (borrowed from body), or NULL with
 * a 400/422 error in resp when it is missing (and required), not a string,
 * empty (and required) or longer than maxbytes.  When optional and absent
 * returns NULL and sets *absent = 1 without an error. */
const char *input_string(struct response *resp, const json_t *body, const char *field,
                         size_t maxbytes, int required, int *absent);

/* A boolean field: returns 0 or 1, -2 when absent and optional, or -1
 * with a 400 error in resp. */
int input_bool(struct response *resp, const json_t *body, const char *field, int required);

/* An integer query parameter within [min, max], def when absent.  Returns
 * 0, or -1 with a 400 error naming the parameter in resp. */
int input_query_long(struct response *resp, const struct request *req, const char *name,
                     long min, long max, long def, long *out);

/* The numeric path parameter name (a positive id).  Returns 0, or -1 with
 * a 400 naming it in resp when it cannot be an id. */
int input_path_id(struct response *resp, const struct request *req, const char *name, long *out);

/* Overwrites the string value of field in body with zeros (passwords). */
void input_wipe(json_t *body, const char *field);

#endif
