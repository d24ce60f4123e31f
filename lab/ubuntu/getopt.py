"""GNU getopt_long as the emulated tools use it: the same parse and the same error wording."""

from __future__ import annotations

from dataclasses import dataclass, field


class OptionError(Exception):
    """getopt's own message (`invalid option -- 'z'`), without the program name."""


@dataclass
class Parsed:
    opts: list[tuple[str, str | None]] = field(default_factory=list)  # ("-n" or "--name", value)
    args: list[str] = field(default_factory=list)

    def has(self, *names: str) -> bool:
        return any(o in names for o, _ in self.opts)

    def value(self, *names: str) -> str | None:
        found = [v for o, v in self.opts if o in names]
        return found[-1] if found else None


def getopt(argv: list[str], short: str, long: tuple[str, ...] = (), permute: bool = True) -> Parsed:
    """`short` as in getopt(3) ("nf:" = -n, -f VALUE); `long` names, "name=" takes a value,
    "name=?" an optional value. Raises OptionError with GNU's message."""
    takes: dict[str, str] = {}  # "" no value, ":" a value, "::" an optional attached value
    for i, c in enumerate(short):
        if c != ":":
            nxt = ":" if short[i + 1 : i + 2] == ":" else ""
            takes[c] = "::" if short[i + 1 : i + 3] == "::" else nxt
    longs = {
        n.split("=")[0]: ("=?" if n.endswith("=?") else "=" if n.endswith("=") else "")
        for n in long
    }
    out = Parsed()
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            out.args += argv[i:]
            break
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            matches = [n for n in longs if n == name] or [n for n in longs if n.startswith(name)]
            if len(matches) != 1:
                what = "ambiguous" if len(matches) > 1 else "unrecognized"
                raise OptionError(f"{what} option '{arg}'")
            kind = longs[matches[0]]
            if kind == "" and eq:
                raise OptionError(f"option '--{matches[0]}' doesn't allow an argument")
            if kind == "=" and not eq:
                if i >= len(argv):
                    raise OptionError(f"option '--{matches[0]}' requires an argument")
                value, i = argv[i], i + 1
            out.opts.append((f"--{matches[0]}", value if (eq or kind == "=") else None))
            continue
        if arg.startswith("-") and arg != "-":
            j = 1
            while j < len(arg):
                c = arg[j]
                if c not in takes:
                    raise OptionError(f"invalid option -- '{c}'")
                if takes[c] == "::":
                    out.opts.append((f"-{c}", arg[j + 1 :] or None))
                    break
                if takes[c]:
                    rest = arg[j + 1 :]
                    if rest:
                        out.opts.append((f"-{c}", rest))
                    elif i < len(argv):
                        out.opts.append((f"-{c}", argv[i]))
                        i += 1
                    else:
                        raise OptionError(f"option requires an argument -- '{c}'")
                    break
                out.opts.append((f"-{c}", None))
                j += 1
            continue
        out.args.append(arg)
        if not permute:
            out.args += argv[i:]
            break
    return out
