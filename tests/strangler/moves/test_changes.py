"""The write check's pure part: what a request changed in a copy, and both paths compared."""

from __future__ import annotations

from strangler.moves.changes import (
    RowMismatch,
    TableChanges,
    diff_states,
    match_changes,
    summary,
)

BEFORE = {"book": {"[1]": "h1", "[2]": "h2"}, "loan": {}}


def test_diff_names_inserted_updated_and_deleted_rows_per_table() -> None:
    after = {"book": {"[1]": "h1-changed", "[3]": "h3"}, "loan": {"[7]": "l7"}}
    changes = diff_states(BEFORE, after)
    assert changes == {
        "book": TableChanges({"[3]": "h3"}, {"[1]": "h1-changed"}, frozenset({"[2]"})),
        "loan": TableChanges({"[7]": "l7"}),
    }
    assert summary(changes) == "book: 1 inserted, 1 updated, 1 deleted; loan: 1 inserted"
    assert diff_states(BEFORE, BEFORE) == {}
    assert summary({}) == "no rows changed"


def test_equal_changes_match() -> None:
    changes = {"book": TableChanges({"[3]": "h3"}, {"[1]": "x"}, frozenset({"[2]"}))}
    assert match_changes(changes, dict(changes), {}) is None


def test_a_row_updated_differently_is_named() -> None:
    mono = {"book": TableChanges(updated={"[1]": "title A"})}
    lam = {"book": TableChanges(updated={"[1]": "title B"})}
    mismatch = match_changes(mono, lam, {})
    assert mismatch == RowMismatch("book", "updated", "both", "[1]", "[1]")
    assert mismatch.describe() == "book: row [1] updated differently"


def test_a_change_only_one_path_made_says_which() -> None:
    deleted = match_changes({"book": TableChanges(deleted=frozenset({"[2]"}))}, {}, {})
    assert deleted == RowMismatch("book", "deleted", "monolith", "[2]", "[2]")
    assert deleted.describe() == "book: row [2] deleted by the monolith path only"
    inserted = match_changes({}, {"loan": TableChanges({"[9]": "l9"})}, {})
    assert inserted == RowMismatch("loan", "inserted", "lambda", None, "[9]")
    assert inserted.describe() == "loan: row [9] inserted by the Lambda path only"


def test_rows_inserted_with_generated_keys_pair_by_content_and_stay_paired() -> None:
    keys: dict[str, dict[str, str]] = {}
    mono = {"ride": TableChanges({'["aaa"]': "ride-content"})}
    lam = {"ride": TableChanges({'["bbb"]': "ride-content"})}
    assert match_changes(mono, lam, keys) is None
    assert keys == {"ride": {'["bbb"]': '["aaa"]'}}
    # a later request completes the same ride on both paths: its own key on each copy
    later_mono = {"ride": TableChanges(updated={'["aaa"]': "completed"})}
    later_lam = {"ride": TableChanges(updated={'["bbb"]': "completed"})}
    assert match_changes(later_mono, later_lam, keys) is None
    differently = {"ride": TableChanges(updated={'["bbb"]': "completed twice"})}
    assert match_changes(later_mono, differently, keys) == RowMismatch(
        "ride", "updated", "both", '["aaa"]', '["bbb"]'
    )


def test_inserted_rows_with_different_content_are_a_mismatch() -> None:
    mono = {"loan": TableChanges({"[5]": "lent to reader"})}
    lam = {"loan": TableChanges({"[5]": "lent to someone else"})}
    mismatch = match_changes(mono, lam, {})
    assert mismatch == RowMismatch("loan", "inserted", "both", "[5]", "[5]")
