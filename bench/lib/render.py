#!/usr/bin/env python3
"""Fills @NAME@ placeholders in a template: render.py TEMPLATE OUTPUT NAME=VALUE... [NAME=@FILE...].

A value starting with '@' is the content of that file (trailing newline dropped). Every
placeholder in the template must be given, so a typo fails here instead of inside nginx.
"""
import pathlib
import re
import sys


def main(argv):
    if len(argv) < 3:
        sys.exit("usage: render.py TEMPLATE OUTPUT NAME=VALUE...")
    template, output, pairs = argv[1], argv[2], argv[3:]
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            sys.exit(f"render.py: expected NAME=VALUE, got {pair!r}")
        if value.startswith("@"):
            value = pathlib.Path(value[1:]).read_text().rstrip("\n")
        values[name] = value
    text = pathlib.Path(template).read_text()
    missing = sorted(set(re.findall(r"@([A-Z][A-Z0-9_]*)@", text)) - values.keys())
    if missing:
        sys.exit(f"render.py: {template} needs {', '.join(missing)}")
    text = re.sub(r"@([A-Z][A-Z0-9_]*)@", lambda m: values[m.group(1)], text)
    pathlib.Path(output).write_text(text)


if __name__ == "__main__":
    main(sys.argv)
