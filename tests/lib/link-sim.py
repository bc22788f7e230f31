"""link-sim.py: a weak link between two programs on 127.0.0.1.

    python3 link-sim.py --target PORT --portfile FILE [--rate BYTES_PER_S]
                        [--rtt MS] [--cut CONN:BYTES]... [--stats FILE]

Listens on a free port of 127.0.0.1 (written to FILE once listening) and
forwards each connection to 127.0.0.1:PORT through a simulated link: each
way at most --rate bytes a second (0: no limit), every byte delivered
half a round trip (--rtt) after it left the link, and a connection's setup
costing a round trip, as TCP's handshake does. `--cut 3:20000` closes the
third connection on both sides once 20,000 bytes have come down it, as
when the signal drops mid-download (repeatable; later connections pass).
No root and no kernel modules: the kernel's netem is not available here.

--stats FILE is rewritten as JSON whenever a connection starts or ends: connections,
bytes up and down, and round trips (one per connection set up, and one
each time the client speaks again after the server answered). Counters
start at zero; `kill -USR1` zeroes them. Runs until killed.
"""
import argparse
import json
import os
import signal
import socket
import threading
import time

SLICE = 1460   # bytes a link carries at a time: one TCP segment on Ethernet


class Stats:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.reset()

    def reset(self, *_):
        with self.lock:
            self.up = self.down = self.connections = self.round_trips = 0
            self.open = 0
        self.write()

    def add(self, **kw):
        with self.lock:
            for k, v in kw.items():
                setattr(self, k, getattr(self, k) + v)

    def write(self):
        if not self.path:
            return
        with self.lock:   # one writer at a time: one temporary file
            d = dict(connections=self.connections, up=self.up, down=self.down,
                     round_trips=self.round_trips, open=self.open)
            tmp = self.path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(d, f)
            os.replace(tmp, self.path)


class Way:
    """One direction of a connection: a reader that timestamps what it
    reads, a writer that delivers it when the link would have."""

    def __init__(self, conn, src, dst, name):
        self.conn, self.src, self.dst, self.name = conn, src, dst, name
        self.cv = threading.Condition()
        self.queue = []
        self.eof = False
        self.free_at = 0.0   # when the link has sent everything queued

    def read(self):
        try:
            while True:
                data = self.src.recv(65536)
                if not data:
                    break
                self.conn.spoke(self.name)
                now = time.monotonic()
                with self.cv:
                    for i in range(0, len(data), SLICE):
                        part = data[i:i + SLICE]
                        start = max(now, self.free_at)
                        rate = self.conn.args.rate
                        self.free_at = start + (len(part) / rate if rate else 0)
                        self.queue.append((self.free_at + self.conn.delay, part))
                    self.cv.notify()
        except OSError:
            pass
        with self.cv:
            self.eof = True
            self.cv.notify()

    def write(self):
        try:
            while True:
                with self.cv:
                    while not self.queue and not self.eof:
                        self.cv.wait()
                    if not self.queue:
                        break
                    at, part = self.queue.pop(0)
                wait = at - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if self.name == "down" and self.conn.cut is not None:
                    room = self.conn.cut - self.conn.sent_down
                    if room <= 0:
                        self.conn.close()
                        break
                    part = part[:room]
                self.dst.sendall(part)
                self.conn.stats.add(**{self.name: len(part)})
                if self.name == "down":
                    self.conn.sent_down += len(part)
        except OSError:
            pass
        try:
            self.dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class Conn:
    def __init__(self, args, stats, client, n):
        self.args, self.stats, self.client = args, stats, client
        self.delay = args.rtt / 2000.0
        self.cut = args.cuts.get(n)
        self.sent_down = 0
        self.last = None
        self.server = None

    def spoke(self, way):
        # The client speaking again after an answer: another round trip.
        if way == "up" and self.last != "up":
            self.stats.add(round_trips=1)
        self.last = way

    def close(self):
        for s in (self.client, self.server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except (OSError, AttributeError):
                pass

    def run(self):
        self.stats.add(connections=1, round_trips=1, open=1)
        self.stats.write()   # "open": readers wait for the end
        time.sleep(2 * self.delay)   # the handshake
        try:
            self.server = socket.create_connection(("127.0.0.1", self.args.target))
        except OSError:
            self.client.close()
            self.stats.add(open=-1)
            self.stats.write()
            return
        ways = [Way(self, self.client, self.server, "up"),
                Way(self, self.server, self.client, "down")]
        threads = []
        for w in ways:
            for fn in (w.read, w.write):
                t = threading.Thread(target=fn, daemon=True)
                t.start()
                threads.append(t)
        for t in threads:
            t.join()
        for s in (self.client, self.server):
            s.close()
        self.stats.add(open=-1)
        self.stats.write()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", type=int, required=True)
    ap.add_argument("--portfile", required=True)
    ap.add_argument("--rate", type=float, default=0, help="bytes a second each way (0: none)")
    ap.add_argument("--rtt", type=float, default=0, help="round-trip delay in ms")
    ap.add_argument("--cut", action="append", default=[], help="CONN:BYTES")
    ap.add_argument("--stats", default="")
    args = ap.parse_args()
    args.cuts = {}
    for c in args.cut:
        k, v = c.split(":")
        args.cuts[int(k)] = int(v)
    stats = Stats(args.stats)
    signal.signal(signal.SIGUSR1, stats.reset)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    tmp = args.portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.replace(tmp, args.portfile)
    n = 0
    while True:
        client, _ = ls.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        n += 1
        threading.Thread(target=Conn(args, stats, client, n).run, daemon=True).start()


if __name__ == "__main__":
    main()
