import pytest

from tqconsole.errors import ConfigError
from tqconsole.settings import load, mask_url


def test_embedded_defaults_live_in_the_data_dir(tmp_path):
    settings = load()
    data = tmp_path / "data"
    assert settings.url("database") == f"sqlite:///{data / 'tqconsole.db'}"
    assert settings.url("cache") == "db://tq_cache_table"
    assert settings.url("storage") == f"file://{data / 'storage'}"
    assert settings.url("email") == f"file://{data / 'outbox'}"
    assert settings.url("queue") == f"sqlite:///{data / 'queue.db'}"
    assert not settings.read_only


def test_profile_from_file_and_environment_wins(tmp_path, monkeypatch):
    (tmp_path / "tqconsole.toml").write_text(
        'database_url = "postgresql://base@h/db"\n'
        "[profiles.prod]\n"
        'database_url = "postgresql://tq:secret@db/tq"\n'
        'cache_url = "redis://cache:6379/1"\n'
        "read_only = true\n"
    )
    assert load().database_url == "postgresql://base@h/db"
    prod = load(profile="prod")
    assert prod.database_url == "postgresql://tq:secret@db/tq"
    assert prod.read_only
    assert prod.masked("database") == "postgresql://tq:***@db/tq"
    monkeypatch.setenv("TQ_CACHE_URL", "locmem://")
    assert load(profile="prod").url("cache") == "locmem://"


def test_xdg_config_file_is_found(tmp_path):
    folder = tmp_path / "config" / "tqconsole"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text('queue_url = "redis://q:6379/2"\n')
    assert load().url("queue") == "redis://q:6379/2"


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("TQ_DATABASE_URL", "mysql://x/y", "TQ_DATABASE_URL: unknown scheme 'mysql'"),
        ("TQ_CACHE_URL", "redis://h:notaport/1", "TQ_CACHE_URL: malformed redis URL"),
        ("TQ_EMAIL_URL", "no-scheme-here", "TQ_EMAIL_URL: 'no-scheme-here' is not a URL"),
    ],
)
def test_bad_urls_name_the_variable(monkeypatch, var, value, message):
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load()


def test_malformed_url_never_echoes_part_of_the_secret(monkeypatch):
    monkeypatch.setenv("TQ_STORAGE_URL", "s3://KEY:se/cr:et@host:9000")
    with pytest.raises(ConfigError) as info:
        load()
    assert "TQ_STORAGE_URL: malformed s3 URL" in str(info.value)
    assert "se/cr" not in str(info.value) and "et@host" not in str(info.value)


def test_unknown_profile_and_broken_file(tmp_path):
    with pytest.raises(ConfigError, match="unknown profile 'nope'"):
        load(profile="nope")
    (tmp_path / "tqconsole.toml").write_text("this is = = not toml")
    with pytest.raises(ConfigError, match="tqconsole.toml"):
        load()


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://tq:pw@db:5432/tq", "postgresql://tq:***@db:5432/tq"),
        ("s3://KEY:SECRET@host:9000?secure=0", "s3://KEY:***@host:9000?secure=0"),
        ("redis://:pw@h:6379/1", "redis://:***@h:6379/1"),
        ("smtp://user@mail:25", "smtp://user@mail:25"),
        ("sqlite:////abs/path.db", "sqlite:////abs/path.db"),
        ("x://h/?password=p&b=c", "x://h/?password=***&b=c"),
    ],
)
def test_mask_url(url, masked):
    assert mask_url(url) == masked


def test_read_only_from_environment(monkeypatch):
    monkeypatch.setenv("TQ_READ_ONLY", "1")
    assert load().read_only
