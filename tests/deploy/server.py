"""Start `bakery serve` as a container would, on a free port, and stop it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

BAKERY = str(Path(sys.executable).parent / "bakery")


def free_port() -> int:
    """A port the OS says is free right now (bind to 0, read it back)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll until `condition()` is truthy; fail after `timeout` seconds saying what we waited for."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Server:
    """`bakery serve` in a child process with its output in a file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.worker_class = "sync"
        full_env = {key: value for key, value in os.environ.items()
                    if not key.startswith(("BAKERY_", "PROMETHEUS_", "GUNICORN_"))}
        full_env.update(env, HOST="127.0.0.1", PORT=str(self.port))
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen([BAKERY, "serve"], env=full_env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.base + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(self.base + path, timeout=60, **kwargs)

    def wait_until_healthy(self, timeout: float = 60) -> int:
        """Poll /healthz; return how many 200 answers it took (the first one, so 1)."""
        def healthy() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited with {self.process.returncode}:\n{self.output()}")
            try:
                return self.get("/healthz").status_code == 200
            except requests.ConnectionError:
                return False
        wait_for(healthy, timeout, "the server to answer /healthz", interval=0.1)
        return 1

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far (other lines, if any, are skipped)."""
        lines = []
        for line in self.output().splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                continue
        return lines

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()
