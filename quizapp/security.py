"""Security headers on every response."""

from __future__ import annotations

import ipaddress
import json
import re

from flask import Flask, Response, abort, current_app, request

from .database import write_intent
from .i18n import gettext as _

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _has_nul(multidict) -> bool:
    return any("\x00" in value for values in multidict.listvalues() for value in values)


# A JSON escape of a UTF-16 surrogate (\ud800 to \udfff). A pair stands for one
# character and decodes to it; a lone one decodes to a string no database,
# hash or response can encode (UnicodeEncodeError, a 500).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(data: bytes) -> bool:
    if not _SURROGATE_ESCAPE.search(data):
        return False
    try:
        json.dumps(json.loads(data), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except ValueError:
        return False  # not JSON at all: the view says so
    return False


def register(app: Flask) -> None:
    """Install the request hooks that set headers and transaction intent."""

    @app.before_request
    def _refuse_nul_characters():
        # PostgreSQL text cannot hold NUL and psycopg raises on it (a 500); no
        # person types one. Refused for every route, before any query runs.
        if "\x00" in request.path or _has_nul(request.args) or (
                request.mimetype in FORM_TYPES and _has_nul(request.form)) or (
                request.is_json and (b"\x00" in request.get_data() or b"\\u0000" in request.get_data())):
            abort(400, _("Text with a NUL character is not accepted."))
        if request.is_json and _has_lone_surrogate(request.get_data()):
            abort(400, _("Text that is not valid Unicode is not accepted."))

    @app.before_request
    def _mark_write_intent() -> None:
        view = app.view_functions.get(request.endpoint or "")
        write_intent.set(request.method not in SAFE_METHODS and not getattr(view, "reads_first", False))

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if request.endpoint and request.endpoint != "static":
            # Pages hold a learner's exam; keep them out of shared caches.
            headers.setdefault("Cache-Control", "no-store")
        return response


def client_address_from(remote: str, forwarded_for: str, trusted: list) -> str:
    """The client's address: the socket's, or X-Forwarded-For's behind trusted proxies.

    The header is read right to left, skipping our own proxies; the first
    address no trusted proxy owns is the client. A header from anyone else is
    ignored, since a client can write whatever it likes there.
    """
    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in trusted)

    if not trusted or not is_trusted(remote):
        return remote
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # garbage in the header: fall back to the proxy
    return hops[0] if hops else remote


def throttle_key(address: str) -> str:
    """What a throttle counts an address as: an IPv6 address by its /64.

    One home or office line gets a whole /64 and may use any address in it, so
    counting each /128 let one client rotate through fresh addresses past every
    limit. An IPv4 address (mapped into IPv6 or not) counts as itself.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_address() -> str:
    """The address throttles count for this request (an IPv6 one by its /64)."""
    return throttle_key(client_address_from(request.remote_addr or "-", request.headers.get("X-Forwarded-For", ""),
                                            current_app.config["TRUSTED_PROXIES"]))
