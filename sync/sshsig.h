/*
 * sshsig.h: Ed25519 keys and signatures in the formats OpenSSH writes, so
 * that a commit fieldlog signs is one stock git verifies with
 * `gpg.format=ssh` (and one fieldlog verifies without starting a process).
 *
 * What is here: an OpenSSH public key line ("ssh-ed25519 AAAA... comment"),
 * its SHA256 fingerprint as `ssh-keygen -l` prints it, an unencrypted
 * OpenSSH private key file, and SSHSIG signatures (PROTOCOL.sshsig in
 * OpenSSH's sources) in the namespace "git", armoured as
 * `ssh-keygen -Y sign -n git` writes them. Pure: no git, no SQLite, no
 * processes (sshsig-exec.c runs ssh-keygen for keys this file cannot
 * read: passphrase-protected ones and keys held by ssh-agent).
 *
 * Only Ed25519: it is what `ssh-keygen -t ed25519` makes, its signatures
 * are deterministic (so ours and ssh-keygen's are byte-for-byte the same),
 * and libsodium verifies one in about 80 us on a laptop-class core (so
 * 100k commits would take 8 s: the importer verifies the tips, which
 * vouch for the rest through the hash chain, sync/check.h). Other key
 * types are refused with a message that names the type.
 *
 * Errors follow schema/base.h: 0 or a negative code, with a one-line
 * message kept for fl_last_error(). The codes below are what a caller may
 * want to act on; a malformed key or key file is FL_EINVALID.
 */
#ifndef FL_SSHSIG_H
#define FL_SSHSIG_H

#include <stddef.h>

#include "schema/base.h"

enum {
	FL_ESSH_KEYTYPE = -40,    /* a key of a type other than Ed25519 */
	FL_ESSH_ENCRYPTED = -41,  /* a private key with a passphrase: use ssh-keygen */
	FL_ESSH_MALFORMED = -42,  /* not a well-formed SSH signature block */
	FL_ESSH_NAMESPACE = -43,  /* signed for something other than git */
	FL_ESSH_HASH = -44,       /* a hash other than sha512 or sha256 */
	FL_ESSH_BADSIG = -45,     /* the signature does not match the message */
	FL_ESSH_UNKNOWNKEY = -46, /* a good signature by a key not allowed */
};

#define FL_SSHSIG_NAMESPACE "git"

#define FL_SSH_ED25519_KEYLEN 32
/* "SHA256:" + 43 characters of unpadded base64 + NUL. */
#define FL_SSH_FINGERPRINT_SIZE 51

struct fl_ssh_pubkey {
	unsigned char key[FL_SSH_ED25519_KEYLEN];
};

/* Clear with fl_ssh_seckey_clear when done (it holds the secret). */
struct fl_ssh_seckey {
	unsigned char sk[64];  /* libsodium's layout: seed, then public key */
	struct fl_ssh_pubkey pub;
};

/*
 * Parses one OpenSSH public key line of `len` bytes ("ssh-ed25519 BASE64
 * [comment]", with any surrounding blanks; the comment is not kept).
 * Errors: FL_ESSH_KEYTYPE naming the type (ssh-rsa, ecdsa-sha2-*, ...),
 * FL_EINVALID for anything else that is not an Ed25519 key line.
 */
int fl_ssh_pubkey_parse(struct fl_ssh_pubkey *out, const char *line, size_t len);

/* Parses the wire form (string "ssh-ed25519", string key). Errors as above. */
int fl_ssh_pubkey_from_blob(struct fl_ssh_pubkey *out, const void *blob, size_t len);

/* Appends the wire form (51 bytes) to sb. */
void fl_ssh_pubkey_blob(struct strbuf *sb, const struct fl_ssh_pubkey *key);

/* Appends "ssh-ed25519 BASE64" (no comment, no newline) to sb. */
void fl_ssh_pubkey_format(struct strbuf *sb, const struct fl_ssh_pubkey *key);

