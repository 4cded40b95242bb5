"""Row generators: pools drawn once from Faker, combined by one random generator."""

from __future__ import annotations

import bisect
import heapq
import math
import random
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from faker import Faker
from stdnum.fr import siret as stdnum_siret

from demo.reference import (
    CARD_REVIEW_TEXTS,
    CITIES,
    CLASSIC_STREETS,
    COMPANY_FORMS,
    COMPANY_NAMES,
    DURATIONS,
    EMAIL_DOMAINS,
    HOURLY_RATE,
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    PRICE_MAX,
    PRICE_MIN,
    RATING_WEIGHTS,
    SERVICE_DEMAND,
    SERVICE_OFFER,
    TERMS_VERSIONS,
    TRADE_NAMES,
)
from demo.values import _cumulative, _mobile, _pick, _slug, siret_for
from marketplace.models import (
    BookingStatus,
    ServiceKind,
    VettingStatus,
)
from reviews.workflow import ModerationStatus

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Scale:
    providers: int
    clients: int
    bookings: int
    reviews: int


SCALES = {
    "small": Scale(providers=300, clients=2_000, bookings=8_000, reviews=3_000),
    "large": Scale(providers=50_000, clients=500_000, bookings=2_000_000, reviews=1_000_000),
    # Ten times large: the proof that no page, search, sweep or report costs more as data grows.
    "xlarge": Scale(providers=500_000, clients=5_000_000, bookings=20_000_000, reviews=10_000_000),
}
BIG_SCALES = ("large", "xlarge")  # bulk-loaded with indexes rebuilt afterwards, then analysed
DEFAULT_SEED = 2026
CHUNK = 5_000  # rows per executemany (SQLite and other non-PostgreSQL databases)
DAY = 86_400.0


class _Pools:
    """Names, streets and companies drawn once from Faker, combined by the random generator."""

    def __init__(self, seed: int, size: int):
        fake = Faker("fr_FR")
        fake.seed_instance(seed)
        self.first_names = [fake.first_name() for _ in range(size)]
        self.last_names = [fake.last_name() for _ in range(size)]
        self.streets = list(CLASSIC_STREETS) + [fake.street_name() for _ in range(280)]
        self.cities = [name for name, _, _ in CITIES]
        self.postcodes = [postcodes for _, postcodes, _ in CITIES]
        self.city_cum = list(_cumulative(weight for _, _, weight in CITIES))
        self.domains = [d for d, _ in EMAIL_DOMAINS]
        self.domain_cum = list(_cumulative(w for _, w in EMAIL_DOMAINS))


def _terms_version(when: datetime) -> str:
    day = when.date()
    version = TERMS_VERSIONS[0][0]
    for name, since in TERMS_VERSIONS:
        if day >= since:
            version = name
    return version


