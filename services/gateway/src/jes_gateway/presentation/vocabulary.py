"""The contracts' enums as the API and web forms name them, and their zh-TW labels.

A value's name is its enum constant without the enum's prefix, in lower case
(PLACEMENT_INDOOR -> "indoor", PHOTO_SET_STATUS_CHANGED_SINCE_PRINT ->
"changed_since_print"); the unspecified value is "". Labels come from the contracts
(`jes_protos.enum_label`), the one place they are written.
"""

from __future__ import annotations

from typing import Any, TypeVar

from jes.identity.v1 import identity_pb2
from jes.photo_storage.v1 import photo_storage_pb2 as pb
from jes.review_workflow.v1 import appraisers_pb2
from jes_protos import enum_label, enum_labels

E = TypeVar("E", bound=int)


def api_names(enum_type: Any, prefix: str, *, unspecified: bool = True) -> dict[str, Any]:
    """name -> value of every value of a generated enum, in declaration order."""
    names = {}
    for value in enum_type.DESCRIPTOR.values:
        name = value.name.removeprefix(prefix).lower()
        if name == "unspecified":
            if not unspecified:
                continue
            name = ""
        names[name] = value.number
    return names


PLACEMENTS: dict[str, pb.Placement.ValueType] = api_names(pb.Placement, "PLACEMENT_")
ORIENTATIONS: dict[str, pb.Orientation.ValueType] = api_names(pb.Orientation, "ORIENTATION_")
PROPERTY_TYPES: dict[str, pb.PropertyType.ValueType] = api_names(pb.PropertyType, "PROPERTY_TYPE_")
VIEWS: dict[str, pb.View.ValueType] = api_names(pb.View, "VIEW_", unspecified=False)
STATUSES: dict[str, pb.PhotoSetStatus.ValueType] = api_names(
    pb.PhotoSetStatus, "PHOTO_SET_STATUS_", unspecified=False
)
APPLICATION_STATUSES: dict[str, identity_pb2.ApplicationStatus.ValueType] = api_names(
    identity_pb2.ApplicationStatus, "APPLICATION_STATUS_", unspecified=False
)


def name_of(names: dict[str, E], value: int) -> str:
    """The API name of an enum value; "" when it has none."""
    return next((name for name, number in names.items() if number == value), "")


def labels_by_name(enum_type: Any, names: dict[str, Any]) -> dict[str, str]:
    """API name -> zh-TW label of the contract (labelled values only), for forms that
    post names."""
    labels = {name: enum_label(enum_type, number) for name, number in names.items()}
    return {name: label for name, label in labels.items() if label}


def labels_by_value(enum_type: Any) -> dict[int, str]:
    """Value -> zh-TW label of the contract, leaving out the unspecified value."""
    return {value: label for value, label in enum_labels(enum_type).items() if value}


# The contracts' labels, as pages show them.
STATUS_LABELS = labels_by_value(pb.PhotoSetStatus)
PLACEMENT_LABELS = labels_by_name(pb.Placement, PLACEMENTS)  # "" = 未指定
ORIENTATION_LABELS = labels_by_name(pb.Orientation, ORIENTATIONS)
PROPERTY_TYPE_LABELS = labels_by_name(pb.PropertyType, PROPERTY_TYPES)  # "" = 未指定
VIEW_LABELS = labels_by_name(pb.View, VIEWS)
APPLICATION_STATUS_LABELS = labels_by_value(identity_pb2.ApplicationStatus)

# Appraiser commissioning (review-workflow's appraisers.proto), by API name.
APPRAISER_CATEGORIES: dict[str, appraisers_pb2.AppraiserCategory.ValueType] = api_names(
    appraisers_pb2.AppraiserCategory, "APPRAISER_CATEGORY_", unspecified=False
)
FEE_ITEM_KINDS: dict[str, appraisers_pb2.FeeItemKind.ValueType] = api_names(
    appraisers_pb2.FeeItemKind, "FEE_ITEM_KIND_", unspecified=False
)
ROTATION_LOG_KINDS: dict[str, appraisers_pb2.RotationLogKind.ValueType] = api_names(
    appraisers_pb2.RotationLogKind, "ROTATION_LOG_KIND_", unspecified=False
)
APPRAISER_STANDINGS: dict[str, appraisers_pb2.AppraiserStanding.ValueType] = api_names(
    appraisers_pb2.AppraiserStanding, "APPRAISER_STANDING_", unspecified=False
)
DEADLINE_KINDS: dict[str, appraisers_pb2.DeadlineKind.ValueType] = api_names(
    appraisers_pb2.DeadlineKind, "DEADLINE_KIND_", unspecified=False
)
APPRAISER_CATEGORY_LABELS = labels_by_name(appraisers_pb2.AppraiserCategory, APPRAISER_CATEGORIES)
FEE_ITEM_KIND_LABELS = labels_by_name(appraisers_pb2.FeeItemKind, FEE_ITEM_KINDS)
ROTATION_LOG_KIND_LABELS = labels_by_value(appraisers_pb2.RotationLogKind)
APPRAISER_STANDING_LABELS = labels_by_value(appraisers_pb2.AppraiserStanding)
