"""How `footprint serve` runs uvicorn: its own listening socket, and workers that never outlive the master.

The socket is bound here with TCP_NODELAY, which accepted connections inherit. uvicorn's own socket for
`--workers N` is created without the TCP protocol number, so asyncio leaves Nagle's algorithm on; its
response, written as headers then body, then waits for the client's delayed ACK: about 40 ms on every
reused connection. Workers watch the master (PR_SET_PDEATHSIG on Linux, a parent check elsewhere), so a
master killed with SIGKILL takes them along and the port is free for the next start.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
import threading
import time
from typing import Optional

from server.settings import SERVE_MASTER_ENV, env

PR_SET_PDEATHSIG = 1
POLL_SECONDS = 1.0
# A stop waits this long for open connections (an agent's keep-alive, a stalled TLS peer), then closes them:
# agents resend from their spool, and systemd's stop never runs into its own SIGKILL timeout.
GRACEFUL_STOP_SECONDS = 10


def listen(host: str, port: int) -> socket.socket:
    """A bound TCP socket (OSError when the address is taken) whose connections have Nagle off."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def run(sock: socket.socket, workers: int, ssl_certfile: Optional[str], ssl_keyfile: Optional[str]) -> None:
    """uvicorn on `sock` with `workers` processes of `server.app:app_from_env`."""
    import uvicorn

    if workers > 1:
        os.environ[SERVE_MASTER_ENV] = str(os.getpid())
    uvicorn.run(
        "server.app:app_from_env",
        factory=True,
        fd=sock.fileno(),
        workers=workers,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        log_level="info",
        timeout_graceful_shutdown=GRACEFUL_STOP_SECONDS,
        access_log=False,  # request lines would carry nothing useful; keys are in headers, never logged
    )


def follow_master() -> None:
    """In a worker of `footprint serve --workers N`: stop (SIGTERM, graceful) as soon as the master is gone."""
    master = env(SERVE_MASTER_ENV)
    if not master or not master.isdigit() or int(master) == os.getpid():
        return
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    threading.Thread(target=_watch, args=(int(master),), name="follow-master", daemon=True).start()


def _watch(master: int) -> None:
    while os.getppid() == master:  # also covers a master that died before prctl was set
        time.sleep(POLL_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)
