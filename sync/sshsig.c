/*
 * sshsig.c: OpenSSH's Ed25519 key and signature formats over libsodium
 * (see sshsig.h for what and why).
 *
 * Everything OpenSSH puts on the wire is built from two things: a uint32
 * (big-endian) and a "string" (a uint32 length, then that many bytes),
 * RFC 4251 section 5. A public key is string "ssh-ed25519" + string of
 * 32 bytes. An SSHSIG signature (PROTOCOL.sshsig) is
 *
 *     "SSHSIG" uint32 1  string publickey  string namespace
 *     string reserved  string hash_algorithm  string signature
 *
 * where signature is string "ssh-ed25519" + string of 64 bytes, made over
 *
 *     "SSHSIG" string namespace  string reserved  string hash_algorithm
 *     string H(message)
 *
 * and the whole is armoured as base64 between BEGIN/END SSH SIGNATURE
 * lines, 70 characters a line. Parsing follows OpenSSH's sshsig.c: the
 * reserved field of a signature is skipped and an empty one is what is
 * verified, trailing bytes anywhere are refused, and a signature may use
 * sha512 (what ssh-keygen writes) or sha256.
 */
#define _POSIX_C_SOURCE 200809L
#include "sshsig.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>

#define KEYTYPE "ssh-ed25519"
#define SIG_MAGIC "SSHSIG"
#define SIG_BEGIN "-----BEGIN SSH SIGNATURE-----"
#define SIG_END "-----END SSH SIGNATURE-----"
#define KEY_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define KEY_END "-----END OPENSSH PRIVATE KEY-----"
#define KEY_MAGIC "openssh-key-v1"  /* followed by a NUL */
#define B64_BLANKS " \t\r\n"
/* OpenSSH wraps both armours at 70 columns (sshbuf_dtob64 with wrap). */
#define ARMOUR_WIDTH 70
/*
 * An Ed25519 signature block is 4 lines; an RSA-8192 one about 30. Over
 * 64 KB is not a signature, and the limit keeps a hostile one cheap.
 */
#define ARMOUR_MAX 65536

static void sodium_start(void)
{
	/* Idempotent and thread-safe; picks the fastest implementations. */
	if (sodium_init() < 0)
		fl_die("cannot initialise libsodium");
}

/* ---- the wire format ---- */

struct reader {
	const unsigned char *p;
	size_t len;
};

static int get_u32(struct reader *r, uint32_t *out)
{
	if (r->len < 4)
		return -1;
	*out = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	       (uint32_t)r->p[2] << 8 | (uint32_t)r->p[3];
	r->p += 4;
	r->len -= 4;
	return 0;
}

static int get_string(struct reader *r, const unsigned char **s, size_t *slen)
{
	uint32_t n;
	struct reader save = *r;

	if (get_u32(r, &n) < 0 || n > r->len) {
		*r = save;
		return -1;
	}
	*s = r->p;
	*slen = n;
	r->p += n;
	r->len -= n;
	return 0;
}

static int string_is(const unsigned char *s, size_t len, const char *want)
{
	return len == strlen(want) && !memcmp(s, want, len);
}

static void put_u32(struct strbuf *sb, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };
	strbuf_add(sb, b, 4);
}

static void put_string(struct strbuf *sb, const void *s, size_t len)
{
	put_u32(sb, (uint32_t)len);
	strbuf_add(sb, s, len);
}

static void put_cstring(struct strbuf *sb, const char *s)
{
	put_string(sb, s, strlen(s));
}

/* A key type as text for a message: printable, and short. */
static char *type_name(const unsigned char *s, size_t len)
{
	size_t i;
	if (len > 64)
		len = 64;
	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == '\'')
			break;
	return xstrndup((const char *)s, i);
}

static int unsupported_type(const unsigned char *s, size_t len)
{
	char *t = type_name(s, len);
	int e = fl_error(FL_ESSH_KEYTYPE, "key type '%s' is not supported; use an Ed25519 key", t);
	free(t);
	return e;
}

/* ---- base64 and armour ---- */

