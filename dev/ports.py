"""Loopback ports: a free one, or the first free one from a stable default."""

from __future__ import annotations

import socket

# SeaweedFS serves gRPC on its S3 port + 10000 and refuses a port whose twin is taken.
GRPC_OFFSET = 10000


def is_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the servers bind (SO_REUSEADDR): the closed connections of a stack that has
        # just stopped, still in TIME_WAIT, do not make its port taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def first_free(port: int, *, grpc_twin: bool = False) -> int:
    """`port` if it is free (with its gRPC twin, for SeaweedFS), else the next one that is."""
    for candidate in range(port, 65536 - (GRPC_OFFSET if grpc_twin else 0)):
        if is_free(candidate) and (not grpc_twin or is_free(candidate + GRPC_OFFSET)):
            return candidate
    raise RuntimeError(f"no free port from {port} up")
