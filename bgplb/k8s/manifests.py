"""Multi-document manifests read from a URL or a local file, ordered for apply.

`load_manifest` is the only function here that does I/O; the rest is pure.
Air-gapped sites list local paths (absolute, or relative to the inventory directory) or
file:// URLs instead of the upstream https:// URLs. The inventory's validation
(bgplb/model/checks.py, check_manifests) decides which sources are allowed; a manifest pinned
by `sha256` is checked here, on the bytes read, before it is parsed.
"""

from __future__ import annotations

import hashlib
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bgplb.errors import InputError
from bgplb.model import Site
from bgplb.model.safe_yaml import MANIFEST_LIMITS, YamlRefused, parse_yaml_all
from bgplb.model.specs import Manifest

Doc = dict[str, Any]
MAX_BYTES = 16 * 1024 * 1024
FIRST_KINDS = ("Namespace", "CustomResourceDefinition")


def parse_documents(text: str, source: str) -> list[Doc]:
    """Every non-empty document; `kind: ...List` documents are expanded into their items."""
    try:
        raw = parse_yaml_all(text, MANIFEST_LIMITS)
    except YamlRefused as exc:
        raise InputError(f"{source}: not YAML: {exc}") from None
    out: list[Doc] = []
    for i, doc in enumerate(raw):
        if doc is None:
            continue
        if not isinstance(doc, dict) or "apiVersion" not in doc or "kind" not in doc:
            raise InputError(f"{source}: document {i + 1} is not a Kubernetes object")
        if str(doc["kind"]).endswith("List") and isinstance(doc.get("items"), list):
            out.extend(doc["items"])
        else:
            out.append(doc)
    for doc in out:
        if not (doc.get("metadata") or {}).get("name"):
            raise InputError(f"{source}: {doc.get('kind')} without metadata.name")
    return out


def resolve_source(source: str, base_dir: Path | None) -> str:
    """An http(s):// or file:// URL, or an absolute path (relative paths: from base_dir)."""
    scheme = urlsplit(source).scheme
    if scheme in ("http", "https", "file"):
        return source
    if scheme:
        raise InputError(f"manifest {source!r}: only http(s)://, file:// or a path")
    path = Path(source).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return str(path)


def load_manifest(
    manifest: Manifest | str, base_dir: Path | None = None, timeout: float = 30.0
) -> list[Doc]:
    """Read one manifest from a URL or a file, check its sha256 when pinned, and parse it."""
    pinned = manifest.sha256 if isinstance(manifest, Manifest) else None
    source = str(manifest)
    where = resolve_source(source, base_dir)
    scheme = urlsplit(where).scheme
    try:
        if scheme in ("http", "https", "file"):
            with urllib.request.urlopen(where, timeout=timeout) as response:
                data = response.read(MAX_BYTES + 1)
        else:
            data = Path(where).read_bytes()
    except OSError as exc:
        raise InputError(f"manifest {source}: cannot read: {exc}") from None
    if len(data) > MAX_BYTES:
        raise InputError(f"manifest {source}: larger than {MAX_BYTES} bytes")
    check_sha256(data, pinned, source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"manifest {source}: not UTF-8 text: {exc}") from None
    return parse_documents(text, source)


def check_sha256(data: bytes, pinned: str | None, source: str) -> None:
    """A pinned manifest must be exactly the pinned bytes."""
    if pinned is None:
        return
    actual = hashlib.sha256(data).hexdigest()
    if actual != pinned:
        raise InputError(
            f"manifest {source}: sha256 {actual} does not match the pinned sha256 {pinned} "
            "(changed upstream, or not the file the inventory names)"
        )


def order_for_apply(docs: Iterable[Doc]) -> list[Doc]:
    """Namespaces, then CRDs, then everything else, each in its original order."""
    docs = list(docs)
    first = [[d for d in docs if d["kind"] == kind] for kind in FIRST_KINDS]
    rest = [d for d in docs if d["kind"] not in FIRST_KINDS]
    return [*first[0], *first[1], *rest]


def ref(doc: Doc) -> str:
    """kind/name or kind/namespace/name: how reports name an object."""
    meta = doc.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{doc['kind']}/{ns}/{meta['name']}" if ns else f"{doc['kind']}/{meta['name']}"


def crd_names(docs: Iterable[Doc]) -> list[str]:
    return [d["metadata"]["name"] for d in docs if d["kind"] == "CustomResourceDefinition"]


def deployments(docs: Iterable[Doc]) -> list[tuple[str, str]]:
    """(namespace, name) of every Deployment, to wait for."""
    return [
        (d["metadata"].get("namespace", "default"), d["metadata"]["name"])
        for d in docs
        if d["kind"] == "Deployment"
    ]


class _Dumper(yaml.SafeDumper):
    """Block style, multi-line strings as `|` literals, no anchors: for people and golden files."""

    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render_yaml(docs: Iterable[Doc]) -> str:
    return yaml.dump_all(list(docs), Dumper=_Dumper, sort_keys=False, default_flow_style=False)


def site_manifests(site: Site) -> dict[str, list[Manifest]]:
    """Component -> manifests pinned in the inventory, in install order."""
    return {"cni": [site.kubernetes.cni.manifest], "metallb": list(site.metallb.manifests)}
