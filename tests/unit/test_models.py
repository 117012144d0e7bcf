"""The models and enums of `journey_async.models` against REFERENCE.md sections 4 and 5.

The expected tables below are copied from the 2020 reference (REFERENCE.md): section 4.1 (the
2020 era, the SDK release that had exactly the eight operations) united with the fields added
later (sections 4.2 and 4.3), and the enum values of section 5 (the 2020 and the v269 lists).
"""

from __future__ import annotations

import enum
import typing

import attrs
import pytest

import journey_async._generated.models
from journey_async import models
from journey_async._wire import to_camel

# JSON name -> SDK (snake_case) attribute name, per model; 2020 fields first, then later ones.
FIELDS: dict[str, dict[str, str]] = {
    "ActionTarget": {
        "id": "id",
        "name": "name",
        "userData": "user_data",
        "supportedMediaTypes": "supported_media_types",
        "state": "state",
        "description": "description",
        "serviceLevel": "service_level",
        "selfUri": "self_uri",
        "createdDate": "created_date",
        "modifiedDate": "modified_date",
        "shortAbandonThreshold": "short_abandon_threshold",  # Python 104.0.0
    },
    "KeyValue": {"key": "key", "value": "value"},
    "ServiceLevel": {"percentage": "percentage", "durationMs": "duration_ms"},
    "ActionTargetListing": {
        "entities": "entities",
        "pageSize": "page_size",
        "pageNumber": "page_number",
        "total": "total",
        "firstUri": "first_uri",
        "selfUri": "self_uri",
        "nextUri": "next_uri",
        "previousUri": "previous_uri",
        "lastUri": "last_uri",
        "pageCount": "page_count",
    },
    "PatchActionTarget": {
        "id": "id",
        "name": "name",
        "serviceLevel": "service_level",
        "selfUri": "self_uri",
        "shortAbandonThreshold": "short_abandon_threshold",  # Python 104.0.0
    },
    "SegmentAssignmentListing": {
        "entities": "entities",
        "nextUri": "next_uri",
        "selfUri": "self_uri",
        "previousUri": "previous_uri",
    },
    "SegmentAssignment": {
        "id": "id",
        "state": "state",
        "dateAssigned": "date_assigned",
        "dateUnassigned": "date_unassigned",
        "dateModified": "date_modified",
        "segment": "segment",
        "customerId": "customer_id",
        "customerIdType": "customer_id_type",
        "session": "session",
        "externalContact": "external_contact",
        "dateForUnassignment": "date_for_unassignment",  # v269
    },
    "SegmentAssignmentSegment": {
        "id": "id",
        "scope": "scope",
        "version": "version",
        "selfUri": "self_uri",
    },
    "SegmentAssignmentSession": {"id": "id", "type": "type", "selfUri": "self_uri"},
    "AddressableEntityRef": {"id": "id", "selfUri": "self_uri"},
    "SegmentAssignmentsUpdate": {"segmentId": "segment_id", "state": "state"},
    "JourneyAggregationQuery": {
        "interval": "interval",
        "granularity": "granularity",
        "timeZone": "time_zone",
        "groupBy": "group_by",
        "filter": "filter",
        "metrics": "metrics",
        "flattenMultivaluedDimensions": "flatten_multivalued_dimensions",
        "views": "views",
        "alternateTimeDimension": "alternate_time_dimension",
    },
    "JourneyAggregateQueryFilter": {
        "type": "type",
        "clauses": "clauses",
        "predicates": "predicates",
    },
    "JourneyAggregateQueryClause": {"type": "type", "predicates": "predicates"},
    "JourneyAggregateQueryPredicate": {
        "type": "type",
        "dimension": "dimension",
        "operator": "operator",
        "value": "value",
        "range": "range",
    },
    "NumericRange": {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"},
    "JourneyAggregationView": {
        "target": "target",
        "name": "name",
        "function": "function",
        "range": "range",
    },
    "AggregationRange": {"gte": "gte", "lt": "lt"},
    "JourneyAggregateQueryResponse": {"results": "results"},
    "JourneyAggregateDataContainer": {"group": "group", "data": "data"},
    "StatisticalResponse": {"interval": "interval", "metrics": "metrics", "views": "views"},
    "AggregateMetricData": {"metric": "metric", "qualifier": "qualifier", "stats": "stats"},
    "StatisticalSummary": {
        "max": "max",
        "min": "min",
        "count": "count",
        "sum": "sum",
        "current": "current",
        "ratio": "ratio",
        "numerator": "numerator",
        "denominator": "denominator",
        "target": "target",
        "p95": "p95",  # Python 105.0.0
        "p99": "p99",  # Python 105.0.0
        "countNegative": "count_negative",  # Python 155.0.0
        "countPositive": "count_positive",  # Python 155.0.0
        "calculatedMetricValue": "calculated_metric_value",  # Python 230.0.0
    },
    "AggregateViewData": {"name": "name", "stats": "stats"},
    "ErrorBody": {
        "message": "message",
        "code": "code",
        "status": "status",
        "entityId": "entity_id",
        "entityName": "entity_name",
        "messageWithParams": "message_with_params",
        "messageParams": "message_params",
        "contextId": "context_id",
        "details": "details",
        "errors": "errors",
        "limit": "limit",  # Python 174.0.0
    },
    "Detail": {
        "errorCode": "error_code",
        "fieldName": "field_name",
        "entityId": "entity_id",
        "entityName": "entity_name",
    },
    "Limit": {"key": "key", "namespace": "namespace", "value": "value"},  # Python 174.0.0
}

# Request-body models and the constructor arguments the API requires of them (section 4.1,
# "required" column), with a valid value for each.
REQUIRED: dict[str, dict[str, object]] = {
    "SegmentAssignmentsUpdate": {
        "segment_id": "2c8d1a7e-3f4b-4c9d-8e1f-0a9b8c7d6e5f",
        "state": models.AssignmentState.ASSIGNED,
    },
    "JourneyAggregationQuery": {
        "interval": "2020-11-01T00:00:00.000Z/2020-11-03T00:00:00.000Z",
        "metrics": [models.JourneyMetric.N_WEB_ACTIONS_OFFERED],
    },
    "JourneyAggregateQueryFilter": {"type": models.FilterType.AND},
    "JourneyAggregateQueryClause": {"type": models.FilterType.OR, "predicates": []},
    "JourneyAggregationView": {
        "target": models.JourneyMetric.N_WEB_ACTIONS_OFFERED,
        "name": "offered-fast",
        "function": models.ViewFunction.RANGE_BOUND,
    },
}

RESPONSE_MODELS = sorted(set(FIELDS) - set(REQUIRED))

_DIMENSIONS_2020 = """journeyActionId journeyActionMapId journeyActionMapVersion
journeyActionMediaType journeyActionTemplateId journeyCustomerId journeyCustomerIdType
journeyDeviceCategory journeyDeviceType journeyOutcomeId journeySegmentId journeySegmentScope
journeySessionSegmentId journeySessionType touchpointActionMapId"""

_DIMENSIONS_V269 = """containsAllCondition containsAnyCondition endsWithCondition
equalCondition journeyActionId journeyActionMapId journeyActionMapVersion journeyActionMediaType
journeyActionTargetId journeyActionTemplateId journeyBlockingActionMapId
journeyBlockingEmergencyScheduleGroupId journeyBlockingReason journeyBlockingScheduleGroupId
journeyDeviceCategory journeyDeviceType journeyFrequencyCapReason journeyIpGeolocationCountry
journeyOutcomeId journeySegmentAssignmentState journeySegmentId journeySessionId
journeySessionSegmentId journeySessionType notContainsAllCondition notContainsAnyCondition
notEqualCondition startsWithCondition touchpointActionMapId touchpointAgentId
touchpointAttributionScope touchpointChannelMessageType touchpointChannelPlatform
touchpointChannelType touchpointConversationId touchpointInteractionType touchpointQueueId
touchpointRequestedRouting touchpointUsedRouting touchpointWrapupCode"""

_METRICS_2020 = """nJourneyOutcomesAchieved nJourneyOutcomesAttributed nJourneySegmentsAssigned
nJourneySessions nWebActionsAbandoned nWebActionsAccepted nWebActionsEngaged nWebActionsErrored
nWebActionsIgnored nWebActionsOffered nWebActionsQualified nWebActionsQualifiedOutsideSchedule
nWebActionsRejected nWebActionsStarted nWebActionsTimedout"""

_METRICS_V269 = (
    _METRICS_2020
    + """ nDistinctJourneyActions nDistinctJourneySessions
nJourneyActionsBlocked nWebActionsFrequencyCapReached nWebActionsOfferedOutsideSchedule
oJourneyOutcomeTouchpointValue oJourneyOutcomeValue"""
)

_LIMIT_NAMESPACES = """users.rules, admin.notice, agent.assistant, agentic.virtual.agents,
analytics.agents, analytics.alerting, analytics.data.extraction, analytics, analytics.realtime,
analytics.reporting.settings, anomaly.detection, architect, audiohook, audiohook.monitor, audit,
auth.api, authorization, automation.testing, bots, bots.voice, business.rules, callback,
case.management, cobrowse, content.management, conversation, copilot, dataactions, datatables,
directory, dsar, email, employee.engagement, event.orchestration, external.contacts,
external.events.data.ingestion, gamification, gcv, gdpr, groups, guides, historical.adherence,
infrastructureascode, integrations, intent.miner, internal.messaging, journey, knowledge,
language.understanding, learning, limit.registry, marketplace, mcp.analytics.aggregates, mcp,
media.communications, messaging, micro.frontend, multi.org, notifications, onboarding, outbound,
platform.api, predictive.routing, presence, quality, recording, response.management, routing,
scim, screen.monitoring, sda, search, secondary.automation.testing, skills, social.media,
speech.and.text.analytics, speech.integration, supportability, task.management,
telephony.configuration, usage, users, voice.transcription, web.deployments, web.messaging,
webchat, webhooks, workforce.management.adherence, workforce.management.agent.availability,
workforce.management.forecast, workforce.management,
workforce.management.scheduling.preferences, workforce.management.self.schedule,
workforce.management.shift.trading, system"""

ENUMS: dict[str, set[str]] = {
    "ActionTargetState": {"active", "inactive", "deleted"},
    "MediaType": {"callback", "call", "email", "generic", "messaging", "social", "webchat"},
    "AssignmentState": {"Assigned", "Unassigned"},
    "SegmentScope": {"Session", "Customer"},
    "FilterType": {"and", "or"},
    "PredicateType": {"dimension", "property", "metric"},
    "PredicateOperator": {"matches", "exists", "notExists"},
    "ViewFunction": {"rangeBound"},
    "AlternateTimeDimension": {"eventTime"},
    "JourneyDimension": set(_DIMENSIONS_2020.split()) | set(_DIMENSIONS_V269.split()),
    "JourneyMetric": set(_METRICS_V269.split()),
    "LimitNamespace": {name.strip() for name in _LIMIT_NAMESPACES.split(",")},
}

# Which enum each enum-typed field holds (REFERENCE.md section 5).
ENUM_FIELDS = [
    ("ActionTarget", "state", "ActionTargetState"),
    ("ActionTarget", "supported_media_types", "MediaType"),
    ("SegmentAssignment", "state", "AssignmentState"),
    ("SegmentAssignmentsUpdate", "state", "AssignmentState"),
    ("SegmentAssignmentSegment", "scope", "SegmentScope"),
    ("JourneyAggregationQuery", "group_by", "JourneyDimension"),
    ("JourneyAggregationQuery", "metrics", "JourneyMetric"),
    ("JourneyAggregationQuery", "alternate_time_dimension", "AlternateTimeDimension"),
    ("JourneyAggregateQueryFilter", "type", "FilterType"),
    ("JourneyAggregateQueryClause", "type", "FilterType"),
    ("JourneyAggregateQueryPredicate", "type", "PredicateType"),
    ("JourneyAggregateQueryPredicate", "dimension", "JourneyDimension"),
    ("JourneyAggregateQueryPredicate", "operator", "PredicateOperator"),
    ("JourneyAggregationView", "target", "JourneyMetric"),
    ("JourneyAggregationView", "function", "ViewFunction"),
    ("Limit", "namespace", "LimitNamespace"),
]


def _model(name: str) -> type:
    return getattr(models, name)  # type: ignore[no-any-return]


def test_reference_tables_are_consistent():
    """The expected tables of this module agree with each other (a guard against typos here)."""
    assert set(REQUIRED) <= set(FIELDS)
    for name, args in REQUIRED.items():
        assert set(args) <= set(FIELDS[name].values()), name
    assert {model for model, _, _ in ENUM_FIELDS} <= set(FIELDS)
    assert {enum_name for _, _, enum_name in ENUM_FIELDS} == set(ENUMS)
    assert len(ENUMS["JourneyDimension"]) == 43  # 40 of v269 + 3 dropped 2020 values
    assert len(ENUMS["JourneyMetric"]) == 22
    assert len(ENUMS["LimitNamespace"]) == 95


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_model_exists_as_attrs_class(name: str):
    """Every model of REFERENCE.md section 4.1 (plus Limit) is an attrs class in the module."""
    cls = _model(name)
    assert isinstance(cls, type)
    assert attrs.has(cls)
    assert name in models.__all__


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_model_has_exactly_the_sdk_attribute_names(name: str):
    """A model's attributes are the SDK snake_case names of its 2020 and later fields, no more."""
    actual = [field.name for field in attrs.fields(_model(name))]
    assert len(actual) == len(set(actual))
    assert set(actual) == set(FIELDS[name].values())


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_model_attribute_maps_to_reference_json_name(name: str):
    """Each attribute's camelCase wire name (the converter's naming rule) is REFERENCE's name."""
    by_attribute = {python: json for json, python in FIELDS[name].items()}
    for field in attrs.fields(_model(name)):
        assert to_camel(field.name) == by_attribute[field.name]


@pytest.mark.parametrize("name", RESPONSE_MODELS)
def test_response_model_constructs_with_no_arguments(name: str):
    """A response model builds with no arguments and every field is None."""
    instance = _model(name)()
    assert attrs.asdict(instance, recurse=False) == dict.fromkeys(FIELDS[name].values())


# KeyValue keeps the positional (key, value) of the 2020 client: a pair will not grow a field.
@pytest.mark.parametrize("name", [name for name in RESPONSE_MODELS if name != "KeyValue"])
def test_response_model_is_keyword_only(name: str):
    """Response models take keywords only, so adding a field never shifts positional calls."""
    cls = _model(name)
    assert all(field.kw_only for field in attrs.fields(cls))
    with pytest.raises(TypeError):
        cls("positional")


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_request_model_requires_the_api_required_fields(name: str):
    """A request model's required constructor arguments are exactly the API's required fields."""
    cls = _model(name)
    required = [field.name for field in attrs.fields(cls) if field.default is attrs.NOTHING]
    assert set(required) == set(REQUIRED[name])
    with pytest.raises(TypeError):
        cls()
    for missing in REQUIRED[name]:
        partial = {key: value for key, value in REQUIRED[name].items() if key != missing}
        with pytest.raises(TypeError):
            cls(**partial)


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_request_model_builds_from_required_fields(name: str):
    """Given its required fields, a request model builds and leaves the optional ones None."""
    cls = _model(name)
    instance = cls(**REQUIRED[name])
    for field in attrs.fields(cls):
        expected = REQUIRED[name].get(field.name)
        assert getattr(instance, field.name) == expected, field.name


def test_request_models_take_required_fields_positionally():
    """Required fields are positional in the documented order; optional ones are keyword-only."""
    query = models.JourneyAggregationQuery(
        "2020-11-01T00:00:00.000Z/2020-11-03T00:00:00.000Z",
        ["nWebActionsOffered"],
        granularity="P1D",
    )
    assert query.interval.startswith("2020-11-01")
    assert query.metrics == ["nWebActionsOffered"]
    assert query.granularity == "P1D"
    view = models.JourneyAggregationView("nWebActionsOffered", "fast", "rangeBound")
    assert (view.target, view.name, view.function) == ("nWebActionsOffered", "fast", "rangeBound")
    assert models.KeyValue("k", "v") == models.KeyValue(key="k", value="v")
    assert models.SegmentAssignmentsUpdate("s1", "Assigned").segment_id == "s1"
    assert models.JourneyAggregateQueryClause("and", []).predicates == []
    with pytest.raises(TypeError):
        models.JourneyAggregationQuery("interval", ["nJourneySessions"], "P1D")  # type: ignore[misc]


def test_patch_action_target_has_no_required_field():
    """PatchActionTarget sends only what is set, so it constructs with no arguments."""
    patch = models.PatchActionTarget(name="Sales chat queue")
    assert patch.name == "Sales chat queue"
    assert patch.service_level is None
    assert models.PatchActionTarget() == models.PatchActionTarget()


def test_models_compare_by_value():
    """Models are equal when their fields are equal, and differ when one field differs."""
    a = models.ActionTarget(id="t1", service_level=models.ServiceLevel(percentage=0.8))
    b = models.ActionTarget(id="t1", service_level=models.ServiceLevel(percentage=0.8))
    assert a == b
    assert a != models.ActionTarget(id="t2", service_level=models.ServiceLevel(percentage=0.8))
    assert "service_level=ServiceLevel(percentage=0.8" in repr(a)


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_enum_contains_every_reference_value(name: str):
    """Each enum holds every value of REFERENCE.md section 5 (2020 and v269 lists)."""
    cls = getattr(models, name)
    assert issubclass(cls, enum.Enum)
    assert issubclass(cls, str)
    values = {member.value for member in cls}
    assert ENUMS[name] <= values, sorted(ENUMS[name] - values)


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_enum_members_compare_equal_to_their_wire_strings(name: str):
    """Every member equals its wire string, hashes like it, and str()/format() give the value."""
    for member in getattr(models, name):
        assert member == member.value
        assert member.value == member
        assert hash(member) == hash(member.value)
        assert str(member) == member.value
        assert f"{member}" == member.value
        assert "{}".format(member) == member.value  # noqa: UP032 - format() itself is tested
        assert getattr(models, name)(member.value) is member


def test_enum_members_work_as_dict_keys_for_strings():
    """A str enum member finds the entry stored under its string, and vice versa."""
    counts = {"Assigned": 3}
    assert counts[models.AssignmentState.ASSIGNED] == 3
    assert {models.SegmentScope.SESSION: 1}["Session"] == 1


@pytest.mark.parametrize(("model", "attribute", "enum_name"), ENUM_FIELDS)
def test_enum_field_is_typed_with_its_enum_and_str(model: str, attribute: str, enum_name: str):
    """An enum-typed field accepts its enum and also plain str (values added by Genesys later)."""
    cls = _model(model)
    attrs.resolve_types(cls, globalns=vars(journey_async._generated.models))  # whatever ran before
    annotation = attrs.fields_dict(cls)[attribute].type
    args = set(typing.get_args(annotation))
    if typing.get_origin(annotation) is list or any(typing.get_origin(a) is list for a in args):
        (inner,) = [a for a in args | {annotation} if typing.get_origin(a) is list]
        args = set(typing.get_args(typing.get_args(inner)[0]))
    assert getattr(models, enum_name) in args
    assert str in args
