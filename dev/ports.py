"""Loopback ports: bound, not checked.

`make dev` never asks whether a port is free and binds it later (another process can take it
in between, and a health check can then reach someone else's server): an in-process server
gets a socket `bind_first` has already bound, and serves on that very socket; a child process
(SeaweedFS, Postgres) is started on a port and, when it fails because the port is taken, on
the next one (`next_candidate`), its health check asking for an identity only our child has.
"""

from __future__ import annotations

import socket

# SeaweedFS serves gRPC on its S3 port + 10000 and refuses a port whose twin is taken.
GRPC_OFFSET = 10000
# How many ports after a taken one are tried before giving up.
TRIES = 100


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:`port` (0: any free one); OSError when taken."""
    sock = socket.socket()
    # As servers bind: the closed connections of a stack that has just stopped, still in
    # TIME_WAIT, do not make its port taken (a listening socket still does).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def bind_first(port: int) -> socket.socket:
    """A listening socket on `port`, else on the next port that binds: the caller serves on
    it (nothing can take the port between the choice and the server)."""
    for candidate in range(port, min(port + TRIES, 65536)):
        try:
            return bind(candidate)
        except OSError:
            continue
    raise RuntimeError(f"no port from {port} to {port + TRIES - 1} could be bound")


def port_of(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


def next_candidate(port: int, tried: int, *, grpc_twin: bool = False) -> int:
    """The port a child process tries after failing on `port` (taken) `tried` times before,
    or RuntimeError (with `grpc_twin`, the next port's twin must exist too)."""
    if tried >= TRIES or port + 1 >= 65536 - (GRPC_OFFSET if grpc_twin else 0):
        raise RuntimeError(f"no port from {port - tried} to {port} could be used")
    return port + 1


def is_free(port: int) -> bool:
    """Whether `port` binds now (for tests and for picking a child's extra ports: a child
    that then finds it taken fails and is started again)."""
    try:
        bind(port).close()
    except OSError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
