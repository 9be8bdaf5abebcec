"""HTTP to a Cairn server as docs/protocol.md describes it: HTTP/1.1 over TLS pinned to the
server's certificate fingerprint, protobuf or JSON bodies, zstd when asked, and the `Error`
answer read the documented way."""

import hashlib
import http.client
import json
import socket
import ssl
from dataclasses import dataclass
from typing import Dict, Optional, Set, Tuple

import zstandard

from cairn.v1 import sync_pb2


@dataclass
class Answer:
    status: int
    headers: Dict[str, str]  # names lower-cased
    body: bytes

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name.lower())

    def error(self) -> sync_pb2.Error:
        """The Error body of an error answer (protobuf, or JSON when the type says so), held
        to the protocol's table of codes: the status is the code's own or a documented
        refinement of it, and a code the table gives a Retry-After carries one."""
        media = (self.header("content-type") or "").split(";")[0].strip().lower()
        if media == "application/json":
            doc = json.loads(self.body.decode("utf-8"))
            error = sync_pb2.Error(code=doc["code"], message=doc["message"],
                                   retryable=doc["retryable"])
        else:
            error = sync_pb2.Error.FromString(self.body)
        ERRORS.check(self.status, error.code, self.header("retry-after"))
        return error

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class ErrorTable:
    """docs/protocol.md "Errors": the code table and the refined statuses, read from the
    document itself, so that an answer the document does not describe fails the suite."""

    def __init__(self):
        self.codes: Dict[str, Tuple[int, bool]] = {}  # code -> (HTTP status, has Retry-After)
        self.refined: Set[Tuple[int, str]] = set()

    def load(self, markdown: str) -> None:
        section = markdown.split("\n## Errors\n", 1)[1].split("\n## ", 1)[0]
        for line in section.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 6 and cells[0].isdigit():
                self.codes[cells[1].strip("`")] = (int(cells[2]), cells[4] != "")
            elif len(cells) == 3 and cells[0].isdigit():
                self.refined.add((int(cells[0]), cells[1].strip("`")))
        if len(self.codes) < 14 or not self.refined:
            raise AssertionError("docs/protocol.md has no table of error codes")

    def check(self, status: int, code: str, retry_after: Optional[str]) -> None:
        if code not in self.codes:
            raise AssertionError(f"error code {code!r} is not in docs/protocol.md")
        own, waits = self.codes[code]
        if status != own and (status, code) not in self.refined:
            raise AssertionError(f"{status} with code {code}: docs/protocol.md gives {code} "
                                 f"the status {own} and no refinement to {status}")
        if waits and retry_after is None:
            raise AssertionError(f"{code} answered without the Retry-After the table gives it")


ERRORS = ErrorTable()


class PinMismatch(Exception):
    pass


class Connection:
    """One persistent connection; reconnects when the server closed it."""

    def __init__(self, port: int, fingerprint: str):
        self.port = port
        self.fingerprint = fingerprint
        self._conn: Optional[http.client.HTTPSConnection] = None

    def _connect(self) -> http.client.HTTPSConnection:
        # The self-signed certificate is trusted by its fingerprint, not by a CA (protocol.md,
        # issuer-api.md "Trusting the server's certificate"): chain checks are off, the pin is
        # compared right after the handshake, before any byte of a request is sent.
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=context, timeout=60)
        conn.connect()
        der = conn.sock.getpeercert(binary_form=True)
        if hashlib.sha256(der).hexdigest() != self.fingerprint:
            conn.close()
            raise PinMismatch("the server's certificate is not the pinned one")
        return conn

    def request(self, method: str, path: str, body: bytes = b"",
                headers: Optional[Dict[str, str]] = None) -> Answer:
        headers = dict(headers or {})
        for attempt in range(2):
            if self._conn is None:
                self._conn = self._connect()
            try:
                self._conn.request(method, path, body=body, headers=headers)
                response = self._conn.getresponse()
                data = response.read()
                answer = Answer(response.status,
                                {k.lower(): v for k, v in response.getheaders()}, data)
                if (answer.header("connection") or "").lower() == "close":
                    self.close()
                return answer
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    socket.timeout):
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class Client:
    """A device (or the issuer) speaking the protocol: bearer token, protobuf messages."""

    def __init__(self, connection: Connection, token: str = ""):
        self.connection = connection
        self.token = token

    def _headers(self, extra: Optional[Dict[str, str]]) -> Dict[str, str]:
        headers = {}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        headers.update(extra or {})
        return headers

    def call(self, method: str, path: str, message=None, headers=None,
             compress: bool = False) -> Answer:
        body = b"" if message is None else message.SerializeToString()
        extra = {"Content-Type": "application/x-protobuf"} if message is not None else {}
        if compress:
            body = zstandard.ZstdCompressor().compress(body)
            extra["Content-Encoding"] = "zstd"
        extra.update(headers or {})
        return self.connection.request(method, path, body, self._headers(extra))

    def raw(self, method: str, path: str, body: bytes = b"", headers=None) -> Answer:
        return self.connection.request(method, path, body, self._headers(headers))

    def json(self, method: str, path: str, doc=None) -> Answer:
        body = b"" if doc is None else json.dumps(doc).encode("utf-8")
        headers = {"Accept": "application/json"}
        if doc is not None:
            headers["Content-Type"] = "application/json"
        return self.connection.request(method, path, body, self._headers(headers))


def decoded_body(answer: Answer) -> bytes:
    """The body with its Content-Encoding undone (zstd is the only one the protocol uses)."""
    encoding = (answer.header("content-encoding") or "identity").lower()
    if encoding == "zstd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(answer.body)
    if encoding != "identity":
        raise AssertionError(f"unexpected Content-Encoding {encoding}")
    return answer.body
