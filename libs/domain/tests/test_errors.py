import pytest

from jes_domain import DomainError, FailedPrecondition, InvalidArgument


def test_errors_carry_message_fields_and_kind() -> None:
    error = InvalidArgument("案號格式錯誤", fields={"case_number.word": "應為中文字"})
    assert error.message == str(error) == "案號格式錯誤"
    assert error.fields == {"case_number.word": "應為中文字"}
    assert error.kind == "invalid_argument"
    assert isinstance(error, DomainError)


def test_kinds_are_distinct() -> None:
    with pytest.raises(DomainError) as caught:
        raise FailedPrecondition("已鎖定")
    assert caught.value.kind == "failed_precondition"
    assert caught.value.fields == {}
