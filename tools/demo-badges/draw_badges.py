#!/usr/bin/env python3
"""Draws the demo catalog's badge images: one SVG per micro-credential, per stack and the issuer's
logo, each rendered to a 600x600 PNG with rsvg-convert.

An authoring tool, run by hand when a badge changes; the SVG and PNG files it writes are committed
and the build never runs it (docs/dependencies.md, "Authoring tools").

    python3 tools/demo-badges/draw_badges.py            # writes docs/examples/catalog/badges/
    python3 tools/demo-badges/draw_badges.py --out DIR

Each stack has a shape (hexagon, circle, shield) and a colour; its micro-credentials share them and
differ by pictogram and the short title on the ribbon. Text is white on the stack's dark colour or on
the darker ribbon (contrast at least 7:1, WCAG AAA), and every SVG has a <title> for screen readers.
"""

import argparse
import math
import os
import shutil
import subprocess
import sys
from xml.sax.saxutils import escape

SIZE = 600
CX = CY = SIZE / 2
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
WHITE = "#ffffff"

# Per stack: shape, body colour, darker rim/ribbon colour, lighter accent.
STACKS = {
    "formative-assessment": {
        "title": "Formative Assessment",
        "initials": "FA",
        "shape": "hexagon",
        "body": "#155a8a",
        "dark": "#0b3556",
        "accent": "#f2b632",
    },
    "classroom-discourse": {
        "title": "Classroom Discourse",
        "initials": "CD",
        "shape": "circle",
        "body": "#5a2d82",
        "dark": "#35184f",
        "accent": "#f28c38",
    },
    "multilingual-learners": {
        "title": "Multilingual Learners",
        "initials": "ML",
        "shape": "shield",
        "body": "#1e6b43",
        "dark": "#0f3f26",
        "accent": "#f5d547",
    },
}

# Micro-credential id -> (stack, short title on the ribbon, pictogram, full title).
MICRO_CREDENTIALS = {
    "formative-assessment-exit-tickets": (
        "formative-assessment", "Exit Tickets", "ticket",
        "Exit Tickets That Shape the Next Lesson"),
    "formative-assessment-questioning-wait-time": (
        "formative-assessment", "Wait Time", "hourglass", "Questioning and Wait Time"),
    "formative-assessment-feedback": (
        "formative-assessment", "Feedback", "feedback", "Feedback That Moves Learning Forward"),
    "formative-assessment-student-self-assessment": (
        "formative-assessment", "Self-Assessment", "checklist",
        "Student Self-Assessment Against Success Criteria"),
    "classroom-discourse-talk-norms": (
        "classroom-discourse", "Talk Norms", "norms", "Establishing Norms for Productive Talk"),
    "classroom-discourse-talk-moves": (
        "classroom-discourse", "Talk Moves", "talk-moves", "Talk Moves That Deepen Reasoning"),
    "classroom-discourse-structured-partner-talk": (
        "classroom-discourse", "Partner Talk", "partners", "Structured Partner Talk"),
    "classroom-discourse-collaborative-group-tasks": (
        "classroom-discourse", "Group Tasks", "group", "Group Tasks With Positive Interdependence"),
    "multilingual-learners-language-objectives": (
        "multilingual-learners", "Objectives", "target", "Content and Language Objectives"),
    "multilingual-learners-academic-vocabulary": (
        "multilingual-learners", "Vocabulary", "book", "Teaching Academic Vocabulary in Context"),
    "multilingual-learners-language-scaffolds": (
        "multilingual-learners", "Scaffolds", "steps", "Scaffolding Academic Speaking and Writing"),
    "multilingual-learners-home-languages": (
        "multilingual-learners", "Home Languages", "globe", "Leveraging Students' Home Languages"),
}

ISSUER = ("cairn-demo-institute", "Cairn Demo Institute")


def fmt(value):
    return f"{value:.1f}".rstrip("0").rstrip(".")


def points(pairs):
    return " ".join(f"{fmt(x)},{fmt(y)}" for x, y in pairs)


