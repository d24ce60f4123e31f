"""Emulated coreutils, grep and sed: the subset bootstrap and kubeadm tasks send."""

from __future__ import annotations

import re

from lab.ubuntu.context import Ctx, Proc, absolute, read_file, write_file
from lab.ubuntu.getopt import OptionError, getopt

SedOp = tuple[re.Pattern[str] | None, str, tuple[re.Pattern[str], str, bool] | None]
TRY = "Try '{0} --help' for more information.\n"


def _bad(prog: str, exc: OptionError, rc: int = 1, usage: str = "") -> Proc:
    return Proc(stderr=f"{prog}: {exc}\n{usage}{TRY.format(prog)}", rc=rc)


def _escapes(text: str) -> str:
    table = {"n": "\n", "t": "\t", "\\": "\\", "a": "\a", "r": "\r", "0": "\0"}
    return re.sub(r"\\(.)", lambda m: table.get(m.group(1), "\\" + m.group(1)), text)


def echo(ctx: Ctx, argv: list[str]) -> Proc:  # noqa: ARG001
    args = argv[1:]
    newline, interpret = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        newline = newline and "n" not in args[0]
        interpret = "e" in args[0] or (interpret and "E" not in args[0])
        args = args[1:]
    text = " ".join(args)
    return Proc(stdout=(_escapes(text) if interpret else text) + ("\n" if newline else ""))


def printf(ctx: Ctx, argv: list[str]) -> Proc:  # noqa: ARG001
    if len(argv) < 2:
        return Proc(stderr="bash: printf: usage: printf [-v var] format [arguments]\n", rc=2)
    fmt, args = _escapes(argv[1]), argv[2:]
    count = max(1, fmt.count("%s")) if "%s" in fmt else 0
    out = ""
    while True:
        chunk, args_used = fmt, args[:count] if count else []
        for a in args_used + [""] * (count - len(args_used)):
            chunk = chunk.replace("%s", a.replace("%", "\0"), 1)
        out += chunk.replace("%%", "%").replace("\0", "%")
        args = args[count:] if count else []
        if not args:
            break
    return Proc(stdout=out)


def cat(ctx: Ctx, argv: list[str]) -> Proc:
    try:
        p = getopt(argv[1:], "nAvE", ("number", "show-all"))
    except OptionError as exc:
        return _bad("cat", exc)
    out, err, rc = "", "", 0
    for name in p.args or ["-"]:
        if name == "-":
            out += ctx.stdin
            continue
        content, why = read_file(ctx, name)
        if content is None:
            err += f"cat: {name}: {why}\n"
            rc = 1
        else:
            out += content
    return Proc(out, err, rc)


def tee(ctx: Ctx, argv: list[str]) -> Proc:
    try:
        p = getopt(argv[1:], "ai", ("append", "ignore-interrupts"))
    except OptionError as exc:
        return _bad("tee", exc)
    err, rc = "", 0
    for name in p.args:
        why = write_file(ctx, name, ctx.stdin, append=p.has("-a", "--append"))
        if why:
            err += f"tee: {name}: {why}\n"
            rc = 1
    return Proc(ctx.stdin, err, rc)


_CLASSES = {
    "[:space:]": r"\s",
    "[:digit:]": r"\d",
    "[:alnum:]": "a-zA-Z0-9",
    "[:alpha:]": "a-zA-Z",
    "[:upper:]": "A-Z",
    "[:lower:]": "a-z",
    "[:blank:]": r" \t",
}


def posix_regex(pattern: str, extended: bool) -> str:
    """A POSIX BRE/ERE (GNU flavour, with \\s \\S \\w) as a Python regex."""
    for cls, py in _CLASSES.items():
        pattern = pattern.replace(cls, py)
    if extended:
        return pattern
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            n = pattern[i + 1]
            out += n if n in "(){}|+?" else "\\" + n
            i += 2
            continue
        out += "\\" + c if c in "(){}|+?" else c
        i += 1
    return out


