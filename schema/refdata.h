/*
 * refdata.h: the reference data every record is checked against: the 34
 * provinces and 3,321 communes in force since 1 July 2025 and the
 * Ministry's list of domains. The CSV masters live in schema/ and are
 * linked into the binary; setting FIELDLOG_REFDATA=DIR reads
 * DIR/provinces.csv, DIR/communes.csv and DIR/domains.csv instead, so a
 * new resolution changing units needs new data, not new code.
 */
#ifndef FL_REFDATA_H
#define FL_REFDATA_H

#include <stddef.h>

/* The date the built-in administrative units are in force from. */
#define FL_REFDATA_DATE "2025-07-01"

struct fl_province {
	const char *code, *name, *type;
};

struct fl_commune {
	const char *code, *name, *type, *province_code;
};

struct fl_domain {
	const char *id, *label, *label_en;
};

struct fl_refdata {
	const struct fl_province *provinces;
	size_t nprovinces;
	const struct fl_commune *communes;   /* sorted by code */
	size_t ncommunes;
	const struct fl_domain *domains;     /* in file order */
	size_t ndomains;
	const char *date;                    /* FL_REFDATA_DATE or DIR/DATE */
};

/*
 * The reference data, parsed on first use (borrowed, lives until exit).
 * A malformed override file is fatal: nothing could be validated.
 */
const struct fl_refdata *fl_refdata(void);
/*
 * A string that changes whenever the reference data does, for the index
 * to know when to reload it; for the built-in data it needs no parsing
 * (which costs ~2 ms, in every command that opens the index). Caller frees.
 */
char *fl_refdata_key(void);

/* Lookups (borrowed; NULL when unknown). */
const struct fl_province *fl_province_find(const char *code);
const struct fl_commune *fl_commune_find(const char *code);
const struct fl_domain *fl_domain_find(const char *id);

#endif
