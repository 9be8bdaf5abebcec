"""What every conformance test shares: one real server for the whole run (started on first use,
with the demo catalog published and its issuer added), and teachers enrolled as a device
enrols, each test with its own so that tests never see each other's data."""

import atexit
import os
import re
import tempfile
from dataclasses import dataclass
from typing import Dict, List, Optional

import changes
import wire
from cairn.v1 import catalog_pb2, sync_pb2
from server import Server

ISSUER = "northbridge-institute"
_state: Dict[str, object] = {}


def server():
    if "server" not in _state:
        work = tempfile.mkdtemp(prefix="cairn-conformance-")
        s = Server(os.environ["CAIRN_SERVER"], work)
        s.admin("catalog", "publish", os.environ["CAIRN_CATALOG"])
        added = s.admin("issuer", "add", ISSUER, "--name", "Northbridge Institute")
        _state["issuer_token"] = re.search(r"api-token: (\S+)", added).group(1)
        s.start()
        atexit.register(s.stop)
        _state["server"] = s
    return _state["server"]


def connection() -> wire.Connection:
    s = server()
    return wire.Connection(s.port, s.fingerprint)


def issuer() -> wire.Client:
    server()
    return wire.Client(connection(), str(_state["issuer_token"]))


@dataclass
class Device:
    """One install: an actor, its token and where its outbox and cursor stand."""
    client: wire.Client
    actor: bytes
    user_id: str
    seq: int = 0
    cursor: int = 0

    def next_change(self, ops: List[changes.Op], deps=None) -> changes.Change:
        self.seq += 1
        return changes.Change(self.actor, self.seq, changes.hlc_now(self.seq), ops, deps or [])

    def push(self, batch: List[changes.Change], compress: bool = False) -> sync_pb2.PushResponse:
        answer = self.client.call("POST", "/v1/push",
                                  sync_pb2.PushRequest(batch=changes.encode(batch)),
                                  compress=compress)
        if answer.status != 200:
            raise AssertionError(f"push answered {answer.status}: {answer.error()}")
        return sync_pb2.PushResponse.FromString(answer.body)

    def pull_all(self, max_changes: int = 0) -> List[changes.Change]:
        """Pulls until `more` is false; every change the server sent, in order."""
        pulled: List[changes.Change] = []
        while True:
            answer = self.client.call("POST", "/v1/pull", sync_pb2.PullRequest(
                cursor=self.cursor, max_changes=max_changes))
            if answer.status != 200:
                raise AssertionError(f"pull answered {answer.status}: {answer.error()}")
            response = sync_pb2.PullResponse.FromString(answer.body)
            pulled += changes.decode(response.batch)
            self.cursor = response.cursor
            if not response.more:
                return pulled


def new_teacher(name: str = "Ana") -> str:
    """A user id of a new educator."""
    return server().admin("user", "add", "--name", name, "--role", "educator")


def enrol_code(user_id: str) -> str:
    return server().admin("enrol-code", user_id)


def enrol(user_id: Optional[str] = None, device_name: str = "phone") -> Device:
    user_id = user_id or new_teacher()
    client = wire.Client(connection())
    actor = changes.new_actor()
    answer = client.call("POST", "/v1/enrol", sync_pb2.EnrolRequest(
        code=enrol_code(user_id), actor=actor, device_name=device_name))
    if answer.status != 200:
        raise AssertionError(f"enrol answered {answer.status}: {answer.error()}")
    response = sync_pb2.EnrolResponse.FromString(answer.body)
    client.token = response.token
    return Device(client, actor, response.user_id)


def micro_credential(pulled: List[changes.Change], slug: str):
    """(version, MicroCredential) of the catalog entry `slug` in what a pull returned."""
    for fields in changes.entities(pulled).values():
        if fields.get("type") == changes.Text("micro_credential") and \
                fields.get("slug") == changes.Text(slug):
            definition = catalog_pb2.MicroCredential.FromString(fields["definition"].data)
            return fields["version"].text, definition
    raise AssertionError(f"no micro_credential {slug} in the pull")
