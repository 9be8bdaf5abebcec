"""The change log as docs/protocol.md and schemas/cairn/v1/change.proto describe it, written from
those documents alone: builds the columnar ChangeBatch a device pushes and reads the one a pull
returns.

A change here is (seq, hlc, ops, deps); an op is (kind, entity, field, value) with kind one of
"put", "add", "remove", "delete" and value a Python value tagged by its type (see Text, Integer,
...), so that a test states exactly what goes on the wire."""

import os
import struct
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from cairn.v1 import change_pb2, value_pb2


# Value types, each tagged with the column it travels in (change.proto OpCode).
@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Integer:
    value: int


@dataclass(frozen=True)
class Real:
    value: float


@dataclass(frozen=True)
class Flag:
    value: bool


@dataclass(frozen=True)
class Blob:
    data: bytes


@dataclass(frozen=True)
class Evidence:
    sha256: bytes
    size: int
    media_type: str


@dataclass(frozen=True)
class EntityRef:
    entity: bytes


PUT_CODES = {Text: 0, Integer: 1, Real: 2, Flag: 3, Blob: 4, Evidence: 5, EntityRef: 6}
DELETE = 7
ADD_CODES = {Text: 8, EntityRef: 9}
REMOVE_CODES = {Text: 10, EntityRef: 11}


@dataclass
class Op:
    kind: str  # put, add, remove, delete
    entity: bytes
    field: str = ""
    value: object = None


@dataclass
class Change:
    actor: bytes
    seq: int
    hlc: int
    ops: List[Op]
    # (other actor, highest seq of it the author had applied)
    deps: List[Tuple[bytes, int]] = field(default_factory=list)


def new_actor() -> bytes:
    """An actor: a random 128-bit id (decision 0005)."""
    return os.urandom(16)


_last_v7 = [0]


def uuid7() -> bytes:
    """An entity id made on a device: a UUIDv7 (RFC 9562), 48-bit Unix milliseconds first."""
    ms = int(time.time() * 1000)
    raw = bytearray(ms.to_bytes(6, "big") + os.urandom(10))
    raw[6] = 0x70 | (raw[6] & 0x0F)
    raw[8] = 0x80 | (raw[8] & 0x3F)
    return bytes(raw)


def uuid_text(raw: bytes) -> str:
    h = raw.hex()
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def uuid_bytes(text: str) -> bytes:
    return bytes.fromhex(text.replace("-", ""))


def hlc_now(counter: int = 0) -> int:
    """An HLC: 48-bit milliseconds << 16 | a 16-bit counter (decision 0005)."""
    return (int(time.time() * 1000) << 16) | counter


def put(entity: bytes, name: str, value) -> Op:
    return Op("put", entity, name, value)


def encode(changes: List[Change]) -> bytes:
    """A ChangeBatch of the changes, in order; one run per consecutive changes of an actor."""
    batch = change_pb2.ChangeBatch()
    actor_index: Dict[bytes, int] = {}

    def index_of(actor: bytes) -> int:
        if actor not in actor_index:
            actor_index[actor] = len(batch.actors)
            batch.actors.append(actor)
        return actor_index[actor]

    runs: List[List[Change]] = []
    for change in changes:
        if runs and runs[-1][-1].actor == change.actor and runs[-1][-1].seq + 1 == change.seq:
            runs[-1].append(change)
        else:
            runs.append([change])
    for run in runs:
        out = batch.runs.add()
        out.actor = index_of(run[0].actor)
        out.first_seq = run[0].seq
        # The entity table: every id an op touches or references, ascending, no duplicates.
        ids = set()
        for change in run:
            for op in change.ops:
                ids.add(op.entity)
                if isinstance(op.value, EntityRef):
                    ids.add(op.value.entity)
        table = sorted(ids)
        position = {raw: i for i, raw in enumerate(table)}
        previous_hi = 0
        previous_lo = 0
        for i, raw in enumerate(table):
            hi, lo = struct.unpack(">QQ", raw)
            out.entity_hi_delta.append(hi - previous_hi)
            out.entity_lo.append(lo - previous_lo if i > 0 and hi == previous_hi else lo)
            previous_hi, previous_lo = hi, lo
        fields: Dict[str, int] = {}
        previous_hlc = 0
        for offset, change in enumerate(run):
            for op_number, op in enumerate(change.ops):
                if op_number == 0:
                    out.hlc_delta.append(_hlc_step(previous_hlc, change.hlc))
                else:
                    out.hlc_delta.append(0)
                if op.kind == "delete":
                    out.op_header.append(DELETE)
                else:
                    if op.field not in fields:
                        fields[op.field] = len(out.fields)
                        out.fields.append(op.field)
                    codes = {"put": PUT_CODES, "add": ADD_CODES, "remove": REMOVE_CODES}[op.kind]
                    out.op_header.append(fields[op.field] << 4 | codes[type(op.value)])
                    _append_value(out, op.value, position)
                out.op_entity.append(position[op.entity])
            previous_hlc = change.hlc
            for other, seq in change.deps:
                out.dep_change.append(offset)
                out.dep_actor.append(index_of(other))
                out.dep_seq.append(seq)
    return batch.SerializeToString()


