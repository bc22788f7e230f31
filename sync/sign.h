/*
 * sign.h: signing the commits fieldlog writes, and checking a commit's
 * signature against the roster's keys.
 *
 * A signed commit carries an SSHSIG signature (sync/sshsig.h, namespace
 * "git") in its `gpgsig` header, over the commit as it reads without that
 * header: exactly what stock git writes with gpg.format=ssh, so
 * `git -c gpg.ssh.allowedSignersFile=F log --show-signature` checks it
 * with F from `fieldlog roster allowed-signers`.
 *
 * A signer is a key file: an unencrypted OpenSSH Ed25519 private key
 * signs in-process; one protected by a passphrase, or a ".pub" whose key
 * ssh-agent holds, signs through `ssh-keygen -Y sign`. Either way the
 * signature is verified against the public key before it is used, so a
 * commit is never written with a signature that would not check.
 */
#ifndef FL_SIGN_H
#define FL_SIGN_H

#include <git2.h>
#include <cjson/cJSON.h>

#include "schema/base.h"
#include "sshsig.h"

struct fl_signer;

/*
 * A signer for the key at `keyfile` (a private key, or a ".pub" for a
 * key in ssh-agent). Nothing is read yet: the key is read at the first
 * signature, so a workspace whose key file went missing still reads;
 * only committing fails, naming the file. Caller frees.
 */
struct fl_signer *fl_signer_new(const char *keyfile);
void fl_signer_free(struct fl_signer *sg);
/* A signer holding a copy of key, already loaded (synthetic data). */
struct fl_signer *fl_signer_from_key(const struct fl_ssh_seckey *key);

/*
 * Reads the key now (for `init --key`, which wants to say at once what is
 * wrong). Returns 0, FL_ENOTFOUND (no such file, and no ".pub" beside
 * it), FL_ESSH_KEYTYPE or FL_EINVALID with the message.
 */
int fl_signer_load(struct fl_signer *sg);

/* The public key and its "SHA256:..." fingerprint (after a load). */
const struct fl_ssh_pubkey *fl_signer_pubkey(const struct fl_signer *sg);
const char *fl_signer_fingerprint(const struct fl_signer *sg);
/* How it signs: "in-process" or "ssh-keygen". */
const char *fl_signer_how(const struct fl_signer *sg);

/*
 * Signs msg and appends the armoured signature, without its final
 * newline (as a gpgsig header takes it), to sb. Returns 0, or the load's
 * or ssh-keygen's error.
 */
int fl_signer_sign(struct strbuf *sb, struct fl_signer *sg, const void *msg, size_t len);

/*
 * A commit's signature judged against the roster.
 *
 *   FL_COMMIT_UNSIGNED  no gpgsig header.
 *   FL_COMMIT_GOOD      a valid SSHSIG by a key some person in the roster
 *                       holds in "keys": signer is that person's id.
 *   FL_COMMIT_BAD       anything else: a malformed block, a signature
 *                       that does not match, a key nobody holds (reason
 *                       says which). A valid signature by a key the
 *                       roster lists under a person's "removed_keys" is
 *                       BAD with key_removed set and signer naming them:
 *                       once a laptop is lost, what its key signs can no
 *                       longer be told from what a thief signs.
 *
 * For the rule module (schema/rules.h) the mapping is one to one:
 * UNSIGNED is FL_SIG_NONE, GOOD is FL_SIG_GOOD with `signer` as the signer
 * id, BAD is FL_SIG_BAD (with `reason` for the message).
 */
enum fl_commit_sig {
	FL_COMMIT_UNSIGNED = 0,
	FL_COMMIT_GOOD = 1,
	FL_COMMIT_BAD = 2,
};

struct fl_sig_verdict {
	enum fl_commit_sig state;
	int key_removed;
	int unknown_key;   /* BAD only because no roster person holds the key */
	int vouched;       /* judged without the arithmetic (fl_commit_verify_keys) */
	char signer[65];                           /* "" when no one */
	char fingerprint[FL_SSH_FINGERPRINT_SIZE]; /* "" when the key is unknown */
	char reason[200];                          /* BAD: one line, why */
};

/*
 * Fills *out for commit. Returns 0 whatever the verdict, or FL_ERROR when
 * the commit cannot be read. roster may be NULL (then every signature is
 * by a key nobody holds). One Ed25519 verification, no process.
 */
int fl_commit_verify(struct fl_sig_verdict *out, git_repository *repo,
		     const git_oid *commit, const cJSON *roster);

/* The same over a commit's raw signature and signed bytes (pure). */
void fl_sig_judge(struct fl_sig_verdict *out, const char *sig, size_t siglen,
		  const char *data, size_t datalen, const cJSON *roster);

/*
 * The roster's keys ("keys" and "removed_keys" of every person), parsed
 * once for many verdicts; lines that do not parse are left out (the
 * roster's own validation names them). It borrows the people from
 * roster, which must outlive it. Caller frees; _free takes NULL.
 */
struct fl_keyring;
struct fl_keyring *fl_keyring_new(const cJSON *roster);
void fl_keyring_free(struct fl_keyring *kr);

/*
 * fl_sig_judge and fl_commit_verify against a keyring. `data` NULL (in
 * fl_sig_judge_keys) or `vouched` (in fl_commit_verify_keys): the bytes
 * are vouched for by a verified signature on a commit that reaches this
 * one through the hash chain, so the Ed25519 arithmetic is skipped; the
 * block must still parse and name a key, which decides the verdict as
 * above, and the verdict has `vouched` set.
 */
void fl_sig_judge_keys(struct fl_sig_verdict *out, const char *sig, size_t siglen,
		       const char *data, size_t datalen, const struct fl_keyring *kr);
int fl_commit_verify_keys(struct fl_sig_verdict *out, git_repository *repo,
			  const git_oid *commit, const struct fl_keyring *kr, int vouched);

/*
 * Writes `text` (the commit as git_commit_create_buffer gives it) as a
 * commit signed by sg into repo's object database. sg NULL: unsigned.
 */
int fl_commit_write_signed(git_oid *out, git_repository *repo, const char *text,
			   struct fl_signer *sg);

#endif
