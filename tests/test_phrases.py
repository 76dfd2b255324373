from __future__ import annotations

from unmask.extract.phrases import clean_example, learn_phrases, phrase_keys


def test_clean_example_drops_citations_and_links() -> None:
    text = "[APT1](https://attack.mitre.org/groups/G0006) dumped creds.(Citation: Report 2020)"
    assert clean_example(text) == "APT1 dumped creds."


def test_phrase_keys_skip_stop_word_edges() -> None:
    keys = phrase_keys("The group added a Run key to the registry")
    assert "run key" in keys and "added a" not in keys and "the group" not in keys


def test_learn_phrases_keeps_precise_frequent_phrases_only() -> None:
    examples = [(f"Actor{n} added a Run key for persistence", "T1547.001") for n in range(4)]
    examples += [("Malware set a Run key", "T1547.001"), ("Tool scheduled task creation", "T1053.005")]
    examples += [(f"Actor{n} used scheduled task creation and a Run key", "T1053.005") for n in range(2)]
    examples += [("hijacked remote desktop sessions", "T1563.002")] * 2 + [
        ("logged in over remote desktop", "T1021.001")
    ] * 2
    examples += [("Actor0 logs keystrokes", "T1056.001")] * 3
    phrases = learn_phrases(examples, min_count=3, min_precision=0.6, exclude=frozenset({"actor0"}))
    assert phrases["run key"] == "T1547.001"  # 5 of the 7 examples with it
    assert phrases["scheduled task"] == "T1053.005"  # 3 of 3
    assert "remote desktop" not in phrases  # 2 and 2: no technique reaches 0.6
    assert "actor0 logs" not in phrases and phrases["logs keystrokes"] == "T1056.001"  # name words excluded
