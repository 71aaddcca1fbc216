//! Compact JWS encoding: headers are encoded once per key, so a token costs one JSON
//! serialisation and one signature.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Serialize;

use super::keys::{Algorithm, SigningKey};

/// The JOSE header the registry expects; field order is kept for readable tokens.
#[derive(Serialize)]
struct Header<'a> {
    typ: &'static str,
    alg: &'static str,
    kid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    x5c: Option<[String; 1]>,
}

/// Base64url header segments of one key, built when the key is loaded.
#[derive(Clone, Debug)]
pub(super) struct HeaderSegments {
    plain: String,
    with_x5c: String,
}

impl HeaderSegments {
    /// Encode both header variants for a key with this algorithm, kid and certificate.
    pub(super) fn new(algorithm: Algorithm, kid: &str, cert_der: &[u8]) -> Self {
        let encode = |x5c: Option<[String; 1]>| {
            let header = Header {
                typ: "JWT",
                alg: algorithm.jwa_name(),
                kid,
                x5c,
            };
            let json = serde_json::to_vec(&header).expect("a header of strings always serialises");
            URL_SAFE_NO_PAD.encode(json)
        };
        HeaderSegments {
            plain: encode(None),
            // x5c uses standard base64 with padding (RFC 7515 §4.1.6), unlike the JWS segments.
            with_x5c: encode(Some([STANDARD.encode(cert_der)])),
        }
    }

    fn get(&self, with_x5c: bool) -> &str {
        if with_x5c {
            &self.with_x5c
        } else {
            &self.plain
        }
    }
}

/// Sign `claims` as a compact JWS:
/// base64url-nopad(header) "." base64url-nopad(json claims) "." base64url-nopad(signature).
///
/// With `with_x5c` the header carries the signing certificate, so a registry can verify the
/// token against its `rootcertbundle` without matching the `kid`.
///
/// # Panics
/// If `claims` cannot be serialised to JSON (only types such as maps with non-string keys
/// can fail; regauth's claim structs cannot), or if the OS random generator fails.
pub fn encode<T: Serialize>(key: &SigningKey, claims: &T, with_x5c: bool) -> String {
    let header = key.header_segments().get(with_x5c);
    let claims_json = serde_json::to_vec(claims).expect("token claims must serialise to JSON");
    // Room for both base64 segments and a 512-byte (RSA-4096) signature avoids regrowth.
    let mut token = String::with_capacity(header.len() + claims_json.len() * 4 / 3 + 700);
    token.push_str(header);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&claims_json, &mut token);
    let signature = key.sign(token.as_bytes());
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
    token
}

#[cfg(test)]
mod tests {
    use super::super::keys::tests::{certificate_spki_der, fixture_key};
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use jsonwebtoken::{DecodingKey, Validation, decode, jwk::JwkSet};
    use rsa::pkcs8::der::pem;
    use serde::Deserialize;
    use serde_json::{Value, json};

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Claims {
        iss: String,
        aud: String,
        sub: String,
        exp: u64,
        access: Value,
    }

    fn claims() -> Claims {
        let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
        Claims {
            iss: "regauth".into(),
            aud: "registry".into(),
            sub: "deploy-token-1".into(),
            exp: now + 300,
            access: json!([{"type": "repository", "name": "group/app", "actions": ["pull"]}]),
        }
    }

    fn segment(token: &str, index: usize) -> Vec<u8> {
        URL_SAFE_NO_PAD
            .decode(token.split('.').nth(index).unwrap())
            .unwrap()
    }

    /// A jsonwebtoken key from a DER certificate's SubjectPublicKeyInfo, as a registry would use.
    fn decoding_key_from_cert(algorithm: Algorithm, cert_der: &[u8]) -> DecodingKey {
        let spki = certificate_spki_der(cert_der);
        let pem = pem::encode_string("PUBLIC KEY", pem::LineEnding::LF, &spki).unwrap();
        match algorithm {
            Algorithm::Es256 => DecodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
            Algorithm::Rs256 => DecodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
        }
    }

    fn verify(token: &str, algorithm: Algorithm, key: &DecodingKey) -> Claims {
        let jwt_alg = algorithm.jwa_name().parse().unwrap();
        let mut validation = Validation::new(jwt_alg);
        validation.set_audience(&["registry"]);
        validation.set_issuer(&["regauth"]);
        decode::<Claims>(token, key, &validation).unwrap().claims
    }

    fn check_algorithm(algorithm: Algorithm, signature_len: usize) {
        let (_dir, key) = fixture_key(algorithm);
        for with_x5c in [false, true] {
            let claims = claims();
            let token = encode(&key, &claims, with_x5c);
            assert_eq!(token.split('.').count(), 3);
            assert_eq!(segment(&token, 2).len(), signature_len);
            let header: Value = serde_json::from_slice(&segment(&token, 0)).unwrap();
            let mut expected = json!({"typ": "JWT", "alg": algorithm.jwa_name(), "kid": key.kid()});
            let cert_der = if with_x5c {
                let x5c = header["x5c"].as_array().unwrap();
                assert_eq!(x5c.len(), 1);
                let der = STANDARD.decode(x5c[0].as_str().unwrap()).unwrap();
                assert_eq!(der, key.certificate_der());
                expected["x5c"] = header["x5c"].clone();
                der
            } else {
                key.certificate_der().to_vec()
            };
            assert_eq!(header, expected);
            let decoding_key = decoding_key_from_cert(algorithm, &cert_der);
            assert_eq!(verify(&token, algorithm, &decoding_key), claims);
        }
    }

    #[test]
    fn es256_tokens_verify_with_and_without_x5c() {
        check_algorithm(Algorithm::Es256, 64);
    }

    #[test]
    fn rs256_tokens_verify_with_and_without_x5c() {
        check_algorithm(Algorithm::Rs256, 256);
    }

    #[test]
    fn generated_key_signs_verifiable_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::generate(dir.path(), Algorithm::Es256, false).unwrap();
        let token = encode(&key, &claims(), true);
        let decoding_key = decoding_key_from_cert(Algorithm::Es256, key.certificate_der());
        verify(&token, Algorithm::Es256, &decoding_key);
    }

    #[test]
    fn tampered_token_is_rejected() {
        let (_dir, key) = fixture_key(Algorithm::Es256);
        let token = encode(&key, &claims(), false);
        let mut forged = claims();
        forged.access = json!([{"type": "repository", "name": "group/app", "actions": ["push"]}]);
        let forged_segment = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        let parts: Vec<&str> = token.split('.').collect();
        let tampered = format!("{}.{forged_segment}.{}", parts[0], parts[2]);
        let decoding_key = decoding_key_from_cert(Algorithm::Es256, key.certificate_der());
        let mut validation = Validation::new(jsonwebtoken::Algorithm::ES256);
        validation.set_audience(&["registry"]);
        assert!(decode::<Claims>(&tampered, &decoding_key, &validation).is_err());
    }

    #[test]
    fn jwks_key_verifies_tokens() {
        for algorithm in [Algorithm::Es256, Algorithm::Rs256] {
            let (_dir, key) = fixture_key(algorithm);
            let set: JwkSet = serde_json::from_value(key.jwks()).unwrap();
            assert_eq!(set.keys.len(), 1);
            let jwk = set.find(key.kid()).expect("JWKS kid equals the token kid");
            let raw = &key.jwks()["keys"][0];
            assert_eq!(raw["use"], "sig");
            assert_eq!(raw["alg"], algorithm.jwa_name());
            let token = encode(&key, &claims(), false);
            verify(&token, algorithm, &DecodingKey::from_jwk(jwk).unwrap());
        }
    }
}
