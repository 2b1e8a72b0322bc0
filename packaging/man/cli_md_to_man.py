#!/usr/bin/env python3
"""Turns docs/cli.md into the manual page shoal(1), so the page and the doc
never differ (docs/cli.md stays the one source).

    cli_md_to_man.py --version 0.1.0 docs/cli.md build/man/shoal.1

writes shoal.1 and shoal.1.gz (gzip with no name or time: reproducible).

docs/cli.md is plain markdown kept to a few forms, and each has one place
in the page:
  "`shoal` — WHAT IT IS."       the NAME line
  a paragraph that is one code span (the first)   SYNOPSIS
  other paragraphs before the first "## "         DESCRIPTION
  "## Heading"                  .SH HEADING ("Exit codes": EXIT STATUS)
  a two-column table            one .TP per row, the first cell in bold
  `code`                        bold, with '-' as the minus sign \\-
  *emphasis*                    italic
Remarks for developers, "(test: "...")" and "(tests: "...", "...")", are
left out: they name the tests that hold a promise, not what users need.
"""
import argparse
import gzip
import re
import sys

SECTION_NAMES = {"exit codes": "EXIT STATUS"}

# (test: "name") or (tests: "a", "b"), with the space before it.
TEST_REMARK = re.compile(r'\s*\(tests?: "[^"]*"(?:,\s*"[^"]*")*\)')
CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.S)
EMPHASIS = re.compile(r"(?<![\w*])\*(\S(?:[^*]*\S)?)\*(?![\w*])")
NAME_LINE = re.compile(r"^`(\w+)` — (.+?)\.?$")


def escape(text):
    """Roff-escapes plain text: backslashes, and non-ASCII as \\[uXXXX]."""
    out = []
    for ch in text.replace("\\", "\\e"):
        out.append(ch if ord(ch) < 128 else "\\[u%04X]" % ord(ch))
    return "".join(out)


def prose(text):
    """Text outside code spans: escaped, *emphasis* in italics."""
    return EMPHASIS.sub(lambda m: "\\fI" + m.group(1) + "\\fR", escape(text))


def inline(text):
    """Markdown inline text to roff: code spans bold, the rest escaped."""
    text = TEST_REMARK.sub("", text)
    out, pos = [], 0
    for m in CODE_SPAN.finditer(text):
        out.append(prose(text[pos:m.start()]))
        code = m.group(2)
        if code.startswith(" ") and code.endswith(" ") and code.strip():
            code = code[1:-1]
        out.append("\\fB" + escape(code).replace("-", "\\-") + "\\fR")
        pos = m.end()
    out.append(prose(text[pos:]))
    return "".join(out)


def line(text):
    """One roff text line: a leading '.' or '\\'' would make it a request."""
    text = text.strip()
    return "\\&" + text if text[:1] in (".", "'") else text


def table_cells(row):
    cells = re.split(r"(?<!\\)\|", row.strip().strip("|"))
    return [c.strip().replace("\\|", "|") for c in cells]


def render_table(rows):
    out = []
    for row in rows[2:]:  # after the header and its |---| line
        cells = table_cells(row)
        tag = inline(cells[0])
        if "\\fB" not in tag:
            tag = "\\fB" + tag + "\\fR"
        out += [".TP", line(tag), line(inline(" ".join(cells[1:])))]
    return out


def blocks(markdown):
    """Paragraphs, tables and headings, each as a list of its lines."""
    block = []
    for raw in markdown.splitlines():
        if not raw.strip():
            if block:
                yield block
            block = []
        elif raw.startswith("#"):
            if block:
                yield block
            yield [raw]
            block = []
        else:
            block.append(raw)
    if block:
        yield block


def convert(markdown, version):
    name = synopsis = None
    body, in_description = [], True
    for block in blocks(markdown):
        first = block[0]
        if first.startswith("# "):
            continue  # the document's title; the page has .TH
        if first.startswith("## "):
            title = first[3:].strip()
            body += [".SH " + SECTION_NAMES.get(title.lower(), title.upper())]
            in_description = False
            continue
        if first.startswith("|"):
            body += render_table(block)
            continue
        text = " ".join(l.strip() for l in block)
        if name is None and NAME_LINE.match(text):
            name = NAME_LINE.match(text)
            continue
        if synopsis is None and re.fullmatch(r"`[^`]+`", text):
            synopsis = inline(text)
            continue
        if in_description and not any(l == ".SH DESCRIPTION" for l in body):
            body.append(".SH DESCRIPTION")
        body += [".PP", line(inline(text))]
    if name is None or synopsis is None:
        sys.exit("cli_md_to_man: docs/cli.md needs a '`shoal` — ...' line and a synopsis")
    head = [
        '.\\" Generated from docs/cli.md by packaging/man/cli_md_to_man.py; edit that.',
        '.TH SHOAL 1 "" "shoal %s" "User Commands"' % escape(version),
        # Options and paths are long words: no hyphenation, no stretched
        # spaces between them.
        ".nh",
        ".ad l",
        ".SH NAME",
        "%s \\- %s" % (name.group(1), escape(name.group(2))),
        ".SH SYNOPSIS",
        line(synopsis),
    ]
    return "\n".join(head + body) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", required=True)
    parser.add_argument("markdown")
    parser.add_argument("output")
    args = parser.parse_args()
    with open(args.markdown, encoding="utf-8") as f:
        page = convert(f.read(), args.version)
    with open(args.output, "w", encoding="ascii") as f:
        f.write(page)
    with open(args.output + ".gz", "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(page.encode("ascii"))


if __name__ == "__main__":
    main()
