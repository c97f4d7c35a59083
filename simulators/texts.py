"""Caller descriptions for generated incidents: Bahasa Indonesia first, some Javanese and English.

Templates have slots filled at random ({kel} kelurahan, {road}, {place}, {age}, ...),
so the classifier sees varied, realistic text and is exercised rather than bypassed.
"""

from __future__ import annotations

import random
import re

ROADS: tuple[str, ...] = (
    "Jl. Dhoho", "Jl. Hayam Wuruk", "Jl. Brawijaya", "Jl. Joyoboyo", "Jl. Semeru",
    "Jl. Panglima Sudirman", "Jl. Kapten Tendean", "Jl. Mayor Bismo", "Jl. Veteran",
    "Jl. Sersan Bahrun", "Jl. Letjen Suprapto", "Jl. Pattimura", "Jl. Diponegoro",
    "Jl. Raya Kediri-Kertosono", "Jl. Sunan Ampel", "Jl. KH Agus Salim", "Jl. Penanggungan",
    "Jl. Mauni", "Jl. Erlangga", "Jl. Urip Sumoharjo", "Jl. Imam Bonjol", "Jl. Ahmad Yani",
)
PLACES: tuple[str, ...] = (
    "Pasar Setonobetek", "Pasar Bandar", "Pasar Pahing", "Stasiun Kediri", "Terminal Tamanan",
    "GOR Jayabaya", "Stadion Brawijaya", "kampus UNP", "Jembatan Brawijaya", "Jembatan Lama",
    "Taman Sekartaji", "alun-alun", "Kediri Mall", "Pondok Lirboyo", "Goa Selomangleng",
    "SMP negeri", "masjid", "perempatan lampu merah", "pom bensin", "minimarket", "balai RW",
    "gang sebelah musala", "warung kopi", "bengkel motor", "puskesmas",
)
FIRST_NAMES: tuple[str, ...] = (
    "Pak Slamet", "Bu Sri", "Mbah Karto", "Mas Andi", "Mbak Dewi", "Pak Joko", "Bu Siti",
    "Pak Bambang", "Bu Endang", "Mas Rizki", "Pak Haji Mansur", "Bu Yuli",
)

