from __future__ import annotations

from pathlib import Path

from unmask.ingest.fields import flatten_into, iso_utc, windows_row


def test_iso_utc_accepts_the_shapes_logs_use() -> None:
    assert iso_utc("2024-03-01T10:00:00.1234567Z") == "2024-03-01T10:00:00.123456Z"
    assert iso_utc("2024-03-01 10:00:00.5") == "2024-03-01T10:00:00.500000Z"
    assert iso_utc("2024-03-01T12:00:00+02:00") == "2024-03-01T10:00:00.000000Z"
    assert iso_utc("2025-12-11T06:17:19.7725453Z UTC") == "2025-12-11T06:17:19.772545Z"
    assert iso_utc(1709287200) == "2024-03-01T10:00:00.000000Z"
    assert iso_utc("1709287200.25") == "2024-03-01T10:00:00.250000Z"
    assert iso_utc("yesterday") is None
    assert iso_utc("") is None


def test_windows_row_flattens_system_eventdata_and_userdata() -> None:
    doc = {
        "Event": {
            "System": {
                "Provider": {"#attributes": {"Name": "Microsoft-Windows-Eventlog", "Guid": "{x}"}},
                "EventID": {"#attributes": {"Qualifiers": 0}, "#text": 1102},
                "Channel": "Security",
                "Computer": "dc01",
                "TimeCreated": {"#attributes": {"SystemTime": "2024-01-02T03:04:05Z"}},
                "Security": {"#attributes": {"UserID": "S-1-5-18"}},
            },
            "EventData": {"Source Name": "Real-Time Protection", "Flag": True, "Count": 3, "Empty": None},
            "UserData": {"LogFileCleared": {"SubjectUserName": "alice", "Items": ["a", "b"]}},
        }
    }
    row = windows_row(doc)
    assert row["EventID"] == "1102"
    assert row["Provider_Name"] == "Microsoft-Windows-Eventlog"
    assert row["Channel"] == "Security"
    assert row["_host"] == "dc01"
    assert row["_ts"] == "2024-01-02T03:04:05.000000Z"
    assert row["SourceName"] == "Real-Time Protection"  # spaces removed, as Sigma spells it
    assert row["Flag"] == "true"
    assert row["Count"] == "3"
    assert "Empty" not in row  # null is no value, but the field is there (|exists)
    assert row["_nulls"] == "\nempty\n"
    assert row["SubjectUserName"] == "alice"
    assert row["Items"] == "a\nb"
    assert row["SecurityUserID"] == "S-1-5-18"


def test_nulls_inside_a_list_of_objects_join_the_events_one_list_of_null_fields() -> None:
    from unmask.ingest.fields import flatten_into

    row: dict[str, str] = {}
    flatten_into(row, {"x": None, "items": [{"y": None, "z": 1}, {"w": None}]}, None, dotted=True)
    assert row == {"_nulls": "\nx\nitems.y\nitems.w\n", "items.z": "1"}


def test_generic_flatten_joins_keys_with_dots() -> None:
    row: dict[str, str] = {}
    flatten_into(row, {"process": {"command_line": "x", "args": ["a", "b"]}, "n": 1}, None, dotted=True)
    assert row == {"process.command_line": "x", "process.args": "a\nb", "n": "1"}


def test_epoch_numbers_only_when_they_can_be_times() -> None:
    from unmask.ingest.fields import iso_utc

    assert iso_utc("2024") is None  # a year is not 33 minutes after 1970
    assert iso_utc("20240301") == "2024-03-01T00:00:00.000000Z"
    assert iso_utc(1709287200000) == iso_utc(1709287200) == "2024-03-01T10:00:00.000000Z"  # milliseconds too


def test_lists_of_objects_keep_every_element_and_whole_floats_read_as_integers() -> None:
    row: dict[str, str] = {}
    event = {
        "resources": [{"ARN": "arn:first", "type": "a"}, {"ARN": "arn:second"}],
        "LogonType": 3.0,
        "ratio": 0.5,
        "big": 1e300,
    }
    flatten_into(row, event, None, dotted=True)
    assert row["resources.ARN"] == "arn:first\narn:second" and row["resources.type"] == "a"
    assert row["LogonType"] == "3" and row["ratio"] == "0.5" and row["big"] == "1e+300"


def test_a_dotted_key_and_a_nested_object_of_one_name_keep_the_first_whole_and_the_other_apart() -> None:
    row: dict[str, str] = {}
    flatten_into(row, {"a.b": 1, "a": {"b": 2}}, None, dotted=True)
    assert row == {"a.b": "1", "a.b (2)": "2"}
    row = {}
    flatten_into(row, {"a": {"b": "v"}, "a.b": "w", "a.b (2)": "x"}, None, dotted=True)
    assert row == {"a.b": "v", "a.b (2)": "w", "a.b (2) (2)": "x"}
    # a list, of values or of objects, is no exception; nor is a third key of the name
    row = {}
    document = {"a.b": "x", "a": {"b": ["y", "z"]}, "c.d": "1", "c": [{"d": "2"}, {"d": "3"}]}
    flatten_into(row, document | {"e": {"f.g": "4", "f": {"g": "5"}}, "e.f.g": "6"}, None, dotted=True)
    assert row["a.b"] == "x" and row["a.b (2)"] == "y\nz"
    assert row["c.d"] == "1" and row["c.d (2)"] == "2\n3"
    assert row["e.f.g"] == "4" and row["e.f.g (2)"] == "5" and row["e.f.g (3)"] == "6"
    assert len(row) == 7


def test_a_windows_field_named_like_an_own_column_is_kept_apart() -> None:
    row = windows_row({"Event": {"System": {"Computer": "pc"}, "EventData": {"_host": "forged", "_ts": "x"}}})
    assert row["_host"] == "pc"
    assert row["evidence_host"] == "forged"
    assert row["evidence_ts"] == "x"
    assert "_ts" not in row


def test_field_names_that_differ_in_case_share_a_column_and_keep_both_values_apart(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from unmask.ingest.dataset import EventWriter, family_parts

    writer = EventWriter(tmp_path, "t")
    writer.add("windows", {"ProcessId": "1", "Image": "a.exe"})
    writer.add("windows", {"ProcessID": "2"})
    writer.add("windows", {"ProcessId": "3", "ProcessID": "4", "image": "b.exe", "PROCESSID": "5"})
    writer.add("windows", {"Other": "x"})
    writer.close()
    table = pq.read_table(family_parts(tmp_path, "windows")[0])
    # The first spelling's value, whole (joined to the other, no equality held on either) ...
    assert table.column("ProcessId").to_pylist() == ["1", "2", "3", None]
    # ... and the others', each apart (keywords and indicators still find them).
    assert table.column("ProcessID (2)").to_pylist() == [None, None, "4", None]
    assert table.column("PROCESSID (3)").to_pylist() == [None, None, "5", None]
    assert table.column("Image").to_pylist() == ["a.exe", None, "b.exe", None]
    assert table.column("Other").to_pylist() == [None, None, None, "x"]
    assert "ProcessID" not in table.column_names


def test_the_events_own_system_fields_win_over_data_fields_of_the_same_name() -> None:
    doc = {
        "Event": {
            "System": {"EventID": 104, "Channel": "System", "Computer": "dc01"},
            "UserData": {"LogFileCleared": {"Channel": "Application", "SubjectUserName": "alice"}},
        }
    }
    row = windows_row(doc)
    assert row["Channel"] == "System" and row["UserData.Channel"] == "Application"
    assert row["SubjectUserName"] == "alice" and row["_host"] == "dc01"
