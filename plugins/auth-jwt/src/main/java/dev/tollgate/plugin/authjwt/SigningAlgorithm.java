package dev.tollgate.plugin.authjwt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.KeyType;

import java.util.Arrays;
import java.util.Optional;

/**
 * The JWS algorithms the filter accepts (RFC 7518 §3 and RFC 8037), each with the key it needs.
 * {@code none} is not one of them, whatever its case, and neither is any JWE algorithm.
 */
enum SigningAlgorithm {
    HS256(JWSAlgorithm.HS256, KeyType.OCT, null, 32),
    HS384(JWSAlgorithm.HS384, KeyType.OCT, null, 48),
    HS512(JWSAlgorithm.HS512, KeyType.OCT, null, 64),
    RS256(JWSAlgorithm.RS256, KeyType.RSA, null, 0),
    RS384(JWSAlgorithm.RS384, KeyType.RSA, null, 0),
    RS512(JWSAlgorithm.RS512, KeyType.RSA, null, 0),
    PS256(JWSAlgorithm.PS256, KeyType.RSA, null, 0),
    PS384(JWSAlgorithm.PS384, KeyType.RSA, null, 0),
    PS512(JWSAlgorithm.PS512, KeyType.RSA, null, 0),
    ES256(JWSAlgorithm.ES256, KeyType.EC, Curve.P_256, 0),
    ES384(JWSAlgorithm.ES384, KeyType.EC, Curve.P_384, 0),
    ES512(JWSAlgorithm.ES512, KeyType.EC, Curve.P_521, 0),
    /** Ed25519 only (RFC 8037); Ed448 is not offered. */
    EdDSA(JWSAlgorithm.EdDSA, KeyType.OKP, Curve.Ed25519, 0);

    /** The smallest RSA modulus accepted, in bits (RFC 7518 §3.3). */
    static final int MINIMUM_RSA_BITS = 2048;

    private final JWSAlgorithm jws;
    private final KeyType keyType;
    private final Curve curve;
    private final int minimumSecretBytes;

    SigningAlgorithm(JWSAlgorithm jws, KeyType keyType, Curve curve, int minimumSecretBytes) {
        this.jws = jws;
        this.keyType = keyType;
        this.curve = curve;
        this.minimumSecretBytes = minimumSecretBytes;
    }

    /** The algorithm named {@code name} exactly as JOSE spells it ({@code RS256}, {@code EdDSA}). */
    static Optional<SigningAlgorithm> named(String name) {
        return Arrays.stream(values()).filter(algorithm -> algorithm.name().equals(name)).findFirst();
    }

    /** The algorithm of a token's header; empty for {@code none} in any case and anything unknown. */
    static Optional<SigningAlgorithm> of(JWSAlgorithm algorithm) {
        return algorithm == null ? Optional.empty() : named(algorithm.getName());
    }

    /** The names, for messages. */
    static String names() {
        return String.join(", ", Arrays.stream(values()).map(Enum::name).toList());
    }

    /** Case-insensitive lookup, only to give a helpful message for a wrongly cased name. */
    static Optional<SigningAlgorithm> ignoringCase(String name) {
        return Arrays.stream(values()).filter(algorithm -> algorithm.name().equalsIgnoreCase(name)).findFirst();
    }

    JWSAlgorithm jws() {
        return jws;
    }

    KeyType keyType() {
        return keyType;
    }

    /** The curve an EC or OKP key must be on; {@code null} for HMAC and RSA. */
    Curve curve() {
        return curve;
    }

    /** For HMAC: the shortest secret allowed, the hash's size (RFC 7518 §3.2); 0 otherwise. */
    int minimumSecretBytes() {
        return minimumSecretBytes;
    }

    boolean isHmac() {
        return keyType == KeyType.OCT;
    }
}
