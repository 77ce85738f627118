/* jsonw: writing JSON text straight into a buffer, for the hot list path.
 * jansson reads every request and builds every other answer; a page of 50
 * records is 1,200 values, and building them as a jansson tree first cost more
 * CPU than the query. Strings must already be valid UTF-8 (everything we store
 * came through jansson's validating parser). */
#ifndef CORE_JSONW_H
#define CORE_JSONW_H
#include <stdint.h>
#include "buf.h"

void jsonw_str(buf *b, const char *s);                  /* "s", escaped per RFC 8259; null if s is NULL */
void jsonw_key(buf *b, const char *key, int first);     /* ,"key":  (no comma when first) */
void jsonw_int(buf *b, int64_t v);                      /* a whole number */
#endif