def grep(ctx: Ctx, argv: list[str]) -> Proc:
    usage = "Usage: grep [OPTION]... PATTERNS [FILE]...\n"
    try:
        p = getopt(
            argv[1:],
            "EFGqcvxwisne:",
            (
                "extended-regexp",
                "fixed-strings",
                "quiet",
                "silent",
                "count",
                "invert-match",
                "line-regexp",
                "word-regexp",
                "ignore-case",
                "no-messages",
                "line-number",
                "regexp=",
            ),
        )
    except OptionError as exc:
        return _bad("grep", exc, 2, usage)
    patterns = [v for o, v in p.opts if o in ("-e", "--regexp") and v is not None]
    args = list(p.args)
    if not patterns:
        if not args:
            return Proc(stderr=usage + TRY.format("grep"), rc=2)
        patterns = [args.pop(0)]
    if p.has("-F", "--fixed-strings"):
        rx = "|".join(re.escape(x) for x in patterns)
    else:
        ext = p.has("-E", "--extended-regexp")
        rx = "|".join(f"(?:{posix_regex(x, ext)})" for x in patterns)
    if p.has("-w", "--word-regexp"):
        rx = rf"(?<!\w)(?:{rx})(?!\w)"
    if p.has("-x", "--line-regexp"):
        rx = rf"^(?:{rx})$"
    try:
        compiled = re.compile(rx, re.I if p.has("-i", "--ignore-case") else 0)
    except re.error as exc:
        return Proc(stderr=f"grep: {exc}\n", rc=2)
    invert, quiet = p.has("-v", "--invert-match"), p.has("-q", "--quiet", "--silent")
    sources = args or ["-"]
    out, err, found, errors = "", "", False, False
    for name in sources:
        text, why = (ctx.stdin, "") if name == "-" else read_file(ctx, name)
        if text is None:
            errors = True
            if not p.has("-s", "--no-messages"):
                err += f"grep: {name}: {why}\n"
            continue
        hits = [ln for ln in text.splitlines() if bool(compiled.search(ln)) != invert]
        found = found or bool(hits)
        prefix = f"{name}:" if len(sources) > 1 else ""
        if p.has("-c", "--count"):
            out += f"{prefix}{len(hits)}\n"
        else:
            out += "".join(f"{prefix}{ln}\n" for ln in hits)
    if quiet:
        return Proc("", err, 0 if found else (2 if errors else 1))
    return Proc(out, err, 0 if found else (2 if errors else 1))


def _sed_program(script: str, extended: bool) -> list[SedOp]:
    """[(address, "d" | "s", substitution)]; raises ValueError with sed's message."""
    prog: list[SedOp] = []
    for raw in [s.strip() for s in script.split(";") if s.strip()]:
        addr, part = None, raw
        if part.startswith("/"):
            end = _delim_end(part, 1, "/")
            addr = re.compile(posix_regex(part[1:end], extended))
            part = part[end + 1 :].strip()
        if part == "d":
            prog.append((addr, "d", None))
        elif part.startswith("s") and len(part) > 1:
            d = part[1]
            e1 = _delim_end(part, 2, d)
            e2 = _delim_end(part, e1 + 1, d)
            pattern, repl, flags = part[2:e1], part[e1 + 1 : e2], part[e2 + 1 :]
            if flags.strip("gI"):
                raise ValueError(f"-e expression #1, char {len(script)}: unknown option to `s'")
            py = re.compile(posix_regex(pattern, extended), re.I if "I" in flags else 0)
            prog.append((addr, "s", (py, _sed_repl(repl), "g" in flags)))
        else:
            raise ValueError(f"-e expression #1, char {len(script)}: unknown command: `{part[:1]}'")
    return prog


def _delim_end(text: str, start: int, d: str) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == d:
            return i
        i += 1
    raise ValueError(f"-e expression #1, char {len(text)}: unterminated `s' command")


def _sed_repl(repl: str) -> str:
    out, i = "", 0
    while i < len(repl):
        c = repl[i]
        if c == "\\" and i + 1 < len(repl):
            n = repl[i + 1]
            out += f"\\g<{n}>" if n.isdigit() else ("\n" if n == "n" else n.replace("\\", "\\\\"))
            i += 2
            continue
        out += "\\g<0>" if c == "&" else c.replace("\\", "\\\\")
        i += 1
    return out


def sed(ctx: Ctx, argv: list[str]) -> Proc:
    usage = "Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n\n"
    try:
        p = getopt(argv[1:], "i::Ene:", ("in-place=?", "regexp-extended", "quiet", "expression="))
    except OptionError as exc:
        return Proc(stderr=f"sed: {exc}\n{usage}", rc=1)
    scripts = [v or "" for o, v in p.opts if o in ("-e", "--expression")]
    args = list(p.args)
    if not scripts:
        if not args:
            return Proc(stderr=usage, rc=1)
        scripts = [args.pop(0)]
    try:
        prog = _sed_program(";".join(scripts), p.has("-E", "--regexp-extended"))
    except ValueError as exc:
        return Proc(stderr=f"sed: {exc}\n", rc=1)
    in_place = p.has("-i", "--in-place")
    out, err, rc = "", "", 0
    for name in args or ["-"]:
        text, why = (ctx.stdin, "") if name == "-" else read_file(ctx, name)
        if text is None:
            err += f"sed: can't read {name}: {why}\n"
            rc = 2
            continue
        result = _run_sed(prog, text)
        if not in_place:
            out += result
            continue
        if not ctx.may_write(absolute(name)):
            d = absolute(name).rsplit("/", 1)[0] or "/"
            err += f"sed: couldn't open temporary file {d}/sedXk2f9Q: Permission denied\n"
            return Proc(out, err, 4)
        write_file(ctx, name, result)
    return Proc(out, err, rc)


