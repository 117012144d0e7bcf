"""Typed models of the Journey API: attrs classes with the official SDK's snake_case names.

Every model carries the union of its fields in the 2020 API and the fields added later, all
optional on responses, so payloads of either age decode. Request-body models
(`PatchActionTarget`, `SegmentAssignmentsUpdate`, `JourneyAggregationQuery` and what it nests)
take what the API requires as required constructor arguments. Enum-typed fields hold a member of
the matching `str` enum when the value is known and the plain `str` otherwise, so a value added by
Genesys tomorrow decodes today. This module does no I/O and knows nothing of JSON: conversion
lives in `_serde`.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from ._base import Model
from ._enums import (
    ActionTargetState,
    AlternateTimeDimension,
    AssignmentState,
    FilterType,
    JourneyDimension,
    JourneyMetric,
    LimitNamespace,
    MediaType,
    PredicateOperator,
    PredicateType,
    SegmentScope,
    ViewFunction,
)

__all__ = [
    # enums
    "ActionTargetState",
    "AlternateTimeDimension",
    "AssignmentState",
    "FilterType",
    "JourneyDimension",
    "JourneyMetric",
    "LimitNamespace",
    "MediaType",
    "PredicateOperator",
    "PredicateType",
    "SegmentScope",
    "ViewFunction",
    # action targets
    "ActionTarget",
    "ActionTargetListing",
    "KeyValue",
    "PatchActionTarget",
    "ServiceLevel",
    # segment assignments
    "AddressableEntityRef",
    "SegmentAssignment",
    "SegmentAssignmentListing",
    "SegmentAssignmentSegment",
    "SegmentAssignmentSession",
    "SegmentAssignmentsUpdate",
    # aggregates query
    "AggregateMetricData",
    "AggregateViewData",
    "AggregationRange",
    "JourneyAggregateDataContainer",
    "JourneyAggregateQueryClause",
    "JourneyAggregateQueryFilter",
    "JourneyAggregateQueryPredicate",
    "JourneyAggregateQueryResponse",
    "JourneyAggregationQuery",
    "JourneyAggregationView",
    "NumericRange",
    "StatisticalResponse",
    "StatisticalSummary",
    # errors
    "Detail",
    "ErrorBody",
    "Limit",
]


# Response models are `@attrs.define(kw_only=True)` with every field optional (missing -> None);
# request-body models are `@attrs.define` with the required fields first and positional, the
# optional ones keyword-only. The decorators are spelled out on each class so that type checkers
# (mypy's attrs plugin, pyright) see the generated `__init__`.


# ---------------------------------------------------------------------------------------------
# Action targets


@attrs.define
class KeyValue(Model):
    """A free-form key/value pair attached to an action target."""

    key: str
    value: str


@attrs.define(kw_only=True)
class ServiceLevel(Model):
    """A service-level goal: `percentage` of offers handled within `duration_ms`."""

    percentage: float | None = None
    duration_ms: int | None = None


@attrs.define(kw_only=True)
class ActionTarget(Model):
    """A target (queue-like destination) that journey actions are routed to."""

    id: str | None = None
    name: str | None = None
    user_data: list[KeyValue] | None = None
    supported_media_types: list[MediaType | str] | None = None
    state: ActionTargetState | str | None = None
    description: str | None = None
    service_level: ServiceLevel | None = None
    short_abandon_threshold: int | None = None
    self_uri: str | None = None
    created_date: datetime | None = None
    modified_date: datetime | None = None


@attrs.define(kw_only=True)
class ActionTargetListing(Model):
    """One page of action targets (page-number pagination)."""

    entities: list[ActionTarget] | None = None
    page_size: int | None = None
    page_number: int | None = None
    total: int | None = None
    first_uri: str | None = None
    self_uri: str | None = None
    next_uri: str | None = None
    previous_uri: str | None = None
    last_uri: str | None = None
    page_count: int | None = None


@attrs.define(kw_only=True)
class PatchActionTarget(Model):
    """The body of `patch_journey_actiontarget`: only the fields that are set are sent.

    `id` and `self_uri` are read-only on the server and ignored there; they exist so that a
    payload of this shape round-trips.
    """

    name: str | None = None
    service_level: ServiceLevel | None = None
    short_abandon_threshold: int | None = None
    id: str | None = None
    self_uri: str | None = None


# ---------------------------------------------------------------------------------------------
# Segment assignments


@attrs.define(kw_only=True)
class AddressableEntityRef(Model):
    """A reference to another entity: its id and URI."""

    id: str | None = None
    self_uri: str | None = None


@attrs.define(kw_only=True)
class SegmentAssignmentSegment(Model):
    """The segment of an assignment."""

    id: str | None = None
    scope: SegmentScope | str | None = None
    version: int | None = None
    self_uri: str | None = None


@attrs.define(kw_only=True)
class SegmentAssignmentSession(Model):
    """The session of a session-scoped segment assignment."""

    id: str | None = None
    type: str | None = None
    self_uri: str | None = None


@attrs.define(kw_only=True)
class SegmentAssignment(Model):
    """A segment assigned to a customer, session or external contact."""

    id: str | None = None
    state: AssignmentState | str | None = None
    date_assigned: datetime | None = None
    date_unassigned: datetime | None = None
    date_modified: datetime | None = None
    date_for_unassignment: datetime | None = None
    segment: SegmentAssignmentSegment | None = None
    customer_id: str | None = None
    customer_id_type: str | None = None
    session: SegmentAssignmentSession | None = None
    external_contact: AddressableEntityRef | None = None


@attrs.define(kw_only=True)
class SegmentAssignmentListing(Model):
    """One page of segment assignments; the next page's cursor is the `after` of `next_uri`."""

    entities: list[SegmentAssignment] | None = None
    next_uri: str | None = None
    self_uri: str | None = None
    previous_uri: str | None = None


