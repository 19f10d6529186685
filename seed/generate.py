#!/usr/bin/env python3
"""Fictional demo data for the Espoo business-services CRM.

Deterministic (random.Random(2026)), standard library only, no network.
Writes the CSV files into this script's folder:  python seed/generate.py
Every company, person and web/e-mail domain is invented (reserved TLD .example).
See README.md for the files and their deliberate quirks.
"""
import csv
import datetime as dt
import random
import re
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parent
rng = random.Random(2026)
START, END, RECENT = dt.date(2024, 12, 1), dt.date(2026, 11, 20), dt.date(2026, 11, 1)
SIZES = ("1-4", "5-9", "10-49", "50-249", "250-")

FIRST = ("Aino Sanna Laura Emilia Johanna Katja Minna Heidi Riikka Elina Noora Tiina Satu Hanna Veera Outi Päivi "
         "Kaisa Maija Helmi Mikko Juha Jukka Antti Ville Tuomas Janne Timo Pekka Markus Sami Olli Lauri Eero Teemu "
         "Jari Petri Heikki Aleksi Väinö").split()
LAST = ("Virtanen Korhonen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen Lehtonen Lehto "
        "Saarinen Salminen Heinonen Niemi Kinnunen Salonen Turunen Tuominen Rantanen Karjalainen Jokinen Mattila "
        "Savolainen Lahtinen Ahonen Kärkkäinen Hyvönen Peltonen Räsänen Väisänen").split()
INTL = {c: (f.split(), l.split()) for c, f, l in (  # first and last names by country (also international staff)
    ("SE", "Erik Karin Johan Elsa Mikael Sofia", "Lindqvist Holm Bergström Åberg Sjöberg Lindholm"),
    ("EE", "Kadri Mart Liis Andres", "Tamm Saar Kask Rebane"),
    ("DE", "Jonas Lena Felix Miriam", "Becker Krüger Hoffmann Schulz"),
    ("US", "Emily Jacob Olivia Daniel", "Carter Brooks Hayes Morgan"),
    ("IN", "Priya Arjun Ananya Rahul", "Raman Mehta Iyer Nair"),
    ("UA", "Olena Taras Iryna Dmytro", "Kovalenko Bondar Shevchuk Melnyk"))}
PHONES = {"FI": ("040 ### ####", "+358 50 #######", "045-#######", "09 %### ####", "050 #######", "+358 44 ### ####"),
          "SE": ("+46 70 ### ## ##",), "EE": ("+372 5### ####",), "DE": ("+49 151 ########",),
          "US": ("+1 415 8## ####",), "IN": ("+91 98### #####",), "UA": ("+380 67 ### ## ##",)}  # % = digit 1-8
STEMS = ("Kupla Lumo Kajo Viima Usva Tuike Hohde Kuura Loimu Riimi Säde Höyhen Tähkä Pöllö Sointu Vire Kipinä "
         "Aava Halla Taimi Sammal Väre Myrsky Hetki Lähde Kaarna Pilvi Äijä Otso Kelo Siru Tyrsky").split()
ADJ = "Frosty Pixel Silent Hidden Lucky Northern Brave Tiny".split()
NOUN = "Owl Lynx Moose Pine Fox Reindeer Comet Otter".split()
FIELDS = (("Robotiikka", "Robotik"), ("Kvanttiteknologia", "Kvantteknologi"), ("Biotekniikka", "Bioteknik"),
          ("Materiaalitekniikka", "Materialteknik"), ("Akkuteknologia", "Batteriteknologi"), ("Fotoniikka", "Fotonik"))
AREAS = (  # genitive, Swedish name, postal code (from espoo_postal_codes.csv), streets
    ("Otaniemen", "Otnäs", "02150", ("Otakaari", "Tekniikantie", "Maarintie")),
    ("Keilaniemen", "Kägeludden", "02150", ("Keilaranta", "Keilasatama", "Kauppamiehentie")),
    ("Tapiolan", "Hagalund", "02100", ("Tapionaukio", "Revontulentie", "Ahertajantie", "Kalevalantie")),
    ("Niittykummun", "Ängskulla", "02200", ("Niittykummuntie", "Merituulentie")),
    ("Leppävaaran", "Alberga", "02600", ("Leppävaarankatu", "Säterinkatu", "Hevosenkenkä")),
    ("Karamalmin", "Karamalmen", "02630", ("Sinimäentie", "Kutojantie")),
    ("Matinkylän", "Mattby", "02230", ("Piispansilta", "Matinkatu")),
    ("Olarin", "Olars", "02210", ("Kuitinmäentie",)),
    ("Espoonlahden", "Esboviken", "02320", ("Espoonlahdenkatu", "Ulappakatu")),
    ("Espoon", "Esbo", "02770", ("Espoonkatu", "Kamreerintie", "Siltakatu")),
    ("Kauklahden", "Köklax", "02780", ("Lasihytti",)),
    ("Kilon", "Kilo", "02610", ("Kilonrinne",)),
)
SV_WORDS = {"Rakennus": "Bygg", "Kahvila": "Kafé", "Puoti": "Bod", "Kiinteistöt": "Fastigheter", "Logistiikka": "Logistik",
            "Hammasklinikka": "Tandklinik", "Yrittäjät": "Företagare", **dict(FIELDS), " Oy": " Ab", " Ky": " Kb", " ry": " rf"}
