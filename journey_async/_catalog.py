"""The operations of the Journey API, one declarative entry each (facts from `spec/`).

Adding an operation is one entry here plus a method of a few lines on `JourneyClient` that
names its parameters (the SDK's names, so porting is adding `await`) and its result model.
"""

from __future__ import annotations

from typing import Final

from ._models import AssignmentState, SegmentScope
from ._operations import Operation, Param

__all__ = [
    "GET_JOURNEY_ACTIONTARGET",
    "GET_JOURNEY_ACTIONTARGETS",
    "GET_JOURNEY_CUSTOMER_CUSTOMER_ID_SEGMENTS",
    "GET_JOURNEY_EXTERNALCONTACT_SEGMENTS",
    "GET_JOURNEY_SESSION_SEGMENTS",
    "PATCH_JOURNEY_ACTIONTARGET",
    "POST_ANALYTICS_JOURNEYS_AGGREGATES_QUERY",
    "POST_JOURNEY_EXTERNALCONTACT_SEGMENTS",
]

_RETIRED = "retired from the live API in SDK 103.0.0 (2020-11)"

_SEGMENT_QUERY: Final = (
    Param("page_size", "pageSize", "numeric-str", maximum=200),
    Param("after", "after"),
    Param("segment_scope", "segmentScope", enum=tuple(m.value for m in SegmentScope)),
    Param("assignment_state", "assignmentState", enum=tuple(m.value for m in AssignmentState)),
)
_ACTION_TARGET_ID: Final = Param("action_target_id", "actionTargetId", required=True)
_EXTERNAL_CONTACT_ID: Final = Param("external_contact_id", "externalContactId", required=True)

GET_JOURNEY_ACTIONTARGET: Final = Operation(
    name="get_journey_actiontarget",
    method="GET",
    template="/api/v2/journey/actiontargets/{actionTargetId}",
    path_params=(_ACTION_TARGET_ID,),
    returns="ActionTarget",
    era="both",
)

GET_JOURNEY_ACTIONTARGETS: Final = Operation(
    name="get_journey_actiontargets",
    method="GET",
    template="/api/v2/journey/actiontargets",
    query_params=(
        Param("page_number", "pageNumber", "int", default=1),
        Param("page_size", "pageSize", "numeric-str", default=25),
    ),
    returns="ActionTargetListing",
    pagination="page-number",
    era="both",
)

GET_JOURNEY_CUSTOMER_CUSTOMER_ID_SEGMENTS: Final = Operation(
    name="get_journey_customer_customer_id_segments",
    method="GET",
    template="/api/v2/journey/customers/{customerIdType}/{customerId}/segments",
    path_params=(
        Param("customer_id_type", "customerIdType", required=True),
        Param("customer_id", "customerId", required=True),
    ),
    query_params=_SEGMENT_QUERY,
    returns="SegmentAssignmentListing",
    pagination="cursor-after",
    deprecated=f"{_RETIRED}: no endpoint is keyed by customer id today; read assignments per "
    "external contact (get_externalcontacts_contact_journey_segments)",
)

GET_JOURNEY_EXTERNALCONTACT_SEGMENTS: Final = Operation(
    name="get_journey_externalcontact_segments",
    method="GET",
    template="/api/v2/journey/externalcontacts/{externalContactId}/segments",
    path_params=(_EXTERNAL_CONTACT_ID,),
    query_params=_SEGMENT_QUERY,
    returns="SegmentAssignmentListing",
    pagination="cursor-after",
    deprecated=f"{_RETIRED}: use get_externalcontacts_contact_journey_segments",
)

GET_JOURNEY_SESSION_SEGMENTS: Final = Operation(
    name="get_journey_session_segments",
    method="GET",
    template="/api/v2/journey/sessions/{sessionId}/segments",
    path_params=(Param("session_id", "sessionId", required=True),),
    query_params=_SEGMENT_QUERY,
    returns="SegmentAssignmentListing",
    pagination="cursor-after",
    deprecated=f"{_RETIRED}: read Session.segment_assignments (get_journey_session) or the "
    "session's SegmentAssignmentEvents (get_journey_session_events)",
)

PATCH_JOURNEY_ACTIONTARGET: Final = Operation(
    name="patch_journey_actiontarget",
    method="PATCH",
    template="/api/v2/journey/actiontargets/{actionTargetId}",
    path_params=(_ACTION_TARGET_ID,),
    body="PatchActionTarget",
    returns="ActionTarget",
    deprecated="absent from SDK 269: ACD Chat v2.0 in Predictive Engagement is being removed",
)

POST_ANALYTICS_JOURNEYS_AGGREGATES_QUERY: Final = Operation(
    name="post_analytics_journeys_aggregates_query",
    method="POST",
    template="/api/v2/analytics/journeys/aggregates/query",
    body="JourneyAggregationQuery",
    body_required=True,
    returns="JourneyAggregateQueryResponse",
    era="both",
)

POST_JOURNEY_EXTERNALCONTACT_SEGMENTS: Final = Operation(
    name="post_journey_externalcontact_segments",
    method="POST",
    template="/api/v2/journey/externalcontacts/{externalContactId}/segments",
    path_params=(_EXTERNAL_CONTACT_ID,),
    body="list[SegmentAssignmentsUpdate]",
    returns=None,
    success=204,
    deprecated=f"{_RETIRED}: use post_externalcontacts_contact_journey_segments",
)
