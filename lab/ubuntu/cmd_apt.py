"""Emulated apt-get, apt-mark and dpkg-query over the node's package state and the archive."""

from __future__ import annotations

import re

from lab.ubuntu.cmd_system import install_units
from lab.ubuntu.context import Ctx, Proc
from lab.ubuntu.debversion import compare, newest
from lab.ubuntu.getopt import OptionError, getopt
from lab.ubuntu.node_state import Package
from lab.upstream_archive import fetch, repo_at, ubuntu_archive

DEPENDS = {"kubeadm": ("cri-tools",), "kubelet": ("kubernetes-cni",), "containerd": ("runc",)}
NOT_UNDERSTOOD = (
    "E: Command line option {0} is not understood in combination with the other options.\n"
)


def _apt_error(exc: OptionError) -> Proc:
    m = re.search(r"-- '(.)'", str(exc))
    opt = f"'{m.group(1)}' [from -{m.group(1)}]" if m else str(exc).split("'")[1]
    return Proc(stderr=NOT_UNDERSTOOD.format(opt), rc=100)


def _source_lines(ctx: Ctx) -> list[tuple[str, str | None]]:
    """(base URI, signed-by keyring or None) of every `deb` line apt reads."""
    listed = (
        f for f in ctx.state.files if re.fullmatch(r"/etc/apt/sources\.list\.d/[^/]+\.list", f)
    )
    files = ["/etc/apt/sources.list", *sorted(listed)]
    out = []
    for f in files:
        for line in ctx.state.files[f].content.splitlines() if f in ctx.state.files else []:
            m = re.match(r"^deb\s+(?:\[(?P<opts>[^\]]*)\]\s+)?(?P<uri>\S+)\s+\S+", line.strip())
            if not m:
                continue
            opts = dict(o.split("=", 1) for o in (m.group("opts") or "").split() if "=" in o)
            out.append((m.group("uri"), opts.get("signed-by")))
    return out


def _update(ctx: Ctx) -> Proc:
    if not ctx.root:
        return Proc(
            "Reading package lists... Done\n",
            "E: Could not open lock file /var/lib/apt/lists/lock - open (13: Permission denied)\n"
            "E: Unable to lock directory /var/lib/apt/lists/\n",
            100,
        )
    rel = ctx.state.release
    index: dict[str, list[str]] = {
        k: list(v) for k, v in ubuntu_archive(rel.packages, rel.apt_version).packages.items()
    }
    index |= {name: [version] for name, version in rel.archive.items()}
    out, err = "", ""
    for n, (uri, keyring) in enumerate(_source_lines(ctx), start=1):
        if "archive.ubuntu.com" in uri:
            out += f"Hit:{n} {uri} InRelease\n"
            continue
        repo = repo_at(uri)
        host = re.sub(r"^https?://([^/]+).*$", r"\1", uri)
        if repo is None:
            status, _ = fetch(uri + "InRelease")
            if status == 0:
                out += f"Err:{n} {uri}  InRelease\n  Could not resolve '{host}'\n"
                err += f"W: Failed to fetch {uri}InRelease  Could not resolve '{host}'\n"
                continue
            out += f"Err:{n} {uri}  InRelease\n  404  Not Found\n"
            err += f"E: The repository '{uri}  InRelease' does not have a Release file.\n"
            continue
        key = ctx.state.files.get(keyring or "")
        if keyring is None or key is None or not key.content.startswith("OPENPGP-BINARY-KEYRING"):
            out += f"Get:{n} {uri}  InRelease [1,186 B]\nErr:{n} {uri}  InRelease\n"
            why = "are ignored as the file has an unsupported filetype" if key else "NO_PUBKEY"
            err += f"W: GPG error: {uri}  InRelease: The following signatures couldn't be verified: {why}\n"  # noqa: E501
            err += f"E: The repository '{uri}  InRelease' is not signed.\n"
            continue
        out += f"Get:{n} {uri}  InRelease [1,186 B]\n"
        for name, versions in repo.packages.items():
            index.setdefault(name, [])
            index[name] += [v for v in versions if v not in index[name]]
    out += "Reading package lists... Done\n"
    ok = "E: " not in err
    if ok:
        ctx.state.apt_index = index
    return Proc(out, err, 0 if ok else 100)


def _install(ctx: Ctx, names: list[str], p_yes: bool, allow_held: bool, allow_down: bool) -> Proc:
    head = "Reading package lists...\nBuilding dependency tree...\nReading state information...\n"
    if not ctx.root:
        return Proc(
            "",
            "E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission "
            "denied)\n"
            "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you "
            "root?\n",
            100,
        )
    st = ctx.state
    plan: dict[str, str] = {}
    for spec in names:
        name, _, version = spec.partition("=")
        available = st.apt_index.get(name)
        if not available:
            return Proc(head, f"E: Unable to locate package {name}\n", 100)
        if version and version not in available:
            return Proc(head, f"E: Version '{version}' for '{name}' was not found\n", 100)
        plan[name] = version or newest(available)
        for dep in DEPENDS.get(name, ()):
            if dep not in st.packages and st.apt_index.get(dep):
                plan.setdefault(dep, newest(st.apt_index[dep]))
    out = head
    changes = {n: v for n, v in plan.items() if n not in st.packages or st.packages[n].version != v}
    for n, v in plan.items():
        if n not in changes:
            out += f"{n} is already the newest version ({v}).\n"
    if not changes:
        return Proc(out + "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n")
    held = [n for n in changes if n in st.packages and st.packages[n].held]
    if held and not allow_held:
        out += "The following held packages will be changed:\n  " + " ".join(held) + "\n"
        return Proc(
            out,
            "E: Held packages were changed and -y was used without --allow-change-held-packages.\n",
            100,
        )
    down = [
        n for n, v in changes.items() if n in st.packages and compare(v, st.packages[n].version) < 0
    ]
    if down and not allow_down:
        out += "The following packages will be DOWNGRADED:\n  " + " ".join(down) + "\n"
        return Proc(
            out, "E: Packages were downgraded and -y was used without --allow-downgrades.\n", 100
        )
    new = [n for n in changes if n not in st.packages]
    if new:
        out += "The following NEW packages will be installed:\n  " + " ".join(new) + "\n"
    upgraded = len(changes) - len(new) - len(down)
    out += f"{upgraded} upgraded, {len(new)} newly installed, {len(down)} downgraded, 0 to remove and 0 not upgraded.\n"  # noqa: E501
    if not p_yes:
        return Proc(out + "Do you want to continue? [Y/n] Abort.\n", "", 1)
    for n, v in changes.items():
        out += f"Setting up {n} ({v}) ...\n"
        held_before = st.packages[n].held if n in st.packages else False
        st.packages[n] = Package(v, held_before)
        install_units(ctx, n)
        for binary in ("kubeadm", "kubelet", "kubectl"):
            if n == binary:
                st.mkdir("/usr/bin")
                st.write(f"/usr/bin/{binary}", "ELF", mode=0o755)
    return Proc(out)


