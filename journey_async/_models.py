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

import enum
from datetime import datetime

import attrs

from ._base import Model

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


class _StrEnum(str, enum.Enum):
    """A `str` enum whose members print as their wire value (`str(SegmentScope.SESSION)`)."""

    def __str__(self) -> str:
        return str(self.value)

    __format__ = str.__format__  # type: ignore[assignment]


class SegmentScope(_StrEnum):
    """What a segment applies to; also the `segment_scope` filter of the segment listings."""

    SESSION = "Session"
    CUSTOMER = "Customer"


class AssignmentState(_StrEnum):
    """The state of a segment assignment; also the `assignment_state` filter."""

    ASSIGNED = "Assigned"
    UNASSIGNED = "Unassigned"


class ActionTargetState(_StrEnum):
    """The lifecycle state of an action target."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    DELETED = "deleted"


class MediaType(_StrEnum):
    """A media type an action target can take."""

    CALLBACK = "callback"
    CALL = "call"
    EMAIL = "email"
    GENERIC = "generic"
    MESSAGING = "messaging"
    SOCIAL = "social"
    WEBCHAT = "webchat"


class FilterType(_StrEnum):
    """How the predicates and clauses of a filter are combined."""

    AND = "and"
    OR = "or"


class PredicateType(_StrEnum):
    """The kind of a query predicate (optional; usually inferred by the server)."""

    DIMENSION = "dimension"
    PROPERTY = "property"
    METRIC = "metric"


class PredicateOperator(_StrEnum):
    """The operator of a query predicate (the server defaults to `matches`)."""

    MATCHES = "matches"
    EXISTS = "exists"
    NOT_EXISTS = "notExists"


class ViewFunction(_StrEnum):
    """The function of an aggregation view."""

    RANGE_BOUND = "rangeBound"


class AlternateTimeDimension(_StrEnum):
    """An alternative time dimension for an aggregates query."""

    EVENT_TIME = "eventTime"


class JourneyDimension(_StrEnum):
    """A dimension for `group_by` and predicates (2020 values and later additions)."""

    CONTAINS_ALL_CONDITION = "containsAllCondition"
    CONTAINS_ANY_CONDITION = "containsAnyCondition"
    ENDS_WITH_CONDITION = "endsWithCondition"
    EQUAL_CONDITION = "equalCondition"
    JOURNEY_ACTION_ID = "journeyActionId"
    JOURNEY_ACTION_MAP_ID = "journeyActionMapId"
    JOURNEY_ACTION_MAP_VERSION = "journeyActionMapVersion"
    JOURNEY_ACTION_MEDIA_TYPE = "journeyActionMediaType"
    JOURNEY_ACTION_TARGET_ID = "journeyActionTargetId"
    JOURNEY_ACTION_TEMPLATE_ID = "journeyActionTemplateId"
    JOURNEY_BLOCKING_ACTION_MAP_ID = "journeyBlockingActionMapId"
    JOURNEY_BLOCKING_EMERGENCY_SCHEDULE_GROUP_ID = "journeyBlockingEmergencyScheduleGroupId"
    JOURNEY_BLOCKING_REASON = "journeyBlockingReason"
    JOURNEY_BLOCKING_SCHEDULE_GROUP_ID = "journeyBlockingScheduleGroupId"
    JOURNEY_CUSTOMER_ID = "journeyCustomerId"
    JOURNEY_CUSTOMER_ID_TYPE = "journeyCustomerIdType"
    JOURNEY_DEVICE_CATEGORY = "journeyDeviceCategory"
    JOURNEY_DEVICE_TYPE = "journeyDeviceType"
    JOURNEY_FREQUENCY_CAP_REASON = "journeyFrequencyCapReason"
    JOURNEY_IP_GEOLOCATION_COUNTRY = "journeyIpGeolocationCountry"
    JOURNEY_OUTCOME_ID = "journeyOutcomeId"
    JOURNEY_SEGMENT_ASSIGNMENT_STATE = "journeySegmentAssignmentState"
    JOURNEY_SEGMENT_ID = "journeySegmentId"
    JOURNEY_SEGMENT_SCOPE = "journeySegmentScope"
    JOURNEY_SESSION_ID = "journeySessionId"
    JOURNEY_SESSION_SEGMENT_ID = "journeySessionSegmentId"
    JOURNEY_SESSION_TYPE = "journeySessionType"
    NOT_CONTAINS_ALL_CONDITION = "notContainsAllCondition"
    NOT_CONTAINS_ANY_CONDITION = "notContainsAnyCondition"
    NOT_EQUAL_CONDITION = "notEqualCondition"
    STARTS_WITH_CONDITION = "startsWithCondition"
    TOUCHPOINT_ACTION_MAP_ID = "touchpointActionMapId"
    TOUCHPOINT_AGENT_ID = "touchpointAgentId"
    TOUCHPOINT_ATTRIBUTION_SCOPE = "touchpointAttributionScope"
    TOUCHPOINT_CHANNEL_MESSAGE_TYPE = "touchpointChannelMessageType"
    TOUCHPOINT_CHANNEL_PLATFORM = "touchpointChannelPlatform"
    TOUCHPOINT_CHANNEL_TYPE = "touchpointChannelType"
    TOUCHPOINT_CONVERSATION_ID = "touchpointConversationId"
    TOUCHPOINT_INTERACTION_TYPE = "touchpointInteractionType"
    TOUCHPOINT_QUEUE_ID = "touchpointQueueId"
    TOUCHPOINT_REQUESTED_ROUTING = "touchpointRequestedRouting"
    TOUCHPOINT_USED_ROUTING = "touchpointUsedRouting"
    TOUCHPOINT_WRAPUP_CODE = "touchpointWrapupCode"


class JourneyMetric(_StrEnum):
    """A metric for `metrics` and view targets (2020 values and later additions)."""

    N_DISTINCT_JOURNEY_ACTIONS = "nDistinctJourneyActions"
    N_DISTINCT_JOURNEY_SESSIONS = "nDistinctJourneySessions"
    N_JOURNEY_ACTIONS_BLOCKED = "nJourneyActionsBlocked"
    N_JOURNEY_OUTCOMES_ACHIEVED = "nJourneyOutcomesAchieved"
    N_JOURNEY_OUTCOMES_ATTRIBUTED = "nJourneyOutcomesAttributed"
    N_JOURNEY_SEGMENTS_ASSIGNED = "nJourneySegmentsAssigned"
    N_JOURNEY_SESSIONS = "nJourneySessions"
    N_WEB_ACTIONS_ABANDONED = "nWebActionsAbandoned"
    N_WEB_ACTIONS_ACCEPTED = "nWebActionsAccepted"
    N_WEB_ACTIONS_ENGAGED = "nWebActionsEngaged"
    N_WEB_ACTIONS_ERRORED = "nWebActionsErrored"
    N_WEB_ACTIONS_FREQUENCY_CAP_REACHED = "nWebActionsFrequencyCapReached"
    N_WEB_ACTIONS_IGNORED = "nWebActionsIgnored"
    N_WEB_ACTIONS_OFFERED = "nWebActionsOffered"
    N_WEB_ACTIONS_OFFERED_OUTSIDE_SCHEDULE = "nWebActionsOfferedOutsideSchedule"
    N_WEB_ACTIONS_QUALIFIED = "nWebActionsQualified"
    N_WEB_ACTIONS_QUALIFIED_OUTSIDE_SCHEDULE = "nWebActionsQualifiedOutsideSchedule"
    N_WEB_ACTIONS_REJECTED = "nWebActionsRejected"
    N_WEB_ACTIONS_STARTED = "nWebActionsStarted"
    N_WEB_ACTIONS_TIMEDOUT = "nWebActionsTimedout"
    O_JOURNEY_OUTCOME_TOUCHPOINT_VALUE = "oJourneyOutcomeTouchpointValue"
    O_JOURNEY_OUTCOME_VALUE = "oJourneyOutcomeValue"


class LimitNamespace(_StrEnum):
    """The namespace of a platform limit named in an ErrorBody."""

    USERS_RULES = "users.rules"
    ADMIN_NOTICE = "admin.notice"
    AGENT_ASSISTANT = "agent.assistant"
    AGENTIC_VIRTUAL_AGENTS = "agentic.virtual.agents"
    ANALYTICS_AGENTS = "analytics.agents"
    ANALYTICS_ALERTING = "analytics.alerting"
    ANALYTICS_DATA_EXTRACTION = "analytics.data.extraction"
    ANALYTICS = "analytics"
    ANALYTICS_REALTIME = "analytics.realtime"
    ANALYTICS_REPORTING_SETTINGS = "analytics.reporting.settings"
    ANOMALY_DETECTION = "anomaly.detection"
    ARCHITECT = "architect"
    AUDIOHOOK = "audiohook"
    AUDIOHOOK_MONITOR = "audiohook.monitor"
    AUDIT = "audit"
    AUTH_API = "auth.api"
    AUTHORIZATION = "authorization"
    AUTOMATION_TESTING = "automation.testing"
    BOTS = "bots"
    BOTS_VOICE = "bots.voice"
    BUSINESS_RULES = "business.rules"
    CALLBACK = "callback"
    CASE_MANAGEMENT = "case.management"
    COBROWSE = "cobrowse"
    CONTENT_MANAGEMENT = "content.management"
    CONVERSATION = "conversation"
    COPILOT = "copilot"
    DATAACTIONS = "dataactions"
    DATATABLES = "datatables"
    DIRECTORY = "directory"
    DSAR = "dsar"
    EMAIL = "email"
    EMPLOYEE_ENGAGEMENT = "employee.engagement"
    EVENT_ORCHESTRATION = "event.orchestration"
    EXTERNAL_CONTACTS = "external.contacts"
    EXTERNAL_EVENTS_DATA_INGESTION = "external.events.data.ingestion"
    GAMIFICATION = "gamification"
    GCV = "gcv"
    GDPR = "gdpr"
    GROUPS = "groups"
    GUIDES = "guides"
    HISTORICAL_ADHERENCE = "historical.adherence"
    INFRASTRUCTUREASCODE = "infrastructureascode"
    INTEGRATIONS = "integrations"
    INTENT_MINER = "intent.miner"
    INTERNAL_MESSAGING = "internal.messaging"
    JOURNEY = "journey"
    KNOWLEDGE = "knowledge"
    LANGUAGE_UNDERSTANDING = "language.understanding"
    LEARNING = "learning"
    LIMIT_REGISTRY = "limit.registry"
    MARKETPLACE = "marketplace"
    MCP_ANALYTICS_AGGREGATES = "mcp.analytics.aggregates"
    MCP = "mcp"
    MEDIA_COMMUNICATIONS = "media.communications"
    MESSAGING = "messaging"
    MICRO_FRONTEND = "micro.frontend"
    MULTI_ORG = "multi.org"
    NOTIFICATIONS = "notifications"
    ONBOARDING = "onboarding"
    OUTBOUND = "outbound"
    PLATFORM_API = "platform.api"
    PREDICTIVE_ROUTING = "predictive.routing"
    PRESENCE = "presence"
    QUALITY = "quality"
    RECORDING = "recording"
    RESPONSE_MANAGEMENT = "response.management"
    ROUTING = "routing"
    SCIM = "scim"
    SCREEN_MONITORING = "screen.monitoring"
    SDA = "sda"
    SEARCH = "search"
    SECONDARY_AUTOMATION_TESTING = "secondary.automation.testing"
    SKILLS = "skills"
    SOCIAL_MEDIA = "social.media"
    SPEECH_AND_TEXT_ANALYTICS = "speech.and.text.analytics"
    SPEECH_INTEGRATION = "speech.integration"
    SUPPORTABILITY = "supportability"
    TASK_MANAGEMENT = "task.management"
    TELEPHONY_CONFIGURATION = "telephony.configuration"
    USAGE = "usage"
    USERS = "users"
    VOICE_TRANSCRIPTION = "voice.transcription"
    WEB_DEPLOYMENTS = "web.deployments"
    WEB_MESSAGING = "web.messaging"
    WEBCHAT = "webchat"
    WEBHOOKS = "webhooks"
    WORKFORCE_MANAGEMENT_ADHERENCE = "workforce.management.adherence"
    WORKFORCE_MANAGEMENT_AGENT_AVAILABILITY = "workforce.management.agent.availability"
    WORKFORCE_MANAGEMENT_FORECAST = "workforce.management.forecast"
    WORKFORCE_MANAGEMENT = "workforce.management"
    WORKFORCE_MANAGEMENT_SCHEDULING_PREFERENCES = "workforce.management.scheduling.preferences"
    WORKFORCE_MANAGEMENT_SELF_SCHEDULE = "workforce.management.self.schedule"
    WORKFORCE_MANAGEMENT_SHIFT_TRADING = "workforce.management.shift.trading"
    SYSTEM = "system"


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
