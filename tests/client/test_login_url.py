"""`login_url` is accepted with or without the `/oauth/token` path (it used to become
`/oauth/token/oauth/token`), and a malformed one is a ValueError naming no secret."""

from __future__ import annotations

import httpx
import pytest

from journey_async import ClientCredentials, JourneyClient

LOGIN = "https://login.test.invalid"


@pytest.mark.parametrize(
    "login_url",
    [LOGIN, LOGIN + "/", LOGIN + "/oauth/token", LOGIN + "/oauth/token/"],
    ids=["base", "base-slash", "full", "full-slash"],
)
async def test_token_requests_go_to_oauth_token_once(login_url: str):
    """Whichever form is given, the grant is POSTed to `/oauth/token`, and the call succeeds."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.host == "login.test.invalid":
            return httpx.Response(200, json={"access_token": "tok", "expires_in": 3600})
        return httpx.Response(200, json={"id": "t1"})

    provider = ClientCredentials("id", "secret", login_url=login_url)
    assert provider.login_url == LOGIN
    async with JourneyClient(
        provider, base_url="https://api.test.invalid", transport=httpx.MockTransport(handler)
    ) as client:
        target = await client.get_journey_actiontarget("t1")
    assert target.id == "t1"
    assert seen[0] == LOGIN + "/oauth/token"


@pytest.mark.parametrize(
    "login_url",
    ["login.test.invalid", "ftp://login.test.invalid", "https://lo gin", "https://x\r\n"],
)
def test_a_malformed_login_url_is_a_value_error(login_url: str):
    """No scheme, another scheme, spaces or line breaks: ValueError before any request."""
    with pytest.raises(ValueError, match="login_url"):
        ClientCredentials("id", "secret", login_url=login_url)


def test_a_password_in_login_url_is_not_in_the_error():
    """The message shows the URL with its password redacted."""
    with pytest.raises(ValueError) as info:
        ClientCredentials("id", "secret", login_url="ftp://user:hunter2@login.test.invalid")
    assert "hunter2" not in str(info.value)
