"""Deprecated and retired operations warn: one DeprecationWarning per operation and process,
"<method name> is deprecated: <reason>", pointing at the caller's line; today's operations do
not warn. (pyproject.toml ignores these messages elsewhere; here `pytest.warns` and
`simplefilter("always")` show them, and a fixture forgets which were already reported.)"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
import respx

from journey_async import JourneyClient, _operations
from journey_async._generated.operations import BY_NAME

Call = Callable[[JourneyClient], Awaitable[Any]]
PagerCall = Callable[[JourneyClient], Any]

QUERY = {
    "interval": "2025-11-01T00:00:00.000Z/2025-11-02T00:00:00.000Z",
    "metrics": ["nJourneySessions"],
}

# (operation, call, words the reason must contain)
DEPRECATED: list[tuple[str, Call, tuple[str, ...]]] = [
    (
        "get_journey_actiontarget",
        lambda c: c.get_journey_actiontarget("t1"),
        ("ACD Chat v2.0",),
    ),
    (
        "get_journey_actiontargets",
        lambda c: c.get_journey_actiontargets(),
        ("ACD Chat v2.0",),
    ),
    (
        "patch_journey_actiontarget",
        lambda c: c.patch_journey_actiontarget("t1", body={"name": "n"}),
        ("ACD Chat v2.0", "no replacement"),
    ),
    (
        "get_journey_customer_customer_id_segments",
        lambda c: c.get_journey_customer_customer_id_segments("cookie", "k1"),
        ("retired", "get_externalcontacts_contact_journey_segments"),
    ),
    (
        "get_journey_externalcontact_segments",
        lambda c: c.get_journey_externalcontact_segments("c1"),
        ("retired", "get_externalcontacts_contact_journey_segments"),
    ),
    (
        "get_journey_session_segments",
        lambda c: c.get_journey_session_segments("s1"),
        ("retired", "get_journey_session", "get_journey_session_events"),
    ),
    (
        "post_journey_externalcontact_segments",
        lambda c: c.post_journey_externalcontact_segments(
            "c1", body=[{"segmentId": "s1", "state": "Assigned"}]
        ),
        ("retired", "post_externalcontacts_contact_journey_segments"),
    ),
]

# (pager, the operation it warns about, how it is made)
DEPRECATED_PAGERS: list[tuple[str, str, PagerCall]] = [
    (
        "iter_journey_actiontargets",
        "get_journey_actiontargets",
        lambda c: c.iter_journey_actiontargets(),
    ),
    (
        "iter_journey_customer_customer_id_segments",
        "get_journey_customer_customer_id_segments",
        lambda c: c.iter_journey_customer_customer_id_segments("cookie", "k1"),
    ),
    (
        "iter_journey_externalcontact_segments",
        "get_journey_externalcontact_segments",
        lambda c: c.iter_journey_externalcontact_segments("c1"),
    ),
    (
        "iter_journey_session_segments",
        "get_journey_session_segments",
        lambda c: c.iter_journey_session_segments("s1"),
    ),
]

TODAY: list[tuple[str, Call]] = [
    ("contact_segments", lambda c: c.get_externalcontacts_contact_journey_segments("c1")),
    ("post_contact_segments", lambda c: c.post_externalcontacts_contact_journey_segments("c1")),
    ("contact_sessions", lambda c: c.get_externalcontacts_contact_journey_sessions("c1")),
    ("session", lambda c: c.get_journey_session("s1")),
    ("session_events", lambda c: c.get_journey_session_events("s1")),
    ("aggregates_query", lambda c: c.post_analytics_journeys_aggregates_query(QUERY)),
    ("post_job", lambda c: c.post_analytics_journeys_aggregates_jobs(QUERY)),
    ("job", lambda c: c.get_analytics_journeys_aggregates_job("j1")),
    ("job_results", lambda c: c.get_analytics_journeys_aggregates_job_results("j1")),
    ("delete_job", lambda c: c.delete_analytics_journeys_aggregates_job("j1")),
    ("segments", lambda c: c.get_journey_segments()),
    ("segment", lambda c: c.get_journey_segment("s1")),
    ("post_segment", lambda c: c.post_journey_segments()),
    ("patch_segment", lambda c: c.patch_journey_segment("s1")),
    ("delete_segment", lambda c: c.delete_journey_segment("s1")),
    ("actionmaps", lambda c: c.get_journey_actionmaps()),
    ("actionmap", lambda c: c.get_journey_actionmap("m1")),
    ("post_actionmap", lambda c: c.post_journey_actionmaps()),
    ("patch_actionmap", lambda c: c.patch_journey_actionmap("m1")),
    ("delete_actionmap", lambda c: c.delete_journey_actionmap("m1")),
    ("actiontemplates", lambda c: c.get_journey_actiontemplates()),
    ("actiontemplate", lambda c: c.get_journey_actiontemplate("t1")),
    ("post_actiontemplate", lambda c: c.post_journey_actiontemplates()),
    ("patch_actiontemplate", lambda c: c.patch_journey_actiontemplate("t1")),
    ("delete_actiontemplate", lambda c: c.delete_journey_actiontemplate("t1")),
    ("views", lambda c: c.get_journey_views()),
    ("view", lambda c: c.get_journey_view("v1")),
]

TODAY_PAGERS: list[tuple[str, PagerCall]] = [
    ("events", lambda c: c.iter_journey_session_events("s1")),
    ("sessions", lambda c: c.iter_externalcontacts_contact_journey_sessions("c1")),
    ("job_results", lambda c: c.iter_analytics_journeys_aggregates_job_results("j1")),
    ("segments", lambda c: c.iter_journey_segments()),
    ("segments_by_id", lambda c: c.iter_journey_segments(segment_ids=["s1"])),
    ("actionmaps", lambda c: c.iter_journey_actionmaps()),
    ("actiontemplates", lambda c: c.iter_journey_actiontemplates()),
    ("views", lambda c: c.iter_journey_views()),
    ("job", lambda c: c.analytics_journeys_aggregates_job(QUERY)),
]


@pytest.fixture(autouse=True)
def forget_warnings(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """Each test starts as a fresh process would: no operation has warned yet."""
    fresh: set[str] = set()
    monkeypatch.setattr(_operations, "_warned", fresh)
    yield fresh


@pytest.fixture
def answering(router: respx.Router) -> respx.Router:
    """Every request answered 200 with an empty object (decodes into any model)."""
    router.route().respond(200, json={})
    return router


def deprecations(record: list[warnings.WarningMessage]) -> list[warnings.WarningMessage]:
    return [w for w in record if issubclass(w.category, DeprecationWarning)]


def test_the_table_marks_exactly_these_operations_deprecated() -> None:
    marked = {op.name for op in BY_NAME.values() if op.deprecated is not None}
    assert marked == {name for name, _, _ in DEPRECATED}


@pytest.mark.parametrize(("name", "call", "words"), DEPRECATED, ids=[d[0] for d in DEPRECATED])
async def test_a_deprecated_operation_warns_once_at_the_callers_line(
    client: JourneyClient, answering: respx.Router, name: str, call: Call, words: tuple[str, ...]
) -> None:
    with pytest.warns(DeprecationWarning) as record:
        await call(client)
    [warning] = deprecations(list(record))
    message = str(warning.message)
    assert message.startswith(f"{name} is deprecated: ")
    assert message == f"{name} is deprecated: {BY_NAME[name].deprecated}"
    for word in words:
        assert word in message
    assert warning.filename == __file__
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        await call(client)
        await call(client)
    assert deprecations(again) == []
    assert answering.calls.call_count == 3


@pytest.mark.parametrize(
    ("pager", "name", "make"), DEPRECATED_PAGERS, ids=[d[0] for d in DEPRECATED_PAGERS]
)
async def test_a_deprecated_pager_warns_when_made(
    client: JourneyClient, answering: respx.Router, pager: str, name: str, make: PagerCall
) -> None:
    """The pager warns (about its operation) when it is made, at the caller's line, and the
    operation's own method does not warn again afterwards: once per operation."""
    with pytest.warns(DeprecationWarning) as record:
        made = make(client)
    [warning] = deprecations(list(record))
    assert str(warning.message).startswith(f"{name} is deprecated: ")
    assert warning.filename == __file__
    assert answering.calls.call_count == 0  # nothing sent before iteration
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        async with made:
            _ = [item async for item in made]
        make(client)
        await getattr(client, name)(*_args_of(name))
    assert deprecations(again) == []