SECTORS = (  # key, TOL 2008, TOL 2025 (newest registrations), weight, size weights, name templates
    ("software", "62010", "62100", 40, (30, 25, 30, 12, 3), "{S}tech Oy|{S}soft Oy|{S} Solutions Oy|{S}data Oy"),
    ("game", "58210", "58210", 11, (30, 25, 30, 12, 3), "{A} {N} Games Oy|{S} Studios Oy|{A} {N} Interactive Oy"),
    ("otaniemi", "72190", "72100", 10, (40, 30, 25, 5, 0), "Otaniemen {F} Oy|{S} Labs Oy|{S} Materials Oy"),
    ("restaurant", "56101", "56110", 18, (35, 35, 25, 5, 0), "{G} Kahvila {S} Ky|Ravintola {S} Oy|Bistro {S} Oy"),
    ("construction", "41200", None, 14, (20, 25, 35, 15, 5), "{G} Rakennus Oy|Rakennus {L} Oy|{S} Saneeraus Ky"),
    ("engineering", "71121", None, 12, (25, 25, 35, 12, 3), "Insinööritoimisto {L} Oy|{S} Engineering Oy"),
    ("retail", "47190", None, 14, (40, 30, 25, 5, 0), "{G} Puoti Ky|{S} Kauppa Oy|{S} Store Oy"),
    ("consulting", "70220", "70200", 20, (60, 20, 15, 5, 0), "Tmi {P}|{L} Consulting Oy|{S} Partners Oy|Konsultointi {L} Ay"),
    ("education", "85590", None, 8, (40, 30, 25, 5, 0), "{S} Akatemia Oy|Koulutuskeskus {S} Oy"),
    ("realestate", "68201", None, 8, (40, 30, 20, 10, 0), "{G} Kiinteistöt Oy|Kiinteistöpalvelu {S} Oy"),
    ("transport", "49410", None, 9, (30, 30, 30, 10, 0), "{L} Kuljetus Oy|Kuljetusliike {L} Ky|{G} Logistiikka Oy"),
    ("dental", "86230", None, 6, (30, 40, 30, 0, 0), "Hammaslääkäriasema {S} Oy|{G} Hammasklinikka Oy"),
    ("hair", "96021", None, 9, (85, 15, 0, 0, 0), "Parturi-Kampaamo {S}|Hiusstudio {S} Ky|Tmi Kampaamo {P}"),
    ("design", "74100", None, 10, (50, 30, 20, 0, 0), "{S} Design Oy|Muotoilutoimisto {S} Oy"),
    ("association", "94110", None, 3, (80, 20, 0, 0, 0), "{G} Yrittäjät ry|{S} Startup-yhdistys ry"),
    ("coop", "70220", None, 3, (70, 30, 0, 0, 0), "Osuuskunta {S}"),
)
SECTOR = {s[0]: s for s in SECTORS}
FIXED = (("Kuplatech Oy", "software"), ("Otaniemen Robotiikka Oy", "otaniemi"), ("Nordic Game Forge Oy", "game"),
         ("Leppävaaran Kahvila Äijä Ky", "restaurant"), ("Tmi Sanna Lehto", "consulting"),
         ("Espoonlahden Rakennus Oy", "construction"), ("Lumo Group Oyj", "software"), ("Kajo Infra Oyj", "engineering"))
SWEDISH = (("Hagalund Konsult Ab", "70220", "Hagalund"), ("Mattby Bageri Ab", "10710", "Mattby"),
           ("Otnäs Mekanik Ab", "25620", "Otnäs"), ("Alberga Bokföring Ab", "69202", "Alberga"),
           ("Köklax Snickeri Ab", "16230", "Köklax"), ("Esboviken Marin Ab", "47640", "Esboviken"))
FOREIGN = [f.split("|") for f in (  # name|country|street|postal code|city|TOL; the first 11 are in the BIZ register
    "Älvkant Analytics AB|SE|Sveavägen 44|111 34|Stockholm|62010", "Skärgård Mobility AB|SE|Stora Nygatan 8|411 08|Göteborg|49410",
    "Kalamaja Byte OÜ|EE|Narva mnt 7|10117|Tallinn|62010", "Toompea Data OÜ|EE|Tartu mnt 25|10117|Tallinn|63110",
    "Spreewerk Sensorik GmbH|DE|Friedrichstraße 120|10117|Berlin|26510",
    "Isartal Robotics GmbH|DE|Leopoldstraße 50|80802|München|72190",
    "Bluefjord Robotics Inc.|US|500 Howard St|94105|San Francisco|72190",
    "Granite Harbor Games LLC|US|100 Summer St|02110|Boston|58210", "Indus Cloudworks Pvt Ltd|IN|80 MG Road|560001|Bengaluru|62010",
    "Tungabhadra Analytics Pvt Ltd|IN|12 Anna Salai|600002|Chennai|62020",
    "Vintergatan Health AB|SE|Kungsgatan 30|111 35|Stockholm|86900", "Fjällvik Software AB|SE|Drottninggatan 71|111 36|Stockholm|62010",
    "Lundavik Medtech AB|SE|Stortorget 3|222 23|Lund|72110", "Godavari Bytewave Pvt Ltd|IN|Hitech City Rd 9|500081|Hyderabad|62010",
    "Pune Quantum Labs Pvt Ltd|IN|FC Road 21|411004|Pune|72190", "Cedar Loop AI Inc.|US|200 Congress Ave|78701|Austin|62010",
    "Hudson Pier Studios LLC|US|55 Water St|10041|New York|58210", "Dnipro Pixel LLC|UA|Khreshchatyk 22|01001|Kyiv|58210")]