def _run_sed(
    prog: list[SedOp],
    text: str,
) -> str:
    out = []
    for raw in text.splitlines():
        keep, line = True, raw
        for addr, op, sub in prog:
            if addr is not None and not addr.search(line):
                continue
            if op == "d":
                keep = False
                break
            assert sub is not None
            rx, repl, every = sub
            line = rx.sub(repl, line, count=0 if every else 1)
        if keep:
            out.append(line + "\n")
    return "".join(out)


def test(ctx: Ctx, argv: list[str]) -> Proc:
    args = argv[1:]
    if argv[0] == "[":
        if not args or args[-1] != "]":
            return Proc(stderr="bash: [: missing `]'\n", rc=2)
        args = args[:-1]
    negate = bool(args) and args[0] == "!"
    args = args[1:] if negate else args
    result: bool
    if not args:
        result = False
    elif len(args) == 1:
        result = args[0] != ""
    elif len(args) == 2 and args[0] in ("-f", "-d", "-e", "-s", "-z", "-n", "-r"):
        op, value = args
        path = absolute(value)
        st = ctx.state
        result = {
            "-f": path in st.files,
            "-d": st.is_dir(path),
            "-e": path in st.files or st.is_dir(path),
            "-s": bool(st.files.get(path) and st.files[path].content),
            "-r": path in st.files and ctx.may_read(path),
            "-z": value == "",
            "-n": value != "",
        }[op]
    elif len(args) == 3 and args[1] in ("=", "!=", "=="):
        result = (args[0] == args[2]) == (args[1] != "!=")
    else:
        return Proc(stderr=f"bash: {argv[0]}: too many arguments\n", rc=2)
    return Proc(rc=0 if result != negate else 1)


def mkdir(ctx: Ctx, argv: list[str]) -> Proc:
    try:
        p = getopt(argv[1:], "pm:v", ("parents", "mode=", "verbose"))
    except OptionError as exc:
        return _bad("mkdir", exc)
    if not p.args:
        return Proc(stderr="mkdir: missing operand\n" + TRY.format("mkdir"), rc=1)
    err, rc = "", 0
    for name in p.args:
        path = absolute(name)
        st = ctx.state
        if st.is_dir(path):
            if not p.has("-p", "--parents"):
                err, rc = err + f"mkdir: cannot create directory '{name}': File exists\n", 1
            continue
        if not p.has("-p", "--parents") and not st.parent_ok(path):
            err, rc = (
                err + f"mkdir: cannot create directory '{name}': No such file or directory\n",
                1,
            )
            continue
        if not ctx.may_write(path):
            err, rc = err + f"mkdir: cannot create directory '{name}': Permission denied\n", 1
            continue
        st.mkdir(path)
    return Proc("", err, rc)


def hostname(ctx: Ctx, argv: list[str]) -> Proc:
    try:
        p = getopt(argv[1:], "sfIi", ("short", "fqdn", "all-ip-addresses", "ip-address"))
    except OptionError as exc:
        return Proc(stderr=f"hostname: {exc}\nUsage: hostname [-b] {{hostname|-F file}}\n", rc=1)
    if p.args:
        if not ctx.root:
            return Proc(stderr="hostname: you must be root to change the host name\n", rc=1)
        ctx.state.hostname = p.args[0]
        return Proc()
    if p.has("-I", "--all-ip-addresses", "-i", "--ip-address"):
        return Proc(stdout=f"{ctx.address} \n")
    return Proc(stdout=ctx.state.hostname + "\n")


def true(ctx: Ctx, argv: list[str]) -> Proc:  # noqa: ARG001
    return Proc()


def false(ctx: Ctx, argv: list[str]) -> Proc:  # noqa: ARG001
    return Proc(rc=1)


def whoami(ctx: Ctx, argv: list[str]) -> Proc:  # noqa: ARG001
    return Proc(stdout=("root" if ctx.root else ctx.user) + "\n")


def uname(ctx: Ctx, argv: list[str]) -> Proc:
    kernel = ctx.state.release.kernel
    if argv[1:] == ["-r"]:
        return Proc(stdout=kernel + "\n")
    if argv[1:] == ["-a"]:
        return Proc(stdout=f"Linux {ctx.state.hostname} {kernel} #1 SMP x86_64 GNU/Linux\n")
    return Proc(stdout="Linux\n")