@attrs.define
class SegmentAssignmentsUpdate(Model):
    """One item of the `post_journey_externalcontact_segments` body: assign or unassign."""

    segment_id: str
    state: AssignmentState | str


# ---------------------------------------------------------------------------------------------
# Aggregates query


@attrs.define(kw_only=True)
class NumericRange(Model):
    """A numeric right-hand side for a predicate (any of the four bounds)."""

    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None


@attrs.define(kw_only=True)
class AggregationRange(Model):
    """The bounds of a range-bound view bucket: `gte` inclusive, `lt` exclusive."""

    gte: float | None = None
    lt: float | None = None


@attrs.define(kw_only=True)
class JourneyAggregateQueryPredicate(Model):
    """A condition of a query filter: `dimension` `operator` `value` (or `range`)."""

    type: PredicateType | str | None = None
    dimension: JourneyDimension | str | None = None
    operator: PredicateOperator | str | None = None
    value: str | None = None
    range: NumericRange | None = None


@attrs.define
class JourneyAggregateQueryClause(Model):
    """A group of predicates combined by `type` (and/or)."""

    type: FilterType | str
    predicates: list[JourneyAggregateQueryPredicate]


@attrs.define
class JourneyAggregateQueryFilter(Model):
    """The filter of an aggregates query: predicates and clauses combined by `type`."""

    type: FilterType | str
    clauses: list[JourneyAggregateQueryClause] | None = attrs.field(default=None, kw_only=True)
    predicates: list[JourneyAggregateQueryPredicate] | None = attrs.field(
        default=None, kw_only=True
    )


@attrs.define
class JourneyAggregationView(Model):
    """A derived view that buckets a metric into a range."""

    target: JourneyMetric | str
    name: str
    function: ViewFunction | str
    range: AggregationRange | None = attrs.field(default=None, kw_only=True)


@attrs.define
class JourneyAggregationQuery(Model):
    """The body of `post_analytics_journeys_aggregates_query`.

    `interval` is an ISO-8601 interval (`2020-11-01T00:00:00.000Z/2020-11-08T00:00:00.000Z`) and
    `metrics` the metrics to compute; both are required by the API.
    """

    interval: str
    metrics: list[JourneyMetric | str]
    granularity: str | None = attrs.field(default=None, kw_only=True)
    time_zone: str | None = attrs.field(default=None, kw_only=True)
    group_by: list[JourneyDimension | str] | None = attrs.field(default=None, kw_only=True)
    filter: JourneyAggregateQueryFilter | None = attrs.field(default=None, kw_only=True)
    flatten_multivalued_dimensions: bool | None = attrs.field(default=None, kw_only=True)
    views: list[JourneyAggregationView] | None = attrs.field(default=None, kw_only=True)
    alternate_time_dimension: AlternateTimeDimension | str | None = attrs.field(
        default=None, kw_only=True
    )


@attrs.define(kw_only=True)
class StatisticalSummary(Model):
    """Statistics of one metric or view in one bucket."""

    max: float | None = None
    min: float | None = None
    count: int | None = None
    count_negative: int | None = None
    count_positive: int | None = None
    sum: float | None = None
    current: float | None = None
    ratio: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    target: float | None = None
    p95: int | None = None
    p99: int | None = None
    calculated_metric_value: int | None = None


@attrs.define(kw_only=True)
class AggregateMetricData(Model):
    """The result of one metric."""

    metric: str | None = None
    qualifier: str | None = None
    stats: StatisticalSummary | None = None


@attrs.define(kw_only=True)
class AggregateViewData(Model):
    """The result of one view."""

    name: str | None = None
    stats: StatisticalSummary | None = None


@attrs.define(kw_only=True)
class StatisticalResponse(Model):
    """The metrics and views of one granularity bucket."""

    interval: str | None = None
    metrics: list[AggregateMetricData] | None = None
    views: list[AggregateViewData] | None = None


@attrs.define(kw_only=True)
class JourneyAggregateDataContainer(Model):
    """The results of one group (`group` maps dimension name to value)."""

    group: dict[str, str] | None = None
    data: list[StatisticalResponse] | None = None


@attrs.define(kw_only=True)
class JourneyAggregateQueryResponse(Model):
    """The answer to an aggregates query: one container per distinct group."""

    results: list[JourneyAggregateDataContainer] | None = None


# ---------------------------------------------------------------------------------------------
# Errors


@attrs.define(kw_only=True)
class Detail(Model):
    """A per-field detail of an error."""

    error_code: str | None = None
    field_name: str | None = None
    entity_id: str | None = None
    entity_name: str | None = None


@attrs.define(kw_only=True)
class Limit(Model):
    """The platform limit an error refers to."""

    key: str | None = None
    namespace: LimitNamespace | str | None = None
    value: int | None = None


@attrs.define(kw_only=True)
class ErrorBody(Model):
    """The JSON body of every API error response."""

    message: str | None = None
    code: str | None = None
    status: int | None = None
    entity_id: str | None = None
    entity_name: str | None = None
    message_with_params: str | None = None
    message_params: dict[str, str] | None = None
    context_id: str | None = None
    details: list[Detail] | None = None
    errors: list[ErrorBody] | None = None
    limit: Limit | None = None
