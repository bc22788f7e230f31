#!/bin/sh
# setup.sh [build|test]: makes a machine ready to build (and, by default,
# to test) fieldlog. It needs nothing but a POSIX shell, so that it runs
# first on a fresh install, which may have no make and no compiler (a
# Debian minbase has neither).
#
# On Debian and Ubuntu it installs with apt-get what is missing: make, a C
# compiler, pkg-config and the -dev packages fieldlog links against; with
# "test" (the default) also what `make check` drives: git, python3,
# lighttpd, sshd, openssl. Run it as root, or as a user who may sudo.
# Elsewhere it names what to install and stops. Then: make && make check.
set -e
case ${1:-test} in
build|test) ;;
*)
	echo "usage: sh setup.sh [build|test]" >&2
	exit 2 ;;
esac
cd "$(dirname "$0")"
sh .ci/bootstrap "${1:-test}"
echo "ready: now run make, then make check"
