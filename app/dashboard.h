/*
 * dashboard.h: `fieldlog dashboard`, a static site of one week (and the
 * weeks before it) for the Ministry's working group: the index with its
 * figures and charts (dashboard.c), a page per province and a file of
 * issues per province (dashboard-pages.c), the issues' histories
 * (dashboard-history.c). What is shared between them: the week being
 * shown, the page frame, the labels, and writing a page.
 */
#ifndef FL_DASHBOARD_H
#define FL_DASHBOARD_H

#include "app/fieldlog.h"

/* An officer expected to report in the week, and what came of it. */
struct dash_officer {
	char *province, *id, *name;
	char *submitted_at;      /* "" when no report was submitted */
	int late;
};

struct dash {
	struct ws *ws;
	const char *dir;         /* the site's directory */
	char week[9];
	int nweeks;              /* weeks in the trend, ending with `week` */
	char mon[11], thu[11], sun[11];
	long long due_t;         /* Thursday 23:59:59 +07:00: a report after it is late */
	long long ref_t;         /* the end of the week, or now when it is not over */
	struct dash_officer *officers;   /* by province, then name */
	size_t nofficers, alloc_officers;
	size_t pages;            /* pages written so far */
	size_t issues;           /* issues given a section of their own */
	int err;                 /* a page could not be written (message set) */
};

/* Starts a page in sb: the document head with the inline style and the navigation. */
void dash_page_head(struct strbuf *sb, const char *title, const char *root);
/*
 * Starts a page in sb: the document head with the inline style, the
 * navigation back to the index (`root`: "" at the top, "../" below) and
 * the title as the first heading.
 */
void dash_page_open(struct strbuf *sb, const char *title, const char *root);
/* Ends the page and writes it to DIR/relpath; on failure sets d->err. */
void dash_page_write(struct dash *d, struct strbuf *sb, const char *relpath);
/* Appends text escaped for HTML. */
void dash_text(struct strbuf *sb, const char *s);
/* Appends "<TAG>text</TAG>" (text escaped). */
void dash_elem(struct strbuf *sb, const char *tag, const char *text);
/* Appends "<a href=HREF>text</a>" (both escaped). */
void dash_link(struct strbuf *sb, const char *href, const char *text);

/* "11/9/2025" from a YYYY-MM-DD… date or time (its local date). */
void dash_date(char out[16], const char *date);
/* Labels in the user's language (Vietnamese under a Vietnamese locale). Borrowed. */
const char *dash_severity(const char *s);
const char *dash_status(const char *s);
const char *dash_domain(const char *id);
/* "Hà Tĩnh" for a province code; a label for an unknown one. */
const char *dash_province(const char *code);
/*
 * Relative paths from the index: a province's page; the file of the
 * issues whose first province (home) is `home`; an issue in it
 * ("van-de/42.html#ID").
 */
void dash_province_path(char out[32], const char *code);
void dash_issues_file(char out[32], const char *home);
void dash_issue_path(char out[80], const char *home, const char *id);

/*
 * The History part of every shown issue (dash_issue.page), made by
 * dashboard-history.c on a thread of its own from _start on; _finish
 * helps with what is left and waits. Then dash_history_html gives an
 * issue's (borrowed; NULL for an issue not shown).
 */
struct dash_histories;
struct dash_histories *dash_histories_start(struct dash *d);
void dash_histories_finish(struct dash_histories *hs, struct dash *d);
const char *dash_history_html(const struct dash_histories *hs, const char *id);
void dash_histories_free(struct dash_histories *hs);

/* The pages under the index (dashboard-pages.c). */
void dash_province_pages(struct dash *d);
void dash_issue_pages(struct dash *d, struct dash_histories *hs);

/*
 * The issues the dashboard is about, in the temporary table dash_issue
 * (id, author, created_at, domain, severity, status as answered, title,
 * page, home): those of the week as the weekly report counts them
 * (opened by its end and not settled before it). `page` marks the ones
 * shown whole, each in a section of the file of its `home` province (the
 * least province code of its communes): opened in the week, or waiting
 * for the Ministry.
 */
void dash_select_issues(struct dash *d);

#endif