PREREG = ("Projekti Usvabot", "Kuurafoods", "Tiimi Höyhen AI", "Siru Sense", "Projekti Lähdevesi",
          "Pöllö Learning", "Tyrsky Energy", "Kelo Circular", "Viimawear", "Sointu Health")
DEPTS = {d: [u.split() for u in us.split(", ")] for d, us in (  # department: "First Last role" (fictional staff)
    ("BIZ", "Annika Rautio manager, Tero Kallio advisor, Marja Leinonen advisor, Jussi Vainio advisor, Elisa Koivisto advisor"),
    ("TYO", "Kari Hakala manager, Pirjo Laaksonen advisor, Mervi Rinne advisor, Arto Lindroos advisor"),
    ("TALENT", "Nina Aaltonen advisor, Oskari Suominen advisor, Reetta Honkanen advisor"),
    ("HELLO", "Camilla Forsman advisor, Daniel Westerlund advisor"),
    ("PLAN", "Ilkka Mustonen advisor, Sirpa Kauppinen advisor"),
    ("PREMISES", "Harri Lindberg advisor, Tuula Pesonen advisor"))}
PROGRAMMES = [p.split("|") for p in (  # code|fi|sv|en|theme
    "PARAS-OSAAJAT|Paras paikka osaajille|Bästa platsen för talanger|Best place for talent|",
    "PARAS-YRITTAA|Paras paikka yrittää|Bästa platsen för företagare|Best place for entrepreneurs|",
    "TYO-KOHTAAVAT|Työ ja tekijät kohtaavat|Jobb och arbetstagare möts|Jobs and workers meet|",
    "PALVELUT|Palvelut yrityksille paranevat|Bättre tjänster för företag|Better services for businesses|",
    "KUPLA|Kupla-tapahtumatila|Kupla evenemangsutrymme|Kupla event space|PARAS-YRITTAA",
    "SOFT-LANDING|Soft Landing|Soft Landing|Soft Landing|PARAS-OSAAJAT",
    "GAME-CLUSTER|Peliteollisuuden klusteri|Spelindustrins kluster|Game industry cluster|PARAS-YRITTAA",
    "OTANIEMI|Otaniemen yhteisöjohtaminen|Community management i Otnäs|Otaniemi community management|PARAS-YRITTAA",
    "TYO-PALVELUMUOTOILU|Työllisyyspalvelujen palvelumuotoilu|Tjänstedesign för sysselsättningstjänster|"
    "Employment services service design|TYO-KOHTAAVAT")]
TITLES = (("Toimitusjohtaja", 0), ("HR-päällikkö", 4), ("CTO", 3), ("Rekrytointivastaava", 3), ("Talousjohtaja", 2),
          ("Myyntijohtaja", 2), ("Markkinointipäällikkö", 2), ("Projektipäällikkö", 3), ("Tuotepäällikkö", 2),
          ("Office manager", 2))
TYPES = {"fi": ("Tapaaminen", "Puhelu", "Sähköposti", "Yritysvierailu", "Tapahtuma", "Neuvonta", "Muu"),
         "en": ("Meeting", "Call", "Email", "Visit", "Event", "Advisory", "Other"),
         "sv": ("Möte", "Samtal", "E-post", "Besök", "Evenemang", "Rådgivning", "Annan")}
TYPE_W = (30, 22, 20, 9, 7, 10, 2)
TOPICS = {dept: [t.split("|", 2) for t in topics] for dept, topics in {  # subject|programme|notes separated by |
    "BIZ": ("Rahoitusneuvonta||Käytiin läpi Business Finlandin rahoitusvaihtoehdot.|Ohjattiin Finnveran takauksen pariin.",
            "Kasvusuunnitelma|PARAS-YRITTAA|Yrittäjä haluaa palkata ensimmäiset työntekijät.|Laadittiin kasvusuunnitelman runko.",
            "Kansainvälistyminen||Yritys harkitsee laajentumista Ruotsiin.|Ohjattiin Team Finlandin palveluihin.",
            "Yrityksen perustaminen||Neuvottiin yritysmuodon valinnassa.|Käytiin läpi starttirahan ehdot.",
            "Kupla-tapahtuma|KUPLA|Yritys esitteli tuotettaan Kuplan yritysillassa.|Sovittiin omasta tapahtumasta Kuplassa.",
            "Julkiset hankinnat|PALVELUT|Kerrottiin kaupungin tulevista hankinnoista ja markkinavuoropuhelusta.",
            "Sukupolvenvaihdos||Yrittäjä jäämässä eläkkeelle, jatkaja vielä auki.|Esiteltiin omistajanvaihdospalvelut.",
            "Yrityspalvelujen esittely|PALVELUT|Esiteltiin kaupungin yrityspalvelut.|Yritys toivoi yhtä yhteyspistettä."),
    "TYO": ("Rekrytointi|TYO-KOHTAAVAT|Yritys hakee kolmea asiakaspalvelijaa.|Käytiin läpi rekrytointitarpeet keväälle.",
            "Palkkatuki||Neuvottiin palkkatuen hakemisessa.|Palkkatukipäätös tehty, seuranta sovittu.",
            "Muutosturva||Kerrottiin muutosturvan palveluista irtisanotuille.|Sovittiin infotilaisuudesta henkilöstölle.",
            "Oppisopimus|TYO-KOHTAAVAT|Yritys kiinnostunut oppisopimuksesta kahdelle työntekijälle.|Yhteys oppilaitokseen välitetty.",
            "Rekrytointitapahtuma|TYO-KOHTAAVAT|Yritys osallistuu syksyn rekrytointitapahtumaan.|Pisteellä kävi 40 henkilöä.",
            "Työkokeilu|TYO-PALVELUMUOTOILU|Sovittiin työkokeilupaikasta maahanmuuttajataustaiselle asiakkaalle.",
            "Kesäseteli||Yritys palkkaa nuoria kesäsetelillä.|Ohjeistettiin kesäsetelin käyttöön."),
    "TALENT": ("International recruitment|PARAS-OSAAJAT|Company is hiring five senior developers from abroad.|"
               "Shared the Work in Finland recruitment channels.",
               "Spouse programme|PARAS-OSAAJAT|Two spouses of new hires joined the programme.|Discussed career support for spouses.",
               "Relocation||Walked through relocation services and housing.|Family arriving in January; school places needed.",
               "Soft Landing|SOFT-LANDING|Company is evaluating Espoo for its Nordic office.|Soft Landing desk agreed for 3 months.",
               "Talent Boost event|PARAS-OSAAJAT|Company presented at the Talent Boost meetup.",
               "Work permit questions||Advised on the specialist permit process.|Processing times discussed."),
    "HELLO": ("Välkomstinfo för nyanställda|PARAS-OSAAJAT|Infotillfälle för nyanställda från utlandet.|"
              "Företaget vill ha välkomstpaket på engelska.",
              "Internationell rekrytering||Diskuterade stöd för internationella rekryteringar.",
              "Språkkurser||Företaget önskar finskakurser för sina anställda.|Hänvisade till kurser i finska och svenska.",
              "Flytt till Esbo||Familjen behöver dagvårdsplats och bostad.|Gick igenom registrering och FPA-frågor.",
              "Evenemang för internationella||Företaget deltog i Hello Espoo-kvällen."),
    "PLAN": ("Asemakaava||Yritys kysyi tontin asemakaavatilanteesta.|Kaavaluonnos nähtävillä keväällä.",
             "Asemakaavamuutos||Laajennus vaatii kaavamuutoksen.|Sovittiin aloituskokouksesta.",
             "Tontinvaraus|PALVELUT|Yritys hakee varausta toimitilatontille.|Tontinvaraushakemus vireillä.",
             "Rakennuslupaneuvonta||Neuvottiin rakennusluvan ennakkoneuvonnassa.",
             "Liikennejärjestelyt||Yritys toivoo parempaa pyöräyhteyttä toimipaikalle."),
    "PREMISES": ("Toimitilahaku||Yritys etsii 200 m² toimistotilaa.|Lähetettiin lista vapaista tiloista.",
                 "Vuokrasopimus||Vuokrasopimusluonnos lähetetty yritykselle.|Neuvoteltiin vuokran tasosta.",
                 "Kupla-tilan varaus|KUPLA|Yritys varasi Kupla-tilan lanseeraukseen.|Varaus vahvistettu, 60 osallistujaa.",
                 "Tilojen esittely||Esiteltiin tyhjiä liiketiloja Espoon keskuksessa.",
                 "Vuokrasopimuksen jatko||Yritys haluaa jatkaa sopimusta kolmella vuodella."),
}.items()}
SPECIAL = {(d, s): t.split("|", 2) for d, s, t in (  # extra topics for game and Otaniemi companies
    ("BIZ", "game", "Peliklusterin tapaaminen|GAME-CLUSTER|Keskusteltiin yhteisestä messuosastosta.|Studio etsii julkaisijaa."),
    ("BIZ", "otaniemi", "Otaniemen yhteisö|OTANIEMI|Yritys mukaan yhteisön tapahtumiin.|Tutkimusyhteistyö yliopiston kanssa."),
    ("TALENT", "game", "Game industry hiring|GAME-CLUSTER|Studio needs senior artists; discussed international hiring."))}
FORMS = {"Oyj": "Julkinen osakeyhtiö", "Oy": "Osakeyhtiö", "Ab": "Osakeyhtiö", "Ky": "Kommandiittiyhtiö",
         "Ay": "Avoin yhtiö", "ry": "Yhdistys"}  # otherwise Osuuskunta or Toiminimi
DAYS = [START + dt.timedelta(days=i) for i in range((END - START).days + 1)]
DAY_WEIGHTS = [(0.02 if d.weekday() >= 5 else 1.0)  # weekdays; quiet July and Christmas
               * (0.25 if d.month == 7 else 0.4 if (d.month, d.day) >= (12, 20) or (d.month, d.day) <= (1, 6) else 1.0)
               for d in DAYS]
CONFIDENTIAL = (("Muutosturva", "Yritys aloittaa muutosneuvottelut, vähennystarve enintään {n} henkilöä. Ei vielä julkinen."),
                ("Rekrytointi", "Rekrytointisuunnitelma: {n} uutta työntekijää ensi vuonna, tieto luottamuksellinen."),
                ("Muutosturva", "Lomautukset harkinnassa, koskee noin {n} henkilöä."))
HEADCOUNT = {"5-9": (2, 5), "10-49": (3, 20), "50-249": (10, 80), "250-": (20, 200)}  # plausible figures per size


def fold(text):
    """ASCII-fold for e-mail addresses and slugs: ä→a, ö→o, å→a, ü→u."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def slugify(name):
    legal = {"oy", "oyj", "ky", "ay", "ab", "tmi", "ry", "ou", "gmbh", "inc", "llc", "pvt", "ltd"}
    return "-".join(w for w in re.split(r"[^a-z0-9]+", fold(name).lower()) if w and w not in legal)


def staff_email(first, last):
    return f"{fold(first)}.{fold(last)}@espoo.example".lower()


def check_digit(body):
    """Y-tunnus check digit; None when the body is never issued (remainder 1)."""
    r = sum(int(d) * w for d, w in zip(body, (7, 9, 10, 5, 8, 4, 2))) % 11
    return None if r == 1 else (0 if r == 0 else 11 - r)


used_ids, used_names, used_slugs = set(), set(), set()


def new_business_id():
    while True:
        body = str(rng.randrange(3100000, 3400000))
        c = check_digit(body)
        if c is not None and body not in used_ids:
            used_ids.add(body)
            return f"{body}-{c}"


def id_variant(bid, forms=("nohyphen", "vat")):
    """The same Business ID the way people write it: 31234567, FI31234567, ' 3123 456-7 '."""
    form = rng.choice(forms)
    return {"hyphen": bid, "nohyphen": bid.replace("-", ""), "vat": "FI" + bid.replace("-", ""),
            "spaces": f" {bid[:4]} {bid[4:]} "}[form]


def wsample(items, weights, k):
    """Weighted sample without replacement."""
    items, weights, out = list(items), list(weights), []
    while items and len(out) < k:
        i = rng.choices(range(len(items)), weights)[0]
        out.append(items.pop(i))
        weights.pop(i)
    return out


def dmy(d):
    return f"{d.day}.{d.month}.{d.year}" if d else ""


def make_name(sector):
    while True:
        name = rng.choice(SECTOR[sector][5].split("|")).format(
            S=rng.choice(STEMS), A=rng.choice(ADJ), N=rng.choice(NOUN), F=rng.choice(FIELDS)[0],
            G=rng.choice(AREAS)[0], L=rng.choice(LAST), P=f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        if name not in used_names:
            return name


def company(name, sector, in_biz=True):
    """One fictional company registered in Espoo (foreign and pre-registration ones are adjusted later)."""
    used_names.add(name)
    slug = slugify(name)
    while slug in used_slugs:
        slug += str(rng.randint(2, 9))
    used_slugs.add(slug)
    area = next((a for a in AREAS if a[0] in name.split()), None)
    named_after_area = area is not None
    area = area or rng.choice(AREAS[:2] if sector == "otaniemi" else AREAS[:5] if sector == "game" else AREAS)
    bid = new_business_id()
    sec = SECTOR.get(sector, SECTOR["software"])
    recent = int(bid[:7]) >= 3370000 and sec[2] and rng.random() < 0.7  # newest registrations: TOL 2025
    size = "250-" if name.endswith("Oyj") else "1-4" if name.startswith("Tmi") else rng.choices(SIZES, sec[4])[0]
    sv = ""
    if named_after_area and rng.random() < 0.45 or name == "Otaniemen Robotiikka Oy":
        sv = name.replace(area[0], area[1])
        for fi_word, sv_word in SV_WORDS.items():
            sv = sv.replace(fi_word, sv_word)
    progs = {"game": ["GAME-CLUSTER"], "otaniemi": ["OTANIEMI"]}.get(sector, [])
    if rng.random() < 0.18:
        progs.append(rng.choice(("KUPLA", "PARAS-YRITTAA", "PALVELUT", "PARAS-OSAAJAT")))
    form = FORMS.get(name.split()[-1], "Osuuskunta" if name.startswith("Osuuskunta") else "Toiminimi")
    return dict(id=bid, name=name, sv=sv, form=form, tol=sec[2] if recent else sec[1],
                cls="TOL 2025" if recent else "TOL 2008", size=size, sector=sector, slug=slug,
                web=f"https://{slug}.example" if rng.random() < 0.7 else "",
                street=f"{rng.choice(area[3])} {rng.randint(1, 40)}{rng.choice(('', '', ' A', ' B', ' C'))}",
                postal=area[2], city="Espoo", kunta="049", country="FI",
                status="lakannut" if rng.random() < 0.05 else "aktiivinen", progs=sorted(set(progs)),
                in_biz=in_biz, in_talent=not in_biz, core=False)


def foreign(entry, in_biz):
    name, country, street, postal, city, tol = entry
    return dict(company(name, "foreign", in_biz), id="", form="", tol=tol, cls="TOL 2008", street=street, sv="",
                postal=postal, city=city, kunta="", country=country, status="aktiivinen", progs=["SOFT-LANDING"])


def build_companies():
    """260 companies for the Business Espoo register and 25 that only Talent Hub knows."""
    biz = [dict(company(n, s), status="aktiivinen") for n, s in FIXED]
    for name, tol, sv_area in SWEDISH:
        area = next(a for a in AREAS if a[1] == sv_area)
        biz.append(dict(company(name, "consulting"), tol=tol, cls="TOL 2008", city="Esbo", postal=area[2], sector="swedish",
                        street=f"{rng.choice(area[3])} {rng.randint(1, 30)}"))
    sectors, weights = [s[0] for s in SECTORS], [s[3] for s in SECTORS]
    while len(biz) < 239:
        sector = rng.choices(sectors, weights)[0]
        biz.append(company(make_name(sector), sector))
    biz += [foreign(f, True) for f in FOREIGN[:11]]
    biz += [dict(company(name, "prereg"), id="", form="", tol="", cls="", size="1-4", status="aktiivinen", sv="",
                 progs=rng.choice(([], ["KUPLA"], ["PARAS-YRITTAA"]))) for name in PREREG]
    new = []
    for _ in range(18):
        sector = rng.choice(("software", "software", "game", "otaniemi", "consulting", "education"))
        new.append(company(make_name(sector), sector, in_biz=False))
    return biz, new + [foreign(f, False) for f in FOREIGN[11:]]


def talent_rows(biz, new, advisors):
    """Talent Hub's own list: 44 companies also in the BIZ register, 25 of its own, 3 deliberate quirks."""
    pool = [c for c in biz if c["status"] == "aktiivinen" and c["sector"] not in ("prereg", "swedish")]
    shared = [c for c in pool if c["sector"] in ("game", "otaniemi")] + [c for c in pool if c["sector"] == "foreign"][:5]
    rest = [c for c in pool if c not in shared]
    shared += wsample(rest, [4 if c["sector"] in ("software", "design", "education") else 1 for c in rest], 44 - len(shared))
    entries = []
    for c in shared + new:
        c["in_talent"] = True
        bid, name = c["id"], c["name"]
        if bid and c["in_biz"]:  # same company, written their way
            bid = id_variant(bid, ("hyphen", "nohyphen", "vat", "spaces"))
            if rng.random() < 0.3:
                name = rng.choice((name.upper(), name.replace(" Oy", ""), name.replace(" ", "  ", 1)))
        progs = c["progs"] if c["sector"] in ("foreign", "game") else rng.choice(([], [], ["PARAS-OSAAJAT"], ["SOFT-LANDING"]))
        entries.append((c, [bid, name, c["tol"], c["size"], c["web"], c["street"], c["postal"], c["city"], c["country"],
                            rng.choice(advisors) if rng.random() < 0.9 else "", ", ".join(progs)]))
    bad = next(c for c in shared if c["sector"] == "otaniemi")  # quirk: wrong check digit
    next(r for c, r in entries if c is bad)[0] = f"{bad['id'][:7]}-{(int(bad['id'][-1]) + 1) % 10}"
    twice = next(c for c in shared if c["sector"] == "software")  # quirk: same company with and without hyphen
    i = next(i for i, (c, _) in enumerate(entries) if c is twice)
    entries[i][1][0] = twice["id"]
    entries.insert(i + 1, (twice, [twice["id"].replace("-", "")] + entries[i][1][1:]))
    next(r for c, r in entries if r[6] == "02150" and c not in (bad, twice))[6] = "2150"  # quirk: Excel ate the zero
    return sorted((r for _, r in entries), key=lambda r: r[1].strip().lower())


def build_contacts(companies):
    rows = []
    for c in companies:
        n = rng.choices((1, 2, 3, 4), (34, 36, 20, 10))[0] + (c["core"] and rng.random() < 0.5)
        seen = set()
        for i in range(n):
            intl = c["country"] if c["country"] != "FI" else None
            lang = "en" if intl and intl != "SE" else "sv" if intl or c["city"] == "Esbo" else "fi"
            r = rng.random()
            if lang == "fi" and r < (0.15 if c["sector"] in ("software", "game", "otaniemi") else 0.04):
                intl, lang = rng.choice(("IN", "UA", "DE", "US", "EE")), "en"  # international staff
            elif lang == "fi" and r > 0.94:
                intl, lang = "SE", "sv"  # Swedish-speaking Finn
            first, last = rng.choice(INTL[intl][0] if intl else FIRST), rng.choice(INTL[intl][1] if intl else LAST)
            if i == 0 and c["name"].startswith("Tmi "):
                first, last = c["name"].split()[-2:]  # the sole trader herself
            if (first, last) in seen:
                continue
            seen.add((first, last))
            email = f"{fold(first)}.{fold(last)}@{c['slug']}.example".lower() if rng.random() > 0.05 else ""
            if email:
                c.setdefault("emails", []).append(email)
            title = rng.choices(*zip(*TITLES))[0]
            if i == 0:
                title = "Yrittäjä" if c["form"] == "Toiminimi" else "CEO" if lang == "en" else \
                    "VD" if c["country"] == "SE" else "Toimitusjohtaja"
            role = {"CEO": "Toimitusjohtaja", "VD": "Toimitusjohtaja"}.get(title, title)
            if role not in ("Toimitusjohtaja", "Yrittäjä"):
                role = rng.choices(("Yhteyshenkilö", "Hallituksen jäsen"), (85, 15))[0]
            phone = "".join(str(rng.randint(0 if ch == "#" else 1, 9 if ch == "#" else 8)) if ch in "#%" else ch
                            for ch in rng.choice(PHONES[c["country"]])) if rng.random() > 0.1 else ""
            since = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 4300)) if rng.random() > 0.3 else None
            rows.append((first, last, email, phone, title, lang, c["id"], c["name"], role, dmy(since)))
    return rows


def assign_departments(companies):
    """Which departments serve each company: this is what drives the cross-department overlap."""
    def affinity(c, dept):
        s, big = c["sector"], SIZES.index(c["size"])
        tech = s in ("software", "game", "otaniemi")
        return {"BIZ": 4 if c["in_biz"] else 0.3,
                "TYO": 0 if s in ("foreign", "prereg") else (0.3, 0.8, 1.5, 3, 4)[big],
                "TALENT": 4 if c["in_talent"] else 1.2 if tech else 0.15,
                "HELLO": 2 if s == "foreign" else 1 if tech or c["in_talent"] else 0.3,
                "PLAN": 0 if s == "foreign" else 3 if s in ("construction", "realestate") else 0.6 if big >= 2 else 0.2,
                "PREMISES": 1.8 if s in ("restaurant", "retail", "prereg", "design", "education", "hair") else 0.5}[dept]
    pool = [c for c in companies if c["in_biz"] and c["id"] and c["status"] == "aktiivinen"]
    for c in wsample(pool, [5 if c["sector"] in ("game", "otaniemi") else 1 + SIZES.index(c["size"]) for c in pool], 60):
        c["core"] = True  # the ~60 active companies with many interactions
    for c in companies:
        must = {"TALENT"} if not c["in_biz"] else set()
        if c["sector"] in ("game", "otaniemi") and c["in_talent"]:
            must = {"BIZ", "TALENT"}
        if c["core"]:
            k = rng.choices((2, 3, 4), (58, 30, 12))[0]
        elif c["status"] == "lakannut":
            k = rng.choice((0, 1))
        else:
            k = rng.choices((0, 1, 2, 3), (16, 74, 9, 1))[0]
        rest = [d for d in DEPTS if d not in must and affinity(c, d) > 0]
        c["depts"] = must | set(wsample(rest, [affinity(c, d) for d in rest], k - len(must)))


def interactions(dept, companies, n):
    """One department's log: every served company at least once, the core companies many times."""
    lang = {"TALENT": "en", "HELLO": "sv"}.get(dept, "fi")
    served = [c for c in companies if dept in c["depts"]]
    assert len(served) <= n, (dept, len(served))
    picks = served + rng.choices(served, [8 if c["core"] else 1 + SIZES.index(c["size"]) / 2 for c in served],
                                 k=n - len(served))
    advisors = [staff_email(f, l) for f, l, role in DEPTS[dept] if role == "advisor"]
    managers = [staff_email(f, l) for f, l, role in DEPTS[dept] if role == "manager"]
    rows = []
    for c in picks:
        d = rng.choices(DAYS, DAY_WEIGHTS)[0]
        while c["status"] == "lakannut" and d > dt.date(2025, 9, 30):
            d = rng.choices(DAYS, DAY_WEIGHTS)[0]
        special = SPECIAL.get((dept, c["sector"]))
        subject, prog, notes = special if special and rng.random() < 0.4 else rng.choice(TOPICS[dept])
        note = " ".join(rng.sample(notes.split("|"), min(notes.count("|") + 1, rng.choice((1, 1, 2)))))
        conf = rng.choices(("E", ""), (70, 30))[0]
        if dept == "TYO" and c["size"] != "1-4" and rng.random() < 0.17:
            (subject, note), conf = rng.choice(CONFIDENTIAL), "K"
            note = note.format(n=rng.randint(*HEADCOUNT[c["size"]]))
        prog = prog if prog and rng.random() < 0.35 else rng.choice(c["progs"]) if c["progs"] and rng.random() < 0.2 else ""
        follow = d + dt.timedelta(days=rng.randint(3, 30)) if rng.random() < 0.25 else None
        done = follow and rng.random() < (0.9 if follow < RECENT else 0.1)
        fmt = dt.date.isoformat if lang == "en" else dmy
        row = [fmt(d), id_variant(c["id"]) if c["id"] and rng.random() < 0.1 else c["id"], c["name"],
               rng.choices(TYPES[lang], TYPE_W)[0] if d.weekday() < 5 else TYPES[lang][4], subject, note,
               rng.choice(c["emails"]) if c.get("emails") and rng.random() < 0.7 else "",
               rng.choice(managers) if managers and rng.random() < 0.05 else rng.choice(advisors),
               fmt(follow) if follow else "", {"en": "yes", "sv": "ja"}.get(lang, "x") if done else "", prog]
        rows.append((d, row + [conf] if dept == "TYO" else row))
    rows.sort(key=lambda r: r[0])
    return [r for _, r in rows]


def write(name, header, rows, encoding="utf-8", delimiter=";", crlf=False):
    with open(OUT / name, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
        w.writerow(header.split(delimiter))
        w.writerows(rows)
    return len(rows)


def main():
    biz, new = build_companies()
    everyone = biz + new
    users = [(staff_email(f, l), f"{f} {l}", role, dept) for dept, us in DEPTS.items() for f, l, role in us]
    n = {"programmes.csv": write("programmes.csv", "Koodi;Nimi;Namn;Name;Teema", PROGRAMMES),
         "users.csv": write("users.csv", "email,name,role,department", users, delimiter=",")}
    biz_advisors = [u[0] for u in users if u[3] == "BIZ" and u[2] == "advisor"]
    rows = [(c["id"], c["name"], c["sv"], c["form"], c["tol"], c["cls"], c["size"], c["web"], c["street"], c["postal"],
             c["city"], c["kunta"], c["country"], c["status"], rng.choice(biz_advisors) if rng.random() < 0.6 else "",
             ", ".join(c["progs"])) for c in biz]
    n["yritykset_business_espoo.csv"] = write(
        "yritykset_business_espoo.csv", "Y-tunnus;Yrityksen nimi;Rinnakkaisnimi;Yritysmuoto;Toimialakoodi;Toimialaluokitus;"
        "Henkilöstöluokka;Verkkosivu;Katuosoite;Postinumero;Postitoimipaikka;Kuntakoodi;Maa;Tila;Vastuuhenkilö;Ohjelmat",
        rows, encoding="cp1252", crlf=True)
    n["companies_talent_hub.csv"] = write(
        "companies_talent_hub.csv", "Business ID,Company name,Industry,Size,Website,Street address,Postal code,City,Country,"
        "Owner,Programmes", talent_rows(biz, new, [u[0] for u in users if u[3] == "TALENT"]),
        encoding="utf-8-sig", delimiter=",")
    assign_departments(everyone)
    n["yhteyshenkilot.csv"] = write("yhteyshenkilot.csv", "Etunimi;Sukunimi;Sähköposti;Puhelin;Titteli;Kieli;Y-tunnus;"
                                    "Yritys;Rooli;Alkaen", build_contacts(everyone), encoding="utf-8-sig")
    logs = {d: interactions(d, everyone, k) for d, k in
            (("BIZ", 1000), ("TYO", 700), ("TALENT", 499), ("HELLO", 299), ("PLAN", 250), ("PREMISES", 250))}
    # deliberate quirks in the logs
    next(r for r in logs["BIZ"] if r[0].startswith("2") and r[0].endswith(".2.2025"))[0] = "31.2.2025"
    i = len(logs["TALENT"]) // 2
    logs["TALENT"].insert(i + 1, list(logs["TALENT"][i]))
    row = next(r for r in logs["TYO"] if re.fullmatch(r"\d{7}-\d", r[1]) and r[0].endswith(".2025"))
    row[1] = row[1].replace("-", "\u2013")
    i = next(i for i, r in enumerate(logs["HELLO"]) if r[0].endswith(".3.2026") and int(r[0].split(".")[0]) > 12)
    logs["HELLO"].insert(i, ["12.3.2026", "", "Mattby Städservice Ab", "Samtal", "Internationell rekrytering",
                             "Företaget vill anställa två städare från Ukraina.", "", logs["HELLO"][i][7], "", "", ""])
    fi_head = "Päivämäärä;Y-tunnus;Yritys;Tyyppi;Aihe;Muistiinpanot;Yhteyshenkilön sähköposti;Neuvoja;Seurantapäivä;" \
              "Seuranta tehty;Ohjelma"
    for dept, name, head, enc, crlf in (
            ("BIZ", "tapaamiset_business_espoo.csv", fi_head, "cp1252", True),
            ("TYO", "tyollisyys_tyonantajat.csv", "Pvm;Y-tunnus;Yritys;Yhteydenottotapa;Aihe;Kuvaus;Yhteyshenkilön "
             "sähköposti;Neuvoja;Seurantapäivä;Seuranta tehty;Ohjelma;Luottamuksellinen", "utf-8-sig", False),
            ("TALENT", "talent_hub_interactions.csv", "Date,Business ID,Company,Type,Subject,Notes,Contact email,Advisor,"
             "Follow-up date,Follow-up done,Programme", "utf-8", False),
            ("HELLO", "hello_espoo_kontakter.csv", "Datum;FO-nummer;Företag;Kontakttyp;Ämne;Anteckningar;Kontaktpersonens "
             "e-post;Rådgivare;Uppföljningsdatum;Uppföljning klar;Program", "utf-8", False),
            ("PLAN", "kaupunkisuunnittelu.csv", fi_head, "utf-8", False),
            ("PREMISES", "tilapalvelut.csv", fi_head, "utf-8", False)):
        n[name] = write(name, head, logs[dept], encoding=enc, delimiter="," if dept == "TALENT" else ";", crlf=crlf)
    for name, count in n.items():
        print(f"{name:32} {count:5} rows")


if __name__ == "__main__":
    main()
