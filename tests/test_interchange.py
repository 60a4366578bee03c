"""Import from GIFT, Moodle XML and Aiken; export as Moodle XML and GIFT; round trips; refusals.

The sample questions marked "Moodle docs" are the examples on Moodle's own format pages
(docs.moodle.org: GIFT format, Moodle XML format, Aiken format), so the parsers are held
to what Moodle documents, not only to what our exporter writes.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from quizapp.banks import load_banks
from quizapp.banks.interchange import (
    UnreadableFile,
    html_to_text,
    import_questions,
    parse_aiken,
    parse_gift,
    parse_moodle_xml,
    write_gift,
    write_moodle_xml,
)
from quizapp.banks.schema import QuestionFile, QuestionSpec, TrackSpec
from quizapp.banks.yamlfile import plain
from quizapp.cli import banks_export, banks_import
from quizapp.config import PROJECT_ROOT

from .conftest import write_bank

COMPARED = ("stem", "choices", "answer", "explanation", "references")

# --- Moodle docs: GIFT format ---------------------------------------------------------

GIFT_DOCS = """\
// true/false
::Q1:: 1+1=2 {T}

// multiple choice with specified feedback for right and wrong answers
::Q2:: What's between orange and green in the spectrum?
{ =yellow # right; good! ~red # wrong, it's yellow ~blue # wrong, it's yellow }

// fill-in-the-blank
::Q3:: Two plus {=two =2} equals four.

// matching
::Q4:: Which animal eats which food? { =cat -> cat food =dog -> dog food }

// math range question
::Q5:: What is a number from 1 to 5? {#3:2}

// math range specified with interval end points
::Q6:: What is a number from 1 to 5? {#1..5}
// translated on import to the same as Q5, but unavailable from Moodle question interface

// multiple numeric answers with partial credit and feedback
::Q7:: When was Ulysses S. Grant born? {#
         =1822:0      # Correct! Full credit.
         =%50%1822:2  # He was born in 1822. Half credit for being close.
}

// essay
::Q8:: How are you? {}

Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}

Grant is {~buried =entombed ~living} in Grant's tomb.

Grant was buried in a tomb in New York City.{T}

Who's buried in Grant's tomb?{=Grant =Ulysses S. Grant =Ulysses Grant}

::Grants tomb::Who is buried in Grant's tomb in New York City? {
=Grant
~No one
#Was true for 12 years, but Grant's remains were buried in the tomb in 1897
~Napoleon
#He was buried in France
~Churchill
#He was buried in England
~Mother Teresa
#She was buried in India
}

What two people are entombed in Grant's tomb? {
   ~%-100%No one
   ~%50%Grant
   ~%50%Grant's wife
   ~%-100%Grant's father
}

