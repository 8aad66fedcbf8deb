"""A pattern that finds nothing says how the site's keys are stored."""

from tqconsole.backends.cache import from_url
from tqconsole.cli import main
from tqconsole.services.cache_inspector import stored_pattern_hint


def test_hint_names_the_stored_form():
    cache = from_url("locmem://hints")
    assert stored_pattern_hint(cache, "user_ical_*") == (
        "keys are stored as :1:NAME: try :1:user_ical_*"
    )
    assert stored_pattern_hint(cache, "*") == ""
    assert stored_pattern_hint(cache, ":1:user_*") == ""
    prefixed = from_url("locmem://hints2?KEY_PREFIX=site&VERSION=2")
    assert stored_pattern_hint(prefixed, "x*") == "keys are stored as site:2:NAME: try site:2:x*"


def test_cli_says_why_nothing_matched(sqlite_url, capsys):
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["cache", "keys", "user_ical_*"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip() == (
        "no keys match 'user_ical_*'; keys are stored as :1:NAME: try :1:user_ical_*"
    )
