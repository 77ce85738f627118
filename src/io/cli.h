/* cli: the import and export commands of the cylinder binary.
 *
 *   cylinder import ENTITY FILE [--db DB] [--as EMAIL] [--map COLUMN=TARGET ...]
 *                   [--map-value KEY:FROM=TO ...] [--accept-suggestions] [--date-order mdy|dmy]
 *                   [--currency CODE] [--encoding NAME] [--dry-run] [--skip-bad-rows] [--report FILE]
 *   cylinder export ENTITY --out FILE [--format csv|xlsx] [--db DB] [--as EMAIL] [--sort FIELD] [FILTER=VALUE ...]
 *
 * FILE is CSV or an .xlsx workbook (its first sheet), told apart by content.
 * The mapping starts from the one suggested by the header; --map changes one
 * column (COLUMN= leaves it out). --map-value replaces one value as written
 * (KEY: a target or a column). Both act as the user --as names (default: the
 * first admin), with that user's permissions. The exit status is 0 when the
 * rows went in (or a dry run found nothing wrong), 1 when nothing was written,
 * 2 for a command line that cannot be run. */
#ifndef IO_CLI_H
#define IO_CLI_H
#include "../store/store.h"

typedef store *(*cli_open_db)(const char *db);   /* opens and migrates DB (NULL: the default database) */

int cli_import(int argc, char **argv, cli_open_db open_db);   /* argv: what follows "import" */
int cli_export(int argc, char **argv, cli_open_db open_db);   /* argv: what follows "export" */
#endif
