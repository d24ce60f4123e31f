"""NAPALM driver for VyOS with FRR (1.4-rolling 2021 .. 1.5): `platform: bgplb_vyos`.

I/O only: every answer is handed to a pure parser (parse_*.py, config_text.py).
Round trips per call (one SSH `send_command` each), independent of peers and prefixes:
get_bgp_neighbors 1, get_bgp_neighbors_detail 1, get_route_to 1 (longer on FRR 7.5: 2,
route_lookup.py), get_facts 1, get_config 1,
cli 1 (any number of commands: one bash list line, compound.py),
get_vyos_dialect 0 or 1 (cached), load_merge_candidate 3 (snapshot, configure, every line
as one bash list), compare_config 1,
commit_config 3 (commit, save, exit) or 3 with revert_in (commit-confirm, answer, exit),
confirm_commit 4 (configure, confirm, save, exit), discard_config 1.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

from napalm.base.models import (
    BGPStateNeighborsPerVRFDict,
    FactsDict,
    PeerDetailsDict,
    RouteDict,
)
from napalm.base.netmiko_helpers import netmiko_args
from napalm_vyos.vyos import VyOSDriver

from bgplb.errors import DeviceError, InputError
from bgplb.vyos.dialects import ConfirmStyle, UnknownVyosVersion, VyosDialect, dialect_for
from napalm_bgplb_vyos.cli_session import (
    COMMIT_READ_TIMEOUT,
    NetmikoLike,
    VyosCli,
    config_prompt_pattern,
)
from napalm_bgplb_vyos.config_text import (
    candidate_lines,
    compare_diff,
    line_error,
    rollback_commands,
    strip_edit_line,
)
from napalm_bgplb_vyos.connection import connect_vyos
from napalm_bgplb_vyos.driver_errors import VyosCommandError, VyosCommitError, VyosMergeError
from napalm_bgplb_vyos.json_docs import split_json_documents
from napalm_bgplb_vyos.parse_bgp_liveness import PeerLiveness, parse_bgp_liveness
from napalm_bgplb_vyos.parse_bgp_neighbors import (
    NEIGHBORS_CMD,
    parse_bgp_neighbors,
    parse_bgp_neighbors_detail,
)
from napalm_bgplb_vyos.parse_version import (
    VyosVersion,
    build_facts,
    parse_config_facts,
    parse_proc_uptime,
    parse_show_version,
)
from napalm_bgplb_vyos.route_lookup import lookup_route
from napalm_bgplb_vyos.vtysh_commands import (
    BGP_NEIGHBORS_COMMANDS,
    FRR_GENERATIONS,
    FrrGeneration,
    vtysh_line,
)

COMMIT_FAILED = ("Commit failed", "Failed to generate committed config")
CONFIRM_FAILED = ("Another confirm is pending", "commit-revisions is not configured", "canceled")
CONFIRMED = ("", "Reboot timer stopped", "Reload timer stopped")  # `confirm` stopped a timer
SAVE_FAILED = ("failed", "Error", "uncommitted changes")
OP_ERRORS = ("Invalid command:", "Incomplete command:", "Ambiguous command:", "command not found")
PROCEED = {
    ConfirmStyle.V13: r"Proceed\? \[confirm\]\s*$",
    ConfirmStyle.V14: r"Proceed \? \[Y/n\]\s*$",
    ConfirmStyle.V15: r"Proceed \? \[Y/n\]\s*$",
}
DRIVER_OPTIONS = ("known_hosts", "vyos_version")
FACTS_COMMANDS = ["show version", "show configuration commands", "cat /proc/uptime"]


class BgplbVyosDriver(VyOSDriver):  # type: ignore[misc]
    """VyOS + FRR. Extra optional_args: `known_hosts` (path: strict host key checking against
    that file only), `vyos_version` (skip `show version` when the dialect is needed).
    Every netmiko ConnectHandler argument in optional_args is passed through (conn_timeout,
    read_timeout_override, fast_cli, ssh_config_file, ssh_strict, system_host_keys, ...).
    """

    # Seam for tests: replaced by a fake connection; the lab and production use netmiko's
    # VyOS connection, logging in without its fixed 2 s silence waits (connection.py).
    connection_factory: Callable[..., NetmikoLike] = connect_vyos  # type: ignore[assignment]

    def __init__(
        self,
        hostname: str,
        username: str,
        password: str,
        timeout: int = 60,
        optional_args: dict[str, Any] | None = None,
    ) -> None:
        self.hostname = hostname
        self.username = username
        self.password = password
        self.timeout = timeout
        self.optional_args = dict(optional_args or {})
        self.netmiko_optional_args = self._netmiko_options(self.optional_args)
        self.device: NetmikoLike | None = None
        self._scp_client = None  # the stock driver's SCP side channel is never opened
        self._cli: VyosCli | None = None
        self._version: VyosVersion | None = None
        self._candidate_base: str | None = None  # running config when the candidate began
        self._rollback_source: str | None = None  # running config before the last commit
        self._pending_confirm = False
        self._frr: FrrGeneration = FRR_GENERATIONS[0]  # stepped down on FRR's refusal

    @staticmethod
    def _netmiko_options(optional_args: dict[str, Any]) -> dict[str, Any]:
        args: dict[str, Any] = dict(
            netmiko_args({k: v for k, v in optional_args.items() if k not in DRIVER_OPTIONS})
        )
        known_hosts = optional_args.get("known_hosts")
        if known_hosts:
            if not os.path.isfile(known_hosts):
                raise InputError(f"known_hosts file {known_hosts!r} does not exist")
            args.update(
                ssh_strict=True,
                system_host_keys=False,
                alt_host_keys=True,
                alt_key_file=known_hosts,
            )
        return args

    # --- connection -------------------------------------------------------------------
    def open(self) -> None:
        factory = type(self).connection_factory
        self.device = factory(
            device_type="vyos",
            host=self.hostname,
            username=self.username,
            password=self.password,
            timeout=self.timeout,
            **self.netmiko_optional_args,
        )
        self._cli = VyosCli(self.device)

    def close(self) -> None:
        """Drop any uncommitted candidate and close the one SSH connection."""
        if self.device is None:
            return
        device = self.device
        try:
            if self._cli is not None and self._cli.in_config:
                self._cli.leave_config(discard=True)
            # netmiko's cleanup() probes the mode with check_config_mode (2 s of silence);
            # the session is known to be in op mode here, so log out at once.
            if hasattr(device, "write_channel"):
                conn: Any = device
                conn.cleanup = lambda command="exit": conn.write_channel(command + "\n")
        finally:
            device.disconnect()
            self.device = None
            self._cli = None

    def is_alive(self) -> dict[str, bool]:
        return {"is_alive": bool(self.device is not None and self.device.is_alive())}

    @property
    def cli_session(self) -> VyosCli:
        if self._cli is None:
            raise DeviceError(f"{self.hostname}: not connected (call open() first)")
        return self._cli

    def _vtysh(self, commands: list[str]) -> list[Any]:
        return split_json_documents(self._vtysh_text(commands), commands)

    def _vtysh_text(self, commands: list[str]) -> str:
        return self.cli_session.op(vtysh_line(commands))

    # --- getters ----------------------------------------------------------------------
    def get_bgp_neighbors(self) -> dict[str, BGPStateNeighborsPerVRFDict]:
        summary, neighbors = self._vtysh(BGP_NEIGHBORS_COMMANDS)
        return parse_bgp_neighbors(summary, neighbors)

    def get_bgp_neighbors_detail(
        self, neighbor_address: str = ""
    ) -> dict[str, dict[int, list[PeerDetailsDict]]]:
        summary, neighbors = self._vtysh(BGP_NEIGHBORS_COMMANDS)
        return parse_bgp_neighbors_detail(summary, neighbors, neighbor_address)

    def get_bgp_peer_liveness(self) -> dict[str, dict[str, PeerLiveness]]:
        """Extra getter: per peer, FRR's state, time since the last message read, negotiated
        hold and keepalive, BFD status (napalm_bgplb_vyos/parse_bgp_liveness.py)."""
        (neighbors,) = self._vtysh([NEIGHBORS_CMD])
        return parse_bgp_liveness(neighbors)

    def get_route_to(
        self, destination: str = "", protocol: str = "", longer: bool = False
    ) -> dict[str, list[RouteDict]]:
        routes, self._frr = lookup_route(self._vtysh_text, destination, protocol, longer, self._frr)
        return routes

    def _show_version(self) -> VyosVersion:
        self._version = parse_show_version(self.cli_session.op("show version"))
        return self._version

    def get_facts(self) -> FactsDict:
        version_text, config_text, uptime_text = self.cli_session.op_many(FACTS_COMMANDS)
        self._version = parse_show_version(version_text)
        config = parse_config_facts(config_text)
        uptime = parse_proc_uptime(uptime_text)
        return build_facts(self._version, config, uptime, self.cli_session.prompt_host)

    def get_vyos_dialect(self) -> dict[str, Any]:
        """Extra getter: the VyOS version and the CLI dialect derived from it by dialect_for."""
        dialect = self._dialect()
        version = (
            self._version.version if self._version else str(self.optional_args["vyos_version"])
        )
        return {
            "os_version": version,
            "dialect": dialect.name,
            "bgp_syntax": str(dialect.bgp_syntax),
            "neighbor_af_required": dialect.neighbor_af_required,
            "compare_style": str(dialect.compare_style),
            "confirm_style": str(dialect.confirm_style),
            "save_prints_done": dialect.save_prints_done,
            "release_train": dialect.release_train,
        }

    def _dialect(self) -> VyosDialect:
        forced = self.optional_args.get("vyos_version")
        version = str(forced) if forced else (self._version or self._show_version()).version
        try:
            return dialect_for(version)
        except UnknownVyosVersion as exc:
            raise DeviceError(f"{self.hostname}: {exc}") from exc

    def get_config(
        self,
        retrieve: str = "all",
        full: bool = False,
        sanitized: bool = False,
        format: str = "text",
    ) -> dict[str, str]:
        """Running config as `show configuration commands`; candidate/startup are not read."""
        if retrieve in ("candidate", "startup") or format != "text" or full:
            raise NotImplementedError(
                "get_config: only retrieve='running'/'all', format='text', full=False"
            )
        running = self.cli_session.op("show configuration commands")
        if sanitized:
            running = "\n".join(
                line
                for line in running.splitlines()
                if not any(k in line for k in ("password", "pre-shared-secret", " key "))
            )
        return {"running": strip_edit_line(running), "candidate": "", "startup": ""}

    def cli(self, commands: list[str], encoding: str = "text") -> dict[str, str]:
        if encoding != "text":
            raise NotImplementedError("cli: only encoding='text'")
        if not commands:
            return {}
        result: dict[str, str] = {}
        for command, output in zip(commands, self.cli_session.op_many(commands), strict=True):
            if any(marker in output for marker in OP_ERRORS):
                raise VyosCommandError(f"{command!r} rejected: {output.strip()}")
            result[command] = strip_edit_line(output)
        return result

    # --- configuration ----------------------------------------------------------------
    def load_replace_candidate(
        self, filename: str | None = None, config: str | None = None
    ) -> None:
        raise NotImplementedError(
            "load_replace_candidate: not implemented (VyOS `load` of a whole config.boot "
            "needs a file transfer); use load_merge_candidate with set/delete lines"
        )

    def load_merge_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        """Enter config mode and send every `set`/`delete` line as one bash list (one round
        trip whatever their number); any refusal discards the whole candidate."""
        if filename is not None:
            with open(filename, encoding="utf-8") as handle:
                text = handle.read()
        elif config is not None:
            text = config
        else:
            raise VyosMergeError("load_merge_candidate: give filename= or config=")
        try:
            lines = candidate_lines(text)
        except InputError as exc:
            raise VyosMergeError(str(exc)) from exc
        cli = self.cli_session
        if not cli.in_config:
            self._candidate_base = cli.op("show configuration commands")
        if not lines:
            cli.enter_config()
            return
        for line, output in zip(lines, cli.config_many(lines), strict=True):
            marker = line_error(output)
            if marker is not None:
                cli.leave_config(discard=True)
                self._candidate_base = None
                raise VyosMergeError(
                    f"{self.hostname}: {line!r} refused ({marker}); candidate discarded: "
                    + strip_edit_line(output).strip()
                )

    def compare_config(self) -> str:
        cli = self.cli_session
        if not cli.in_config:
            return ""
        return compare_diff(cli.config("compare"))

    def discard_config(self) -> None:
        """`exit discard`: uncommitted changes are dropped and the session is in op mode."""
        self.cli_session.leave_config(discard=True)
        self._candidate_base = None

    def has_pending_commit(self) -> bool:
        """True between commit_config(revert_in=N) and confirm_commit()/rollback() here."""
        return self._pending_confirm

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        cli = self.cli_session
        if not cli.in_config:
            raise VyosCommitError(f"{self.hostname}: nothing loaded to commit")
        if self._pending_confirm:
            raise VyosCommitError(
                f"{self.hostname}: a commit-confirm is pending: confirm_commit() or rollback()"
            )
        dialect = self._dialect()
        if '"' in message or "\n" in message:
            raise VyosCommitError("commit message must not contain double quotes or newlines")
        comment = f' comment "{message}"' if message else ""
        if revert_in is None:
            command = f"commit{comment}"
            self._check(cli.config(command, read_timeout=COMMIT_READ_TIMEOUT), COMMIT_FAILED)
            self._save(dialect)
        else:
            self._commit_confirm(dialect, max(1, math.ceil(revert_in / 60)), comment)
        self._rollback_source = self._candidate_base
        self._candidate_base = None
        cli.leave_config(discard=False)

    def _commit_confirm(self, dialect: VyosDialect, minutes: int, comment: str = "") -> None:
        """`commit-confirm N [comment "..."]`, then answer its question."""
        cli = self.cli_session
        prompt = PROCEED[dialect.confirm_style]
        either = f"(?:{prompt})|(?:{config_prompt_pattern(cli.conn.base_prompt)})"
        asked = cli.config(f"commit-confirm {minutes}{comment}", expect=either)
        if "Proceed" not in asked:
            raise VyosCommitError(f"{self.hostname}: commit-confirm refused: {asked.strip()}")
        self._check(
            cli.config("y", read_timeout=COMMIT_READ_TIMEOUT), COMMIT_FAILED + CONFIRM_FAILED
        )
        self._pending_confirm = True

    def confirm_commit(self) -> None:
        if not self._pending_confirm:
            raise VyosCommitError(f"{self.hostname}: no commit-confirm pending in this session")
        self._check(self.cli_session.config("confirm"), ("No confirm pending",))
        self._pending_confirm = False
        self._save(self._dialect())
        self.cli_session.leave_config(discard=False)

    def rollback(self) -> None:
        """Re-apply the running config from before this driver's last commit, then save.

        With a commit-confirm pending, the revert is committed and `confirm`ed, so the reboot
        timer stops. Without a commit made by this driver instance there is nothing known to
        return to: VyosCommitError (VyOS's own `rollback N` reboots and is not used).
        """
        source = self._rollback_source
        if source is None:
            raise VyosCommitError(
                f"{self.hostname}: rollback() only reverts a commit made by this driver "
                "instance (commit_config, with or without revert_in)"
            )
        cli = self.cli_session
        self._revert_to(source)
        if self._pending_confirm:
            self._check(cli.config("confirm"), ("No confirm pending",))
            self._pending_confirm = False
        self._save(self._dialect())
        cli.leave_config(discard=False)
        self._rollback_source = None

    def _revert_to(self, source: str) -> None:
        """Commit the delete/set lines that turn the running config back into `source` (the
        text of `show configuration commands`)."""
        cli = self.cli_session
        if cli.in_config:
            cli.leave_config(discard=True)
        commands = rollback_commands(source, cli.op("show configuration commands"))
        outputs = cli.config_many(commands) if commands else []
        for command, output in zip(commands, outputs, strict=True):
            marker = line_error(output)
            if marker is not None:
                cli.leave_config(discard=True)
                raise VyosCommitError(f"rollback: {command!r} refused ({marker})")
        if commands:
            self._check(cli.config("commit", read_timeout=COMMIT_READ_TIMEOUT), COMMIT_FAILED)

    # A commit-confirm left pending by another session (a deploy killed between commit and
    # confirm). VyOS has no read-only "is a confirm pending?" command on record; its `confirm`
    # answers `No confirm pending` when none is (1.3 and 1.4 config-mgmt), which is how these
    # two learn the router's own state.

    def confirm_pending_commit(self) -> bool:
        """`confirm` whoever committed, then save: True when the router had a commit-confirm
        pending (its revert timer is now stopped), False when it answered `No confirm pending`."""
        pending = self._confirm_whoever()
        self._save(self._dialect())
        self.cli_session.leave_config(discard=False)
        return pending

    def rollback_pending_commit(self, source: str) -> bool:
        """Return to `source` (`show configuration commands` from before the pending commit),
        then `confirm` so the router does not also revert by itself, then save. True when the
        router had a commit-confirm pending."""
        self._revert_to(source)
        pending = self._confirm_whoever()
        self._save(self._dialect())
        self.cli_session.leave_config(discard=False)
        return pending

    def _confirm_whoever(self) -> bool:
        """`confirm`: True for VyOS's answers when a timer was stopped (1.3 prints nothing,
        1.4/1.5 `Reboot timer stopped` or `Reload timer stopped`), False for `No confirm
        pending`; any other answer is an error."""
        answer = strip_edit_line(self.cli_session.config("confirm")).strip()
        self._pending_confirm = False
        if answer == "No confirm pending":
            return False
        if answer in CONFIRMED:
            return True
        raise VyosCommitError(f"{self.hostname}: confirm answered {answer!r}")

    def _save(self, dialect: VyosDialect) -> None:
        output = self.cli_session.config("save")
        if dialect.save_prints_done and "Done" not in output:
            raise VyosCommitError(f"{self.hostname}: save did not print Done: {output.strip()}")
        self._check(output, SAVE_FAILED)

    def _check(self, output: str, markers: tuple[str, ...]) -> None:
        if any(marker in output for marker in markers):
            raise VyosCommitError(f"{self.hostname}: {strip_edit_line(output).strip()}")
