import re

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
        ("TQ_CACHE_URL", "redis://h:6379/abc", "TQ_CACHE_URL: Redis db 'abc' is not a number"),
        ("TQ_QUEUE_URL", "redis://h:6379/x1", "TQ_QUEUE_URL: Redis db 'x1' is not a number"),
        (
            "TQ_CACHE_URL",
            "redis://h:6379/1?socket_timeout=abc",
            "TQ_CACHE_URL: option socket_timeout='abc' is not a number",
        ),
        ("TQ_QUEUE_URL", "redis://h/1?priority=maybe", "option priority='maybe' is not true or"),
        ("TQ_CACHE_URL", "redis://h/1?bogus=1", "TQ_CACHE_URL: unknown option 'bogus'"),
        ("TQ_CACHE_URL", "redis://h/1?version=x", "option version='x' is not a whole number"),
        (
            "TQ_DATABASE_URL",
            "postgresql://u:pw@h/db?bogus=1",
            "TQ_DATABASE_URL: unknown connection option 'bogus'",
        ),
        ("TQ_DATABASE_URL", "sqlite:///", "TQ_DATABASE_URL: names no database file"),
        ("TQ_DATABASE_URL", "sqlite:////x.db?bogus=1", "TQ_DATABASE_URL: unknown option 'bogus'"),
        ("TQ_HEARTBEAT_INTERVAL", "abc", "TQ_HEARTBEAT_INTERVAL: 'abc' is not a number"),
        ("TQ_TASK_HISTORY_MAX", "1.5", "TQ_TASK_HISTORY_MAX: '1.5' is not a whole number"),
    ],
)
def test_bad_settings_name_the_variable(monkeypatch, var, value, message):
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError, match=re.escape(message)):
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


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql//u:secret@h/db", "postgresql//u:***@h/db"),  # ':' missing after the scheme
        ("postgresql:u:secret@h/db", "postgresql:u:***@h/db"),
        ("redis://secret@host:6379/0", "redis://***@host:6379/0"),  # password as the user
        ("rediss://secret@host:6379/0", "rediss://***@host:6379/0"),
        ("postgresql://u:se/cr?et#x@h/db", "postgresql://u:***@h/db"),  # unencoded / ? #
        ("postgresql://u:p@ss@h/db", "postgresql://u:***@h/db"),
        ("postgresql://h/db?sslpassword=secret", "postgresql://h/db?sslpassword=***"),
    ],
)
def test_mask_url_hides_secrets_of_malformed_urls(url, masked):
    assert mask_url(url) == masked


def test_a_url_without_colon_is_refused_with_its_password_masked(monkeypatch):
    monkeypatch.setenv("TQ_DATABASE_URL", "postgresql//u:secret@h/db")
    with pytest.raises(ConfigError) as info:
        load()
    assert "secret" not in str(info.value) and "postgresql//u:***@h/db" in str(info.value)


def test_good_redis_and_postgresql_options_pass(monkeypatch):
    monkeypatch.setenv("TQ_CACHE_URL", "redis://:pw@h:6379/3?socket_timeout=2.5&KEY_PREFIX=tq")
    monkeypatch.setenv("TQ_QUEUE_URL", "redis://h/2?priority=1&health_check_interval=10")
    monkeypatch.setenv("TQ_DATABASE_URL", "postgresql://u@h/db?sslmode=require&connect_timeout=3")
    monkeypatch.setenv("TQ_HEARTBEAT_INTERVAL", "2.5")
    assert load().url("queue") == "redis://h/2?priority=1&health_check_interval=10"


def test_a_number_option_in_the_file_is_checked_too(tmp_path):
    (tmp_path / "tqconsole.toml").write_text('mail_connections = "four"\n')
    with pytest.raises(ConfigError, match="tqconsole.toml mail_connections: 'four' is not a whole"):
        load()


def test_a_database_file_in_a_missing_folder_is_refused_not_created(tmp_path, monkeypatch):
    missing = tmp_path / "nonexistent" / "dir"
    monkeypatch.setenv("TQ_DATABASE_URL", f"sqlite:///{missing / 'x.db'}")
    with pytest.raises(ConfigError, match=f"TQ_DATABASE_URL: folder {missing} does not exist"):
        load()
    assert not missing.parent.exists()
    monkeypatch.setenv("TQ_DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'x.db'}")
    assert load()  # the data dir (created on first use) may hold it


