"""`flask` commands: banks check/sync/stats/import/export, exam preview, attempts close-overdue,
items stats.

`banks` and `exam` are also installed as Flask CLI plugins (pyproject's
`flask.commands` entry points), so they run without building the app: an
author must be able to run `banks check` on the very banks that stop the
app from starting.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from datetime import date

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .banks import load_banks
from .config import PROJECT_ROOT
from .exam.assembly import Candidate, assemble, full_exams_without_repeat


def default_banks_dir() -> str:
    """The banks folder the app would use, without building the app."""
    return os.environ.get("QUIZAPP_BANKS_DIR") or str(PROJECT_ROOT / "question_banks")


def _print_problems(problems) -> None:
    for problem in problems:
        click.echo(str(problem))


@click.group("banks")
def banks_cli() -> None:
    """Check, load and count the question banks."""


@banks_cli.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def banks_check(directory: str | None) -> None:
    """Report every problem in the banks, one a line; exit 1 if there is any."""
    result = load_banks(directory or default_banks_dir())
    # Missing and stale translations come first and do not fail the check:
    # the app shows those questions in English until a translator catches up.
    for notice in result.notices:
        click.echo(f"{notice} (notice)")
    if result.problems:
        _print_problems(result.problems)
        click.echo(f"{len(result.problems)} problem(s) found.", err=True)
        sys.exit(1)
    questions = sum(len(t.questions) for t in result.tracks)
    notices = f"; {len(result.notices)} translation notice(s)" if result.notices else ""
    click.echo(f"OK: {len(result.tracks)} track(s), {questions} questions, no problems{notices}.")


@banks_cli.command("sync")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@with_appcontext
def banks_sync(directory: str | None) -> None:
    """Load the banks into the database (idempotent): new versions, retirements."""
    from .banks.sync import sync_banks
    from .extensions import db
    from .models import now_utc

    result = None if directory else current_app.extensions.get("quizapp.banks")
    if result is None:
        result = load_banks(directory or current_app.config["BANKS_DIR"])
    if result.problems:
        _print_problems(result.problems)
        click.echo("Nothing was loaded: fix the problems above first.", err=True)
        sys.exit(1)
    report = sync_banks(db.session, result.tracks, now_utc())
    db.session.commit()
    click.echo(f"Synced {len(result.tracks)} track(s): {report}.")


def bank_stats(tracks, today: date | None = None) -> dict:
    """Per track: size, per-domain counts, 'choose N' share, difficulty mix, full exams
    without repeats, answer cues, enemy groups and how recently items were verified."""
    from .banks.cues import track_cues

    today = today or date.today()
    stats = {}
    for track in tracks:
        spec = track.spec
        weights = {d.slug: d.weight for d in spec.domains}
        counts = {slug: 0 for slug in weights}
        for q in track.questions:
            counts[q.domain] += 1
        full = full_exams_without_repeat(counts, weights, spec.max_questions)
        difficulty = Counter(q.spec.difficulty or "unlabelled" for q in track.questions)
        total = len(track.questions) or 1
        ages = [(today - date.fromisoformat(q.spec.verified)).days for q in track.questions if q.spec.verified]
        groups = Counter(g for q in track.questions for g in q.spec.enemy_groups)
        stale = {language: len(ids) for language, ids in track.stale_translations.items()}
        stats[spec.slug] = {
            "questions": len(track.questions),
            "domains": counts,
            "multiple_select": sum(isinstance(q.spec.answer, list) for q in track.questions),
            "difficulty": {level: round(100 * difficulty[level] / total, 1)
                           for level in ("easy", "medium", "hard", "unlabelled") if difficulty[level]},
            "full_exams_without_repeat": full,
            "cues": {kind: report.as_dict()
                     for kind, report in track_cues([q.spec for q in track.questions]).items()},
            "enemy_groups": {"groups": len(groups), "items": sum(groups.values())},
            "verified": {"items": len(ages), "never": len(track.questions) - len(ages),
                         "older_than_180_days": sum(age > STALE_DAYS for age in ages)},
            "translations": {
                language: {"translated": sum(language in q.translations for q in track.questions),
                           "stale": stale.get(language, 0),
                           "missing": len(track.questions) - sum(language in q.translations
                                                                 for q in track.questions) - stale.get(language, 0)}
                for language in spec.languages if language != "en"},
        }
    return stats


STALE_DAYS = 180


@banks_cli.command("stale")
@click.option("--days", default=STALE_DAYS, show_default=True, help="Older than this counts as stale.")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def banks_stale(days: int, directory: str | None) -> None:
    """List items not checked against the docs within --days (or never), oldest first."""
    result = load_banks(directory or default_banks_dir())
    today = date.today()
    stale = []
    for track in result.tracks:
        for q in track.questions:
            age = (today - date.fromisoformat(q.spec.verified)).days if q.spec.verified else None
            if age is None or age > days:
                stale.append((age if age is not None else 10**6, q))
    for age, q in sorted(stale, key=lambda pair: (-pair[0], pair[1].spec.id)):
        when = f"verified {q.spec.verified}" if q.spec.verified else "never verified"
        click.echo(f"{q.path}:{q.line}: {q.spec.id}: {when}")
    click.echo(f"{len(stale)} item(s) not verified in the last {days} days.", err=True)


@banks_cli.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def banks_stats(as_json: bool, directory: str | None) -> None:
    """Questions per track and domain, 'choose N' share, full exams without repeats."""
    result = load_banks(directory or default_banks_dir())
    stats = bank_stats(result.tracks)
    if as_json:
        click.echo(json.dumps({"tracks": stats}, indent=2))
    else:
        for slug, s in stats.items():
            share = 100 * s["multiple_select"] / s["questions"] if s["questions"] else 0
            click.echo(f"{slug}: {s['questions']} questions, {s['multiple_select']} choose-N "
                       f"({share:.0f}%), {s['full_exams_without_repeat']} full exams without repeat")
            for domain, count in s["domains"].items():
                click.echo(f"  {domain}: {count}")
    if result.problems:
        click.echo(f"warning: {len(result.problems)} problem(s); run `banks check`.", err=True)


@banks_cli.command("translation-template")
@click.argument("track")
@click.argument("language")
@click.option("--domain", help="Only this domain.")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def banks_translation_template(track: str, language: str, domain: str | None, directory: str | None) -> None:
    """Print translation entries to fill in: every question of TRACK with no fresh LANGUAGE text.

    Each entry carries the English text and its `source` hash; replace the
    English with the translation and add the entries to
    translations/LANGUAGE/<domain>.yaml.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import LiteralScalarString

    from .banks.translations import source_hash

    result = load_banks(directory or default_banks_dir())
    bank = next((t for t in result.tracks if t.spec.slug == track), None)
    if bank is None:
        raise click.UsageError(f"no track {track!r} in the banks")
    by_domain: dict[str, list] = {}
    for q in bank.questions:
        if language in q.translations or (domain and q.domain != domain):
            continue
        spec = q.spec
        by_domain.setdefault(q.domain, []).append({
            "id": spec.id, "source": source_hash(spec.stem, spec.choices, spec.explanation),
            "stem": LiteralScalarString(spec.stem.rstrip() + "\n"), "choices": dict(spec.choices),
            "explanation": LiteralScalarString(spec.explanation.rstrip() + "\n")})
    yaml = YAML()
    yaml.width = 100
    for slug, entries in by_domain.items():
        click.echo(f"# translations/{language}/{slug}.yaml")
        yaml.dump({"language": language, "domain": slug, "questions": entries}, sys.stdout)


