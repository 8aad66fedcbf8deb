"""Patterns in the names the site's code uses find the keys as stored (``:1:name``)."""

from tqconsole.backends.cache import from_url
from tqconsole.cli import main
from tqconsole.services.cache_inspector import stored_pattern


def test_stored_form_of_a_pattern():
    cache = from_url("locmem://hints")
    assert stored_pattern(cache, "user_ical_*") == ":1:user_ical_*"
    assert stored_pattern(cache, "*") == ""
    assert stored_pattern(cache, ":1:user_*") == ""
    prefixed = from_url("locmem://hints2?KEY_PREFIX=site&VERSION=2")
    assert stored_pattern(prefixed, "x*") == "site:2:x*"


def test_cli_lists_the_stored_form_and_says_so(sqlite_url, capsys):
    assert main(["init"]) == 0
    from tqconsole.backends import Backends
    from tqconsole.settings import load

    backends = Backends(load())
    backends.get("cache").set("user_ical_7", "BEGIN:VCALENDAR")
    backends.close()
    capsys.readouterr()
    assert main(["cache", "keys", "user_ical_*"]) == 0
    out, err = capsys.readouterr()
    assert out.split()[-1] == ":1:user_ical_7"
    assert (
        err.strip()
        == "no key is stored as 'user_ical_*'; listing ':1:user_ical_*', the stored form"
    )
    assert main(["cache", "keys", "nothing_*"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err.strip().endswith("no keys match ':1:nothing_*'")
