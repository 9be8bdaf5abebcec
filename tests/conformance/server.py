"""A real `cairn-server` for the conformance suite, run as docs/operations.md says an operator
runs it: administration commands to completion, then `serve` on loopback with its own
self-signed certificate, trusted by the fingerprint it prints."""

import os
import re
import signal
import subprocess
import time


class Server:
    def __init__(self, binary: str, work: str):
        self.binary = binary
        self.work = work
        self.data = os.path.join(work, "data")
        self.process = None
        self.port = 0
        self.fingerprint = ""

    def admin(self, *args: str) -> str:
        """`cairn-server --data DATA ARGS…`, which must exit 0; its stdout."""
        done = subprocess.run([self.binary, "--data", self.data, *args], capture_output=True,
                              text=True, timeout=120)
        if done.returncode != 0:
            raise AssertionError(f"cairn-server {' '.join(args)} exited {done.returncode}: "
                                 f"{done.stderr}")
        return done.stdout.strip()

    def start(self) -> None:
        port_file = os.path.join(self.work, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        self._out = open(os.path.join(self.work, "serve.out"), "w")
        self._log = open(os.path.join(self.work, "serve.log"), "w")
        self.process = subprocess.Popen(
            [self.binary, "--data", self.data, "serve", "--listen", "127.0.0.1:0",
             "--port-file", port_file], stdout=self._out, stderr=self._log)
        deadline = time.monotonic() + 60
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("cairn-server serve did not start: " + self.log())
            time.sleep(0.02)
        self.port = int(open(port_file).read().strip())
        out = open(os.path.join(self.work, "serve.out")).read()
        match = re.search(r"^certificate sha256 ([0-9a-f]{64})$", out, re.M)
        if not match:
            raise AssertionError("serve printed no certificate fingerprint: " + out)
        self.fingerprint = match.group(1)

    def log(self) -> str:
        path = os.path.join(self.work, "serve.log")
        return open(path, encoding="utf-8", errors="replace").read() if os.path.exists(path) else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
        for f in (getattr(self, "_out", None), getattr(self, "_log", None)):
            if f is not None:
                f.close()
