"""One SSH session of the emulated VyOS CLI: op mode, config mode, commit-confirm question.

The server writes `banner()` once, then loops: write `prompt()`, read a line, call
`handle(line)`, write `Reply.output` (with `\\n`; the server turns it into `\\r\\n`), close
the channel when `Reply.close`. While `Reply.expects_answer` is set the prompt is empty and
the next line is the answer to the question just printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lab.vyos.bash_line import (
    PROGRAMS,
    BashSyntaxError,
    Pipeline,
    awk,
    echo,
    split_list,
    syntax_error,
)
from lab.vyos.compare import compare_output, show_with_markers
from lab.vyos.config_tree import (
    ConfigNode,
    delete_path,
    message,
    resolve,
    set_path,
    split_command,
)
from lab.vyos.op_mode import is_op_word, parse_op
from lab.vyos.render import show_commands, show_configuration, show_json
from lab.vyos.router_state import NO_CHANGES, RouterState
from lab.vyos.version_text import banner, show_version
from lab.vyos.versions import ConfirmFlavour

_READ_ONLY_IP_OBJECTS = {
    "route",
    "r",
    "ro",
    "rou",
    "addr",
    "a",
    "address",
    "link",
    "l",
    "neigh",
    "n",
    "neighbor",
    "rule",
    "ru",
}
_READ_ONLY_IP_VERBS = {"get", "g", "show", "sh", "list", "ls", "lst"}
_EOF_IN_QUOTE = "-vbash: unexpected EOF while looking for matching quote\n"
_AWK_USAGE = "Usage: awk [POSIX or GNU style options] -f progfile [--] file ...\n"
_CONFIG_WORDS = (
    "set",
    "delete",
    "show",
    "compare",
    "commit",
    "commit-confirm",
    "confirm",
    "save",
    "discard",
    "exit",
    "run",
    "rollback",
    "edit",
    "up",
    "top",
    "load",
    "merge",
    "comment",
    "copy",
    "rename",
    "activate",
    "deactivate",
)


class Mode(StrEnum):
    OP = "op"
    CONFIG = "config"


@dataclass(frozen=True)
class Reply:
    output: str = ""
    close: bool = False
    expects_answer: bool = False


@dataclass(frozen=True)
class _ConfirmQuestion:
    minutes: int
    comment: str
    prompt: str


class VyosShell:
    def __init__(self, state: RouterState, user: str = "vyos") -> None:
        self.state = state
        self.user = user
        self.mode = Mode.OP
        self.working: ConfigNode | None = None
        self.terminal_width = 80
        self.terminal_length = 24
        self._question: _ConfirmQuestion | None = None

    # -- session surface ---------------------------------------------------------------

    def banner(self) -> str:
        return banner(self.state.router)

    def prompt(self) -> str:
        if self._question is not None:
            return ""
        host = self.state.current_hostname()
        if self.mode is Mode.CONFIG:
            return f"[edit]\n{self.user}@{host}# "
        return f"{self.user}@{host}:~$ "

    def handle(self, line: str) -> Reply:
        """One input line: a bash list (`a; b | c`), each element run in the current mode."""
        if self._question is not None:
            return self._answer(line)
        try:
            pipelines = split_list(line)
        except BashSyntaxError as exc:
            return Reply(syntax_error(exc.token))
        except ValueError:
            return Reply(_EOF_IN_QUOTE)
        outputs: list[str] = []
        for pipeline in pipelines:
            reply = self._pipeline(pipeline)
            outputs.append(reply.output)
            if reply.close or reply.expects_answer:
                # bash would hand the rest of the line to the question or stop at logout
                return Reply("".join(outputs), reply.close, reply.expects_answer)
        return Reply("".join(outputs))

    def _pipeline(self, pipeline: Pipeline) -> Reply:
        """`a | b | c`: each stage's output is the next one's input (filters: awk, cat)."""
        first = self._simple(pipeline.stages[0])
        if len(pipeline.stages) == 1:
            return first
        text = first.output
        for stage in pipeline.stages[1:]:
            try:
                words = split_command(stage)
            except ValueError:
                return Reply(_EOF_IN_QUOTE)
            text = self._filter(words, text)
        return Reply(text)

    def _filter(self, words: list[str], stdin: str) -> str:
        if words[0] == "awk" and len(words) > 1:
            return awk(words[1:], stdin)
        if words == ["cat"]:
            return stdin
        return self._bash(words)

    def _simple(self, command: str) -> Reply:
        try:
            words = split_command(command)
        except ValueError:
            return Reply(_EOF_IN_QUOTE)
        if not words:
            return Reply()
        if self.mode is Mode.CONFIG:
            return self._config(words)
        return self._op(words, in_config=False)

    # -- op mode -----------------------------------------------------------------------

    def _op(self, words: list[str], *, in_config: bool) -> Reply:
        if not is_op_word(words[0]):
            if in_config:
                return Reply(f"\n  Invalid command: [{words[0]}]\n\n")
            return Reply(self._bash(words))
        parsed = parse_op(words)
        if parsed.error is not None:
            return Reply(parsed.error)
        cmd, args = parsed.words, parsed.args
        state = self.state
        if cmd == ("exit",):
            return Reply("logout\n", close=True) if not in_config else Reply()
        if cmd == ("configure",):
            if not in_config:
                self.mode = Mode.CONFIG
                self.working = state.active.clone()
            return Reply()
        if cmd[:2] == ("set", "terminal"):
            if cmd[2] == "width":
                self.terminal_width = int(args[0])
            else:
                self.terminal_length = int(args[0])
            return Reply()
        if cmd == ("show", "version"):
            return Reply(show_version(state.router))
        if cmd == ("show", "configuration"):
            return Reply(show_configuration(state.active))
        if cmd == ("show", "configuration", "commands"):
            return Reply(show_commands(state.active))
        if cmd == ("show", "configuration", "json"):
            return Reply(show_json(state.active))
        if cmd == ("show", "arp"):
            return Reply(state.backend.show_arp())
        if cmd == ("show", "interfaces"):
            return Reply(state.backend.show_interfaces())
        if cmd[:2] == ("show", "ip"):
            output, _ = state.backend.run(["vtysh", "-c", " ".join(cmd + args)])
            return Reply(output)
        return Reply(
            f"\n  Invalid command: {' '.join(cmd[:-1])} [{cmd[-1]}]\n\n".replace(":  [", ": [")
        )

    def _bash(self, words: list[str]) -> str:
        """Plain Linux commands of a VyOS shell: read-only `ip`, `vtysh`, `vmstat`, `free`,
        `cat /proc/uptime` reach the box; `echo`, `cat /config/config.boot` are answered here."""
        name = words[0]
        if name in ("vtysh", "vmstat", "free"):
            output, _ = self.state.backend.run(words)
            return output
        if name == "echo":
            return echo(words[1:])
        if name in ("true", "false"):
            return ""
        if name == "awk":
            return awk(words[1:], "") if len(words) > 1 else _AWK_USAGE
        if name == "cat":
            return self._cat(words[1:])
        if name == "ip":
            rest = [w for w in words[1:] if not w.startswith("-")]
            if (
                rest
                and rest[0] in _READ_ONLY_IP_OBJECTS
                and (len(rest) == 1 or rest[1] in _READ_ONLY_IP_VERBS)
            ):
                output, _ = self.state.backend.run(words)
                return output
            return "RTNETLINK answers: Operation not permitted\n"
        return f"-vbash: {name}: command not found\n"

    def _cat(self, files: list[str]) -> str:
        out = []
        for path in files:
            if path == "/proc/uptime":
                out.append(self.state.backend.run(["cat", path])[0])
            elif path == "/config/config.boot" and self.state.config_boot.is_file():
                out.append(self.state.config_boot.read_text())
            else:
                out.append(f"cat: {path}: No such file or directory\n")
        return "".join(out)

    # -- config mode -------------------------------------------------------------------

    def _config(self, words: list[str]) -> Reply:
        assert self.working is not None
        head = words[0]
        found = [w for w in _CONFIG_WORDS if w == head] or [
            w for w in _CONFIG_WORDS if w.startswith(head)
        ]
        if head in PROGRAMS:
            return Reply(self._bash(words))
        if len(found) != 1:
            return Reply(f"\n  Invalid command: [{head}]\n\n")
        verb, rest = found[0], words[1:]
        handler = {
            "set": self._set,
            "delete": self._delete,
            "show": self._show,
            "compare": self._compare,
            "commit": self._commit,
            "commit-confirm": self._commit_confirm,
            "confirm": self._confirm,
            "save": self._save,
            "discard": self._discard,
            "exit": self._exit,
            "run": self._run,
        }.get(verb)
        if handler is None:
            return Reply(f"\n  Invalid command: [{' '.join(words)}]\n\n")
        return handler(rest)

    def _set(self, rest: list[str]) -> Reply:
        assert self.working is not None
        return Reply(set_path(self.working, self.state.schema, rest).output)

    def _delete(self, rest: list[str]) -> Reply:
        assert self.working is not None
        if not rest:
            return Reply(message("Configuration path: [] is not valid", "Delete failed"))
        return Reply(delete_path(self.working, self.state.schema, rest).output)

    def _show(self, rest: list[str]) -> Reply:
        assert self.working is not None
        active, working = self.state.active.get(rest), self.working.get(rest)
        if rest and resolve(self.state.schema, rest).invalid_at is not None:
            return Reply("Specified configuration path is not valid\n")
        if active is None and working is None:
            return Reply("Configuration under specified path is empty\n")
        name = rest[-1] if rest else ""
        text = show_with_markers(active, working, name)
        if not text and rest:
            node = working or active
            assert node is not None
            text = "".join(f" {name} {v}\n" for v in node.values) or f" {name}\n"
        return Reply(text or "Configuration under specified path is empty\n")

    def _compare(self, rest: list[str]) -> Reply:
        assert self.working is not None
        if rest not in ([], ["commands"]):
            return Reply(f"\n  Invalid command: compare [{rest[0]}]\n\n")
        text = compare_output(
            self.state.router, self.state.active, self.working, commands=bool(rest)
        )
        return Reply(text)

    def _comment(self, rest: list[str]) -> str | None:
        if not rest:
            return ""
        if rest[0] == "comment" and len(rest) == 2:
            return rest[1]
        return None

    def _commit(self, rest: list[str]) -> Reply:
        assert self.working is not None
        if rest == ["confirm"] or (rest and rest[0] == "confirm"):
            return Reply("Use commit-confirm command\n")
        comment = self._comment(rest)
        if comment is None:
            return Reply(f"\n  Invalid command: commit [{rest[0]}]\n\n")
        return Reply(self.state.commit(self.working, self.user, comment).output)

    def _commit_confirm(self, rest: list[str]) -> Reply:
        assert self.working is not None
        minutes = 10
        if rest and rest[0].isdigit():
            minutes, rest = int(rest[0]), rest[1:]
        comment = self._comment(rest)
        if comment is None or minutes < 1:
            return Reply(f"\n  Invalid command: commit-confirm [{(rest or ['0'])[0]}]\n\n")
        state = self.state
        if self.working == state.active:
            return Reply(NO_CHANGES)
        if state.confirm_pending:
            return Reply("Another confirm is pending\n")
        style = state.router.confirm
        if style is ConfirmFlavour.V13:
            if not state.active.has(["system", "config-management", "commit-revisions"]):
                return Reply("commit-revisions is not configured.\n")
            prompt = (
                f"commit confirm will be automatically reboot in {minutes} minutes unless "
                "confirmed\nProceed? [confirm]"
            )
        else:
            prompt = _confirm_prompt(style, minutes, state.confirm_action())
            if state.unsaved_commits:
                prompt = "\nYou should save previous commits before commit-confirm !\n" + prompt
        self._question = _ConfirmQuestion(minutes, comment, prompt)
        return Reply(prompt, expects_answer=True)

    def _answer(self, line: str) -> Reply:
        question = self._question
        assert question is not None
        assert self.working is not None
        answer = line.strip().lower()
        v13 = self.state.router.confirm is ConfirmFlavour.V13
        yes = answer in ("", "y", "yes")
        no = answer in ("n", "no") or (v13 and not yes)
        if not yes and not no:
            return Reply(
                "Please respond with yes/y or no/n\n" + question.prompt, expects_answer=True
            )
        self._question = None
        if no:
            return Reply("commit-confirm canceled\n")
        state = self.state
        previous = state.active.clone()
        head = (
            ""
            if v13
            else (
                f"Initialized commit-confirm; {question.minutes} minutes to confirm before "
                f"{state.confirm_action()}\n"
            )
        )
        outcome = state.commit(self.working, self.user, question.comment)
        if outcome.ok:
            state.start_confirm(question.minutes, previous)
        return Reply(head + outcome.output)

    def _confirm(self, rest: list[str]) -> Reply:
        if rest:
            return Reply(f"\n  Invalid command: confirm [{rest[0]}]\n\n")
        action = self.state.confirm_action()
        if not self.state.confirm():
            return Reply("No confirm pending\n")
        if self.state.router.confirm is ConfirmFlavour.V13:
            return Reply()
        return Reply(f"{action.capitalize()} timer stopped\n")

    def _save(self, rest: list[str]) -> Reply:
        assert self.working is not None
        if rest:
            return Reply(f"\n  Invalid command: save [{rest[0]}]\n\n")
        warn = ""
        if self.working != self.state.active:
            warn = "Warning: you have uncommitted changes that will not be saved.\n\n"
        self.state.save()
        if self.state.router.save_prints_done:
            return Reply(warn + "Saving configuration to '/config/config.boot'...\nDone\n")
        return Reply(warn)

    def _discard(self, rest: list[str]) -> Reply:
        if rest:
            return Reply(f"\n  Invalid command: discard [{rest[0]}]\n\n")
        changed = self.working != self.state.active
        self.working = self.state.active.clone()
        return Reply(
            message(
                "Changes have been discarded" if changed else ("No changes have been discarded")
            )
        )

    def _exit(self, rest: list[str]) -> Reply:
        if rest not in ([], ["discard"]):
            return Reply(f"Invalid argument \"{' '.join(rest)}\" for 'exit'\n")
        if not rest and self.working != self.state.active:
            return Reply(
                "Cannot exit: configuration modified.\n"
                "Use 'exit discard' to discard the changes and exit.\n"
            )
        warn = ""
        if self.state.unsaved_commits:
            warn = "Warning: configuration changes have not been saved.\n"
        self.mode = Mode.OP
        self.working = None
        return Reply(warn + "exit\n")

    def _run(self, rest: list[str]) -> Reply:
        if not rest:
            return Reply("\n  Incomplete command: run\n\n")
        return self._op(rest, in_config=True)


def _confirm_prompt(style: ConfirmFlavour, minutes: int, action: str) -> str:
    """config_mgmt.py commit_confirm() question text + ask_yes_no's ` [Y/n] `."""
    if style is ConfirmFlavour.V14:
        body = (
            f"\ncommit-confirm will automatically reboot in {minutes} minutes unless changes\n"
            "are confirmed.\n\nProceed ?"
        )
    elif action == "reload":
        body = (
            f"\ncommit-confirm will automatically reload previous config in {minutes} minutes\n"
            "unless changes are confirmed.\nProceed ?"
        )
    else:
        body = (
            f"\ncommit-confirm will automatically reboot in {minutes} minutes unless changes\n"
            "are confirmed.\nProceed ?"
        )
    return body + " [Y/n] "