def shape_path(shape, inset):
    """The badge's outline, `inset` pixels inside the 600x600 box."""
    if shape == "circle":
        return f'<circle cx="{fmt(CX)}" cy="{fmt(CY)}" r="{fmt(285 - inset)}"'
    if shape == "hexagon":
        r = 290 - inset * 1.15
        corners = [(CX + r * math.sin(math.radians(a)), CY - r * math.cos(math.radians(a)))
                   for a in range(0, 360, 60)]
        return f'<polygon points="{points(corners)}"'
    # A heater shield.
    top, left, right, bottom = 22 + inset, 62 + inset, 538 - inset, 580 - inset * 1.4
    shoulder = 300 - inset * 0.3
    return (f'<path d="M{fmt(CX)} {fmt(top)} L{fmt(right)} {fmt(top + 62)} V{fmt(shoulder)} '
            f'C{fmt(right)} {fmt(450 - inset * 0.5)} {fmt(420 - inset * 0.3)} '
            f'{fmt(540 - inset)} {fmt(CX)} {fmt(bottom)} '
            f'C{fmt(180 + inset * 0.3)} {fmt(540 - inset)} {fmt(left)} {fmt(450 - inset * 0.5)} '
            f'{fmt(left)} {fmt(shoulder)} V{fmt(top + 62)} Z"')


def stroke(width=14, color=WHITE):
    return (f'fill="none" stroke="{color}" stroke-width="{width}" stroke-linecap="round" '
            f'stroke-linejoin="round"')


def pictogram(kind, accent):
    """White line drawings centred on (300, 225), about 200 pixels across."""
    s = stroke()
    if kind == "ticket":
        return (f'<path d="M190 160 H410 V200 A25 25 0 0 0 410 250 V290 H190 V250 '
                f'A25 25 0 0 0 190 200 Z" {s}/>'
                f'<path d="M250 160 V290" {stroke(6)} stroke-dasharray="4 14"/>'
                f'<path d="M285 228 L318 258 L375 192" {stroke(18, accent)}/>')
    if kind == "hourglass":
        return (f'<path d="M220 130 H380 M220 320 H380" {s}/>'
                f'<path d="M235 130 C235 200 295 205 295 225 C295 245 235 250 235 320 '
                f'M365 130 C365 200 305 205 305 225 C305 245 365 250 365 320" {s}/>'
                f'<path d="M262 300 Q300 262 338 300 Z" fill="{accent}"/>'
                f'<path d="M272 168 H328 Q300 200 300 200 Z" fill="{accent}"/>')
    if kind == "feedback":
        return (f'<path d="M175 140 H425 Q440 140 440 155 V265 Q440 280 425 280 H275 L225 320 '
                f'V280 H175 Q160 280 160 265 V155 Q160 140 175 140 Z" {s}/>'
                f'<path d="M215 210 H370 M330 175 L370 210 L330 245" {stroke(16, accent)}/>')
    if kind == "checklist":
        rows = []
        for i, y in enumerate((160, 225, 290)):
            rows.append(f'<rect x="185" y="{y - 22}" width="44" height="44" rx="6" {stroke(10)}/>')
            rows.append(f'<path d="M260 {y} H415" {stroke(14)}/>')
            if i < 2:
                rows.append(f'<path d="M193 {y} L205 {y + 12} L226 {y - 14}" {stroke(10, accent)}/>')
        return "".join(rows)
    if kind == "norms":
        return (f'<path d="M160 150 H310 Q325 150 325 165 V235 Q325 250 310 250 H225 L190 280 '
                f'V250 H160 Q145 250 145 235 V165 Q145 150 160 150 Z" {s}/>'
                f'<path d="M290 210 H440 Q455 210 455 225 V295 Q455 310 440 310 H410 V340 '
                f'L375 310 H290 Q275 310 275 295 V225 Q275 210 290 210 Z" fill="{accent}" '
                f'stroke="{WHITE}" stroke-width="14" stroke-linejoin="round"/>'
                f'<path d="M185 185 H285 M185 215 H250" {stroke(10)}/>')
    if kind == "talk-moves":
        return (f'<path d="M180 140 H420 Q435 140 435 155 V260 Q435 275 420 275 H270 L220 315 '
                f'V275 H180 Q165 275 165 260 V155 Q165 140 180 140 Z" {s}/>'
                f'<path d="M300 250 V180 M265 212 L300 175 L335 212" {stroke(16, accent)}/>')
    if kind == "partners":
        def person(x, flip):
            return (f'<circle cx="{x}" cy="190" r="34" {stroke(12)}/>'
                    f'<path d="M{x - 55} 320 Q{x - 55} 245 {x} 245 Q{x + 55} 245 {x + 55} 320" '
                    f'{stroke(12)}/>')
        return (person(215, False) + person(385, True) +
                f'<path d="M270 150 H330 Q340 150 340 160 V185 Q340 195 330 195 H300 L288 207 '
                f'V195 H270 Q260 195 260 185 V160 Q260 150 270 150 Z" fill="{accent}"/>')
    if kind == "group":
        nodes = [(300, 150), (210, 290), (390, 290)]
        lines = "".join(f'<path d="M{a[0]} {a[1]} L{b[0]} {b[1]}" {stroke(10, accent)}/>'
                        for a, b in ((nodes[0], nodes[1]), (nodes[1], nodes[2]),
                                     (nodes[2], nodes[0])))
        heads = "".join(f'<circle cx="{x}" cy="{y}" r="40" fill="{WHITE}"/>' for x, y in nodes)
        return lines + heads
    if kind == "target":
        rings = "".join(f'<circle cx="300" cy="225" r="{r}" {stroke(12)}/>' for r in (100, 62))
        return (rings + f'<circle cx="300" cy="225" r="24" fill="{accent}"/>'
                f'<path d="M300 225 L410 115 M385 110 L412 113 L415 140" {stroke(12, accent)}/>')
    if kind == "book":
        return (f'<path d="M300 175 Q250 140 170 150 V310 Q250 300 300 330 Q350 300 430 310 V150 '
                f'Q350 140 300 175 Z M300 175 V330" {s}/>'
                f'<text x="235" y="262" font-family="{FONT}" font-weight="bold" font-size="62" '
                f'fill="{accent}" text-anchor="middle">A</text>'
                f'<text x="365" y="262" font-family="{FONT}" font-weight="bold" font-size="62" '
                f'fill="{accent}" text-anchor="middle">a</text>')
    if kind == "steps":
        return (f'<path d="M180 320 H240 V270 H300 V220 H360 V170 H420 V320 Z" {s}/>'
                f'<path d="M390 170 V95" {stroke(10)}/>'
                f'<path d="M394 97 L440 113 L394 129 Z" fill="{accent}"/>')
    if kind == "globe":
        return (f'<circle cx="300" cy="225" r="105" {s}/>'
                f'<ellipse cx="300" cy="225" rx="45" ry="105" {stroke(10)}/>'
                f'<path d="M198 190 H402 M198 260 H402" {stroke(10)}/>'
                f'<path d="M300 318 C250 280 230 255 250 235 C268 218 290 228 300 243 '
                f'C310 228 332 218 350 235 C370 255 350 280 300 318 Z" fill="{accent}" '
                f'stroke="{WHITE}" stroke-width="8" stroke-linejoin="round"/>')
    raise ValueError(kind)


