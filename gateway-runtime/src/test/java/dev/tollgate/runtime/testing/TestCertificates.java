package dev.tollgate.runtime.testing;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * A small PKI for mutual-TLS tests, generated with BouncyCastle into PKCS12 files (password
 * {@link #PASSWORD}): a certificate authority, a server certificate for {@code 127.0.0.1} and
 * {@code localhost}, and a client certificate, both issued by the authority.
 *
 * @param authority a trust store holding the authority's certificate: trusted by the server (for
 *        client certificates) and by the client (for the server's)
 * @param server the server's key and certificate chain
 * @param client the client's key and certificate chain
 */
public record TestCertificates(Path authority, Path server, Path client) {
    public static final String PASSWORD = "test-password";

    /** Generates the three stores under {@code directory}. */
    public static TestCertificates generate(Path directory) throws Exception {
        Files.createDirectories(directory);
        KeyPair authorityKeys = keyPair();
        X500Name authorityName = new X500Name("CN=Tollgate test authority");
        X509Certificate authority = sign(authorityName, authorityName, authorityKeys.getPublic(), authorityKeys.getPrivate(), builder -> {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        });

        KeyPair serverKeys = keyPair();
        X509Certificate server = sign(new X500Name("CN=localhost"), authorityName, serverKeys.getPublic(), authorityKeys.getPrivate(),
                builder -> {
                    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                            new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
                    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
                });

        KeyPair clientKeys = keyPair();
        X509Certificate client = sign(new X500Name("CN=Tollgate test gateway"), authorityName, clientKeys.getPublic(),
                authorityKeys.getPrivate(),
                builder -> builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth)));

        TestCertificates certificates = new TestCertificates(directory.resolve("authority.p12"), directory.resolve("server.p12"),
                directory.resolve("client.p12"));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("authority", authority);
        store(trust, certificates.authority());
        store(identity(serverKeys.getPrivate(), server, authority), certificates.server());
        store(identity(clientKeys.getPrivate(), client, authority), certificates.client());
        return certificates;
    }

    private interface Extensions {
        void add(JcaX509v3CertificateBuilder builder) throws Exception;
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X500Name subject, X500Name issuer, java.security.PublicKey key, PrivateKey issuerKey,
                                        Extensions extensions) throws Exception {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject, key);
        extensions.add(builder);
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }

    private static KeyStore identity(PrivateKey key, X509Certificate certificate, X509Certificate issuer) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("identity", key, PASSWORD.toCharArray(), new Certificate[] {certificate, issuer});
        return store;
    }

    private static void store(KeyStore store, Path file) throws Exception {
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, PASSWORD.toCharArray());
        }
    }
}
