"""Bank validation, loading with versions, preview and stats."""

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from quizapp import create_app
from quizapp.banks import InvalidBanks, load_banks
from quizapp.cli import banks_check, banks_stats, exam_preview
from quizapp.extensions import db
from quizapp.models import Question, QuestionVersion

from .conftest import write_bank


def check(root: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(banks_check, [str(root)])
    return result.exit_code, result.output.strip().splitlines()


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, count))


def test_valid_bank_passes_with_a_summary(banks_dir):
    code, lines = check(banks_dir)
    assert code == 0
    assert lines == ["OK: 1 track(s), 16 questions, no problems."]


def problem_lines(banks_dir, path, old, new):
    edit(path, old, new)
    code, lines = check(banks_dir)
    assert code == 1
    return lines


@pytest.fixture
def payments(banks_dir):
    return banks_dir / "test-architect" / "payments.yaml"


@pytest.fixture
def track_file(banks_dir):
    return banks_dir / "test-architect" / "track.yaml"


def test_boolean_looking_text_stays_text_and_real_booleans_are_reported(banks_dir, payments):
    edit(payments, "a: Alpha 1\n", "a: No\n")
    edit(payments, "b: Bravo 1\n", "b: On\n")
    assert check(banks_dir)[0] == 0
    [tree] = load_banks(banks_dir).tracks
    first = next(q for q in tree.questions if q.spec.id == "payments-001")
    assert first.spec.choices["a"] == "No" and first.spec.choices["b"] == "On"
    lines = problem_lines(banks_dir, payments, "c: Charlie 1\n", "c: true\n")
    assert any(":" in l and "payments-001: choices.c: Input should be a valid string" in l
               and "quotes" in l for l in lines), lines


def test_problem_lines_name_path_line_question_and_field(banks_dir, payments):
    lines = problem_lines(banks_dir, payments, "    answer: b\n", "    answer: z\n")
    [line] = [l for l in lines if "answer" in l]
    path, lineno, question, field, message = line.split(":", 4)
    assert path.endswith("payments.yaml")
    assert payments.read_text().splitlines()[int(lineno) - 1] == "    answer: z"
    assert question.strip() == "payments-001"
    assert "z is not a choice key" in message


@pytest.mark.parametrize("old, new, expected", [
    ("    difficulty: medium\n", "    difficulty: medium\n    colour: red\n", "colour: is not a known field"),
    ("    explanation: |\n      SECRET-EXPLANATION-payments-1 because Bravo is right.\n", "", "explanation: is missing"),
    ("      b: Bravo 1\n", "      b: Alpha 1\n", "same text"),
    ("      - https://docs.stripe.com/payments\n", "      - http://docs.stripe.com/payments\n", "not an https link"),
    ("    references:\n      - https://docs.stripe.com/payments\n", "    references: []\n", "references: List should have at least 1 item"),
    ("    answer: b\n", "    answer: [a, b]\n", "answer: has 2 keys, so the stem must end with '(Choose two.)'"),
    ("Which option fits?\n", "Which option fits? (Choose two.)\n", "answer: is a single key but the stem says"),
    ("    explanation: |\n      SECRET-EXPLANATION-payments-1 because Bravo is right.\n", "    explanation: ''\n", "explanation: String should have at least 1 character"),
    ("    difficulty: medium\n", "    difficulty: brutal\n", "difficulty"),
])
def test_each_kind_of_question_problem_is_reported(banks_dir, payments, old, new, expected):
    lines = problem_lines(banks_dir, payments, old, new)
    assert any("payments-001" in l and expected in l for l in lines), lines


def test_duplicate_choice_keys_are_a_yaml_problem_with_a_line(banks_dir, payments):
    lines = problem_lines(banks_dir, payments, "      b: Bravo 1\n", "      b: Bravo 1\n      b: Bravo again\n")
    assert any("payments.yaml:" in l and "yaml" in l and "duplicate" in l.lower() for l in lines), lines


def test_duplicate_ids_in_a_track(banks_dir, payments):
    lines = problem_lines(banks_dir, payments, "id: payments-002", "id: payments-001")
    assert any("payments-001: id: is already used at" in l for l in lines), lines


def test_undeclared_domain(banks_dir):
    connect = banks_dir / "test-architect" / "connect.yaml"
    lines = problem_lines(banks_dir, connect, "domain: connect", "domain: billing")
    assert any("domain: 'billing' is not a domain of track test-architect" in l for l in lines), lines


