"""Smoke test of the shared fixtures."""

import respx

from journey_async import ActionTarget, JourneyClient


async def test_get_action_target_through_router(client: JourneyClient, router: respx.Router):
    """The client fixture sends to the respx router and decodes the result."""
    route = router.get("/api/v2/journey/actiontargets/t1").respond(200, json={"id": "t1"})
    target = await client.get_journey_actiontarget("t1")
    assert target == ActionTarget(id="t1")
    assert route.call_count == 1
    assert route.calls.last.request.headers["Authorization"] == "Bearer test-token-3f9a"
