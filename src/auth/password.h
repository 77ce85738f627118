/* password: argon2id hashing through libsodium (interactive limits). */
#ifndef AUTH_PASSWORD_H
#define AUTH_PASSWORD_H
#include "../core/err.h"

#define PASSWORD_HASH_MAX 128   /* crypto_pwhash_STRBYTES */
#define PASSWORD_MIN_LEN 8
#define PASSWORD_MAX_LEN 256

int password_hash(const char *pw, char out[PASSWORD_HASH_MAX], err *e);  /* 0 ok; validates length */
int password_verify(const char *hash, const char *pw);                   /* 1 if pw matches hash */
#endif
