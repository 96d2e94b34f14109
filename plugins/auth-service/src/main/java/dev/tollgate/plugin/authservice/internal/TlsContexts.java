package dev.tollgate.plugin.authservice.internal;

import dev.tollgate.api.upstream.TlsSettings;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;

/** The TLS context of the authentication service's {@code grpcs://} channels, from the runtime's {@link TlsSettings}. */
final class TlsContexts {
    private TlsContexts() {
    }

    /**
     * Trust from the trust store (the JDK's when none; anything with {@code trust-all}), and the
     * key store's certificate for mutual TLS.
     *
     * @throws IllegalArgumentException naming the store that cannot be read
     */
    static SSLContext create(String service, TlsSettings settings) {
        try {
            KeyManager[] keyManagers = null;
            if (settings.keyStore().isPresent()) {
                TlsSettings.Store store = settings.keyStore().get();
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(load(store), settings.keyPassword().toCharArray());
                keyManagers = factory.getKeyManagers();
            }
            TrustManager[] trustManagers;
            if (settings.trustAll()) {
                trustManagers = new TrustManager[] {new TrustingEverything()};
            }
            else if (settings.trustStore().isPresent()) {
                TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(load(settings.trustStore().get()));
                trustManagers = factory.getTrustManagers();
            }
            else {
                trustManagers = null;
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, trustManagers, null);
            return context;
        }
        catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("service '" + service + "': cannot build the TLS context: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(TlsSettings.Store store) throws GeneralSecurityException, java.io.IOException {
        KeyStore keyStore = KeyStore.getInstance(store.type());
        try (InputStream in = Files.newInputStream(store.path())) {
            keyStore.load(in, store.password().toCharArray());
        }
        return keyStore;
    }

    /** tls.trust-all: development only (the runtime logs it). */
    private static final class TrustingEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
