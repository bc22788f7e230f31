/*
 * test-check.c: the roster the judges share (fl_roster_shared_get) and
 * a judge handed its keyring (fl_check_branch), on a real repository.
 *
 * A bundle import judges a bundle on the roster, then the import that
 * indexes what it brought judges again: one read, parse and keyring for
 * both. Here: two commits with the same roster.json, asked through two
 * stores, give the same roster and keyring; another roster gives another,
 * and the first stays readable until released; a roster that does not
 * validate, or is missing, is an error each time. And fl_check_branch
 * judges signatures by the keyring it is given, not by one of its own:
 * the roster says nobody holds An's key, the keyring says An does.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "schema/json.h"
#include "sync/check.h"
#include "sync/sign.h"
#include "sync/store.h"
#include "tests/unit/tap.h"

static const struct fl_sig an_sig = { "Nguyễn Văn An", "an@fieldlog", 1757300000, 420 };

static void make_key(struct fl_ssh_seckey *k, unsigned char fill)
{
	unsigned char seed[32];
	memset(seed, fill, sizeof(seed));
	crypto_sign_seed_keypair(k->pub.key, k->sk, seed);
}

/* A roster of one officer, An, holding key (NULL: none), requiring signatures. */
static char *roster_text(const struct fl_ssh_seckey *key, const char *name)
{
	struct strbuf line = STRBUF_INIT;
	char *text;

	if (key) {
		strbuf_addstr(&line, ", \"keys\": [\"");
		fl_ssh_pubkey_format(&line, &key->pub);
		strbuf_addstr(&line, " an@laptop\"]");
	}
	text = xstrfmt("{\"schema\": 1, \"require_signatures\": true, \"people\": [{\"id\": \"an\","
		       " \"name\": \"%s\", \"role\": \"officer\", \"provinces\": [\"42\"],"
		       " \"login\": \"an\"%s}]}\n", name, line.buf);
	strbuf_release(&line);
	return text;
}

/* A commit writing one file on parent (NULL: a root), ref unmoved. */
static git_oid commit_file(struct fl_store *s, const git_oid *parent, const char *path,
			   const char *text)
{
	struct fl_write w = { path, text, strlen(text) };
	git_oid id;

	memset(&id, 0, sizeof(id));
	if (fl_store_commit(&id, s, NULL, parent, parent ? 1 : 0, &w, 1, "test", &an_sig) < 0)
		fprintf(stderr, "# commit: %s\n", fl_last_error());
	return id;
}

static void test_shared(struct fl_store *s, const char *gitdir, const struct fl_ssh_seckey *an)
{
	char *with_key = roster_text(an, "An"), *renamed = roster_text(an, "Nguyễn Văn An");
	git_oid c1 = commit_file(s, NULL, FL_ROSTER_PATH, with_key);
	git_oid c2 = commit_file(s, &c1, "notes.txt", "not the roster\n");
	git_oid c3 = commit_file(s, &c2, FL_ROSTER_PATH, renamed);
	git_oid bad = commit_file(s, &c3, FL_ROSTER_PATH, "{\"schema\": 1, \"people\": 7}\n");
	git_oid none = commit_file(s, NULL, "notes.txt", "no roster here\n");
	struct fl_roster_shared *r1 = NULL, *r2 = NULL, *r2b = NULL, *r3 = NULL, *rx = NULL;
	struct fl_store *other = NULL;

	OK(fl_roster_shared_get(&r1, s, &c1) == 0 && r1 && r1->roster && r1->keys,
	   "the roster of a commit, with its keyring");
	OK(fl_roster_shared_get(&r2, s, &c2) == 0 && r2 == r1,
	   "another commit with the same roster.json: the same roster, not parsed again");
	OK(fl_store_open(&other, gitdir) == 0 &&
	   fl_roster_shared_get(&r2b, other, &c2) == 0 && r2b == r1,
	   "the same through another store on the repository (the bundle's quarantine)");
	OK(fl_roster_shared_get(&r3, s, &c3) == 0 && r3 != r1,
	   "a changed roster.json is read anew");
	IS(fl_json_str(fl_roster_find(r3->roster, "an"), "name"), "Nguyễn Văn An",
	   "as it now reads");
	IS(fl_json_str(fl_roster_find(r1->roster, "an"), "name"), "An",
	   "the first stays readable until its holders release it");
	fl_roster_shared_release(r1);
	fl_roster_shared_release(r2);
	fl_roster_shared_release(r2b);

	IS_INT(fl_roster_shared_get(&rx, s, &bad), FL_EINVALID, "a roster that does not validate");
	OK(rx == NULL && !strncmp(fl_last_error(), "roster.json: ", 13),
	   "is refused, naming roster.json");
	IS_INT(fl_roster_shared_get(&rx, s, &bad), FL_EINVALID, "and again: an error is not kept");
	IS_INT(fl_roster_shared_get(&rx, s, &none), FL_ENOTFOUND, "a commit without roster.json");
	fl_roster_shared_release(r3);
	fl_roster_shared_release(NULL);
	fl_store_free(other);
	free(with_key);
	free(renamed);
}

/*
 * An's signed commit on an unsigned root, changing nothing (so only its
 * author and signature are judged), against a roster where An holds no
 * key: refused, unless the judge is handed a keyring where An does.
 */
static void test_branch_keys(struct fl_store *s, const struct fl_ssh_seckey *an)
{
	char *keyless = roster_text(NULL, "An"), *keyed = roster_text(an, "An");
	cJSON *roster = NULL, *with_key = NULL;
	struct fl_keyring *keys;
	struct strbuf why = STRBUF_INIT;
	struct fl_write same = { "00/an/notes.txt", "unsigned root\n", 14 };
	git_oid root = commit_file(s, NULL, same.path, same.data), tip;

	fl_roster_parse(&roster, keyless, strlen(keyless));
	fl_roster_parse(&with_key, keyed, strlen(keyed));
	keys = fl_keyring_new(with_key);
	fl_store_set_signer(s, fl_signer_from_key(an));
	OK(fl_store_commit(&tip, s, NULL, &root, 1, &same, 1, "signed, empty", &an_sig) == 0,
	   "an's signed commit");
	IS_INT(fl_check_branch(s, roster, NULL, FL_CENTRAL_AUTHORS "an", &root, &tip, NULL, &why),
	       FL_EREJECTED, "the roster's own keys: nobody holds the signing key");
	OK(strstr(why.buf, "its signature does not verify") != NULL, why.buf);
	strbuf_reset(&why);
	IS_INT(fl_check_branch(s, roster, keys, FL_CENTRAL_AUTHORS "an", &root, &tip, NULL, &why),
	       0, "the keyring handed in judges the signature: an's");
	fl_store_set_signer(s, NULL);
	fl_keyring_free(keys);
	cJSON_Delete(roster);
	cJSON_Delete(with_key);
	strbuf_release(&why);
	free(keyless);
	free(keyed);
}

int main(void)
{
	char tmpl[] = "/tmp/fieldlog-test-check.XXXXXX";
	char *dir = mkdtemp(tmpl), *gitdir, *cmd;
	struct fl_store *s = NULL;
	struct fl_ssh_seckey an;

	if (!dir || sodium_init() < 0)
		return 1;
	make_key(&an, 7);
	gitdir = xstrfmt("%s/repo.git", dir);
	if (!OK(fl_store_init(&s, gitdir) == 0, "a new repository"))
		return tap_done();
	test_shared(s, gitdir, &an);
	test_branch_keys(s, &an);
	fl_store_free(s);
	cmd = xstrfmt("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
	free(cmd);
	free(gitdir);
	return tap_done();
}
