"""Input validation before any request, path-segment encoding, client construction, lifecycle,
`from_env` and user middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import pytest_asyncio
import respx

from journey_async import (
    REGIONS,
    AssignmentState,
    ClientCredentials,
    JourneyAggregationQuery,
    JourneyClient,
    RetryPolicy,
    SegmentAssignmentsUpdate,
    SegmentScope,
    StaticToken,
)
from journey_async.models import (
    FilterType,
    JourneyAggregateQueryClause,
    JourneyAggregateQueryFilter,
    JourneyAggregationView,
    KeyValue,
)

TOKEN = "test-token-3f9a"
BASE_URL = "https://api.test.invalid"

SEGMENT_OPS: list[tuple[str, Callable[[JourneyClient], Callable[..., Awaitable[Any]]]]] = [
    (
        "customer",
        lambda c: lambda **kw: c.get_journey_customer_customer_id_segments("cookie", "c1", **kw),
    ),
    ("externalcontact", lambda c: lambda **kw: c.get_journey_externalcontact_segments("e1", **kw)),
    ("session", lambda c: lambda **kw: c.get_journey_session_segments("s1", **kw)),
]
segment_ops = pytest.mark.parametrize(
    "bind", [op[1] for op in SEGMENT_OPS], ids=[op[0] for op in SEGMENT_OPS]
)

ID_OPS: list[tuple[str, Callable[[JourneyClient, Any], Awaitable[Any]]]] = [
    ("get_journey_actiontarget", lambda c, i: c.get_journey_actiontarget(i)),
    ("customer_id_type", lambda c, i: c.get_journey_customer_customer_id_segments(i, "c1")),
    ("customer_id", lambda c, i: c.get_journey_customer_customer_id_segments("cookie", i)),
    (
        "get_journey_externalcontact_segments",
        lambda c, i: c.get_journey_externalcontact_segments(i),
    ),
    ("get_journey_session_segments", lambda c, i: c.get_journey_session_segments(i)),
    (
        "patch_journey_actiontarget",
        lambda c, i: c.patch_journey_actiontarget(i, body={"name": "n"}),
    ),
    (
        "post_journey_externalcontact_segments",
        lambda c, i: c.post_journey_externalcontact_segments(i, body=[]),
    ),
]
id_ops = pytest.mark.parametrize("op", [op[1] for op in ID_OPS], ids=[op[0] for op in ID_OPS])


@pytest.fixture
def catch_all(router: respx.Router) -> respx.Route:
    """A route answering everything with an empty JSON object (204 would also do for POSTs)."""
    return router.route().respond(200, json={})


def assert_no_request(router: respx.Router) -> None:
    assert router.calls.call_count == 0


# ---------------------------------------------------------------------------------------------
# Ids


@id_ops
@pytest.mark.parametrize("bad", ["", 123, None, b"bytes", ["a"], 1.5])
async def test_bad_ids_rejected_before_request(
    client: JourneyClient, router: respx.Router, catch_all, op, bad
):
    """An empty or non-str id is a ValueError and nothing is sent."""
    with pytest.raises(ValueError):
        await op(client, bad)
    assert_no_request(router)


# ---------------------------------------------------------------------------------------------
# page_size, page_number, filters, cursor


@segment_ops
@pytest.mark.parametrize(
    "page_size", [0, -1, 201, 1000, "0", "201", "abc", "", " ", "1.5", "-5", True, False, 2.0, [1]]
)
async def test_segment_page_size_out_of_range(
    client: JourneyClient, router: respx.Router, catch_all, bind, page_size
):
    """A segment `page_size` outside 1..200, non-numeric or a bool is a ValueError, unsent."""
    with pytest.raises(ValueError):
        await bind(client)(page_size=page_size)
    assert_no_request(router)


@pytest.mark.parametrize("page_size", [0, -1, "0", "x", True, 2.5])
async def test_actiontargets_page_size_below_one(
    client: JourneyClient, router: respx.Router, catch_all, page_size
):
    """An action-target `page_size` below 1 or not whole is a ValueError before any request."""
    with pytest.raises(ValueError):
        await client.get_journey_actiontargets(page_size=page_size)
    assert_no_request(router)


@pytest.mark.parametrize("page_number", [0, -1, True, "x", 1.0, None])
async def test_actiontargets_page_number_invalid(
    client: JourneyClient, router: respx.Router, catch_all, page_number
):
    """A `page_number` below 1 or not an int is a ValueError before any request."""
    with pytest.raises(ValueError):
        await client.get_journey_actiontargets(page_number=page_number)
    assert_no_request(router)


@segment_ops
@pytest.mark.parametrize(
    "scope", ["session", "SESSION", "Both", "", "Customer ", 1, AssignmentState.ASSIGNED]
)
async def test_bad_segment_scope(client: JourneyClient, router, catch_all, bind, scope):
    """A `segment_scope` other than Session or Customer is a ValueError before any request."""
    with pytest.raises(ValueError):
        await bind(client)(segment_scope=scope)
    assert_no_request(router)


@segment_ops
@pytest.mark.parametrize("state", ["assigned", "ASSIGNED", "Removed", "", 0, SegmentScope.SESSION])
async def test_bad_assignment_state(client: JourneyClient, router, catch_all, bind, state):
    """An `assignment_state` other than Assigned/Unassigned is a ValueError before any request."""
    with pytest.raises(ValueError):
        await bind(client)(assignment_state=state)
    assert_no_request(router)


@segment_ops
@pytest.mark.parametrize("after", ["", 5])
async def test_bad_after_cursor(client: JourneyClient, router, catch_all, bind, after):
    """An empty (or non-str) `after` cursor is a ValueError before any request."""
    with pytest.raises(ValueError):
        await bind(client)(after=after)
    assert_no_request(router)


@segment_ops
@pytest.mark.parametrize("page_size", [1, 200, "1", "200"])
async def test_segment_page_size_bounds_accepted(
    client: JourneyClient, router: respx.Router, catch_all, bind, page_size
):
    """The bounds 1 and 200 (int or str) are accepted for segment listings."""
    await bind(client)(page_size=page_size)
    assert router.calls.call_count == 1
    assert router.calls.last.request.url.params["pageSize"] == str(page_size)


# ---------------------------------------------------------------------------------------------
# Bodies


async def test_aggregates_body_none(client: JourneyClient, router, catch_all):
    """`post_analytics_journeys_aggregates_query(None)` is a ValueError before any request."""
    with pytest.raises(ValueError):
        await client.post_analytics_journeys_aggregates_query(None)  # type: ignore[arg-type]
    assert_no_request(router)


@pytest.mark.parametrize("body", ["{}", b"{}", [{"interval": "i"}], 5, KeyValue("k", "v")])
async def test_aggregates_body_wrong_type(client: JourneyClient, router, catch_all, body):
    """An aggregates body that is neither a JourneyAggregationQuery nor a dict is a TypeError."""
    with pytest.raises(TypeError):
        await client.post_analytics_journeys_aggregates_query(body)
    assert_no_request(router)


@pytest.mark.parametrize("body", ["{}", [{"name": "x"}], 5, KeyValue("k", "v")])
async def test_patch_body_wrong_type(client: JourneyClient, router, catch_all, body):
    """A PATCH body that is neither a PatchActionTarget nor a dict is a TypeError."""
    with pytest.raises(TypeError):
        await client.patch_journey_actiontarget("t1", body=body)
    assert_no_request(router)


@pytest.mark.parametrize(
    "body",
    [
        {"segmentId": "s", "state": "Assigned"},
        SegmentAssignmentsUpdate("s", "Assigned"),
        "[]",
        [1],
        ["s"],
        [SegmentAssignmentsUpdate("s", "Assigned"), None],
    ],
)
async def test_post_segments_body_wrong_type(client: JourneyClient, router, catch_all, body):
    """A segments body that is not a list of SegmentAssignmentsUpdate or dicts is a TypeError."""
    with pytest.raises(TypeError):
        await client.post_journey_externalcontact_segments("e1", body=body)
    assert_no_request(router)


@pytest.mark.parametrize(
    "query",
    [
        JourneyAggregationQuery(None, ["nJourneySessions"]),  # type: ignore[arg-type]
        JourneyAggregationQuery("2020-11-01T00:00:00Z/2020-11-02T00:00:00Z", None),  # type: ignore[arg-type]
        JourneyAggregationQuery(
            "i",
            ["m"],
            filter=JourneyAggregateQueryFilter(None),  # type: ignore[arg-type]
        ),
        JourneyAggregationQuery(
            "i",
            ["m"],
            filter=JourneyAggregateQueryFilter(
                FilterType.AND,
                clauses=[JourneyAggregateQueryClause(FilterType.OR, None)],  # type: ignore[arg-type]
            ),
        ),
        JourneyAggregationQuery(
            "i",
            ["m"],
            views=[JourneyAggregationView("nJourneySessions", None, "rangeBound")],  # type: ignore[arg-type]
        ),
    ],
    ids=["interval", "metrics", "filter.type", "clause.predicates", "view.name"],
)
async def test_required_query_fields_none(client: JourneyClient, router, catch_all, query):
    """A request model whose required field (nested ones included) is None is a ValueError."""
    with pytest.raises(ValueError):
        await client.post_analytics_journeys_aggregates_query(query)
    assert_no_request(router)


@pytest.mark.parametrize(
    "update",
    [
        SegmentAssignmentsUpdate(None, "Assigned"),  # type: ignore[arg-type]
        SegmentAssignmentsUpdate("s", None),  # type: ignore[arg-type]
    ],
    ids=["segment_id", "state"],
)
async def test_required_update_fields_none(client: JourneyClient, router, catch_all, update):
    """A SegmentAssignmentsUpdate with a required field None is a ValueError before any request."""
    with pytest.raises(ValueError):
        await client.post_journey_externalcontact_segments(
            "e1", body=[SegmentAssignmentsUpdate("ok", "Assigned"), update]
        )
    assert_no_request(router)


# ---------------------------------------------------------------------------------------------
# Path injection

NASTY_IDS = [
    "a/b",
    "a?b=c",
    "a#frag",
    "%2e",
    "%2e%2e",
    "../../x",
    "../actiontargets",
    "a%2Fb",
    "a b",
    "é/ü",
    "...",
    "x;y",
    "?",
    "#",
    "/",
    "\\..\\x",
]


def _split(raw_path: bytes) -> list[str]:
    assert b"?" not in raw_path
    assert b"#" not in raw_path
    return raw_path.decode("ascii").split("/")


@pytest.mark.parametrize("nasty", NASTY_IDS)
async def test_single_id_stays_one_segment(
    client: JourneyClient, router: respx.Router, catch_all, nasty
):
    """An action target id with `/`, dots, `?`, `#` or `%` is exactly one encoded path segment."""
    await client.get_journey_actiontarget(nasty)
    request = router.calls.last.request
    parts = _split(request.url.raw_path)
    assert parts[:5] == ["", "api", "v2", "journey", "actiontargets"]
    assert len(parts) == 6
    assert unquote(parts[5]) == nasty
    assert parts[5] not in (".", "..")
    assert request.url.query == b""


@pytest.mark.parametrize("nasty", NASTY_IDS)
async def test_two_ids_stay_two_segments(
    client: JourneyClient, router: respx.Router, catch_all, nasty
):
    """Both customer path ids stay one segment each, with `/segments` after them."""
    await client.get_journey_customer_customer_id_segments(nasty, nasty, page_size=5)
    request = router.calls.last.request
    raw, _, query = request.url.raw_path.partition(b"?")
    parts = _split(raw)
    assert parts[:5] == ["", "api", "v2", "journey", "customers"]
    assert len(parts) == 8
    assert unquote(parts[5]) == nasty
    assert unquote(parts[6]) == nasty
    assert parts[7] == "segments"
    assert query == b"pageSize=5"


@pytest.mark.parametrize("nasty", NASTY_IDS)
@pytest.mark.parametrize(
    ("call", "prefix", "suffix"),
    [
        (
            lambda c, i: c.get_journey_externalcontact_segments(i),
            ["", "api", "v2", "journey", "externalcontacts"],
            ["segments"],
        ),
        (
            lambda c, i: c.get_journey_session_segments(i),
            ["", "api", "v2", "journey", "sessions"],
            ["segments"],
        ),
        (
            lambda c, i: c.patch_journey_actiontarget(i, body={}),
            ["", "api", "v2", "journey", "actiontargets"],
            [],
        ),
        (
            lambda c, i: c.post_journey_externalcontact_segments(i, body=[]),
            ["", "api", "v2", "journey", "externalcontacts"],
            ["segments"],
        ),
    ],
    ids=["externalcontact", "session", "patch", "post_segments"],
)
async def test_other_ids_stay_one_segment(
    client: JourneyClient, router: respx.Router, catch_all, nasty, call, prefix, suffix
):
    """Every operation's path id stays one segment between its fixed prefix and suffix."""
    await call(client, nasty)
    request = router.calls.last.request
    parts = _split(request.url.raw_path)
    assert parts == [*prefix, parts[len(prefix)], *suffix]
    assert unquote(parts[len(prefix)]) == nasty