def test_weights_must_sum_to_100(banks_dir, track_file):
    lines = problem_lines(banks_dir, track_file, "weight: 40", "weight: 30")
    assert any("track.yaml" in l and "sum to 90, not 100" in l for l in lines), lines


def test_domain_smaller_than_its_largest_quota(tmp_path):
    root = write_bank(tmp_path / "b", per_domain=8, min_q=5, max_q=14)
    code, lines = check(root)
    # 14 x 60 % = 8.4 -> 8 fits; but 14 x 40 % = 5.6 -> 6 fits too; grow the exam.
    assert code == 0
    root = write_bank(tmp_path / "c", per_domain=8, min_q=5, max_q=15)
    code, lines = check(root)
    assert code == 1
    assert any("domains.payments: has 8 questions but an exam can ask for 9; add at least 1" in l
               for l in lines), lines


def test_near_duplicate_stems(banks_dir, payments):
    text = payments.read_text()
    first_stem = text.split("stem: |\n      ")[1].split("\n")[0]
    connect = banks_dir / "test-architect" / "connect.yaml"
    second_stem = connect.read_text().split("stem: |\n      ")[1].split("\n")[0]
    edit(connect, second_stem, first_stem.replace("Which option", "Which choice"))
    code, lines = check(banks_dir)
    assert code == 1
    assert any(": stem: reads like " in l and "payments-001" in l and "connect-001" in l
               for l in lines), lines


def test_yaml_syntax_error_has_a_line(banks_dir, payments):
    lines = problem_lines(banks_dir, payments, "      a: Alpha 1\n", "      a: Alpha: one\n")
    assert any(l.startswith(str(payments)) or "payments.yaml:" in l for l in lines)
    assert any(": -: yaml:" in l for l in lines), lines


def checked_app(banks_dir, command: bool):
    """The app started the way a server starts it, or the way `flask <command>` does."""
    config = {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "BANKS_DIR": str(banks_dir),
              "CHECK_BANKS_ON_START": True}
    if not command:
        return create_app(config)
    with click.Context(click.Command("sync"), obj=ScriptInfo()):
        return create_app(config)


@pytest.mark.parametrize("command", [False, True], ids=["server", "command"])
def test_app_refuses_to_start_on_invalid_banks(banks_dir, payments, capsys, command):
    edit(payments, "    answer: b\n", "    answer: z\n")
    with pytest.raises(InvalidBanks):
        checked_app(banks_dir, command)
    assert "payments-001: answer" in capsys.readouterr().err


def test_a_server_checks_the_banks_without_keeping_them_and_a_command_keeps_them_for_sync(banks_dir, payments):
    # A web worker serves from the database: the parsed files would only add to its memory.
    assert "quizapp.banks" not in checked_app(banks_dir, command=False).extensions
    kept = checked_app(banks_dir, command=True).extensions["quizapp.banks"]
    assert kept.ok and [len(t.questions) for t in kept.tracks] == [16]


def count_versions(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(QuestionVersion))


def test_sync_is_idempotent_and_versions_edits(app, banks_dir, payments):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["banks", "sync"])
    assert "16 added, 0 changed, 0 retired, 0 unchanged" in first.output
    again = runner.invoke(args=["banks", "sync"])
    assert "0 added, 0 changed, 0 retired, 16 unchanged" in again.output
    assert count_versions(app) == 16

    edit(payments, "SECRET-EXPLANATION-payments-1 because", "SECRET-EXPLANATION-payments-1 edited because")
    text = payments.read_text()
    start = text.index("  - id: payments-008")
    payments.write_text(text[:start])           # remove the last question
    third = runner.invoke(args=["banks", "sync"])
    assert "0 added, 1 changed, 1 retired, 14 unchanged" in third.output, third.output
    assert count_versions(app) == 17
    with app.app_context():
        retired = db.session.scalar(select(Question).where(Question.bank_id == "payments-008"))
        assert retired.retired_at is not None


def test_sync_refuses_invalid_banks_and_changes_nothing(app, banks_dir, payments):
    runner = app.test_cli_runner()
    runner.invoke(args=["banks", "sync"])
    edit(payments, "    answer: b\n", "    answer: z\n")
    result = runner.invoke(args=["banks", "sync"])
    assert result.exit_code == 1
    assert "Nothing was loaded" in result.output
    assert count_versions(app) == 16


