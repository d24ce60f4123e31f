"""Emulated curl (no packet leaves the machine: the archive table answers) and gpg --dearmor."""

from __future__ import annotations

from lab.ubuntu.context import Ctx, Proc, absolute, write_file
from lab.ubuntu.getopt import OptionError, getopt
from lab.upstream_archive import BINARY, fetch


def curl(ctx: Ctx, argv: list[str]) -> Proc:
    try:
        p = getopt(
            argv[1:],
            "fsSLo:",
            ("fail", "silent", "show-error", "location", "output="),
        )
    except OptionError as exc:
        text = str(exc).replace("invalid option -- ", "option -").replace("'", "")
        return Proc(
            stderr=f"curl: {text}: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n",  # noqa: E501
            rc=2,
        )
    silent, show = p.has("-s", "--silent"), p.has("-S", "--show-error")

    def fail(code: int, message: str) -> Proc:
        return Proc(stderr=f"curl: ({code}) {message}\n" if (show or not silent) else "", rc=code)

    if not p.args:
        return Proc(stderr="curl: no URL specified!\n", rc=2)
    url = p.args[0]
    status, body = fetch(url)
    if status == 0:
        host = url.split("/")[2] if "//" in url else url
        return fail(6, f"Could not resolve host: {host}")
    if status >= 400:
        if p.has("-f", "--fail"):
            return fail(22, f"The requested URL returned error: {status}")
        body = "<html><body>404 Not Found</body></html>\n"
    target = p.value("-o", "--output")
    if target is None:
        return Proc(stdout=body)
    why = write_file(ctx, target, body)
    if why:
        msg = f"Warning: Failed to create the file {target}: {why}\n"
        msg += "curl: (23) Failure writing output to destination\n"
        return Proc(stderr=msg if (show or not silent) else "", rc=23)
    return Proc()


def gpg(ctx: Ctx, argv: list[str]) -> Proc:
    try:
        p = getopt(
            argv[1:], "o:", ("dearmor", "enarmor", "yes", "batch", "output=", "quiet"), permute=True
        )
    except OptionError as exc:
        opt = str(exc).split("'")[1] if "'" in str(exc) else str(exc)
        return Proc(stderr=f'gpg: invalid option "{opt}"\n', rc=2)
    if not p.has("--dearmor"):
        return Proc(stderr="gpg: emulator: only --dearmor is emulated\n", rc=2)
    data = ctx.stdin
    if p.args:
        from lab.ubuntu.context import read_file

        content, why = read_file(ctx, p.args[0])
        if content is None:
            return Proc(
                stderr=f"gpg: can't open '{p.args[0]}': {why}\ngpg: dearmoring failed: {why}\n",
                rc=2,
            )
        data = content
    if not data.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----"):
        return Proc(
            stderr="gpg: no valid OpenPGP data found.\ngpg: dearmoring failed: Unknown system error\n",  # noqa: E501
            rc=2,
        )
    body = data.split("\n\n", 1)[1].split("\n-----END", 1)[0] if "\n\n" in data else ""
    binary = BINARY.format(body=body)
    target = p.value("-o", "--output")
    if target is None:
        return Proc(stdout=binary)
    path = absolute(target)
    if path in ctx.state.files and not p.has("--yes"):
        return Proc(stderr="gpg: cannot open '/dev/tty': No such device or address\n", rc=2)
    why = write_file(ctx, target, binary)
    if why:
        return Proc(
            stderr=f"gpg: can't create '{target}': {why}\ngpg: dearmoring failed: {why}\n", rc=2
        )
    return Proc()
