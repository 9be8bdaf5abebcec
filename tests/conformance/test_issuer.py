"""A teacher's submission from push to badge, as docs/protocol.md and docs/issuer-api.md say:
the device writes the submission's entities and uploads its evidence, the issuer reads it,
scores it and confirms, and the device pulls the assessment and the credential."""

import hashlib
import json
import os
import time
import unittest

import changes
import fixture
import wire
from changes import Blob, EntityRef, Evidence, Integer, Text, put
from cairn.v1 import blob_pb2, model_pb2
from test_blobs import offer_of, status_of

CHUNK = 65536


class SubmissionTest(unittest.TestCase):
    def setUp(self):
        self.device = fixture.enrol()
        self.version, self.definition = fixture.micro_credential(self.device.pull_all(),
                                                                 "exit-tickets")
        self.issuer = fixture.issuer()

    def submit(self, files):
        """Pushes a pursuit with `files` ({requirement: [(bytes, media type)]}), its answers and
        a submission snapshot; uploads every file; returns (submission id, {sha256: (bytes,
        media type)}, pursuit id)."""
        pursuit, submission = changes.uuid7(), changes.uuid7()
        answers = {q.id: f"Answer to {q.id}: " + "words " * max(q.min_words, 1)
                   for q in self.definition.requirements.overview_questions}
        ops = [put(pursuit, "type", Text("pursuit")),
               put(pursuit, "micro_credential_id", Text("exit-tickets")),
               put(pursuit, "micro_credential_version", Text(self.version)),
               put(pursuit, "started_at_ms", Integer(int(time.time() * 1000))),
               put(pursuit, "reflection", Text("The tickets showed two groups; I regrouped.")),
               put(pursuit, "status", Text("submitted"))]
        ops += [put(pursuit, "answer:" + q, Text(a)) for q, a in answers.items()]
        snapshot = model_pb2.SubmissionSnapshot(
            pursuit=pursuit, micro_credential_id="exit-tickets",
            micro_credential_version=self.version, attempt=1,
            submitted_at_ms=int(time.time() * 1000),
            reflection="The tickets showed two groups; I regrouped.")
        for q in sorted(answers):
            snapshot.answers.add(question_id=q, text=answers[q])
        blobs = {}
        for requirement, items in sorted(files.items()):
            for data, media_type in items:
                evidence = changes.uuid7()
                ref = Evidence(hashlib.sha256(data).digest(), len(data), media_type)
                ops += [put(evidence, "type", Text("evidence")),
                        put(evidence, "pursuit", EntityRef(pursuit)),
                        put(evidence, "requirement_id", Text(requirement)),
                        put(evidence, "blob", ref)]
                snapshot.evidence.add(evidence_id=evidence, requirement_id=requirement,
                                      blob=changes.evidence_ref(ref))
                blobs[ref.sha256.hex()] = (data, media_type)
        ops += [put(submission, "type", Text("submission")),
                put(submission, "pursuit", EntityRef(pursuit)),
                put(submission, "attempt", Integer(1)),
                put(submission, "submitted_at_ms", Integer(snapshot.submitted_at_ms)),
                put(submission, "snapshot", Blob(snapshot.SerializeToString()))]
        answer = self.device.push([self.device.next_change(ops)])
        self.assertEqual((answer.accepted, list(answer.refused)), (1, []))
        sid = changes.uuid_text(submission)

        status = self.submission_status(sid)
        self.assertTrue(status.snapshot_received)
        self.assertFalse(status.complete)
        self.assertEqual(len(status.blobs), len(blobs))
        for name, (data, media_type) in blobs.items():
            path = "/v1/blobs/" + name
            status_of(self.device.client.call("PUT", path, offer_of(data, media_type)))
            done = status_of(self.device.client.raw("POST", path + "/chunks/0", data))
            self.assertEqual(done.state, blob_pb2.BLOB_STATE_PRESENT)
        self.assertTrue(self.submission_status(sid).complete)
        return sid, blobs, pursuit

    def submission_status(self, sid) -> blob_pb2.SubmissionStatus:
        answer = self.device.client.raw("GET", f"/v1/submissions/{sid}/status")
        self.assertEqual(answer.status, 200, answer.body)
        return blob_pb2.SubmissionStatus.FromString(answer.body)

    def scores(self, level):
        return [{"criterion_id": c.id, "level_id": level, "comment": ""}
                for c in self.definition.rubric.criteria]

    def test_a_submission_is_assessed_awarded_and_its_badge_reaches_the_device(self):
        video = os.urandom(3 * CHUNK + 11)
        sid, blobs, pursuit = self.submit({"classroom-video": [(video, "video/mp4")],
                                  "student-work": [(os.urandom(900), "image/jpeg"),
                                                   (os.urandom(800), "application/pdf")]})
        listed = self.issuer.json("GET", "/v1/issuer/submissions?state=complete")
        self.assertEqual(listed.status, 200)
        self.assertIn(sid, [s["id"] for s in listed.json()["submissions"]])

        detail = self.issuer.json("GET", "/v1/issuer/submissions/" + sid).json()
        self.assertEqual(detail["micro_credential"]["version"], self.version)
        files = {e["sha256"]: e for e in detail["evidence"]}
        self.assertEqual(set(files), set(blobs))
        name = hashlib.sha256(video).hexdigest()
        self.assertEqual((files[name]["size"], files[name]["media_type"]),
                         (len(video), "video/mp4"))
        path = f"/v1/issuer/submissions/{sid}/evidence/{name}"
        part = self.issuer.raw("GET", path, headers={"Range": "bytes=65536-"})
        self.assertEqual((part.status, part.body), (206, video[CHUNK:]))
        self.assertEqual(self.issuer.raw("GET", path, headers={"Range": "bytes=999999-"}).status,
                         416)

        # Step 1: the scores; the rubric's rule recommends the award.
        scored = self.issuer.json("POST", f"/v1/issuer/submissions/{sid}/assessment",
                                  {"assessor": "Rosa Diaz", "scores": self.scores("pass"),
                                   "feedback": "Clear evidence of adjusting instruction."})
        self.assertEqual(scored.status, 200, scored.body)
        self.assertEqual(scored.json()["recommended_decision"], "award")
        # Step 2: confirmed.
        decided = self.issuer.json("POST", f"/v1/issuer/submissions/{sid}/decision",
                                   {"decision": "award", "confirmed_by": "Lee Park"})
        self.assertEqual(decided.status, 200, decided.body)
        self.assertEqual(decided.json()["decision"], "award")
        second = self.issuer.json("POST", f"/v1/issuer/submissions/{sid}/decision",
                                  {"decision": "award", "confirmed_by": "Lee Park"})
        self.assertEqual(second.status, 409)
        self.assertEqual(second.json()["code"], "already_exists")

        # The device pulls the assessment, the statuses and (issued now or soon) the credential.
        deadline = time.monotonic() + 30
        state = {}
        while time.monotonic() < deadline:
            pulled = self.device.pull_all()
            for entity, fields in changes.entities(pulled).items():
                state.setdefault(entity, {}).update(fields)
            if any(f.get("type") == Text("credential") for f in state.values()):
                break
            time.sleep(0.2)
        by_type = {}
        for entity, fields in state.items():
            by_type.setdefault(fields.get("type"), []).append(fields)
        # The submission's and the pursuit's types came from this device, whose own changes a
        # pull skips; the server's status changes on them come down.
        self.assertEqual(state[changes.uuid_bytes(sid)]["status"], Text("awarded"))
        self.assertEqual(state[pursuit]["status"], Text("awarded"))
        assessment = by_type[Text("assessment")][0]
        self.assertEqual(assessment["decision"], Text("award"))
        scores = model_pb2.Assessment.FromString(assessment["scores"].data)
        self.assertEqual(len(scores.scores), len(self.definition.rubric.criteria))
        self.assertIn(Text("credential"), by_type, "no credential reached the device")
        credential = by_type[Text("credential")][0]
        self.assertEqual(credential["status"], Text("active"))
        self.assertEqual(credential["kind"], Text("micro_credential"))

        # The credential verifies on the public route, and fails once revoked.
        document = json.loads(credential["json"].text)
        self.assertIn("OpenBadgeCredential", document["type"])
        public = fixture.issuer()
        public.token = ""
        verdict = public.raw("POST", "/v1/verify", credential["json"].text.encode("utf-8"),
                             {"Content-Type": "application/json"}).json()
        self.assertTrue(verdict["valid"], verdict)
        uuid = credential["credential_id"].text.rsplit(":", 1)[-1]
        revoked = self.issuer.json("POST", f"/v1/issuer/credentials/{uuid}/revocation",
                                   {"reason": "Evidence was not the teacher's own."})
        self.assertEqual(revoked.status, 200, revoked.body)
        verdict = public.raw("POST", "/v1/verify", credential["jws"].text.encode("utf-8")).json()
        self.assertFalse(verdict["valid"])
        self.assertIn("status", [c["name"] for c in verdict["checks"] if not c["ok"]])

    def test_the_issuer_api_refuses_what_the_document_refuses(self):
        sid, _, _ = self.submit({"classroom-video": [(os.urandom(100), "video/mp4")],
                              "student-work": [(os.urandom(90), "image/png"),
                                               (os.urandom(80), "image/png")]})
        path = f"/v1/issuer/submissions/{sid}/assessment"
        missing = self.scores("pass")[1:]
        answer = self.issuer.json("POST", path, {"assessor": "R", "scores": missing,
                                                 "feedback": "f"})
        self.assertEqual(answer.status, 422)
        self.assertEqual(answer.json()["code"], "invalid_argument")
        self.assertIn(self.definition.rubric.criteria[0].id, answer.json()["message"])
        unknown = self.issuer.json("POST", path, {"assessor": "R", "scores": self.scores("pass"),
                                                  "feedback": "f", "grade": "A"})
        self.assertEqual(unknown.status, 400)
        self.assertIn("grade", unknown.json()["message"])
        garbled = self.issuer.raw("POST", path, b"{\"assessor\": ",
                                  {"Content-Type": "application/json"})
        self.assertEqual(garbled.status, 400)
        early = self.issuer.json("POST", f"/v1/issuer/submissions/{sid}/decision",
                                 {"decision": "award", "confirmed_by": "L"})
        self.assertEqual(early.status, 409)
        # A not-yet recommendation confirmed as an award needs a reason.
        self.issuer.json("POST", path, {"assessor": "R", "scores": self.scores("not-yet"),
                                        "feedback": "Revise."})
        overridden = self.issuer.json("POST", f"/v1/issuer/submissions/{sid}/decision",
                                      {"decision": "award", "confirmed_by": "L"})
        self.assertEqual(overridden.status, 422)
        # Another token, or a device token, sees nothing.
        device_token = wire.Client(self.issuer.connection, self.device.client.token)
        self.assertEqual(device_token.json("GET", "/v1/issuer/submissions").status, 401)
        self.assertEqual(self.issuer.json("GET", "/v1/issuer/submissions/"
                                          + changes.uuid_text(changes.uuid7())).status, 404)

    def test_an_incomplete_submission_is_not_shown_to_the_issuer(self):
        pursuit, submission = changes.uuid7(), changes.uuid7()
        data = os.urandom(500)
        snapshot = model_pb2.SubmissionSnapshot(
            pursuit=pursuit, micro_credential_id="exit-tickets",
            micro_credential_version=self.version, attempt=1, submitted_at_ms=1)
        snapshot.evidence.add(evidence_id=changes.uuid7(), requirement_id="classroom-video",
                              blob=changes.evidence_ref(Evidence(
                                  hashlib.sha256(data).digest(), len(data), "video/mp4")))
        ops = [put(pursuit, "type", Text("pursuit")),
               put(submission, "type", Text("submission")),
               put(submission, "pursuit", EntityRef(pursuit)),
               put(submission, "attempt", Integer(1)),
               put(submission, "snapshot", Blob(snapshot.SerializeToString()))]
        self.assertEqual(self.device.push([self.device.next_change(ops)]).accepted, 1)
        sid = changes.uuid_text(submission)
        status = self.submission_status(sid)
        self.assertFalse(status.complete)
        self.assertEqual([(b.state, b.size) for b in status.blobs],
                         [(blob_pb2.BLOB_STATE_ABSENT, 500)])
        self.assertEqual(self.issuer.json("GET", "/v1/issuer/submissions/" + sid).status, 404)
        # A snapshot that is not a SubmissionSnapshot is refused.
        bad = changes.uuid7()
        answer = self.device.push([self.device.next_change(
            [put(bad, "type", Text("submission")), put(bad, "snapshot", Blob(b"\xff\x01"))])])
        self.assertEqual(answer.refused[0].error.code, "invalid_argument")


if __name__ == "__main__":
    unittest.main()
