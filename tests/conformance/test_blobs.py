"""Evidence transfer as docs/protocol.md "Evidence blobs" says: offer, chunks, status, Range."""

import hashlib
import os
import unittest

import fixture
from cairn.v1 import blob_pb2

CHUNK = 65536
ABSENT, PARTIAL, PRESENT = (blob_pb2.BLOB_STATE_ABSENT, blob_pb2.BLOB_STATE_PARTIAL,
                            blob_pb2.BLOB_STATE_PRESENT)


def offer_of(data: bytes, media_type: str = "video/mp4") -> blob_pb2.BlobOffer:
    chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]
    return blob_pb2.BlobOffer(size=len(data), media_type=media_type, chunk_size=CHUNK,
                              chunk_sha256=[hashlib.sha256(c).digest() for c in chunks])


def status_of(answer) -> blob_pb2.BlobStatus:
    if answer.status != 200:
        raise AssertionError(f"answered {answer.status}: {answer.error()}")
    return blob_pb2.BlobStatus.FromString(answer.body)


class BlobTest(unittest.TestCase):
    def setUp(self):
        self.client = fixture.enrol().client
        # 150,000 bytes: two whole chunks and a short last one, as in the protocol's example.
        self.data = os.urandom(150_000)
        self.name = hashlib.sha256(self.data).hexdigest()
        self.path = "/v1/blobs/" + self.name

    def chunks(self, first: int, data: bytes):
        return self.client.raw("POST", f"{self.path}/chunks/{first}", data,
                               {"Content-Type": "application/octet-stream"})

    def test_a_blob_goes_up_in_two_requests_and_comes_down_in_ranges(self):
        never = status_of(self.client.raw("GET", self.path + "/status"))
        self.assertEqual(never.state, ABSENT)
        self.assertEqual(self.client.raw("GET", self.path).status, 404)

        offered = status_of(self.client.call("PUT", self.path, offer_of(self.data)))
        self.assertEqual((offered.state, offered.verified_chunks), (PARTIAL, 0))
        # The same offer again answers the same count.
        again = status_of(self.client.call("PUT", self.path, offer_of(self.data)))
        self.assertEqual((again.state, again.verified_chunks), (PARTIAL, 0))
        # Chunks from the wrong index: 409 naming the chunk to send from.
        wrong = self.chunks(1, self.data[CHUNK:2 * CHUNK])
        self.assertEqual(wrong.status, 409)
        self.assertEqual(wrong.error().code, "failed_precondition")

        first = status_of(self.chunks(0, self.data[:CHUNK]))
        self.assertEqual((first.state, first.verified_chunks, first.verified_bytes),
                         (PARTIAL, 1, CHUNK))
        status = status_of(self.client.raw("GET", self.path + "/status"))
        self.assertEqual((status.verified_chunks, status.size, status.chunk_size),
                         (1, len(self.data), CHUNK))
        done = status_of(self.chunks(1, self.data[CHUNK:]))
        self.assertEqual((done.state, done.verified_bytes, done.media_type),
                         (PRESENT, len(self.data), "video/mp4"))

        whole = self.client.raw("GET", self.path)
        self.assertEqual((whole.status, whole.body), (200, self.data))
        self.assertEqual(whole.header("content-type"), "video/mp4")
        for spec, start, end in (("bytes=0-1023", 0, 1023), ("bytes=149000-", 149000, 149999),
                                 ("bytes=-100", 149900, 149999),
                                 ("bytes=100-999999", 100, 149999)):
            part = self.client.raw("GET", self.path, headers={"Range": spec})
            self.assertEqual(part.status, 206, spec)
            self.assertEqual(part.header("content-range"), f"bytes {start}-{end}/150000", spec)
            self.assertEqual(part.body, self.data[start:end + 1], spec)
        for spec in ("bytes=150000-", "bytes=18446744073709551615-",
                     "bytes=18446744073709551616-"):
            past = self.client.raw("GET", self.path, headers={"Range": spec})
            self.assertEqual(past.status, 416, spec)
            self.assertEqual(past.header("content-range"), "bytes */150000", spec)
            self.assertEqual(past.error().code, "out_of_range", spec)

        # A blob the account holds is present at once when offered again.
        held = status_of(self.client.call("PUT", self.path, offer_of(self.data)))
        self.assertEqual(held.state, PRESENT)

    def test_a_chunk_that_does_not_match_its_hash_is_refused_and_earlier_ones_kept(self):
        status_of(self.client.call("PUT", self.path, offer_of(self.data)))
        damaged = bytearray(self.data)
        damaged[CHUNK + 7] ^= 1
        answer = self.chunks(0, bytes(damaged))
        self.assertEqual(answer.status, 400)
        self.assertEqual(answer.error().code, "invalid_argument")
        self.assertIn("chunk 1", answer.error().message)
        status = status_of(self.client.raw("GET", self.path + "/status"))
        self.assertEqual((status.state, status.verified_chunks), (PARTIAL, 1))

    def test_bytes_that_do_not_hash_to_the_name_discard_the_upload(self):
        liar = hashlib.sha256(b"another video").hexdigest()
        path = "/v1/blobs/" + liar
        status_of(self.client.call("PUT", path, offer_of(self.data)))
        answer = self.client.raw("POST", path + "/chunks/0", self.data)
        self.assertEqual(answer.status, 409)
        self.assertIn(self.name, answer.error().message)
        self.assertEqual(status_of(self.client.raw("GET", path + "/status")).state, ABSENT)

    def test_bad_offers_and_ids_are_400_and_content_encoding_on_chunks_415(self):
        offer = offer_of(self.data)
        offer.chunk_size = 1 << 20
        self.assertEqual(self.client.call("PUT", self.path, offer).status, 400)
        short = offer_of(self.data)
        del short.chunk_sha256[-1]
        self.assertEqual(self.client.call("PUT", self.path, short).status, 400)
        self.assertEqual(self.client.raw("GET", "/v1/blobs/not-hex/status").status, 400)
        self.assertEqual(self.client.raw("GET", "/v1/blobs/" + "0" * 63 + "/status").status,
                         400)
        status_of(self.client.call("PUT", self.path, offer_of(self.data)))
        encoded = self.client.raw("POST", self.path + "/chunks/0", self.data[:CHUNK],
                                  {"Content-Encoding": "zstd"})
        self.assertEqual(encoded.status, 415)
        self.assertEqual(encoded.error().code, "invalid_argument")

    def test_an_empty_blob_is_present_once_offered(self):
        path = "/v1/blobs/" + hashlib.sha256(b"").hexdigest()
        self.assertEqual(status_of(self.client.call("PUT", path, offer_of(b""))).state, PRESENT)

    def test_another_teachers_blob_is_indistinguishable_from_none(self):
        status_of(self.client.call("PUT", self.path, offer_of(self.data)))
        status_of(self.chunks(0, self.data))
        stranger = fixture.enrol().client
        self.assertEqual(status_of(stranger.raw("GET", self.path + "/status")).state, ABSENT)
        self.assertEqual(stranger.raw("GET", self.path).status, 404)


if __name__ == "__main__":
    unittest.main()
