#!/usr/bin/env bash
# Regenerates the emulators' TEST-ONLY certificate authority and localhost server certificate.
# The private keys are committed on purpose: they protect nothing but local test traffic.
set -euo pipefail
cd "$(dirname "$0")"
DAYS=7300 # 20 years, so the committed files do not expire under the tests

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$DAYS" \
  -keyout ca.key -out ca.pem -subj "/CN=calbridge emulators test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

openssl req -newkey rsa:2048 -nodes -sha256 -keyout server.key -out server.csr -subj "/CN=localhost"
cat > server.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days "$DAYS" -sha256 \
  -extfile server.ext -out server.pem
rm -f server.csr server.ext ca.srl