Which of these is a description only, with no answers at all?
"""


def test_gift_docs_examples_convert_the_multiple_choice_and_refuse_the_rest():
    result = import_questions(GIFT_DOCS.encode(), "gift", track="associate-architect", domain="connect")
    stems = [q["stem"] for q in result.questions]
    assert stems == [
        "What's between orange and green in the spectrum?",
        "Who's buried in Grant's tomb?",
        "Grant is _____ in Grant's tomb.",
        "Who is buried in Grant's tomb in New York City?",
        "What two people are entombed in Grant's tomb? (Choose two.)",
    ]
    orange, tomb, missing_word, named, two = result.questions
    assert orange["choices"] == {"a": "yellow", "b": "red", "c": "blue"} and orange["answer"] == "a"
    assert orange["explanation"] == "a: right; good!\n\nb: wrong, it's yellow\n\nc: wrong, it's yellow"
    assert tomb["choices"] == {"a": "Grant", "b": "Jefferson", "c": "no one"} and tomb["answer"] == "c"
    assert missing_word["answer"] == "b"
    assert named["answer"] == "a" and len(named["choices"]) == 5
    assert named["explanation"].startswith("b: Was true for 12 years")
    assert two["answer"] == ["b", "c"]
    # No explanation in the file: the field is left out, so `banks check` says "is missing; add it".
    assert "explanation" not in tomb and all("references" not in q for q in result.questions)
    # "Q2" and "Grants tomb" are not ids of ours: generated ids, unique, in file order.
    assert [q["id"] for q in result.questions] == [f"aa-connect-imp-{n:03d}" for n in range(1, 6)]
    reasons = {r.line: r.message for r in result.refusals}
    assert "true/false" in reasons[2] and "short-answer" in reasons[9]
    assert "matching" in reasons[12] and "numerical" in reasons[15] and "numerical" in reasons[18]
    assert "numerical" in reasons[22] and "essay" in reasons[28]
    assert "true/false" in reasons[34] and "short-answer" in reasons[36]
    assert "description" in reasons[57]
    assert len(result.refusals) == 10
    for question in result.questions:
        QuestionSpec.model_validate({**question, "explanation": "x", "references": ["https://docs.stripe.com/"]})


def test_gift_escapes_formats_and_general_feedback():
    text = ("::my-id::[html]<p>Pick the <b>right</b> one\\: a\\=b?</p>{=yes\\{1\\} ~no ~maybe\\~\n"
            "####<p>Because&nbsp;yes.</p>}\n")
    (draft,), refusals = parse_gift(text)
    assert refusals == []
    assert draft.name == "my-id" and draft.stem == "Pick the right one: a=b?"
    assert draft.options == ["yes{1}", "no", "maybe~"] and draft.general == "Because yes."


def test_gift_ambiguous_and_missing_answers_are_refused():
    text = ("Two full marks? {=a =b ~c}\n\n"
            "No right one? {~%-50%a ~%-50%b ~%-50%c}\n\n"
            "Every one right? {~%50%a ~%50%b}\n\n"
            "Only partial credit? {~%50%a ~b ~c}\n\n"
            "Too few options? {=a ~b}\n\n"
            "Too many? {=a ~b ~c ~d ~e ~f ~g}\n\n"
            "Says two but has three (Choose two.) {~%33.3%a ~%33.3%b ~%33.3%c ~%-100%d}\n\n"
            "Unclosed {=a ~b ~c\n")
    result = import_questions(text.encode(), "gift", track="associate-architect", domain="connect")
    assert result.questions == []
    messages = [r.message for r in result.refusals]
    assert "ambiguous answer: options a, b all get full credit" in messages[0]
    assert "no answer" in messages[1]
    assert "2 option(s)" in messages[2]  # two options, both right: too few options first
    assert "ambiguous answer: only option a gets credit, and only part of it" in messages[3]
    assert "2 option(s)" in messages[4] and "7 option(s)" in messages[5]
    assert "says '(Choose two.)' but 3 options get credit" in messages[6]
    assert "no closing '}'" in messages[7]
    assert [r.line for r in result.refusals] == [1, 3, 5, 7, 9, 11, 13, 15]


# --- Moodle docs: Moodle XML format -----------------------------------------------------

XML_DOCS = b"""<?xml version="1.0" ?>
<quiz>
<question type="category">
  <category>
    <text>$course$/XXXX</text>
  </category>
</question>
<question type="multichoice">
  <name>
    <text>Name of question</text>
  </name>
  <questiontext format="html">
    <text>What is the answer to this question?</text>
  </questiontext>
  <answer fraction="100">
    <text>The correct answer</text>
    <feedback><text>Correct!</text></feedback>
  </answer>
  <answer fraction="0">
    <text>A distractor</text>
    <feedback><text>Ooops!</text></feedback>
  </answer>
  <answer fraction="0">
    <text>Another distractor</text>
    <feedback><text>Ooops!</text></feedback>
  </answer>
  <shuffleanswers>1</shuffleanswers>
  <single>true</single>
  <answernumbering>abc</answernumbering>
</question>
<question type="truefalse">
  <questiontext format="html"><text>Is it true?</text></questiontext>
  <answer fraction="100">
    <text>true</text>
    <feedback><text>Correct!</text></feedback>
  </answer>
  <answer fraction="0">
    <text>false</text>
    <feedback><text>Ooops!</text></feedback>
  </answer>
</question>
<question type="shortanswer">
  <questiontext format="html"><text>Say it.</text></questiontext>
  <answer fraction="100">
    <text>The correct answer</text>
    <feedback><text>Correct!</text></feedback>
  </answer>
  <answer fraction="100">
    <text>An alternative answer</text>
    <feedback><text>Correct!</text></feedback>
  </answer>
