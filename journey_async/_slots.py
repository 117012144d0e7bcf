"""`Slots`: a FIFO counting semaphore whose uncontended acquire does not yield.

`anyio.CapacityLimiter` checkpoints (a trip through the event loop) on every acquire, a cost
paid on every request when the client caps its in-flight requests (benchmarks/RESULTS.md).
Here a free slot is taken synchronously; only a caller that has to wait parks on an
`anyio.Event`, and a release hands its slot straight to the longest waiter, so nobody can
overtake the queue.
Works on asyncio and trio.
"""

from __future__ import annotations

from collections import deque

import anyio

__all__ = ["Slots"]


class Slots:
    """At most `total` holders at once; waiters are served first come, first served."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._free = total
        self._waiters: deque[anyio.Event] = deque()

    @property
    def in_use(self) -> int:
        """Slots currently held."""
        return self.total - self._free

    @property
    def waiting(self) -> int:
        """Callers waiting for a slot."""
        return len(self._waiters)

    def try_acquire(self) -> bool:
        """Take a free slot now if nobody is queued for one; False otherwise (nothing taken)."""
        if self._free and not self._waiters:
            self._free -= 1
            return True
        return False

    async def acquire(self) -> None:
        """Take a slot, waiting for one if none is free.

        A waiter that is cancelled leaves the queue at once; one cancelled just after it was
        handed a slot passes the slot on, so no slot is ever lost.
        """
        if self._free and not self._waiters:
            self._free -= 1
            return
        granted = anyio.Event()
        self._waiters.append(granted)
        try:
            await granted.wait()
        except BaseException:
            if granted.is_set():
                self.release()  # handed a slot while being cancelled: pass it on
            else:
                self._waiters.remove(granted)
            raise

    def release(self) -> None:
        """Give a slot back: to the longest waiter if there is one."""
        if self._waiters:
            self._waiters.popleft().set()  # the slot moves to the waiter, `_free` unchanged
        else:
            self._free += 1
