"""mkdocs hooks: the CLI and config reference pages are generated from the code at build time,
so they cannot drift from it: ``<!-- cli-reference -->`` becomes every subcommand's flags (read
from its absl definitions in a fresh process), ``<!-- config-reference -->`` every config field
with the comment that documents it in ``tf_nst/config/__init__.py``. Named in ``mkdocs.yml``."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_FLAGS_SCRIPT = r"""
import importlib, json, sys
from absl import flags
module = importlib.import_module("tf_nst.cli." + sys.argv[1])
rows = []
for name in ("tf_nst.cli." + sys.argv[1], "tf_nst.cli.common"):
    for flag in flags.FLAGS.flags_by_module_dict().get(name, []):
        default = flag.default_as_str if flag.default is not None else ""
        rows.append([flag.name, default.strip("'"), " ".join(flag.help.split())])
print(json.dumps({"doc": (module.__doc__ or "").strip(), "flags": sorted(rows)}))
"""


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _in_checkout(script: str, *args: str) -> str:
    """Run ``script`` in a fresh Python in the checkout (its tf_nst, not an installed copy); its last line."""
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True,
                            cwd=ROOT)
    return result.stdout.strip().splitlines()[-1]


def cli_reference() -> str:
    subcommands = json.loads(_in_checkout("import json; from tf_nst.cli.main import SUBCOMMANDS; "
                                          "print(json.dumps(SUBCOMMANDS))"))
    parts = []
    for command, summary in subcommands.items():
        info = json.loads(_in_checkout(_FLAGS_SCRIPT, command))
        parts.append(f"## `tf-nst {command}`\n\n{summary}.\n\n```text\n{info['doc']}\n```\n")
        parts.append("| flag | default | meaning |\n|---|---|---|")
        parts.extend(f"| `--{name}` | `{_escape(default)}` | {_escape(text)} |" for name, default, text in info["flags"])
        parts.append("")
    return "\n".join(parts)


def config_reference() -> str:
    """Per config-building function of tf_nst.config, each field it sets with the comment above it."""
    source = (ROOT / "tf_nst" / "config" / "__init__.py").read_text()
    lines = source.splitlines()
    parts = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith(("validate", "check", "load", "resolve",
                                                                          "steps", "preset")):
            continue
        rows, comment, after_field = [], [], False
        for line_number in range(node.lineno, node.end_lineno + 1):
            line = lines[line_number - 1].strip()
            if line.startswith("#"):  # a comment documents the fields that follow it, up to a blank line
                comment = ([] if after_field else comment) + [line.lstrip("# ")]
                after_field = False
            elif line.startswith("config.") and "=" in line.split("(")[0]:
                field, value = (part.strip() for part in line[len("config."):].split("=", 1))
                rows.append((field, value, " ".join(comment)))
                after_field = True
            elif not line:
                comment, after_field = [], False
        if rows:
            doc = ast.get_docstring(node) or ""
            parts.append(f"## `{node.name}()`\n\n{doc}\n\n| field | default | meaning |\n|---|---|---|")
            parts.extend(f"| `{field}` | `{_escape(value)}` | {_escape(text)} |" for field, value, text in rows)
            parts.append("")
    return "\n".join(parts)


def on_page_markdown(markdown: str, page, config, files) -> str:
    if "<!-- cli-reference -->" in markdown:
        markdown = markdown.replace("<!-- cli-reference -->", cli_reference())
    if "<!-- config-reference -->" in markdown:
        markdown = markdown.replace("<!-- config-reference -->", config_reference())
    return markdown
