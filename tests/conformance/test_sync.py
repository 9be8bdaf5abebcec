"""Enrolment, push and pull as docs/protocol.md "Sync over HTTP" and "Entities" say."""

import unittest

import changes
import fixture
import wire
from changes import EntityRef, Integer, Text, put
from cairn.v1 import sync_pb2


def enrol_request(code: str, actor: bytes) -> sync_pb2.EnrolRequest:
    return sync_pb2.EnrolRequest(code=code, actor=actor, device_name="Ana's phone")


def pursuit_ops(pursuit: bytes, version: str):
    return [put(pursuit, "type", Text("pursuit")),
            put(pursuit, "micro_credential_id", Text("exit-tickets")),
            put(pursuit, "micro_credential_version", Text(version)),
            put(pursuit, "started_at_ms", Integer(1_700_000_000_000)),
            put(pursuit, "status", Text("draft"))]


class EnrolmentTest(unittest.TestCase):
    def test_a_lost_answer_is_retried_with_the_same_request(self):
        user = fixture.new_teacher()
        code = fixture.enrol_code(user)
        client = wire.Client(fixture.connection())
        actor = changes.new_actor()
        first = client.call("POST", "/v1/enrol", enrol_request(code, actor))
        self.assertEqual(first.status, 200, first.body)
        answer = sync_pb2.EnrolResponse.FromString(first.body)
        self.assertEqual(answer.user_id, user)
        self.assertEqual(answer.role, "educator")
        self.assertEqual(sorted(answer.scopes), sorted(["catalog", "educator:" + user]))
        # The identical request again: the same device back, nothing new enrolled.
        again = client.call("POST", "/v1/enrol", enrol_request(code, actor))
        self.assertEqual(again.status, 200, again.body)
        self.assertEqual(sync_pb2.EnrolResponse.FromString(again.body).token, answer.token)
        # The same code with another actor counts as used.
        other = client.call("POST", "/v1/enrol", enrol_request(code, changes.new_actor()))
        self.assertEqual(other.status, 401)
        self.assertEqual(other.error().code, "unauthenticated")
        self.assertFalse(other.error().retryable)
        # An enrolled actor with any other code is 409.
        taken = client.call("POST", "/v1/enrol", enrol_request(fixture.enrol_code(user), actor))
        self.assertEqual(taken.status, 409)
        self.assertEqual(taken.error().code, "already_exists")

    def test_an_unknown_code_is_401_and_a_garbled_body_400(self):
        client = wire.Client(fixture.connection())
        unknown = client.call("POST", "/v1/enrol", enrol_request("no-such-code",
                                                                 changes.new_actor()))
        self.assertEqual(unknown.status, 401)
        garbled = client.raw("POST", "/v1/enrol", b"\xff\xff\xff",
                             {"Content-Type": "application/x-protobuf"})
        self.assertEqual(garbled.status, 400)
        self.assertEqual(garbled.error().code, "invalid_argument")


