"""The migration corpus: files shaped like other tools' exports, each with what importing it must give.

Each file in this folder is made for these tests (no third-party data): the column names and value shapes of
Mautic, listmonk, Keila, Ghost and phpList exports, an Excel `;` CSV in cp1252, a Google Sheets export, Mailchimp
and HubSpot exports, and a JSON Lines dump of a Node app. `profiles` lists values by email (dates by their start);
`report` lists the error report's lines in order as (row, column, field, value, code, result).
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).parent
SKIPPED, REJECTED = "value_skipped", "row_rejected"


@dataclass(frozen=True)
class Case:
    file: str
    fields: list[dict[str, Any]]
    options: dict[str, Any]
    counts: dict[str, int]
    profiles: dict[str, dict[str, Any]]
    report: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)
    message: str = ""
    name: str = ""

    @property
    def id(self) -> str:
        return self.name or self.file

    def content(self) -> bytes:
        return (FOLDER / self.file).read_bytes()


def line(name: str, type_: str = "line", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, **extra}


MAUTIC_MAPPING = {
    "firstname": "first_name",
    "lastname": "last_name",
    "email": "email",
    "phone": "phones",
    "address1": "address",
    "city": "city",
    "zipcode": "postal_code",
    "country": "country",
    "company": "company",
    "points": "points",
}
MAUTIC_FIELDS = [line("address"), line("company"), line("points", "number")]
MAUTIC_BAD_VALUES = [
    ("8", "phone", "phones", "905-573-0032", "ambiguous_phone"),
    ("9", "phone", "phones", "5330 2874", "invalid_phone"),
    ("11", "phone", "phones", "555-0100", "invalid_phone"),
    ("11", "points", "points", "five", "not_an_integer"),
]

CASES = [
    Case(
        "mautic_contacts.csv",
        MAUTIC_FIELDS,
        {"mapping": MAUTIC_MAPPING, "options": {"default_phone_region": "GB"}},
        {"total": 10, "created": 10, "rejected": 0, "skipped_values": 3},
        {
            "lonnie.hartung@example.com": {"phones": ["+19055730032"], "city": "Hamilton", "fields.points": 12},
            "chana.kasper@example.com": {"phones": ["+17175663468"], "postal_code": "17036"},
            "wilbur.nadeau@example.com": {"phones": ["+27821189037"]},
            "sade.moulton@example.com": {"phones": ["+12504534211"]},
            "deana.haney@example.com": {"phones": ["+61353302874"], "fields.company": "Haney Pty"},
            "pearl.quigley@example.com": {"phones": ["+442079460958"]},
            # A Canadian number in a row without a country is not made British: the value is left out.
            "omar.reyes@example.com": {"phones": None, "first_name": "Omar", "city": "Toronto"},
            "ivy.stone@example.com": {"phones": None, "fields.address": "7 High St"},
            "basil.ford@example.com": {"phones": ["+442079460000"]},  # an international number keeps its country
            "noel.carter@example.com": {"phones": None, "fields.points": None, "last_name": "Carter"},
        },
        [(*bad, SKIPPED) for bad in MAUTIC_BAD_VALUES],
        message="unmapped columns ignored: mobile",
    ),
    Case(
        "mautic_contacts.csv",
        MAUTIC_FIELDS,
        {"mapping": MAUTIC_MAPPING, "options": {"default_phone_region": "GB"}, "invalid_values": "reject_row"},
        {"total": 10, "created": 7, "rejected": 3, "skipped_values": 0},
        {"lonnie.hartung@example.com": {"phones": ["+19055730032"]}, "omar.reyes@example.com": {"_absent": True}},
        [(*bad, REJECTED) for bad in MAUTIC_BAD_VALUES],
        message="unmapped columns ignored: mobile",
        name="mautic_contacts.csv-reject_row",
    ),
    Case(
        "keila_contacts.csv",
        [line("data", "object")],
        {"mapping": {"Email": "email", "First name": "first_name", "Last name": "last_name", "Data": "data"}},
        {"total": 2, "created": 2, "rejected": 0, "skipped_values": 2},
        {
            "jane.doe@example.com": {"first_name": "Jane", "last_name": "Doe", "fields.data": None},
            "max.mustermann@example.com": {"first_name": "Max"},
        },
        [
            ("2", "Data", "data.tags", '{"tags": ["rocket-science"]}', "array_in_object", SKIPPED),
            ("3", "Data", "data.tags", '{"tags": ["newsletter", "beta"]}', "array_in_object", SKIPPED),
        ],
    ),
    Case(
        "listmonk_subscribers.csv",
        [line("attributes", "object")],
        {"mapping": {"email": "email", "name": "first_name", "attributes": "attributes"}},
        {"total": 5, "created": 3, "rejected": 2, "skipped_values": 2},
        {
            "user1@mail.example": {"first_name": "User One", "fields.attributes": {"age": 32, "city": "Bengaluru"}},
            "user2@mail.example": {"first_name": "User Two", "fields.attributes": None},
            "user3@mail.example": {"first_name": "User Three", "fields.attributes": None},
        },
        [
            ("3", "attributes", "attributes.projects", '{"age": 25, "projects": [1, 2]}', "array_in_object", SKIPPED),
            ("4", "", "", "", "wrong_cell_count", REJECTED),  # in file order among the others
            ("5", "attributes", "attributes", "{broken", "invalid_json", SKIPPED),
            ("6", "email", "email", "not-an-email", "invalid_email", REJECTED),
        ],
    ),
    Case(
        "ghost_members.csv",
        [
            line("ghost_id"),
            line("note"),
            line("subscribed", "boolean"),
            line("comped", "boolean"),
            line("stripe_id"),
            line("labels", "tags"),
            line("tiers"),
        ],
        {
            "mapping": {
                "id": "ghost_id",
                "email": "email",
                "name": "first_name",
                "note": "note",
                "subscribed_to_emails": "subscribed",
                "complimentary_plan": "comped",
                "stripe_customer_id": "stripe_id",
                "created_at": "reg_date",
                "labels": "labels",
                "tiers": "tiers",
            }
        },
        {"total": 3, "created": 3, "rejected": 0, "skipped_values": 1},
        {
            "ghost.one@example.com": {
                "reg_date": "2021-03-02T11:05:35",
                "fields.labels": ["VIP"],
                "fields.subscribed": True,
                "fields.note": "Met at conf",
            },
            # Its last three cells are missing: they are empty, not a reason to reject the member.
            "ghost.two@example.com": {"reg_date": "2021-03-03T08:00:00", "fields.subscribed": False},
            "ghost.three@example.com": {"fields.labels": ["VIP", "Beta"], "fields.subscribed": None},
        },
        [("4", "subscribed_to_emails", "subscribed", "maybe", "not_a_boolean", SKIPPED)],
        message="unmapped columns ignored: deleted_at",
    ),
    Case(
        "phplist_users.txt",
        [line("confirmed", "boolean"), line("htmlemail", "boolean"), line("modified", "date"), line("foreignkey")],
        {
            "mapping": {"entered": "reg_date"}
            | {c: c for c in ("email", "confirmed", "htmlemail", "modified", "foreignkey")},
            "options": {"timezone": "Europe/London"},
        },
        {"total": 2, "created": 2, "skipped_values": 1},
        {
            # 15:01:17 in London in July is 14:01:17 UTC; in January London is on UTC.
            "php.one@example.org": {"reg_date": "2016-07-22T14:01:17", "fields.modified": "2016-08-01T08:00:00"},
            "php.two@example.org": {"reg_date": "2016-01-10T12:00:00", "fields.confirmed": False},
        },
        [("3", "modified", "modified", "2016-13-01 09:00:00", "invalid_date", SKIPPED)],
    ),
    Case(
        "spaces_after_commas.csv",
        [line("line")],
        {},
        {"total": 2, "created": 2},
        {
            "a@x.example": {"first_name": "Foo 3", "last_name": "Bar3", "fields.line": "quoted line"},
            "b@x.example": {"first_name": "Foo4", "last_name": "Bar4", "fields.line": "spaced line"},
        },
    ),
    Case(
        "spaces_after_commas.csv",
        [line("line")],
        {"options": {"trim": False}},
        {"total": 2, "created": 2},
        {
            "a@x.example": {"first_name": "Foo 3", "fields.line": " quoted line"},
            "b@x.example": {"first_name": " Foo4", "fields.line": "  spaced line "},
        },
        name="spaces_after_commas.csv-raw",
    ),
    Case(
        "google_sheets_export.csv",
        [line("signed_up", "date"), line("active", "boolean"), line("score", "float")],
        {
            "mapping": {
                "Email": "email",
                "Full name": "first_name",
                "Signed up": "signed_up",
                "Active": "active",
                "Score": "score",
            },
            "options": {"date_format": "%m/%d/%Y"},
        },
        {"total": 3, "created": 3, "skipped_values": 1},
        {
            "sheet.one@example.com": {
                "fields.signed_up": "2020-12-25T00:00:00",
                "fields.active": True,
                "fields.score": 10.0,
            },
            "sheet.two@example.com": {
                "fields.signed_up": "2021-01-02T00:00:00",
                "fields.active": False,
                "fields.score": None,
            },
            "sheet.three@example.com": {"fields.signed_up": None, "fields.score": 7.5},
        },
        [("4", "Signed up", "signed_up", "2021-13-01", "invalid_date", SKIPPED)],
        message="unmapped columns ignored: 6, 7",
    ),
    Case(
        "mailchimp_audience.csv",
        [line("member_rating", "number"), line("tags", "tags"), line("notes")],
        {
            "mapping": {
                "Email Address": "email",
                "First Name": "first_name",
                "Last Name": "last_name",
                "Phone Number": "phones",
                "MEMBER_RATING": "member_rating",
                "OPTIN_TIME": "reg_date",
                "CC": "country",
                "TIMEZONE": "timezone",
                "TAGS": "tags",
                "NOTES": "notes",
            },
            "options": {"default_phone_region": "GB"},
        },
        {"total": 3, "created": 3, "skipped_values": 1},
        {
            "mc.one@example.com": {
                "phones": ["+17175663468"],
                "reg_date": "2019-05-02T10:11:12",
                "timezone": "America/New_York",
                "fields.tags": ["Customer", "VIP"],
                "fields.member_rating": 2,
            },
            "mc.two@example.com": {"phones": ["+442079460958"], "timezone": None, "country": "GB"},
        },
        [("3", "TIMEZONE", "timezone", "Europe/Londn", "invalid_timezone", SKIPPED)],
    ),
    Case(
        "hubspot_contacts.csv",
        [
            line("hubspot_id"),
            line("lifecycle", "enum", options=["subscriber", "lead", "customer"]),
            line("marketing_status"),
        ],
        {
            "mapping": {
                "Record ID": "hubspot_id",
                "First Name": "first_name",
                "Last Name": "last_name",
                "Email": "email",
                "Phone Number": "phones",
                "Country/Region": "country",
                "Create Date": "reg_date",
                "Lifecycle Stage": "lifecycle",
                "Marketing contact status": "marketing_status",
            }
        },
        {"total": 3, "created": 2, "rejected": 1, "skipped_values": 1},
        {
            "hub.one@example.com": {
                "phones": ["+17175663468"],
                "reg_date": "2021-06-15T09:30:00",
                "fields.lifecycle": "lead",
                "fields.hubspot_id": "101",
            },
            "hub.two@example.com": {"phones": ["+33612345678"], "fields.lifecycle": None},
        },
        [
            ("3", "Lifecycle Stage", "lifecycle", "evangelist", "not_an_option", SKIPPED),
            ("4", "Email", "email", "", "missing_match_key", REJECTED),
        ],
    ),
    Case(
        "excel_semicolon_cp1252.csv",
        [line("notiz")],
        {
            "mapping": {
                "E-Mail": "email",
                "Vorname": "first_name",
                "Nachname": "last_name",
                "Geburtstag": "birth_date",
                "Stadt": "city",
                "Notiz": "notiz",
            }
        },
        {"total": 3, "created": 3, "skipped_values": 1},
        {
            "rené.müller@example.de": {
                "first_name": "René",
                "birth_date": "1985-11-03T00:00:00",
                "city": "Köln",
                "fields.notiz": "Preis 12 €",
            },
            "jose@example.es": {"last_name": "Núñez", "birth_date": None, "fields.notiz": "«señor»"},
            "zoe@example.fr": {"first_name": "Zoë", "city": "Paris", "fields.notiz": None},
        },
        [("3", "Geburtstag", "birth_date", "31.02.1990", "invalid_date", SKIPPED)],
    ),
    Case(
        "node_app_users.jsonl",
        [line("signed_up", "date"), line("vip", "boolean"), line("score", "number"), line("profile", "object")],
        {},
        {"total": 3, "created": 3, "skipped_values": 2},
        {
            "node.one@example.com": {"fields.signed_up": "2020-12-25T14:40:02", "fields.vip": True, "fields.score": 12},
            "node.two@example.com": {
                "fields.signed_up": "2020-12-26T14:00:00",
                "fields.vip": False,
                "fields.score": 3,
                "fields.profile": None,
            },
            "node.three@example.com": {"fields.vip": None, "fields.score": None, "fields.profile": {"plan": "pro"}},
        },
        [
            ("2", "profile", "profile.tags", '{"tags": ["x"]}', "array_in_object", SKIPPED),
            ("3", "vip", "vip", "perhaps", "not_a_boolean", SKIPPED),
            ("3", "score", "score", "3.5", "not_an_integer", SKIPPED),
        ],
    ),
]
