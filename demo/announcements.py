"""Demo policy versions: two published versions of the Politique de Protection du Client, the
latest significant and announced to every client (a few bounces), as the console would have
done it a month ago."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from console.auth.models import StaffUser
from console.db import db
from console.notifications.models import Notification, NotificationStatus
from policy import campaign, services
from policy.models import PolicyNotice

FIRST = """# Politique de Protection du Client

1. **Données personnelles** : vos données restent confidentielles ;
   elles ne sont jamais partagées sans votre consentement explicite.
2. **Paiements** : aucun détail de paiement n'est conservé sur nos serveurs.
3. **Prestataires** : chaque prestataire est vérifié (antécédents, compétences, références).
4. **Assurance** : chaque prestataire détient une assurance RC Pro.
5. **Avis** : vous pouvez noter chaque prestation.
6. **Service client** : nous répondons à chaque réclamation dans les délais annoncés.
7. **Prix et annulation** : le prix et les conditions d'annulation sont ceux affichés à la réservation.
8. **Mises à jour** : nous vous informons de tout changement important de cette politique.
"""
CANCELLATION = (
    "   L'annulation est gratuite jusqu'à 24 h avant ; ensuite 50 % du prix ; 100 % en cas d'absence.\n"
)
SECOND = FIRST.replace("à la réservation.\n", "à la réservation.\n" + CANCELLATION).replace(
    "de tout changement important", "par e-mail, avant son entrée en vigueur, de tout changement important"
)
SUMMARY = (
    "Conditions d'annulation précisées (gratuit jusqu'à 24 h avant, 50 % ensuite, 100 % en cas "
    "d'absence) ; changements annoncés par e-mail avant leur entrée en vigueur."
)
BOUNCES = 3


def seed_policy_versions(*, now: datetime, chunk: int = 50_000) -> int:
    """Publish the two versions and announce the second to every client; return the messages written."""
    staff = {s.email: s for s in db.session.scalars(sa.select(StaffUser))}
    drafter, publisher = staff["manager@demo.ekoklean.fr"], staff["admin@demo.ekoklean.fr"]
    _published(FIRST, "Version initiale.", significant=False, drafter=drafter, publisher=publisher,
                       published=now - timedelta(days=200), effective=now - timedelta(days=190))  # fmt: skip
    second = _published(
        SECOND,
        SUMMARY,
        significant=True, drafter=drafter, publisher=publisher,
        published=now - timedelta(days=35), effective=now - timedelta(days=5),
    )  # fmt: skip
    started_at = now - timedelta(days=34)
    announcement = campaign.start_campaign(second, actor=publisher, now=started_at)
    while campaign.run_chunk(announcement.id, now=started_at, chunk_size=chunk):
        pass
    _delivered(announcement.id, sent_at=started_at + timedelta(hours=6))
    return announcement.queued


def _published(body, summary, *, significant, drafter, publisher, published, effective):
    version = services.draft_version(
        title="Politique de Protection du Client", body=body, summary=summary, effective_at=effective,
        significant=significant, actor=drafter, now=published - timedelta(days=3),
    )  # fmt: skip
    services.submit_version(version, actor=drafter, now=published - timedelta(days=2))
    services.publish_version(version, actor=publisher, now=published)
    return version


def _delivered(campaign_id: int, *, sent_at: datetime) -> None:
    """The announcement went out: every message sent, but a few bounced."""
    related = sa.select(sa.cast(PolicyNotice.id, sa.String)).where(PolicyNotice.campaign_id == campaign_id)
    ours = sa.and_(Notification.related_type == "PolicyNotice", Notification.related_id.in_(related))
    db.session.execute(
        sa.update(Notification)
        .where(ours)
        .values(status=NotificationStatus.SENT, sent_at=sent_at, attempts=1, next_attempt_at=None)
    )
    bounced = sa.select(Notification.id).where(ours).order_by(Notification.id).limit(BOUNCES)
    db.session.execute(
        sa.update(Notification).where(Notification.id.in_(bounced)).values(
            status=NotificationStatus.FAILED, sent_at=None, attempts=5,
            last_error="SMTPRecipientsRefused: 550 5.1.1 user unknown",
        )
    )  # fmt: skip
