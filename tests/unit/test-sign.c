/*
 * test-sign.c: fl_sig_judge, the verdict on a commit's signature against
 * the roster, on in-memory signatures: good by a key the roster gives
 * someone, bad when the bytes changed, by a key nobody holds, by a
 * removed key (naming its former holder), or malformed. Keys come from
 * fixed seeds, so nothing here depends on ~/.ssh or on ssh-keygen.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "schema/base.h"
#include "schema/json.h"
#include "schema/roster.h"
#include "sync/sign.h"
#include "tests/unit/tap.h"

static void make_key(struct fl_ssh_seckey *k, unsigned char fill)
{
	unsigned char seed[32];
	memset(seed, fill, sizeof(seed));
	crypto_sign_seed_keypair(k->pub.key, k->sk, seed);
}

static char *key_line(const struct fl_ssh_seckey *k, const char *comment)
{
	struct strbuf sb = STRBUF_INIT;
	fl_ssh_pubkey_format(&sb, &k->pub);
	strbuf_addf(&sb, " %s", comment);
	return strbuf_detach(&sb, NULL);
}

int main(void)
{
	static const char msg[] = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
		"author An <an@fieldlog> 1757296800 +0700\n"
		"committer An <an@fieldlog> 1757296800 +0700\n\nissue X: new\n";
	struct fl_ssh_seckey an, old, stranger;
	struct fl_sig_verdict vd;
	struct strbuf sig = STRBUF_INIT;
	char fpr[FL_SSH_FINGERPRINT_SIZE];

	if (sodium_init() < 0)
		return 1;
	make_key(&an, 1);
	make_key(&old, 2);
	make_key(&stranger, 3);
	char *an_line = key_line(&an, "an@laptop"), *old_line = key_line(&old, "an@lost");
	char *text = xstrfmt("{\"schema\": 1, \"people\": [{\"id\": \"an\", \"name\": \"An\","
			     " \"role\": \"officer\", \"provinces\": [\"42\"], \"login\": \"an\","
			     " \"keys\": [\"%s\"], \"removed_keys\": [\"%s\"]}]}", an_line, old_line);
	cJSON *roster = NULL;
	OK(fl_json_parse(&roster, text, strlen(text)) == 0, "a roster with a key and a removed key");

	fl_sshsig_sign(&sig, &an, msg, strlen(msg));
	fl_sig_judge(&vd, sig.buf, sig.len, msg, strlen(msg), roster);
	fl_ssh_fingerprint(fpr, &an.pub);
	IS_INT(vd.state, FL_COMMIT_GOOD, "a signature by a roster key is good");
	IS(vd.signer, "an", "naming its holder");
	IS(vd.fingerprint, fpr, "and the key's fingerprint");

	fl_sig_judge(&vd, sig.buf, sig.len, msg, strlen(msg) - 1, roster);
	IS_INT(vd.state, FL_COMMIT_BAD, "changed bytes: bad");
	OK(strstr(vd.reason, "bad SSH signature") != NULL, "saying so");

	fl_sig_judge(&vd, sig.buf, sig.len, msg, strlen(msg), NULL);
	IS_INT(vd.state, FL_COMMIT_BAD, "no roster: nobody holds the key");

	strbuf_reset(&sig);
	fl_sshsig_sign(&sig, &old, msg, strlen(msg));
	fl_sig_judge(&vd, sig.buf, sig.len, msg, strlen(msg), roster);
	IS_INT(vd.state, FL_COMMIT_BAD, "a removed key's signature is bad");
	OK(vd.key_removed && !strcmp(vd.signer, "an"), "marked removed, naming its former holder");

	strbuf_reset(&sig);
	fl_sshsig_sign(&sig, &stranger, msg, strlen(msg));
	fl_sig_judge(&vd, sig.buf, sig.len, msg, strlen(msg), roster);
	IS_INT(vd.state, FL_COMMIT_BAD, "a stranger's key: bad");
	OK(!vd.key_removed && !*vd.signer && strstr(vd.reason, "nobody in the roster"),
	   "naming no one");

	fl_sig_judge(&vd, "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----", 62,
		     msg, strlen(msg), roster);
	IS_INT(vd.state, FL_COMMIT_BAD, "a malformed block: bad");
	OK(strstr(vd.reason, "malformed") != NULL, "saying so");

	/* Vouched for (no signed bytes): the block is read, not verified. */
	struct fl_keyring *kr = fl_keyring_new(roster);
	strbuf_reset(&sig);
	fl_sshsig_sign(&sig, &an, msg, strlen(msg));
	fl_sig_judge_keys(&vd, sig.buf, sig.len, msg, strlen(msg), kr);
	OK(vd.state == FL_COMMIT_GOOD && !vd.vouched, "a keyring verdict: good, verified");
	fl_sig_judge_keys(&vd, sig.buf, sig.len, NULL, 0, kr);
	OK(vd.state == FL_COMMIT_GOOD && vd.vouched && !strcmp(vd.signer, "an"),
	   "vouched for: good without the arithmetic, naming the key's holder");
	strbuf_reset(&sig);
	fl_sshsig_sign(&sig, &old, msg, strlen(msg));
	fl_sig_judge_keys(&vd, sig.buf, sig.len, NULL, 0, kr);
	OK(vd.state == FL_COMMIT_BAD && vd.key_removed, "vouched for: a removed key stays bad");
	strbuf_reset(&sig);
	fl_sshsig_sign(&sig, &stranger, msg, strlen(msg));
	fl_sig_judge_keys(&vd, sig.buf, sig.len, NULL, 0, kr);
	OK(vd.state == FL_COMMIT_BAD && vd.unknown_key, "vouched for: a stranger's key stays bad");
	fl_sig_judge_keys(&vd, "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----",
			  62, NULL, 0, kr);
	OK(vd.state == FL_COMMIT_BAD && strstr(vd.reason, "malformed"),
	   "vouched for: a malformed block stays bad");
	fl_keyring_free(kr);

	/*
	 * The keyring decodes a key line as the roster's validation does
	 * (the same bytes), and a line only sync/sshsig.c's parser takes (two
	 * blanks: a roster nobody validated) still gives its key.
	 */
	unsigned char raw[32];
	OK(fl_roster_key_parse(raw, an_line) && !memcmp(raw, an.pub.key, sizeof(raw)),
	   "a roster key line's 32 bytes, decoded without libsodium");
	OK(!fl_roster_key_parse(raw, "ssh-ed25519  AAAA") && !fl_roster_key_parse(raw, NULL),
	   "and not a line the roster refuses");
	char *loose = xstrfmt("{\"schema\": 1, \"people\": [{\"id\": \"an\", \"keys\":"
			      " [\"ssh-ed25519  %s\"]}]}", an_line + 12);
	cJSON *lr = NULL;
	OK(fl_json_parse(&lr, loose, strlen(loose)) == 0, "a roster with a key line of two blanks");
	kr = fl_keyring_new(lr);
	strbuf_reset(&sig);
	fl_sshsig_sign(&sig, &an, msg, strlen(msg));
	fl_sig_judge_keys(&vd, sig.buf, sig.len, msg, strlen(msg), kr);
	OK(vd.state == FL_COMMIT_GOOD && !strcmp(vd.signer, "an"), "its key still signs for an");
	fl_keyring_free(kr);
	cJSON_Delete(lr);
	free(loose);

	fl_ssh_seckey_clear(&an);
	fl_ssh_seckey_clear(&old);
	fl_ssh_seckey_clear(&stranger);
	strbuf_release(&sig);
	cJSON_Delete(roster);
	free(text);
	free(an_line);
	free(old_line);
	return tap_done();
}
