"""Property tests of the contract, with fixed seeds: random valid change batches built from
docs/protocol.md "Entities" (every field a device may write, with its documented value type) are
accepted and come back to another device exactly; each one broken in one documented way is
refused with a 4xx or a refusal that names the field; random protobuf bodies of each route's
message get its answer or a documented refusal; random HTTP requests never get a 5xx and always
get a documented error. CAIRN_PROPERTY_CASES (default 60 batches, 300 requests) and
CAIRN_PROPERTY_SEED make the longer run by hand."""

import os
import random
import re
import unittest

import changes
import fixture
import wire
from changes import Blob, EntityRef, Evidence, Flag, Integer, Real, Text, put
from cairn.v1 import blob_pb2, sync_pb2

CASES = int(os.environ.get("CAIRN_PROPERTY_CASES", "60"))
SEED = int(os.environ.get("CAIRN_PROPERTY_SEED", "20261207"))
VALUE_TYPES = {"text": Text, "integer": Integer, "real": Real, "flag": Flag, "blob": Blob,
               "evidence": Evidence, "entity": EntityRef}


def documented_entities():
    """type -> [(field, value type, writer)] from docs/protocol.md "## Entities"."""
    doc = open(os.environ["CAIRN_PROTOCOL_DOC"], encoding="utf-8").read()
    section = doc.split("\n## Entities\n", 1)[1].split("\n## ", 1)[0]
    types = {}
    current = []
    for line in section.splitlines():
        if line.startswith("#### "):
            current = re.findall(r"`([a-z_]+)`", line.split(" — ")[0])
            for t in current:
                types[t] = []
        elif line.startswith("| `") and current:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            for t in current:
                types[t].append((cells[0].strip("`"), cells[1], cells[4]))
    return types


ENTITIES = documented_entities()


def sample(rng, kind, writer, refs, name=""):
    """A random value of the documented type (and, where the writer column lists values, one
    of those)."""
    listed = re.findall(r"`([^`]+)`", writer)
    if listed:
        return Text(rng.choice(listed))
    if kind == "text":
        # A public name is one line of at most 100 bytes (protocol.md "Profile").
        alphabet = "abc xyz éü 🌍—" + ("" if name == "public_name" else "\n\t")
        length = rng.randrange(0, 20 if name == "public_name" else 60)
        return Text("".join(rng.choice(alphabet) for _ in range(length)))
    if kind == "integer":
        return Integer(rng.randrange(-2**63, 2**63))
    if kind == "real":
        return Real(rng.uniform(-1e9, 1e9))
    if kind == "flag":
        return Flag(rng.random() < 0.5)
    if kind == "blob":
        return Blob(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64))))
    if kind == "evidence":
        return Evidence(bytes(rng.randrange(256) for _ in range(32)), rng.randrange(0, 2**40),
                        rng.choice(["video/mp4", "image/jpeg", "application/pdf"]))
    return EntityRef(rng.choice(refs))


def writable(t):
    return [(f, k, w) for f, k, w in ENTITIES[t] if w != "no"]


def field_name(rng, name):
    # A family such as `answer:<question id>`: one member of it.
    return re.sub(r"<[^>]+>", lambda _: "q" + str(rng.randrange(10)), name)


def random_changes(rng, device, count):
    """`count` valid changes of `device`: new pursuits, evidence and profiles and later writes to
    them, every value of its documented type. Submissions are made whole, in one change."""
    made = []  # (entity, type)
    out = []
    for _ in range(count):
        ops = []
        for _ in range(rng.randrange(1, 6)):
            if not made or rng.random() < 0.3:
                t = rng.choice(["pursuit", "evidence", "profile"])
                entity = changes.uuid7()
                ops.append(put(entity, "type", Text(t)))
                made.append((entity, t))
            entity, t = rng.choice(made)
            name, kind, writer = rng.choice(writable(t))
            refs = [e for e, _ in made]
            ops.append(put(entity, field_name(rng, name), sample(rng, kind, writer, refs, name)))
        out.append(device.next_change(ops))
    return out, made