def test_options_are_typed_fields_with_their_defaults(tmp_path, monkeypatch):
    from tqconsole.settings import OPTIONS, Settings

    settings = load()
    assert settings.heartbeat_interval == 5.0 and settings.mail_max_attempts == 8
    assert settings.embedded_consumer is False  # the test environment turns it off
    assert settings.keymap == {} and settings.admins == [] and settings.cache_version is None
    assert (
        settings.bucket("finance") == "finance" and settings.origin("mail_connections") == "default"
    )
    # every option is documented, and the embedded defaults need no configuration at all
    assert all(doc for _, doc in OPTIONS.values())
    assert Settings(urls={}, data_dir=tmp_path).embedded_consumer is True
    (tmp_path / "tqconsole.toml").write_text(
        'mail_connections = 4\nadmins = ["Ada <ada@x.ch>"]\n[keymap]\nquit = "ctrl+q"\n'
        "[profiles.prod]\ntask_history_days = 2.5\nstorage_finance_bucket = 'tq-postfinance'\n"
    )
    monkeypatch.setenv("TQCONSOLE_EMBEDDED_CONSUMER", "yes")
    monkeypatch.setenv("TQ_MANAGERS", "bob@x.ch, mia@x.ch")
    prod = load(profile="prod")
    assert prod.mail_connections == 4 and prod.task_history_days == 2.5
    assert prod.admins == ["Ada <ada@x.ch>"] and prod.managers == ["bob@x.ch", "mia@x.ch"]
    assert prod.keymap == {"quit": "ctrl+q"} and prod.embedded_consumer is True
    assert prod.bucket("finance") == "tq-postfinance"
    assert prod.origin("task_history_days").endswith(
        "tqconsole.toml [profiles.prod] task_history_days"
    )
    assert prod.origin("embedded_consumer") == "TQCONSOLE_EMBEDDED_CONSUMER"
    monkeypatch.setenv("TQ_CACHE_TIMEOUT", "None")  # Django's TIMEOUT=None: keys never expire
    assert load().cache_timeout == "none"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "mail_conections = 4\n",
            "unknown setting 'mail_conections'; did you mean 'mail_connections'",
        ),
        ("[profiles.prod]\nreadonly = true\n", "unknown setting 'readonly' in [profiles.prod]"),
        ("[surprise]\nx = 1\n", "unknown setting 'surprise'"),
        ("profiles = 3\n", "profiles must be tables"),
        (
            'animations = "sometimes"\n',
            "tqconsole.toml animations: 'sometimes' is not true or false",
        ),
        ("keymap = 3\n", "tqconsole.toml keymap: keymap is a table"),
        ("server_email = [1]\n", "server_email is text, not a table or list"),
        ("mail_max_attempts = 2.5\n", "mail_max_attempts: 2.5 is not a whole number"),
        ('cache_timeout = "never"\n', "cache_timeout: 'never' is not a whole number"),
    ],
)
def test_unknown_keys_and_bad_values_of_a_file_name_key_and_file(tmp_path, text, message):
    (tmp_path / "tqconsole.toml").write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)) as info:
        load()
    assert "tqconsole.toml" in str(info.value)


def test_a_table_option_cannot_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TQ_KEYMAP", "quit=ctrl+q")
    with pytest.raises(ConfigError, match="TQ_KEYMAP: keymap is a table: set it in the config"):
        load()


def test_check_config_validates_the_named_file(tmp_path, capsys):
    from tqconsole.cli import main

    bad = tmp_path / "elsewhere.toml"
    bad.write_text('[profiles.prod]\ndatabase_url = "sqlite:///x.db"\nqueue_nme = "tq"\n')
    assert main(["check", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"configuration file {bad}: unknown setting 'queue_nme' in [profiles.prod]" in err
    assert "did you mean 'queue_name'" in err and len(err.splitlines()) == 1
    good = tmp_path / "good.toml"
    good.write_text("mail_connections = 2\n")
    assert main(["init"]) == 0  # tables and buckets, so that every backend is ok
    assert main(["check", "--config", str(good), "--json"]) == 0
    capsys.readouterr()
    assert main(["check", "--config", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml does not exist" in capsys.readouterr().err


def test_only_the_command_line_loads_the_settings():
    """Every other module gets the settings handed down (a Settings, or Backends)."""
    import ast
    from pathlib import Path

    import tqconsole

    package = Path(tqconsole.__file__).parent
    loaders = []
    for path in sorted(package.rglob("*.py")):
        if path == package / "cli.py" or path == package / "settings.py":
            continue
        tree = ast.parse(path.read_text(), str(path))
        module_names = set()  # names bound to the tqconsole.settings module
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "tqconsole.settings":
                loaders += [f"{path.name}: import load" for a in node.names if a.name == "load"]
            elif isinstance(node, ast.ImportFrom) and node.module == "tqconsole":
                module_names |= {a.asname or a.name for a in node.names if a.name == "settings"}
            elif isinstance(node, ast.Import):
                module_names |= {a.asname for a in node.names if a.name == "tqconsole.settings"}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "load"
                and isinstance(node.value, ast.Name)
                and node.value.id in module_names
            ):
                loaders.append(f"{path.relative_to(package)}:{node.lineno}")
    assert loaders == []
