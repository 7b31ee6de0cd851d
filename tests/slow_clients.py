"""Clients that send slowly ("slowloris"): requests whose head, or whose body, trickles in one
piece a second and never ends, held open while ordinary requests are measured
(tests/test_production_stack.py, benchmarks' bench_slow_clients)."""

import socket
import statistics
import threading
import time
from contextlib import suppress

# Below the body-size limit (nginx's and Django's): such a body is legitimate, only slow.
SLOW_BODY_LENGTH = 1_000_000


class SlowClients:
    """`heads` connections sending a request head one header line a second and `bodies`
    connections that sent a whole head and then send their body one byte a second."""

    def __init__(self, host: str, port: int, *, heads=50, bodies=20, interval=1.0):
        self.address = (host, port)
        self.heads, self.bodies = [], []
        self.counts = (heads, bodies)
        self.interval = interval
        self._sending = threading.Event()
        self._thread = None

    def __enter__(self):
        heads, bodies = self.counts
        host = f"{self.address[0]}:{self.address[1]}"
        for number in range(heads):
            self.heads.append(
                self._open(f"GET /entrar/?lento={number} HTTP/1.1\r\nHost: {host}\r\n")
            )
        for _ in range(bodies):
            self.bodies.append(
                self._open(
                    f"POST /api/v1/verificacao HTTP/1.1\r\nHost: {host}\r\n"
                    "Content-Type: application/json\r\n"
                    f"Content-Length: {SLOW_BODY_LENGTH}\r\n\r\n{{"
                )
            )
        self._sending.set()
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_sending()
        for sock in self.heads + self.bodies:
            sock.close()

    def _open(self, first: str) -> socket.socket:
        sock = socket.create_connection(self.address, timeout=5)
        sock.sendall(first.encode())
        sock.setblocking(False)
        return sock

    def _trickle(self):
        tick = 0
        while self._sending.is_set():
            tick += 1
            for sock in self.heads:
                with suppress(OSError):
                    sock.send(f"X-Lento-{tick}: sim\r\n".encode())
            for sock in self.bodies:
                with suppress(OSError):
                    sock.send(b" ")
            time.sleep(self.interval)

    def stop_sending(self):
        """They send nothing more (the connections stay as the server leaves them)."""
        self._sending.clear()
        if self._thread is not None:
            self._thread.join()

    def still_open(self) -> tuple[int, int]:
        """(heads, bodies) whose connection the server has neither answered nor closed."""
        return sum(map(_open, self.heads)), sum(map(_open, self.bodies))


def _open(sock: socket.socket) -> bool:
    try:
        sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return True  # nothing to read and not closed: the server still waits for the rest
    except OSError:
        return False
    return False  # an answer, or the end of the connection


def summary(latencies: list[float]) -> str:
    if not latencies:
        return "nenhuma resposta"
    ordered = sorted(latencies)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return (
        f"{len(ordered)} respostas, mediana {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, máx. {ordered[-1] * 1000:.0f} ms"
    )
