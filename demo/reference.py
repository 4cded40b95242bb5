"""Reference data for the demo: real French cities, streets, services, review sentences."""

from __future__ import annotations

from datetime import date, timedelta

from marketplace.models import (
    ServiceKind,
)

# Real French cities with their real postcodes and a rough population weight.
CITIES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("Paris", tuple(f"750{n:02d}" for n in range(1, 21)) + ("75116",), 2100),
    ("Marseille", tuple(f"130{n:02d}" for n in range(1, 17)), 870),
    ("Lyon", tuple(f"6900{n}" for n in range(1, 10)), 520),
    ("Toulouse", ("31000", "31100", "31200", "31300", "31400", "31500"), 500),
    ("Nice", ("06000", "06100", "06200", "06300"), 340),
    ("Nantes", ("44000", "44100", "44200", "44300"), 320),
    ("Montpellier", ("34000", "34070", "34080", "34090"), 300),
    ("Strasbourg", ("67000", "67100", "67200"), 290),
    ("Bordeaux", ("33000", "33100", "33200", "33300", "33800"), 260),
    ("Lille", ("59000", "59160", "59260", "59800"), 235),
    ("Rennes", ("35000", "35200", "35700"), 222),
    ("Reims", ("51100",), 180),
    ("Toulon", ("83000", "83100", "83200"), 180),
    ("Saint-Étienne", ("42000", "42100"), 173),
    ("Le Havre", ("76600", "76610", "76620"), 166),
    ("Grenoble", ("38000", "38100"), 158),
    ("Dijon", ("21000",), 159),
    ("Angers", ("49000", "49100"), 157),
    ("Villeurbanne", ("69100",), 156),
    ("Nîmes", ("30000", "30900"), 148),
    ("Clermont-Ferrand", ("63000", "63100"), 147),
    ("Aix-en-Provence", ("13090", "13100", "13290", "13540"), 145),
    ("Le Mans", ("72000", "72100"), 143),
    ("Brest", ("29200",), 139),
    ("Tours", ("37000", "37100", "37200"), 136),
    ("Amiens", ("80000", "80080", "80090"), 133),
    ("Limoges", ("87000", "87100", "87280"), 130),
    ("Annecy", ("74000", "74370", "74600", "74940", "74960"), 130),
    ("Perpignan", ("66000", "66100"), 120),
    ("Boulogne-Billancourt", ("92100",), 121),
    ("Metz", ("57000", "57050", "57070"), 117),
    ("Besançon", ("25000",), 117),
    ("Orléans", ("45000", "45100"), 116),
    ("Saint-Denis", ("93200", "93210"), 113),
    ("Argenteuil", ("95100",), 111),
    ("Rouen", ("76000", "76100"), 111),
    ("Montreuil", ("93100",), 111),
    ("Mulhouse", ("68100", "68200"), 108),
    ("Caen", ("14000",), 106),
    ("Nancy", ("54000", "54100"), 104),
    ("Tourcoing", ("59200",), 98),
    ("Roubaix", ("59100",), 98),
    ("Nanterre", ("92000",), 96),
    ("Vitry-sur-Seine", ("94400",), 95),
    ("Avignon", ("84000",), 91),
    ("Créteil", ("94000",), 92),
    ("Poitiers", ("86000",), 89),
    ("Versailles", ("78000",), 85),
    ("Courbevoie", ("92400",), 82),
    ("Colombes", ("92700",), 86),
    ("Asnières-sur-Seine", ("92600",), 87),
    ("Rueil-Malmaison", ("92500",), 79),
    ("La Rochelle", ("17000",), 77),
    ("Pau", ("64000",), 77),
    ("Cannes", ("06150", "06400"), 74),
    ("Antibes", ("06160", "06600"), 73),
    ("Calais", ("62100",), 67),
    ("Ajaccio", ("20000", "20090"), 71),
    ("Saint-Maur-des-Fossés", ("94100", "94210"), 75),
    ("Dunkerque", ("59140", "59240", "59640"), 86),
    ("Béziers", ("34500",), 79),
    ("Bourges", ("18000",), 64),
    ("Valence", ("26000",), 65),
    ("Quimper", ("29000",), 63),
    ("Chambéry", ("73000",), 60),
    ("Vannes", ("56000",), 54),
    ("Troyes", ("10000",), 61),
    ("Bayonne", ("64100",), 52),
    ("Issy-les-Moulineaux", ("92130",), 69),
    ("Levallois-Perret", ("92300",), 66),
    ("Neuilly-sur-Seine", ("92200",), 59),
)

CLASSIC_STREETS = (
    "rue de la République",
    "avenue Jean Jaurès",
    "rue Victor Hugo",
    "boulevard Gambetta",
    "rue Pasteur",
    "rue du Général de Gaulle",
    "avenue de la Libération",
    "rue de la Gare",
    "place de la Mairie",
    "rue des Écoles",
    "rue Nationale",
    "avenue Foch",
    "rue Émile Zola",
    "allée des Tilleuls",
    "impasse des Lilas",
    "chemin du Moulin",
    "rue de l'Église",
    "quai de la Loire",
    "cours Lafayette",
    "rue du Faubourg Saint-Antoine",
)

