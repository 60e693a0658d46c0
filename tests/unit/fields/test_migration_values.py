"""Values as migrating users' files hold them: phones in their row's country, country names, date shapes and zones,
strings for typed fields, trimming (issue 17; typed strings from issue 14)."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profilehub_shared.fields import CustomField, FieldValueError, coerce_custom, coerce_standard
from profilehub_shared.fields.countries import country_code
from profilehub_shared.fields.dates import coerce_date
from profilehub_shared.fields.phones import coerce_phones


def phones(raw: object, region: str | None = "GB", country: str | None = None) -> list[str]:
    return coerce_phones("phones", raw, default_region=region, row_country=country)


def phone_error(raw: object, region: str | None = "GB", country: str | None = None) -> FieldValueError:
    with pytest.raises(FieldValueError) as refused:
        phones(raw, region, country)
    return refused.value


@pytest.mark.parametrize(
    ("raw", "country", "stored"),
    [
        ("905-573-0032", "Canada", "+19055730032"),
        ("905-573-0032", "CA", "+19055730032"),
        ("717-566-3468", "United States", "+17175663468"),
        ("717-566-3468", "usa", "+17175663468"),
        ("082 118 9037", "South Africa", "+27821189037"),
        ("(03) 5330 2874", "Australia", "+61353302874"),
        ("250-453-4211", "ca", "+12504534211"),
        ("020 7946 0958", None, "+442079460958"),  # the default country, written with its leading 0
        ("+1 905 573 0032", "GB", "+19055730032"),  # an international number keeps its country
        ("06 12 34 56 78", "France", "+33612345678"),
    ],
)
def test_a_national_number_is_read_in_its_rows_country(raw: str, country: str | None, stored: str) -> None:
    assert phones(raw, "GB", country) == [stored]


@pytest.mark.parametrize("raw", ["905-573-0032", "717-566-3468", "(717) 566-3468", "250-453-4211"])
def test_a_foreign_number_is_never_re_homed_to_the_default_country(raw: str) -> None:
    """Seen: with region GB, 905-573-0032 (Canada) was stored as +449055730032 without a word."""
    refused = phone_error(raw)
    assert refused.code == "ambiguous_phone" and "give the row a country" in refused.reason


@pytest.mark.parametrize(
    ("raw", "country"),
    [("082 118 9037", None), ("(03) 5330 2874", None), ("905-573-0032", "Australia"), ("12345", "US")],
)
def test_a_number_not_valid_for_the_chosen_country_is_an_error_not_a_guess(raw: str, country: str | None) -> None:
    assert phone_error(raw, "GB", country).code == "invalid_phone"


def test_a_country_nobody_knows_gives_a_national_number_no_country() -> None:
    refused = phone_error("905-573-0032", "GB", "Narnia")
    assert refused.code == "invalid_phone" and "'Narnia'" in refused.reason


def test_the_row_country_comes_through_the_standard_field_rules() -> None:
    stored = coerce_standard("phones", "905-573-0032", default_phone_region="GB", row_country="Canada")
    assert stored == ["+19055730032"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("GB", "GB"),
        ("gb", "GB"),
        (" Canada ", "CA"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("Deutschland", "DE"),
        ("Россия", "RU"),
        ("México", "MX"),
        ("New Zealand", "NZ"),
        ("Narnia", None),
        ("", None),
    ],
)
def test_country_codes_and_names(text: str, code: str | None) -> None:
    assert country_code(text) == code


def test_country_names_come_without_the_geocoders_prefix_data() -> None:
    """Reading fields, a country name included, leaves phonenumbers' geocoder data (99 MiB) unloaded."""
    script = (
        "import sys; from profilehub_shared.fields import coerce_standard; "
        "print(coerce_standard('phones', '905 573 0032', row_country='Kanada'), 'phonenumbers.geodata' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["['+19055730032']", "False"]


def test_date_time_shapes_recognised_without_a_format() -> None:
    at = datetime(2020, 12, 25, 14, 40, 2, tzinfo=UTC)
    for text in [
        "Fri Dec 25 2020 14:40:02 GMT+0000 (Coordinated Universal Time)",
        "Fri Dec 25 2020 15:40:02 GMT+0100 (Central European Standard Time)",
        "Fri Dec 25 2020 14:40:02 GMT+0000",
        "Fri, 25 Dec 2020 14:40:02 +0000",
        "25 Dec 2020 09:40:02 -0500",
        "2020-12-25 14:40:02",
        "25.12.2020 14:40:02",
    ]:
        assert coerce_date("since", text) == at, text
    assert coerce_date("since", "22.07.2016") == datetime(2016, 7, 22, tzinfo=UTC)
    assert coerce_date("since", "2.7.2016 09:05") == datetime(2016, 7, 2, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("2016-07-22 15:01:17", datetime(2016, 7, 22, 14, 1, 17, tzinfo=UTC)),  # BST is UTC+1
        ("2016-01-22T15:01:17", datetime(2016, 1, 22, 15, 1, 17, tzinfo=UTC)),  # GMT in winter
        ("22.07.2016 15:01", datetime(2016, 7, 22, 14, 1, tzinfo=UTC)),
        ("Fri, 22 Jul 2016 15:01:17 -0000", datetime(2016, 7, 22, 14, 1, 17, tzinfo=UTC)),  # -0000: zone unknown
        ("2016-07-22T15:01:17+02:00", datetime(2016, 7, 22, 13, 1, 17, tzinfo=UTC)),  # its own offset wins
        ("2016-07-22", datetime(2016, 7, 22, tzinfo=UTC)),  # a date alone is never moved to the day before
        ("22.07.2016", datetime(2016, 7, 22, tzinfo=UTC)),
    ],
)
def test_the_imports_timezone_applies_to_naive_date_times_only(text: str, stored: datetime) -> None:
    assert coerce_date("reg_date", text, timezone="Europe/London") == stored


