"""Numbers written as + and digits are read without phonenumbers' search of the text, to the very number
`phonenumbers.parse` gives, or left to it where it refuses them."""

import re

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from profilehub_shared.fields import FieldValueError, phone_validity
from profilehub_shared.fields.phones import coerce_phones, international

pytestmark = pytest.mark.unit

DIGITS = "0123456789"
numbers = st.one_of(
    st.builds(
        lambda code, rest: f"+{code}{rest}",
        st.sampled_from(sorted(COUNTRY_CODE_TO_REGION_CODE)),
        st.text(DIGITS, max_size=18),
    ),
    st.builds(lambda digits: f"+{digits}", st.text(DIGITS, max_size=20)),
    st.text("+0123456789 ()-٣", max_size=20),
)


def parsed(text: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None


@settings(max_examples=3000, deadline=None)
@given(numbers)
@example("+4790000000")  # Norway, the benchmark's numbers
@example("+78001234567")  # Russia, whose national prefix 8 is not dropped here
@example("+390612345678")  # Italy, a leading zero kept
@example("+2250701234567")  # Côte d'Ivoire, ten digits with a leading 0
@example("+00")
@example("+1")
def test_the_same_number_as_parse_or_none(text: str) -> None:
    """On + and ASCII digits, exactly parse: the same number, or None where parse refuses it. Other text: None."""
    fast = international(text)
    if re.fullmatch(r"\+[0-9]+", text):
        assert fast == parsed(text)
    else:
        assert fast is None


@pytest.mark.parametrize("text", ["+4790000000", "+447911123456", "+14155552671", "+79001234567", "+390612345678"])
def test_common_numbers_take_the_fast_path_and_read_as_before(text: str) -> None:
    assert international(text) == parsed(text) is not None
    assert coerce_phones("phones", text) == [
        phonenumbers.format_number(parsed(text), phonenumbers.PhoneNumberFormat.E164)
    ]


@settings(max_examples=5000, deadline=None)
@given(numbers)
@example("+4790000000")  # Norway, whose +47 Svalbard shares (leading digits 79)
@example("+4779000000")
@example("+14155552671")  # the United States, first of +1's twenty-five regions
@example("+16135550123")  # Canada, found after the US
@example("+447624123456")  # the Isle of Man, inside +44
@example("+80012345678")  # a non-geographic number (+800)
@example("+79001234567")
def test_validity_is_the_one_phonenumbers_gives(text: str) -> None:
    """Every number parse reads (national ones too) is valid exactly when `phonenumbers.is_valid_number` says so."""
    for region in (None, "NO", "US"):
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        assert phone_validity.is_valid_number(number) == phonenumbers.is_valid_number(number)


T = phonenumbers.PhoneNumberType
KINDS = [T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.PREMIUM_RATE, T.SHARED_COST, T.VOIP, T.PERSONAL_NUMBER, T.PAGER, T.UAN]


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)), st.sampled_from(KINDS))
def test_every_region_example_number_is_judged_alike(region: str, kind: int) -> None:
    """The example numbers of each region and type (valid ones, of every pattern), and each one digit longer."""
    number = phonenumbers.example_number_for_type(region, kind)
    if number is None:
        return
    longer = phonenumbers.PhoneNumber(country_code=number.country_code, national_number=number.national_number * 10 + 1)
    for n in (number, longer):
        assert phone_validity.is_valid_number(n) == phonenumbers.is_valid_number(n)


def phonenumbers_e164(text: str) -> str | None:
    """What a number with + reads as by phonenumbers alone: its E.164 text, or None where it is not valid."""
    number = parsed(text)
    if number is None or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@settings(max_examples=5000, deadline=None)
@given(numbers)
@example("+4790000000")
@example("+4779000000")  # Svalbard, inside +47
@example("+390612345678")  # Italy, its leading zero kept in the E.164 text
@example("+3900000000")  # all zeros after the code
@example("+16135550123")
@example("+80012345678")
def test_a_number_with_plus_reads_as_phonenumbers_writes_it(text: str) -> None:
    """The E.164 text of the fast path is phonenumbers' own, and a number it refuses phonenumbers refuses too."""
    if not text.startswith("+"):
        return
    expected = phonenumbers_e164(text)
    try:
        read = coerce_phones("phones", text)
    except FieldValueError as err:
        assert expected is None, (text, err.message)
        assert err.code == "invalid_phone"
        return
    assert read == [expected]


def test_a_long_country_cell_is_read_but_not_kept() -> None:
    """Homes are remembered for the few country texts of a file; a huge cell is read once and not held."""
    from profilehub_shared.fields.phones import phone_home

    phone_home.cache_clear()
    with pytest.raises(FieldValueError) as refused:
        coerce_phones("phones", "91234567", row_country="x" * 10_000)
    assert refused.value.code == "invalid_phone" and "no country we know" in refused.value.message
    assert phone_home.cache_info().currsize == 0
    assert coerce_phones("phones", "91234567", row_country="Norway") == ["+4791234567"]
    assert phone_home.cache_info().currsize == 1
