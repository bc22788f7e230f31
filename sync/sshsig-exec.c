/*
 * sshsig-exec.c: signing through `ssh-keygen -Y sign`, for the keys
 * sshsig.c cannot use by itself: one protected by a passphrase (ssh-keygen
 * asks for it on the terminal, or through SSH_ASKPASS) and one held by
 * ssh-agent (ssh-keygen asks the agent first whenever it holds the key).
 * This is how git signs with gpg.format=ssh, down to the details: the
 * message goes in a file, the signature comes back in FILE.sig, and stdin
 * is /dev/null so that ssh-keygen never reads a passphrase from whatever
 * our own stdin was.
 *
 * Kept apart from sshsig.c, which starts no processes.
 */
#define _POSIX_C_SOURCE 200809L
#include "sshsig.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* ssh-keygen's last non-blank line of output, for the error message. */
static char *last_line(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char *line, *p;

	if (strbuf_read_file(&sb, path, 65536) < 0) {
		strbuf_release(&sb);
		fl_clear_error();
		return xstrdup("no output");
	}
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r' ||
			  sb.buf[sb.len - 1] == ' '))
		sb.buf[--sb.len] = '\0';
	p = strrchr(sb.buf, '\n');
	line = xstrdup(p ? p + 1 : sb.len ? sb.buf : "no output");
	strbuf_release(&sb);
	return line;
}

/* A scratch file: no fsync, it lives for one ssh-keygen run. */
static int write_message(const char *path, const void *msg, size_t len)
{
	const char *p = msg;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return fl_error(FL_ERROR, "cannot create '%s': %s", path, strerror(errno));
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = fl_error(FL_ERROR, "cannot write '%s': %s", path, strerror(errno));
			close(fd);
			return e;
		}
		p += n;
		len -= n;
	}
	if (close(fd) < 0)
		return fl_error(FL_ERROR, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

int fl_sshsig_sign_exec(struct strbuf *sb, const char *keyfile,
			const void *msg, size_t msglen)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xstrfmt("%s/fieldlog-sign.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	char *msgpath = NULL, *sigpath = NULL, *outpath = NULL;
	const char *argv[] = { "ssh-keygen", "-Y", "sign", "-n", FL_SSHSIG_NAMESPACE, "-f",
			       keyfile, NULL, NULL };
	posix_spawn_file_actions_t fa;
	int have_fa = 0, status, e = 0, r;
	pid_t pid;

	if (!mkdtemp(dir)) {
		e = fl_error(FL_ERROR, "cannot create a temporary directory '%s': %s", dir,
			     strerror(errno));
		free(dir);
		return e;
	}
	msgpath = xstrfmt("%s/message", dir);
	sigpath = xstrfmt("%s/message.sig", dir);
	outpath = xstrfmt("%s/output", dir);
	argv[7] = msgpath;
	if ((e = write_message(msgpath, msg, msglen)) < 0)
		goto done;

	posix_spawn_file_actions_init(&fa);
	have_fa = 1;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if ((r = posix_spawnp(&pid, "ssh-keygen", &fa, NULL, (char *const *)argv, environ)) != 0) {
		e = fl_error(FL_ERROR, "cannot run 'ssh-keygen': %s", strerror(r));
		goto done;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			e = fl_error(FL_ERROR, "cannot wait for 'ssh-keygen': %s", strerror(errno));
			goto done;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *why = last_line(outpath);
		/* posix_spawnp reports a missing program only through exit 127. */
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			e = fl_error(FL_ERROR, "cannot run 'ssh-keygen': is OpenSSH installed?");
		else
			e = fl_error(FL_ERROR, "ssh-keygen could not sign with '%s': %s",
				     keyfile, why);
		free(why);
		goto done;
	}
	if ((e = strbuf_read_file(sb, sigpath, 65536)) < 0)
		e = fl_error(FL_ERROR, "ssh-keygen wrote no signature: %s", fl_last_error());
done:
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	unlink(msgpath);
	unlink(sigpath);
	unlink(outpath);
	rmdir(dir);
	free(msgpath);
	free(sigpath);
	free(outpath);
	free(dir);
	return e;
}