# ---------------------------------------------------------------------------------------------
# Constructor: regions and base_url


async def test_unknown_region_lists_valid_names():
    """An unknown region is a ValueError whose message names valid regions."""
    with pytest.raises(ValueError) as info:
        JourneyClient(TOKEN, region="mars-north-1")
    text = str(info.value)
    assert "mars-north-1" in text
    for aws, domain in REGIONS.items():
        assert aws in text
        assert domain in text


@pytest.mark.parametrize("bad", ["", "mypurecloud.org", "us-east-9", "api.example.com"])
async def test_other_unknown_regions(bad):
    """Misspelled or foreign regions are a ValueError."""
    with pytest.raises(ValueError):
        JourneyClient(TOKEN, region=bad)


def test_regions_has_eighteen_entries():
    """`journey_async.REGIONS` lists the 18 public Genesys Cloud regions."""
    assert len(REGIONS) == 18
    assert REGIONS["us-east-1"] == "mypurecloud.com"
    assert REGIONS["eu-west-1"] == "mypurecloud.ie"


@pytest.mark.parametrize(("aws", "domain"), sorted(REGIONS.items()))
async def test_region_by_domain_and_aws_name(aws: str, domain: str):
    """Both a region's domain and its AWS name give `https://api.{domain}`."""
    for region in (domain, aws):
        c = JourneyClient(TOKEN, region=region)
        try:
            assert c.base_url == f"https://api.{domain}"
        finally:
            await c.aclose()