def _write_new_file(path: str, text: str) -> None:
    """Write text to a file that must not exist yet ("x" mode: no overwrite, even in a race)."""
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise click.ClickException(f"{path} already exists; name a new file") from None
    except OSError as error:
        raise click.ClickException(f"cannot write {path}: {error.strerror}") from None


@banks_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "file_format", required=True, type=click.Choice(["gift", "moodle-xml", "aiken"]),
              help="The file's format.")
@click.option("--track", required=True, help="The track the questions are for (sets the id prefix).")
@click.option("--domain", required=True, help="The domain they go into.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the domain file here (a new file).")
@click.option("--banks", "directory", type=click.Path(file_okay=False), help="Banks folder.")
def banks_import(file: str, file_format: str, track: str, domain: str, out: str | None,
                 directory: str | None) -> None:
    """Turn multiple choice questions from a GIFT, Moodle XML or Aiken FILE into a YAML domain file.

    Prints the YAML (or writes it to --out, never over an existing file), and on
    stderr each question it cannot convert as FILE:LINE: reason. Exits 1 when
    nothing converted.
    """
    from pathlib import Path

    from .banks.interchange import UnreadableFile, domain_yaml, import_questions, track_ids_and_domains

    folder = Path(directory or default_banks_dir()) / track
    if not (folder / "track.yaml").is_file():
        raise click.UsageError(f"no track {track!r} in {folder.parent}; import into an existing track")
    taken, domains = track_ids_and_domains(folder)
    if domain not in domains:
        raise click.UsageError(f"{domain!r} is not a domain of {track}; use one of {', '.join(domains)}")
    if out and Path(out).exists():
        raise click.ClickException(f"{out} already exists; import writes new files only, "
                                   "so name another file and merge by hand")
    try:
        result = import_questions(Path(file).read_bytes(), file_format, track=track, domain=domain,
                                  taken_ids=taken)
    except UnreadableFile as error:
        click.echo(f"{file}:{error.line or 1}: {error}", err=True)
        click.echo("Nothing converted.", err=True)
        sys.exit(1)
    for refusal in result.refusals:
        click.echo(refusal.at(file), err=True)
    for note in result.notes:
        click.echo(f"{note.at(file)} (note)", err=True)
    summary = (f"{len(result.questions)} question(s) converted for {track}/{domain}, "
               f"{len(result.refusals)} refused.")
    if result.incomplete:
        summary += (f" {result.incomplete} need an explanation or references (marked TODO) "
                    "before `banks check` passes.")
    if not result.questions:
        click.echo(f"{summary} Nothing to write.", err=True)
        sys.exit(1)
    text = domain_yaml(domain, result, file)
    if out:
        _write_new_file(out, text)
        click.echo(f"{summary} Wrote {out}.", err=True)
    else:
        click.echo(text, nl=False)
        click.echo(summary, err=True)


