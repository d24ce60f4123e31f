"""What the twin hands its operator, as a real site's admin would get it: host keys and secrets.

The toolkit has one path, a real site's: it trusts only the host keys in the OpenSSH
known_hosts of the user running it (`~/.ssh/known_hosts`, of the HOME in effect) and reads
secrets from environment variables. So after `up` the twin

- scans the SSH host keys of the router and the nodes, as `ssh-keyscan` would (a handshake
  with each server, no login), and puts them in `~/.ssh/known_hosts`, replacing older lines
  for the same addresses and keeping every other line;
- writes `<state>/operator.env` (mode 0600): `export NAME=VALUE` lines for the secrets the
  inventory names (router password, MetalLB memberlist key), to be sourced by the operator;
  its values are never printed.

`forget_host_keys` removes the twin's lines again (`down --purge`). Tests point HOME at a
temporary directory, so a real user's files are never touched by them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import shlex
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from ipaddress import IPv4Address
from pathlib import Path

import asyncssh

from bgplb.errors import LabError
from bgplb.model import Site
from lab.credentials import PASSWORD_ENV, memberlist_key, router_password, write_private
from lab.state import LabPaths

SSH_PORT = 22
SCAN_TIMEOUT_S = 10.0


def user_known_hosts() -> Path:
    """The OpenSSH per-user known_hosts of the HOME in effect (what paramiko loads too)."""
    return Path(os.path.expanduser("~")) / ".ssh" / "known_hosts"


def host_pattern(address: IPv4Address | str, port: int = SSH_PORT) -> str:
    """known_hosts' name for an address: `ADDR`, or `[ADDR]:PORT` off port 22."""
    return str(address) if port == SSH_PORT else f"[{address}]:{port}"


def _names_match(field: str, names: set[str]) -> bool:
    """Does a known_hosts name field (plain or `|1|salt|hash` hashed entries) name any of
    `names`? Negated (`!`) and wildcard patterns never match: they are not ours."""
    for entry in field.split(","):
        if entry in names:
            return True
        if entry.startswith("|1|"):
            parts = entry.split("|")
            if len(parts) != 4:
                continue
            try:
                salt, digest = base64.b64decode(parts[2]), base64.b64decode(parts[3])
            except ValueError:
                continue
            for name in names:
                mac = hmac.new(salt, name.encode(), hashlib.sha1).digest()
                if hmac.compare_digest(mac, digest):
                    return True
    return False


def merge_known_hosts(text: str, lines: Iterable[str]) -> str:
    """`text` with every line naming one of the new lines' hosts dropped, the new ones added."""
    new = [ln.strip() for ln in lines if ln.strip()]
    names = {name for ln in new for name in ln.split(" ", 1)[0].split(",")}
    kept = [
        ln
        for ln in text.splitlines()
        if ln.startswith("#") or not ln.strip() or not _names_match(ln.split(" ", 1)[0], names)
    ]
    return "".join(f"{ln}\n" for ln in [*kept, *new])


def drop_known_hosts(text: str, names: set[str], keys: set[str]) -> str:
    """`text` without the lines naming one of `names` with one of `keys` (`TYPE BASE64`)."""
    kept = []
    for ln in text.splitlines():
        fields = ln.split()
        ours = (
            len(fields) >= 3
            and not ln.startswith("#")
            and _names_match(fields[0], names)
            and f"{fields[1]} {fields[2]}" in keys
        )
        if not ours:
            kept.append(ln)
    return "".join(f"{ln}\n" for ln in kept)


