"""HTTP hardening the app does for itself: the real client behind proxies, and security headers.

Behind nginx every request arrives from 127.0.0.1, so unless the proxy's
``X-Forwarded-For`` is trusted every client shares one rate-limit bucket and the audit
log names the proxy. ``COOPFED_TRUSTED_PROXIES`` says how many proxies to trust: exactly
that many hops of ``X-Forwarded-*`` are believed (werkzeug's ProxyFix), and no more, so
a client cannot choose its own address by sending the header itself.

Every response carries a Content Security Policy with no inline script or style, and no
framing; every dynamic response is ``Cache-Control: no-store`` unless the view chose
otherwise, so personal pages and the one-time client secret are never kept by a cache.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def trust_proxies(app: Flask, hops: int) -> None:
    """Believe ``hops`` proxies' X-Forwarded-For/-Proto/-Host/-Port; none when 0."""
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops)


def _set_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    static = (request.endpoint or "").rsplit(".", 1)[-1] == "static"
    if not static and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def init_app(app: Flask) -> None:
    """Trust the configured proxies and add the security headers to every response."""
    trust_proxies(app, app.config["TRUSTED_PROXIES"])
    app.after_request(_set_headers)