class _Generator:
    def __init__(self, scale: Scale, seed: int, anchor: datetime, echo: Echo):
        self.scale = scale
        self.rng = random.Random(seed)
        self.anchor = anchor  # today, midnight UTC: every date is relative to it
        self.anchor_ts = anchor.timestamp()
        self.echo = echo
        self.pools = _Pools(seed, 2_000)
        self.used_emails: set[str] = set()
        # Filled while generating, used by later tables.
        self.provider_city = array("H")
        self.provider_joined = array("d")
        self.provider_services: list[tuple[ServiceKind, ...]] = []
        self.provider_poor = bytearray()
        self.provider_legal: list[str] = []
        self.provider_vetting: list[VettingStatus] = []
        self.approved: list[int] = []
        self.old_providers: list[int] = []  # approved, joined before any booking was made
        self.old_clients = array("l")  # signed up before any booking was made
        self.approved_cum: list[float] = []
        self.client_created = array("d")
        self.clients_by_city: list[array] = [array("l") for _ in CITIES]
        self.review_booking = array("l")
        self.review_provider = array("l")
        self.review_client = array("l")
        self.review_submitted = array("d")
        self.reviewed: list[int] = []  # indexes of the review candidates that were reviewed
        self.unreviewed_recent: list[int] = []  # completed bookings left for the ORM card reviews
        self.first_provider = self.first_client = 1  # set by seed() from the tables' current ids
        self.terms_ids: dict[str, int] = {}  # cancellation terms by label, set by seed()

    # -- helpers --

    def _ts(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, UTC)

    def _email(self, local: str, domain: str) -> str:
        email = f"{local}@{domain}"
        n = 2
        while email in self.used_emails:
            email = f"{local}{n}@{domain}"
            n += 1
        self.used_emails.add(email)
        return email

    def _person_local(self, first: str, last: str) -> str:
        rng = self.rng
        f, la = _slug(first, "-"), _slug(last, "-")
        style = rng.random()
        if style < 0.45:
            local = f"{f}.{la}"
        elif style < 0.6:
            local = f"{f[0]}{la}"
        elif style < 0.7:
            local = f"{f}_{la}"
        elif style < 0.8:
            local = f"{la}.{f}"
        else:
            local = f"{f}.{la}{rng.randint(1, 99)}"
        return local

    def _city(self) -> tuple[int, str]:
        index = bisect.bisect(self.pools.city_cum, self.rng.random() * self.pools.city_cum[-1])
        return index, self.rng.choice(self.pools.postcodes[index])

    def _address(self) -> str:
        rng = self.rng
        number = rng.randint(1, 180) if rng.random() < 0.9 else rng.randint(1, 40)
        suffix = rng.choice((" bis", " ter")) if rng.random() < 0.04 else ""
        return f"{number}{suffix} {rng.choice(self.pools.streets)}"

    # -- providers --

    def providers(self, first_id: int) -> Iterator[tuple]:
        rng, pools = self.rng, self.pools
        weights: list[float] = []
        for n in range(self.scale.providers):
            pid = first_id + n
            first, last = rng.choice(pools.first_names), rng.choice(pools.last_names)
            city_index, postcode = self._city()
            city = pools.cities[city_index]
            if rng.random() < 0.55:  # a micro-entrepreneur: the legal name is the person's
                legal = f"{first} {last} EI"
                trade = rng.choice(TRADE_NAMES) if rng.random() < 0.6 else None
                local = self._person_local(first, last)
                email = self._email(local, _pick(rng, pools.domains, pools.domain_cum))
            else:
                template = rng.choice(COMPANY_NAMES)
                base = template.format(last=last, last2=rng.choice(pools.last_names), city=city)
                legal = f"{base} {rng.choice(COMPANY_FORMS)}"
                trade = rng.choice(TRADE_NAMES) if rng.random() < 0.5 else None
                email = self._email(
                    rng.choice(("contact", "bonjour", "devis", "info")), _slug(base, "-") + ".fr"
                )
            if trade:
                trade = trade.format(first=first, last=last, city=city)
            services = tuple(kind for kind, share in SERVICE_OFFER.items() if rng.random() < share)
            services = services or (ServiceKind.REGULAR_CLEANING,)
            status_draw = rng.random()
            if status_draw < 0.10:
                status = VettingStatus.NOT_VETTED  # applicants: joined recently
                joined_days = rng.uniform(1, 60)
            elif status_draw < 0.13:
                status = VettingStatus.REJECTED
                joined_days = rng.uniform(30, 730)
            else:
                status = VettingStatus.APPROVED
                joined_days = rng.uniform(735, 2190) if rng.random() < 0.6 else rng.uniform(30, 730)
            joined_ts = self.anchor_ts - joined_days * DAY
            joined = self._ts(joined_ts)
            siret = siret_for(pid)
            if not stdnum_siret.is_valid(siret):  # never happens for the ids we use; fail loudly
                raise ValueError(f"generated an invalid SIRET {siret} for provider {pid}")
            self.provider_city.append(city_index)
            self.provider_joined.append(joined_ts)
            self.provider_services.append(services)
            self.provider_poor.append(1 if rng.random() < 0.04 else 0)
            self.provider_legal.append(legal)
            self.provider_vetting.append(status)
            if status == VettingStatus.APPROVED:
                self.approved.append(pid)
                if joined_days >= 735:  # before the first booking: a safe fallback
                    self.old_providers.append(pid)
                weights.append(rng.lognormvariate(0, 0.8))
            created = joined.replace(hour=rng.randint(7, 18), minute=rng.randint(0, 59))
            yield (
                pid,
                legal,
                trade,
                siret,
                email,
                _mobile(rng),
                self._address(),
                postcode,
                city,
                sorted(s.value for s in services),
                joined.date(),
                status.value,
                created,
                1,
            )
        self.approved_cum = list(_cumulative(weights))

    PROVIDER_COLUMNS = (
        "id",
        "legal_name",
        "trade_name",
        "siret",
        "email",
        "phone",
        "address_line",
        "postcode",
        "city",
        "services",
        "joined_on",
        "vetting_status",
        "created_at",
        "version",
    )

    # -- clients --

    def clients(self, first_id: int) -> Iterator[tuple]:
        rng, pools = self.rng, self.pools
        for n in range(self.scale.clients):
            cid = first_id + n
            first, last = rng.choice(pools.first_names), rng.choice(pools.last_names)
            city_index, postcode = self._city()
            created_days = rng.uniform(735, 1460) if rng.random() < 0.55 else rng.uniform(1, 730)
            created_ts = self.anchor_ts - created_days * DAY
            created = self._ts(created_ts)
            self.client_created.append(created_ts)
            if created_days >= 735:
                self.old_clients.append(cid)
            self.clients_by_city[city_index].append(cid)
            consents = (rng.random() < 0.35, rng.random() < 0.2, rng.random() < 0.08)
            has_address = rng.random() < 0.95
            yield (
                cid,
                f"{first} {last}",
                self._email(self._person_local(first, last), _pick(rng, pools.domains, pools.domain_cum)),
                _mobile(rng) if rng.random() < 0.85 else None,
                postcode if has_address else None,
                pools.cities[city_index] if has_address else None,
                *consents,
                created if any(consents) else None,
                created,
                1,
            )

    CLIENT_COLUMNS = (
        "id",
        "full_name",
        "email",
        "phone",
        "postcode",
        "city",
        "consent_marketing_email",
        "consent_marketing_sms",
        "consent_partner_sharing",
        "consents_updated_at",
        "created_at",
        "version",
    )

    # -- bookings --

    def _creation_times(self) -> Iterator[tuple[float, bool]]:
        """(created_ts, advance) for every booking, oldest first.

        Most bookings are made a few days ahead over the last two years (more recently: the
        marketplace grows); about a fifth are recurring bookings made up to two months ahead.
        """
        rng, anchor, total = self.rng, self.anchor_ts, self.scale.bookings
        advance_count = round(total * 0.19)
        span = 730 * DAY
        ordinary = sorted(
            anchor - span * (1 - math.sqrt(rng.random())) - 2 * DAY for _ in range(total - advance_count)
        )
        advance = sorted(anchor - rng.random() * 58 * DAY for _ in range(advance_count))
        return heapq.merge(((t, False) for t in ordinary), ((t, True) for t in advance))

    def _pick_provider(self, created_ts: float) -> int:
        rng, approved, cum = self.rng, self.approved, self.approved_cum
        for _ in range(8):
            pid = approved[bisect.bisect(cum, rng.random() * cum[-1])]
            if self.provider_joined[pid - self.first_provider] <= created_ts:
                return pid
        return rng.choice(self.old_providers) if self.old_providers else pid

    def _pick_client(self, city_index: int, created_ts: float) -> int:
        rng = self.rng
        local = self.clients_by_city[city_index]
        for attempt in range(8):
            pool = local if (attempt < 4 and local and rng.random() < 0.85) else None
            if pool is not None:
                cid = pool[int(rng.random() * len(pool))]
            else:
                cid = self.first_client + int(rng.random() * self.scale.clients)
            if self.client_created[cid - self.first_client] <= created_ts:
                return cid
        return rng.choice(self.old_clients) if self.old_clients else cid

    def bookings(self, first_id: int) -> Iterator[tuple]:
        rng, anchor = self.rng, self.anchor_ts
        demand = {kind: weight for kind, weight in SERVICE_DEMAND.items()}
        for n, (created_ts, advance) in enumerate(self._creation_times()):
            bid = first_id + n
            pid = self._pick_provider(created_ts)
            pindex = pid - self.first_provider
            cid = self._pick_client(self.provider_city[pindex], created_ts)
            offered = self.provider_services[pindex]
            service = (
                rng.choices(offered, weights=[demand[s] for s in offered])[0]
                if len(offered) > 1
                else offered[0]
            )
            if advance:
                start_ts = rng.uniform(max(created_ts + 3600, anchor + DAY), created_ts + 60 * DAY)
            else:
                start_ts = created_ts + min(rng.expovariate(1 / (3 * DAY)), 21 * DAY) + 2 * 3600
            day = self._ts(start_ts).replace(hour=0, minute=0, second=0, microsecond=0)
            start = day + timedelta(hours=rng.randint(6, 16), minutes=rng.choice((0, 0, 15, 30, 30, 45)))
            if start.timestamp() <= created_ts:
                start += timedelta(days=1)
            duration = rng.choice(DURATIONS[service])
            low, high = HOURLY_RATE[service]
            price = round(rng.uniform(low, high) * duration / 60 * 2) * 50  # whole half-euros
            price = min(max(price, PRICE_MIN), PRICE_MAX)
            end_ts = start.timestamp() + duration * 60
            if end_ts > anchor:
                status = BookingStatus.CANCELLED if rng.random() < 0.07 else BookingStatus.SCHEDULED
            else:
                status = BookingStatus.CANCELLED if rng.random() < 0.105 else BookingStatus.COMPLETED
            created = self._ts(created_ts)
            if status == BookingStatus.COMPLETED:  # a candidate for a review, if written by now
                submitted_ts = end_ts + min(rng.expovariate(1 / (1.5 * DAY)), 14 * DAY) + 1800
                if submitted_ts < anchor:
                    self.review_booking.append(bid)
                    self.review_provider.append(pid)
                    self.review_client.append(cid)
                    self.review_submitted.append(submitted_ts)
            yield (
                bid,
                cid,
                pid,
                service.value,
                start,
                duration,
                price,
                "EUR",
                status.value,
                self.terms_ids[_terms_version(created)],
                created,
            )

    BOOKING_COLUMNS = (
        "id",
        "client_id",
        "provider_id",
        "service",
        "scheduled_start",
        "duration_minutes",
        "price_cents",
        "currency",
        "status",
        "cancellation_terms_id",
        "created_at",
    )

    # -- reviews --

    def _review_text(self, rating: int) -> str:
        rng = self.rng
        if rng.random() < 0.12:
            return ""
        pool = POSITIVE if rating >= 4 else NEUTRAL if rating == 3 else NEGATIVE
        sentences = rng.sample(pool, rng.choice((1, 1, 2, 2, 3)))
        if rating == 3 and rng.random() < 0.5:
            sentences.insert(0, rng.choice(POSITIVE))
        return " ".join(sentences)

    def choose_reviews(self) -> int:
        """Pick which completed bookings were reviewed (at most one review each)."""
        candidates = len(self.review_booking)
        wanted = min(self.scale.reviews - len(CARD_REVIEW_TEXTS), candidates)
        self.reviewed = self.rng.sample(range(candidates), wanted)
        chosen = bytearray(candidates)
        for i in self.reviewed:
            chosen[i] = 1
        recent = self.anchor_ts - 30 * DAY
        for i in range(candidates - 1, -1, -1):  # recent, unreviewed: for the ORM card reviews
            if len(self.unreviewed_recent) >= 50 or self.review_submitted[i] < recent:
                break
            if not chosen[i]:
                self.unreviewed_recent.append(self.review_booking[i])
        return wanted

    def reviews(self, first_id: int) -> Iterator[tuple]:
        rng, anchor = self.rng, self.anchor_ts
        submitted = self.review_submitted
        order = sorted(self.reviewed, key=submitted.__getitem__)  # ids follow submission
        ratings = (1, 2, 3, 4, 5)
        for n, i in enumerate(order):
            pid = self.review_provider[i]
            poor = self.provider_poor[pid - self.first_provider]
            rating = rng.choices(ratings, weights=RATING_WEIGHTS["poor" if poor else "good"])[0]
            age_days = (anchor - submitted[i]) / DAY
            draw = rng.random()
            if (age_days < 7 and draw < 0.4) or draw < 0.01:
                moderation = ModerationStatus.PENDING
            elif draw < (0.13 if rating <= 2 else 0.03):
                moderation = ModerationStatus.HIDDEN
            else:
                moderation = ModerationStatus.PUBLISHED
            yield (
                first_id + n,
                self.review_booking[i],
                pid,
                self.review_client[i],
                rating,
                self._review_text(rating),
                self._ts(submitted[i]),
                moderation.value,
            )

    REVIEW_COLUMNS = (
        "id",
        "booking_id",
        "provider_id",
        "client_id",
        "rating",
        "text",
        "submitted_at",
        "moderation_status",
    )
