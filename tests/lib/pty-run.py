#!/usr/bin/env python3
# pty-run.py COLS CMD ARGS...: runs CMD with stdin, stdout and stderr on a
# new pseudo-terminal COLS columns wide (and 24 rows), copies everything it
# writes there to our stdout (with the terminal's \r\n turned back into
# \n), and exits with CMD's status. Debian's python3 stdlib only: the tests
# use it to see what fieldlog does on a terminal (width, pager, colour).
import fcntl
import os
import pty
import struct
import sys
import termios


def main():
    cols = int(sys.argv[1])
    argv = sys.argv[2:]
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
        os.execvp(argv[0], argv)
    out = bytearray()
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed its side
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    sys.stdout.buffer.write(bytes(out).replace(b"\r\n", b"\n"))
    sys.stdout.flush()
    sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode")
             else (status >> 8))


main()