</question>
<question type="multichoice">
  <name><text>cdata-question</text></name>
  <questiontext format="html">
    <text><![CDATA[
Now I can include <strong>any</strong> HTML that I<br />
wish. Which <code>charge</code> type fits?
]]></text>
  </questiontext>
  <generalfeedback format="html"><text><![CDATA[<p>Direct charges&nbsp;fit.</p><script>alert(1)</script>
<p>References:<br>- https://docs.stripe.com/connect/charges</p>]]></text></generalfeedback>
  <answer fraction="-33.33333"><text><![CDATA[<p>Destination</p>]]></text></answer>
  <answer fraction="50"><text>Direct</text></answer>
  <answer fraction="50"><text>Direct with a fee</text></answer>
  <answer fraction="-33.33333"><text>Separate</text></answer>
  <shuffleanswers>0</shuffleanswers>
  <single>false</single>
  <tags><tag><text>charge-types</text></tag></tags>
</question>
<question type="essay"><questiontext><text>Discuss.</text></questiontext></question>
<question type="matching"><questiontext><text>Match.</text></questiontext></question>
<question type="numerical"><questiontext><text>How many?</text></questiontext></question>
<question type="cloze"><questiontext><text>{1:MULTICHOICE:=a~b}</text></questiontext></question>
<question type="description"><questiontext><text>Read this.</text></questiontext></question>
<question type="multichoice">
  <questiontext format="html"><text>No right one?</text></questiontext>
  <answer fraction="0"><text>a</text></answer>
  <answer fraction="0"><text>b</text></answer>
  <answer fraction="0"><text>c</text></answer>
</question>
<question type="multichoice">
  <questiontext format="html"><text><![CDATA[A picture: <img src="@@PLUGINFILE@@/x.png">]]></text></questiontext>
  <answer fraction="100"><text>a</text></answer>
  <answer fraction="0"><text>b</text></answer>
  <answer fraction="0"><text>c</text></answer>
</question>
</quiz>
"""


def test_moodle_xml_docs_examples_convert_the_multiple_choice_and_refuse_the_rest():
    result = import_questions(XML_DOCS, "moodle-xml", track="associate-architect", domain="payments")
    docs, cdata = result.questions
    assert docs["id"] == "aa-payments-imp-001"  # "Name of question" is not an id of ours
    assert docs["stem"] == "What is the answer to this question?"
    assert docs["choices"] == {"a": "The correct answer", "b": "A distractor", "c": "Another distractor"}
    assert docs["answer"] == "a"
    assert docs["explanation"] == "a: Correct!\n\nb: Ooops!\n\nc: Ooops!"
    assert cdata["id"] == "cdata-question"
    assert cdata["stem"] == ("Now I can include any HTML that I\nwish. Which `charge` type fits? "
                             "(Choose two.)")  # <br /> is the only line break; the source's are spaces
    assert cdata["choices"]["a"] == "Destination" and cdata["answer"] == ["b", "c"]
    assert cdata["explanation"] == "Direct charges fit."  # the script's text is dropped
    assert cdata["references"] == ["https://docs.stripe.com/connect/charges"]
    assert cdata["shuffle"] is False and cdata["tags"] == ["charge-types"]
    refused = {r.element: r for r in result.refusals}
    assert list(refused) == ['question[3] type="truefalse"', 'question[4] type="shortanswer"',
                             'question[6] type="essay"', 'question[7] type="matching"',
                             'question[8] type="numerical"', 'question[9] type="cloze"',
                             'question[10] type="description"', 'question[11] type="multichoice"',
                             'question[12] type="multichoice"']
    assert refused['question[3] type="truefalse"'].line == 31
    assert refused['question[3] type="truefalse"'].at("bank.xml") == (
        'bank.xml:31: question[3] type="truefalse": is a true/false question; '
        "only multiple choice questions convert")
    assert "no answer" in refused['question[11] type="multichoice"'].message
    assert "image" in refused['question[12] type="multichoice"'].message


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<quiz><question type="multichoice"><questiontext><text>&lol9;</text></questiontext></question></quiz>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="multichoice"><questiontext><text>&secret;</text></questiontext>
<answer fraction="100"><text>a</text></answer><answer><text>b</text></answer>
<answer><text>c</text></answer></question></quiz>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY,
                                  b'<?xml version="1.0"?>\n<!DOCTYPE quiz SYSTEM "http://example.com/x.dtd">\n<quiz/>'],
                         ids=["billion-laughs", "external-entity", "external-dtd"])
def test_unsafe_xml_is_refused_quickly_with_a_clear_message(data):
    began = time.monotonic()
    with pytest.raises(UnreadableFile) as refused:
        parse_moodle_xml(data)
    assert time.monotonic() - began < 1
    assert "DTD or entities" in str(refused.value) and "<!DOCTYPE" in str(refused.value)
    assert "root:" not in str(refused.value)


def test_broken_and_foreign_xml_is_refused_with_a_line():
    with pytest.raises(UnreadableFile) as broken:
        parse_moodle_xml(b"<quiz>\n<question type='multichoice'>\n</quiz>")
    assert "not well-formed" in str(broken.value) and broken.value.line == 3
    with pytest.raises(UnreadableFile) as foreign:
        parse_moodle_xml(b"<html><body/></html>")
    assert "not <quiz>" in str(foreign.value)


def test_html_to_text_keeps_paragraphs_and_code_and_drops_scripts():
    text, images = html_to_text("<p>One&amp;two</p><p>Use <code>x</code>.<br>Next</p>"
                                "<ul><li>first</li><li>second</li></ul><style>p{}</style><img src=x>")
    assert text == "One&two\n\nUse `x`.\nNext\n\n- first\n- second" and images == 1


# --- Moodle docs: Aiken format ----------------------------------------------------------

AIKEN_DOCS = """\
What is the correct answer to this question?
A. Is it this one?
B. Maybe this answer?
C. Possibly this one?
D. Must be this one!
ANSWER: D

Which LMS has the most quiz import formats?
A) Moodle
B) ATutor
C) Claroline
D) Blackboard
E) WebCT
F) Ilias
ANSWER: A