# (language, template). Language codes: id (Bahasa Indonesia), jv (Javanese), en (English).
GENUINE: dict[str, tuple[tuple[str, str], ...]] = {
    "fire": (
        ("id", "Tolong pak, ada kebakaran rumah di {road} dekat {place}, apinya sudah besar"),
        ("id", "ada rumah terbakar di kelurahan {kel}, asap hitam tebal, warga panik"),
        ("id", "kebakaran toko di dekat {place}, api keluar dari atap, cepat kirim damkar"),
        ("id", "tabung gas elpiji bocor terus meledak di warung {kel}, ada api"),
        ("id", "korsleting listrik, rumah {name} di {kel} berasap dan mulai terbakar"),
        ("id", "kebakaran lahan kosong di {kel}, apinya merembet ke rumah warga"),
        ("id", "gudang dekat {road} kebakaran pak, ada orang yang masih di dalam"),
        ("id", "kios di {place} terbakar, api besar, tolong damkar segera"),
        ("id", "motor terbakar di {road} dekat {place}, api mulai menjalar ke toko"),
        ("jv", "tulung pak, omahe {name} kobong neng {kel}, genine gedhe"),
        ("jv", "ana kobongan neng cedhak {place}, kebule ireng akeh banget"),
        ("en", "there is a house on fire near {place}, lots of smoke, please send firefighters"),
    ),
    "traffic_accident": (
        ("id", "ada kecelakaan motor di {road} dekat {place}, korban tergeletak di jalan"),
        ("id", "tabrakan mobil dan motor di perempatan {road}, satu orang luka berdarah"),
        ("id", "kecelakaan lalu lintas di {kel}, pengendara motor jatuh tidak sadar"),
        ("id", "truk menabrak pejalan kaki di {road}, tolong kirim ambulans dan polisi"),
        ("id", "laka lantas depan {place}, dua motor tabrakan, korban luka-luka"),
        ("id", "mobil terguling di {road}, sopirnya terjepit"),
        ("id", "anak SMA jatuh dari motor ditabrak mobil di {road}, kakinya patah"),
        ("id", "bus tabrakan dengan motor di dekat {place}, korban tidak bergerak"),
        ("jv", "ana kecelakaan neng {road}, montor tabrakan, wonge semaput"),
        ("jv", "tulung mas, ana wong ketabrak motor cedhak {place}, getihe akeh"),
        ("en", "traffic accident on {road}, a motorbike hit a car, the rider is injured"),
    ),
    "disaster": (
        ("id", "banjir di {kel}, air sudah masuk rumah setinggi lutut, warga minta evakuasi"),
        ("id", "pohon tumbang menimpa rumah di {road}, ada orang tertimpa"),
        ("id", "air sungai Brantas meluap, rumah di {kel} kebanjiran, ada lansia terjebak"),
        ("id", "tanah longsor di tebing dekat {place}, rumah warga tertimbun"),
        ("id", "angin puting beliung di {kel}, atap rumah beterbangan, banyak pohon tumbang"),
        ("id", "banjir bandang di {kel}, arus deras, warga terjebak di atap rumah"),
        ("id", "tembok roboh setelah hujan deras di {road}, ada korban tertimpa"),
        ("id", "genangan banjir makin tinggi di {kel}, anak-anak dan lansia perlu dievakuasi"),
        ("jv", "banjir neng {kel} pak, banyune wis mlebu omah, tulung dievakuasi"),
        ("jv", "wit gedhe ambruk nibani omah neng {road}"),
        ("en", "flooding in {kel}, water is entering houses, elderly people need evacuation"),
    ),
    "animal_disturbance": (
        ("id", "ada ular kobra masuk rumah di {kel}, tolong damkar tangkap"),
        ("id", "sarang tawon vespa besar di atap rumah {name}, sudah ada yang tersengat"),
        ("id", "ular piton besar di selokan dekat {place}, warga takut"),
        ("id", "ada monyet liar mengamuk di {kel}, masuk ke dapur warga"),
        ("id", "anjing galak menggigit anak kecil di {road}, anjingnya masih berkeliaran"),
        ("id", "ada ular masuk kamar anak saya di {kel}, tolong cepat"),
        ("id", "tawon ndas menyerang warga di dekat {place}"),
        ("jv", "ana ula gedhe mlebu omah neng {kel}, tulung dicekel"),
        ("jv", "tawon ndhas nggawe susuh neng plafon omahe {name}"),
        ("en", "a snake got into our kitchen in {kel}, please send someone to catch it"),
    ),
    "unrest": (
        ("id", "ada tawuran pelajar di {road} dekat {place}, bawa senjata tajam"),
        ("id", "perkelahian antar warga di {kel}, ada yang terluka kena bacok"),
        ("id", "ada keributan di {place}, orang mabuk mengamuk merusak warung"),
        ("id", "pencurian motor di {kel}, pelaku masih di sekitar {road}"),
        ("id", "ada begal di {road}, korban dipukul dan motornya dibawa kabur"),
        ("id", "segerombolan pemuda bawa celurit di dekat {place}, warga ketakutan"),
        ("id", "ada maling tertangkap warga di {kel}, mau dihakimi massa"),
        ("jv", "ana gelut neng {place}, wonge nggawa arit, tulung polisi"),
        ("jv", "ana maling motor neng {kel}, malinge mlayu menyang {road}"),
        ("en", "there is a fight near {place}, someone has a knife, please send police"),
    ),
    "medical": (
        ("id", "tolong ada orang pingsan di {place}, tidak sadarkan diri"),
        ("id", "ibu saya sesak napas berat di rumah {kel}, umur {age} tahun"),
        ("id", "bapak-bapak kejang-kejang di {road}, tolong kirim ambulans"),
        ("id", "ada ibu hamil mau melahirkan, pendarahan, di {kel}"),
        ("id", "kakek saya jatuh di kamar mandi, tidak bisa bangun, umur {age}"),
        ("id", "anak saya demam tinggi dan kejang, kami di {kel}"),
        ("id", "ada orang serangan jantung di {place}, dadanya sakit sekali"),
        ("id", "suami saya tiba-tiba tidak bisa bicara, mulutnya mencong, kemungkinan stroke, di {kel}"),
        ("id", "ada yang keracunan makanan setelah hajatan di {kel}, muntah-muntah"),
        ("id", "pekerja jatuh dari atap bangunan di {road}, kepalanya berdarah"),
        ("jv", "tulung mbah kula semaput neng omah {kel}, ambegane sesek"),
        ("jv", "bojoku arep nglairake, getihe metu akeh, neng {kel}"),
        ("en", "a man collapsed near {place}, he is not breathing well, we need an ambulance"),
    ),
    "non_emergency": (
        ("id", "lampu penerangan jalan di {road} mati sudah seminggu"),
        ("id", "jalan berlubang besar di {road} dekat {place}, sudah banyak yang jatuh"),
        ("id", "sampah menumpuk di {kel} belum diangkut tiga hari, bau sekali"),
        ("id", "saluran air mampet di {road}, kalau hujan langsung tergenang"),
        ("id", "air PDAM di {kel} tidak mengalir sejak kemarin"),
        ("id", "pohon di pinggir {road} sudah miring, minta dipangkas sebelum tumbang"),
        ("id", "ada pengamen dan anak jalanan di perempatan {road} setiap sore"),
        ("id", "parkir liar di depan {place} bikin macet"),
        ("id", "lampu lalu lintas di perempatan {road} rusak, kedip terus"),
        ("jv", "dalan neng {road} bolong gedhe, akeh sing tiba"),
        ("en", "the street light on {road} has been broken for a week"),
    ),
}

