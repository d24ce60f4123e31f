"""The reference lab write-up, as the verbatim excerpts kept in tests/fixtures/write_up/
(their README names each one's lines in ../shared/seed/000_d49ef959e28c536f.txt)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

EXCERPTS = Path(__file__).resolve().parent / "fixtures" / "write_up"
FILES = (
    "kubeadm-init.txt",
    "metallb-cm.txt",
    "show-version.txt",
    "show-configuration-commands.txt",
    "nginx-yaml.txt",
)


def write_up() -> str:
    """The excerpts in the write-up's order; each begins at a prompt line."""
    return "".join((EXCERPTS / name).read_text() for name in FILES)


def write_up_file(name: str) -> dict[str, Any]:
    """The YAML the write-up shows with `cat NAME`, up to the next shell prompt."""
    match = re.search(rf"\$ cat {re.escape(name)}\n(.*?)\n\S*\$(?: |\n)", write_up(), re.S)
    assert match, f"write-up has no `cat {name}`"
    doc = yaml.safe_load(match.group(1))
    assert isinstance(doc, dict)
    return doc


def vyos_block(command: str) -> str:
    """The router's output of `vyos@vyos:~$ COMMAND`, up to the next prompt (not included)."""
    m = re.search(rf"vyos@vyos:~\$ {re.escape(command)}\n(.*?)vyos@vyos:~\$", write_up(), re.S)
    assert m, f"write-up has no `{command}` block"
    return m.group(1)
