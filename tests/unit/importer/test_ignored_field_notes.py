"""Keys that are not fields are reported: in the API's answer, and in the note of a stream warning (issue 14)."""

from importer_service.domain.records import ignored_note
from importer_service.stream import answers_for
from importer_service.writes import BatchResult
from profilehub_shared.contracts.profiles import UpsertProfile
from tests.unit.importer.test_writes import database


def test_an_api_answer_names_the_keys_that_were_not_written() -> None:
    command = UpsertProfile(database_id="db1", record={"email": "a@x.example", "colour": "red"}, request_id="r1")
    result = BatchResult(
        outcomes={str(command.event_id): ("created", "p1")}, ignored={str(command.event_id): ["colour"]}
    )
    [answer] = answers_for([command], [result], [])
    assert (answer.outcome, answer.profile_id, answer.ignored_fields) == ("created", "p1", ["colour"])


def test_the_note_suggests_the_field_a_key_nearly_names() -> None:
    note = ignored_note(database(), ["scroe", "zzz"])
    assert note == "not fields of this database, not written: 'scroe' (did you mean 'score'?), 'zzz'"