def ribbon(text, dark, accent, font_size=None):
    """The banner across the lower part of the badge, with folded tails."""
    size = font_size or min(46, 420 / (0.7 * max(len(text), 1)))
    tails = (f'<polygon points="{points([(20, 418), (95, 418), (95, 498), (20, 498), (48, 458)])}" '
             f'fill="{dark}"/>'
             f'<polygon points="{points([(580, 418), (505, 418), (505, 498), (580, 498), (552, 458)])}" '
             f'fill="{dark}"/>'
             f'<polygon points="{points([(65, 478), (95, 478), (95, 498)])}" fill="#000000" '
             f'fill-opacity="0.35"/>'
             f'<polygon points="{points([(535, 478), (505, 478), (505, 498)])}" fill="#000000" '
             f'fill-opacity="0.35"/>')
    band = (f'<rect x="65" y="392" width="470" height="86" rx="6" fill="{dark}" '
            f'stroke="{accent}" stroke-width="5"/>')
    label = (f'<text x="300" y="{fmt(435 + size * 0.36)}" font-family="{FONT}" font-weight="bold" '
             f'font-size="{fmt(size)}" fill="{WHITE}" text-anchor="middle">{escape(text)}</text>')
    return tails + band + label


def badge_svg(title, shape, body, dark, accent, art, label, kind_label):
    rim = shape_path(shape, 0)
    inner = shape_path(shape, 22)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
        f'viewBox="0 0 {SIZE} {SIZE}" role="img" aria-labelledby="title">\n'
        f'<title id="title">{escape(title)} ({kind_label}, Cairn Demo Institute)</title>\n'
        f'{rim} fill="{dark}"/>\n'
        f'{inner} fill="{body}" stroke="{accent}" stroke-width="6"/>\n'
        f'<g>{art}</g>\n'
        f'<g>{label}</g>\n'
        '</svg>\n')