def test_preview_json(banks_dir):
    result = CliRunner().invoke(exam_preview, ["--track", "test-architect", "--seed", "4", "--json",
                                               "--banks", str(banks_dir)])
    data = json.loads(result.stdout)
    assert data["track"] == "test-architect" and data["seed"] == 4 and data["length"] == 5
    assert [q["position"] for q in data["questions"]] == [1, 2, 3, 4, 5]
    assert data["domains"] == {"payments": 3, "connect": 2}
    again = CliRunner().invoke(exam_preview, ["--track", "test-architect", "--seed", "4", "--json",
                                              "--banks", str(banks_dir)])
    assert again.output == result.output


def test_preview_unknown_track(banks_dir):
    result = CliRunner().invoke(exam_preview, ["--track", "nope", "--banks", str(banks_dir)])
    assert result.exit_code == 2 and "no track 'nope'" in result.output


def test_stats_json(banks_dir):
    result = CliRunner().invoke(banks_stats, ["--json", str(banks_dir)])
    stats = json.loads(result.stdout)["tracks"]["test-architect"]
    assert {k: stats[k] for k in ("questions", "domains", "multiple_select", "full_exams_without_repeat",
                                  "difficulty", "verified", "enemy_groups")} == {
        "questions": 16, "domains": {"payments": 8, "connect": 8},
        "multiple_select": 4, "full_exams_without_repeat": 2, "difficulty": {"medium": 100.0},
        "verified": {"items": 0, "never": 16, "older_than_180_days": 0},
        "enemy_groups": {"groups": 0, "items": 0}}


# --- cues, meaning, references, freshness ------------------------------------------------

def cue_bank(root: Path, *, key_longest_every: int) -> Path:
    """A track of 120 single-answer items; the key is the longest option on every Nth item
    and otherwise the second longest (the cue the audit found)."""
    folder = root / "cue-track"
    folder.mkdir(parents=True)
    (folder / "track.yaml").write_text(
        "slug: cue-track\ntitle: Cue\nduration_minutes: 90\nmin_questions: 5\nmax_questions: 5\n"
        "pass_percent: 70\ndomains:\n  - slug: payments\n    title: Payments\n    weight: 100\n")
    import random
    rng = random.Random(7)
    words = "refund payout dispute webhook invoice transfer mandate capture balance account tax coupon".split()
    items = []
    for n in range(120):
        longest = n % key_longest_every == 0
        key = "the key option text that is the longest of all options" if longest else "the key text medium"
        stem = " ".join(rng.sample(words, 8)) + f" case {n} {rng.random()}"
        items.append(
            f"  - id: cue-{n:03d}\n    stem: {stem}\n    choices:\n"
            f"      a: '{key} {n}'\n      b: 'the longest distractor of them all {n}'\n"
            f"      c: 'short {n}'\n      d: 'tiny {n}'\n"
            f"    answer: a\n    explanation: Why.\n    references: [https://docs.stripe.com/x]\n")
    (folder / "payments.yaml").write_text("domain: payments\nquestions:\n" + "".join(items))
    return root


def test_a_track_whose_keys_are_never_the_longest_is_refused(tmp_path):
    code, lines = check(cue_bank(tmp_path / "banks", key_longest_every=1000))
    assert code == 1
    # Item 0 has the longest key (0 % 1000 == 0): 119 of 120 are second longest.
    assert any("cues: the key is length rank 2 (1 = longest) on 99% of 120 single-answer items, "
               "74 points above chance" in line for line in lines), lines


def test_stats_json_reports_the_cues(tmp_path):
    root = cue_bank(tmp_path / "banks", key_longest_every=2)
    cues = json.loads(CliRunner().invoke(banks_stats, ["--json", str(root)]).stdout)["tracks"]["cue-track"]["cues"]
    single = cues["single_answer"]
    assert single["items"] == 120 and single["key_longest"] == 50.0 and single["key_shortest"] == 0.0
    assert single["key_length_rank"] == {"1": 50.0, "2": 50.0, "3": 0.0, "4": 0.0}
    assert single["key_length_rank_chance"] == {"1": 25.0, "2": 25.0, "3": 25.0, "4": 25.0}
    assert cues["choose_n"]["items"] == 0


def test_a_small_track_is_not_judged_on_cues(banks_dir):
    assert check(banks_dir)[0] == 0  # 16 items, all keyed on the same length rank


def test_references_must_be_on_stripe_com(banks_dir, payments):
    lines = problem_lines(banks_dir, payments, "https://docs.stripe.com/payments",
                          "https://stripe-docs.example.com/payments")
    assert any("is not on Stripe's own site" in line for line in lines)


