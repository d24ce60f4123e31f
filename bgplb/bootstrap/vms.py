"""The write-up's uvtool VMs as `uvt-kvm` command lines (pure)."""

from __future__ import annotations

import shlex

from bgplb.model.specs import VmSpec

LIST_COMMAND = "uvt-kvm list"


def create_command(vm: VmSpec) -> str:
    """`uvt-kvm create` as in launch-instances.sh, without the inline password (the VM gets
    the hypervisor user's SSH key, uvtool's default)."""
    argv = ["uvt-kvm", "create", vm.name, "--template", vm.template]
    argv += ["--cpu", str(vm.cpu), "--memory", str(vm.memory_mib), "--disk", str(vm.disk_gib)]
    if vm.run_script_once:
        argv += ["--run-script-once", vm.run_script_once]
    return shlex.join(argv)


def parse_vm_list(text: str) -> set[str]:
    """`uvt-kvm list` prints one VM name a line."""
    return {line.strip() for line in text.splitlines() if line.strip()}


def missing_vms(vms: tuple[VmSpec, ...], existing: set[str]) -> list[VmSpec]:
    return [vm for vm in vms if vm.name not in existing]