class PropertyTest(unittest.TestCase):
    def test_random_valid_batches_are_accepted_and_come_back_exactly(self):
        rng = random.Random(SEED)
        teacher = fixture.new_teacher()
        phone = fixture.enrol(teacher)
        pushed = []
        for _ in range(max(1, CASES // 10)):
            batch, _ = random_changes(rng, phone, 10)
            answer = phone.push(batch, compress=rng.random() < 0.5)
            self.assertEqual(list(answer.refused), [], batch)
            self.assertEqual(answer.accepted, len(batch))
            pushed += batch
        tablet = fixture.enrol(teacher, "tablet")
        pulled = [c for c in tablet.pull_all(max_changes=rng.randrange(1, 50))
                  if c.actor == phone.actor]
        self.assertEqual(len(pulled), len(pushed))
        for sent, got in zip(pushed, pulled):
            self.assertEqual((got.seq, got.hlc), (sent.seq, sent.hlc))
            self.assertEqual(got.ops, sent.ops)

    def test_each_broken_batch_is_refused_naming_what_is_wrong(self):
        rng = random.Random(SEED + 1)
        teacher = fixture.new_teacher()
        mutations = [self.unknown_field, self.wrong_value_type, self.server_field,
                     self.not_uuid7, self.long_field_name, self.invalid_utf8]
        for case in range(CASES):
            device = fixture.enrol(teacher, f"case {case}")
            batch, made = random_changes(rng, device, 1)
            mutate = mutations[case % len(mutations)]
            body, named = mutate(rng, batch[0], made)
            answer = device.client.call("POST", "/v1/push", sync_pb2.PushRequest(batch=body))
            self.assertLess(answer.status, 500)
            if answer.status == 200:
                response = sync_pb2.PushResponse.FromString(answer.body)
                self.assertEqual(response.accepted, 0, mutate.__name__)
                message = response.refused[0].error.message
                self.assertIn(response.refused[0].error.code,
                              ("invalid_argument", "permission_denied"))
            else:
                self.assertGreaterEqual(answer.status, 400)
                message = answer.error().message
            self.assertIn(named, message, mutate.__name__)

    # Each mutation: (the batch's bytes, what the refusal must name).
    def unknown_field(self, rng, change, made):
        entity, _ = made[0]
        name = "x_" + "".join(rng.choice("abcdefgh") for _ in range(8))
        change.ops.append(put(entity, name, Text("1")))
        return changes.encode([change]), name

    def wrong_value_type(self, rng, change, made):
        entity, t = made[0]
        name, kind, writer = rng.choice([w for w in writable(t) if w[1] != "text"] or
                                        writable(t))
        other = rng.choice([k for k in VALUE_TYPES if k not in (kind, "entity")])
        actual = field_name(rng, name)
        change.ops.append(put(entity, actual, sample(rng, other, "", [])))
        return changes.encode([change]), actual

    def server_field(self, rng, change, made):
        # A field the table says no device writes: a submission's status, or an assessment.
        if rng.random() < 0.5:
            entity = changes.uuid7()
            change.ops.append(put(entity, "type", Text("assessment")))
            return changes.encode([change]), "assessment"
        entity, t = made[0]
        if t == "pursuit":
            change.ops.append(put(entity, "status", Text("awarded")))
            return changes.encode([change]), "status"
        entity = changes.uuid7()
        change.ops += [put(entity, "type", Text("submission")),
                       put(entity, "status", Text("awarded"))]
        return changes.encode([change]), "status"

    def not_uuid7(self, rng, change, made):
        raw = bytearray(changes.uuid7())
        raw[6] = 0x40 | (raw[6] & 0x0F)
        change.ops.insert(0, put(bytes(raw), "type", Text("pursuit")))
        return changes.encode([change]), changes.uuid_text(bytes(raw))

    def long_field_name(self, rng, change, made):
        entity, _ = made[0]
        change.ops.append(put(entity, "f" * 129, Text("1")))
        return changes.encode([change]), "field"

    def invalid_utf8(self, rng, change, made):
        # Text bytes that are not UTF-8, which the encoder would never write: patched in.
        entity, t = made[0]
        name = rng.choice([f for f, k, w in writable(t) if k == "text" and w == "yes"])
        marker = "\u2603" * 3
        change.ops.append(put(entity, field_name(rng, name), Text(marker)))
        body = changes.encode([change])
        return body.replace(marker.encode("utf-8"), b"\xff\xfe\xfd" * 3), "UTF-8"

    def test_random_protobuf_bodies_are_answered_or_refused_as_documented(self):
        rng = random.Random(SEED + 3)
        device = fixture.enrol()
        big = lambda bits: rng.choice([0, 1, rng.randrange(2**bits), 2**bits - 1])
        for case in range(CASES * 2):
            kind = case % 3
            if kind == 0:
                request = sync_pb2.PullRequest(cursor=big(64), max_changes=big(32))
                answer = device.client.call("POST", "/v1/pull", request)
                self.assertEqual(answer.status, 200, request)
                page = sync_pb2.PullResponse.FromString(answer.body)
                pulled = changes.decode(page.batch)
                # At most max_changes (default 2,000, capped at 10,000); nothing past the end.
                limit = min(request.max_changes or 2000, 10000)
                self.assertLessEqual(len(pulled), limit, request)
                if request.cursor >= 2**40:
                    self.assertEqual((pulled, page.more), ([], False), request)
            elif kind == 1:
                request = sync_pb2.EnrolRequest(
                    code="".join(rng.choice("abc-123") for _ in range(rng.randrange(30))),
                    actor=bytes(rng.randrange(256) for _ in range(rng.choice([0, 15, 16, 17]))),
                    device_name="x" * rng.randrange(300))
                answer = wire.Client(device.client.connection).call("POST", "/v1/enrol", request)
                self.assertIn(answer.status, (400, 401), request)
                answer.error()
            else:
                size = big(rng.choice([8, 20, 40, 64]))
                hashes = [bytes(rng.randrange(256) for _ in range(rng.choice([32, 32, 31])))
                          for _ in range(rng.choice([0, 1, 2, min(size // 65536 + 1, 64)]))]
                offer = blob_pb2.BlobOffer(size=size, chunk_size=rng.choice([65536, 65536, 0, 1]),
                                           media_type=rng.choice(["video/mp4", "", "x"]),
                                           chunk_sha256=hashes)
                name = bytes(rng.randrange(256) for _ in range(32)).hex()
                answer = device.client.call("PUT", "/v1/blobs/" + name, offer)
                if answer.status == 200:
                    status = blob_pb2.BlobStatus.FromString(answer.body)
                    self.assertEqual(status.size, size)
                    self.assertEqual(len(hashes), max(1, -(-size // 65536)))
                else:
                    self.assertIn(answer.status, (400, 413, 429), offer)
                    answer.error()

    def test_random_requests_never_get_a_5xx_and_always_a_documented_error(self):
        rng = random.Random(SEED + 2)
        device = fixture.enrol()
        paths = ["/v1/push", "/v1/pull", "/v1/enrol", "/v1/blobs/" + "ab" * 32,
                 "/v1/blobs/" + "ab" * 32 + "/status", "/v1/blobs/" + "ab" * 32 + "/chunks/0",
                 "/v1/submissions/" + changes.uuid_text(changes.uuid7()) + "/status",
                 "/v1/issuer/submissions", "/v1/verify", "/healthz", "/v1/blobs/%zz",
                 "/v1/" + "a" * 300, "/credentials/x", "/issuers/x"]
        for _ in range(CASES * 5):
            method = rng.choice(["GET", "POST", "PUT", "DELETE", "PATCH"])
            path = rng.choice(paths)
            headers = {}
            if rng.random() < 0.5:
                headers["Content-Type"] = rng.choice(["application/x-protobuf",
                                                      "application/json", "text/plain",
                                                      "application/octet-stream", "a/b; c=d"])
            if rng.random() < 0.3:
                headers["Range"] = rng.choice(["bytes=0-1", "bytes=-0", "bytes=5-1", "bytes=x",
                                               "bytes=0-1,3-4"])
            if rng.random() < 0.3:
                headers["Accept"] = "application/json"
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
            client = device.client if rng.random() < 0.7 else wire.Client(
                device.client.connection)
            answer = client.raw(method, path, body, headers)
            where = f"{method} {path} {headers} {body[:20]!r}"
            self.assertLess(answer.status, 500, where)
            if answer.status >= 400 and not path.startswith(("/credentials", "/issuers")):
                self.assertTrue(answer.error().message, where)


if __name__ == "__main__":
    unittest.main()
