#!/usr/bin/env python3
"""An independent client: builds a client assertion with PyJWT, asks the engine for a voucher,
and verifies the voucher against the engine's JWKS. Prints the voucher's header and claims as JSON.

usage: pyjwt_voucher.py ENGINE_URL PRIVATE_KEY_PEM KID CLIENT_ID PURPOSE_ID AUDIENCE VOUCHER_AUD
"""
import json
import sys
import time
import urllib.parse
import urllib.request
import uuid

import jwt  # PyJWT, with the cryptography backend

base, key_path, kid, client_id, purpose_id, audience, voucher_aud = sys.argv[1:8]
with open(key_path, "rb") as f:
    private_key = f.read()
now = int(time.time())
assertion = jwt.encode(
    {"iss": client_id, "sub": client_id, "aud": audience, "jti": str(uuid.uuid4()),
     "iat": now, "exp": now + 300, "purposeId": purpose_id},
    private_key, algorithm="RS256", headers={"kid": kid, "typ": "JWT"})
form = urllib.parse.urlencode({
    "grant_type": "client_credentials",
    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    "client_assertion": assertion,
    "client_id": client_id,
}).encode()
with urllib.request.urlopen(urllib.request.Request(base + "/token.oauth2", data=form)) as r:
    answer = json.load(r)
voucher = answer["access_token"]
with urllib.request.urlopen(base + "/.well-known/jwks.json") as r:
    jwks = jwt.PyJWKSet.from_dict(json.load(r))
header = jwt.get_unverified_header(voucher)
signing_key = next(k for k in jwks.keys if k.key_id == header["kid"])
claims = jwt.decode(voucher, signing_key.key, algorithms=["RS256"], audience=voucher_aud)
print(json.dumps({"header": header, "claims": claims, "expires_in": answer["expires_in"],
                  "token_type": answer["token_type"]}))
