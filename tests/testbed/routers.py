"""Routers for tests, written the short way: ``make_router("r", "10.0.0.1", service=Service.SSH, port=2222)``
builds a router whose one (default) service is that; ``with_service(r, port=8292)`` changes its default
service (other keywords go to ``dataclasses.replace``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from knockgui.core.model import Router, Service, ServiceSpec

_KEEP: Any = object()


def make_router(
    name: str,
    host: str,
    *,
    service: Service = Service.WINBOX,
    port: int | None = None,
    command: str = "",
    **fields: Any,
) -> Router:
    return Router(name=name, host=host, services=(ServiceSpec(service, port, "", command),), **fields)


def with_service(
    router: Router, *, service: Any = _KEEP, port: Any = _KEEP, command: Any = _KEEP, **fields: Any
) -> Router:
    first = router.services[0]
    spec = ServiceSpec(
        first.kind if service is _KEEP else service,
        first.port if port is _KEEP else port,
        first.user,
        first.command if command is _KEEP else command,
    )
    return replace(router, services=(spec, *router.services[1:]), **fields)