def stack_art(stack):
    """A stack badge: the stack's initials, and a star for each of its four micro-credentials."""
    star = []
    for i, x in enumerate((204, 268, 332, 396)):
        y = 100 if i in (1, 2) else 112
        pts = []
        for k in range(10):
            r = 24 if k % 2 == 0 else 10
            a = math.radians(-90 + k * 36)
            pts.append((x + r * math.cos(a), y + r * math.sin(a)))
        star.append(f'<polygon points="{points(pts)}" fill="{stack["accent"]}"/>')
    return ("".join(star) +
            f'<text x="300" y="322" font-family="{FONT}" font-weight="bold" font-size="170" '
            f'fill="{WHITE}" text-anchor="middle" letter-spacing="4">{stack["initials"]}</text>')


def issuer_svg():
    """The issuer's logo: a cairn of stones on a warm circle."""
    stones = [(300, 420, 150, 42, "#4a4a4a"), (300, 345, 118, 36, "#5f5f5f"),
              (300, 280, 88, 32, "#747474"), (300, 224, 60, 27, "#8a8a8a")]
    art = "".join(f'<ellipse cx="{x}" cy="{y}" rx="{rx}" ry="{ry}" fill="{c}" stroke="#ffffff" '
                  f'stroke-width="6"/>' for x, y, rx, ry, c in stones)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
        f'viewBox="0 0 {SIZE} {SIZE}" role="img" aria-labelledby="title">\n'
        f'<title id="title">{escape(ISSUER[1])} logo</title>\n'
        f'<circle cx="300" cy="300" r="290" fill="#f4ede1" stroke="#8a5a2b" stroke-width="14"/>\n'
        f'<path d="M60 470 H540" stroke="#8a5a2b" stroke-width="10" stroke-linecap="round"/>\n'
        f'{art}\n'
        f'<circle cx="390" cy="150" r="30" fill="#e0a030"/>\n'
        f'<text x="300" y="530" font-family="{FONT}" font-weight="bold" font-size="40" '
        f'fill="#5a3510" text-anchor="middle">CAIRN DEMO</text>\n'
        '</svg>\n')


def render(svg_path, png_path):
    subprocess.run(["rsvg-convert", "-w", str(SIZE), "-h", str(SIZE), "-b", "none", "-o",
                    png_path, svg_path], check=True)
    if shutil.which("optipng"):
        subprocess.run(["optipng", "-quiet", "-o2", png_path], check=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.normpath(os.path.join(here, "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(root, "docs", "examples", "catalog",
                                                      "badges"))
    args = parser.parse_args()
    if shutil.which("rsvg-convert") is None:
        sys.exit("draw_badges.py: rsvg-convert not found; apt-get install librsvg2-bin")
    os.makedirs(args.out, exist_ok=True)

    drawings = {}
    for mc_id, (stack_id, label, kind, title) in MICRO_CREDENTIALS.items():
        st = STACKS[stack_id]
        drawings[mc_id] = badge_svg(title, st["shape"], st["body"], st["dark"], st["accent"],
                                    pictogram(kind, st["accent"]),
                                    ribbon(label, st["dark"], st["accent"]), "micro-credential")
    for stack_id, st in STACKS.items():
        drawings[stack_id] = badge_svg(st["title"], st["shape"], st["body"], st["dark"],
                                       st["accent"], stack_art(st),
                                       ribbon(st["title"], st["dark"], st["accent"], 36),
                                       "stack credential")
    drawings[ISSUER[0]] = issuer_svg()

    for name, svg in drawings.items():
        svg_path = os.path.join(args.out, name + ".svg")
        png_path = os.path.join(args.out, name + ".png")
        with open(svg_path, "w", encoding="utf-8") as f:
            f.write(svg)
        render(svg_path, png_path)
        print(f"{png_path}: {os.path.getsize(png_path)} bytes")

    # The CLI's one-file demo catalog (tools/cli/demo_catalog.textproto) has one micro-credential,
    # exit tickets; it wears the same badge, next to that file (and compiled into `cairn demo`).
    demo = os.path.join(root, "tools", "cli", "badges")
    os.makedirs(demo, exist_ok=True)
    shutil.copyfile(os.path.join(args.out, "formative-assessment-exit-tickets.png"),
                    os.path.join(demo, "exit-tickets.png"))


if __name__ == "__main__":
    main()
