"""One recommended next step from the learner's own data, with the reason shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


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


@dataclass(frozen=True)
class Advice:
    """The next step: "review", "drill" (a domain) or "mock"; the track, and why."""

    action: str
    track: str
    reason: str
    domain: str | None = None


def next_step(tracks: Sequence[TrackRecord]) -> Advice | None:
    """Review what is due first, then drill the weakest domain, then sit a mock.

    Due questions win because a review delayed is a review half lost. A
    domain below the pass mark (its latest answers) is drilled, weakest
    first; a domain never answered counts as the weakest, since we cannot
    know. When every domain is at or above the pass mark, a full mock tests
    it under time. None when there are no tracks.
    """
    if not tracks:
        return None
    due = max(tracks, key=lambda t: t.due)
    if due.due:
        noun = "question is" if due.due == 1 else "questions are"
        return Advice("review", due.slug, f"{due.due} {noun} due for review in {due.title}: "
                                          "reviewing them now keeps what you learned.")
    answered = [t for t in tracks if any(d.seen for d in t.domains)]
    if not answered:
        first = tracks[0]
        return Advice("mock", first.slug, f"You have no answers yet: a full {first.title} mock "
                                          "shows which domains to work on.")
    weakest: tuple[float, int, TrackRecord, DomainRecord] | None = None
    for order, track in enumerate(answered):
        for domain in track.domains:
            gap = (domain.percent - track.pass_percent) if domain.seen else -1000.0
            if gap < 0 and (weakest is None or gap < weakest[0]):
                weakest = (gap, order, track, domain)
    if weakest is not None:
        _, _, track, domain = weakest
        if not domain.seen:
            reason = f"You have not answered any {domain.title} questions in {track.title} yet."
        else:
            reason = (f"{domain.title} is your weakest domain in {track.title}: "
                      f"{domain.percent:.0f} % right, below the {track.pass_percent} % pass mark.")
        return Advice("drill", track.slug, reason, domain.slug)
    track = answered[0]
    return Advice("mock", track.slug, f"Every {track.title} domain is at or above the "
                                      f"{track.pass_percent} % pass mark: sit a full mock under time.")


def domain_records(domains: Sequence[Mapping[str, str]],
                   counts: Mapping[str, tuple[int, int]]) -> list[DomainRecord]:
    """Domain records in the track's order from `{slug: (seen, correct)}`."""
    return [DomainRecord(d["slug"], d["title"], *counts.get(d["slug"], (0, 0))) for d in domains]