def _write_user_file(path: Path, text: str) -> None:
    """Atomically (temp file, fsync, rename), ~/.ssh 0700 and the file 0600 as OpenSSH wants."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


async def _scan_one(address: str, port: int, timeout: float) -> str:
    key = await asyncio.wait_for(asyncssh.get_server_host_key(address, port), timeout)
    if key is None:
        raise LabError(f"{address}:{port} presented no host key")
    kind, body = key.export_public_key("openssh").decode().split()[:2]
    return f"{host_pattern(address, port)} {kind} {body}"


def scan_host_keys(
    targets: Iterable[tuple[str, int]], timeout: float = SCAN_TIMEOUT_S
) -> list[str]:
    """known_hosts lines of the SSH servers at (address, port), scanned in parallel, in order."""

    async def scan() -> list[str | BaseException]:
        jobs = [_scan_one(a, p, timeout) for a, p in targets]
        return list(await asyncio.gather(*jobs, return_exceptions=True))

    lines = []
    for (address, port), got in zip(targets, asyncio.run(scan()), strict=True):
        if isinstance(got, BaseException):
            raise LabError(f"host key scan of {address}:{port} failed: {got!r}")
        lines.append(got)
    return lines


def ssh_targets(site: Site) -> list[tuple[str, int]]:
    """The twin's SSH servers: the router and the nodes, at their inventory addresses."""
    logins = [site.router.login, *(n.login for n in site.nodes)]
    return [(str(login.address), login.port or SSH_PORT) for login in logins]


def trust_host_keys(lines: Iterable[str], known_hosts: Path | None = None) -> Path:
    """Put `lines` in the user's known_hosts (older lines for those hosts replaced)."""
    path = known_hosts or user_known_hosts()
    text = path.read_text() if path.exists() else ""
    _write_user_file(path, merge_known_hosts(text, lines))
    return path


def forget_host_keys(paths: LabPaths, site: Site, known_hosts: Path | None = None) -> None:
    """Remove the twin's lines (its addresses with its own host keys) from the user's file."""
    path = known_hosts or user_known_hosts()
    if not path.exists():
        return
    keys = set()
    for key_file in [paths.host_key, *sorted(paths.ubuntu_dir.glob("*_host_key"))]:
        if key_file.exists():
            public = asyncssh.read_private_key(str(key_file)).export_public_key("openssh")
            keys.add(" ".join(public.decode().split()[:2]))
    names = {host_pattern(a, p) for a, p in ssh_targets(site)}
    _write_user_file(path, drop_known_hosts(path.read_text(), names, keys))


def operator_env(site: Site, paths: LabPaths) -> dict[str, str]:
    """The environment the inventory's secret references need, with the twin's values."""
    password_env = site.router.login.credentials.password_env or PASSWORD_ENV
    env = {password_env: router_password(paths, password_env)}
    if site.metallb.memberlist_secret_env:
        name = site.metallb.memberlist_secret_env
        env[name] = memberlist_key(paths, name)
    return env


def env_file(paths: LabPaths) -> Path:
    return paths.root / "operator.env"


def render_env(env: Mapping[str, str]) -> str:
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in sorted(env.items()))


def read_env_file(path: Path) -> dict[str, str]:
    """What sourcing the env file exports (as `. FILE` would in a shell)."""
    env = {}
    for line in path.read_text().splitlines():
        words = shlex.split(line)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, value = words[1].split("=", 1)
            env[name] = value
    return env


def hand_over(site: Site, paths: LabPaths) -> tuple[Path, Path]:
    """Host keys into the user's known_hosts and the env file written: (known_hosts, env)."""
    known_hosts = trust_host_keys(scan_host_keys(ssh_targets(site)))
    env = env_file(paths)
    write_private(env, render_env(operator_env(site, paths)).encode())
    return known_hosts, env


@contextmanager
def operator_session(site: Site) -> Iterator[Path]:
    """A private operator (benchmarks): HOME a temporary directory, whose ~/.ssh/known_hosts
    the twin's `up` fills, and the twin's secrets in os.environ; both restored afterwards."""
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="twin-operator-") as home:
        try:
            os.environ["HOME"] = home
            os.environ.update(operator_env(site, LabPaths.of(site)))
            yield Path(home)
        finally:
            os.environ.clear()
            os.environ.update(saved)