EMAIL_DOMAINS = (
    ("gmail.com", 34),
    ("orange.fr", 15),
    ("hotmail.fr", 10),
    ("free.fr", 8),
    ("yahoo.fr", 6),
    ("outlook.fr", 6),
    ("sfr.fr", 5),
    ("laposte.net", 5),
    ("wanadoo.fr", 4),
    ("icloud.com", 4),
    ("bbox.fr", 3),
)

# Booking terms in force from a date on; a booking carries the version in force when it was made.
TERMS_VERSIONS = (
    ("2023-01", date(2023, 1, 1)),
    ("2024-09", date(2024, 9, 1)),
    ("2025-06", date(2025, 6, 1)),
    ("2026-03", date(2026, 3, 1)),
)

# How often a provider offers each service; durations (minutes) and hourly rates (euros).
SERVICE_OFFER = {
    ServiceKind.REGULAR_CLEANING: 0.85,
    ServiceKind.DEEP_CLEANING: 0.5,
    ServiceKind.END_OF_TENANCY: 0.3,
    ServiceKind.WINDOWS: 0.4,
    ServiceKind.IRONING: 0.35,
    ServiceKind.OFFICE_CLEANING: 0.2,
}
SERVICE_DEMAND = {  # how often clients book it, when the provider offers it
    ServiceKind.REGULAR_CLEANING: 10,
    ServiceKind.DEEP_CLEANING: 3,
    ServiceKind.END_OF_TENANCY: 1,
    ServiceKind.WINDOWS: 2,
    ServiceKind.IRONING: 2,
    ServiceKind.OFFICE_CLEANING: 2,
}
DURATIONS = {
    ServiceKind.REGULAR_CLEANING: (120, 120, 150, 180, 180, 240),
    ServiceKind.DEEP_CLEANING: (180, 240, 300, 360),
    ServiceKind.END_OF_TENANCY: (240, 300, 360, 420, 480),
    ServiceKind.WINDOWS: (60, 90, 120, 180),
    ServiceKind.IRONING: (60, 90, 120),
    ServiceKind.OFFICE_CLEANING: (120, 180, 240, 300, 360, 480),
}
HOURLY_RATE = {
    ServiceKind.REGULAR_CLEANING: (25, 32),
    ServiceKind.DEEP_CLEANING: (32, 40),
    ServiceKind.END_OF_TENANCY: (35, 45),
    ServiceKind.WINDOWS: (30, 38),
    ServiceKind.IRONING: (22, 28),
    ServiceKind.OFFICE_CLEANING: (28, 36),
}
PRICE_MIN, PRICE_MAX = 2_500, 25_000

TRADE_NAMES = (
    "{last} Propreté",
    "{first} Ménage",
    "Ménage {city}",
    "Éclat {city}",
    "Net & Clair {city}",
    "Les Fées du Logis",
    "Brillance à Domicile",
    "Maison Nette",
    "Clean'Azur",
    "Propre & Net",
    "L'Atelier du Ménage",
    "Coup de Propre",
    "Sparkle {city}",
    "{last} Services",
    "Home Clean {city}",
)
COMPANY_NAMES = (
    "{last} Nettoyage",
    "{last} Propreté",
    "Nettoyage {last}",
    "{last} Services",
    "{last} et Fils",
    "{last} & {last2}",
    "Propreté {city}",
    "Entretien {last}",
)
COMPANY_FORMS = ("SARL", "SAS", "SASU", "EURL")

