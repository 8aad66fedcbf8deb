"""Each mail backend, against the real aiosmtpd server where there is one."""

from __future__ import annotations

import io
from email import message_from_bytes, policy

import pytest

from tests.support import services
from tqconsole.backends.mail import (
    DeliveryError,
    EmailMessage,
    MailUnavailable,
    from_url,
    get_connection,
)
from tqconsole.errors import ConfigError, ReadOnlyError


def message(n: int = 0, **kwargs) -> EmailMessage:
    args = dict(
        subject=f"Nachricht {n}",
        body=f"Text {n}\n",
        from_email="Büro <office@example.ch>",
        to=[f"to{n}@example.ch"],
        cc=["cc@example.ch"],
        bcc=["hidden@example.ch"],
    )
    args.update(kwargs)
    return EmailMessage(**args)


def test_smtp_one_connection_for_many_messages_with_bcc_only_in_envelope(smtp_server):
    backend = get_connection(smtp_server.url)
    connects = []
    original = backend._connect
    backend._connect = lambda: connects.append(1) or original()
    assert backend.send_messages([message(i) for i in range(5)]) == 5
    assert len(connects) == 1
    assert len(smtp_server.messages) == 5
    envelope = smtp_server.messages[0]
    assert envelope.mail_from == "office@example.ch"
    assert envelope.rcpt_tos == ["to0@example.ch", "cc@example.ch", "hidden@example.ch"]
    parsed = message_from_bytes(envelope.original_content, policy=policy.default)
    assert parsed["To"] == "to0@example.ch"
    assert parsed["Cc"] == "cc@example.ch"
    assert "Bcc" not in parsed
    assert b"hidden@example.ch" not in envelope.original_content
    assert parsed.get_content().strip() == "Text 0"


def test_smtp_refused_recipient_reported_others_delivered(smtp_server):
    smtp_server.refuse.add("cc@example.ch")
    refused = get_connection(smtp_server.url).deliver(message())
    assert list(refused) == ["cc@example.ch"]
    assert refused["cc@example.ch"].startswith("550")
    assert smtp_server.messages[0].rcpt_tos == ["to0@example.ch", "hidden@example.ch"]


def test_smtp_every_recipient_refused_is_a_permanent_error(smtp_server):
    smtp_server.refuse.update({"to0@example.ch", "cc@example.ch", "hidden@example.ch"})
    with pytest.raises(DeliveryError) as info:
        get_connection(smtp_server.url).deliver(message())
    assert not info.value.temporary
    assert set(info.value.refused) == {"to0@example.ch", "cc@example.ch", "hidden@example.ch"}
    assert not smtp_server.messages


def test_smtp_down_is_unavailable_and_fail_silently_swallows():
    url = f"smtp://127.0.0.1:{services.free_port()}?timeout=2"
    with pytest.raises(MailUnavailable) as info:
        get_connection(url).send_messages([message()])
    assert "connection refused" in str(info.value)
    assert info.value.temporary
    assert get_connection(url, fail_silently=True).send_messages([message()]) == 0


def test_smtp_url_options():
    backend = from_url("smtps://user%40x:p%3Ass@mail.example.ch?timeout=3")
    assert (backend.host, backend.port, backend.use_ssl, backend.use_tls) == (
        "mail.example.ch",
        465,
        True,
        False,
    )
    assert (backend.username, backend.password, backend.timeout) == ("user@x", "p:ss", 3.0)
    starttls = from_url("smtp+starttls://mail.example.ch")
    assert (starttls.port, starttls.use_tls) == (587, True)
    assert from_url("smtp://h:2525").port == 2525
    with pytest.raises(ConfigError):
        from_url("smtp://h?timeout=soon")
    with pytest.raises(ConfigError):
        from_url("pigeon://h")


def test_file_backend_writes_one_eml_per_message(tmp_path):
    backend = get_connection(f"file://{tmp_path / 'out'}")
    assert backend.send_messages([message(1), message(2)]) == 2
    files = sorted((tmp_path / "out").glob("*.eml"))
    assert len(files) == 2
    subjects = {message_from_bytes(f.read_bytes(), policy=policy.default)["Subject"] for f in files}
    assert subjects == {"Nachricht 1", "Nachricht 2"}