/* Writes "SHA256:..." exactly as `ssh-keygen -lf` prints it. */
void fl_ssh_fingerprint(char out[FL_SSH_FINGERPRINT_SIZE], const struct fl_ssh_pubkey *key);

int fl_ssh_pubkey_equal(const struct fl_ssh_pubkey *a, const struct fl_ssh_pubkey *b);

/*
 * Parses an OpenSSH private key file's contents ("-----BEGIN OPENSSH
 * PRIVATE KEY-----", openssh-key-v1) holding one Ed25519 key. Errors:
 * FL_ESSH_ENCRYPTED for a passphrase-protected key (sign with
 * fl_sshsig_sign_exec instead), FL_ESSH_KEYTYPE naming another key type,
 * FL_EINVALID for anything else (including PEM and PKCS#8 files).
 */
int fl_ssh_seckey_parse(struct fl_ssh_seckey *out, const char *data, size_t len);

/* Reads and parses the file at path; FL_ENOTFOUND when there is none. */
int fl_ssh_seckey_read(struct fl_ssh_seckey *out, const char *path);

/* Wipes the secret. */
void fl_ssh_seckey_clear(struct fl_ssh_seckey *key);

/*
 * Signs msg in the namespace "git" with sha512 and appends the armoured
 * signature to sb, byte for byte what `ssh-keygen -Y sign -n git` writes
 * to its .sig file (it ends with a newline, which a git_commit_create_
 * with_signature caller strips). Cannot fail.
 */
void fl_sshsig_sign(struct strbuf *sb, const struct fl_ssh_seckey *key,
		    const void *msg, size_t msglen);

/*
 * Verifies an armoured signature (`siglen` bytes; blanks around and inside
 * the block are allowed, as in a commit's gpgsig header) over msg, as
 * `ssh-keygen -Y verify -n git` does: namespace "git", hash sha512 or
 * sha256.
 *
 * With `nallowed` keys in `allowed`, the signing key must be one of them
 * (else FL_ESSH_UNKNOWNKEY); with none, any key will do and the caller
 * looks up `signer` (say, in the roster). `signer` may be NULL; when not,
 * it receives the signing key whenever the signature could be parsed, so
 * an error can name the key's fingerprint.
 *
 * Returns 0 for a good signature, else FL_ESSH_MALFORMED (bad armour,
 * base64 or SSHSIG structure), FL_ESSH_KEYTYPE,
 * FL_ESSH_NAMESPACE, FL_ESSH_HASH, FL_ESSH_BADSIG or FL_ESSH_UNKNOWNKEY.
 */
int fl_sshsig_verify(struct fl_ssh_pubkey *signer, const char *sig, size_t siglen,
		     const void *msg, size_t msglen,
		     const struct fl_ssh_pubkey *allowed, size_t nallowed);

/*
 * The key an armoured signature names, with every check of
 * fl_sshsig_verify but the arithmetic (the Ed25519 verification, nearly
 * all of its cost): for a commit whose bytes a verified signature further
 * up the hash chain already vouches for. Same errors, never
 * FL_ESSH_BADSIG.
 */
int fl_sshsig_signer(struct fl_ssh_pubkey *signer, const char *sig, size_t siglen);

/*
 * Signs msg by running `ssh-keygen -Y sign -n git -f keyfile` on it (in a
 * temporary directory; stdin is /dev/null, as git does it, so a passphrase
 * is asked on the terminal or through SSH_ASKPASS), which also uses a key
 * held by ssh-agent. keyfile may be the private key or its ".pub": with
 * the .pub, the agent must hold the key. Appends the .sig file's contents
 * to sb. Returns 0, or FL_ERROR with ssh-keygen's own last words.
 * ssh-keygen signs with any key type, so verify what comes back: an RSA
 * key's signature is FL_ESSH_KEYTYPE there. In sshsig-exec.c.
 */
int fl_sshsig_sign_exec(struct strbuf *sb, const char *keyfile,
			const void *msg, size_t msglen);

#endif
