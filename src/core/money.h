/* money: the currencies Cylinder accepts and their ISO 4217 minor units.
 * Amounts are stored as integer counts of the minor unit (fen, cent, fillér),
 * so this table, not a display library, fixes what "1" means: HUF has 2 minor
 * digits in ISO 4217 even where CLDR shows forints without decimals. */
#ifndef CORE_MONEY_H
#define CORE_MONEY_H

typedef struct currency { const char *code; int digits; } currency;

extern const currency money_currencies[];          /* ends with {NULL, 0} */
const currency *money_currency(const char *code);  /* NULL if not accepted */
#endif
