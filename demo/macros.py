"""Ten macros the support team shares, in French: seeded once (a re-run adds only missing ones)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from console.db import db
from disputes.complaints.models import EntryKind, Macro
from disputes.complaints.workflow import Category, Severity, Then

SIGNATURE = "\n\nBien cordialement,\n{agent}\nService client Ekoklean"

# (title, reply, written to, button offered, category, severity, internal note)
MACROS = (
    (
        "Accusé de réception",
        "Bonjour {prenom},\n\nNous avons bien reçu votre réclamation {reference} et nous nous en "
        "occupons. Nous reviendrons vers vous au plus tard le {echeance}.",
        EntryKind.TO_CLIENT, Then.SEND, None, None, None,
    ),
    (
        "Demande de précisions",
        "Bonjour {prenom},\n\nAfin de bien comprendre votre réclamation {reference}, pourriez-vous "
        "nous préciser la date, l'heure et le déroulé exact des faits ? Dès votre réponse, nous "
        "reprenons l'instruction de votre dossier.",
        EntryKind.TO_CLIENT, Then.WAIT_ON_CLIENT, None, None, None,
    ),
    (
        "Dommage : demande de photos",
        "Bonjour {prenom},\n\nNous sommes désolés pour le dommage que vous signalez. Pour traiter "
        "votre réclamation {reference}, pourriez-vous nous envoyer des photos de l'objet abîmé et, si "
        "possible, sa facture ou une estimation de sa valeur ?",
        EntryKind.TO_CLIENT, Then.WAIT_ON_CLIENT, Category.DAMAGE, None,
        "Dommage déclaré : vérifier l'assurance RC Pro du prestataire avant toute proposition.",
    ),
    (
        "Retard : excuses",
        "Bonjour {prenom},\n\nNous vous présentons nos excuses pour le retard de votre prestataire. "
        "Nous lui avons rappelé l'importance de la ponctualité et restons à votre disposition.",
        EntryKind.TO_CLIENT, Then.SEND, Category.LATENESS, None, None,
    ),
    (
        "Prestataire absent : nouvelle intervention",
        "Bonjour {prenom},\n\nNous sommes sincèrement désolés que personne ne soit venu. Nous vous "
        "proposons une nouvelle intervention sans frais, au créneau de votre choix : répondez-nous "
        "simplement avec vos disponibilités.",
        EntryKind.TO_CLIENT, Then.WAIT_ON_CLIENT, Category.NO_SHOW, None,
        "Absence du prestataire : vérifier le remboursement de la réservation.",
    ),
    (
        "Signalement de sécurité : prise en charge urgente",
        "Bonjour {prenom},\n\nNous prenons votre signalement très au sérieux. Un responsable examine "
        "votre réclamation {reference} en priorité et vous contactera aujourd'hui.",
        EntryKind.TO_CLIENT, Then.SEND, Category.SAFETY, Severity.CRITICAL,
        "Sécurité : vérifier la proposition de restriction du prestataire et prévenir le responsable.",
    ),
    (
        "Demande de version au prestataire",
        "Bonjour,\n\nUn client nous a signalé un problème lors de l'une de vos interventions "
        "(réclamation {reference}). Pourriez-vous nous donner votre version des faits sous 48 heures ?",
        EntryKind.TO_PROVIDER, Then.SEND, None, None, None,
    ),
    (
        "Facturation : correction",
        "Bonjour {prenom},\n\nVous avez raison : une erreur de facturation s'est glissée dans votre "
        "réservation. Nous l'avons corrigée et le trop-perçu vous sera remboursé sous 5 à 10 jours "
        "ouvrés sur votre moyen de paiement.",
        EntryKind.TO_CLIENT, Then.RESOLVE, Category.BILLING, None, None,
    ),
    (
        "Résolution : solution apportée",
        "Bonjour {prenom},\n\nNous considérons votre réclamation {reference} comme résolue. Si ce "
        "n'est pas le cas, répondez simplement à ce message dans les 7 jours et nous la rouvrirons.",
        EntryKind.TO_CLIENT, Then.RESOLVE, None, None, None,
    ),
    (
        "Sans réponse du client",
        "Bonjour {prenom},\n\nSans nouvelles de votre part, nous clôturons votre réclamation "
        "{reference}. Vous pouvez la rouvrir en répondant à ce message dans les 7 jours.",
        EntryKind.TO_CLIENT, Then.RESOLVE, None, None, None,
    ),
)  # fmt: skip


def seed_macros(*, now: datetime, actor: str = "system:demo-seed") -> int:
    """Add the shared macros that are missing; returns how many were added."""
    present = set(db.session.scalars(sa.select(Macro.title)))
    added = 0
    for title, body, recipient, then, category, severity, note in MACROS:
        if title in present:
            continue
        signed = body + SIGNATURE if recipient != EntryKind.NOTE else body
        db.session.add(
            Macro(
                title=title, body=signed, recipient=recipient, then=then, set_category=category,
                set_severity=severity, note=note, active=True, updated_at=now, updated_by=actor,
            )
        )  # fmt: skip
        added += 1
    db.session.flush()
    return added
