"""One recommended next step from the learner's own data, with the reason shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..translatable import N_


@dataclass(frozen=True)
class DomainRecord:
    """How a learner stands in one domain: their latest answer to each question seen."""

    slug: str
    title: str
    seen: int = 0
    correct: int = 0

    @property
    def percent(self) -> float:
        """Share of the latest answers that were right."""
        return 100.0 * self.correct / self.seen if self.seen else 0.0


@dataclass(frozen=True)
class TrackRecord:
    """A track as the learner stands in it."""

    slug: str
    title: str
    pass_percent: int
    due: int
    domains: Sequence[DomainRecord] = field(default_factory=tuple)
    mock_under_way: int | None = None   # the attempt id of a mock in progress, its time not run out


@dataclass(frozen=True)
class Advice:
    """The next step: "resume" (a mock), "review", "drill" (a domain) or "mock"; the track, and why.

    `message` is English marked for translation and `values` fill it; the
    page translates it with the track's and domain's titles in its language
    (`track` and `domain` in `values` hold the English titles).
    """

    action: str
    track: str
    message: str
    values: Mapping[str, object] = field(default_factory=dict)
    domain: str | None = None
    attempt: int | None = None

    @property
    def reason(self) -> str:
        """The reason in English."""
        return self.message % self.values

    def values_with(self, **titles: object) -> dict[str, object]:
        """The values, with the titles given (translated ones) in place of the English."""
        return {**self.values, **titles}


def next_step(tracks: Sequence[TrackRecord]) -> Advice | None:
    """Finish a mock under way first; then review what is due, drill the weakest
    domain, sit a mock.

    A running mock comes first: its clock runs, and practice on its track is
    refused until it ends. Due questions win because a review delayed is a review half lost. A
    domain below the pass mark (its latest answers) is drilled, weakest
    first; a domain never answered counts as the weakest, since we cannot
    know. When every domain is at or above the pass mark, a full mock tests
    it under time. None when there are no tracks.
    """
    if not tracks:
        return None
    running = next((t for t in tracks if t.mock_under_way is not None), None)
    if running is not None:
        return Advice("resume", running.slug, N_("Your %(track)s mock exam is under way and its clock is "
                                                 "running: finish it first."),
                      {"track": running.title}, attempt=running.mock_under_way)
    due = max(tracks, key=lambda t: t.due)
    if due.due:
        # Two messages rather than a plural form: English and Japanese need no more.
        message = (N_("%(n)s question is due for review in %(track)s: reviewing them now keeps what you learned.")
                   if due.due == 1 else
                   N_("%(n)s questions are due for review in %(track)s: reviewing them now keeps what you learned."))
        return Advice("review", due.slug, message, {"n": due.due, "track": due.title})
    answered = [t for t in tracks if any(d.seen for d in t.domains)]
    if not answered:
        first = tracks[0]
        return Advice("mock", first.slug, N_("You have no answers yet: a full %(track)s mock "
                                             "shows which domains to work on."), {"track": first.title})
    weakest: tuple[float, int, TrackRecord, DomainRecord] | None = None
    for order, track in enumerate(answered):
        for domain in track.domains:
            gap = (domain.percent - track.pass_percent) if domain.seen else -1000.0
            if gap < 0 and (weakest is None or gap < weakest[0]):
                weakest = (gap, order, track, domain)
    if weakest is not None:
        _, _, track, domain = weakest
        values = {"domain": domain.title, "track": track.title}
        if not domain.seen:
            message = N_("You have not answered any %(domain)s questions in %(track)s yet.")
        else:
            message = N_("%(domain)s is your weakest domain in %(track)s: "
                         "%(percent)s %% right, below the %(pass_mark)s %% pass mark.")
            values.update(percent=f"{domain.percent:.0f}", pass_mark=track.pass_percent)
        return Advice("drill", track.slug, message, values, domain.slug)
    track = answered[0]
    return Advice("mock", track.slug, N_("Every %(track)s domain is at or above the "
                                         "%(pass_mark)s %% pass mark: sit a full mock under time."),
                  {"track": track.title, "pass_mark": track.pass_percent})


def domain_records(domains: Sequence[Mapping[str, str]],
                   counts: Mapping[str, tuple[int, int]]) -> list[DomainRecord]:
    """Domain records in the track's order from `{slug: (seen, correct)}`."""
    return [DomainRecord(d["slug"], d["title"], *counts.get(d["slug"], (0, 0))) for d in domains]