GHOST: tuple[str, ...] = (
    "panggilan kosong, tidak ada suara",
    "penelepon diam saja, hanya terdengar suara latar",
    "telepon tersambung tapi tidak ada yang bicara, lalu terputus",
    "silent call, hanya suara napas lalu tutup",
    "panggilan tanpa suara dari nomor yang sama",
    "terdengar suara kantong, kemungkinan kepencet di saku",
)
PRANK: tuple[str, ...] = (
    "penelepon tertawa lalu menutup telepon",
    "anak-anak main telepon, bilang ada kebakaran lalu tertawa",
    "penelepon iseng bilang ada ular di {place}, lalu tertawa dan tutup telepon",
    "penelepon mengaku ada kecelakaan di {road} tapi tertawa, tidak bisa menyebut lokasi jelas",
    "penelepon menyanyi lalu menutup telepon",
    "orang iseng minta dikirim pizza",
    "penelepon mengolok-olok operator lalu tutup",
    "telepon iseng, suara anak kecil bercanda",
    "ngapusi, jarene ana kobongan neng {kel} terus ngguyu",
)
INFORMATION: tuple[str, ...] = (
    "penelepon tanya nomor telepon PLN untuk lapor listrik padam",
    "tanya jadwal buka puskesmas {kel}",
    "tanya cara mengurus KTP yang hilang",
    "penelepon menanyakan rumah sakit yang buka 24 jam",
    "mau tanya apakah jalan {road} ditutup untuk acara",
    "tanya nomor pemadam kebakaran kabupaten",
    "penelepon tanya info vaksin untuk anak",
    "asking for the number of the nearest hospital",
)

_SLOT = re.compile(r"\{(\w+)\}")


def fill(template: str, rng: random.Random, kel: str | None) -> str:
    """Fill a template's slots with names of this city."""

    def pick(m: re.Match[str]) -> str:
        slot = m.group(1)
        if slot == "kel":
            return kel or rng.choice(PLACES)
        if slot == "road":
            return rng.choice(ROADS)
        if slot == "place":
            return rng.choice(PLACES)
        if slot == "name":
            return rng.choice(FIRST_NAMES)
        if slot == "age":
            return str(rng.randint(55, 88))
        return m.group(0)

    return _SLOT.sub(pick, template)


def describe(
    rng: random.Random, call_type: str, category: str, kel: str | None,
    languages: dict[str, float] | None = None,
) -> tuple[str, str]:
    """A (description, language) for a call of this type and true category."""
    if call_type == "ghost":
        return rng.choice(GHOST), "id"
    if call_type == "prank":
        return fill(rng.choice(PRANK), rng, kel), "id"
    if call_type == "information":
        return fill(rng.choice(INFORMATION), rng, kel), "id"
    options = GENUINE[category]
    weights = languages or {"id": 0.8, "jv": 0.15, "en": 0.05}
    lang = rng.choices(list(weights), weights=list(weights.values()))[0]
    pool = [t for lg, t in options if lg == lang] or [t for _lg, t in options]
    text = fill(rng.choice(pool), rng, kel)
    # Callers type fast on WhatsApp and operators type fast on calls: some lower case, some typos.
    if rng.random() < 0.3:
        text = text.lower()
    if rng.random() < 0.1:
        text = text.replace("tolong", "tlg").replace("yang", "yg").replace("tidak", "tdk")
    return text, lang
