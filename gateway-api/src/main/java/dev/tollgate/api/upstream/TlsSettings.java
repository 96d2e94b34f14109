package dev.tollgate.api.upstream;

import java.nio.file.Path;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * How the gateway speaks TLS to a service's instances ({@code gateway.services.<name>.tls}): whom
 * it trusts and which client certificate it presents (mutual TLS). Read and checked once by the
 * runtime (the store files are readable, their types known); every connection to the service's
 * {@code https://}, {@code h2://}, {@code grpcs://} and {@code wss://} instances uses it — a
 * backend's and the runtime's active health probes alike, so that a probe reaches an instance the
 * way traffic does.
 *
 * <p>Equal settings make equal values, so a component may keep one TLS context per distinct
 * settings. Passwords are never printed.
 *
 * @param trustStore certificates to trust; empty for the JDK's default trust store
 * @param trustAll trust any certificate without checking names (development only)
 * @param hostnameVerification check that the instance's certificate names the host connected to
 * @param keyStore the client certificate and key for mutual TLS; empty for none
 * @param keyPassword the password of the key entry in {@code keyStore}: the one configured, else the
 *        store's password; empty when there is no key store
 * @since 1.2
 */
public record TlsSettings(Optional<Store> trustStore, boolean trustAll, boolean hostnameVerification, Optional<Store> keyStore,
                          String keyPassword) {

    /** The defaults: the JDK's trust store, host names checked, no client certificate. */
    public static final TlsSettings DEFAULT = new TlsSettings(Optional.empty(), false, true, Optional.empty(), "");

    public TlsSettings {
        requireNonNull(trustStore, "trustStore is null");
        requireNonNull(keyStore, "keyStore is null");
        requireNonNull(keyPassword, "keyPassword is null");
    }

    /** Whether the instance's certificate is checked against its host name: asked for, and certificates are checked at all. */
    public boolean verifiesHostname() {
        return hostnameVerification && !trustAll;
    }

    @Override
    public String toString() {
        return "TlsSettings[trustStore=" + trustStore.map(Store::toString).orElse("default") + ", trustAll=" + trustAll
                + ", hostnameVerification=" + hostnameVerification + ", keyStore=" + keyStore.map(Store::toString).orElse("none") + "]";
    }

    /**
     * A key or trust store file.
     *
     * @param path the file, absolute (relative paths in configuration are resolved against the
     *        gateway's home)
     * @param type {@code PKCS12} or {@code JKS}
     * @param password the store's password; may be empty
     */
    public record Store(Path path, String type, String password) {
        public Store {
            requireNonNull(path, "path is null");
            requireNonNull(type, "type is null");
            requireNonNull(password, "password is null");
        }

        @Override
        public String toString() {
            return "Store[" + path + ", " + type + "]";
        }
    }
}
