"""The asynchronous journey aggregates query as one pager: submit, poll, stream, clean up.

`JobSource` is the pager's source (see `_pagination`): its first fetch submits the job
(`POST .../aggregates/jobs`) and polls its status (`GET .../jobs/{jobId}`), waiting a little
longer between polls each time, until the job is `FULFILLED`; then it and the following
fetches read the results (`GET .../jobs/{jobId}/results`, the `cursor` field). A job that ends
`FAILED`, `CANCELLED` or `EXPIRED`, or is not done within `timeout`, is a `JobError`. A job left
before its last page (an error, a cancellation, `limit`, `aclose()` or the end of an
`async with` block) is deleted (`DELETE .../jobs/{jobId}`), so the server stops working on it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from ._exceptions import JobError
from ._pagination import _FieldCursorSource
from ._types import Clock, Sleep

__all__ = ["JobSource", "MAX_POLL_WAIT"]

logger = logging.getLogger("journey_async")

MAX_POLL_WAIT = 30.0
"""The longest wait between two status polls, in seconds (unless `poll_interval` is longer)."""

_POLL_GROWTH = 1.5
"""Each wait between polls is this much longer than the one before, up to `MAX_POLL_WAIT`."""

_DELETE_TIMEOUT = 10.0
"""How long deleting a job left early may take, in seconds, however the pager was left."""

_ENDED = {"FAILED", "CANCELLED", "EXPIRED"}


class JobSource(_FieldCursorSource):
    """Submits the job on the first fetch, then pages through its results."""

    def __init__(
        self,
        *,
        submit: Callable[[], Awaitable[Any]],
        status: Callable[[str], Awaitable[Any]],
        results: Callable[[str, str | None], Awaitable[Any]],
        delete: Callable[[str], Awaitable[None]],
        poll_interval: float,
        timeout: float,
        clock: Clock,
        sleep: Sleep,
    ) -> None:
        super().__init__(self._results, None)
        self._submit = submit
        self._status = status
        self._page = results
        self._delete = delete
        self._poll_interval = poll_interval
        self._timeout = timeout
        self._clock = clock
        self._sleep = sleep
        self.job_id: str | None = None
        self._deleted = False

    async def _results(self, cursor: str | None) -> Any:
        job_id = self.job_id
        assert job_id is not None
        return await self._page(job_id, cursor)

    async def fetch(self, key: Any) -> Any:
        try:
            if self.job_id is None:
                await self._run_job()
            return await super().fetch(key)
        except BaseException:
            await self.release(early=True)
            raise

    async def _run_job(self) -> None:
        """Submit the job and wait until it is FULFILLED (or raise `JobError`)."""
        accepted = await self._submit()
        job_id = getattr(accepted, "job_id", None)
        if not job_id:
            msg = "the aggregates job was accepted without a jobId; nothing to poll"
            raise JobError(msg)
        self.job_id = str(job_id)
        deadline = self._clock() + self._timeout
        wait = self._poll_interval
        while True:
            status = await self._status(self.job_id)
            state = None if status.state is None else str(status.state)
            if state == "FULFILLED":
                return
            if state in _ENDED:
                self._deleted = True  # nothing left to stop
                msg = f"aggregates job {self.job_id} ended {state}"
                if status.error_message:
                    msg += f": {status.error_message}"
                raise JobError(
                    msg, job_id=self.job_id, state=state, error_message=status.error_message
                )
            left = deadline - self._clock()
            if left <= 0:
                msg = (
                    f"aggregates job {self.job_id} did not finish within {self._timeout:g} s "
                    f"(last state {state}); it was deleted"
                )
                raise JobError(msg, job_id=self.job_id, state=state)
            await self._sleep(min(wait, left))
            wait = min(wait * _POLL_GROWTH, max(self._poll_interval, MAX_POLL_WAIT))

    async def release(self, *, early: bool) -> None:
        """Delete the job when the results were left before their end (once; never raises)."""
        job_id = self.job_id
        if not early or job_id is None or self._deleted:
            return
        self._deleted = True
        # Shielded: a cancelled caller must still stop the job; bounded, so it cannot hang.
        with anyio.CancelScope(shield=True), anyio.move_on_after(_DELETE_TIMEOUT) as scope:
            try:
                await self._delete(job_id)
            except Exception as exc:  # the caller's own error matters more
                logger.warning(
                    "could not delete aggregates job %s left early: %s", job_id, type(exc).__name__
                )
        if scope.cancelled_caught:
            logger.warning("deleting aggregates job %s left early timed out", job_id)