async def test_default_region_is_mypurecloud_com():
    """Without `region` or `base_url` the client talks to https://api.mypurecloud.com."""
    c = JourneyClient(TOKEN)
    try:
        assert c.base_url == "https://api.mypurecloud.com"
    finally:
        await c.aclose()


async def test_region_requests_go_to_region_host(router: respx.Router):
    """A request of a region-configured client goes to that region's API host."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "t"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        c = JourneyClient(TOKEN, region="eu-west-1", http_client=http, retry=None)
        async with c:
            await c.get_journey_actiontarget("t")
    assert str(seen[0].url) == "https://api.mypurecloud.ie/api/v2/journey/actiontargets/t"


async def test_base_url_overrides_region():
    """`base_url` wins over `region`, without a trailing slash."""
    c = JourneyClient(TOKEN, region="eu-west-1", base_url="http://127.0.0.1:8080/")
    try:
        assert c.base_url == "http://127.0.0.1:8080"
    finally:
        await c.aclose()


async def test_base_url_with_path_prefix():
    """A `base_url` with a path prefix (a proxy) keeps the prefix before `/api/v2`."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"entities": []})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        c = JourneyClient(
            TOKEN, base_url="https://gw.test.invalid/genesys/", http_client=http, retry=None
        )
        async with c:
            await c.get_journey_session_segments("s1")
    assert str(seen[0].url) == "https://gw.test.invalid/genesys/api/v2/journey/sessions/s1/segments"


