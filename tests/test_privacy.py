"""Masking personal data in public complaint text, over the spellings people really use."""

from __future__ import annotations

import pytest

from dispatch.domain import privacy
from dispatch.domain.privacy import EMAIL, HOUSE, NAME, NIK, PHONE, mask


@pytest.mark.parametrize("text", [
    "3571012345678901",
    "3571 0123 4567 8901",
    "3571.0123.4567.8901",
    "3571-0123-4567-8901",
    "35 71 01 23 45 67 89 01",
    "３５７１０１２３４５６７８９０１",  # full-width digits
])
def test_nik_in_any_grouping_is_masked(text: str) -> None:
    out = mask(f"NIK saya {text} mohon dibantu")
    assert out == f"NIK saya {NIK} mohon dibantu"


@pytest.mark.parametrize("text", [
    "081234567890",
    "0812-3456-7890",
    "0812 3456 7890",
    "0812.3456.7890",
    "0812/3456/7890",
    "+62 812 3456 7890",
    "+62-812-3456-7890",
    "+6281234567890",
    "6281234567890",
    "(0354) 681234",
    "0354-681234",
    "０８１２－３４５６－７８９０",  # full-width digits and dash
    "＋６２ ８１２ ３４５６ ７８９０",
    "0812 345 678",
])
def test_phone_numbers_in_any_spelling_are_masked(text: str) -> None:
    out = mask(f"hubungi {text} ya")
    assert out == f"hubungi {PHONE} ya"
    assert not any(ch.isdigit() for ch in out)


@pytest.mark.parametrize("text", [
    "budi.santoso@gmail.com",
    "budi+lapor@mail.kedirikota.go.id",
    "budi [at] gmail [dot] com",
    "budi(at)gmail(dot)com",
    "budi ＠ gmail.com",
])
def test_email_addresses_are_masked(text: str) -> None:
    assert mask(f"email {text}, terima kasih") == f"email {EMAIL}, terima kasih"


@pytest.mark.parametrize(("text", "masked"), [
    ("rumah No. 12 jalan Dhoho", f"rumah {HOUSE} jalan Dhoho"),
    ("Jl. Mawar no 12A rt 3", f"Jl. Mawar {HOUSE} rt 3"),
    ("depan nomor 7/2 gang buntu", f"depan {HOUSE} gang buntu"),
    ("Jl. Dhoho No.45B.", f"Jl. Dhoho {HOUSE}."),
    ("rumah nomor: 8", f"rumah {HOUSE}"),
])
def test_house_numbers_are_masked(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize(("text", "masked"), [
    ("nama saya budi santoso warga RT 3", f"nama saya {NAME} warga RT 3"),
    ("Nama saya Budi Santoso, tinggal di Mojoroto", f"Nama saya {NAME}, tinggal di Mojoroto"),
    ("saya bernama Siti dari Pesantren", f"saya bernama {NAME} dari Pesantren"),
    ("Bapak/Ibu Suparno tolong dibantu", f"Bapak/Ibu {NAME} tolong dibantu"),
    ("rumah Ibu Siti Aminah kebanjiran", f"rumah Ibu {NAME} kebanjiran"),
    ("pak Joko bilang sudah lapor", f"pak {NAME} bilang sudah lapor"),
    ("Saya Budi, warga Kota", f"Saya {NAME}, warga Kota"),
    ("atas nama Hendra Wijaya", f"atas nama {NAME}"),
])
def test_recognisable_names_are_masked(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize("text", [
    "lampu PJU mati di jalan Dhoho sudah 3 hari",
    "Pak RT sudah tahu, Ibu Kota ramai",
    "Saya ingin melapor jalan berlubang 200 meter",
    "sejak 05/12/2026 10.30 air PDAM mati",
    "kejadian 12-11-2026 pukul 21:45 WIB",
    "tahun 2026 ada 15 rumah terdampak, kerugian Rp 1.500.000",
    "RT 03 RW 05 Kelurahan Bandar Lor",
])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert mask(text) == text


def test_the_reporters_own_name_is_masked_wherever_it_occurs() -> None:
    out = mask("laporan budi santoso: lampu mati, Santoso sudah telepon",
               known=["Budi Santoso", None, ""])
    assert "udi" not in out and "antoso" not in out and NAME in out


def test_several_kinds_in_one_text() -> None:
    text = ("Nama saya Rina, NIK 3571 0123 4567 8901, HP ０８１２３４５６７８９０, "
            "rumah Jl. Melati No. 9, email rina@example.id")
    out = mask(text)
    for secret in ("Rina", "3571", "0812", "８", "No. 9", "rina@"):
        assert secret not in out, (secret, out)
    assert out.count(PHONE) == 1 and out.count(NIK) == 1


def test_empty_and_none() -> None:
    assert mask(None) == "" and mask("") == ""


def test_public_ids_are_random_unique_and_read_back_in_any_spelling() -> None:
    ids = {privacy.new_public_id() for _ in range(2000)}
    assert len(ids) == 2000
    one = next(iter(ids))
    assert privacy.normalize_public_id(one) == one
    assert privacy.normalize_public_id(one.lower().replace("-", " ")) == one
    for bad in ("SGA-2026-000001", "", "AAAA-AAAA-AAAA-AAA0", "x" * 100, "<script>"):
        assert privacy.normalize_public_id(bad) is None
