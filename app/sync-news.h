/*
 * sync-news.h: what a sync brought that matters to this person, a line
 * each (app/cmd-sync.c).
 */
#ifndef FL_SYNC_NEWS_H
#define FL_SYNC_NEWS_H

#include "app/fieldlog.h"

struct sync_news;

/* What the index holds before the sync. Caller frees with sync_news_free. */
struct sync_news *sync_news_before(struct ws *ws);

/*
 * After the sync: a line on stdout for each answer to one of our issues
 * or reports that is new or changed ("answered: ID "TITLE""), and for each
 * person of the roster added, removed or changed.
 */
void sync_news_print(struct sync_news *n, struct ws *ws);
void sync_news_free(struct sync_news *n);

#endif
