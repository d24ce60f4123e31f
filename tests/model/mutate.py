"""Copy an inventory to a temporary directory and edit its YAML as data."""

from __future__ import annotations

import hashlib
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO

Files = dict[str, Any]
Mutation = Callable[[Files], None]


def copy_inventory(dest: Path, source: str = "inventory") -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("hosts.yaml", "groups.yaml", "defaults.yaml"):
        shutil.copy(REPO / source / name, dest / name)
    return dest


def pinned_file(path: Path) -> dict[str, str]:
    """A local manifest entry pinned by the sha256 of the file as it is now."""
    return {"source": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def absolute_manifests(site: dict[str, Any], source: Path) -> None:
    """Local manifest paths are relative to the inventory: keep them valid in a copy
    (entries are a string or `{source: ..., sha256: ...}`)."""

    def fix(entry: Any) -> Any:
        if isinstance(entry, dict) and isinstance(entry.get("source"), str):
            return {**entry, "source": fix(entry["source"])}
        if not isinstance(entry, str) or "://" in entry or Path(entry).is_absolute():
            return entry
        return str((source / entry).resolve())

    cni = site.get("kubernetes", {}).get("cni", {})
    if "manifest" in cni:
        cni["manifest"] = fix(cni["manifest"])
    metallb = site.get("metallb", {})
    if isinstance(metallb.get("manifests"), list):
        metallb["manifests"] = [fix(m) for m in metallb["manifests"]]


def mutated(dest: Path, mutation: Mutation, source: str = "inventory") -> Path:
    copy_inventory(dest, source)
    files = {
        name: yaml.safe_load((dest / f"{name}.yaml").read_text())
        for name in ("hosts", "groups", "defaults")
    }
    absolute_manifests(files["defaults"]["data"]["site"], REPO / source)
    mutation(files)
    for name, data in files.items():
        (dest / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


# ---------------------------------------------------------------- hostile inventories (fuzz)

HOSTILE_STRINGS = (
    "'",
    '"',
    "x'; touch /tmp/PWNED; echo '",
    "$(reboot)",
    "`reboot`",
    "a;b",
    "a\nset system login user x",
    "a\rb",
    "nul\x00byte",
    "\x1b[2J\x1b]0;owned\x07",
    "x[/]",
    "[bold red]markup[/]",
    "\u202eevil",
    "zero\u200bwidth",
    "ünïcødé-名前",
    "🙂",
    "",
    " ",
    "-rf",
    "--help",
    "../../../../etc/passwd",
    "~nosuchuser-bgplb/x",
    "%s%n%x",
    "{{ 7*7 }}",
    "a" * 5000,
    "192.168.1.1",
    "0.0.0.0/0",
    "http://example.com/x.yaml",
    "ftp://example.com/x.yaml",
    "file:///etc/shadow",
    "true",
    "4294967296",
)


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


HOSTILE_SCALARS: tuple[Any, ...] = (
    True,
    False,
    None,
    0,
    -1,
    4294967295,
    2**64,
    10**300,
    1e308,
    float("inf"),
    float("nan"),
    0.5,
    [],
    {},
    _nested(40),
    {"password": "inline"},
    ["$(reboot)"],
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indexes) to a value inside nested mappings and lists."""
    out = [path] if path else []
    if isinstance(value, dict):
        for key, sub in value.items():
            out += _paths(sub, (*path, key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            out += _paths(sub, (*path, index))
    return out


def _container(files: Files, path: tuple[Any, ...]) -> Any:
    node: Any = files
    for part in path[:-1]:
        node = node[part]
    return node


def hostile_mutation(rng: random.Random) -> Mutation:
    """One random edit of the inventory's data: a value, a key or a host name made hostile,
    a hostile entry added, or a key removed."""
    kind = rng.choice(("value", "value", "key", "host", "add", "drop"))
    hostile: Any = rng.choice(HOSTILE_STRINGS + HOSTILE_SCALARS)

    def mutation(files: Files) -> None:
        paths = _paths(files)
        path = rng.choice([p for p in paths if len(p) > 1])
        parent = _container(files, path)
        last = path[-1]
        if kind == "value":
            parent[last] = hostile
        elif kind == "key" and isinstance(parent, dict):
            parent[str(hostile) if isinstance(hostile, list | dict) else hostile] = parent.pop(last)
        elif kind == "host":
            hosts = files["hosts"]
            name = rng.choice(list(hosts))
            hosts[rng.choice(HOSTILE_STRINGS)] = hosts.pop(name)
        elif kind == "add" and isinstance(parent, dict):
            parent[rng.choice(HOSTILE_STRINGS) or "k"] = hostile
        elif isinstance(parent, dict):
            del parent[last]
        else:
            parent[last] = hostile

    return mutation


def hostile_text(rng: random.Random, text: str) -> str:
    """One random edit of a file's YAML text: aliases, nesting, duplicates, binary, truncation."""
    depth = rng.randint(5, 9)
    laughs = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    laughs += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, depth + 1)]
    edits = (
        lambda: text + "\n".join(laughs) + "\n",
        lambda: text + "deep: " + "[" * rng.randint(40, 6000) + "]" * 6000 + "\n",
        lambda: text + "deep: " + "- " * rng.randint(40, 3000) + "x\n",
        lambda: text + "self: &self [*self]\n",
        lambda: text + "merge: &m {a: 1}\nagain:\n  <<: [*m, *m]\n",
        lambda: text + text,  # every top-level key twice
        lambda: text[: rng.randint(0, len(text))],
        lambda: text.replace(":", ": !!python/object/apply:os.system ['true']", 1),
        lambda: text + "big: " + "9" * rng.randint(20, 6000) + "\n",
        lambda: text + "when: 2021-02-30\n",
        lambda: text.replace("  ", "\t", 1),
        lambda: "\ufeff" + text,
        lambda: text + "\x00\x01\x02\n",
        lambda: text + "---\nsecond: document\n",
        lambda: "".join(rng.choice(text) for _ in range(rng.randint(1, 400))),
    )
    return rng.choice(edits)()


