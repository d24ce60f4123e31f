"""The part of bash's grammar the emulated node understands (pure).

A line is a list of pipelines joined by `&&`, `||` and `;`; a pipeline is commands joined by
`|`; a command is words plus redirections (`>`, `>>`, `2>`, `2>>`, `2>&1`, `&>`, `<`).
Quoting: '...', "..." (with `\\` escapes and `$?`/`$VAR` expansion), backslash. What is left
out (command substitution, globs, heredocs, subshells) is a `ShellSyntaxError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ShellSyntaxError(Exception):
    pass


# A word is a list of (text, expand) parts: expand=True parts may hold `$NAME` to substitute.
Word = tuple[tuple[str, bool], ...]


@dataclass
class Redirect:
    fd: int  # 1 or 2; 0 for `<`; -1 for `&>` (both)
    op: str  # ">", ">>", "<", ">&"
    target: Word


@dataclass
class Command:
    words: list[Word] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Pipeline:
    commands: list[Command]


@dataclass
class AndOr:
    """pipelines[0] (op[0] pipelines[1]) ...; op is "&&", "||" or ";"."""

    pipelines: list[Pipeline]
    ops: list[str]


OPERATORS = ("&&", "||", "2>>", "2>&1", "&>", ">>", "2>", ">", "<", "|", ";")


def _tokens(line: str) -> list[tuple[str, Word | str]]:
    """("word", Word) and ("op", text) tokens."""
    out: list[tuple[str, Word | str]] = []
    parts: list[tuple[str, bool]] = []
    buf = ""
    started = False
    i = 0

    def flush() -> None:
        nonlocal buf, parts, started
        if buf:
            parts.append((buf, True))
        if started:
            out.append(("word", tuple(parts)))
        buf, parts, started = "", [], False

    while i < len(line):
        c = line[i]
        if c in " \t":
            flush()
            i += 1
            continue
        if c == "#" and not started:
            break
        op = next((o for o in OPERATORS if line.startswith(o, i)), None)
        if op and not (op.startswith("2") and started):
            flush()
            out.append(("op", op))
            i += len(op)
            continue
        if c in "`(){}" or line.startswith("$(", i) or line.startswith("<<", i) or c == "&":
            raise ShellSyntaxError(f"syntax error near unexpected token `{c}'")
        started = True
        if c == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise ShellSyntaxError("unexpected EOF while looking for matching `''")
            if buf:
                parts.append((buf, True))
                buf = ""
            parts.append((line[i + 1 : end], False))
            i = end + 1
        elif c == '"':
            if buf:
                parts.append((buf, True))
                buf = ""
            j, text = i + 1, ""
            while j < len(line) and line[j] != '"':
                if line[j] == "\\" and j + 1 < len(line) and line[j + 1] in '"\\$`':
                    text += line[j + 1]
                    j += 2
                    continue
                if line.startswith("$(", j) or line[j] == "`":
                    raise ShellSyntaxError("command substitution is not supported here")
                text += line[j]
                j += 1
            if j >= len(line):
                raise ShellSyntaxError("unexpected EOF while looking for matching `\"'")
            parts.append((text, True))
            i = j + 1
        elif c == "\\":
            if buf:
                parts.append((buf, True))
                buf = ""
            if i + 1 < len(line):
                parts.append((line[i + 1], False))
            i += 2
        else:
            if c == "*":
                raise ShellSyntaxError("globbing (*) is not supported here")
            buf += c
            i += 1
    flush()
    return out


def parse(line: str) -> AndOr:
    toks = _tokens(line)
    pipelines: list[Pipeline] = []
    ops: list[str] = []
    cmd = Command()
    pipe: list[Command] = []
    i = 0

    def end_command(token: str) -> None:
        nonlocal cmd
        if not cmd.words:
            raise ShellSyntaxError(f"syntax error near unexpected token `{token}'")
        pipe.append(cmd)
        cmd = Command()

    while i < len(toks):
        kind, value = toks[i]
        i += 1
        if kind == "word":
            assert not isinstance(value, str)
            cmd.words.append(value)
            continue
        assert isinstance(value, str)
        if value == "|":
            end_command(value)
        elif value in ("&&", "||", ";"):
            if value == ";" and not cmd.words and not pipe:
                raise ShellSyntaxError("syntax error near unexpected token `;'")
            end_command(value)
            pipelines.append(Pipeline(pipe))
            pipe = []
            ops.append(value)
        elif value == "2>&1":
            cmd.redirects.append(Redirect(2, ">&", (("1", False),)))
        else:
            if i >= len(toks) or toks[i][0] != "word":
                raise ShellSyntaxError("syntax error near unexpected token `newline'")
            target = toks[i][1]
            assert not isinstance(target, str)
            i += 1
            fd = {"<": 0, "&>": -1}.get(value, 2 if value.startswith("2") else 1)
            op = value.removeprefix("2").replace("&>", ">")
            cmd.redirects.append(Redirect(fd, op, target))
    if cmd.words or cmd.redirects:
        end_command("newline")
    if pipe:
        pipelines.append(Pipeline(pipe))
    elif ops and ops[-1] == ";":
        ops.pop()
    elif ops:
        raise ShellSyntaxError("syntax error: unexpected end of file")
    return AndOr(pipelines, ops)


def expand(word: Word, variables: dict[str, str]) -> str:
    out = ""
    for text, do in word:
        if not do or "$" not in text:
            out += text
            continue
        i = 0
        while i < len(text):
            if text[i] != "$" or i + 1 >= len(text):
                out += text[i]
                i += 1
                continue
            if text[i + 1] == "?":
                out += variables.get("?", "0")
                i += 2
                continue
            if text[i + 1] == "{":
                end = text.find("}", i)
                if end < 0:
                    raise ShellSyntaxError("bad substitution")
                out += variables.get(text[i + 2 : end], "")
                i = end + 1
                continue
            j = i + 1
            while j < len(text) and (text[j].isalnum() or text[j] == "_"):
                j += 1
            if j == i + 1:
                out += "$"
                i += 1
                continue
            out += variables.get(text[i + 1 : j], "")
            i = j
    return out
