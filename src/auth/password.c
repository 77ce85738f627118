#include "password.h"
#include <sodium.h>
#include <string.h>

int password_hash(const char *pw, char out[PASSWORD_HASH_MAX], err *e) {
    size_t n = pw ? strlen(pw) : 0;
    if (n < PASSWORD_MIN_LEN) return err_field_add(e, "password", "must be at least %d characters", PASSWORD_MIN_LEN);
    if (n > PASSWORD_MAX_LEN) return err_field_add(e, "password", "must be at most %d characters", PASSWORD_MAX_LEN);
    if (crypto_pwhash_str(out, pw, n, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE))
        return err_set(e, ERR_INTERNAL, "out of memory while hashing");
    return 0;
}

int password_verify(const char *hash, const char *pw) {
    if (!hash || !pw) return 0;
    return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}