def apt_get(ctx: Ctx, argv: list[str]) -> Proc:
    try:
        p = getopt(
            argv[1:],
            "yqs",
            (
                "yes",
                "assume-yes",
                "quiet",
                "allow-change-held-packages",
                "allow-downgrades",
                "no-install-recommends",
                "simulate",
            ),
        )
    except OptionError as exc:
        return _apt_error(exc)
    if not p.args:
        return Proc(stdout="apt 2.0.5 (amd64)\nUsage: apt-get [options] command\n", rc=1)
    verb = p.args[0]
    if verb == "update":
        return _update(ctx)
    if verb == "install":
        return _install(
            ctx,
            p.args[1:],
            p.has("-y", "--yes", "--assume-yes"),
            p.has("--allow-change-held-packages"),
            p.has("--allow-downgrades"),
        )
    return Proc(stderr=f"E: Invalid operation {verb}\n", rc=100)


def apt_mark(ctx: Ctx, argv: list[str]) -> Proc:
    try:
        p = getopt(argv[1:], "q", ("quiet",))
    except OptionError as exc:
        return _apt_error(exc)
    if not p.args:
        return Proc(stderr="E: No operation specified\n", rc=100)
    verb, names = p.args[0], p.args[1:]
    st = ctx.state
    if verb == "showhold":
        held = sorted(n for n, pkg in st.packages.items() if pkg.held and (not names or n in names))
        return Proc(stdout="".join(f"{n}\n" for n in held))
    if verb not in ("hold", "unhold"):
        return Proc(stderr=f"E: Invalid operation {verb}\n", rc=100)
    if not names:
        return Proc(stderr="E: No packages found\n", rc=100)
    unknown = [n for n in names if n not in st.packages and n not in st.apt_index]
    if unknown:
        return Proc(stderr=f"E: Unable to locate package {unknown[0]}\n", rc=100)
    if not ctx.root:
        return Proc(
            stderr="E: Could not create temporary file for /var/lib/apt/extended_states - mkstemp "
            "(13: Permission denied)\nE: Failed to write temporary StateFile "
            "/var/lib/apt/extended_states\n",
            rc=100,
        )
    out = ""
    for n in names:
        pkg = st.packages.get(n)
        want = verb == "hold"
        if pkg is None:
            out += f"{n} set on hold.\n" if want else f"{n} was already not hold.\n"
            continue
        if pkg.held == want:
            out += f"{n} was already set on hold.\n" if want else f"{n} was already not hold.\n"
        else:
            pkg.held = want
            out += f"{n} set on hold.\n" if want else f"Canceled hold on {n}.\n"
    return Proc(out)


def _format(fmt: str, name: str, pkg: Package | None) -> str:
    fields = {
        "Package": name,
        "binary:Package": name,
        "Status": f"{'hold' if pkg and pkg.held else 'install'} ok installed",
        "Version": pkg.version if pkg else "",
        "db:Status-Abbrev": "hi " if pkg and pkg.held else "ii ",
    }
    text = re.sub(r"\$\{([^}]+)\}", lambda m: fields.get(m.group(1), ""), fmt)
    return text.replace("\\n", "\n").replace("\\t", "\t")


def dpkg_query(ctx: Ctx, argv: list[str]) -> Proc:
    help_hint = "\nUse --help for help about querying packages.\n"
    try:
        p = getopt(argv[1:], "Wf:ls", ("show", "showformat=", "list", "status"))
    except OptionError as exc:
        m = re.search(r"'(.+)'", str(exc))
        bad = f"-{m.group(1)}" if m and "invalid" in str(exc) else (m.group(1) if m else "")
        return Proc(stderr=f"dpkg-query: error: unknown option {bad}\n{help_hint}", rc=2)
    if not p.has("-W", "--show"):
        return Proc(stderr=f"dpkg-query: error: need an action option\n{help_hint}", rc=2)
    short = p.value("-f")
    fmt = (
        short.removeprefix("=") if short is not None else p.value("--showformat")
    ) or "${binary:Package}\\t${Version}\\n"
    # dpkg walks its database in package-name order: the output is sorted, not as asked
    err = "".join(
        f"dpkg-query: no packages found matching {n}\n"
        for n in p.args
        if n not in ctx.state.packages
    )
    found = sorted({n for n in p.args if n in ctx.state.packages})
    out = "".join(_format(fmt, n, ctx.state.packages[n]) for n in found)
    return Proc(out, err, 1 if err else 0)
