"""Building blocks of the API's schemas."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

from jes_gateway.presentation.numbers import OUT_OF_RANGE, fits_int32
from jes_gateway.problems import INVALID_MESSAGE

NEEDS_VERSION = "必填：此案件目前的版本（version）"
MAX_LIST_PAGE_SIZE = 100


class Reply(BaseModel):
    """A response body: exactly these members (an undeclared one fails the response)."""

    model_config = ConfigDict(extra="forbid")


class Input(BaseModel):
    """A request body or query. `messages` replaces the generic zh-TW message of any
    problem with a field; `refusal` is the message of the whole refusal."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    messages: ClassVar[dict[str, str]] = {}
    refusal: ClassVar[str] = INVALID_MESSAGE
    by_name: ClassVar[dict[str, type[Input]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Input.by_name[cls.__name__] = cls

    @field_validator("*")
    @classmethod
    def _fits_the_contracts(cls, value: Any) -> Any:
        """No integer a service cannot take (protobuf would refuse to build the request)."""
        if not _fits_int32(value):
            raise ValueError(OUT_OF_RANGE)
        return value


def _fits_int32(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return fits_int32(value)
    if isinstance(value, list | tuple | set):
        return all(_fits_int32(v) for v in value)
    if isinstance(value, dict):
        return all(_fits_int32(v) for v in value.values())
    return True  # a nested Input checked its own fields


class Query(Input):
    refusal: ClassVar[str] = "查詢參數有誤"


def _blank_is_zero(value: Any) -> Any:
    return 0 if value in ("", None) else value


def _page_or_first(value: Any) -> int:
    """A 1-based page number; anything odd is page 1 (as the pages read it)."""
    try:
        return max(1, int(value or 1))
    except (TypeError, ValueError):
        return 1


# An integer that may be left blank (0 = the service's default, e.g. "do not check").
OptionalInt = Annotated[int, BeforeValidator(_blank_is_zero)]
LenientPage = Annotated[
    int, BeforeValidator(_page_or_first), Field(description="頁次，從 1 開始", ge=1)
]
VERSION_DESCRIPTION = "您最後看到的此案件版本（version）；版本已變更時回傳 409"
Version = Annotated[int, Field(description=VERSION_DESCRIPTION)]
UNCHECKED_VERSION = "0 或空白不檢查版本"
DATETIME = Field(
    description="ISO 8601（UTC）；沒有時為 null", json_schema_extra={"format": "date-time"}
)


def one_of(names: Any, what: str = "") -> str:
    return "須為 " + "、".join(n for n in names if n) + f" 之一{what}"


def blank_as(default: Any) -> Any:
    """Form and query values arrive as text: an empty one means the default."""

    def replace(value: Any) -> Any:
        return default if value in ("", None) else value

    return replace


BINARY = {"type": "string", "format": "binary"}


def choice(names: Any, what: str = "") -> AfterValidator:
    """Refuses a value that is not one of `names`, in zh-TW."""
    allowed = list(names)

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(one_of(allowed, what))
        return value

    return AfterValidator(check)


def values(names: Any, description: str) -> Any:
    """Documents a text field's values (an answer's are not checked: a value a service
    adds later must not fail the answer)."""
    return Field(description=description, json_schema_extra={"enum": list(names)})
