#!/usr/bin/env python3
"""Checks the generated manual page shoal(1) (docs/cli.md "See also",
packaging/README.md):

  check_man.py render MAN_PAGE
      groff renders it with every warning on (-ww) and prints none.
  check_man.py commands MAN_PAGE SHOAL_BINARY
      every command the binary has (`shoal [COMMAND...] --help`, walked
      down from the top) has an entry in the page, and that entry names
      every option the command's --help lists: docs/cli.md cannot fall
      behind the binary without this failing.
"""
import re
import subprocess
import sys


def render(page):
    run = subprocess.run(["groff", "-man", "-ww", "-z", page], capture_output=True, text=True)
    if run.returncode != 0 or run.stderr:
        sys.exit("groff warns about %s:\n%s" % (page, run.stderr))
    print("renders without warnings: " + page)


def help_sections(binary, path):
    """{'Options': [...lines], 'Subcommands': [...]} of `shoal PATH --help`."""
    run = subprocess.run([binary] + path + ["--help"], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("shoal %s --help failed: %s" % (" ".join(path), run.stderr))
    sections, current = {}, None
    for line in run.stdout.splitlines():
        if re.match(r"^\w[\w ]*:$", line):
            current = sections.setdefault(line[:-1], [])
        elif current is not None and re.match(r"^  \S", line):
            current.append(line.strip())
    return sections


def commands(binary, path=()):
    """(path, long options) of every command below `path`, depth first."""
    sections = help_sections(binary, list(path))
    options = set()
    for entry in sections.get("Options", []):
        names = entry.split("  ")[0]
        options.update(re.findall(r"--[\w-]+", names.split(" ")[0]))
    options.discard("--help")  # every command has it; the page says so once
    yield list(path), options
    for entry in sections.get("Subcommands", []):
        yield from commands(binary, list(path) + [entry.split()[0]])


def plain(roff):
    """The page's text with font changes and escapes taken out."""
    text = re.sub(r"\\f[BIRP]", "", roff)
    return text.replace("\\-", "-").replace("\\&", "").replace("\\e", "\\")


def entries(page_text):
    """The .TP entries of the page: (tag line, tag and body)."""
    found = []
    for chunk in page_text.split("\n.TP\n")[1:]:
        lines = chunk.split("\n")
        body = []
        for line in lines[1:]:
            if line.startswith(".SH") or line.startswith(".PP"):
                break
            body.append(line)
        found.append((lines[0], "\n".join([lines[0]] + body)))
    return found


def names_command(tag, path):
    """Whether a tag such as `shoal devices remove|pause|resume DEVICE` or
    `shoal devices [list]` names the command `path`."""
    word = r"\[?(?:[\w-]+\|)*%s(?:\|[\w-]+)*\]?"
    pattern = r"\bshoal" + "".join(r"\s+" + word % re.escape(w) for w in path) + r"(?![\w-])"
    return re.search(pattern, tag) is not None


def check_commands(page, binary):
    with open(page, encoding="ascii") as f:
        text = plain(f.read())
    page_entries = entries(text)
    gaps = []
    for path, options in commands(binary):
        if not path:  # the top: its options belong in the synopsis
            missing = [o for o in sorted(options) if not re.search(re.escape(o) + r"\b", text)]
            gaps += ["the page never mentions `shoal %s`" % o for o in missing]
            continue
        mine = [body for tag, body in page_entries if names_command(tag, path)]
        if not mine:
            gaps.append("no entry for `shoal %s`" % " ".join(path))
            continue
        for option in sorted(options):
            if not any(re.search(re.escape(option) + r"(?![\w-])", body) for body in mine):
                gaps.append("the entry for `shoal %s` lacks %s" % (" ".join(path), option))
    if gaps:
        sys.exit("docs/cli.md is behind the binary:\n  " + "\n  ".join(gaps))
    print("every command and option of the binary is in " + page)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "render":
        render(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "commands":
        check_commands(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
