/* assets: the browser app's built files, compiled into the binary. */
#ifndef HTTP_ASSETS_H
#define HTTP_ASSETS_H
#include <stddef.h>
typedef struct http_asset {
    const char *path, *content_type;
    const unsigned char *data;
    size_t len;
    const unsigned char *gz;   /* the same bytes gzipped (text files), else NULL */
    size_t gzlen;
} http_asset;
extern const http_asset web_assets[];   /* ends with a NULL path */
#endif
