"""Validating admission webhooks: a request matched by a ValidatingWebhookConfiguration fails
until the webhook's Service has a ready endpoint (as on a real cluster right after MetalLB's
manifests are applied), then goes to the emulated webhook handler, if any."""

from __future__ import annotations

from collections.abc import Callable

from lab.k8s.catalog import ResourceType
from lab.k8s.metallb_webhook import VALIDATORS
from lab.k8s.status import ApiError, internal
from lab.k8s.store import JsonObj, Store

VWC = ("admissionregistration.k8s.io", "validatingwebhookconfigurations")
Validator = Callable[[Store, JsonObj], str | None]


def _matches(values: list[str], wanted: str) -> bool:
    return "*" in values or wanted in values


def _rule_matches(rule: JsonObj, rt: ResourceType, operation: str) -> bool:
    return (
        _matches(rule.get("apiGroups") or [], rt.group)
        and _matches(rule.get("apiVersions") or [], rt.version)
        and _matches(rule.get("operations") or [], operation)
        and _matches(rule.get("resources") or [], rt.plural)
    )


def ready_addresses(store: Store, namespace: str, name: str) -> list[str]:
    ep = store.get(("", "endpoints"), namespace, name)
    if ep is None:
        return []
    return [a["ip"] for s in ep.get("subsets") or [] for a in s.get("addresses") or []]


def _call(store: Store, hook: JsonObj) -> str | None:
    """Why the webhook cannot be reached, or None when it can."""
    service = (hook.get("clientConfig") or {}).get("service")
    if not service:
        return None
    ns, name = service.get("namespace", ""), service.get("name", "")
    path = service.get("path", "")
    port = service.get("port", 443)
    url = f"https://{name}.{ns}.svc:{port}{path}?timeout={hook.get('timeoutSeconds', 10)}s"
    if store.get(("", "services"), ns, name) is None:
        return f'failed to call webhook: Post "{url}": service "{name}" not found'
    if not ready_addresses(store, ns, name):
        return f'failed to call webhook: Post "{url}": no endpoints available for service "{name}"'
    return None


def check_webhooks(store: Store, rt: ResourceType, operation: str, obj: JsonObj) -> None:
    for config in store.list(VWC):
        for hook in config.get("webhooks") or []:
            if not any(_rule_matches(r, rt, operation) for r in hook.get("rules") or []):
                continue
            name = str(hook.get("name", ""))
            failure = _call(store, hook)
            if failure is not None:
                if hook.get("failurePolicy", "Fail") == "Ignore":
                    continue
                raise internal(f'failed calling webhook "{name}": {failure}')
            validator = VALIDATORS.get(rt.kind) if rt.group == "metallb.io" else None
            denial = validator(store, obj) if validator else None
            if denial:
                raise ApiError(
                    403, "Forbidden", f'admission webhook "{name}" denied the request: {denial}', {}
                )
