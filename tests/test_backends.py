"""The harness runs tests marked `anyio` on the backend they are parametrized with.

Under pytest-asyncio's auto mode the `trio` parametrization of every such test had silently
run on asyncio; the suite now uses strict mode (see `tests/conftest.py`).
"""

import pytest
import sniffio

pytestmark = pytest.mark.anyio


async def test_the_backend_in_use_is_the_one_asked_for(anyio_backend: str) -> None:
    assert sniffio.current_async_library() == anyio_backend