def write_hostile_inventory(dest: Path, seed: int) -> Path:
    """Inventory `seed`: the reference or the twin inventory, edited as data (most seeds) or as
    text (every fourth), always the same for the same seed."""
    rng = random.Random(seed)
    source = rng.choice(("inventory", "inventory/lab"))
    if seed % 4 == 3:
        mutated(dest, lambda _files: None, source)  # local manifest paths kept valid
        name = rng.choice(("hosts.yaml", "groups.yaml", "defaults.yaml"))
        path = dest / name
        path.write_bytes(hostile_text(rng, path.read_text()).encode("utf-8", "surrogatepass"))
        return dest
    mutations = [hostile_mutation(rng) for _ in range(rng.randint(1, 3))]

    def all_of(files: Files) -> None:
        for mutation in mutations:
            mutation(files)

    return mutated(dest, all_of, source)


TWIN_STATE = "/var/tmp/bgplab"


def relocated_twin(source: Path, dest: Path, state_dir: Path) -> Path:
    """A copy of the twin's inventory at `dest` whose every twin path (state dir, kubeconfig,
    known_hosts, keys) lives under `state_dir` instead of /var/tmp/bgplab; local manifests
    made absolute."""
    dest.mkdir(parents=True)
    for name in ("hosts.yaml", "groups.yaml"):
        text = (source / name).read_text()
        (dest / name).write_text(text.replace(TWIN_STATE, str(state_dir)))
    text = (source / "defaults.yaml").read_text().replace(TWIN_STATE, str(state_dir))
    defaults = yaml.safe_load(text)
    absolute_manifests(defaults["data"]["site"], source)
    (dest / "defaults.yaml").write_text(yaml.safe_dump(defaults, sort_keys=False))
    return dest