def test_console_locmem_and_dummy():
    from tqconsole.backends.mail import locmem

    stream = io.StringIO()
    console = from_url("console://", stream=stream)
    assert console.send_messages([message(7)]) == 1
    assert "Subject: Nachricht 7" in stream.getvalue()
    assert "\r" not in stream.getvalue()
    locmem.outbox.clear()
    assert get_connection("locmem://").send_messages([message(1), message(2)]) == 2
    assert [m.message()["Subject"] for m in locmem.outbox] == ["Nachricht 1", "Nachricht 2"]
    assert locmem.outbox[0].recipients[-1] == "hidden@example.ch"
    assert get_connection("dummy://").send_messages([message()]) == 1


def test_read_only_refuses_sending(smtp_server):
    with pytest.raises(ReadOnlyError):
        from_url(smtp_server.url, read_only=True).send_messages([message()])
    assert not smtp_server.messages


def test_health_reports_greeting_and_tls(smtp_server, monkeypatch, sqlite_url):
    from tqconsole.backends import Backends
    from tqconsole.services.db.schema import init
    from tqconsole.services.health import check
    from tqconsole.settings import load

    monkeypatch.setenv("TQ_EMAIL_URL", smtp_server.url)
    backends = Backends(load())
    init(backends)
    health = check(backends, "email")
    backends.close()
    assert health.ok, health.error
    assert "TLS: none" in health.version
    figures = dict(health.figures)
    assert figures["tls"] == "none"
    assert figures["sent today"] == "0"


def test_health_of_a_server_that_is_down(monkeypatch, sqlite_url):
    from tqconsole.backends import Backends
    from tqconsole.services.db.schema import init
    from tqconsole.services.health import check
    from tqconsole.settings import load

    monkeypatch.setenv("TQ_EMAIL_URL", f"smtp://127.0.0.1:{services.free_port()}?timeout=2")
    backends = Backends(load())
    init(backends)
    health = check(backends, "email")
    backends.close()
    assert not health.ok
    assert "unavailable" in health.error
    assert dict(health.figures)["queued"] == "0"  # what waits is shown while the server is down


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (openssl), trusted through ?cafile=."""
    import shutil
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
def test_tls_starttls_and_implicit(certificate, scheme):
    import ssl

    from aiosmtpd.controller import Controller

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = services.SmtpServer("127.0.0.1", services.free_port())
    tls = {"tls_context": context} if scheme == "smtp+starttls" else {"ssl_context": context}
    controller = Controller(
        services.RecordingHandler(server), hostname="127.0.0.1", port=server.port, **tls
    )
    controller.start()
    try:
        url = f"{scheme}://127.0.0.1:{server.port}?cafile={cert}&timeout=5"
        assert get_connection(url).send_messages([message()]) == 1
        version, figures = get_connection(url).probe()
        untrusted = get_connection(f"{scheme}://127.0.0.1:{server.port}?timeout=5")
        with pytest.raises(MailUnavailable, match="CERTIFICATE_VERIFY_FAILED|certificate"):
            untrusted.send_messages([message()])
    finally:
        controller.stop()
    assert len(server.messages) == 1
    assert "TLSv1" in dict(figures)["tls"]
    assert ("STARTTLS" if scheme == "smtp+starttls" else "implicit") in version


def test_connection_dropped_while_idle_is_reopened_once():
    from aiosmtpd.controller import Controller

    server = services.SmtpServer("127.0.0.1", services.free_port())

    def start():
        controller = Controller(
            services.RecordingHandler(server), hostname="127.0.0.1", port=server.port
        )
        controller.start()
        return controller

    controller = start()
    backend = get_connection(server.url)
    with backend:
        backend.deliver(message(1))
        controller.stop()  # the server goes away (restart, idle timeout) …
        controller = start()  # … and comes back
        backend.deliver(message(2))
        controller.stop()
        with pytest.raises(MailUnavailable):
            backend.deliver(message(3))
    assert len(server.messages) == 2


def test_smtp_login_with_user_and_password_from_the_url():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"tq" and auth_data.password == b"s3cr:t"
        return AuthResult(success=ok, handled=False)

    server = services.SmtpServer("127.0.0.1", services.free_port())
    controller = Controller(
        services.RecordingHandler(server),
        hostname="127.0.0.1",
        port=server.port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        good = get_connection(f"smtp://tq:s3cr%3At@127.0.0.1:{server.port}")
        assert good.send_messages([message()]) == 1
        bad = get_connection(f"smtp://tq:wrong@127.0.0.1:{server.port}")
        with pytest.raises(DeliveryError, match="refused the login") as info:
            bad.send_messages([message()])
        assert not info.value.temporary
    finally:
        controller.stop()
    assert len(server.messages) == 1
