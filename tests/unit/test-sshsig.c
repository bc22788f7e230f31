/*
 * test-sshsig.c: sync/sshsig.c against the real OpenSSH and the real git.
 * Keys are made by ssh-keygen in a scratch directory. What ssh-keygen
 * signs we verify; what we sign ssh-keygen verifies; and since Ed25519 is
 * deterministic, the two signatures of one message by one key are the
 * same bytes. Fingerprints match `ssh-keygen -lf`. Other key types,
 * passphrase-protected keys, other namespaces and hashes, tampered
 * messages and signatures get their named errors. The exec path signs
 * with a passphrase through SSH_ASKPASS and with a key held by ssh-agent.
 * Last, a commit carrying our signature in its gpgsig header is "Good"
 * to stock `git verify-commit` and `git log --show-signature`, and a
 * commit stock git signs verifies here over what libgit2 extracts.
 *
 * No global configuration is read: HOME is the scratch directory.
 */
#define _GNU_SOURCE
#include <git2.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "schema/base.h"
#include "sync/sshsig.h"
#include "tests/unit/tap.h"

static char *dir;

/* Runs a shell command in dir; returns its exit status, output in *out. */
static int run(char **out, const char *fmt, ...) FL_PRINTF(2, 3);
static int run(char **out, const char *fmt, ...)
{
	va_list ap;
	struct strbuf sb = STRBUF_INIT;
	char *cmd, *full, buf[4096];
	size_t n;
	FILE *f;
	int status;

	va_start(ap, fmt);
	cmd = xstrvfmt(fmt, ap);
	va_end(ap);
	full = xstrfmt("cd '%s' && { %s ; } 2>&1", dir, cmd);
	f = popen(full, "r");
	if (!f)
		fl_die("popen failed");
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	status = pclose(f);
	free(cmd);
	free(full);
	if (out)
		*out = strbuf_detach(&sb, NULL);
	strbuf_release(&sb);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *path(const char *name)
{
	return xstrfmt("%s/%s", dir, name);
}

static char *slurp(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	char *p = path(name);
	if (strbuf_read_file(&sb, p, 1 << 20) < 0)
		strbuf_reset(&sb);
	free(p);
	return strbuf_detach(&sb, NULL);
}

static void spill(const char *name, const char *data, size_t len)
{
	char *p = path(name);
	if (fl_write_file_atomic(p, data, len) < 0)
		fl_die("%s", fl_last_error());
	free(p);
}

static void skip(const char *why)
{
	printf("ok %d # skip %s\n", ++tap_n, why);
}

static int parse_pub_file(struct fl_ssh_pubkey *k, const char *name)
{
	char *s = slurp(name);
	int e = fl_ssh_pubkey_parse(k, s, strlen(s));
	free(s);
	return e;
}

static int verify_str(struct fl_ssh_pubkey *signer, const char *sig, const char *msg,
		      const struct fl_ssh_pubkey *allowed, size_t nallowed)
{
	return fl_sshsig_verify(signer, sig, strlen(sig), msg, strlen(msg), allowed, nallowed);
}

static size_t blob_len;  /* of the last signature rearmour() decoded */

/* Decodes an armoured signature, lets edit() change the blob, re-armours it. */
static char *rearmour(const char *sig, void (*edit)(struct strbuf *))
{
	struct strbuf bin = STRBUF_INIT, out = STRBUF_INIT;
	const char *b = strchr(sig, '\n') + 1, *e = strstr(sig, "-----END");
	char *b64;
	size_t n;

	strbuf_grow(&bin, 4096);
	if (sodium_base642bin((unsigned char *)bin.buf, 4096, b, e - b, "\n", &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) < 0)
		fl_die("cannot decode the test signature");
	strbuf_setlen(&bin, n);
	blob_len = n;
	edit(&bin);
	n = sodium_base64_ENCODED_LEN(bin.len, sodium_base64_VARIANT_ORIGINAL);
	b64 = xmalloc(n);
	sodium_bin2base64(b64, n, (unsigned char *)bin.buf, bin.len, sodium_base64_VARIANT_ORIGINAL);
	strbuf_addf(&out, "-----BEGIN SSH SIGNATURE-----\n%s\n-----END SSH SIGNATURE-----\n", b64);
	free(b64);
	strbuf_release(&bin);
	return strbuf_detach(&out, NULL);
}

static void hash_to_sha384(struct strbuf *bin)
{
	char *p = memmem(bin->buf, bin->len, "sha512", 6);
	if (p)
		memcpy(p, "sha384", 6);
}

static void flip_last_byte(struct strbuf *bin)
{
	bin->buf[bin->len - 1] ^= 1;
}

static void test_keys(void)
{
	struct fl_ssh_pubkey pub, again;
	struct fl_ssh_seckey sec;
	struct strbuf sb = STRBUF_INIT;
	char fp[FL_SSH_FINGERPRINT_SIZE], *out, *line;

	OK(parse_pub_file(&pub, "an.pub") == 0, "an ssh-keygen Ed25519 public key line parses");
	fl_ssh_fingerprint(fp, &pub);
	run(&out, "ssh-keygen -lf an.pub | cut -d' ' -f2 | tr -d '\\n'");
	IS(fp, out, "its fingerprint is what ssh-keygen -lf prints");
	free(out);

	line = slurp("an.pub");
	*strrchr(line, ' ') = '\0';
	fl_ssh_pubkey_format(&sb, &pub);
	IS(sb.buf, line, "formatting gives back the key line without its comment");
	OK(fl_ssh_pubkey_parse(&again, sb.buf, sb.len) == 0 && fl_ssh_pubkey_equal(&again, &pub),
	   "and that parses to the same key");
	free(line);
	strbuf_reset(&sb);

	char *p = path("an");
	OK(fl_ssh_seckey_read(&sec, p) == 0 && fl_ssh_pubkey_equal(&sec.pub, &pub),
	   "the unencrypted private key reads, with its public key");
	fl_ssh_seckey_clear(&sec);
	free(p);

	p = path("enc");
	IS_INT(fl_ssh_seckey_read(&sec, p), FL_ESSH_ENCRYPTED,
	       "a passphrase-protected key is FL_ESSH_ENCRYPTED");
	line = xstrfmt("cannot use the key '%s': the private key is protected by a passphrase", p);
	IS(fl_last_error(), line, "naming the file");
	free(line);
	free(p);
	p = path("missing");
	IS_INT(fl_ssh_seckey_read(&sec, p), FL_ENOTFOUND, "a missing key file is FL_ENOTFOUND");
	free(p);

	IS_INT(parse_pub_file(&pub, "rsa.pub"), FL_ESSH_KEYTYPE, "an RSA public key is refused");
	IS(fl_last_error(), "key type 'ssh-rsa' is not supported; use an Ed25519 key",
	   "with a one-line error naming the type");
	IS_INT(parse_pub_file(&pub, "ecdsa.pub"), FL_ESSH_KEYTYPE, "an ECDSA public key is refused");
	IS(fl_last_error(), "key type 'ecdsa-sha2-nistp256' is not supported; use an Ed25519 key",
	   "naming its type");
	p = path("rsa");
	IS_INT(fl_ssh_seckey_read(&sec, p), FL_ESSH_KEYTYPE, "an RSA private key is refused");
	OK(strstr(fl_last_error(), "key type 'ssh-rsa' is not supported"), "naming its type");
	free(p);

	static const char *const bad[] = {
		"",
		"ssh-ed25519",
		"ssh-ed25519 AAAA!!!!",
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==",             /* no key bytes */
		/* 31 bytes of key; 32 and a byte more */
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAHwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAeA==",
		"-----BEGIN SSH2 PUBLIC KEY-----",
		"hello world",
	};
	for (size_t i = 0; i < FL_ARRAY_SIZE(bad); i++) {
		char *what = xstrfmt("malformed key line '%s' is FL_EINVALID", bad[i]);
		IS_INT(fl_ssh_pubkey_parse(&pub, bad[i], strlen(bad[i])), FL_EINVALID, what);
		free(what);
	}
	/* "ssh-ed25519" outside, an RSA key inside. */
	char *rsa = slurp("rsa.pub");
	line = xstrfmt("ssh-ed25519 %s", strchr(rsa, ' ') + 1);
	IS_INT(fl_ssh_pubkey_parse(&pub, line, strlen(line)), FL_ESSH_KEYTYPE,
	       "a line whose blob holds another type is refused");
	free(line);
	free(rsa);

	/* A private key file that is not one. */
	const char *junk = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
	IS_INT(fl_ssh_seckey_parse(&sec, junk, strlen(junk)), FL_EINVALID,
	       "a private key without its header is FL_EINVALID");
	strbuf_release(&sb);
}

static const char message[] =
	"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
	"author Nguyễn Văn An <an@fieldlog> 1757300000 +0700\n"
	"committer Nguyễn Văn An <an@fieldlog> 1757300000 +0700\n"
	"\n"
	"issue: 01J2 escalated\n";

/* Every single-byte change and every truncation of a signature's blob. */
static size_t mutate_at;

static void flip_one(struct strbuf *bin)
{
	bin->buf[mutate_at] ^= 0x20;
}

static void cut(struct strbuf *bin)
{
	strbuf_setlen(bin, mutate_at);
}

static void test_mutations(const char *sig, const struct fl_ssh_pubkey *key)
{
	size_t len, accepted = 0;
	char *s;

	mutate_at = 0;
	s = rearmour(sig, flip_one);  /* learns the blob's length */
	free(s);
	len = blob_len;
	for (mutate_at = 0; mutate_at < len; mutate_at++) {
		s = rearmour(sig, flip_one);
		accepted += verify_str(NULL, s, message, key, 1) == 0;
		free(s);
		s = rearmour(sig, cut);
		accepted += verify_str(NULL, s, message, key, 1) == 0;
		free(s);
	}
	OK(len == 173 && accepted == 0,
	   "none of the 173 one-byte changes or 173 cuts of a signature is accepted");
}

static void test_signatures(void)
{
	struct fl_ssh_pubkey an, bob, signer;
	struct fl_ssh_seckey sec;
	struct strbuf ours = STRBUF_INIT;
	char *theirs, *out, *p, *sig;
	int e;

	parse_pub_file(&an, "an.pub");
	parse_pub_file(&bob, "bob.pub");
	spill("msg", message, strlen(message));
	p = path("an");
	fl_ssh_seckey_read(&sec, p);
	free(p);

	e = run(&out, "ssh-keygen -Y sign -n git -f an msg");
	OK(e == 0, "ssh-keygen signs the message");
	free(out);
	theirs = slurp("msg.sig");
	memset(&signer, 0, sizeof(signer));
	IS_INT(verify_str(&signer, theirs, message, &an, 1), 0, "ssh-keygen's signature verifies here");
	OK(fl_ssh_pubkey_equal(&signer, &an), "and names the signing key");

	fl_sshsig_sign(&ours, &sec, message, strlen(message));
	IS(ours.buf, theirs, "our signature is byte for byte ssh-keygen's");

	spill("ours.sig", ours.buf, ours.len);
	char *anpub = slurp("an.pub"), *signers = xstrfmt("an %s", anpub);
	spill("allowed", signers, strlen(signers));
	free(signers);
	free(anpub);
	e = run(&out, "ssh-keygen -Y verify -n git -f allowed -I an -s ours.sig < msg");
	OK(e == 0 && strstr(out, "Good \"git\" signature for an"),
	   "ssh-keygen -Y verify accepts our signature");
	if (e)
		printf("# %s", out);
	free(out);

	/* Binary messages: a NUL does not end the message. */
	static const char bin[] = "a\0b\xff\n";
	strbuf_reset(&ours);
	fl_sshsig_sign(&ours, &sec, bin, sizeof(bin));
	IS_INT(fl_sshsig_verify(NULL, ours.buf, ours.len, bin, sizeof(bin), &an, 1), 0,
	       "a message with NUL bytes signs and verifies");
	IS_INT(fl_sshsig_verify(NULL, ours.buf, ours.len, bin, 1, &an, 1), FL_ESSH_BADSIG,
	       "and its prefix before the NUL does not");

	/* Tampering. */
	char *changed = xstrdup(message);
	changed[strlen(changed) - 2] = 'X';
	IS_INT(verify_str(NULL, theirs, changed, &an, 1), FL_ESSH_BADSIG,
	       "a changed message is FL_ESSH_BADSIG");
	IS(fl_last_error(), "bad SSH signature", "saying so");
	free(changed);
	sig = rearmour(theirs, flip_last_byte);
	IS_INT(verify_str(NULL, sig, message, &an, 1), FL_ESSH_BADSIG,
	       "a changed signature is FL_ESSH_BADSIG");
	free(sig);
	sig = rearmour(theirs, hash_to_sha384);
	IS_INT(verify_str(NULL, sig, message, &an, 1), FL_ESSH_HASH,
	       "an unsupported hash is FL_ESSH_HASH");
	OK(strstr(fl_last_error(), "'sha384'"), "naming the hash");
	free(sig);

	test_mutations(theirs, &an);

	/* Whose key. */
	e = run(&out, "rm -f msg.sig && ssh-keygen -Y sign -n git -f bob msg && mv msg.sig bob.sig");
	OK(e == 0, "ssh-keygen signs with another key");
	free(out);
	sig = slurp("bob.sig");
	IS_INT(verify_str(&signer, sig, message, &an, 1), FL_ESSH_UNKNOWNKEY,
	       "a good signature by a key not allowed is FL_ESSH_UNKNOWNKEY");
	OK(fl_ssh_pubkey_equal(&signer, &bob), "and still names the key that signed");
	char fp[FL_SSH_FINGERPRINT_SIZE];
	fl_ssh_fingerprint(fp, &bob);
	OK(strstr(fl_last_error(), fp), "its fingerprint is in the message");
	memset(&signer, 0, sizeof(signer));
	IS_INT(verify_str(&signer, sig, message, NULL, 0), 0,
	       "with no allowed keys, any good signature passes");
	OK(fl_ssh_pubkey_equal(&signer, &bob), "and the caller learns whose it is");
	free(sig);

	/* Namespace and hash as ssh-keygen writes them. */
	run(&out, "ssh-keygen -Y sign -n file -f an msg && mv msg.sig file.sig");
	free(out);
	sig = slurp("file.sig");
	IS_INT(verify_str(NULL, sig, message, &an, 1), FL_ESSH_NAMESPACE,
	       "a signature for namespace 'file' is FL_ESSH_NAMESPACE");
	IS(fl_last_error(), "SSH signature made for 'file', not 'git'", "saying which");
	free(sig);
	e = run(&out, "ssh-keygen -Y sign -n git -O hashalg=sha256 -f an msg && mv msg.sig sha256.sig");
	free(out);
	if (e) {
		skip("this ssh-keygen cannot sign with sha256");
	} else {
		sig = slurp("sha256.sig");
		OK(strstr(sig, "\n") && verify_str(NULL, sig, message, &an, 1) == 0,
		   "a sha256 signature by ssh-keygen verifies");
		free(sig);
	}
	e = run(&out, "ssh-keygen -Y sign -n git -f rsa msg && mv msg.sig rsa.sig");
	free(out);
	sig = slurp("rsa.sig");
	IS_INT(verify_str(NULL, sig, message, NULL, 0), FL_ESSH_KEYTYPE,
	       "a signature by an RSA key is FL_ESSH_KEYTYPE");
	free(sig);

	/* Armour. */
	static const char *const bad[] = {
		"",
		"not a signature",
		"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n",
		"-----BEGIN SSH SIGNATURE-----\nU1NI!!!!\n-----END SSH SIGNATURE-----\n",
		"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n",
		"-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n",
	};
	for (size_t i = 0; i < FL_ARRAY_SIZE(bad); i++) {
		char *what = xstrfmt("malformed signature %zu is FL_ESSH_MALFORMED", i);
		IS_INT(verify_str(NULL, bad[i], message, &an, 1), FL_ESSH_MALFORMED, what);
		free(what);
	}
	sig = xstrfmt("%s\ntrailing", theirs);
	IS_INT(verify_str(NULL, sig, message, &an, 1), FL_ESSH_MALFORMED,
	       "text after the END line is FL_ESSH_MALFORMED");
	free(sig);
	/* As a gpgsig header holds it: indented lines, no final newline. */
	struct strbuf indented = STRBUF_INIT;
	for (const char *q = theirs; *q; q++) {
		strbuf_addch(&indented, *q);
		if (*q == '\n' && q[1])
			strbuf_addch(&indented, ' ');
	}
	strbuf_setlen(&indented, indented.len - 1);
	IS_INT(fl_sshsig_verify(NULL, indented.buf, indented.len, message, strlen(message), &an, 1),
	       0, "blanks inside the block, as in a gpgsig header, are allowed");
	strbuf_release(&indented);

	fl_ssh_seckey_clear(&sec);
	strbuf_release(&ours);
	free(theirs);
}

static void test_exec(void)
{
	struct fl_ssh_pubkey enc;
	struct fl_ssh_seckey sec;
	struct strbuf sb = STRBUF_INIT, ours = STRBUF_INIT;
	char *keyfile = path("an"), *askpass, *out;
	int e;

	fl_ssh_seckey_read(&sec, keyfile);
	fl_sshsig_sign(&ours, &sec, message, strlen(message));
	fl_ssh_seckey_clear(&sec);
	IS_INT(fl_sshsig_sign_exec(&sb, keyfile, message, strlen(message)), 0,
	       "ssh-keygen signs through the exec path");
	IS(sb.buf, ours.buf, "and its signature is ours, byte for byte");
	free(keyfile);

	/* A passphrase, given the way a desktop would: SSH_ASKPASS. */
	parse_pub_file(&enc, "enc.pub");
	askpass = path("askpass");
	setenv("SSH_ASKPASS", askpass, 1);
	setenv("SSH_ASKPASS_REQUIRE", "force", 1);
	keyfile = path("enc");
	strbuf_reset(&sb);
	e = fl_sshsig_sign_exec(&sb, keyfile, message, strlen(message));
	IS_INT(e, 0, "a passphrase-protected key signs through ssh-keygen");
	if (e)
		printf("# %s\n", fl_last_error());
	IS_INT(fl_sshsig_verify(NULL, sb.buf, sb.len, message, strlen(message), &enc, 1), 0,
	       "and that signature verifies");

	free(askpass);
	askpass = path("askpass-wrong");
	setenv("SSH_ASKPASS", askpass, 1);
	strbuf_reset(&sb);
	e = fl_sshsig_sign_exec(&sb, keyfile, message, strlen(message));
	OK(e == FL_ERROR && strstr(fl_last_error(), "ssh-keygen could not sign with") &&
	   !strchr(fl_last_error(), '\n'),
	   "a wrong passphrase is one line of error");
	printf("# %s\n", fl_last_error());

	/* The agent holds the key: ssh-keygen signs with it, no passphrase asked. */
	if (run(&out, "command -v ssh-agent && command -v ssh-add") != 0) {
		skip("no ssh-agent");
		skip("no ssh-agent");
	} else {
		char *sock = path("agent.sock"), *right = path("askpass"), *pidtext;
		free(out);
		e = run(&pidtext, "ssh-agent -a '%s' -s | sed -n 's/^SSH_AGENT_PID=\\([0-9]*\\);.*/\\1/p'",
			sock);
		setenv("SSH_AUTH_SOCK", sock, 1);
		setenv("SSH_ASKPASS", right, 1);
		e |= run(&out, "ssh-add enc </dev/null");
		OK(e == 0, "ssh-agent holds the passphrase-protected key");
		if (e)
			printf("# %s", out);
		free(out);
		free(right);
		setenv("SSH_ASKPASS", askpass, 1);  /* the wrong one: the agent must sign */
		free(keyfile);
		keyfile = path("enc.pub");
		strbuf_reset(&sb);
		e = fl_sshsig_sign_exec(&sb, keyfile, message, strlen(message));
		OK(e == 0 && fl_sshsig_verify(NULL, sb.buf, sb.len, message, strlen(message),
					      &enc, 1) == 0,
		   "with the agent, ssh-keygen signs and the signature verifies");
		if (atoi(pidtext) > 0)
			kill(atoi(pidtext), SIGTERM);
		unsetenv("SSH_AUTH_SOCK");
		free(pidtext);
		free(sock);
	}
	unsetenv("SSH_ASKPASS");
	unsetenv("SSH_ASKPASS_REQUIRE");

	char *saved = xstrdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", "/nonexistent", 1);
	strbuf_reset(&sb);
	e = fl_sshsig_sign_exec(&sb, keyfile, message, strlen(message));
	OK(e == FL_ERROR && strstr(fl_last_error(), "cannot run 'ssh-keygen'"),
	   "no ssh-keygen on PATH is said plainly");
	setenv("PATH", saved, 1);
	free(saved);
	free(askpass);
	free(keyfile);
	strbuf_release(&sb);
	strbuf_release(&ours);
}

/* Adds a gpgsig header to a commit's text the way git does. */
static char *with_gpgsig(const char *commit, const char *sig)
{
	struct strbuf sb = STRBUF_INIT;
	const char *body = strstr(commit, "\n\n");

	strbuf_add(&sb, commit, body + 1 - commit);
	strbuf_addstr(&sb, "gpgsig ");
	for (const char *q = sig; *q; q++) {
		strbuf_addch(&sb, *q);
		if (*q == '\n' && q[1])
			strbuf_addch(&sb, ' ');
	}
	strbuf_addstr(&sb, body + 1);
	return strbuf_detach(&sb, NULL);
}

static void test_git(void)
{
	struct fl_ssh_seckey sec;
	struct fl_ssh_pubkey an;
	struct strbuf sig = STRBUF_INIT;
	char *p, *commit, *oid, *out;
	int e;

	if (run(&out, "git init -q --bare repo.git && "
		      "git --git-dir=repo.git hash-object -t tree -w --stdin </dev/null") != 0) {
		printf("# %s", out);
		free(out);
		skip("git cannot make a repository");
		return;
	}
	free(out);
	parse_pub_file(&an, "an.pub");
	p = path("an");
	fl_ssh_seckey_read(&sec, p);
	free(p);
	fl_sshsig_sign(&sig, &sec, message, strlen(message));
	commit = with_gpgsig(message, sig.buf);
	spill("commit", commit, strlen(commit));
	run(&oid, "git --git-dir=repo.git hash-object -t commit -w --stdin <commit | tr -d '\\n'");

	const char *git = "git --git-dir=repo.git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile=allowed";
	e = run(&out, "%s verify-commit %s", git, oid);
	OK(e == 0 && strstr(out, "Good \"git\" signature for an with ED25519 key"),
	   "git verify-commit: our signature on a commit is Good");
	if (e)
		printf("# %s", out);
	free(out);
	e = run(&out, "%s log --show-signature -1 %s", git, oid);
	OK(e == 0 && strstr(out, "Good \"git\" signature"), "git log --show-signature says Good");
	free(out);
	free(commit);
	free(oid);

	/* The same signature on a commit whose message differs. */
	char *other = xstrfmt("%sand more\n", message);
	commit = with_gpgsig(other, sig.buf);
	spill("commit", commit, strlen(commit));
	run(&oid, "git --git-dir=repo.git hash-object -t commit -w --stdin <commit | tr -d '\\n'");
	e = run(&out, "%s verify-commit %s", git, oid);
	OK(e != 0, "git refuses the signature on a changed commit");
	free(out);
	free(oid);
	free(commit);
	free(other);

	/* A commit stock git signs, as the importer would meet it. */
	git_repository *repo = NULL;
	git_buf gsig = { 0 }, gdata = { 0 };
	git_oid id;
	e = run(&oid, "GIT_AUTHOR_DATE='1757300000 +0700' GIT_COMMITTER_DATE='1757300000 +0700' "
		      "%s -c user.name=An -c user.email=an@fieldlog -c user.signingkey='%s/an' "
		      "commit-tree -S -m 'from git' 4b825dc642cb6eb9a060e54bf8d69288fbee4904 | tr -d '\\n'",
		git, dir);
	p = path("repo.git");
	git_libgit2_init();
	if (e == 0 && git_repository_open(&repo, p) == 0 && git_oid_fromstr(&id, oid) == 0 &&
	    git_commit_extract_signature(&gsig, &gdata, repo, &id, NULL) == 0) {
		IS_INT(fl_sshsig_verify(NULL, gsig.ptr, gsig.size, gdata.ptr, gdata.size, &an, 1), 0,
		       "a commit git signed verifies here over what libgit2 extracts");
		((char *)gdata.ptr)[gdata.size - 2] ^= 1;
		IS_INT(fl_sshsig_verify(NULL, gsig.ptr, gsig.size, gdata.ptr, gdata.size, &an, 1),
		       FL_ESSH_BADSIG, "and not once its bytes change");
	} else {
		OK(0, "git commit-tree -S makes a signed commit libgit2 reads");
		printf("# %s\n", oid);
	}
	git_buf_dispose(&gsig);
	git_buf_dispose(&gdata);
	git_repository_free(repo);
	git_libgit2_shutdown();
	free(p);
	free(oid);
	fl_ssh_seckey_clear(&sec);
	strbuf_release(&sig);
}

int main(void)
{
	char tmpl[] = "/tmp/fieldlog-test-sshsig.XXXXXX";
	char *out;

	dir = mkdtemp(tmpl);
	if (!dir)
		fl_die("mkdtemp failed");
	setenv("HOME", dir, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("LC_ALL", "C", 1);
	unsetenv("SSH_AUTH_SOCK");
	unsetenv("SSH_AGENT_PID");
	unsetenv("DISPLAY");

	if (run(&out, "command -v ssh-keygen") != 0) {
		skip("ssh-keygen is not installed");
	} else if (run(NULL, "ssh-keygen -q -t ed25519 -N '' -C an@fieldlog -f an && "
			     "ssh-keygen -q -t ed25519 -N '' -C bob@fieldlog -f bob && "
			     "ssh-keygen -q -t ed25519 -N secret -C enc@fieldlog -f enc && "
			     "ssh-keygen -q -t rsa -b 2048 -N '' -f rsa && "
			     "ssh-keygen -q -t ecdsa -N '' -f ecdsa && "
			     "printf '#!/bin/sh\\necho secret\\n' >askpass && "
			     "printf '#!/bin/sh\\necho wrong\\n' >askpass-wrong && "
			     "chmod +x askpass askpass-wrong") != 0) {
		OK(0, "ssh-keygen makes the test keys");
	} else {
		test_keys();
		test_signatures();
		test_exec();
		test_git();
	}
	free(out);
	run(NULL, "rm -rf '%s'", dir);
	return tap_done();
}
