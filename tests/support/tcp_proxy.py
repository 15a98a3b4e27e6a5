"""A TCP forwarder on a loopback port chosen at run time, put between the app and PostgreSQL so
a test can cut the database off (every connection closed, new ones refused), or make it go
silent (new connections accepted and never answered, as a host that vanished), and bring it
back, without touching the server others share."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

CHUNK = 65536


class TcpProxy:
    """`with TcpProxy(host, port) as proxy:` then connect to 127.0.0.1:proxy.port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # so the accept loop notices when it should stop
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._open = True
        self._sockets: set[socket.socket] = set()
        self._silent = False
        self._hanging: set[socket.socket] = set()  # taken while silent, never answered
        self.refused = 0  # connections turned away while cut
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        port: int = self._listener.getsockname()[1]
        return port

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self.cut()
        self._listener.close()

    def cut(self) -> None:
        """The database is gone: every open connection is dropped, new ones are refused."""
        with self._lock:
            self._open = False
            doomed, self._sockets = self._sockets, set()
        for sock in doomed:
            _close(sock)

    def silence(self) -> None:
        """Like cut, but new connections are taken and left hanging: nothing ever answers."""
        self.cut()
        with self._lock:
            self._silent = True

    def restore(self) -> None:
        with self._lock:
            self._open, self._silent = True, False
            hanging, self._hanging = self._hanging, set()
        for sock in hanging:
            _close(sock)

    @contextmanager
    def outage(self) -> Iterator[None]:
        self.cut()
        try:
            yield
        finally:
            self.restore()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            client.settimeout(None)
            with self._lock:
                refuse, silent = not self._open, self._silent
                self.refused += refuse
                if silent:
                    self._hanging.add(client)
                    continue
            if refuse:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                if not self._open:  # cut while we were connecting
                    _close(client)
                    _close(upstream)
                    continue
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(CHUNK):
                sink.sendall(data)
        with self._lock:
            self._sockets -= {source, sink}
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
