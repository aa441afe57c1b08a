#!/usr/bin/env python3
"""python-dotenv's reading of .env files, as JSON, for coffer's differential test.

    python scripts/dotenv_diff.py FILE...

prints one JSON object: {FILE: {"values": dotenv_values(FILE, interpolate=False),
"errors": [lines]}} where "errors" lists, for each statement python-dotenv could not parse
(it logs a warning and drops it), the line the statement starts on. python-dotenv's own warning
names the line after the previous statement; blank lines before the statement are added here so
that it names the statement's first line, as coffer does. Used by
crates/coffer-model/tests/dotenv.rs (run with the venv python of scripts/test.sh).
"""
import importlib.metadata
import json
import logging
import sys

from dotenv import dotenv_values
from dotenv.parser import parse_stream


def error_lines(path):
    out = []
    with open(path, encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            if binding.error:
                text = binding.original.string
                lead = text[: len(text) - len(text.lstrip())]
                out.append(binding.original.line + lead.count("\n"))
    return out


def main(paths):
    logging.disable(logging.WARNING)  # the warnings are reported as "errors" instead
    result = {"python-dotenv": importlib.metadata.version("python-dotenv")}
    files = {}
    for path in paths:
        files[path] = {
            "values": dotenv_values(path, interpolate=False),
            "errors": error_lines(path),
        }
    result["files"] = files
    json.dump(result, sys.stdout, ensure_ascii=True, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