def test_a_naive_datetime_value_is_in_the_imports_timezone_too() -> None:
    naive = datetime(2016, 7, 22, 15, 1, 17)
    assert coerce_date("reg_date", naive, timezone="Europe/London") == datetime(2016, 7, 22, 14, 1, 17, tzinfo=UTC)


@pytest.mark.parametrize("text", ["31.02.2020", "Fri Dec 32 2020 14:40:02 GMT+0000", "32 Dec 2020 10:00:00 +0000"])
def test_a_recognised_shape_that_is_no_calendar_date_is_refused(text: str) -> None:
    with pytest.raises(FieldValueError) as refused:
        coerce_date("since", text)
    assert refused.value.code == "invalid_date"


def test_an_unknown_timezone_is_refused_by_name() -> None:
    with pytest.raises(FieldValueError) as refused:
        coerce_date("since", "2020-01-01 10:00", timezone="Mars/Olympus")
    assert refused.value.code == "invalid_timezone"


moments = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)).map(
    lambda d: d.replace(microsecond=0)
)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(moment=moments, zone=offsets)
def test_rfc_2822_reads_back_what_email_utils_writes(moment: datetime, zone: timezone) -> None:
    local = moment.astimezone(zone)
    if local.utcoffset() == timedelta(0):
        local = local.replace(tzinfo=UTC)  # "-0000" would mean "zone unknown"
    assert coerce_date("d", format_datetime(local)) == moment


@given(moment=moments, zone=offsets)
def test_javascript_date_strings_read_back(moment: datetime, zone: timezone) -> None:
    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    text = local.strftime(f"%a %b %d %Y %H:%M:%S GMT{offset} (Some Zone Name)")
    assert coerce_date("d", text) == moment


@given(day=st.dates(min_value=datetime(1000, 1, 1).date()))
def test_dotted_dates_read_back(day: object) -> None:
    assert coerce_date("d", f"{day:%d.%m.%Y}") == datetime.combine(day, datetime.min.time(), UTC)  # type: ignore[arg-type]


BOOLEAN = CustomField.model_validate({"name": "vip", "type": "boolean"})
NUMBER = CustomField.model_validate({"name": "score", "type": "number"})
LINE = CustomField.model_validate({"name": "note", "type": "line"})


@pytest.mark.parametrize(("raw", "stored"), [("yes", True), ("1", True), ("no", False), ("0", False), (True, True)])
def test_json_strings_for_booleans_read_like_csv_cells(raw: object, stored: bool) -> None:
    assert coerce_custom(BOOLEAN, raw) is stored


def test_json_strings_for_numbers_read_like_csv_cells() -> None:
    assert coerce_custom(NUMBER, " 42 ") == 42


def test_custom_and_standard_text_are_trimmed_alike_unless_kept_raw() -> None:
    assert coerce_custom(LINE, " line ") == coerce_standard("first_name", " line ") == "line"
    assert coerce_custom(LINE, " line ", trim=False) == coerce_standard("first_name", " line ", trim=False) == " line "