@banks_cli.command("export")
@click.option("--track", "slug", required=True, help="The track's slug.")
@click.option("--format", "file_format", required=True, type=click.Choice(["moodle-xml", "gift"]),
              help="Moodle XML or GIFT.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write here (a new file) instead of stdout.")
@click.option("--banks", "directory", type=click.Path(file_okay=False), help="Banks folder.")
def banks_export(slug: str, file_format: str, out: str | None, directory: str | None) -> None:
    """Write every question of a track for a Moodle site: one question category per domain."""
    from pathlib import Path

    from .banks.interchange import write_gift, write_moodle_xml

    if out and Path(out).exists():
        raise click.ClickException(f"{out} already exists; name a new file")
    result = load_banks(directory or default_banks_dir())
    track = next((t for t in result.tracks if t.spec.slug == slug), None)
    if track is None:
        known = ", ".join(t.spec.slug for t in result.tracks) or "none"
        raise click.UsageError(f"no track {slug!r} in the banks (known: {known})")
    questions = [(q.domain, q.spec) for q in track.questions]
    write = write_moodle_xml if file_format == "moodle-xml" else write_gift
    text = write(track.spec, questions)
    if out:
        _write_new_file(out, text)
    else:
        click.echo(text, nl=False)
    if result.problems:
        click.echo(f"warning: {len(result.problems)} problem(s) in the banks; items with problems were "
                   "left out; run `banks check`.", err=True)
    click.echo(f"Exported {len(questions)} question(s) of {slug} as {file_format}"
               f"{f' to {out}' if out else ''}.", err=True)


@click.group("exam")
def exam_cli() -> None:
    """Look at exams as the assembler builds them."""


