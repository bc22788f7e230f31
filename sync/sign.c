/*
 * sign.c: commit signatures (sign.h). Signing builds the commit text with
 * libgit2, signs it as it stands (SSHSIG over the bytes stock git would
 * sign: the commit without its gpgsig header) and stores it with the
 * signature as the `gpgsig` header. Verifying extracts the two again and
 * checks them in-process (libsodium through sshsig.c), never a process.
 */
#define _POSIX_C_SOURCE 200809L
#include "sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/json.h"
#include "schema/roster.h"
#include "store.h"

struct fl_signer {
	char *keyfile;
	int loaded;
	int exec;                  /* sign through ssh-keygen */
	struct fl_ssh_seckey sec;  /* when !exec */
	struct fl_ssh_pubkey pub;
	char fpr[FL_SSH_FINGERPRINT_SIZE];
};

struct fl_signer *fl_signer_new(const char *keyfile)
{
	struct fl_signer *sg = xcalloc(1, sizeof(*sg));
	sg->keyfile = xstrdup(keyfile);
	return sg;
}

struct fl_signer *fl_signer_from_key(const struct fl_ssh_seckey *key)
{
	struct fl_signer *sg = fl_signer_new("(in memory)");
	sg->sec = *key;
	sg->pub = key->pub;
	fl_ssh_fingerprint(sg->fpr, &sg->pub);
	sg->loaded = 1;
	return sg;
}

