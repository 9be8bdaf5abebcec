#!/usr/bin/env python3
"""Checks an HTML file with a conforming HTML5 parser (html5lib, strict mode).

Every parse error the HTML5 specification defines (a stray end tag, an unclosed element, a
misnested one, a missing doctype, a bad character reference...) fails the check, with its line
and column. Exit 0 when the document parses without an error.
"""
import sys

import html5lib


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: check_html.py FILE", file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        document = f.read()
    parser = html5lib.HTMLParser(strict=True)
    try:
        parser.parse(document)
    except html5lib.html5parser.ParseError as error:
        (line, column), code, data = parser.errors[-1]
        print(f"{sys.argv[1]}:{line}:{column}: {code} {data}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
