package dev.tollgate.runtime.tls;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.runtime.config.GatewayConfig;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The TLS identity of the HTTPS listener: the configured key store, or — when none is
 * configured — a self-signed development certificate, generated with BouncyCastle on first start
 * (an EC P-256 key, valid one year for the configured names) and reused until it expires.
 *
 * <p>The generated store's password is not a secret ({@value #SELF_SIGNED_PASSWORD}): the
 * certificate is for development only and trusted by nobody.
 */
public final class KeyStores {
    public static final String SELF_SIGNED_FILE = "self-signed.p12";
    public static final String SELF_SIGNED_PASSWORD = "tollgate-development";
    private static final String ALIAS = "tollgate";
    private static final Logger LOG = LoggerFactory.getLogger(KeyStores.class);

    private KeyStores() {
    }

    /** A loaded key store with the passwords to use it. */
    public record Loaded(KeyStore keyStore, String storePassword, String keyPassword, Path source, boolean selfSigned) {
    }

    public static Loaded load(GatewayConfig.KeyStore config) {
        if (config.path().isPresent()) {
            Path path = config.path().get();
            if (!Files.isReadable(path)) {
                throw new InvalidConfigException("gateway.server.https.key-store.path", "", "cannot read key store " + path);
            }
            try (InputStream in = Files.newInputStream(path)) {
                KeyStore keyStore = KeyStore.getInstance(config.type());
                keyStore.load(in, config.password().toCharArray());
                String keyPassword = config.keyPassword().isEmpty() ? config.password() : config.keyPassword();
                return new Loaded(keyStore, config.password(), keyPassword, path, false);
            }
            catch (IOException | GeneralSecurityException e) {
                throw new InvalidConfigException("gateway.server.https.key-store", "", "cannot load " + path + ": " + e.getMessage());
            }
        }
        return selfSigned(config.selfSignedDirectory(), config.subjectAlternativeNames());
    }

    /** The development certificate under {@code directory}, generated when missing or expiring. */
    public static Loaded selfSigned(Path directory, List<String> names) {
        Path file = directory.resolve(SELF_SIGNED_FILE);
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                KeyStore keyStore = KeyStore.getInstance("PKCS12");
                keyStore.load(in, SELF_SIGNED_PASSWORD.toCharArray());
                Certificate certificate = keyStore.getCertificate(ALIAS);
                if (certificate instanceof X509Certificate x509
                        && x509.getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(1)))) {
                    LOG.info("Using the self-signed development certificate {}", file);
                    return new Loaded(keyStore, SELF_SIGNED_PASSWORD, SELF_SIGNED_PASSWORD, file, true);
                }
                LOG.info("The development certificate {} expires within a day: generating a new one", file);
            }
            catch (IOException | GeneralSecurityException e) {
                LOG.warn("Cannot read the development certificate {} ({}): generating a new one", file, e.toString());
            }
        }
        try {
            KeyStore keyStore = generate(names);
            Files.createDirectories(directory);
            Path temporary = Files.createTempFile(directory, "self-signed", ".tmp");
            try {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            }
            catch (UnsupportedOperationException ignored) {
                // Not a POSIX file system; the default permissions apply.
            }
            try (OutputStream out = Files.newOutputStream(temporary)) {
                keyStore.store(out, SELF_SIGNED_PASSWORD.toCharArray());
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.warn("Generated a self-signed development certificate {} for {}; configure "
                    + "gateway.server.https.key-store for production", file, names);
            return new Loaded(keyStore, SELF_SIGNED_PASSWORD, SELF_SIGNED_PASSWORD, file, true);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot write the development certificate to " + directory, e);
        }
        catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot generate a development certificate", e);
        }
    }

    private static KeyStore generate(List<String> names) throws GeneralSecurityException, OperatorCreationException, IOException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        KeyPair keyPair = generator.generateKeyPair();
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=" + (names.isEmpty() ? "localhost" : names.get(0)) + ", O=Tollgate development");
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                subject,
                new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(365))),
                subject,
                keyPair.getPublic());
        List<GeneralName> alternativeNames = new ArrayList<>();
        for (String name : names) {
            alternativeNames.add(isAddress(name)
                    ? new GeneralName(GeneralName.iPAddress, InetAddress.getByName(name).getHostAddress())
                    : new GeneralName(GeneralName.dNSName, name));
        }
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternativeNames.toArray(GeneralName[]::new)));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate()));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(holder);
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        keyStore.load(null, null);
        keyStore.setKeyEntry(ALIAS, keyPair.getPrivate(), SELF_SIGNED_PASSWORD.toCharArray(), new Certificate[] {certificate});
        return keyStore;
    }

    private static boolean isAddress(String name) {
        return name.matches("[0-9.]+") || name.contains(":");
    }
}
