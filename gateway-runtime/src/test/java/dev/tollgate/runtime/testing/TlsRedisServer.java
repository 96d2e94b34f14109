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

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A {@code redis-server} of a test's own that speaks only TLS ({@code rediss://}), with
 * certificates issued for the test by a private CA: the server's for the given names and, for
 * mutual TLS, a client's. The CA is in {@link #trustStore()}, the client's key and certificate in
 * {@link #clientKeyStore()} (PKCS12, password {@value #STORE_PASSWORD}).
 */
public final class TlsRedisServer implements AutoCloseable {
    public static final String STORE_PASSWORD = "changeit";
    private static final String BINARY = "/usr/bin/redis-server";

    private final Path directory;
    private final int port;
    private final Process process;

    private TlsRedisServer(Path directory, int port, Process process) {
        this.directory = directory;
        this.port = port;
        this.process = process;
    }

    /**
     * Starts the server on a free port of 127.0.0.1 and waits until it accepts connections.
     *
     * @param serverNames the names (DNS names or IP addresses) the server's certificate is for
     * @param requireClientCertificates whether a client must present a certificate of the CA
     */
    public static TlsRedisServer start(List<String> serverNames, boolean requireClientCertificates) throws IOException {
        if (!new File(BINARY).canExecute()) {
            throw new AssertionError("This test needs " + BINARY + " (built with TLS) to start a Redis of its own");
        }
        Path directory = Files.createTempDirectory("tollgate-tls-redis");
        try {
            KeyPair caKeys = keyPair();
            X509Certificate ca = certificate("CN=Tollgate test CA", caKeys, "CN=Tollgate test CA", caKeys, List.of(), null);
            KeyPair serverKeys = keyPair();
            X509Certificate server = certificate("CN=" + serverNames.get(0), serverKeys, "CN=Tollgate test CA", caKeys, serverNames,
                    KeyPurposeId.id_kp_serverAuth);
            KeyPair clientKeys = keyPair();
            X509Certificate client = certificate("CN=gateway", clientKeys, "CN=Tollgate test CA", caKeys, List.of(),
                    KeyPurposeId.id_kp_clientAuth);

            Files.writeString(directory.resolve("ca.pem"), pem("CERTIFICATE", ca.getEncoded()));
            Files.writeString(directory.resolve("server.pem"), pem("CERTIFICATE", server.getEncoded()));
            Files.writeString(directory.resolve("server-key.pem"), pem("PRIVATE KEY", serverKeys.getPrivate().getEncoded()));
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca);
            store(trust, directory.resolve("trust.p12"));
            KeyStore clientStore = KeyStore.getInstance("PKCS12");
            clientStore.load(null, null);
            clientStore.setKeyEntry("gateway", clientKeys.getPrivate(), STORE_PASSWORD.toCharArray(), new Certificate[] {client, ca});
            store(clientStore, directory.resolve("client.p12"));
        }
        catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("cannot issue the test certificates", e);
        }

        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Process process = new ProcessBuilder(BINARY, "--port", "0", "--tls-port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no",
                "--tls-cert-file", directory.resolve("server.pem").toString(),
                "--tls-key-file", directory.resolve("server-key.pem").toString(),
                "--tls-ca-cert-file", directory.resolve("ca.pem").toString(),
                "--tls-auth-clients", requireClientCertificates ? "yes" : "no")
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("redis.log").toFile())
                .start();
        TlsRedisServer started = new TlsRedisServer(directory, port, process);
        try {
            await("TLS redis-server on port " + port).atMost(Duration.ofSeconds(10)).until(() -> {
                if (!process.isAlive()) {
                    throw new AssertionError("redis-server stopped: " + Files.readString(directory.resolve("redis.log")));
                }
                return accepts(port);
            });
        }
        catch (RuntimeException | Error e) {
            started.close();
            throw e;
        }
        return started;
    }

    public int port() {
        return port;
    }

    /** {@code rediss://127.0.0.1:<port>}. */
    public String address() {
        return "rediss://127.0.0.1:" + port;
    }

    /** A PKCS12 store holding the CA that issued the server's and the client's certificates. */
    public Path trustStore() {
        return directory.resolve("trust.p12");
    }

    /** A PKCS12 store holding the client's key and certificate (issued by the CA). */
    public Path clientKeyStore() {
        return directory.resolve("client.p12");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        TestGateway.delete(directory);
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return generator.generateKeyPair();
    }

    /** A certificate for {@code subject}'s key, signed by {@code issuerKeys}; a CA when {@code purpose} is null. */
    private static X509Certificate certificate(String subject, KeyPair subjectKeys, String issuer, KeyPair issuerKeys, List<String> names,
            KeyPurposeId purpose) throws GeneralSecurityException, IOException, org.bouncycastle.operator.OperatorCreationException {
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(issuer), new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), new X500Name(subject),
                subjectKeys.getPublic());
        if (purpose == null) {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        }
        else {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        }
        if (!names.isEmpty()) {
            List<GeneralName> alternatives = new ArrayList<>();
            for (String name : names) {
                alternatives.add(name.matches("[0-9.]+") ? new GeneralName(GeneralName.iPAddress, name) : new GeneralName(GeneralName.dNSName, name));
            }
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternatives.toArray(GeneralName[]::new)));
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void store(KeyStore keyStore, Path file) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            keyStore.store(out, STORE_PASSWORD.toCharArray());
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        }
        catch (IOException e) {
            return false;
        }
    }
}
