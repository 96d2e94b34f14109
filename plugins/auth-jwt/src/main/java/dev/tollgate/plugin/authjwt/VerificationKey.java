package dev.tollgate.plugin.authjwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;

import java.util.EnumSet;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * A key that may verify tokens: its {@code kid} (may be {@code null}), the algorithms it may be
 * used with — the allowlist that refuses {@code alg} substitution such as an HS256 token "signed"
 * with an RSA public key — and its Nimbus verifier, built once. Immutable and thread-safe.
 *
 * @param kid the key id tokens name in their header, or {@code null}
 * @param algorithms the algorithms this key may verify; never empty
 * @param verifier verifies a JWS signature with this key
 * @param source where the key came from, for messages: {@code keys[0]}, a JWKS URL
 */
record VerificationKey(String kid, Set<SigningAlgorithm> algorithms, JWSVerifier verifier, String source) {

    VerificationKey {
        algorithms = Set.copyOf(algorithms);
        if (algorithms.isEmpty()) {
            throw new IllegalArgumentException("a key needs at least one algorithm");
        }
        requireNonNull(verifier, "verifier is null");
        requireNonNull(source, "source is null");
    }

    /**
     * A key from its JWK, allowed for {@code algorithms} (all of one key family).
     *
     * @throws IllegalArgumentException when the key does not fit the algorithms (type, curve,
     *         RSA size, HMAC length)
     */
    static VerificationKey of(String kid, JWK jwk, Set<SigningAlgorithm> algorithms, String source) {
        EnumSet<SigningAlgorithm> allowed = EnumSet.copyOf(algorithms);
        for (SigningAlgorithm algorithm : allowed) {
            check(jwk, algorithm);
        }
        return new VerificationKey(kid, allowed, verifier(jwk), source);
    }

    /**
     * The algorithms a key from a JWKS may be used with: its {@code alg} if it states one, else
     * those of its type and curve, in both cases only among {@code offered}. Empty for a key that
     * cannot verify signatures here (an encryption key, an HMAC secret, a private key, an
     * unknown curve, an RSA key under 2048 bits).
     */
    static Set<SigningAlgorithm> algorithmsFor(JWK jwk, Set<SigningAlgorithm> offered) {
        EnumSet<SigningAlgorithm> result = EnumSet.noneOf(SigningAlgorithm.class);
        if (jwk.getKeyUse() != null && !"sig".equals(jwk.getKeyUse().getValue())) {
            return result;
        }
        if (jwk.getKeyOperations() != null && jwk.getKeyOperations().stream().noneMatch(op -> op.identifier().equals("verify"))) {
            return result;
        }
        for (SigningAlgorithm algorithm : offered) {
            if (algorithm.isHmac()) {
                continue;
            }
            if (jwk.getAlgorithm() != null && !jwk.getAlgorithm().getName().equals(algorithm.name())) {
                continue;
            }
            try {
                check(jwk, algorithm);
                result.add(algorithm);
            }
            catch (IllegalArgumentException notForThisAlgorithm) {
                // The key is not of this algorithm's type, curve or size: not a candidate.
            }
        }
        return result;
    }

    private static void check(JWK jwk, SigningAlgorithm algorithm) {
        if (!jwk.getKeyType().equals(algorithm.keyType())) {
            throw new IllegalArgumentException(algorithm + " needs a " + describe(algorithm) + ", not a " + jwk.getKeyType() + " key");
        }
        if (jwk instanceof RSAKey rsa && rsa.size() < SigningAlgorithm.MINIMUM_RSA_BITS) {
            throw new IllegalArgumentException("the RSA key has " + rsa.size() + " bits; at least "
                    + SigningAlgorithm.MINIMUM_RSA_BITS + " are required");
        }
        if (jwk instanceof ECKey ec && !ec.getCurve().equals(algorithm.curve())) {
            throw new IllegalArgumentException(algorithm + " needs a key on " + algorithm.curve() + ", not " + ec.getCurve());
        }
        if (jwk instanceof OctetKeyPair okp && !okp.getCurve().equals(algorithm.curve())) {
            throw new IllegalArgumentException(algorithm + " needs an " + algorithm.curve() + " key, not " + okp.getCurve());
        }
        if (jwk instanceof OctetSequenceKey secret && secret.size() / 8 < algorithm.minimumSecretBytes()) {
            throw new IllegalArgumentException(algorithm + " needs a secret of at least " + algorithm.minimumSecretBytes()
                    + " bytes (RFC 7518 §3.2), this one has " + secret.size() / 8);
        }
    }

    private static String describe(SigningAlgorithm algorithm) {
        return switch (algorithm.keyType().getValue()) {
            case "oct" -> "shared secret";
            case "RSA" -> "RSA public key";
            case "EC" -> "EC public key on " + algorithm.curve();
            default -> algorithm.curve() + " public key";
        };
    }

    private static JWSVerifier verifier(JWK jwk) {
        try {
            if (jwk instanceof RSAKey rsa) {
                return new RSASSAVerifier(rsa.toPublicJWK());
            }
            if (jwk instanceof ECKey ec) {
                return new ECDSAVerifier(ec.toPublicJWK());
            }
            if (jwk instanceof OctetKeyPair okp) {
                return new Ed25519Verifier(okp.toPublicJWK());
            }
            if (jwk instanceof OctetSequenceKey secret) {
                return new MACVerifier(secret);
            }
        }
        catch (JOSEException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        throw new IllegalArgumentException("unsupported key type " + jwk.getKeyType());
    }
}
