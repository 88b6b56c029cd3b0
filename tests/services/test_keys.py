"""Key rotation: after `keys rotate`, everything decrypts with the new key alone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.flows import effects as fx
from bot.flows.core import FlowConfig
from bot.security import DecryptionError, Vault, generate_key
from bot.services.audit import Audit
from bot.services.citizens import Actor, CitizenService
from bot.services.keys import rotate_stored_data
from bot.storage.models import Citizen, FamilyMember
from tests.ids import rid


async def test_rotation_re_encrypts_the_database_and_the_files(
    sqlite_db: str, tmp_path: Path
) -> None:
    old, new, hash_key = generate_key(), generate_key(), generate_key()
    before = Vault([old], hash_key)
    citizens = CitizenService(
        before,
        Audit(before),
        FlowConfig(),
        media_dir=tmp_path / "media",
        application_expiry=timedelta(hours=1),
    )
    registered = await citizens.register(
        Actor(1, "en"), fx.RegisterCitizen("+8613800138000", "王小明", rid("11010519850612001"))
    )
    assert isinstance(registered, fx.Registered)
    await citizens.add_member(
        registered.citizen_id, fx.AddMember("王大刚", rid("11010519560203001"), "father")
    )
    reference = tmp_path / "references" / "abc.bin"
    reference.parent.mkdir()
    reference.write_text(before.encrypt("image bytes, base64"), encoding="ascii")

    during = Vault([new, old], hash_key)  # the new key first, the old one still accepted
    report = await rotate_stored_data(during, tmp_path)
    assert (report.citizens, report.members, report.files) == (1, 1, 1)

    after = Vault([new], hash_key)  # the old key removed
    citizen = await Citizen.get(id=registered.citizen_id)
    member = await FamilyMember.get(citizen_id=citizen.id)
    assert after.decrypt(citizen.id_enc) == rid("11010519850612001")
    assert after.decrypt(citizen.phone_enc) == "+8613800138000"
    assert after.decrypt(member.id_enc) == rid("11010519560203001")
    assert after.decrypt(reference.read_text(encoding="ascii")) == "image bytes, base64"
    with pytest.raises(DecryptionError):
        before.decrypt(member.id_enc)
    # look-ups by keyed hash are unaffected
    assert citizen.id_hash == after.keyed_hash(rid("11010519850612001"))
    # running it again changes nothing that matters
    again = await rotate_stored_data(after, tmp_path)
    assert again.citizens == 1 and after.decrypt(citizen.id_enc)
