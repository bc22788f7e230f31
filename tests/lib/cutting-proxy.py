"""cutting-proxy.py: a TCP proxy that loses the network on purpose.

    python3 cutting-proxy.py PORTFILE TARGET_PORT KEEP CUT

Listens on a free port of 127.0.0.1 (written to PORTFILE once listening)
and forwards connections to 127.0.0.1:TARGET_PORT. The first KEEP
connections pass whole; the next one passes CUT bytes from the server and
is then closed on both sides, as when a provincial link drops in the
middle of a download; every later one is closed as soon as it is accepted.
Each connection is logged on stderr. Runs until killed.
"""
import os
import socket
import sys
import threading


def pump(src, dst, limit, done):
    """Copies src to dst, at most `limit` bytes (None: no limit)."""
    sent = 0
    try:
        while limit is None or sent < limit:
            want = 65536 if limit is None else min(65536, limit - sent)
            data = src.recv(want)
            if not data:
                break
            dst.sendall(data)
            sent += len(data)
    except OSError:
        pass
    finally:
        done.set()
    return sent


def serve(client, target, limit, n):
    try:
        server = socket.create_connection(("127.0.0.1", target))
    except OSError:
        client.close()
        return
    done = threading.Event()
    threading.Thread(target=pump, args=(client, server, None, done), daemon=True).start()
    threading.Thread(target=pump, args=(server, client, limit, done), daemon=True).start()
    done.wait()
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()
    print(f"cutting-proxy: connection {n} closed"
          + (f" after {limit} bytes" if limit is not None else ""), file=sys.stderr, flush=True)


def main():
    portfile, target, keep, cut = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    lsn = socket.socket()
    lsn.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsn.bind(("127.0.0.1", 0))
    lsn.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write(f"{lsn.getsockname()[1]}\n")
    os.rename(portfile + ".tmp", portfile)
    n = 0
    while True:
        client, _ = lsn.accept()
        n += 1
        if n > keep + 1:
            print(f"cutting-proxy: connection {n} refused", file=sys.stderr, flush=True)
            client.close()
            continue
        limit = cut if n == keep + 1 else None
        threading.Thread(target=serve, args=(client, target, limit, n), daemon=True).start()


if __name__ == "__main__":
    main()