static void base64_add(struct strbuf *sb, const void *bin, size_t len, int variant)
{
	size_t n = sodium_base64_ENCODED_LEN(len, variant);
	strbuf_grow(sb, n);
	sodium_bin2base64(sb->buf + sb->len, n, bin, len, variant);
	strbuf_setlen(sb, sb->len + strlen(sb->buf + sb->len));
}

/* Decodes padded base64, blanks allowed anywhere; -1 if it is not. */
static int base64_decode(struct strbuf *out, const char *b64, size_t len)
{
	size_t n;
	strbuf_grow(out, len / 4 * 3 + 3);
	if (sodium_base642bin((unsigned char *)out->buf + out->len, len / 4 * 3 + 3,
			      b64, len, B64_BLANKS, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) < 0)
		return -1;
	strbuf_setlen(out, out->len + n);
	return 0;
}

static const char *find_bytes(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;
	for (i = 0; i + n <= len; i++)
		if (hay[i] == needle[0] && !memcmp(hay + i, needle, n))
			return hay + i;
	return NULL;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Decodes the base64 between a `begin` line and an `end` line into out.
 * Blanks may surround the block. Returns 0, or -1 with *why set.
 */
static int dearmour(struct strbuf *out, const char *text, size_t len,
		    const char *begin, const char *end, const char **why)
{
	const char *p = text, *stop = text + len, *body, *tail;

	while (p < stop && is_blank(*p))
		p++;
	if ((size_t)(stop - p) < strlen(begin) || memcmp(p, begin, strlen(begin))) {
		*why = "no BEGIN line";
		return -1;
	}
	body = p + strlen(begin);
	if (body == stop || (*body != '\n' && *body != '\r')) {
		*why = "no line break after the BEGIN line";
		return -1;
	}
	tail = find_bytes(body, stop - body, end);
	if (!tail) {
		*why = "no END line";
		return -1;
	}
	for (p = tail + strlen(end); p < stop; p++)
		if (!is_blank(*p)) {
			*why = "text after the END line";
			return -1;
		}
	if (base64_decode(out, body, tail - body) < 0) {
		*why = "bad base64";
		return -1;
	}
	return 0;
}

/* Appends base64 of bin wrapped at ARMOUR_WIDTH, each line ending in \n. */
/*
 * Dearmours text into bin and points r past the binary's magic (mlen
 * bytes). Returns 0; -1 with *why set when the armour is bad; -2 when
 * the magic is missing.
 */
static int unwrap(struct reader *r, struct strbuf *bin, const char *text, size_t len,
		  const char *begin, const char *end, const char *magic, size_t mlen,
		  const char **why)
{
	if (dearmour(bin, text, len, begin, end, why) < 0)
		return -1;
	r->p = (const unsigned char *)bin->buf;
	r->len = bin->len;
	if (r->len < mlen || memcmp(r->p, magic, mlen))
		return -2;
	r->p += mlen;
	r->len -= mlen;
	return 0;
}

static void armour_add(struct strbuf *sb, const char *begin, const char *end,
		       const void *bin, size_t len)
{
	struct strbuf b64 = STRBUF_INIT;
	size_t i;

	base64_add(&b64, bin, len, sodium_base64_VARIANT_ORIGINAL);
	strbuf_addstr(sb, begin);
	strbuf_addch(sb, '\n');
	for (i = 0; i < b64.len; i += ARMOUR_WIDTH) {
		size_t n = b64.len - i < ARMOUR_WIDTH ? b64.len - i : ARMOUR_WIDTH;
		strbuf_add(sb, b64.buf + i, n);
		strbuf_addch(sb, '\n');
	}
	strbuf_addstr(sb, end);
	strbuf_addch(sb, '\n');
	strbuf_release(&b64);
}

/* ---- public keys ---- */

int fl_ssh_pubkey_from_blob(struct fl_ssh_pubkey *out, const void *blob, size_t len)
{
	struct reader r = { blob, len };
	const unsigned char *type, *key;
	size_t tlen, klen;

	if (get_string(&r, &type, &tlen) < 0)
		return fl_error(FL_EINVALID, "malformed SSH public key");
	if (!string_is(type, tlen, KEYTYPE))
		return unsupported_type(type, tlen);
	if (get_string(&r, &key, &klen) < 0 || r.len)
		return fl_error(FL_EINVALID, "malformed SSH public key");
	if (klen != FL_SSH_ED25519_KEYLEN)
		return fl_error(FL_EINVALID, "Ed25519 public key of %zu bytes, not %d",
				klen, FL_SSH_ED25519_KEYLEN);
	memcpy(out->key, key, klen);
	return 0;
}

void fl_ssh_pubkey_blob(struct strbuf *sb, const struct fl_ssh_pubkey *key)
{
	put_cstring(sb, KEYTYPE);
	put_string(sb, key->key, sizeof(key->key));
}

void fl_ssh_pubkey_format(struct strbuf *sb, const struct fl_ssh_pubkey *key)
{
	struct strbuf blob = STRBUF_INIT;
	fl_ssh_pubkey_blob(&blob, key);
	strbuf_addstr(sb, KEYTYPE " ");
	base64_add(sb, blob.buf, blob.len, sodium_base64_VARIANT_ORIGINAL);
	strbuf_release(&blob);
}

/* Key types OpenSSH knows (sshkey.c's keytypes[]), for a helpful refusal. */
static int known_type(const char *s, size_t len)
{
	static const char *const prefixes[] = {
		"ssh-rsa", "ssh-dss", "ecdsa-sha2-", "sk-ecdsa-sha2-", "sk-ssh-ed25519",
		"ssh-ed25519-cert", "ssh-xmss", "rsa-sha2-",
	};
	size_t i;
	for (i = 0; i < FL_ARRAY_SIZE(prefixes); i++)
		if (len >= strlen(prefixes[i]) && !memcmp(s, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

int fl_ssh_pubkey_parse(struct fl_ssh_pubkey *out, const char *line, size_t len)
{
	const char *p = line, *stop = line + len, *type, *b64;
	size_t tlen, blen;
	struct strbuf blob = STRBUF_INIT;
	int e;

	while (p < stop && is_blank(*p))
		p++;
	type = p;
	while (p < stop && !is_blank(*p))
		p++;
	tlen = p - type;
	while (p < stop && is_blank(*p))
		p++;
	b64 = p;
	while (p < stop && !is_blank(*p))
		p++;
	blen = p - b64;

	if (!(tlen == strlen(KEYTYPE) && !memcmp(type, KEYTYPE, tlen))) {
		if (known_type(type, tlen))
			return unsupported_type((const unsigned char *)type, tlen);
		return fl_error(FL_EINVALID, "not an OpenSSH public key (\"ssh-ed25519 AAAA...\")");
	}
	if (!blen || base64_decode(&blob, b64, blen) < 0) {
		strbuf_release(&blob);
		return fl_error(FL_EINVALID, "malformed SSH public key: bad base64");
	}
	e = fl_ssh_pubkey_from_blob(out, blob.buf, blob.len);
	strbuf_release(&blob);
	return e;
}

void fl_ssh_fingerprint(char out[FL_SSH_FINGERPRINT_SIZE], const struct fl_ssh_pubkey *key)
{
	struct strbuf blob = STRBUF_INIT, fp = STRBUF_INIT;
	unsigned char h[crypto_hash_sha256_BYTES];

	sodium_start();
	fl_ssh_pubkey_blob(&blob, key);
	crypto_hash_sha256(h, (const unsigned char *)blob.buf, blob.len);
	strbuf_addstr(&fp, "SHA256:");
	base64_add(&fp, h, sizeof(h), sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	memcpy(out, fp.buf, FL_SSH_FINGERPRINT_SIZE - 1);
	out[FL_SSH_FINGERPRINT_SIZE - 1] = '\0';
	strbuf_release(&blob);
	strbuf_release(&fp);
}

int fl_ssh_pubkey_equal(const struct fl_ssh_pubkey *a, const struct fl_ssh_pubkey *b)
{
	return !memcmp(a->key, b->key, sizeof(a->key));
}

/* ---- private keys ---- */

/*
 * The private section of openssh-key-v1 (PROTOCOL.key): two equal check
 * integers (they differ after decrypting with a wrong passphrase), the key
 * (for Ed25519: type, public key, seed followed by public key), a comment,
 * and padding 1, 2, 3, ... to the cipher's block size, 8 for "none".
 */
static int parse_private_section(struct fl_ssh_seckey *out, const unsigned char *s, size_t len)
{
	struct reader r = { s, len };
	const unsigned char *type, *pk, *sk, *comment;
	size_t tlen, pklen, sklen, clen, i;
	uint32_t check1, check2;
	unsigned char derived_pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char derived_sk[crypto_sign_SECRETKEYBYTES];
	int ok;

	if (len % 8 || get_u32(&r, &check1) < 0 || get_u32(&r, &check2) < 0 || check1 != check2)
		return fl_error(FL_EINVALID, "malformed OpenSSH private key");
	if (get_string(&r, &type, &tlen) < 0)
		return fl_error(FL_EINVALID, "malformed OpenSSH private key");
	if (!string_is(type, tlen, KEYTYPE))
		return unsupported_type(type, tlen);
	if (get_string(&r, &pk, &pklen) < 0 || get_string(&r, &sk, &sklen) < 0 ||
	    get_string(&r, &comment, &clen) < 0)
		return fl_error(FL_EINVALID, "malformed OpenSSH private key");
	if (pklen != crypto_sign_PUBLICKEYBYTES || sklen != crypto_sign_SECRETKEYBYTES ||
	    memcmp(pk, out->pub.key, pklen) || memcmp(sk + 32, pk, pklen))
		return fl_error(FL_EINVALID, "OpenSSH private key does not hold the key it names");
	for (i = 0; i < r.len; i++)
		if (r.p[i] != (unsigned char)(i + 1))
			return fl_error(FL_EINVALID, "malformed OpenSSH private key: bad padding");

	sodium_start();
	crypto_sign_seed_keypair(derived_pk, derived_sk, sk);
	ok = !memcmp(derived_pk, pk, sizeof(derived_pk));
	sodium_memzero(derived_sk, sizeof(derived_sk));
	if (!ok)
		return fl_error(FL_EINVALID, "OpenSSH private key does not match its public key");
	memcpy(out->sk, sk, sizeof(out->sk));
	return 0;
}

int fl_ssh_seckey_parse(struct fl_ssh_seckey *out, const char *data, size_t len)
{
	struct strbuf bin = STRBUF_INIT;
	struct reader r;
	const unsigned char *cipher, *kdf, *kdfopts, *pub, *priv;
	size_t cipherlen, kdflen, kdfoptslen, publen, privlen;
	uint32_t nkeys;
	const char *why;
	int e = FL_EINVALID;

	memset(out, 0, sizeof(*out));
	/* Room for the whole file up front, so no realloc leaves a copy behind. */
	strbuf_grow(&bin, len);
	switch (unwrap(&r, &bin, data, len, KEY_BEGIN, KEY_END, KEY_MAGIC, sizeof(KEY_MAGIC), &why)) {
	case -1:
		e = fl_error(FL_EINVALID, "not an OpenSSH private key (%s)", why);
		goto done;
	case -2:
		e = fl_error(FL_EINVALID, "not an OpenSSH private key (no %s header)", KEY_MAGIC);
		goto done;
	}
	if (get_string(&r, &cipher, &cipherlen) < 0 || get_string(&r, &kdf, &kdflen) < 0 ||
	    get_string(&r, &kdfopts, &kdfoptslen) < 0 || get_u32(&r, &nkeys) < 0) {
		e = fl_error(FL_EINVALID, "malformed OpenSSH private key");
		goto done;
	}
	if (!string_is(cipher, cipherlen, "none")) {
		e = fl_error(FL_ESSH_ENCRYPTED, "the private key is protected by a passphrase");
		goto done;
	}
	if (!string_is(kdf, kdflen, "none") || nkeys != 1 ||
	    get_string(&r, &pub, &publen) < 0 || get_string(&r, &priv, &privlen) < 0 || r.len) {
		e = fl_error(FL_EINVALID, "malformed OpenSSH private key");
		goto done;
	}
	if ((e = fl_ssh_pubkey_from_blob(&out->pub, pub, publen)) < 0)
		goto done;
	e = parse_private_section(out, priv, privlen);
done:
	sodium_memzero(bin.buf, bin.alloc);
	strbuf_release(&bin);
	if (e < 0)
		fl_ssh_seckey_clear(out);
	return e;
}

int fl_ssh_seckey_read(struct fl_ssh_seckey *out, const char *path)
{
	/* An Ed25519 key file is about 400 bytes; an RSA-16384 one about 12 KB. */
	enum { LIMIT = 65536 };
	struct strbuf sb = STRBUF_INIT;
	int e;

	memset(out, 0, sizeof(*out));
	strbuf_grow(&sb, LIMIT + 1);
	if ((e = strbuf_read_file(&sb, path, LIMIT)) < 0)
		goto done;
	if ((e = fl_ssh_seckey_parse(out, sb.buf, sb.len)) < 0)
		e = fl_error(e, "cannot use the key '%s': %s", path, fl_last_error());
done:
	sodium_memzero(sb.buf, sb.alloc);
	strbuf_release(&sb);
	return e;
}

void fl_ssh_seckey_clear(struct fl_ssh_seckey *key)
{
	sodium_memzero(key, sizeof(*key));
}

/* ---- signatures ---- */

/* What the signature covers: the preamble, then H(message). */
static void signed_data(struct strbuf *sb, const char *hashalg,
			const void *msg, size_t msglen)
{
	unsigned char h[crypto_hash_sha512_BYTES];
	size_t hlen;

	if (!strcmp(hashalg, "sha512")) {
		crypto_hash_sha512(h, msg, msglen);
		hlen = crypto_hash_sha512_BYTES;
	} else {
		crypto_hash_sha256(h, msg, msglen);
		hlen = crypto_hash_sha256_BYTES;
	}
	strbuf_add(sb, SIG_MAGIC, strlen(SIG_MAGIC));
	put_cstring(sb, FL_SSHSIG_NAMESPACE);
	put_string(sb, "", 0);  /* reserved */
	put_cstring(sb, hashalg);
	put_string(sb, h, hlen);
}

void fl_sshsig_sign(struct strbuf *sb, const struct fl_ssh_seckey *key,
		    const void *msg, size_t msglen)
{
	struct strbuf data = STRBUF_INIT, sigblob = STRBUF_INIT, blob = STRBUF_INIT, pub = STRBUF_INIT;
	unsigned char sig[crypto_sign_BYTES];

	sodium_start();
	signed_data(&data, "sha512", msg, msglen);
	crypto_sign_detached(sig, NULL, (const unsigned char *)data.buf, data.len, key->sk);
	put_cstring(&sigblob, KEYTYPE);
	put_string(&sigblob, sig, sizeof(sig));

	fl_ssh_pubkey_blob(&pub, &key->pub);
	strbuf_add(&blob, SIG_MAGIC, strlen(SIG_MAGIC));
	put_u32(&blob, 1);
	put_string(&blob, pub.buf, pub.len);
	put_cstring(&blob, FL_SSHSIG_NAMESPACE);
	put_string(&blob, "", 0);
	put_cstring(&blob, "sha512");
	put_string(&blob, sigblob.buf, sigblob.len);
	armour_add(sb, SIG_BEGIN, SIG_END, blob.buf, blob.len);

	strbuf_release(&data);
	strbuf_release(&sigblob);
	strbuf_release(&blob);
	strbuf_release(&pub);
}

/*
 * fl_sshsig_verify, and with msg NULL fl_sshsig_signer: every check but
 * the signature arithmetic.
 */
static int sshsig_check(struct fl_ssh_pubkey *signer, const char *sig, size_t siglen,
			const void *msg, size_t msglen,
			const struct fl_ssh_pubkey *allowed, size_t nallowed)
{
	struct strbuf bin = STRBUF_INIT, data = STRBUF_INIT;
	struct reader r, s;
	const unsigned char *pub, *ns, *reserved, *hash, *sigblob, *stype, *sigbytes;
	size_t publen, nslen, reservedlen, hashlen, sigbloblen, stypelen, sigbyteslen, i;
	struct fl_ssh_pubkey key;
	uint32_t version;
	const char *why, *hashalg;
	int e = 0;

	sodium_start();
	if (siglen > ARMOUR_MAX) {
		e = fl_error(FL_ESSH_MALFORMED, "malformed SSH signature (over %d bytes)", ARMOUR_MAX);
		goto done;
	}
	switch (unwrap(&r, &bin, sig, siglen, SIG_BEGIN, SIG_END, SIG_MAGIC, strlen(SIG_MAGIC),
		       &why)) {
	case -1:
		e = fl_error(FL_ESSH_MALFORMED, "malformed SSH signature (%s)", why);
		goto done;
	case -2:
		e = fl_error(FL_ESSH_MALFORMED, "malformed SSH signature (no %s header)", SIG_MAGIC);
		goto done;
	}
	if (get_u32(&r, &version) < 0 || get_string(&r, &pub, &publen) < 0 ||
	    get_string(&r, &ns, &nslen) < 0 || get_string(&r, &reserved, &reservedlen) < 0 ||
	    get_string(&r, &hash, &hashlen) < 0 || get_string(&r, &sigblob, &sigbloblen) < 0 ||
	    r.len) {
		e = fl_error(FL_ESSH_MALFORMED, "malformed SSH signature");
		goto done;
	}
	if (version != 1) {
		e = fl_error(FL_ESSH_MALFORMED, "SSH signature of version %u, not 1", (unsigned)version);
		goto done;
	}
	if ((e = fl_ssh_pubkey_from_blob(&key, pub, publen)) < 0) {
		if (e != FL_ESSH_KEYTYPE)
			e = fl_error(FL_ESSH_MALFORMED, "%s", fl_last_error());
		goto done;
	}
	if (signer)
		*signer = key;
	if (!string_is(ns, nslen, FL_SSHSIG_NAMESPACE)) {
		char *t = type_name(ns, nslen);
		e = fl_error(FL_ESSH_NAMESPACE, "SSH signature made for '%s', not '%s'",
			     t, FL_SSHSIG_NAMESPACE);
		free(t);
		goto done;
	}
	if (string_is(hash, hashlen, "sha512")) {
		hashalg = "sha512";
	} else if (string_is(hash, hashlen, "sha256")) {
		hashalg = "sha256";
	} else {
		char *t = type_name(hash, hashlen);
		e = fl_error(FL_ESSH_HASH, "SSH signature hash '%s' is not supported", t);
		free(t);
		goto done;
	}

	s.p = sigblob;
	s.len = sigbloblen;
	if (get_string(&s, &stype, &stypelen) < 0 || !string_is(stype, stypelen, KEYTYPE) ||
	    get_string(&s, &sigbytes, &sigbyteslen) < 0 || sigbyteslen != crypto_sign_BYTES ||
	    s.len) {
		e = fl_error(FL_ESSH_MALFORMED, "malformed SSH signature (not an Ed25519 signature)");
		goto done;
	}
	if (msg)
		signed_data(&data, hashalg, msg, msglen);
	if (msg && crypto_sign_verify_detached(sigbytes, (const unsigned char *)data.buf, data.len,
					key.key) != 0) {
		e = fl_error(FL_ESSH_BADSIG, "bad SSH signature");
		goto done;
	}
	if (nallowed) {
		for (i = 0; i < nallowed; i++)
			if (fl_ssh_pubkey_equal(&allowed[i], &key))
				break;
		if (i == nallowed) {
			char fp[FL_SSH_FINGERPRINT_SIZE];
			fl_ssh_fingerprint(fp, &key);
			e = fl_error(FL_ESSH_UNKNOWNKEY, "signed by a key not allowed (%s)", fp);
		}
	}
done:
	strbuf_release(&bin);
	strbuf_release(&data);
	return e;
}

int fl_sshsig_verify(struct fl_ssh_pubkey *signer, const char *sig, size_t siglen,
		     const void *msg, size_t msglen,
		     const struct fl_ssh_pubkey *allowed, size_t nallowed)
{
	return sshsig_check(signer, sig, siglen, msg ? msg : "", msglen, allowed, nallowed);
}

int fl_sshsig_signer(struct fl_ssh_pubkey *signer, const char *sig, size_t siglen)
{
	return sshsig_check(signer, sig, siglen, NULL, 0, NULL, 0);
}
