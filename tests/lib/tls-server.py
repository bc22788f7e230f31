"""tls-server.py: an HTTPS server whose certificate no CA signed.

    python3 tls-server.py CERT KEY PORTFILE

Listens on a free port of 127.0.0.1 (written to PORTFILE once listening),
completes a TLS handshake with whoever gets that far, and answers any
request with 404. A client that checks certificates never sends one: it
stops at the handshake. Each connection is logged on stderr. Runs until
killed.
"""
import os
import socket
import ssl
import sys
import threading


def serve(ctx, conn, n):
    try:
        with ctx.wrap_socket(conn, server_side=True) as tls:
            tls.recv(65536)
            tls.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            print("connection %d: answered 404" % n, file=sys.stderr, flush=True)
    except (OSError, ssl.SSLError) as e:
        print("connection %d: %s" % (n, e), file=sys.stderr, flush=True)
        conn.close()


def main():
    cert, key, portfile = sys.argv[1:4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    n = 0
    while True:
        conn, _ = s.accept()
        n += 1
        threading.Thread(target=serve, args=(ctx, conn, n), daemon=True).start()


if __name__ == "__main__":
    main()
