"""The site's environment (``--site-env FILE`` or its TQ_* variables) configures the console."""

import json
import uuid
from urllib.parse import urlsplit

import pytest

from tests.support import services
from tqconsole import settings
from tqconsole.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def site_db(pg_database):
    """The session's PostgreSQL database as the site's TQ_DB_* variables."""
    parts = urlsplit(pg_database)
    yield {
        "TQ_DB_NAME": parts.path.lstrip("/"),
        "TQ_DB_USER": parts.username,
        "TQ_DB_PASSWORD": "db-s3cret",  # trust authentication: any password is accepted
        "TQ_DB_HOST": parts.hostname,
        "TQ_DB_PORT": str(parts.port),
    }
    services.reset_pg_schema(pg_database)


def write_env(path, variables: dict[str, str], extra: str = "") -> str:
    lines = ["# the site's .env", "TQ_DEBUG=false", "TQ_SECRET_KEY='not-for-us'"]
    lines += [f"{k}={v}" for k, v in variables.items()]
    path.write_text("\n".join(lines) + "\n" + extra)
    return str(path)


def test_site_env_file_configures_every_backend_and_check_names_the_origin(
    site_db, redis_url, s3_server, tmp_path, capsys
):
    host, port = s3_server.removeprefix("http://").split(":")
    s3 = {"HOST": host, "PORT": port, "REGION": "us-east-1", "USE_SSL": "false"}
    s3 |= {"ACCESS_KEY": "testing", "SECRET_KEY": "s3-s3cret", "CUSTOM_DOMAIN": ""}
    site = dict(site_db, TQ_REDIS_BROKER_URL=redis_url)
    for storage in ("MEDIA", "STATIC", "FINANCE"):
        site |= {f"TQ_S3_{storage}_{k}": v for k, v in s3.items()}
        site[f"TQ_S3_{storage}_BUCKET"] = f"site-{storage.lower()}-{uuid.uuid4().hex[:8]}"
    site |= {"TQ_EMAIL_HOST": "127.0.0.1", "TQ_EMAIL_HOST_USER": "mailer"}
    site |= {"TQ_EMAIL_HOST_PASSWORD": "mail-s3cret", "TQ_DEFAULT_FROM_EMAIL": "TQ <tq@x.ch>"}
    env_file = write_env(tmp_path / "site.env", site)

    code, out, err = run(capsys, "--site-env", env_file, "init")
    assert code == 0, err
    code, out, err = run(capsys, "check", "--site-env", env_file, "--json")
    rows = {row["family"]: row for row in json.loads(out)}
    for family in ("database", "cache", "storage"):
        assert rows[family]["ok"], rows[family]
        assert env_file in rows[family]["from"]
    assert rows["database"]["from"].startswith("TQ_DB_* (site env file")
    assert rows["cache"]["from"].startswith("TQ_REDIS_BROKER_URL")
    assert rows["storage"]["from"].startswith("TQ_S3_MEDIA_* (")
    assert rows["email"]["url"] == "smtp+starttls://mailer:***@127.0.0.1:587"
    assert rows["email"]["from"].startswith("TQ_EMAIL_HOST* (")

    code, out, err = run(capsys, "--site-env", env_file, "check")
    assert "TQ_DB_* (site env" in out and "TQ_REDIS_BROKER_URL" in out
    assert (
        f"setting: default_from_email = TQ <tq@x.ch> (from TQ_DEFAULT_FROM_EMAIL (site env file {env_file}))"
        in out
    )
    assert f"storage_finance_bucket = {site['TQ_S3_FINANCE_BUCKET']}" in out
    assert f"celery_broker_url = {redis_url} (from TQ_REDIS_BROKER_URL" in out
    assert "note:" not in out  # one endpoint for all three: no note
    for secret in ("db-s3cret", "s3-s3cret", "mail-s3cret"):
        assert secret not in out + err


