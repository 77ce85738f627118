/* assets: the browser app's built files, compiled into the binary. */
#ifndef HTTP_ASSETS_H
#define HTTP_ASSETS_H
#include <stddef.h>
typedef struct http_asset { const char *path; const char *content_type; const unsigned char *data; size_t len; } http_asset;
extern const http_asset web_assets[];   /* ends with a NULL path */
#endif