@exam_cli.command("preview")
@click.option("--track", "slug", required=True, help="The track's slug.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--banks", "directory", type=click.Path(file_okay=False), help="Banks folder.")
def exam_preview(slug: str, seed: int, as_json: bool, directory: str | None) -> None:
    """Print an assembled exam (position, question id, domain) and counts per domain."""
    result = load_banks(directory or default_banks_dir())
    track = next((t for t in result.tracks if t.spec.slug == slug), None)
    if track is None:
        known = ", ".join(t.spec.slug for t in result.tracks) or "none"
        raise click.UsageError(f"no track {slug!r} in the banks (known: {known})")
    spec = track.spec
    exam = assemble(
        seed=seed, min_questions=spec.min_questions, max_questions=spec.max_questions,
        weights={d.slug: d.weight for d in spec.domains},
        candidates=[Candidate(q.spec.id, q.domain, tuple(q.spec.choices), q.spec.shuffle,
                              tuple(q.spec.enemy_groups)) for q in track.questions],
        times_seen={},
    )
    domains = {d.slug: exam.domain_counts().get(d.slug, 0) for d in spec.domains}
    questions = [{"position": i, "id": q.ref, "domain": q.domain}
                 for i, q in enumerate(exam.questions, start=1)]
    if as_json:
        click.echo(json.dumps({"track": slug, "seed": seed, "length": exam.length,
                               "questions": questions, "domains": domains}))
        return
    click.echo(f"{spec.title}: seed {seed}, {exam.length} questions")
    for q in questions:
        click.echo(f"{q['position']:>3}  {q['id']:<40} {q['domain']}")
    for domain, count in domains.items():
        click.echo(f"  {domain}: {count}")


@click.group("attempts")
def attempts_cli() -> None:
    """Maintain attempts."""


@attempts_cli.command("close-overdue")
@with_appcontext
def close_overdue() -> None:
    """Finish and score every attempt past its deadline and grace (run from cron)."""
    from .exams.attempts import close_overdue_attempts
    from .extensions import db
    from .models import now_utc

    closed = close_overdue_attempts(db.session, now_utc(), current_app.config["GRACE_SECONDS"])
    db.session.commit()
    click.echo(f"Closed {closed} overdue attempt(s).")


@click.group("users")
def users_cli() -> None:
    """Manage accounts."""


@users_cli.command("admin")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Take the administrator role away.")
@with_appcontext
def users_admin(email: str, revoke: bool) -> None:
    """Make the account with EMAIL an administrator (or, with --revoke, no longer one)."""
    from .extensions import db
    from .models import User

    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account has the email {email!r}")
    user.is_admin = not revoke
    db.session.commit()
    click.echo(f"{user.email} is {'no longer ' if revoke else ''}an administrator.")


@click.group("reports")
def reports_cli() -> None:
    """Learners' problem reports on questions."""


