"""Patterns in the names the site's code uses find the keys as stored (``PREFIX:VERSION:name``,
any prefix and version)."""

from tqconsole.backends.cache import from_url
from tqconsole.cli import main
from tqconsole.services.cache.inspector import stored_pattern


def test_stored_form_of_a_pattern():
    cache = from_url("locmem://hints")
    assert stored_pattern(cache, "user_ical_*") == "*:[0-9]*:user_ical_*"
    assert stored_pattern(cache, "*") == ""
    assert stored_pattern(cache, ":1:user_*") == ""
    assert stored_pattern(cache, "site:2:x*") == ""
    assert stored_pattern(cache, "site:*:x*") == ""


def test_the_stored_form_finds_every_version_and_prefix_and_nothing_else(redis_url):
    import redis

    from tqconsole.services.cache.inspector import clear_pattern, iter_keys, list_keys

    raw = redis.Redis.from_url(redis_url)
    for key in (":1:user_ical_5", ":2:user_ical_5", "tqsite:3:user_ical_9", ":1:user_icalx",
                ":1:a:2:user_ical_1", "x:1y:user_ical_2", "user_ical_3"):  # fmt: skip
        raw.set(key, b"1")
    cache = from_url(redis_url)
    pattern = stored_pattern(cache, "user_ical_*")
    found = {i.key for i in list_keys(cache, pattern).keys}
    assert found == {":1:user_ical_5", ":2:user_ical_5", "tqsite:3:user_ical_9"}
    assert {i.key for i in iter_keys(cache, pattern)} == found
    assert clear_pattern(cache, pattern) == 3
    assert raw.dbsize() == 4
    cache.close()


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
        == "no key is stored as 'user_ical_*'; listing '*:[0-9]*:user_ical_*', the stored form"
    )
    assert main(["cache", "keys", "nothing_*"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err.strip().endswith("no keys match '*:[0-9]*:nothing_*'")
