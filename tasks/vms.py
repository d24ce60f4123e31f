"""Nornir task: the write-up's uvtool VMs on the hypervisor, skipping those that exist."""

from __future__ import annotations

from nornir.core.task import Result, Task

from bgplb.bootstrap.shell_status import split_status, with_status
from bgplb.bootstrap.vms import LIST_COMMAND, create_command, missing_vms, parse_vm_list
from bgplb.errors import DeviceError
from bgplb.model import Site

CREATE_TIMEOUT = 1800.0


def vms(task: Task, site: Site, dry_run: bool | None = None, probe: bool = True) -> Result:
    """Create missing VMs. A dry run with `probe=False` connects to nothing and lists every
    VM's command (for a hypervisor that is not reachable, as in the twin)."""
    if site.hypervisor is None or site.hypervisor.name != task.host.name:
        raise DeviceError(f"host {task.host.name} is not the site's hypervisor")
    dry = task.is_dry_run(dry_run)
    if dry and not probe:
        commands = [create_command(vm) for vm in site.hypervisor.vms]
        return Result(host=task.host, changed=bool(commands), diff="\n".join(commands))
    conn = task.host.get_connection("netmiko", task.nornir.config)
    text, rc = split_status(conn.send_command(with_status(LIST_COMMAND)), LIST_COMMAND)
    if rc != 0:
        raise DeviceError(f"`{LIST_COMMAND}` exited with {rc}: {text.strip()[:200]}")
    commands = [create_command(vm) for vm in missing_vms(site.hypervisor.vms, parse_vm_list(text))]
    if not dry:
        for command in commands:
            out, rc = split_status(
                conn.send_command(with_status(command), read_timeout=CREATE_TIMEOUT), command
            )
            if rc != 0:
                raise DeviceError(f"`{command}` exited with {rc}: {out.strip()[-300:]}")
    return Result(host=task.host, changed=bool(commands), diff="\n".join(commands))