@reports_cli.command("list")
@click.option("--status", type=click.Choice(["open", "accepted", "rejected", "fixed"]), default="open",
              show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def reports_list(status: str, as_json: bool) -> None:
    """Reports grouped by question, with the item's text, key, explanation, links and statistics
    (as `items stats` gives them; null before any finished exam answered it)."""
    from .extensions import db
    from .reports import report_groups

    groups = report_groups(db.session, status)
    data = [{"question": g.bank_id, "version": g.version.id, "stem": g.version.stem,
             "choices": {c["key"]: c["text"] for c in g.version.choices}, "answer": g.version.answer,
             "explanation": g.version.explanation, "references": g.version.references,
             "statistics": _stats_fields(g.stats) if g.stats else None,
             "reports": [{"id": r.id, "reason": r.reason, "comment": r.comment, "by": r.user.email,
                          "status": r.status, "note": r.note, "created_at": r.created_at.isoformat()}
                         for r in g.reports]} for g in groups]
    if as_json:
        click.echo(json.dumps({"status": status, "questions": data}, indent=2, ensure_ascii=False))
        return
    for g in data:
        click.echo(f"{g['question']} (version {g['version']}): {len(g['reports'])} report(s); "
                   f"key {', '.join(g['answer'])}")
        click.echo(f"  statistics: {_stats_line(g['statistics'])}" if g["statistics"]
                   else "  statistics: no responses in finished attempts yet")
        for reason in (g["statistics"] or {}).get("review", []):
            click.echo(f"  REVIEW: {reason}")
        for r in g["reports"]:
            click.echo(f"  #{r['id']} {r['reason']} by {_shown(r['by'])} {r['created_at']}: "
                       f"{_shown(r['comment']) if r['comment'] else '-'}")
    click.echo(f"{sum(len(g['reports']) for g in data)} {status} report(s) on {len(data)} question(s).")


def _shown(text: str) -> str:
    """A learner's text on one terminal line: line breaks, escape sequences and
    other unprintable characters (bidi overrides too) shown as \\uXXXX, so a
    comment can neither forge report lines nor drive the author's terminal."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


@click.group("items")
def items_cli() -> None:
    """Item statistics for authors."""


ITEM_FIELDS = ["track", "bank_id", "version_id", "domain", "responses", "facility", "discrimination",
               "choice_rates", "mean_seconds", "flag_rate", "changed_rate", "review"]


def _stats_fields(s) -> dict:
    """One version's item statistics as `items stats --json` prints them."""
    return {"responses": s.responses, "facility": round(s.facility, 4),
            "discrimination": None if s.discrimination is None else round(s.discrimination, 4),
            "choice_rates": {k: round(v, 4) for k, v in s.choice_rates.items()},
            "mean_seconds": round(s.mean_seconds, 1), "flag_rate": round(s.flag_rate, 4),
            "changed_rate": round(s.changed_rate, 4), "review": s.review}


def _stats_line(row: dict) -> str:
    """The figures of `_stats_fields` on one line."""
    disc = "-" if row["discrimination"] is None else f"{row['discrimination']:.2f}"
    choices = " ".join(f"{k}={v:.0%}" for k, v in row["choice_rates"].items())
    return (f"n={row['responses']} facility={row['facility']:.2f} discrimination={disc} [{choices}] "
            f"time={row['mean_seconds']:.0f}s flagged={row['flag_rate']:.0%} changed={row['changed_rate']:.0%}")


def _item_row(report) -> dict:
    return {"track": report.track, "bank_id": report.bank_id, "version_id": report.version_id,
            "domain": report.domain, **_stats_fields(report.stats)}


@items_cli.command("stats")
@click.option("--track", "slug", help="Only this track (its slug).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV, one row per question version.")
@with_appcontext
def items_stats(slug: str | None, as_json: bool, as_csv: bool) -> None:
    """Per question version, from finished attempts: facility, discrimination, choices, time,
    flags, changed answers; items to review are marked with the reason."""
    import csv
    import io

    from .extensions import db
    from .measure.evidence import item_reports
    from .models import Track

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    if slug and db.session.scalar(db.select(Track.id).where(Track.slug == slug)) is None:
        known = ", ".join(db.session.scalars(db.select(Track.slug).order_by(Track.slug))) or "none"
        raise click.UsageError(f"no track {slug!r} in the database (known: {known})")
    rows = [_item_row(r) for r in item_reports(db.session, slug)]
    if as_json:
        click.echo(json.dumps({"items": rows}, indent=2))
    elif as_csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=ITEM_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "discrimination": "" if row["discrimination"] is None else row["discrimination"],
                             "choice_rates": " ".join(f"{k}={v:.2f}" for k, v in row["choice_rates"].items()),
                             "review": "; ".join(row["review"])})
        click.echo(buffer.getvalue(), nl=False)
    else:
        if not rows:
            click.echo("No responses in finished attempts yet.")
        for row in rows:
            click.echo(f"{row['track']}/{row['bank_id']} v{row['version_id']}: {_stats_line(row)}")
            for reason in row["review"]:
                click.echo(f"  REVIEW: {reason}")
        marked = sum(1 for row in rows if row["review"])
        click.echo(f"{len(rows)} question version(s), {marked} marked for review.", err=True)


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app (the test runner invokes app.cli)."""
    for group in (banks_cli, exam_cli, attempts_cli, users_cli, reports_cli, items_cli):
        app.cli.add_command(group)
