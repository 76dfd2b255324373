from pathlib import Path

from unmask.errors import KnowledgeBaseError, Location, SourceError, UnknownNameError, UnmaskError


def test_location_reads_as_file_and_line() -> None:
    assert str(Location(Path("auth.jsonl"), 1841)) == "auth.jsonl:1841"
    assert str(Location("bundle.json")) == "bundle.json"


def test_error_message_starts_with_where() -> None:
    error = SourceError("not a JSON document", Location("bundle.json", 3))
    assert str(error) == "bundle.json:3: not a JSON document"
    assert isinstance(error, KnowledgeBaseError)
    assert isinstance(error, UnmaskError)


def test_unknown_name_lists_suggestions() -> None:
    error = UnknownNameError("actor", "APT 2B", ["APT28", "APT29"])
    assert str(error) == "unknown actor 'APT 2B'; did you mean: APT28, APT29?"
    assert error.suggestions == ["APT28", "APT29"]
    assert str(UnknownNameError("actor", "zzz", [])) == "unknown actor 'zzz'"
