#include "money.h"
#include <string.h>

const currency money_currencies[] = {
    {"CNY", 2}, {"USD", 2}, {"EUR", 2}, {"HUF", 2}, {"HKD", 2}, {"TWD", 2}, {"JPY", 0}, {"GBP", 2},
    {"SGD", 2}, {"KRW", 0}, {"AUD", 2}, {"CAD", 2}, {"CHF", 2}, {"INR", 2}, {"MOP", 2}, {"MYR", 2},
    {"THB", 2}, {"VND", 0}, {"IDR", 2}, {"PHP", 2}, {"NZD", 2}, {"SEK", 2}, {"NOK", 2}, {"DKK", 2},
    {"PLN", 2}, {"CZK", 2}, {"RON", 2}, {"AED", 2}, {"SAR", 2}, {"BRL", 2}, {"MXN", 2}, {"ZAR", 2},
    {"RUB", 2}, {"TRY", 2}, {NULL, 0}};

const currency *money_currency(const char *code) {
    for (const currency *c = money_currencies; code && c->code; c++)
        if (!strcmp(c->code, code)) return c;
    return NULL;
}
