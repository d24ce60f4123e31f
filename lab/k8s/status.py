"""Kubernetes `Status` bodies, raised as `ApiError` and written by the HTTP layer.

Reasons, codes and message wording follow k8s.io/apimachinery/pkg/api/errors.
"""

from __future__ import annotations

from typing import Any

JsonObj = dict[str, Any]


class ApiError(Exception):
    """An error the server answers with a Status body."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: JsonObj | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def body(self) -> JsonObj:
        out: JsonObj = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if self.details is not None:
            out["details"] = self.details
        out["code"] = self.code
        return out


def _details(name: str, group: str, kind: str) -> JsonObj:
    out: JsonObj = {"name": name}
    if group:
        out["group"] = group
    out["kind"] = kind
    return out


def not_found(group_resource: str, name: str, group: str = "", plural: str = "") -> ApiError:
    return ApiError(
        404,
        "NotFound",
        f'{group_resource} "{name}" not found',
        _details(name, group, plural or group_resource.split(".", maxsplit=1)[0]),
    )


def no_such_resource() -> ApiError:
    """A path naming no resource the server serves (unknown kind, group or version)."""
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(group_resource: str, name: str, group: str, plural: str) -> ApiError:
    return ApiError(
        409,
        "AlreadyExists",
        f'{group_resource} "{name}" already exists',
        _details(name, group, plural),
    )


def conflict(group_resource: str, name: str, group: str, plural: str, why: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {group_resource} "{name}": {why}',
        _details(name, group, plural),
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def invalid(kind: str, name: str, group: str, causes: list[tuple[str, str, str]]) -> ApiError:
    """422 Invalid; each cause is (reason e.g. FieldValueRequired, field, message)."""
    text = ", ".join(f"{f}: {m}" for _, f, m in causes)
    details = _details(name, group, kind)
    details["causes"] = [{"reason": r, "message": m, "field": f} for r, f, m in causes]
    qualified = f"{kind}.{group}" if group else kind
    return ApiError(422, "Invalid", f'{qualified} "{name}" is invalid: {text}', details)


def method_not_allowed(method: str) -> ApiError:
    return ApiError(
        405,
        "MethodNotAllowed",
        f"the server does not allow this method on the requested resource ({method})",
        {},
    )


PATCH_MEDIA_TYPES = (
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
    "application/strategic-merge-patch+json"
)


def unsupported_media_type(content_type: str, accepted: str = PATCH_MEDIA_TYPES) -> ApiError:
    return ApiError(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        f"{accepted} (got {content_type!r})",
        {},
    )


def forbidden(user: str, verb: str, what: str) -> ApiError:
    return ApiError(403, "Forbidden", f'{what} is forbidden: User "{user}" cannot {verb}', {})


def internal(message: str) -> ApiError:
    return ApiError(
        500,
        "InternalError",
        f"Internal error occurred: {message}",
        {"causes": [{"message": message}]},
    )


def success_status(name: str, group: str, kind: str, uid: str) -> JsonObj:
    details = _details(name, group, kind)
    details["uid"] = uid
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }
