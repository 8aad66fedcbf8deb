"""Names, places and weights the demo data draws from."""

from __future__ import annotations

import random
from collections.abc import Sequence

from tqconsole.models.choices import LeadFollow, PaymentMethod, SubscribeState

FIRST_NAMES = [
    "Anna",
    "Laura",
    "Lea",
    "Sara",
    "Julia",
    "Lena",
    "Nina",
    "Mia",
    "Elena",
    "Sophie",
    "Noemi",
    "Alina",
    "Chiara",
    "Jana",
    "Selina",
    "Lara",
    "Luca",
    "Noah",
    "Leon",
    "David",
    "Jonas",
    "Simon",
    "Nico",
    "Fabian",
    "Lukas",
    "Jan",
    "Tim",
    "Marco",
    "Andrin",
    "Samuel",
    "Reto",
    "Urs",
    "Beat",
    "Corinne",
    "Seraina",
    "Ladina",
    "Gian",
    "Flurin",
    "Mirjam",
    "Dario",
    "Ivana",
    "Matteo",
    "Aurélie",
    "Loïc",
    "Zoé",
    "Björn",
]
LAST_NAMES = [
    "Müller",
    "Meier",
    "Schmid",
    "Keller",
    "Weber",
    "Huber",
    "Schneider",
    "Meyer",
    "Steiner",
    "Fischer",
    "Gerber",
    "Brunner",
    "Baumann",
    "Frei",
    "Zimmermann",
    "Moser",
    "Widmer",
    "Wyss",
    "Graf",
    "Roth",
    "Suter",
    "Bühler",
    "Kälin",
    "Kuhn",
    "Bachmann",
    "Sutter",
    "Marti",
    "Lüthi",
    "Hofer",
    "Egli",
    "Bianchi",
    "Rossi",
    "Favre",
    "Rochat",
    "Caflisch",
    "Casutt",
    "Berger",
    "Wälti",
]
DOMAINS = (
    "student.ethz.ch",
    "ethz.ch",
    "uzh.ch",
    "gmail.com",
    "bluewin.ch",
    "gmx.ch",
    "sunrise.ch",
    "protonmail.ch",
)
STYLES = (
    "Salsa",
    "Bachata",
    "Lindy Hop",
    "Swing",
    "Tango Argentino",
    "Wiener Walzer",
    "Discofox",
    "Jive",
    "Cha Cha Cha",
    "Rumba",
    "West Coast Swing",
    "Boogie Woogie",
    "Kizomba",
    "Foxtrot",
)
ROOMS = (
    "ASVZ Polyterrasse Halle 1",
    "ASVZ Polyterrasse Halle 2",
    "ASVZ Irchel Halle A",
    "ASVZ Hönggerberg Halle B",
    "StuZ Lounge",
    "Uni Zentrum KOL-E-18",
    "ETH HG F 30",
    "Bqm",
)
EVENT_NAMES = (
    "Semesterparty",
    "Salsa Night",
    "Swing Social",
    "Tango Milonga",
    "Weihnachtsball",
    "Frühlingsball",
    "Workshop-Weekend",
    "Open Dance Floor",
)
STREETS = ("Universitätstrasse", "Rämistrasse", "Weinbergstrasse", "Hardturmstrasse", "Seefeldstr")

# Weights of subscription states by how the course's period relates to today.
STATE_WEIGHTS = {
    "past": {
        SubscribeState.COMPLETED: 55,
        SubscribeState.PAYED: 15,
        SubscribeState.REJECTED: 12,
        SubscribeState.CONFIRMED: 6,
        SubscribeState.TO_REIMBURSE: 2,
        SubscribeState.NEW: 1,
        SubscribeState.WAITING_LIST: 1,
    },
    "current": {
        SubscribeState.PAYED: 38,
        SubscribeState.CONFIRMED: 25,
        SubscribeState.NEW: 8,
        SubscribeState.WAITING_LIST: 8,
        SubscribeState.REJECTED: 9,
        SubscribeState.COMPLETED: 6,
        SubscribeState.TO_REIMBURSE: 6,
    },
    "next": {
        SubscribeState.NEW: 45,
        SubscribeState.WAITING_LIST: 15,
        SubscribeState.CONFIRMED: 25,
        SubscribeState.PAYED: 10,
        SubscribeState.REJECTED: 5,
    },
}
PAID_METHODS = (
    (PaymentMethod.ONLINE, 40),
    (PaymentMethod.COURSE, 25),
    (PaymentMethod.COUNTER, 15),
    (PaymentMethod.TWINT, 10),
    (PaymentMethod.CARD, 5),
    (PaymentMethod.VOUCHER, 3),
    (PaymentMethod.MANUAL, 2),
)
LEAD_FOLLOW = (LeadFollow.LEAD, LeadFollow.FOLLOW, LeadFollow.NO_PREFERENCE)


def weighted(rng: random.Random, weights: dict | Sequence) -> str:
    items = list(weights.items()) if isinstance(weights, dict) else list(weights)
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]