def test_the_sites_tq_debug_false_does_not_switch_on_tracebacks(monkeypatch, capsys):
    from tqconsole.commands import setup

    def broken(ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(setup, "cmd_check", broken)
    monkeypatch.setenv("TQ_DEBUG", "false")
    code, out, err = run(capsys, "check")
    assert code == 1 and "RuntimeError: boom" in err and "TQCONSOLE_DEBUG=1" in err
    monkeypatch.setenv("TQ_DEBUG", "true")  # the site's debug mode is not ours either
    assert run(capsys, "check")[0] == 1
    monkeypatch.setenv("TQCONSOLE_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(["check"])


def test_the_consoles_own_settings_win_over_the_sites(site_db, tmp_path, monkeypatch):
    env_file = tmp_path / "site.env"
    write_env(env_file, dict(site_db, TQ_DEFAULT_FROM_EMAIL="site@x.ch", TQ_S3_MEDIA_BUCKET="m"))
    loaded = settings.load(site_env=env_file)
    assert loaded.database_url.startswith("postgresql://")
    assert loaded.origin("database").startswith("TQ_DB_*")
    assert loaded.default_from_email == "site@x.ch"
    assert loaded.bucket("media") == "m" and loaded.bucket("static") == "static"

    (tmp_path / "tqconsole.toml").write_text('database_url = "sqlite:///own.db"\n')
    loaded = settings.load(site_env=env_file)
    assert loaded.database_url == "sqlite:///own.db"
    assert loaded.origin("database") == "tqconsole.toml database_url"

    monkeypatch.setenv("TQ_DATABASE_URL", "sqlite:///env.db")
    monkeypatch.setenv("TQCONSOLE_DEFAULT_FROM_EMAIL", "console@x.ch")
    monkeypatch.setenv("TQ_STORAGE_MEDIA_BUCKET", "own-media")
    loaded = settings.load(site_env=env_file)
    assert (
        loaded.database_url == "sqlite:///env.db" and loaded.origin("database") == "TQ_DATABASE_URL"
    )
    assert loaded.default_from_email == "console@x.ch"
    assert loaded.origin("default_from_email") == "TQCONSOLE_DEFAULT_FROM_EMAIL"
    assert loaded.bucket("media") == "own-media"


def test_the_sites_variables_in_the_environment_configure_too(site_db, monkeypatch):
    for name, value in site_db.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TQ_DEFAULT_FROM_EMAIL", "site@x.ch")
    loaded = settings.load()
    assert loaded.origin("database").endswith("(environment)")
    # the site's TQ_DEFAULT_FROM_EMAIL is read as the site's, not as the console's own
    assert loaded.default_from_email == "site@x.ch"
    assert loaded.origin("default_from_email") == "TQ_DEFAULT_FROM_EMAIL (environment)"
    assert loaded.origin("cache") == "default"


def test_a_malformed_line_is_one_error_naming_file_and_line(tmp_path, capsys):
    env_file = write_env(tmp_path / "site.env", {"TQ_DB_NAME": "tq"}, 'TQ_DB_HOST="open\n')
    code, out, err = run(capsys, "--site-env", env_file, "check")
    assert code != 0 and err.count("\n") == 1
    assert f"site env file {env_file} line 5:" in err
    code, out, err = run(capsys, "--site-env", str(tmp_path / "missing.env"), "check")
    assert code != 0 and "missing.env does not exist" in err


def test_dotenv_values_are_read_as_dotenv_writes_them(tmp_path):
    from tqconsole.site_env import read_dotenv

    path = tmp_path / "x.env"
    path.write_text(
        "export A=1\nB = \"two words\" # note\nC='single # kept'\nD=plain # comment\n"
        'E="line\\nbreak"\nF=\n'
    )
    assert read_dotenv(path) == {
        "A": "1",
        "B": "two words",
        "C": "single # kept",
        "D": "plain",
        "E": "line\nbreak",
        "F": "",
    }


def test_each_storage_gets_its_own_endpoint_keys_and_custom_domain(tmp_path):
    site = {
        "TQ_S3_MEDIA_HOST": "s3.a.ch",
        "TQ_S3_MEDIA_ACCESS_KEY": "k",
        "TQ_S3_MEDIA_PORT": "9000",
    }
    site |= {"TQ_S3_MEDIA_BUCKET": "tq-media", "TQ_S3_MEDIA_CUSTOM_DOMAIN": "{}.cdn.tq.ch"}
    site |= {"TQ_S3_FINANCE_HOST": "s3.b.ch", "TQ_S3_FINANCE_ACCESS_KEY": "k2"}
    site |= {"TQ_S3_FINANCE_SECRET_KEY": "s/cret", "TQ_S3_FINANCE_USE_SSL": "true"}
    site |= {"TQ_S3_FINANCE_REGION": "eu-central-2"}
    site |= {"TQ_S3_STATIC_HOST": "s3.a.ch", "TQ_S3_STATIC_ACCESS_KEY": "k"}
    site |= {"TQ_S3_STATIC_PORT": "9000", "TQ_S3_STATIC_CUSTOM_DOMAIN": "static.tq.ch"}
    env_file = write_env(tmp_path / "site.env", site)
    loaded = settings.load(site_env=env_file)
    assert loaded.storage_url("media") == loaded.url("storage") == "s3://k@s3.a.ch:9000?secure=0"
    assert loaded.storage_url("static") == loaded.url("storage")  # same endpoint and keys
    finance = "s3://k2:s%2Fcret@s3.b.ch?secure=1&region=eu-central-2"
    assert loaded.storage_url("finance") == finance
    assert loaded.origin("storage_finance_url").startswith("TQ_S3_FINANCE_* (site env file")
    assert loaded.custom_domain("media") == "tq-media.cdn.tq.ch"
    assert loaded.custom_domain("static") == "static.tq.ch"
    assert loaded.custom_domain("finance") == ""


def test_the_consoles_own_storage_url_serves_all_three(tmp_path, monkeypatch):
    site = {"TQ_S3_MEDIA_HOST": "s3.a.ch", "TQ_S3_FINANCE_HOST": "s3.b.ch"}
    site |= {"TQ_S3_STATIC_HOST": "s3.a.ch", "TQ_S3_STATIC_CUSTOM_DOMAIN": "static.tq.ch"}
    monkeypatch.setenv("TQ_STORAGE_URL", "file:///srv/tq-storage")
    loaded = settings.load(site_env=write_env(tmp_path / "site.env", site))
    assert {loaded.storage_url(name) for name in ("media", "static", "finance")} == {
        "file:///srv/tq-storage"
    }
    assert loaded.custom_domain("static") == ""
