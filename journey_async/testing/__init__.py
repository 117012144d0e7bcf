"""Test helpers: a fake Journey API to run your code against, with no Genesys org.

```python
from journey_async import JourneyClient
from journey_async.testing import FakeJourneyApi

api = FakeJourneyApi(seed=1, sessions=3, assignments_per_session=500)
http = httpx.AsyncClient(transport=api.transport())
async with JourneyClient("fake-token", base_url="https://api.fake.invalid", http_client=http) as c:
    async for assignment in c.iter_journey_session_segments(api.session_ids[0]):
        ...
```

`FakeJourneyApi` answers the eight operations of 2020, the 29 of today's API (sessions and
their events, external contacts' sessions and segment assignments, segments, action maps,
action templates, journey views, action targets, the aggregates query and its asynchronous
jobs) and `POST /oauth/token`, in-process (an httpx transport), on a loopback port
(`api.serve()`, `api.serve_in_thread()`, `python -m journey_async.testing serve --port 8080`),
or as an ASGI app (`api.asgi`). Its `faults` switch on 429s, 5xx, latency, malformed bodies,
dropped connections and failing jobs, and model Genesys's limits (`token_rate_limit`: a fixed
window per token; `grant_rate_limit`: grants per client); `stats` counts what it saw (grants
and requests per token included).
"""

from ._fake import FakeFaults, FakeJourneyApi, FakeStats
from ._server import serve, serve_in_thread

__all__ = ["FakeJourneyApi", "FakeFaults", "FakeStats", "serve", "serve_in_thread"]
