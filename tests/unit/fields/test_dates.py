"""Date fields: RFC 3339, YYYY-MM-DD, an import's own format; stored as aware UTC datetimes."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from profilehub_shared.fields import CustomField, FieldValueError, coerce_custom, coerce_standard

pytestmark = pytest.mark.unit

DATE = CustomField(name="signed_up", type="date")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("2019-08-22T00:00:00.000Z", datetime(2019, 8, 22, tzinfo=UTC)),
        ("2019-08-22T03:00:00+03:00", datetime(2019, 8, 22, tzinfo=UTC)),
        ("2023-12-31T23:59:59+03:00", datetime(2023, 12, 31, 20, 59, 59, tzinfo=UTC)),
        ("2001-12-31T00:00+03:00", datetime(2001, 12, 30, 21, 0, tzinfo=UTC)),
        ("2005-08-09T18:31:42+03", datetime(2005, 8, 9, 15, 31, 42, tzinfo=UTC)),
        ("2005-08-09T18:31:42-0130", datetime(2005, 8, 9, 20, 1, 42, tzinfo=UTC)),
        ("2005-08-09T18:31:42", datetime(2005, 8, 9, 18, 31, 42, tzinfo=UTC)),
        ("2005-08-09 18:31:42z", datetime(2005, 8, 9, 18, 31, 42, tzinfo=UTC)),
        ("2019-08-22t01:02:03.123456789Z", datetime(2019, 8, 22, 1, 2, 3, 123456, tzinfo=UTC)),
        ("2019-08-22T01:02:03.5Z", datetime(2019, 8, 22, 1, 2, 3, 500000, tzinfo=UTC)),
        ("2005-08-09", datetime(2005, 8, 9, tzinfo=UTC)),
        (" 2005-08-09 ", datetime(2005, 8, 9, tzinfo=UTC)),
        (date(2005, 8, 9), datetime(2005, 8, 9, tzinfo=UTC)),
        (datetime(2005, 8, 9, 12), datetime(2005, 8, 9, 12, tzinfo=UTC)),
        (datetime(2005, 8, 9, 12, tzinfo=timezone(timedelta(hours=2))), datetime(2005, 8, 9, 10, tzinfo=UTC)),
    ],
)
def test_date_forms(raw: object, stored: datetime) -> None:
    value = coerce_custom(DATE, raw)
    assert value == stored and value.tzinfo is UTC  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("2019-02-30", "invalid_date"),
        ("2019-13-01", "invalid_date"),
        ("32.08.2019", "invalid_date"),
        ("22.08.19", "invalid_date"),
        ("2019-W34", "invalid_date"),
        ("20190822", "invalid_date"),
        ("2019-08-22T25:00:00Z", "invalid_date"),
        ("2019-08-22+03:00", "invalid_date"),
        ("yesterday", "invalid_date"),
        ("", "invalid_date"),
        (1566432000, "invalid_date"),
        (None, "invalid_date"),
        ("2019-08-22" + " " * 200, "invalid_date"),
        ("0001-01-01T00:00:00+01:00", "out_of_range"),
        ("\u0662\u0660\u0661\u0669-\u0660\u0668-\u0662\u0662", "invalid_date"),
    ],
)
def test_date_refuses(raw: object, code: str) -> None:
    with pytest.raises(FieldValueError) as refused:
        coerce_custom(DATE, raw)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("raw", "date_format", "stored"),
    [
        ("22.08.2019", "%d.%m.%Y", datetime(2019, 8, 22, tzinfo=UTC)),
        ("08/22/2019 13:05", "%m/%d/%Y %H:%M", datetime(2019, 8, 22, 13, 5, tzinfo=UTC)),
        ("22.08.2019 10:00 +0300", "%d.%m.%Y %H:%M %z", datetime(2019, 8, 22, 7, tzinfo=UTC)),
        ("2019-08-22", "%d.%m.%Y", datetime(2019, 8, 22, tzinfo=UTC)),  # ISO forms still work
    ],
)
def test_import_date_format(raw: str, date_format: str, stored: datetime) -> None:
    assert coerce_custom(DATE, raw, date_format=date_format) == stored


def test_wrong_import_format_names_it() -> None:
    with pytest.raises(FieldValueError) as refused:
        coerce_custom(DATE, "2019/08/22", date_format="%d.%m.%Y")
    assert refused.value.code == "invalid_date" and "%d.%m.%Y" in refused.value.message


@pytest.mark.parametrize("name", ["birth_date", "reg_date"])
def test_standard_dates(name: str) -> None:
    assert coerce_standard(name, "2001-12-31") == datetime(2001, 12, 31, tzinfo=UTC)
    assert coerce_standard(name, "31/12/2001", date_format="%d/%m/%Y") == datetime(2001, 12, 31, tzinfo=UTC)
