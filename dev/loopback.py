"""make dev's small HTTP stand-ins (the Auth service, the mail catcher) serve the same way:
on 127.0.0.1 only, each request on a daemon thread, stopped with the stack."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackHTTP:
    """Serves `handler()` on 127.0.0.1; `url` once serving."""

    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def serve(self, port: int = 0, *, sock: socket.socket | None = None) -> str:
        """Serve on `sock` (bound and listening: dev/ports.py `bind_first`), else on `port`."""
        if sock is None:
            self._server = ThreadingHTTPServer(("127.0.0.1", port), self.handler())
        else:
            self._server = ThreadingHTTPServer(
                sock.getsockname(), self.handler(), bind_and_activate=False
            )
            self._server.socket.close()
            self._server.socket = sock
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