# ---------------------------------------------------------------------------------------------
# Constructor: http_client ownership


@pytest.mark.parametrize("kwargs", [{"timeout": 5.0}, {"max_connections": 10}, {"timeout": None}])
async def test_http_client_with_tuning_knobs_is_value_error(kwargs: dict[str, Any]):
    """Passing `timeout` or `max_connections` together with `http_client` is a ValueError."""
    async with httpx.AsyncClient() as http:
        with pytest.raises(ValueError):
            JourneyClient(TOKEN, base_url=BASE_URL, http_client=http, **kwargs)
        assert not http.is_closed


async def test_caller_http_client_not_closed(router: respx.Router, catch_all):
    """`aclose()` leaves a caller-owned `http_client` open and usable."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
        c = JourneyClient(TOKEN, base_url=BASE_URL, http_client=http, retry=None)
        await c.get_journey_actiontarget("t")
        await c.aclose()
        assert c.is_closed
        assert not http.is_closed
        response = await http.get(BASE_URL + "/still/open")
        assert response.status_code == 200


async def test_caller_http_client_not_closed_by_async_with(router: respx.Router, catch_all):
    """Leaving `async with` leaves a caller-owned `http_client` open."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
        async with JourneyClient(TOKEN, base_url=BASE_URL, http_client=http) as c:
            await c.get_journey_actiontarget("t")
        assert not http.is_closed


