"""The Python bindings end to end: a wallet receives a credential from the issuer service over
OpenID4VCI, presents it selectively to a DoorVerifier (QR flow) and to the door service
(OpenID4VP), and every refusal comes back as a typed DojangError with its stable code.

Run by bindings/tests/foreign.rs, which generates the `dojang` module, starts the services and
names them in the JSON file DOJANG_TEST_ENV points to.
"""

import asyncio
import base64
import hashlib
import json
import os
import unittest
import urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import dojang

with open(os.environ["DOJANG_TEST_ENV"], encoding="utf-8") as f:
    ENV = json.load(f)


def http_json(method, url, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def new_offer():
    """An employee ID offer from the issuer's admin API: the link and its PIN."""
    offer = http_json(
        "POST",
        ENV["issuer_url"] + "/admin/offers",
        {"type": "EmployeeIdCredential", "claims": ENV["employee"]},
        ENV["admin_token"],
    )
    return offer["offer_url"], offer["tx_code"]


def config():
    registry = dojang.RegistryConfig(url=ENV["registry_url"], operator_key=ENV["registry_key"])
    return dojang.WalletConfig(registry=registry, allow_loopback_http=True)


def run(coroutine):
    return asyncio.run(coroutine)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class DictStore(dojang.CredentialStore):
    """The app's own store: a dict, to prove the wallet writes through the foreign trait."""

    def __init__(self):
        self.records = {}

    def put(self, id, record):
        self.records[id] = record

    def get(self, id):
        return self.records.get(id)

    def remove(self, id):
        self.records.pop(id, None)

    def ids(self):
        return list(self.records)


class BrokenStore(DictStore):
    def ids(self):
        raise OSError("disk on fire")

    def get(self, id):
        raise dojang.DojangError.Storage(code="storage.locked", detail="the keystore is locked")


class CryptographySigner(dojang.PlatformSigner):
    """A platform key the way Android Keystore / Secure Enclave give it: DER signatures."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.calls = 0

    def public_jwk(self):
        numbers = self.key.public_key().public_numbers()
        return json.dumps({
            "kty": "EC", "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
        })

    def sign(self, message):
        self.calls += 1
        return self.key.sign(bytes(message), ec.ECDSA(hashes.SHA256()))


class WrongKeySigner(CryptographySigner):
    def sign(self, message):
        return ec.generate_private_key(ec.SECP256R1()).sign(bytes(message), ec.ECDSA(hashes.SHA256()))


def door():
    return dojang.DoorVerifier(
        ENV["policy"], ENV["bundle"], ENV["bundle_operator_key"], dojang.DoorConfig(registry=None, online=False)
    )


def codes(decision):
    return [reason.code for reason in decision.reasons]


class WalletToDoor(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = DictStore()
        cls.wallet = dojang.Wallet.create(cls.store, config())
        offer, pin = new_offer()
        cls.credential = run(cls.wallet.receive_credential(offer, pin))
        cls.door = door()

    def test_received_credential_is_stored_and_listed_with_its_claims(self):
        credential = self.credential
        self.assertEqual(credential.format, "dc+sd-jwt")
        self.assertEqual(credential.credential_type, ENV["credential_type"])
        self.assertEqual(credential.configuration_id, "EmployeeIdCredential")
        self.assertTrue(credential.issuer.startswith("did:key:"))
        self.assertIsNotNone(credential.expires_at)
        claims = {claim.path: json.loads(claim.value_json) for claim in credential.claims}
        self.assertEqual(claims["/department"], "Digital Policy")
        self.assertEqual(claims["/name_ko"], "김민준")
        self.assertIn("/department", credential.disclosable)
        # The record went through the app's store (the foreign trait), and reads back.
        self.assertEqual(list(self.store.records), [credential.id])
        self.assertEqual(self.wallet.credentials(), [credential])
        self.assertEqual(self.wallet.credential(credential.id), credential)

    def test_selective_qr_presentation_is_allowed_once(self):
        challenge = self.door.challenge()
        self.assertTrue(challenge.qr_text.startswith("DJN1:"))
        self.assertEqual(dojang.read_door_challenge(challenge.qr_text).nonce, challenge.nonce)
        qr = run(self.wallet.door_presentation(self.credential.id, challenge.qr_text, ["/department"]))
        self.assertTrue(qr.startswith("DJ1:"))
        self.assertIn("<svg", dojang.qr_svg(qr))
        decision = run(self.door.verify(qr))
        self.assertTrue(decision.allowed, codes(decision))
        self.assertEqual(codes(decision), ["ALLOWED"])
        self.assertEqual(decision.credential_type, ENV["credential_type"])
        disclosed = json.loads(decision.disclosed_json)
        self.assertEqual(disclosed["department"], "Digital Policy")
        # Of the claims the holder may withhold, only the one chosen left the wallet.
        withheld = [p[1:] for p in self.credential.disclosable if p != "/department" and p.count("/") == 1]
        self.assertTrue(withheld)
        for name in withheld:
            self.assertNotIn(name, disclosed)
        # The same QR code again is a replay.
        replay = run(self.door.verify(qr))
        self.assertFalse(replay.allowed)
        self.assertEqual(codes(replay)[0], "NONCE_REPLAYED")

    def test_tampered_disclosure_is_denied_with_its_code(self):
        challenge = self.door.challenge()
        presentation = run(
            self.wallet.present(self.credential.id, challenge.audience, challenge.nonce, ["/department"])
        )
        parts = presentation.split("~")
        forged = b64url(json.dumps(["c2FsdHNhbHRzYWx0", "department", "Digital Policy"]).encode())
        parts[1] = forged  # the one disclosure, replaced by the holder
        decision = run(self.door.verify("~".join(parts)))
        self.assertFalse(decision.allowed)
        self.assertEqual(codes(decision)[0], "DISCLOSURE_INVALID")
        self.assertEqual(decision.reasons[0].en, "A disclosed claim has been tampered with")

    def test_withholding_a_required_claim_is_denied(self):
        challenge = self.door.challenge()
        qr = run(self.wallet.door_presentation(self.credential.id, challenge.qr_text, []))
        decision = run(self.door.verify(qr))
        self.assertFalse(decision.allowed)
        self.assertEqual(codes(decision), ["CLAIM_MISSING"])
        self.assertTrue(decision.reasons[0].ko)

    def test_a_nonce_the_door_never_issued_is_denied(self):
        presentation = run(self.wallet.present(self.credential.id, "https://door.example/bindings", "made-up", []))
        decision = run(self.door.verify(presentation))
        self.assertEqual(codes(decision), ["NONCE_UNKNOWN"])

    def test_openid4vp_request_and_response_with_the_door_service(self):
        request = http_json("POST", ENV["door_url"] + "/api/requests")
        read = run(self.wallet.read_request(request["openid4vp"]))
        self.assertTrue(read.verifier.startswith("redirect_uri:"))
        self.assertEqual(read.credentials[0].credential_types, [ENV["credential_type"]])
        self.assertEqual(read.credentials[0].claims, ["/department"])
        run(self.wallet.respond(self.credential.id, read, read.credentials[0].claims))
        state = http_json("GET", ENV["door_url"] + "/api/requests/" + request["id"])
        self.assertEqual(state["state"], "decided", state)
        self.assertTrue(state["decision"]["allow"], state)

    def test_unknown_credential_and_bad_pointer(self):
        with self.assertRaises(dojang.DojangError.NotFound) as caught:
            self.wallet.credential("nope")
        self.assertEqual(caught.exception.code, "credential.not_found")
        with self.assertRaises(dojang.DojangError.Invalid) as caught:
            run(self.wallet.present(self.credential.id, "aud", "n", ["/no_such_claim"]))
        self.assertEqual(caught.exception.code, "sd_jwt.pointer_not_found")


class Issuance(unittest.TestCase):
    def test_wrong_or_missing_pin_is_refused_with_a_code(self):
        wallet = dojang.Wallet.create(None, config())
        offer, pin = new_offer()
        read = run(wallet.read_offer(offer))
        self.assertEqual(read.issuer_url, ENV["issuer_url"])
        self.assertEqual(read.configuration_id, "EmployeeIdCredential")
        self.assertTrue(read.pin_required)
        self.assertEqual(read.pin_length, len(pin))
        with self.assertRaises(dojang.DojangError.Invalid) as caught:
            run(wallet.receive_credential(offer, None))
        self.assertEqual(caught.exception.code, "oid4vci.pin_required")
        wrong = "0" * len(pin) if pin != "0" * len(pin) else "1" * len(pin)
        with self.assertRaises(dojang.DojangError.Refused) as caught:
            run(wallet.receive_credential(offer, wrong))
        self.assertEqual(caught.exception.code, "oauth.invalid_grant")
        self.assertEqual(wallet.credentials(), [])

    def test_plain_http_is_refused_unless_allowed(self):
        wallet = dojang.Wallet.create(None, dojang.WalletConfig())
        offer, pin = new_offer()
        with self.assertRaises(dojang.DojangError.Invalid) as caught:
            run(wallet.receive_credential(offer, pin))
        self.assertEqual(caught.exception.code, "url.insecure")

    def test_malformed_offer(self):
        wallet = dojang.Wallet.create(None, config())
        with self.assertRaises(dojang.DojangError.Invalid) as caught:
            run(wallet.receive_credential("openid-credential-offer://?nothing=here", None))
        self.assertEqual(caught.exception.code, "oid4vci.offer")


class Keys(unittest.TestCase):
    def test_platform_signer_receives_and_presents(self):
        signer = CryptographySigner()
        wallet = dojang.Wallet.with_signer(signer, None, config())
        self.assertEqual(json.loads(wallet.public_jwk())["x"], json.loads(signer.public_jwk())["x"])
        with self.assertRaises(dojang.DojangError.Invalid) as caught:
            wallet.export_private_jwk()
        self.assertEqual(caught.exception.code, "key.not_exportable")
        offer, pin = new_offer()
        credential = run(wallet.receive_credential(offer, pin))
        verifier = door()
        challenge = verifier.challenge()
        qr = run(wallet.door_presentation(credential.id, challenge.qr_text, ["/department"]))
        self.assertTrue(run(verifier.verify(qr)).allowed)
        self.assertEqual(signer.calls, 2)  # the key proof, then the key-binding JWT

    def test_a_signer_that_signs_with_another_key_is_caught(self):
        wallet = dojang.Wallet.with_signer(WrongKeySigner(), None, config())
        offer, pin = new_offer()
        with self.assertRaises(dojang.DojangError.Signer) as caught:
            run(wallet.receive_credential(offer, pin))
        self.assertEqual(caught.exception.code, "signer.wrong_key")

    def test_software_key_export_and_import_keep_the_identity(self):
        wallet = dojang.Wallet.create(None, config())
        again = dojang.Wallet.import_key(wallet.export_private_jwk(), None, config())
        self.assertEqual(again.did_key(), wallet.did_key())
        with self.assertRaises(dojang.DojangError.Invalid) as caught:
            dojang.Wallet.import_key('{"kty":"EC"}', None, config())
        self.assertEqual(caught.exception.code, "key.jwk")

    def test_register_a_did_dojang(self):
        wallet = dojang.Wallet.create(None, config())
        registration = run(wallet.register_did_dojang())
        did = registration.did()
        self.assertTrue(did.startswith("did:dojang:"))
        self.assertIn('"d"', registration.update_key_jwk())
        # The registry serves the DID, its document listing the holder key.
        resolved = http_json("GET", ENV["registry_url"] + "/dids/" + did)
        multikey = wallet.did_key()[len("did:key:"):]
        methods = resolved["didDocument"]["verificationMethod"]
        self.assertEqual([m["publicKeyMultibase"] for m in methods], [multikey])


class Errors(unittest.TestCase):
    def test_store_failures_arrive_as_storage_errors(self):
        wallet = dojang.Wallet.create(BrokenStore(), config())
        with self.assertRaises(dojang.DojangError.Storage) as caught:
            wallet.credentials()  # the store raised OSError, not a DojangError
        self.assertEqual(caught.exception.code, "internal.callback")
        with self.assertRaises(dojang.DojangError.Storage) as caught:
            wallet.credential("x")
        self.assertEqual(caught.exception.code, "storage.locked")

    def test_a_corrupt_record_is_reported_without_its_content_and_can_be_deleted(self):
        store = DictStore()
        store.records["cred-x"] = '{"version": 1, "claims": "김민준 secret"}'
        wallet = dojang.Wallet.create(store, config())
        with self.assertRaises(dojang.DojangError.Storage) as caught:
            wallet.credentials()
        self.assertEqual(caught.exception.code, "storage.corrupt")
        self.assertNotIn("secret", caught.exception.detail)
        wallet.delete_credential("cred-x")
        self.assertEqual(wallet.credentials(), [])
        with self.assertRaises(dojang.DojangError.NotFound):
            wallet.delete_credential("cred-x")

    def test_bad_policy_and_bundle(self):
        with self.assertRaises(dojang.DojangError.Invalid) as caught:
            dojang.DoorVerifier("door = 1", ENV["bundle"], ENV["bundle_operator_key"], dojang.DoorConfig())
        self.assertEqual(caught.exception.code, "verifier.policy")
        tampered = ENV["bundle"][:-4] + ("AAAA" if not ENV["bundle"].endswith("AAAA") else "BBBB")
        with self.assertRaises(dojang.DojangError.Invalid) as caught:
            dojang.DoorVerifier(ENV["policy"], tampered, ENV["bundle_operator_key"], dojang.DoorConfig())
        self.assertEqual(caught.exception.code, "verifier.trust_bundle")
        with self.assertRaises(dojang.DojangError.Invalid) as caught:
            run(door().verify("DJ1:not base45!"))
        self.assertEqual(caught.exception.code, "verifier.protocol")


if __name__ == "__main__":
    unittest.main(verbosity=2)
