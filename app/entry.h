/*
 * entry.h: checks on what an officer types that the record schema cannot
 * make: a commune named by its name, a commune outside the officer's
 * province, dates in the future or too far back, the status moves an
 * issue allows.
 */
#ifndef FL_ENTRY_H
#define FL_ENTRY_H

#include "app/fieldlog.h"

/* How far back a record's date may lie: a year (366 days covers 29 February). */
#define ENTRY_MAX_DAYS_BACK 366

/*
 * The province names are matched in first: the workspace's, set once by
 * run_command when it opens the workspace ("" when none).
 */
void entry_set_home(const char *province);
const char *entry_home(void);

/*
 * Whether some word of the folded text starts with the folded word
 * (`communes thien` finds "phuong thien huong").
 */
int fold_word_prefix(const char *text, const char *word);

/*
 * Reads the value of option `opt` ("--commune") naming a commune: its code,
 * or its name with or without the unit type ("Thiên Hương", "phường thien
 * huong"), marks and case optional. A name is looked for in `home` (a
 * province code, or NULL) first, then in the whole country. *out is the
 * code (borrowed from the reference data). Returns 0, FL_ENOTFOUND (the
 * message lists names with the same words, if any) or FL_EAMBIGUOUS (the
 * message lists the candidates: code, name, province).
 */
int commune_resolve(const char **out, const char *arg, const char *opt, const char *home);

/* A "warning: ..." line when the commune lies outside the home province. */
void commune_warn_outside(const char *code, const char *home);

/*
 * commune_resolve for --commune, then the warning for a commune outside
 * `home`: EXIT_OK, or the error printed and EXIT_ERROR. communes_arg does
 * it for each value of a repeated --commune, replacing them by codes.
 */
int commune_arg(const char **out, const char *arg, const char *home);
int communes_arg(struct strlist *l, const char *home);

/*
 * Checks the date option `opt` (valid, not more than ENTRY_MAX_DAYS_BACK
 * days before today, not after today unless `future_ok`); "today" honours
 * FIELDLOG_NOW. Returns 0 or prints why not and returns EXIT_ERROR.
 */
int date_arg(const char *date, const char *opt, int future_ok);

/*
 * The statuses an issue in `from` may move to, ", "-separated, into sb
 * (for the refusal of another move).
 */
void allowed_moves(struct strbuf *sb, const char *from);

/*
 * Where a schedule entry takes place, for people: "Commune, Province",
 * the place, or "place, Commune, Province"; entry_where_vi without the
 * province, as the Vietnamese report writes it. Static storage per call.
 */
const char *entry_where(const cJSON *e);
const char *entry_where_vi(const cJSON *e);


#endif