class PushPullTest(unittest.TestCase):
    def setUp(self):
        self.device = fixture.enrol()
        self.catalog = self.device.pull_all()
        self.version, _ = fixture.micro_credential(self.catalog, "exit-tickets")

    def test_pull_pages_in_server_order(self):
        pursuit = changes.uuid7()
        pushed = [self.device.next_change(pursuit_ops(pursuit, self.version))]
        pushed += [self.device.next_change([put(pursuit, "answer:context", Text(f"draft {i}"))])
                   for i in range(11)]
        self.assertEqual(self.device.push(pushed).accepted, 12)
        tablet = fixture.enrol(self.device.user_id, "tablet")
        pages = []
        while True:
            answer = tablet.client.call("POST", "/v1/pull",
                                        sync_pb2.PullRequest(cursor=tablet.cursor, max_changes=5))
            self.assertEqual(answer.status, 200)
            page = sync_pb2.PullResponse.FromString(answer.body)
            self.assertGreater(page.cursor, tablet.cursor)
            tablet.cursor = page.cursor
            pages.append(changes.decode(page.batch))
            self.assertLessEqual(len(pages[-1]), 5)
            if not page.more:
                break
        pulled = [c for page in pages for c in page]
        self.assertGreaterEqual(len(pages), 3)
        self.assertEqual([(c.actor, c.seq) for c in pulled if c.actor == self.device.actor],
                         [(self.device.actor, seq) for seq in range(1, 13)])
        self.assertEqual(changes.entities(pulled)[pursuit]["answer:context"], Text("draft 10"))
        # The catalog comes first: published before the teacher enrolled.
        self.assertEqual(pulled[0].actor, self.catalog[0].actor)
        # A pull at the end answers nothing new and keeps the cursor.
        answer = tablet.client.call("POST", "/v1/pull", sync_pb2.PullRequest(cursor=tablet.cursor))
        end = sync_pb2.PullResponse.FromString(answer.body)
        self.assertEqual(changes.decode(end.batch), [])
        self.assertFalse(end.more)
        self.assertEqual(end.cursor, tablet.cursor)

    def test_a_push_is_acknowledged_and_reaches_the_teachers_other_device(self):
        pursuit = changes.uuid7()
        reflection = "Ticket 3 showed half the class mixing up mass and weight 🌍"
        batch = [self.device.next_change(pursuit_ops(pursuit, self.version)),
                 self.device.next_change([put(pursuit, "reflection", Text(reflection))]),
                 self.device.next_change([put(pursuit, "answer:context", Text("Grade 7"))])]
        answer = self.device.push(batch, compress=True)
        self.assertEqual((answer.accepted, answer.duplicates, len(answer.refused)), (3, 0, 0))
        self.assertEqual(answer.acknowledged_seq, 3)
        # The same batch again: duplicates, nothing applied twice.
        again = self.device.push(batch)
        self.assertEqual((again.accepted, again.duplicates, again.acknowledged_seq), (0, 3, 3))
        # The device's own changes are skipped by its pull; another device of hers gets them.
        self.assertEqual(self.device.pull_all(), [])
        tablet = fixture.enrol(self.device.user_id, "tablet")
        pulled = [c for c in tablet.pull_all() if c.actor == self.device.actor]
        self.assertEqual([c.seq for c in pulled], [1, 2, 3])
        self.assertEqual([c.hlc for c in pulled], [c.hlc for c in batch])
        fields = changes.entities(pulled)[pursuit]
        self.assertEqual(fields["reflection"], Text(reflection))
        self.assertEqual(fields["answer:context"], Text("Grade 7"))
        self.assertEqual(fields["micro_credential_version"], Text(self.version))

    def test_a_pull_answer_in_zstd_decodes_to_the_same_changes(self):
        tablet = fixture.enrol(self.device.user_id, "tablet")
        answer = tablet.client.call("POST", "/v1/pull", sync_pb2.PullRequest(cursor=0),
                                    headers={"Accept-Encoding": "zstd"})
        self.assertEqual(answer.status, 200)
        self.assertEqual(answer.header("content-encoding"), "zstd")
        page = sync_pb2.PullResponse.FromString(wire.decoded_body(answer))
        first = changes.decode(page.batch)
        self.assertEqual([(c.actor, c.seq) for c in first],
                         [(c.actor, c.seq) for c in self.catalog[:len(first)]])

    def test_content_type_is_read_as_rfc_9110_says(self):
        body = sync_pb2.PullRequest(cursor=0, max_changes=1).SerializeToString()
        for media, status in (("Application/X-Protobuf; charset=binary", 200), (None, 200),
                              ("application/x-protobufs", 400), ("text/plain", 400)):
            headers = {} if media is None else {"Content-Type": media}
            answer = self.device.client.raw("POST", "/v1/pull", body, headers)
            self.assertEqual(answer.status, status, media)

    def test_refused_changes_say_why_and_block_what_follows(self):
        pursuit = changes.uuid7()
        ok = self.device.next_change(pursuit_ops(pursuit, self.version))
        unknown = self.device.next_change([put(pursuit, "is_admin", Text("yes"))])
        after = self.device.next_change([put(pursuit, "reflection", Text("later"))])
        answer = self.device.push([ok, unknown, after])
        self.assertEqual(answer.accepted, 1)
        self.assertEqual(answer.acknowledged_seq, ok.seq)
        self.assertEqual([(r.seq, r.blocked) for r in answer.refused],
                         [(unknown.seq, False), (after.seq, True)])
        first = answer.refused[0].error
        self.assertEqual(first.code, "invalid_argument")
        self.assertIn("is_admin", first.message)
        self.assertIn("reflection", first.message)  # it lists the type's fields

    def assertRefused(self, ops, code, words):
        # Each case from a fresh device, so that one refusal does not block the next.
        device = fixture.enrol(self.device.user_id, "case")
        answer = device.push([device.next_change(ops)])
        self.assertEqual(answer.accepted, 0, words)
        self.assertEqual(len(answer.refused), 1)
        error = answer.refused[0].error
        self.assertEqual(error.code, code, error.message)
        self.assertIn(words, error.message)

    def test_each_rule_of_the_contract_refuses_with_its_code(self):
        pursuit = changes.uuid7()
        self.assertRefused([put(pursuit, "reflection", Text("no type"))], "invalid_argument",
                           "has no type")
        self.assertRefused([put(pursuit, "type", Text("gradebook"))], "invalid_argument",
                           "unknown entity type")
        not_v7 = bytes(16)
        self.assertRefused(pursuit_ops(not_v7, self.version), "invalid_argument", "UUIDv7")
        awarded = pursuit_ops(pursuit, self.version)
        awarded[-1] = put(pursuit, "status", Text("awarded"))
        self.assertRefused(awarded, "permission_denied", "draft or submitted")
        assessment = changes.uuid7()
        self.assertRefused([put(assessment, "type", Text("assessment"))], "permission_denied",
                           "assessment")
        wrong_type = pursuit_ops(pursuit, self.version)
        wrong_type[3] = put(pursuit, "started_at_ms", Text("yesterday"))
        self.assertRefused(wrong_type, "invalid_argument", "started_at_ms")

    def test_a_clock_far_ahead_is_refused_with_the_skew(self):
        device = fixture.enrol(self.device.user_id, "fast clock")
        change = device.next_change(pursuit_ops(changes.uuid7(), self.version))
        change.hlc += (3600 * 1000) << 16
        answer = device.push([change])
        self.assertEqual(answer.refused[0].error.code, "failed_precondition")

    def test_a_gap_in_seqs_is_refused_and_a_dep_must_be_held(self):
        device = fixture.enrol(self.device.user_id, "gap")
        device.seq = 4
        answer = device.push([device.next_change(pursuit_ops(changes.uuid7(), self.version))])
        self.assertEqual(answer.accepted, 0)
        self.assertEqual(answer.acknowledged_seq, 0)
        self.assertNotEqual(answer.refused[0].error.code, "ok")
        other = fixture.enrol(self.device.user_id, "deps")
        future = other.next_change(pursuit_ops(changes.uuid7(), self.version),
                                   deps=[(self.device.actor, 999)])
        answer = other.push([future])
        self.assertEqual(answer.refused[0].error.code, "failed_precondition")

    def test_writes_into_another_teachers_data_are_refused(self):
        theirs = fixture.enrol()
        pursuit = changes.uuid7()
        theirs.push([theirs.next_change(pursuit_ops(pursuit, self.version))])
        answer = self.device.push([self.device.next_change(
            [put(pursuit, "reflection", Text("mine now"))])])
        self.assertEqual(answer.refused[0].error.code, "permission_denied")

    def test_evidence_references_an_entity_in_the_same_batch(self):
        pursuit = changes.uuid7()
        evidence = changes.uuid7()
        ops = pursuit_ops(pursuit, self.version) + [
            put(evidence, "type", Text("evidence")),
            put(evidence, "pursuit", EntityRef(pursuit)),
            put(evidence, "requirement_id", Text("student-work")),
            put(evidence, "blob", changes.Evidence(bytes(range(32)), 10, "image/png"))]
        answer = self.device.push([self.device.next_change(ops)])
        self.assertEqual((answer.accepted, len(answer.refused)), (1, 0), answer)

    def test_no_token_is_401_and_errors_answer_json_when_asked(self):
        client = wire.Client(fixture.connection())
        answer = client.call("POST", "/v1/pull", sync_pb2.PullRequest())
        self.assertEqual(answer.status, 401)
        self.assertEqual(answer.error().code, "unauthenticated")
        answer = client.call("POST", "/v1/pull", sync_pb2.PullRequest(),
                             headers={"Accept": "application/json"})
        self.assertEqual(answer.header("content-type").split(";")[0], "application/json")
        self.assertEqual(answer.json()["code"], "unauthenticated")
        wrong = self.device.client.raw("GET", "/v1/push")
        self.assertEqual(wrong.status, 405)
        self.assertIn("POST", wrong.header("allow"))
        self.assertEqual(self.device.client.raw("GET", "/v1/nothing-here").status, 404)


if __name__ == "__main__":
    unittest.main()
