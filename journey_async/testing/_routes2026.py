"""The routes of today's API that the 2020 operations do not already answer (21 of the 29:
action targets and the aggregates query are shared), mapped to the SDK 269 method names."""

from __future__ import annotations

from typing import Any

from ._analytics import Jobs
from ._config2026 import Config2026, Store
from ._journeys2026 import Journeys2026
from ._util import Query

__all__ = ["Api2026"]

Answer = tuple[str, Any]


class Api2026:
    """Today's data of one fake (built on its first use) and the answers of its routes."""

    def __init__(
        self,
        seed: int,
        *,
        contact_ids: list[str],
        old_sessions: list[str],
        segments: int,
        action_templates: int,
        action_maps: int,
        views: int,
        sessions_per_contact: int,
        events_per_session: int,
        job_polls: int,
        job_seconds: float,
    ) -> None:
        self.config = Config2026(seed, segments, action_templates, action_maps, views)
        self.journeys = Journeys2026(
            seed, self.config, contact_ids, old_sessions, sessions_per_contact, events_per_session
        )
        self.jobs = Jobs(seed, job_polls, job_seconds)

    def route(
        self,
        method: str,
        s: list[str],
        query: Query,
        body: bytes,
        page_size: int,
        job_failure: str | None,
    ) -> Answer | None:
        """Answer a route of today's API (`s`: the path's segments), or None if it is not one."""
        rest = s[2:]
        top = rest[0] if rest else ""
        if top == "journey" and len(rest) >= 2:
            if rest[1] == "sessions":
                return self._sessions(method, rest[2:], query, page_size)
            return self._config(method, rest[1], rest[2:], query, body)
        if top == "externalcontacts" and len(rest) == 5 and rest[1::2] == ["contacts", "journey"]:
            return self._contact(method, rest[2], rest[4], query, body, page_size)
        if rest[:4] == ["analytics", "journeys", "aggregates", "jobs"]:
            return self._jobs(method, rest[4:], query, body, job_failure)
        return None

    def _sessions(
        self, method: str, rest: list[str], query: Query, page_size: int
    ) -> Answer | None:
        if method != "GET" or not rest or len(rest) > 2:
            return None
        journeys = self.journeys
        if len(rest) == 1:
            return "get_journey_session", journeys.session(journeys.find_session(rest[0]))
        if rest[1] == "events":
            ref = journeys.find_session(rest[0])
            return "get_journey_session_events", journeys.events_page(ref, query, page_size)
        return None

    def _contact(
        self, method: str, contact_id: str, what: str, query: Query, body: bytes, page_size: int
    ) -> Answer | None:
        journeys = self.journeys
        if what == "segments" and method in ("GET", "POST"):
            j = journeys.contact(contact_id)
            if method == "GET":
                return "get_externalcontacts_contact_journey_segments", journeys.assignments(
                    j, query
                )
            return "post_externalcontacts_contact_journey_segments", journeys.update(j, body)
        if what == "sessions" and method == "GET":
            j = journeys.contact(contact_id)
            page = journeys.sessions_page(j, query, page_size)
            return "get_externalcontacts_contact_journey_sessions", page
        return None

    def _jobs(
        self, method: str, rest: list[str], query: Query, body: bytes, failure: str | None
    ) -> Answer | None:
        jobs = self.jobs
        if not rest and method == "POST":
            return "post_analytics_journeys_aggregates_jobs", jobs.submit(body)
        if len(rest) == 1 and method == "GET":
            return "get_analytics_journeys_aggregates_job", jobs.status(rest[0], failure)
        if len(rest) == 1 and method == "DELETE":
            jobs.delete(rest[0])
            return "delete_analytics_journeys_aggregates_job", None
        if len(rest) == 2 and rest[1] == "results" and method == "GET":
            page = jobs.results(rest[0], query)
            return "get_analytics_journeys_aggregates_job_results", page
        return None

    def _config(
        self, method: str, kind: str, rest: list[str], query: Query, body: bytes
    ) -> Answer | None:
        config = self.config
        if kind == "views" and method == "GET":
            if not rest:
                return "get_journey_views", config.list_views(query)
            if len(rest) == 1:
                return "get_journey_view", config.views.get(rest[0])
            return None
        stores: dict[str, tuple[str, str, Store]] = {
            "segments": ("segments", "segment", config.segments),
            "actionmaps": ("actionmaps", "actionmap", config.maps),
            "actiontemplates": ("actiontemplates", "actiontemplate", config.templates),
        }
        if kind not in stores or len(rest) > 1:
            return None
        plural, single, store = stores[kind]
        if not rest:
            if method == "GET":
                listing = {
                    "segments": config.list_segments,
                    "actionmaps": config.list_action_maps,
                    "actiontemplates": config.list_action_templates,
                }[kind]
                return f"get_journey_{plural}", listing(query)
            if method == "POST":
                create = {
                    "segments": config.create_segment,
                    "actionmaps": config.create_action_map,
                    "actiontemplates": config.create_action_template,
                }[kind]
                return f"post_journey_{plural}", create(body)
            return None
        ident = rest[0]
        if method == "GET":
            return f"get_journey_{single}", store.get(ident)
        if method == "PATCH":
            patch = {
                "segments": config.patch_segment,
                "actionmaps": config.patch_action_map,
                "actiontemplates": config.patch_action_template,
            }[kind]
            return f"patch_journey_{single}", patch(ident, body)
        if method == "DELETE":
            if kind == "actiontemplates":
                config.delete_action_template(ident, query)
            else:
                store.get(ident)
                del store.items[ident]
            return f"delete_journey_{single}", None
        return None
