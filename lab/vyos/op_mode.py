"""Op-mode command tree, prefix matching and VyOS's invalid/incomplete texts.

VyOS aliases every prefix of every top-level op word (vyatta-op `_vyatta_op_init`), so
`sh ip bgp su` works; a first word that is no such prefix goes to bash (`ip`, `vtysh`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field

# 1.4 top-level op words (transcripts, "Emulator notes"); only some are implemented.
TOP_WORDS = (
    "add",
    "clear",
    "clone",
    "configure",
    "connect",
    "copy",
    "delete",
    "disconnect",
    "force",
    "format",
    "generate",
    "import",
    "install",
    "monitor",
    "mtr",
    "ping",
    "poweroff",
    "reboot",
    "release",
    "rename",
    "renew",
    "reset",
    "restart",
    "set",
    "show",
    "telnet",
    "traceroute",
    "update",
    "wake-on-lan",
    "exit",
)


@dataclass(frozen=True)
class OpNode:
    children: Mapping[str, OpNode] = field(default_factory=dict)
    runnable: bool = False
    args: int = 0  # how many free arguments may follow (after children are tried)
    args_required: bool = False


def _leaf(args: int = 0, *, required: bool = False) -> OpNode:
    return OpNode(runnable=not required, args=args, args_required=required)


_ROUTE_KINDS = ("bgp", "connected", "kernel", "static", "summary")
OP_TREE = OpNode(
    {
        "configure": _leaf(),
        "exit": _leaf(),
        "set": OpNode(
            {
                "terminal": OpNode(
                    {"width": _leaf(1, required=True), "length": _leaf(1, required=True)}
                )
            }
        ),
        "show": OpNode(
            {
                "arp": _leaf(),
                "configuration": OpNode({"commands": _leaf(), "json": _leaf()}, runnable=True),
                "interfaces": _leaf(),
                "ip": OpNode(
                    {
                        "bgp": OpNode(
                            {
                                "summary": _leaf(),
                                "neighbors": _leaf(2),
                            },
                            runnable=True,
                            args=1,
                        ),
                        "route": OpNode({k: _leaf() for k in _ROUTE_KINDS}, runnable=True, args=1),
                    }
                ),
                "version": _leaf(),
            }
        ),
    }
    | {w: OpNode() for w in TOP_WORDS if w not in ("configure", "exit", "set", "show")}
)


@dataclass(frozen=True)
class OpParse:
    words: tuple[str, ...] = ()  # canonical command words
    args: tuple[str, ...] = ()
    error: str | None = None


def _match(word: str, names: Mapping[str, OpNode]) -> list[str]:
    if word in names:
        return [word]
    return sorted(n for n in names if n.startswith(word))


def _is_address_or_prefix(word: str) -> bool:
    try:
        ipaddress.ip_network(word, strict=False)
    except ValueError:
        return False
    return True


def parse_op(words: list[str]) -> OpParse:
    """Resolve an op-mode command; `error` holds VyOS's text when it is not runnable."""
    node = OP_TREE
    done: list[str] = []
    args: list[str] = []
    for word in words:
        if args or (node.args and not _match(word, node.children)):
            if len(args) >= node.args or not _arg_ok(done, word, len(args)):
                return OpParse(error=_invalid(done + args, word))
            args.append(word)
            continue
        found = _match(word, node.children)
        if len(found) > 1:
            listing = "".join(f"    {n}\n" for n in found)
            text = f"\n  Ambiguous command: {' '.join([*done, word])}\n\n  Possible completions:\n"
            return OpParse(error=text + listing + "\n")
        if not found:
            return OpParse(error=_invalid(done, word))
        done.append(found[0])
        node = node.children[found[0]]
    if not (node.runnable or (node.args_required and args)):
        return OpParse(error=f"\n  Incomplete command: {' '.join(done)}\n\n")
    return OpParse(tuple(done), tuple(args))


def _arg_ok(done: list[str], word: str, index: int) -> bool:
    if done[:2] == ["set", "terminal"]:
        return word.isdigit()
    if done == ["show", "ip", "bgp", "neighbors"] and index == 0:
        return _is_address_or_prefix(word)
    if done == ["show", "ip", "bgp", "neighbors"]:
        return word in ("advertised-routes", "received-routes", "routes")
    return _is_address_or_prefix(word)


def _invalid(done: list[str], word: str) -> str:
    prefix = " ".join(done)
    return (
        f"\n  Invalid command: {prefix} [{word}]\n\n"
        if prefix
        else (f"\n  Invalid command: [{word}]\n\n")
    )


def is_op_word(word: str) -> bool:
    """True when bash would hand the word to the VyOS op-mode interpreter."""
    return any(w.startswith(word) for w in TOP_WORDS)