def test_items_that_test_the_same_point_in_other_words_are_reported_unless_enemies(banks_dir, payments):
    rule = ("Destination charges with on_behalf_of make the connected account the settlement "
            "merchant while the platform funds refunds and disputes")
    edit(payments, "Which option fits?", f"{rule}. Which option fits?", 2)
    code, lines = check(banks_dir)
    assert code == 1 and any("tests the same point as payments-001" in line for line in lines), lines
    edit(payments, "    difficulty: medium\n", "    difficulty: medium\n    enemy_groups: [obo]\n", 2)
    assert check(banks_dir)[0] == 0


def test_enemies_that_leave_a_domain_short_are_reported(banks_dir, payments):
    def group(number):
        edit(payments, f"  - id: payments-{number:03d}\n", f"  - id: payments-{number:03d}\n    enemy_groups: [same]\n")

    # Eight payments items, five in one group: four usable, and an exam asks for 3 (60 % of 5).
    for number in range(1, 6):
        group(number)
    assert check(banks_dir)[0] == 0
    group(6)
    group(7)
    code, lines = check(banks_dir)
    assert code == 1 and any("not enemies of one another" in line for line in lines), lines


def test_stale_lists_items_never_or_long_ago_verified(banks_dir, payments):
    from quizapp.cli import banks_stale
    edit(payments, "  - id: payments-001\n", "  - id: payments-001\n    verified: 2020-01-01\n")
    edit(payments, "  - id: payments-002\n", "  - id: payments-002\n    verified: 2999-01-01\n")
    result = CliRunner().invoke(banks_stale, ["--days", "180", str(banks_dir)])
    assert "payments-001: verified 2020-01-01" in result.stdout
    assert "payments-002" not in result.stdout          # verified recently
    assert "payments-003: never verified" in result.stdout
    assert "15 item(s) not verified in the last 180 days." in result.stderr


def test_a_bad_verified_date_is_a_problem(banks_dir, payments):
    lines = problem_lines(banks_dir, payments, "    difficulty: medium\n",
                          "    difficulty: medium\n    verified: 2026-13-45\n")
    assert any("write dates as real YYYY-MM-DD days" in line for line in lines), lines


def test_the_fast_reader_keeps_yaml_1_2_text_and_question_lines(tmp_path):
    from quizapp.banks.yamlfile import line_of, read_fast, read_yaml
    path = tmp_path / "x.yaml"
    path.write_text("domain: payments\nquestions:\n  - id: q-1\n    choices:\n      a: No\n      b: On\n"
                    "      c: 'true'\n    flag: true\n  - id: q-2\n    verified: 2026-11-27\n")
    fast = read_fast(path)
    assert fast["questions"][0]["choices"] == {"a": "No", "b": "On", "c": "true"}
    assert fast["questions"][0]["flag"] is True
    assert [line_of(fast, ("questions", i)) for i in (0, 1)] == [3, 9]
    precise = read_yaml(path, [], "x.yaml")
    assert [line_of(precise, ("questions", i)) for i in (0, 1)] == [3, 9]
    path.write_text("domain: payments\nquestions:\n  - id: q-1\n    choices:\n      a: One\n      a: Two\n")
    assert read_fast(path) is None  # a duplicate key: the precise reader reports it with its line


def test_a_key_much_longer_than_every_other_option_is_refused_where_it_is(banks_dir, payments):
    # The longest other option of payments-001 is "Charlie 1" (9 characters): 19 more is allowed.
    edit(payments, "b: Bravo 1\n", "b: Bravo 1, and eighteen more c\n")
    assert check(banks_dir)[0] == 0
    edit(payments, "b: Bravo 1, and eighteen more c\n", "b: Bravo 1, and eighteen more ch\n")
    code, lines = check(banks_dir)
    assert code == 1
    assert lines[0].endswith("test-architect/payments.yaml:3: payments-001: choices: the key (29 characters) is much "
                             "longer than every other option (at most 9), so it can be picked on length alone; "
                             "shorten it or make the distractors as specific"), lines
    # As long, but so is another option: no cue.
    edit(payments, "a: Alpha 1\n", "a: Alpha 1, and eighteen more ch\n")
    assert check(banks_dir)[0] == 0
    # 20 characters longer than an 81-character option is under a quarter more: no cue either.
    edit(payments, "a: Alpha 1, and eighteen more ch\n", f"a: {'A' * 81}\n")
    edit(payments, "b: Bravo 1, and eighteen more ch\n", f"b: {'B' * 101}\n")
    assert check(banks_dir)[0] == 0
