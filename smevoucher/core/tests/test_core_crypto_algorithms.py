"""Field encryption by setting: SM4-GCM (national algorithm, the default) or AES-256-GCM;
every ciphertext names its algorithm and key, so values written under either still read."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from smevoucher.core import crypto

AES_KEY = "aes1:" + "00112233445566778899aabbccddeeff" * 2
SM4_KEY = "dev:000102030405060708090a0b0c0d0e0f"
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def aes(settings):
    settings.FIELD_ENCRYPTION_ALGORITHM = "aes256gcm"
    settings.FIELD_ENCRYPTION_KEYS = [AES_KEY, SM4_KEY]


def test_sm4_is_the_default(settings):
    assert settings.FIELD_ENCRYPTION_ALGORITHM == "sm4gcm"
    assert crypto.encrypt(ID_NUMBER).startswith("sm4gcm:")


def test_aes_256_gcm_encrypts_and_decrypts(aes):
    stored = crypto.encrypt(ID_NUMBER)
    assert stored.startswith("aes256gcm:aes1:")
    assert ID_NUMBER not in stored
    assert crypto.decrypt(stored) == ID_NUMBER


def test_values_written_under_sm4_still_read_after_the_switch(settings):
    # given a value written under SM4
    settings.FIELD_ENCRYPTION_KEYS = [SM4_KEY]
    old = crypto.encrypt(ID_NUMBER)
    # when the platform switches to AES-256 with a new key in front
    settings.FIELD_ENCRYPTION_ALGORITHM = "aes256gcm"
    settings.FIELD_ENCRYPTION_KEYS = [AES_KEY, SM4_KEY]
    new = crypto.encrypt(ID_NUMBER)
    # then both read, and new values are AES
    assert (crypto.decrypt(old), crypto.decrypt(new)) == (ID_NUMBER, ID_NUMBER)
    assert old.startswith("sm4gcm:dev:")
    assert new.startswith("aes256gcm:aes1:")
    # and back again: AES values still read under SM4
    settings.FIELD_ENCRYPTION_ALGORITHM = "sm4gcm"
    settings.FIELD_ENCRYPTION_KEYS = [SM4_KEY, AES_KEY]
    assert crypto.decrypt(new) == ID_NUMBER


def test_a_tampered_aes_ciphertext_is_refused(aes):
    prefix, key_id, token = crypto.encrypt("6222021234567890123").split(":", 2)
    flipped = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{prefix}:{key_id}:{flipped}")


def test_a_ciphertext_cannot_name_another_algorithm_for_its_key(aes):
    # an SM4 value relabelled as AES (or the reverse) names a key of the wrong size
    _prefix, key_id, token = crypto.encrypt(ID_NUMBER).split(":", 2)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"sm4gcm:{key_id}:{token}")


@pytest.mark.parametrize(
    ("algorithm", "keys"),
    [
        ("aes256gcm", [SM4_KEY]),  # AES-256 needs a 256-bit current key
        ("sm4gcm", [AES_KEY]),  # SM4 needs a 128-bit one
        ("des", [SM4_KEY]),
    ],
)
def test_a_key_or_algorithm_that_does_not_fit_is_a_configuration_error(settings, algorithm, keys):
    settings.FIELD_ENCRYPTION_ALGORITHM = algorithm
    settings.FIELD_ENCRYPTION_KEYS = keys
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt(ID_NUMBER)


def test_a_key_of_another_length_is_refused(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["short:00112233"]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt(ID_NUMBER)


def test_the_blind_index_does_not_follow_the_encryption_setting(aes, settings):
    # lookups of rows indexed before a switch keep working
    digest = crypto.blind_index(ID_NUMBER, purpose="id_number")
    settings.FIELD_ENCRYPTION_ALGORITHM = "sm4gcm"
    assert crypto.blind_index(ID_NUMBER, purpose="id_number") == digest
