#!/usr/bin/env python3
"""A one-shot bridge to the Python `jwcrypto` library (pinned in requirements.txt) for interop tests.

Run with the venv made by setup.sh: `interop/python/.venv/bin/python interop/python/jwcrypto_peer.py`.
Reads ONE JSON request on stdin, writes ONE JSON response on stdout, exits 0 (also when the
operation fails: then the response is {"ok": false, "error": "..."}). A request that is not a
JSON object with a string "op" is malformed: the same error response, but exit status 2.

Ops (algorithms: ES256, ES384, EdDSA; keys are JWKs, private ones carry "d"):

  {"op": "generate", "alg": "ES256" | "ES384" | "EdDSA"}
    -> {"ok": true, "jwk": {private JWK}, "public_jwk": {public JWK}}

  {"op": "sign", "alg": "ES256", "jwk": {private JWK},
   "payload": "<utf-8 text>"            (signed as is)
     or "claims": {...}                 (serialized compactly, UTF-8, then signed),
   "header": {...}                      (optional extra protected header members, e.g. kid, typ;
                                         "alg" is always the request's alg)}
    -> {"ok": true, "token": "<compact JWS>"}

  {"op": "verify", "jwk": {public JWK}, "token": "<compact JWS>",
   "algorithms": ["ES256", ...]         (optional; default: the JWK's natural algorithm)}
    -> {"ok": true, "header": {protected header}, "payload": "<utf-8 text>",
        "claims": {...} | null          (the payload parsed as JSON when it is a JSON object)}
    Signature check only: JWT claims (exp, nbf, ...) are reported, not judged.
"""

import json
import sys

from jwcrypto import jwk, jws
from jwcrypto.common import json_decode

NATURAL_ALG = {("EC", "P-256"): "ES256", ("EC", "P-384"): "ES384", ("OKP", "Ed25519"): "EdDSA"}
SUPPORTED = {"ES256", "ES384", "EdDSA"}


def natural_alg(key_json):
    return NATURAL_ALG.get((key_json.get("kty"), key_json.get("crv")))


def op_generate(request):
    alg = request.get("alg")
    if alg == "ES256":
        key = jwk.JWK.generate(kty="EC", crv="P-256")
    elif alg == "ES384":
        key = jwk.JWK.generate(kty="EC", crv="P-384")
    elif alg == "EdDSA":
        key = jwk.JWK.generate(kty="OKP", crv="Ed25519")
    else:
        raise ValueError(f"unsupported alg {alg!r}")
    return {"jwk": key.export_private(as_dict=True), "public_jwk": key.export_public(as_dict=True)}


def op_sign(request):
    alg = request.get("alg")
    if alg not in SUPPORTED:
        raise ValueError(f"unsupported alg {alg!r}")
    key_json = request.get("jwk")
    if not isinstance(key_json, dict) or "d" not in key_json:
        raise ValueError("jwk must be a private JWK (with d)")
    key = jwk.JWK(**key_json)
    if "payload" in request:
        payload = request["payload"]
        if not isinstance(payload, str):
            raise ValueError("payload must be a string")
        payload = payload.encode("utf-8")
    elif "claims" in request:
        payload = json.dumps(request["claims"], separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    else:
        raise ValueError("sign needs payload or claims")
    header = dict(request.get("header") or {})
    header["alg"] = alg
    token = jws.JWS(payload)
    token.add_signature(key, alg=alg, protected=json.dumps(header, separators=(",", ":")))
    return {"token": token.serialize(compact=True)}


def op_verify(request):
    key_json = request.get("jwk")
    if not isinstance(key_json, dict):
        raise ValueError("jwk must be a JWK object")
    key_json = {k: v for k, v in key_json.items() if k != "d"}
    key = jwk.JWK(**key_json)
    algorithms = request.get("algorithms") or [natural_alg(key_json)]
    if not all(a in SUPPORTED for a in algorithms):
        raise ValueError(f"unsupported algorithms {algorithms!r}")
    token_text = request.get("token")
    if not isinstance(token_text, str):
        raise ValueError("token must be a string")
    token = jws.JWS()
    token.allowed_algs = list(algorithms)
    token.deserialize(token_text)
    token.verify(key)
    header = json_decode(token.objects["protected"])
    payload = token.payload.decode("utf-8")
    try:
        claims = json.loads(payload)
        if not isinstance(claims, dict):
            claims = None
    except ValueError:
        claims = None
    return {"header": header, "payload": payload, "claims": claims}


OPS = {"generate": op_generate, "sign": op_sign, "verify": op_verify}


def main():
    try:
        request = json.loads(sys.stdin.read())
    except ValueError as error:
        print(json.dumps({"ok": False, "error": f"malformed request: {error}"}))
        return 2
    if not isinstance(request, dict) or not isinstance(request.get("op"), str):
        print(json.dumps({"ok": False, "error": "malformed request: need an object with a string op"}))
        return 2
    op = OPS.get(request["op"])
    if op is None:
        print(json.dumps({"ok": False, "error": f"unknown op {request['op']!r}"}))
        return 0
    try:
        response = {"ok": True, **op(request)}
    except Exception as error:  # every failure of the peer is an answer, not a crash
        response = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    print(json.dumps(response, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
