package dev.tollgate.plugin.authjwt;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a public key written in PEM — {@code -----BEGIN PUBLIC KEY-----} (X.509
 * SubjectPublicKeyInfo) or {@code -----BEGIN CERTIFICATE-----} — with the JDK's key factories,
 * into the JWK Nimbus verifies with.
 */
final class PemKeys {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    private static final int ED25519_KEY_BYTES = 32;

    private PemKeys() {
    }

    /**
     * The key of the first PEM block in {@code pem}, for a key of {@code algorithm}'s family.
     *
     * @throws IllegalArgumentException saying what is wrong, without repeating the text
     */
    static JWK read(String pem, SigningAlgorithm algorithm) {
        Matcher block = BLOCK.matcher(pem);
        if (!block.find()) {
            throw new IllegalArgumentException("is not a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----)");
        }
        String type = block.group(1);
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(block.group(2));
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the PEM block's Base64 is damaged");
        }
        PublicKey key;
        try {
            key = switch (type) {
                case "PUBLIC KEY" -> KeyFactory.getInstance(keyFactory(algorithm)).generatePublic(new X509EncodedKeySpec(der));
                case "CERTIFICATE" -> CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der)).getPublicKey();
                case "RSA PUBLIC KEY" -> throw new IllegalArgumentException("is a PKCS#1 RSA key; convert it to a SubjectPublicKeyInfo"
                        + " with 'openssl rsa -RSAPublicKey_in -pubout'");
                default -> throw new IllegalArgumentException("is a PEM " + type + ", not a PUBLIC KEY or CERTIFICATE"
                        + (type.contains("PRIVATE") ? " (give the public key only)" : ""));
            };
        }
        catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("is not a readable " + keyFactory(algorithm) + " public key for " + algorithm
                    + " (" + e.getClass().getSimpleName() + ")");
        }
        return jwk(key, algorithm);
    }

    private static String keyFactory(SigningAlgorithm algorithm) {
        return switch (algorithm.keyType().getValue()) {
            case "RSA" -> "RSA";
            case "EC" -> "EC";
            case "OKP" -> "Ed25519";
            default -> throw new IllegalArgumentException(algorithm + " takes a secret, not a public key");
        };
    }

    private static JWK jwk(PublicKey key, SigningAlgorithm algorithm) {
        if (key instanceof RSAPublicKey rsa) {
            return new RSAKey.Builder(rsa).build();
        }
        if (key instanceof ECPublicKey ec) {
            Curve curve = Curve.forECParameterSpec(ec.getParams());
            if (curve == null) {
                throw new IllegalArgumentException("is an EC key on a curve JOSE does not name");
            }
            return new ECKey.Builder(curve, ec).build();
        }
        if (key instanceof EdECPublicKey ed && "Ed25519".equals(ed.getParams().getName())) {
            return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(ed25519Encoding(ed))).build();
        }
        throw new IllegalArgumentException("is a " + key.getAlgorithm() + " key, which " + algorithm + " cannot use");
    }

    /** The 32-byte public key of RFC 8032 §5.1.2: y little-endian, the sign of x in the top bit. */
    private static byte[] ed25519Encoding(EdECPublicKey key) {
        byte[] bigEndian = key.getPoint().getY().toByteArray();
        byte[] encoded = new byte[ED25519_KEY_BYTES];
        for (int i = 0; i < ED25519_KEY_BYTES && i < bigEndian.length; i++) {
            encoded[i] = bigEndian[bigEndian.length - 1 - i];
        }
        if (key.getPoint().isXOdd()) {
            encoded[ED25519_KEY_BYTES - 1] |= (byte) 0x80;
        }
        return encoded;
    }
}
