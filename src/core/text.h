/* text: Unicode-aware comparison keys for names, emails and phone numbers,
 * built on libunistring (NFKC folds full-width letters and digits to their
 * ordinary forms; case folding is full Unicode, not ASCII only). Used to find
 * duplicates and near-miss names, never to change what users typed. */
#ifndef CORE_TEXT_H
#define CORE_TEXT_H
#include <stddef.h>
#include "arena.h"

/* NFKC + case fold + collapse every run of spaces and punctuation to one space,
 * trimmed. "  ＡＣＭＥ，Inc. " -> "acme inc". NULL for invalid UTF-8. */
char *text_key(arena *a, const char *s);

/* text_key of a company name without legal-form suffixes (Co., Ltd., Inc.,
 * LLC, GmbH, Kft., 有限公司, 股份有限公司, 集团, ...) and without spaces:
 * "上海锐思科技有限公司" -> "上海锐思科技", "Acme Co., Ltd." -> "acme". */
char *text_company_key(arena *a, const char *s);

char *text_email_key(arena *a, const char *s);   /* trimmed, NFKC, case-folded; NULL if no '@' */
char *text_phone_key(arena *a, const char *s);   /* digits only (after NFKC), at least 6 of them, else NULL */

/* Edit distance in code points between two UTF-8 strings (insert, delete,
 * substitute each cost 1), capped: returns cap+1 as soon as it exceeds cap. */
int text_distance(const char *a, const char *b, int cap);
#endif