def _hlc_step(previous: int, hlc: int) -> int:
    # Odd: a later millisecond with counter 0; even: any step forward, doubled.
    if hlc & 0xFFFF == 0 and (hlc >> 16) > (previous >> 16):
        return ((hlc >> 16) - (previous >> 16)) * 2 + 1
    return (hlc - previous) * 2


def _append_value(run, value, position) -> None:
    if isinstance(value, Text):
        data = value.text.encode("utf-8")
        run.text_len.append(len(data))
        run.text_data += data
    elif isinstance(value, Integer):
        run.integers.append(value.value)
    elif isinstance(value, Real):
        run.reals.append(value.value)
    elif isinstance(value, Flag):
        run.flags.append(value.value)
    elif isinstance(value, Blob):
        run.blobs.append(value.data)
    elif isinstance(value, Evidence):
        ref = run.evidence.add()
        ref.sha256, ref.size, ref.media_type = value.sha256, value.size, value.media_type
    elif isinstance(value, EntityRef):
        run.entity_refs.append(position[value.entity])
    else:
        raise TypeError(f"no column for {value!r}")


def decode(data: bytes) -> List[Change]:
    """The changes of a ChangeBatch, in batch order."""
    batch = change_pb2.ChangeBatch.FromString(data)
    changes: List[Change] = []
    for run in batch.runs:
        actor = batch.actors[run.actor]
        table = []
        hi = lo = 0
        for i, (hi_delta, lo_value) in enumerate(zip(run.entity_hi_delta, run.entity_lo)):
            hi += hi_delta
            lo = lo + lo_value if i > 0 and hi_delta == 0 else lo_value
            table.append(struct.pack(">QQ", hi, lo))
        columns = {"text": 0, "integers": 0, "reals": 0, "flags": 0, "blobs": 0,
                   "evidence": 0, "entity_refs": 0, "text_offset": 0}
        hlc = 0
        first = len(changes)
        current: Optional[Change] = None
        for delta, header, entity in zip(run.hlc_delta, run.op_header, run.op_entity):
            if delta != 0:
                hlc = _apply_step(hlc, delta)
                current = Change(actor, run.first_seq + len(changes) - first, hlc, [])
                changes.append(current)
            code = header & 0xF
            name = run.fields[header >> 4] if code != DELETE else ""
            if code == DELETE:
                current.ops.append(Op("delete", table[entity]))
                continue
            kind, value = _read_value(run, code, columns, table)
            current.ops.append(Op(kind, table[entity], name, value))
        for offset, other, seq in zip(run.dep_change, run.dep_actor, run.dep_seq):
            changes[first + offset].deps.append((batch.actors[other], seq))
    return changes


def _apply_step(previous: int, delta: int) -> int:
    if delta % 2 == 1:
        return ((previous >> 16) + (delta - 1) // 2) << 16
    return previous + delta // 2


def _read_value(run, code, columns, table):
    def take(column):
        i = columns[column]
        columns[column] += 1
        return i

    if code in (0, 8, 10):
        n = run.text_len[take("text")]
        start = columns["text_offset"]
        columns["text_offset"] += n
        value = Text(run.text_data[start:start + n].decode("utf-8"))
    elif code == 1:
        value = Integer(run.integers[take("integers")])
    elif code == 2:
        value = Real(run.reals[take("reals")])
    elif code == 3:
        value = Flag(run.flags[take("flags")])
    elif code == 4:
        value = Blob(run.blobs[take("blobs")])
    elif code == 5:
        ref = run.evidence[take("evidence")]
        value = Evidence(ref.sha256, ref.size, ref.media_type)
    else:
        value = EntityRef(table[run.entity_refs[take("entity_refs")]])
    kind = "put" if code <= 6 else ("add" if code in (8, 9) else "remove")
    return kind, value


def entities(changes: List[Change]) -> Dict[bytes, Dict[str, object]]:
    """Each entity's fields as the last change in the list put them (enough for tests that
    read what one server sent, in server order)."""
    state: Dict[bytes, Dict[str, object]] = {}
    for change in changes:
        for op in change.ops:
            if op.kind == "put":
                state.setdefault(op.entity, {})[op.field] = op.value
    return state


def evidence_ref(ref: Evidence) -> value_pb2.EvidenceRef:
    out = value_pb2.EvidenceRef()
    out.sha256, out.size, out.media_type = ref.sha256, ref.size, ref.media_type
    return out
