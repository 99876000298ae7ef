"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd in its own thread).

TLS uses a throw-away certificate authority made by ``trustme`` for each server: the client is
told to trust it through ``[smtp] ca_file``. AUTH (PLAIN/LOGIN) is required and only allowed
over TLS. The :class:`Mailbox` handler records every accepted message and can refuse chosen
recipients permanently (5xx) or a given number of times transiently (4xx), and can hold a
client in RCPT (to kill it there deterministically).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "desk-user"
PASSWORD = "s3cret-Pa55word-not-for-logs"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    login: str | None


@dataclass
class Mailbox:
    """aiosmtpd handler: accept, refuse or hold recipients; record what was accepted."""

    permanent: dict[str, str] = field(default_factory=dict)  # address -> "550 ..." reply
    transient: dict[str, int] = field(default_factory=dict)  # address -> 4xx replies still to give
    hold_after: int | None = None  # hold RCPT once this many messages were accepted
    messages: list[Received] = field(default_factory=list)
    rcpt_attempts: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
            and auth_data.password == PASSWORD.encode()
        if ok:
            self.logins.append(auth_data.login.decode())
        # handled=False: aiosmtpd itself answers a failed login with 535 (its default, handled=True,
        # would send no reply at all and leave the client waiting)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.rcpt_attempts.append(address)
            hold = self.hold_after is not None and len(self.messages) >= self.hold_after
        if hold:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        if address in self.permanent:
            return self.permanent[address]
        with self.lock:
            if self.transient.get(address, 0) > 0:
                self.transient[address] -= 1
                return "451 4.3.0 Temporary local problem, try again"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        tls = session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content), tls,
                                          login))
        return "250 2.0.0 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def per_recipient(self) -> dict[str, int]:
        with self.lock:
            out: dict[str, int] = {}
            for m in self.messages:
                for r in m.rcpt_tos:
                    out[r] = out.get(r, 0) + 1
            return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    host: str
    port: int
    mailbox: Mailbox
    ca_file: Path
    security: str

    def smtp_config(self, **extra) -> dict:
        """The ``[smtp]`` table a client needs to reach this server."""
        return {"host": self.host, "port": self.port, "security": self.security, "ca_file": str(self.ca_file),
                "sender": "Macro Desk <desk@example.com>", "backoff_seconds": 0.01, "timeout_seconds": 10.0,
                **extra}


@contextmanager
def smtp_server(tmp_path: Path, *, implicit_tls: bool = False, mailbox: Mailbox | None = None):
    """Run a TLS + AUTH SMTP server on 127.0.0.1 for the duration of the block."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    ca_file = tmp_path / f"test-ca-{time.monotonic_ns()}.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    box = mailbox or Mailbox()
    port = free_port()
    kwargs = dict(hostname="127.0.0.1", port=port, authenticator=box.authenticate, auth_required=True)
    if implicit_tls:
        # the socket is TLS from the first byte; aiosmtpd only knows about TLS it negotiated itself
        # (STARTTLS), so its own "AUTH only over TLS" check is switched off here
        controller = Controller(box, ssl_context=ctx, auth_require_tls=False, **kwargs)
    else:
        controller = Controller(box, tls_context=ctx, require_starttls=True, auth_require_tls=True, **kwargs)
    controller.start()
    try:
        yield Server("127.0.0.1", port, box, ca_file, "tls" if implicit_tls else "starttls")
    finally:
        box.release.set()
        controller.stop()
