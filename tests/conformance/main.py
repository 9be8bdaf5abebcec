"""The conformance suite: a client written from docs/protocol.md, docs/issuer-api.md and
schemas/ alone, in another language than the server, run against a real `cairn-server`.

Usage: main.py SERVER SOURCE_DIR
Generates the Python classes of schemas/ with protoc first (the integrator's first step), reads
the error table from docs/protocol.md, and publishes the demo catalog on the server."""

import os
import subprocess
import sys
import tempfile
import unittest


def main() -> int:
    server, source = sys.argv[1:3]
    schemas = os.path.join(source, "schemas")
    generated = tempfile.mkdtemp(prefix="cairn-proto-")
    protos = sorted(os.path.join(root, name) for root, _, names in os.walk(schemas)
                    for name in names if name.endswith(".proto"))
    subprocess.run(["protoc", "-I", schemas, "--python_out", generated, *protos], check=True)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [generated, here]
    os.environ["CAIRN_SERVER"] = server
    os.environ["CAIRN_CATALOG"] = os.path.join(source, "tools", "cli", "demo_catalog.textproto")
    import wire
    os.environ["CAIRN_PROTOCOL_DOC"] = os.path.join(source, "docs", "protocol.md")
    with open(os.environ["CAIRN_PROTOCOL_DOC"], encoding="utf-8") as doc:
        wire.ERRORS.load(doc.read())
    suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py", top_level_dir=here)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