void fl_signer_free(struct fl_signer *sg)
{
	if (!sg)
		return;
	fl_ssh_seckey_clear(&sg->sec);
	free(sg->keyfile);
	free(sg);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

/* The public key from a ".pub" file. */
static int read_pub(struct fl_ssh_pubkey *out, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int e = strbuf_read_file(&sb, path, 65536);
	if (e == 0 && (e = fl_ssh_pubkey_parse(out, sb.buf, sb.len)) < 0)
		e = fl_error(e, "'%s': %s", path, fl_last_error());
	strbuf_release(&sb);
	return e;
}

int fl_signer_load(struct fl_signer *sg)
{
	int e;

	if (sg->loaded)
		return 0;
	if (ends_with(sg->keyfile, ".pub")) {
		/* Only the public half here: the agent holds the key. */
		if ((e = read_pub(&sg->pub, sg->keyfile)) < 0)
			goto fail;
		sg->exec = 1;
	} else if ((e = fl_ssh_seckey_read(&sg->sec, sg->keyfile)) == 0) {
		sg->pub = sg->sec.pub;
	} else if (e == FL_ESSH_ENCRYPTED || e == FL_ENOTFOUND) {
		/*
		 * A passphrase-protected key (or none here, but its .pub, with
		 * the key in ssh-agent): ssh-keygen signs, and the .pub says
		 * which key to expect.
		 */
		char *pub = xstrfmt("%s.pub", sg->keyfile);
		int was = e;
		fl_clear_error();
		e = read_pub(&sg->pub, pub);
		free(pub);
		if (e == FL_ENOTFOUND && was == FL_ENOTFOUND)
			e = fl_error(FL_ENOTFOUND, "no key '%s'", sg->keyfile);
		else if (e == FL_ENOTFOUND)
			e = fl_error(FL_ENOTFOUND, "key '%s' has a passphrase and no '%s.pub' beside it",
				     sg->keyfile, sg->keyfile);
		if (e < 0)
			goto fail;
		sg->exec = 1;
	} else {
		e = fl_error(e, "key '%s': %s", sg->keyfile, fl_last_error());
		goto fail;
	}
	fl_ssh_fingerprint(sg->fpr, &sg->pub);
	sg->loaded = 1;
	return 0;
fail:
	return e;
}

const struct fl_ssh_pubkey *fl_signer_pubkey(const struct fl_signer *sg)
{
	return &sg->pub;
}

const char *fl_signer_fingerprint(const struct fl_signer *sg)
{
	return sg->fpr;
}

const char *fl_signer_how(const struct fl_signer *sg)
{
	return sg->exec ? "ssh-keygen" : "in-process";
}

int fl_signer_sign(struct strbuf *sb, struct fl_signer *sg, const void *msg, size_t len)
{
	size_t start = sb->len;
	int e;

	if ((e = fl_signer_load(sg)) < 0)
		return fl_error(e, "cannot sign: %s", fl_last_error());
	if (!sg->exec) {
		fl_sshsig_sign(sb, &sg->sec, msg, len);
	} else {
		if ((e = fl_sshsig_sign_exec(sb, sg->keyfile, msg, len)) < 0)
			return fl_error(e, "cannot sign with '%s': %s", sg->keyfile, fl_last_error());
		/* ssh-keygen signs with whatever key the file names: check it is ours. */
		if ((e = fl_sshsig_verify(NULL, sb->buf + start, sb->len - start, msg, len,
					  &sg->pub, 1)) < 0) {
			strbuf_setlen(sb, start);
			return fl_error(e, "ssh-keygen's signature with '%s' does not check: %s",
					sg->keyfile, fl_last_error());
		}
	}
	while (sb->len > start && (sb->buf[sb->len - 1] == '\n' || sb->buf[sb->len - 1] == '\r'))
		strbuf_setlen(sb, sb->len - 1);
	return 0;
}

int fl_commit_write_signed(git_oid *out, git_repository *repo, const char *text,
			   struct fl_signer *sg)
{
	struct strbuf sig = STRBUF_INIT;
	git_odb *odb = NULL;
	int e;

	if (!sg) {
		if (git_repository_odb(&odb, repo) < 0 ||
		    git_odb_write(out, odb, text, strlen(text), GIT_OBJECT_COMMIT) < 0)
			e = fl_error(FL_ERROR, "cannot write commit: %s", fl_git_error());
		else
			e = 0;
		git_odb_free(odb);
		return e;
	}
	if ((e = fl_signer_sign(&sig, sg, text, strlen(text))) < 0)
		goto done;
	if (git_commit_create_with_signature(out, repo, text, sig.buf, "gpgsig") < 0)
		e = fl_error(FL_ERROR, "cannot write commit: %s", fl_git_error());
done:
	strbuf_release(&sig);
	return e;
}

/* ---- verifying ---- */

/*
 * The roster's keys parsed once, sorted by key: a verdict is a binary
 * search, not a parse of every key line of every person (3,332 officers
 * at 100k, some 2 ms a commit).
 */
struct kr_entry {
	struct fl_ssh_pubkey key;
	const cJSON *person;
	int removed;   /* listed under "removed_keys" */
};

_Static_assert(FL_SSH_ED25519_KEYLEN == 32, "fl_roster_key_parse gives 32 bytes");

struct fl_keyring {
	struct kr_entry *v;
	size_t n, alloc;
};

static int kr_cmp(const void *a, const void *b)
{
	const struct kr_entry *x = a, *y = b;
	int c = memcmp(x->key.key, y->key.key, sizeof(x->key.key));
	/* A key under both lists: "keys" first, so a lookup finds it current. */
	return c ? c : x->removed - y->removed;
}

static void kr_add(struct fl_keyring *kr, const cJSON *person, const char *field, int removed)
{
	const cJSON *line;

	cJSON_ArrayForEach(line, cJSON_GetObjectItemCaseSensitive(person, field)) {
		const char *s = cJSON_GetStringValue(line);
		struct fl_ssh_pubkey k;
		/*
		 * A line as the roster's validation takes it, decoded without
		 * libsodium's constant-time base64 (a public key holds no
		 * secret): a third of the time, with 3,331 keys to parse.
		 */
		if (!s || (!fl_roster_key_parse(k.key, s) &&
			   fl_ssh_pubkey_parse(&k, s, strlen(s)) < 0)) {
			fl_clear_error();
			continue;
		}
		FL_ALLOC_GROW(kr->v, kr->n + 1, kr->alloc);
		kr->v[kr->n].key = k;
		kr->v[kr->n].person = person;
		kr->v[kr->n].removed = removed;
		kr->n++;
	}
}

struct fl_keyring *fl_keyring_new(const cJSON *roster)
{
	struct fl_keyring *kr = xcalloc(1, sizeof(*kr));
	const cJSON *p;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(roster, "people")) {
		kr_add(kr, p, "keys", 0);
		kr_add(kr, p, "removed_keys", 1);
	}
	if (kr->n)
		qsort(kr->v, kr->n, sizeof(*kr->v), kr_cmp);
	fl_trace("sign: a keyring of %zu keys", kr->n);
	return kr;
}

void fl_keyring_free(struct fl_keyring *kr)
{
	if (!kr)
		return;
	free(kr->v);
	free(kr);
}

