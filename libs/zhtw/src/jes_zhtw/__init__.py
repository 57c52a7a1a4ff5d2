"""zh-TW and ROC reference data for JES: ROC dates, hearings, case numbers, ID
validators, courts.

Dependency-free (standard library only). Every error meant for people is a ValueError
(or, for unknown courts, a KeyError subclass) with a zh-TW message that the gateway can
show as is.
"""

from jes_zhtw.case_number import (
    MAX_BATCH,
    CaseNumber,
    CaseNumberInvalid,
    batch_problem,
    case_word_problem,
    parse_case_number,
    read_batch,
    read_case_number,
)
from jes_zhtw.courts import (
    COURT_CODES,
    COURTS,
    PHOTO_SYSTEM_COURTS,
    Court,
    UnknownCourt,
    court_by_code,
    court_by_name,
    photo_system_court,
)
from jes_zhtw.hearings import format_hearing
from jes_zhtw.ids import (
    is_valid_business_number,
    is_valid_national_id,
    is_valid_resident_certificate,
    validate_business_number,
    validate_national_id,
    validate_resident_certificate,
)
from jes_zhtw.roc import (
    TAIPEI,
    WEEKDAYS,
    format_roc_date,
    format_roc_date_short,
    format_roc_datetime,
    from_roc_year,
    parse_roc_date,
    to_roc_year,
    to_taipei,
)

__all__ = [
    "COURTS",
    "COURT_CODES",
    "MAX_BATCH",
    "PHOTO_SYSTEM_COURTS",
    "TAIPEI",
    "WEEKDAYS",
    "CaseNumber",
    "CaseNumberInvalid",
    "Court",
    "UnknownCourt",
    "batch_problem",
    "case_word_problem",
    "court_by_code",
    "court_by_name",
    "format_hearing",
    "format_roc_date",
    "format_roc_date_short",
    "format_roc_datetime",
    "from_roc_year",
    "is_valid_business_number",
    "is_valid_national_id",
    "is_valid_resident_certificate",
    "parse_case_number",
    "parse_roc_date",
    "photo_system_court",
    "read_batch",
    "read_case_number",
    "to_roc_year",
    "to_taipei",
    "validate_business_number",
    "validate_national_id",
    "validate_resident_certificate",
]
