package dev.tollgate.plugin.authjwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;

/** Keys generated once per test run with Nimbus, their PEM forms, and tokens signed with them. */
final class TestKeys {
    static final String ISSUER = "https://id.example.com";
    static final String AUDIENCE = "tollgate";
    /** 32 bytes: the least HS256 accepts. */
    static final String HMAC_SECRET = "0123456789abcdef0123456789abcdef";

    static final RSAKey RSA = rsa("rsa-1");
    static final RSAKey RSA_PS = rsa("ps-1");
    static final ECKey EC_256 = ec("ec-256", Curve.P_256);
    static final ECKey EC_384 = ec("ec-384", Curve.P_384);
    static final ECKey EC_521 = ec("ec-521", Curve.P_521);
    static final OctetKeyPair ED25519 = ed25519("ed-1");
    /** A key nobody configured: what an attacker signs with. */
    static final RSAKey ATTACKER = rsa("attacker");

    private TestKeys() {
    }

    static RSAKey rsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
        }
        catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECKey ec(String kid, Curve curve) {
        try {
            return new ECKeyGenerator(curve).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
        }
        catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static OctetKeyPair ed25519(String kid) {
        try {
            return new OctetKeyPairGenerator(Curve.Ed25519).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
        }
        catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public key as PEM "PUBLIC KEY" (X.509 SubjectPublicKeyInfo). */
    static String pem(JWK key) {
        byte[] der;
        try {
            if (key instanceof RSAKey rsa) {
                der = rsa.toPublicKey().getEncoded();
            }
            else if (key instanceof ECKey ec) {
                der = ec.toPublicKey().getEncoded();
            }
            else if (key instanceof OctetKeyPair okp) {
                // SubjectPublicKeyInfo of RFC 8410 for Ed25519: a fixed prefix, then the 32 key bytes.
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(HexFormat.of().parseHex("302a300506032b6570032100"));
                out.writeBytes(okp.getX().decode());
                der = out.toByteArray();
            }
            else {
                throw new IllegalArgumentException("no PEM for " + key.getKeyType());
            }
        }
        catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END PUBLIC KEY-----\n";
    }

    /** A JWKS document of the public halves of {@code keys}. */
    static String jwks(JWK... keys) {
        return new JWKSet(List.of(keys)).toPublicJWKSet().toString();
    }

    /** Claims that pass: the test issuer and audience, subject alice, roles, valid for five minutes. */
    static JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .subject("alice")
                .claim("roles", List.of("admin", "reader"))
                .issueTime(Date.from(now.minusSeconds(5)))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))));
    }

    /** A token signed with {@code key} for {@code algorithm}, its kid in the header. */
    static String token(JWK key, JWSAlgorithm algorithm) {
        return token(key, algorithm, UnaryOperator.identity(), claims().build());
    }

    static String token(JWK key, JWSAlgorithm algorithm, JWTClaimsSet claims) {
        return token(key, algorithm, UnaryOperator.identity(), claims);
    }

    static String token(JWK key, JWSAlgorithm algorithm, UnaryOperator<JWSHeader.Builder> header, JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(header.apply(new JWSHeader.Builder(algorithm).keyID(key.getKeyID()).type(JOSEObjectType.JWT)).build(),
                claims);
        try {
            jwt.sign(signer(key));
        }
        catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    /** An HS256 token with the test secret and {@code kid}. */
    static String hmacToken(String kid, JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(), claims);
        try {
            jwt.sign(new MACSigner(HMAC_SECRET.getBytes(StandardCharsets.UTF_8)));
        }
        catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    static JWSSigner signer(JWK key) throws JOSEException {
        if (key instanceof RSAKey rsa) {
            return new RSASSASigner(rsa);
        }
        if (key instanceof ECKey ec) {
            return new ECDSASigner(ec);
        }
        if (key instanceof OctetKeyPair okp) {
            return new Ed25519Signer(okp);
        }
        throw new IllegalArgumentException("no signer for " + key.getKeyType());
    }

    /** Base64url without padding, as JOSE writes each part. */
    static String base64Url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