CLOSED_CALLS: list[tuple[str, Callable[[JourneyClient], Awaitable[Any]]]] = [
    ("get_journey_actiontarget", lambda c: c.get_journey_actiontarget("t")),
    ("get_journey_actiontargets", lambda c: c.get_journey_actiontargets()),
    (
        "get_journey_customer_customer_id_segments",
        lambda c: c.get_journey_customer_customer_id_segments("cookie", "c"),
    ),
    ("get_journey_externalcontact_segments", lambda c: c.get_journey_externalcontact_segments("e")),
    ("get_journey_session_segments", lambda c: c.get_journey_session_segments("s")),
    ("patch_journey_actiontarget", lambda c: c.patch_journey_actiontarget("t", body={})),
    (
        "post_analytics_journeys_aggregates_query",
        lambda c: c.post_analytics_journeys_aggregates_query({"interval": "i", "metrics": []}),
    ),
    (
        "post_journey_externalcontact_segments",
        lambda c: c.post_journey_externalcontact_segments("e", body=[]),
    ),
]


@pytest.mark.parametrize("call", [c[1] for c in CLOSED_CALLS], ids=[c[0] for c in CLOSED_CALLS])
async def test_calls_after_aclose_raise(router: respx.Router, catch_all, call):
    """Every operation on a closed client raises RuntimeError without sending anything."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
        c = JourneyClient(TOKEN, base_url=BASE_URL, http_client=http)
        await c.aclose()
        with pytest.raises(RuntimeError):
            await call(c)
    assert_no_request(router)


async def test_owned_client_calls_after_aclose_raise():
    """A client that owns its HTTP client refuses calls after `aclose()` (twice is fine)."""
    c = JourneyClient(TOKEN, base_url=BASE_URL)
    await c.aclose()
    await c.aclose()
    assert c.is_closed
    with pytest.raises(RuntimeError):
        await c.get_journey_actiontarget("t")


async def test_async_with_opens_and_closes(router: respx.Router, catch_all):
    """`async with` yields the client, which works inside and is closed after."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
        client = JourneyClient(TOKEN, base_url=BASE_URL, http_client=http)
        async with client as entered:
            assert entered is client
            assert not client.is_closed
            await entered.get_journey_actiontarget("t")
        assert client.is_closed
        with pytest.raises(RuntimeError):
            await client.get_journey_actiontargets()
        with pytest.raises(RuntimeError):
            async with client:
                pass
    assert router.calls.call_count == 1


