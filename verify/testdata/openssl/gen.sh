#!/bin/sh
# Regenerates the OpenSSL-made test vectors in this directory (OpenSSL 3.0).
# They are committed so the tests need no OpenSSL; the tests only read them.
# The certificates are valid for 100 years from the day they were made.
set -eu
cd "$(dirname "$0")"
rm -f *.pem *.key *.p7s *.cnf data.txt
DAYS=36500

cat > ext.cnf <<'CNF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

# issue NAME SUBJECT ISSUER SERIAL EXTENSIONS DIGEST: NAME.key must exist.
issue() {
	openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -set_serial "$4" \
		-days $DAYS -extfile ext.cnf -extensions "$5" "-$6" -out "$1.pem"
	rm "$1.csr"
}

printf 'sohoa test vector: a report signed by OpenSSL\n' > data.txt

# Root: RSA 2048, self-signed.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out root.key
openssl req -new -x509 -key root.key -subj "/C=VN/O=Sohoa OpenSSL Vectors/CN=OpenSSL Vector Root" \
	-days $DAYS -sha256 -addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" -out root.pem

# brainpoolP256r1 signer issued by the RSA root.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:brainpoolP256r1 -pkeyopt ec_param_enc:named_curve -out bp256.key
issue bp256 "/C=VN/O=Sohoa OpenSSL Vectors/CN=brainpoolP256r1 signer" root 4096 leaf sha256

# brainpoolP384r1 CA issued by the root, and a brainpoolP512r1 signer it
# issues (ecdsa-with-SHA384 under a brainpool key).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:brainpoolP384r1 -pkeyopt ec_param_enc:named_curve -out bpca384.key
issue bpca384 "/C=VN/O=Sohoa OpenSSL Vectors/CN=brainpoolP384r1 CA" root 4097 ca sha256
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:brainpoolP512r1 -pkeyopt ec_param_enc:named_curve -out bp512.key
issue bp512 "/C=VN/O=Sohoa OpenSSL Vectors/CN=brainpoolP512r1 signer" bpca384 4098 leaf sha384

# RSA 2048 with the public exponent 2^32+1, which Go's crypto/rsa refuses.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:4294967297 -out bigexp.key
issue bigexp "/C=VN/O=Sohoa OpenSSL Vectors/CN=RSA big exponent signer" root 4099 leaf sha256

# A CA whose RSA key has that exponent, and an ordinary signer it issues:
# the path needs the CA's signature on the signer checked with math/big.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:4294967297 -out bigexpca.key
issue bigexpca "/C=VN/O=Sohoa OpenSSL Vectors/CN=RSA big exponent CA" root 4101 ca sha256
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out underbigexp.key
issue underbigexp "/C=VN/O=Sohoa OpenSSL Vectors/CN=Signer under the big exponent CA" bigexpca 4102 leaf sha256

# A certificate with a negative serial number (-12345), which Go's
# crypto/x509 refuses unless GODEBUG x509negativeserial=1.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out negserial.key
issue negserial "/C=VN/O=Sohoa OpenSSL Vectors/CN=Negative serial signer" root -12345 leaf sha256

# Ed448 signer, and an Ed448 CA issuing an ordinary RSA signer.
openssl genpkey -algorithm ED448 -out ed448.key
issue ed448 "/C=VN/O=Sohoa OpenSSL Vectors/CN=Ed448 signer" root 4100 leaf sha256
openssl genpkey -algorithm ED448 -out ed448ca.key
issue ed448ca "/C=VN/O=Sohoa OpenSSL Vectors/CN=Ed448 CA" root 4103 ca sha256
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out undered448.key
openssl req -new -key undered448.key -subj "/C=VN/O=Sohoa OpenSSL Vectors/CN=Signer under the Ed448 CA" -out undered448.csr
openssl x509 -req -in undered448.csr -CA ed448ca.pem -CAkey ed448ca.key -set_serial 4104 \
	-days $DAYS -extfile ext.cnf -extensions leaf -out undered448.pem
rm undered448.csr

# Detached CMS signatures over data.txt (DER).
sign() { # OUT SIGNER DIGEST [CERTFILE] [extra options...]
	out=$1 signer=$2 md=$3; shift 3
	openssl cms -sign -binary -in data.txt -signer "$signer.pem" -inkey "$signer.key" -md "$md" \
		-outform DER -out "$out.p7s" "$@"
}
sign bp256-sha256 bp256 sha256
sign bp512-sha512 bp512 sha512 -certfile bpca384.pem
sign bigexp-pkcs1-sha256 bigexp sha256
sign bigexp-pss-sha256 bigexp sha256 -keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:32
sign underbigexp-sha256 underbigexp sha256 -certfile bigexpca.pem
sign negserial-sha256 negserial sha256
sign undered448-sha256 undered448 sha256 -certfile ed448ca.pem
# OpenSSL 3.0 cannot make an Ed448 CMS signature; the test builds one around
# ed448.pem.

rm -f ext.cnf *.srl
# The private keys are not needed by the tests.
rm -f *.key
