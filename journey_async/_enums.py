"""The `str` enums of the 2020 models: members compare equal to their wire values, and a value
Genesys adds tomorrow decodes as a plain `str` (fields are typed `TheEnum | str | None`)."""

from __future__ import annotations

import enum

__all__ = [
    "SegmentScope",
    "AssignmentState",
    "ActionTargetState",
    "MediaType",
    "FilterType",
    "PredicateType",
    "PredicateOperator",
    "ViewFunction",
    "AlternateTimeDimension",
    "JourneyDimension",
    "JourneyMetric",
    "LimitNamespace",
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