async def test_async_with_closes_on_exception():
    """Leaving `async with` by an exception still closes the client."""
    client = JourneyClient(TOKEN, base_url=BASE_URL)
    with pytest.raises(KeyError):
        async with client:
            raise KeyError("boom")
    assert client.is_closed


async def test_map_after_close_raises(router: respx.Router):
    """The bulk helpers refuse to start on a closed client."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
        c = JourneyClient(TOKEN, base_url=BASE_URL, http_client=http)
        await c.aclose()
        with pytest.raises(RuntimeError):
            await c.map(c.get_journey_actiontarget, ["a", "b"])
    assert_no_request(router)


async def test_repr_hides_token():
    """The client's repr names its base URL but not its token."""
    c = JourneyClient(TOKEN, base_url=BASE_URL)
    try:
        assert TOKEN not in repr(c)
        assert BASE_URL in repr(c)
        assert TOKEN not in repr(c.token_provider)
    finally:
        await c.aclose()


# ---------------------------------------------------------------------------------------------
# from_env


async def test_from_env_access_token(monkeypatch: pytest.MonkeyPatch, router: respx.Router):
    """GENESYSCLOUD_ACCESS_TOKEN gives a static token that is sent as the bearer token."""
    monkeypatch.setenv("GENESYSCLOUD_ACCESS_TOKEN", "env-token-77")
    router.route().respond(200, json={"id": "t"})
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
        c = JourneyClient.from_env(base_url=BASE_URL, http_client=http, retry=None)
        async with c:
            assert isinstance(c.token_provider, StaticToken)
            await c.get_journey_actiontarget("t")
    assert router.calls.last.request.headers["Authorization"] == "Bearer env-token-77"