/* The first entry for k (its current holder when there is one), or NULL. */
static const struct kr_entry *kr_find(const struct fl_keyring *kr, const struct fl_ssh_pubkey *k)
{
	size_t lo = 0, hi = kr->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(kr->v[mid].key.key, k->key, sizeof(k->key)) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < kr->n && fl_ssh_pubkey_equal(&kr->v[lo].key, k) ? &kr->v[lo] : NULL;
}

static void set_signer(struct fl_sig_verdict *out, const cJSON *person)
{
	const char *id = fl_json_str(person, "id");
	snprintf(out->signer, sizeof(out->signer), "%s", id ? id : "");
}

void fl_sig_judge_keys(struct fl_sig_verdict *out, const char *sig, size_t siglen,
		       const char *data, size_t datalen, const struct fl_keyring *kr)
{
	struct fl_ssh_pubkey k;
	const struct kr_entry *h;
	int e;

	memset(out, 0, sizeof(*out));
	memset(&k, 0, sizeof(k));
	out->state = FL_COMMIT_BAD;
	out->vouched = !data;
	e = data ? fl_sshsig_verify(&k, sig, siglen, data, datalen, NULL, 0)
		 : fl_sshsig_signer(&k, sig, siglen);
	if (e == 0 || e == FL_ESSH_BADSIG)
		fl_ssh_fingerprint(out->fingerprint, &k);
	h = kr_find(kr, &k);
	if (e < 0) {
		snprintf(out->reason, sizeof(out->reason), "%s", fl_last_error());
		fl_clear_error();
		if (h)
			set_signer(out, h->person);
		return;
	}
	if (h && !h->removed) {
		out->state = FL_COMMIT_GOOD;
		set_signer(out, h->person);
	} else if (h) {
		out->key_removed = 1;
		set_signer(out, h->person);
		snprintf(out->reason, sizeof(out->reason), _("signed with %s, a key removed from '%s'"),
			 out->fingerprint, out->signer);
	} else {
		out->unknown_key = 1;
		snprintf(out->reason, sizeof(out->reason), _("signed with %s, a key nobody in the"
			 " roster holds"), out->fingerprint);
	}
}

void fl_sig_judge(struct fl_sig_verdict *out, const char *sig, size_t siglen,
		  const char *data, size_t datalen, const cJSON *roster)
{
	struct fl_keyring *kr = fl_keyring_new(roster);
	fl_sig_judge_keys(out, sig, siglen, data ? data : "", datalen, kr);
	fl_keyring_free(kr);
}

int fl_commit_verify(struct fl_sig_verdict *out, git_repository *repo,
		     const git_oid *commit, const cJSON *roster)
{
	struct fl_keyring *kr = fl_keyring_new(roster);
	int e = fl_commit_verify_keys(out, repo, commit, kr, 0);
	fl_keyring_free(kr);
	return e;
}

int fl_commit_verify_keys(struct fl_sig_verdict *out, git_repository *repo,
			  const git_oid *commit, const struct fl_keyring *kr, int vouched)
{
	git_buf sig = GIT_BUF_INIT, data = GIT_BUF_INIT;
	int e;

	memset(out, 0, sizeof(*out));
	e = git_commit_extract_signature(&sig, &data, repo, (git_oid *)commit, NULL);
	if (e == GIT_ENOTFOUND) {
		/* ENOTFOUND is also "no such commit": tell the two apart. */
		git_odb *odb = NULL;
		int exists = git_repository_odb(&odb, repo) == 0 && git_odb_exists(odb, commit);
		git_odb_free(odb);
		git_error_clear();
		if (!exists) {
			char hex[GIT_OID_HEXSZ + 1];
			return fl_error(FL_ERROR, "cannot read commit %s", git_oid_tostr(hex, sizeof(hex), commit));
		}
		out->state = FL_COMMIT_UNSIGNED;
		return 0;
	}
	if (e < 0) {
		char hex[GIT_OID_HEXSZ + 1];
		e = fl_error(FL_ERROR, "cannot read commit %s: %s",
			     git_oid_tostr(hex, sizeof(hex), commit), fl_git_error());
		goto done;
	}
	fl_sig_judge_keys(out, sig.ptr, sig.size, vouched ? NULL : data.ptr, data.size, kr);
	e = 0;
done:
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	return e;
}