def _args_of(name: str) -> tuple[str, ...]:
    return {
        "get_journey_actiontargets": (),
        "get_journey_customer_customer_id_segments": ("cookie", "k1"),
        "get_journey_externalcontact_segments": ("c1",),
        "get_journey_session_segments": ("s1",),
    }[name]


async def test_each_operation_warns_on_its_own(
    client: JourneyClient, answering: respx.Router, forget_warnings: set[str]
) -> None:
    """Warning about one operation does not use up another's warning."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for _, call, _ in DEPRECATED:
            await call(client)
        for _, call, _ in DEPRECATED:
            await call(client)
    names = [str(w.message).split(" ", 1)[0] for w in deprecations(record)]
    assert names == [name for name, _, _ in DEPRECATED]
    assert forget_warnings == {name for name, _, _ in DEPRECATED}
    assert all(w.filename == __file__ for w in deprecations(record))


async def test_a_call_that_fails_its_checks_still_warns(
    client: JourneyClient, answering: respx.Router
) -> None:
    with (
        pytest.warns(DeprecationWarning, match="^get_journey_session_segments is deprecated: "),
        pytest.raises(ValueError, match="page_size"),
    ):
        await client.get_journey_session_segments("s1", page_size=0)
    assert answering.calls.call_count == 0


async def test_the_default_filters_show_it_once(
    client: JourneyClient, answering: respx.Router
) -> None:
    """Under Python's default filters ("default" for DeprecationWarning in __main__ only, here
    forced to "default"), the warning is shown once however often the call is made."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("default")
        for _ in range(3):
            await client.get_journey_actiontarget("t1")
    assert len(deprecations(record)) == 1


@pytest.mark.parametrize("call", [t[1] for t in TODAY], ids=[t[0] for t in TODAY])
async def test_todays_operations_do_not_warn(
    client: JourneyClient, answering: respx.Router, call: Call
) -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        await call(client)
    assert deprecations(record) == []
    assert answering.calls.call_count == 1


@pytest.mark.parametrize("make", [t[1] for t in TODAY_PAGERS], ids=[t[0] for t in TODAY_PAGERS])
async def test_todays_pagers_do_not_warn(
    client: JourneyClient, answering: respx.Router, make: PagerCall
) -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        pager = make(client)
        await pager.aclose()
    assert deprecations(record) == []
    assert answering.calls.call_count == 0