async def test_from_env_default_region(monkeypatch: pytest.MonkeyPatch):
    """Without GENESYSCLOUD_REGION `from_env` uses mypurecloud.com."""
    monkeypatch.setenv("GENESYSCLOUD_ACCESS_TOKEN", "env-token")
    c = JourneyClient.from_env()
    try:
        assert c.base_url == "https://api.mypurecloud.com"
    finally:
        await c.aclose()


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("eu-west-1", "https://api.mypurecloud.ie"),
        ("mypurecloud.de", "https://api.mypurecloud.de"),
        ("usw2.pure.cloud", "https://api.usw2.pure.cloud"),
    ],
)
async def test_from_env_region(monkeypatch: pytest.MonkeyPatch, region: str, url: str):
    """GENESYSCLOUD_REGION (domain or AWS name) sets the API host."""
    monkeypatch.setenv("GENESYSCLOUD_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("GENESYSCLOUD_REGION", region)
    c = JourneyClient.from_env()
    try:
        assert c.base_url == url
    finally:
        await c.aclose()


async def test_from_env_bad_region(monkeypatch: pytest.MonkeyPatch):
    """An unknown GENESYSCLOUD_REGION is a ValueError."""
    monkeypatch.setenv("GENESYSCLOUD_ACCESS_TOKEN", "env-token")
    monkeypatch.setenv("GENESYSCLOUD_REGION", "atlantis")
    with pytest.raises(ValueError, match="atlantis"):
        JourneyClient.from_env()


async def test_from_env_client_credentials(monkeypatch: pytest.MonkeyPatch):
    """GENESYSCLOUD_OAUTHCLIENT_ID and _SECRET give ClientCredentials; the secret never shows."""
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", "client-id-1")
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", "very-secret-value")
    monkeypatch.setenv("GENESYSCLOUD_REGION", "ap-southeast-2")
    c = JourneyClient.from_env()
    try:
        assert isinstance(c.token_provider, ClientCredentials)
        assert c.base_url == "https://api.mypurecloud.com.au"
        assert "very-secret-value" not in repr(c)
        assert "very-secret-value" not in repr(c.token_provider)
    finally:
        await c.aclose()


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, ["GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYSCLOUD_OAUTHCLIENT_SECRET"]),
        ({"GENESYSCLOUD_OAUTHCLIENT_ID": "id"}, ["GENESYSCLOUD_OAUTHCLIENT_SECRET"]),
        ({"GENESYSCLOUD_OAUTHCLIENT_SECRET": "s3cr3t"}, ["GENESYSCLOUD_OAUTHCLIENT_ID"]),
        ({"GENESYSCLOUD_REGION": "eu-west-1"}, ["GENESYSCLOUD_OAUTHCLIENT_ID"]),
        ({"GENESYSCLOUD_ACCESS_TOKEN": ""}, ["GENESYSCLOUD_OAUTHCLIENT_ID"]),
    ],
)
def test_from_env_missing_credentials(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], missing: list[str]
):
    """Missing credentials are a ValueError naming the variables to set, never a secret."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as info:
        JourneyClient.from_env()
    text = str(info.value)
    for name in missing:
        assert name in text
    assert "GENESYSCLOUD_ACCESS_TOKEN" in text
    assert "s3cr3t" not in text


# ---------------------------------------------------------------------------------------------
# Middleware


@pytest_asyncio.fixture
async def mw_http(router: respx.Router) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler)) as http:
        yield http


async def test_middleware_sees_every_attempt_with_auth(router: respx.Router, mw_http, sleeper):
    """User middleware runs once per attempt (retries included) and sees Authorization set."""
    seen: list[str | None] = []

    async def spy(request: httpx.Request, call_next):
        seen.append(request.headers.get("Authorization"))
        return await call_next(request)

    router.route().mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(502),
            httpx.Response(200, json={"id": "t"}),
        ]
    )
    async with JourneyClient(
        TOKEN,
        base_url=BASE_URL,
        http_client=mw_http,
        retry=RetryPolicy(),
        middleware=[spy],
        sleep=sleeper,
        clock=sleeper.clock,
    ) as c:
        target = await c.get_journey_actiontarget("t")
    assert target.id == "t"
    assert seen == [f"Bearer {TOKEN}"] * 3
    assert router.calls.call_count == 3


async def test_middleware_can_add_headers(router: respx.Router, mw_http):
    """A header set by user middleware reaches the server."""

    async def tag(request: httpx.Request, call_next):
        request.headers["X-Trace-Id"] = "trace-42"
        return await call_next(request)

    router.route().respond(200, json={"id": "t"})
    async with JourneyClient(
        TOKEN, base_url=BASE_URL, http_client=mw_http, retry=None, middleware=[tag]
    ) as c:
        await c.get_journey_actiontarget("t")
    request = router.calls.last.request
    assert request.headers["X-Trace-Id"] == "trace-42"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_middleware_runs_in_order(router: respx.Router, mw_http):
    """Middleware runs outermost first, in the order given, and unwinds in reverse."""
    events: list[str] = []

    def make(name: str):
        async def mw(request: httpx.Request, call_next):
            events.append(f"{name}>")
            request.headers["X-Order"] = request.headers.get("X-Order", "") + name
            response = await call_next(request)
            events.append(f"<{name}")
            return response

        return mw

    router.route().respond(200, json={"id": "t"})
    async with JourneyClient(
        TOKEN,
        base_url=BASE_URL,
        http_client=mw_http,
        retry=None,
        middleware=[make("a"), make("b"), make("c")],
    ) as c:
        await c.get_journey_actiontarget("t")
    assert events == ["a>", "b>", "c>", "<c", "<b", "<a"]
    assert router.calls.last.request.headers["X-Order"] == "abc"


async def test_middleware_sees_the_response(router: respx.Router, mw_http):
    """User middleware receives each response, its status and headers included."""
    statuses: list[int] = []

    async def spy(request: httpx.Request, call_next):
        response = await call_next(request)
        statuses.append(response.status_code)
        return response

    router.route().respond(200, json={"entities": []}, headers={"inin-correlation-id": "c"})
    async with JourneyClient(
        TOKEN, base_url=BASE_URL, http_client=mw_http, retry=None, middleware=[spy]
    ) as c:
        await c.get_journey_session_segments("s")
        await c.get_journey_actiontargets()
    assert statuses == [200, 200]


@pytest.mark.parametrize("bad", [None, "mw", 3])
def test_middleware_must_be_callable(bad):
    """A non-callable middleware item is a TypeError at construction."""
    with pytest.raises(TypeError):
        JourneyClient(TOKEN, base_url=BASE_URL, middleware=[bad])


async def test_middleware_sees_401_replay_with_fresh_token():
    """After a 401 the replay with a refreshed token is another attempt the middleware sees."""
    tokens = iter(["old-token", "new-token"])
    seen: list[str] = []

    async def provider() -> str:
        return next(tokens)

    async def spy(request: httpx.Request, call_next):
        seen.append(request.headers["Authorization"])
        return await call_next(request)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer old-token":
            return httpx.Response(401, json={"code": "credentials.expired", "status": 401})
        return httpx.Response(200, json={"id": "t"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        c = JourneyClient(provider, base_url=BASE_URL, http_client=http, middleware=[spy])
        async with c:
            target = await c.get_journey_actiontarget("t")
    assert target.id == "t"
    assert seen == ["Bearer old-token", "Bearer new-token"]


async def test_middleware_does_not_see_token_requests(monkeypatch: pytest.MonkeyPatch):
    """With client credentials from the environment, user middleware never sees /oauth/token."""
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", "cid")
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", "csecret")
    sent: list[httpx.Request] = []
    seen: list[str] = []

    async def spy(request: httpx.Request, call_next):
        seen.append(f"{request.url.host}{request.url.path}")
        return await call_next(request)

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.path == "/oauth/token":
            return httpx.Response(
                200, json={"access_token": "cc-token", "token_type": "bearer", "expires_in": 86400}
            )
        return httpx.Response(200, json={"id": "t"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        c = JourneyClient.from_env(base_url=BASE_URL, http_client=http, middleware=[spy])
        async with c:
            await c.get_journey_actiontarget("t")
            await c.get_journey_actiontarget("t")
    token_request, *api_requests = sent
    assert str(token_request.url) == "https://login.test.invalid/oauth/token"
    assert token_request.headers["Authorization"].startswith("Basic ")
    assert token_request.content == b"grant_type=client_credentials"
    assert [r.headers["Authorization"] for r in api_requests] == ["Bearer cc-token"] * 2
    assert seen == ["api.test.invalid/api/v2/journey/actiontargets/t"] * 2


@pytest.mark.parametrize("dots", [".", ".."])
async def test_dot_ids_are_refused_before_any_request(
    client: JourneyClient, router: respx.Router, dots: str
):
    """`.` and `..` cannot be one path segment safely (servers may decode `%2E`): ValueError."""
    with pytest.raises(ValueError, match="path segment"):
        await client.get_journey_actiontarget(dots)
    with pytest.raises(ValueError, match="path segment"):
        client.iter_journey_session_segments(dots)
    assert router.calls.call_count == 0