POSITIVE = (
    "Prestation impeccable, je recommande vivement.",
    "Très professionnelle et ponctuelle.",
    "Travail soigné, rien à redire.",
    "L'appartement n'a jamais été aussi propre.",
    "Ponctuel, discret et efficace.",
    "Très bon contact, à l'écoute de nos demandes.",
    "Excellent travail sur la cuisine et la salle de bain.",
    "Je fais appel à ses services chaque semaine, toujours satisfaite.",
    "Rapide et minutieux, merci !",
    "Les vitres sont parfaites, enfin.",
    "Très bonne prestation, je reprendrai rendez-vous.",
    "Repassage nickel, les chemises sont parfaites.",
    "Un vrai plaisir de rentrer dans une maison propre.",
    "Service au top, équipe sympathique.",
    "Parfait pour l'état des lieux de sortie, caution récupérée.",
    "Produits écologiques apportés, très appréciable.",
    "Très soigneuse avec nos meubles anciens.",
    "Arrivée à l'heure et travail terminé dans les temps.",
    "Merci pour votre efficacité et votre bonne humeur.",
    "Bureaux impeccables le lundi matin, l'équipe est ravie.",
    "Je recommande sans hésiter.",
    "Excellent rapport qualité-prix.",
    "Toujours aussi sérieux, bravo.",
    "Le four et le réfrigérateur ont été nettoyés à fond.",
    "Intervention rapide malgré un délai très court.",
)
NEUTRAL = (
    "Prestation correcte dans l'ensemble.",
    "Quelques oublis sous les meubles mais rien de grave.",
    "Un peu de retard à l'arrivée, travail correct ensuite.",
    "Bien, sans plus.",
    "La salle de bain aurait mérité plus d'attention.",
    "Correct mais un peu cher pour la durée.",
    "Bon travail mais communication à améliorer.",
    "Les vitres laissent quelques traces.",
    "Satisfaisant, je verrai la prochaine fois.",
    "Ménage fait, mais pas de manière très approfondie.",
    "Intervenante changée au dernier moment, résultat moyen.",
    "Rien à signaler de particulier.",
)
NEGATIVE = (
    "Très déçu, la moitié des tâches n'a pas été faite.",
    "Arrivée avec plus d'une heure de retard sans prévenir.",
    "Poussière encore partout après le passage.",
    "Un vase a été cassé et personne ne m'a prévenu.",
    "Intervention écourtée mais facturée en entier.",
    "Impossible de joindre le prestataire après la prestation.",
    "Je ne recommande pas.",
    "La cuisine n'a pas été touchée.",
    "Attitude désagréable, je ne reprendrai pas rendez-vous.",
    "Annulation tardive puis prestation bâclée.",
    "Les sols étaient encore sales à mon retour.",
    "Produits laissés sur la table et fenêtres ouvertes.",
)
RATING_WEIGHTS = {  # ratings 1..5: most providers are good, a few are not
    "good": (3, 3, 8, 26, 60),
    "poor": (22, 20, 25, 20, 13),
}

# Reviews in which a client typed a card number: they go through the ORM (redacted and audited).
CARD_REVIEW_TEXTS = (
    (5, "Très bonne prestation, rien à redire. Pour info j'ai payé avec {card} directement sur le site."),
    (
        3,
        "Ménage correct. On m'a demandé de redonner ma carte {card} au téléphone pour le supplément.",
    ),
    (2, "J'ai payé avec {card} il y a deux semaines et le remboursement promis n'est jamais arrivé."),
)

# Open proposals: (reason code, opened this long before now, evidence); due times follow the
# reason's source (safety 1 h, quality 2 and vetting 1 business day). Insurance proposals are not
# listed: the seed's insurance sweep opens them for the providers whose cover really lapsed.
PROPOSALS = (
    ("safety_complaint", timedelta(hours=2, minutes=10), "Appel d'une cliente, signalement {client}"),
    ("safety_complaint", timedelta(minutes=25), "Message d'un client via le formulaire, {client}"),
    ("low_rating", timedelta(days=6), "{reviews}"),
    ("revetting_overdue", timedelta(days=4), "Dernière vérification le {date}"),
    ("vetting_withdrawn", timedelta(minutes=40), "Extrait Kbis radié le {date}"),
)

# RC Pro insurers (weights: rough share of the policies held by small cleaning businesses).
INSURERS = (
    ("AXA France IARD", 18),
    ("Hiscox", 12),
    ("MMA IARD", 12),
    ("MAAF Assurances", 11),
    ("Allianz IARD", 10),
    ("Groupama", 8),
    ("Generali IARD", 7),
    ("MACIF", 7),
    ("MAIF", 3),
    ("Crédit Agricole Assurances", 4),
    ("Swiss Life Assurance de Biens", 3),
    ("AIG Europe", 2),
    ("Matmut", 3),
)
# Coverage per claim (euros): mostly 1.5 to 3 million; the low ones are below the 1.5 M minimum
# and only appear on certificates still to be checked or already rejected.
COVERAGE_EUR = (
    (1_500_000, 34),
    (2_000_000, 30),
    (2_500_000, 8),
    (3_000_000, 22),
    (4_500_000, 3),
    (5_000_000, 3),
)
LOW_COVERAGE_EUR = (500_000, 750_000, 1_000_000, 1_200_000)
DEDUCTIBLE_EUR = ((150, 10), (200, 12), (250, 14), (300, 18), (400, 10), (500, 20), (750, 8), (1_000, 8))
LOW_COVERAGE_REJECTION = "Montant de garantie par sinistre inférieur au minimum de 1 500 000 EUR."
REJECTION_REASONS = (
    "Attestation illisible : merci d'envoyer le PDF original transmis par l'assureur.",
    "L'attestation ne mentionne pas l'activité de nettoyage chez les particuliers.",
    "Attestation non signée ni tamponnée par l'assureur.",
    "Les dates de l'attestation ne correspondent pas à celles du contrat déclaré.",
    "Attestation de l'année précédente : merci d'envoyer celle du contrat en cours.",
)