The Coelacanth was considered a cryptid until 1938.
A) True
B) False
ANSWER: A

Which two are right?
A. one
B. two
C. three
ANSWER: A, B

Where is the answer line?
A. here
B. there
C. nowhere

Which letter is missing?
A. a
B. b
C. c
ANSWER: E
"""


def test_aiken_docs_examples_and_refusals():
    drafts, refusals = parse_aiken(AIKEN_DOCS)
    assert [d.line for d in drafts] == [1, 8, 17]  # the true/false one is refused later: 2 options
    result = import_questions(AIKEN_DOCS.encode(), "aiken", track="professional-implementation-architect",
                              domain="funds-flows")
    first, second = result.questions
    assert first["id"] == "pia-funds-flows-imp-001" and first["answer"] == "d"
    assert first["choices"] == {"a": "Is it this one?", "b": "Maybe this answer?",
                                "c": "Possibly this one?", "d": "Must be this one!"}
    assert second["answer"] == "a" and len(second["choices"]) == 6
    reasons = {r.line: r.message for r in result.refusals}
    assert "2 option(s)" in reasons[17]
    assert "ANSWER: A, B" in reasons[22] and "one capital letter" in reasons[22]
    assert "no ANSWER: line" in reasons[28]
    assert "ANSWER: E but its options are A, B, C" in reasons[33]


# --- export, and round trips -------------------------------------------------------------


def _specs(folder: Path) -> tuple[TrackSpec, list[tuple[str, QuestionSpec]]]:
    yaml = YAML(typ="rt")
    track = TrackSpec.model_validate(plain(yaml.load((folder / "track.yaml").read_text())))
    questions = []
    for domain in track.domains:
        file = QuestionFile.model_validate(plain(yaml.load((folder / f"{domain.slug}.yaml").read_text())))
        questions += [(domain.slug, q) for q in file.questions]
    return track, questions


def _assert_same(imported: list[dict], originals: list[QuestionSpec], fields: tuple[str, ...]) -> None:
    assert [q["id"] for q in imported] == [q.id for q in originals]
    for raw, original in zip(imported, originals):
        again = QuestionSpec.model_validate(raw)
        for name in fields:
            assert getattr(again, name) == getattr(original, name), (original.id, name)


@pytest.mark.parametrize("file_format", ["moodle-xml", "gift"])
def test_round_trip_on_a_small_bank(tmp_path, file_format):
    write_bank(tmp_path, per_domain=4, multi_every=2)
    track, questions = _specs(tmp_path / "test-architect")
    write = write_moodle_xml if file_format == "moodle-xml" else write_gift
    result = import_questions(write(track, questions).encode(), file_format, track="test-architect",
                              domain="payments")
    assert result.refusals == [] and result.notes == []
    extra = ("tags", "shuffle") if file_format == "moodle-xml" else ()
    _assert_same(result.questions, [q for _, q in questions], COMPARED + extra)
    assert any(isinstance(q["answer"], list) for q in result.questions)


@pytest.mark.parametrize("file_format", ["moodle-xml", "gift"])
def test_round_trip_on_the_shipped_associate_bank(file_format):
    track, questions = _specs(PROJECT_ROOT / "question_banks" / "associate-architect")
    assert len(questions) >= 500
    write = write_moodle_xml if file_format == "moodle-xml" else write_gift
    result = import_questions(write(track, questions).encode(), file_format,
                              track="associate-architect", domain="payments")
    assert result.refusals == [] and result.notes == []
    extra = ("tags", "shuffle") if file_format == "moodle-xml" else ()
    _assert_same(result.questions, [q for _, q in questions], COMPARED + extra)


def test_export_has_a_category_per_domain_and_moodle_weights():
    track, questions = _specs(PROJECT_ROOT / "question_banks" / "associate-architect")
    xml = write_moodle_xml(track, questions)
    assert xml.count('<question type="category">') == len(track.domains)
    assert f"<text>$course$/top/{track.title}/{track.domains[0].title}</text>" in xml
    gift = write_gift(track, questions)
    assert gift.count("$CATEGORY: $course$/top/") == len(track.domains)
    multi = next(q for _, q in questions if isinstance(q.answer, list))
    share = {2: "50", 3: "33.33333"}[len(multi.answer)]
    assert f'fraction="{share}"' in xml and f"~%{share}%" in gift and "~%-100%" in gift


def test_ids_already_in_the_track_are_not_reused(tmp_path):
    write_bank(tmp_path, per_domain=4)
    track, questions = _specs(tmp_path / "test-architect")
    taken = {q.id for _, q in questions} | {"ta-payments-imp-001"}
    result = import_questions(write_gift(track, questions[:2]).encode(), "gift", track="test-architect",
                              domain="payments", taken_ids=taken)
    assert [q["id"] for q in result.questions] == ["ta-payments-imp-002", "ta-payments-imp-003"]
    assert "already used; imported as ta-payments-imp-002" in result.notes[0].message


def test_non_utf8_text_is_refused_with_its_line():
    with pytest.raises(UnreadableFile) as refused:
        import_questions(b"Question?\n{=a ~b ~c}\n\xff\n", "gift", track="t", domain="d")
    assert "not UTF-8" in str(refused.value) and refused.value.line == 3


# --- the CLI -------------------------------------------------------------------------------


def _cli(command, args):
    return CliRunner().invoke(command, [str(a) for a in args])


def test_cli_import_prints_yaml_and_each_refusal(tmp_path):
    banks = write_bank(tmp_path / "banks")
    source = tmp_path / "docs.gift"
    source.write_text(GIFT_DOCS)
    result = _cli(banks_import, [source, "--format", "gift", "--track", "test-architect",
                                 "--domain", "connect", "--banks", banks])
    assert result.exit_code == 0, result.output
    assert f"{source}:2: is a true/false question; only multiple choice questions convert" in result.stderr
    assert "5 question(s) converted for test-architect/connect, 10 refused." in result.stderr
    tree = YAML(typ="safe").load(result.stdout)
    assert tree["domain"] == "connect" and len(tree["questions"]) == 5
    assert tree["questions"][4]["answer"] == ["b", "c"]
    assert f"# imported from {source}:5" in result.stdout
    assert "# TODO: add explanation" in result.stdout and "# TODO: add references" in result.stdout


def test_cli_import_writes_a_new_file_that_banks_check_reads(tmp_path):
    banks = write_bank(tmp_path / "banks")
    source = tmp_path / "docs.xml"
    source.write_bytes(XML_DOCS)
    out = banks / "test-architect" / "imported.yaml"
    result = _cli(banks_import, [source, "--format", "moodle-xml", "--track", "test-architect",
                                 "--domain", "payments", "--out", out, "--banks", banks])
    assert result.exit_code == 0, result.output
    assert f'{source}:31: question[3] type="truefalse": is a true/false question' in result.stderr
    problems = [str(p) for p in load_banks(banks).problems]
    # What the author still has to do, said by the checker at the imported item.
    assert any("imported.yaml" in p and "ta-payments-imp-001: references: is missing; add it" in p
               for p in problems)
    again = _cli(banks_import, [source, "--format", "moodle-xml", "--track", "test-architect",
                                "--domain", "payments", "--out", out, "--banks", banks])
    assert again.exit_code == 1 and "already exists" in again.output


def test_cli_import_exits_1_when_nothing_converts(tmp_path):
    banks = write_bank(tmp_path / "banks")
    source = tmp_path / "tf.gift"
    source.write_text("1+1=2 {T}\n\nHow are you? {}\n")
    result = _cli(banks_import, [source, "--format", "gift", "--track", "test-architect",
                                 "--domain", "payments", "--banks", banks])
    assert result.exit_code == 1
    assert f"{source}:1: is a true/false question" in result.stderr
    assert f"{source}:3: is an essay question" in result.stderr
    assert "0 question(s) converted" in result.stderr and result.stdout == ""


def test_cli_import_refuses_unsafe_xml_without_a_traceback(tmp_path):
    banks = write_bank(tmp_path / "banks")
    source = tmp_path / "bomb.xml"
    source.write_bytes(BILLION_LAUGHS)
    result = _cli(banks_import, [source, "--format", "moodle-xml", "--track", "test-architect",
                                 "--domain", "payments", "--banks", banks])
    assert result.exit_code == 1
    assert f"{source}:1: refused: the file declares a DTD or entities" in result.stderr
    assert "Traceback" not in result.output


def test_cli_import_checks_track_and_domain(tmp_path):
    banks = write_bank(tmp_path / "banks")
    source = tmp_path / "a.txt"
    source.write_text(AIKEN_DOCS)
    unknown_track = _cli(banks_import, [source, "--format", "aiken", "--track", "nope", "--domain", "x",
                                        "--banks", banks])
    assert unknown_track.exit_code == 2 and "no track 'nope'" in unknown_track.output
    unknown_domain = _cli(banks_import, [source, "--format", "aiken", "--track", "test-architect",
                                         "--domain", "refunds", "--banks", banks])
    assert unknown_domain.exit_code == 2 and "use one of payments, connect" in unknown_domain.output


def test_cli_export_then_import_gives_back_the_track(tmp_path):
    banks = write_bank(tmp_path / "banks", per_domain=4)
    track, questions = _specs(banks / "test-architect")
    for file_format, name in (("moodle-xml", "t.xml"), ("gift", "t.gift")):
        out = tmp_path / name
        exported = _cli(banks_export, ["--track", "test-architect", "--format", file_format, "--out", out,
                                       "--banks", banks])
        assert exported.exit_code == 0, exported.output
        assert "Exported 8 question(s) of test-architect" in exported.stderr
        result = import_questions(out.read_bytes(), file_format, track="test-architect", domain="payments")
        _assert_same(result.questions, [q for _, q in questions], COMPARED)
        assert _cli(banks_export, ["--track", "test-architect", "--format", file_format, "--out", out,
                                   "--banks", banks]).exit_code == 1  # never overwrites
    printed = _cli(banks_export, ["--track", "test-architect", "--format", "gift", "--banks", banks])
    assert printed.stdout.startswith("// Test Architect (test-architect)")
    missing = _cli(banks_export, ["--track", "nope", "--format", "gift", "--banks", banks])
    assert missing.exit_code == 2 and "no track 'nope'" in missing.output


def test_what_banks_check_will_refuse_is_noted_at_import_and_the_item_kept():
    text = ("::aa-x-1::Which one? {=One ~Two ~All of the above "
            "####Because.\\n\\nReferences\\:\\n- https\\://en.wikipedia.org/wiki/Stripe}\n")
    result = import_questions(text.encode(), "gift", track="associate-architect", domain="connect")
    (question,) = result.questions
    assert question["id"] == "aa-x-1" and question["references"] == ["https://en.wikipedia.org/wiki/Stripe"]
    notes = [n.at("f.gift") for n in result.notes]
    assert any("f.gift:1: aa-x-1: choices: 'all of the above' gives the answer away" in n for n in notes)
    assert any("aa-x-1: references: 'https://en.wikipedia.org/wiki/Stripe' is not on Stripe's own site"
               in n for n in notes)


def test_partial_credit_in_a_one_answer_question_is_noted():
    result = import_questions(b"Which? {=right ~%50%close ~wrong}\n", "gift", track="t", domain="d")
    assert result.questions[0]["answer"] == "a"
    assert result.notes[0].at("f") == ("f:1: option b had partial credit; our exams score all or nothing, "
                                       "so it now counts as wrong")
