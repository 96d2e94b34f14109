package dev.tollgate.plugin.authjwt;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import dev.tollgate.api.PluginConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * One use of the {@code jwt} filter, read once and validated (see {@code reference.conf} for the
 * keys and their defaults). Static keys are read here, files included, so a mistake stops
 * start-up naming its key.
 *
 * @param issuer {@code issuer}: the exact {@code iss} tokens must carry
 * @param audiences {@code audiences}: {@code aud} must contain one of them; empty: not checked
 * @param keys the static keys of {@code keys}, ready to verify
 * @param jwksUrl {@code jwks-url}, or {@code null}
 * @param oidcDiscovery {@code oidc-discovery}
 * @param jwksAlgorithms {@code jwks-algorithms}: what keys from a key server may verify
 * @param jwksRefreshInterval {@code jwks-refresh-interval}
 * @param jwksMinRefreshInterval {@code jwks-min-refresh-interval}
 * @param jwksTimeout {@code jwks-timeout}
 * @param allowInsecureJwks {@code allow-insecure-jwks}
 * @param leeway {@code leeway}
 * @param requireExpiration {@code require-expiration}
 * @param requiredClaims {@code required-claims}
 * @param subjectClaim {@code subject-claim}
 * @param rolesClaim {@code roles-claim}
 * @param tokenSources {@code token-from}, in order
 * @param optional {@code optional}
 * @param realm {@code realm}
 * @param maxTokenSize {@code max-token-size}, in bytes
 */
record JwtSettings(String issuer, List<String> audiences, List<VerificationKey> keys, URI jwksUrl, boolean oidcDiscovery,
                   Set<SigningAlgorithm> jwksAlgorithms, Duration jwksRefreshInterval, Duration jwksMinRefreshInterval,
                   Duration jwksTimeout, boolean allowInsecureJwks, Duration leeway, boolean requireExpiration,
                   List<String> requiredClaims, String subjectClaim, String rolesClaim, List<TokenSource> tokenSources,
                   boolean optional, String realm, int maxTokenSize) {

    /** The keys a {@code keys} entry may have. */
    static final Set<String> KEY_ENTRY_KEYS = Set.of("kid", "algorithm", "secret", "public-key", "public-key-file");
    private static final Pattern REALM = Pattern.compile("[\\x20-\\x7e&&[^\"\\\\]]*");

    JwtSettings {
        requireNonNull(issuer, "issuer is null");
        audiences = List.copyOf(audiences);
        keys = List.copyOf(keys);
        jwksAlgorithms = Set.copyOf(jwksAlgorithms);
        requiredClaims = List.copyOf(requiredClaims);
        tokenSources = List.copyOf(tokenSources);
    }

    /** Whether keys come from a key server: a JWKS URL, OIDC discovery, or both. */
    boolean hasRemoteKeys() {
        return jwksUrl != null || oidcDiscovery;
    }

    /**
     * Reads and checks one use's configuration.
     *
     * @param home where relative key file paths start
     * @throws dev.tollgate.api.InvalidConfigException naming the key of the first unacceptable value
     */
    static JwtSettings from(PluginConfig config, Path home) {
        String issuer = config.findString("issuer").map(String::strip).orElse("");
        if (issuer.isEmpty()) {
            throw config.error("issuer", "is required: the exact 'iss' the tokens carry, e.g. \"https://id.example.com\"");
        }

        List<String> audiences = config.getStringList("audiences");
        if (audiences.stream().anyMatch(String::isBlank)) {
            throw config.error("audiences", "must not contain an empty audience");
        }

        List<VerificationKey> keys = readKeys(config, home);

        boolean allowInsecure = config.getBoolean("allow-insecure-jwks");
        URI jwksUrl = null;
        if (config.has("jwks-url")) {
            jwksUrl = url(config, "jwks-url", config.getString("jwks-url"), allowInsecure);
        }
        boolean oidcDiscovery = config.getBoolean("oidc-discovery");
        if (oidcDiscovery) {
            url(config, "issuer", issuer, allowInsecure);
        }
        if (keys.isEmpty() && jwksUrl == null && !oidcDiscovery) {
            throw config.error("keys", "no key source: give keys, a jwks-url, or oidc-discovery = true");
        }

        Set<SigningAlgorithm> jwksAlgorithms = EnumSet.noneOf(SigningAlgorithm.class);
        for (String name : config.getStringList("jwks-algorithms")) {
            SigningAlgorithm algorithm = algorithm(config, "jwks-algorithms", name);
            if (algorithm.isHmac()) {
                throw config.error("jwks-algorithms", name + " is refused for keys from a key server: a shared secret must not be published");
            }
            jwksAlgorithms.add(algorithm);
        }
        if (jwksAlgorithms.isEmpty() && (jwksUrl != null || oidcDiscovery)) {
            throw config.error("jwks-algorithms", "must allow at least one algorithm when keys come from a key server");
        }

        Duration refresh = positive(config, "jwks-refresh-interval");
        Duration minRefresh = config.getDuration("jwks-min-refresh-interval");
        if (minRefresh.isNegative()) {
            throw config.error("jwks-min-refresh-interval", "must not be negative");
        }
        if (minRefresh.compareTo(refresh) > 0) {
            throw config.error("jwks-min-refresh-interval", "must not be longer than jwks-refresh-interval (" + refresh + ")");
        }
        Duration timeout = positive(config, "jwks-timeout");

        Duration leeway = config.getDuration("leeway");
        if (leeway.isNegative()) {
            throw config.error("leeway", "must not be negative");
        }
        if (leeway.compareTo(Duration.ofMinutes(5)) > 0) {
            throw config.error("leeway", "must be at most 5m: it is for clock skew, not to extend token lifetimes");
        }

        List<String> requiredClaims = List.copyOf(new LinkedHashSet<>(config.getStringList("required-claims")));
        if (requiredClaims.stream().anyMatch(String::isBlank)) {
            throw config.error("required-claims", "must not contain an empty claim name");
        }
        String subjectClaim = nonBlank(config, "subject-claim");
        String rolesClaim = config.getString("roles-claim").strip();

        List<TokenSource> sources = new ArrayList<>();
        for (String text : config.getStringList("token-from")) {
            try {
                sources.add(TokenSource.parse(text));
            }
            catch (IllegalArgumentException e) {
                throw config.error("token-from", e.getMessage());
            }
        }
        if (sources.isEmpty()) {
            throw config.error("token-from", "must name at least one place, e.g. [\"header:Authorization\"]");
        }

        String realm = config.getString("realm");
        if (realm.isEmpty() || !REALM.matcher(realm).matches()) {
            throw config.error("realm", "must be non-empty printable ASCII without '\"' or '\\'");
        }

        long maxTokenSize = config.getBytes("max-token-size");
        if (maxTokenSize < 64 || maxTokenSize > 64 * 1024) {
            throw config.error("max-token-size", "must be between 64B and 64KiB");
        }

        return new JwtSettings(issuer, audiences, keys, jwksUrl, oidcDiscovery, jwksAlgorithms, refresh, minRefresh, timeout,
                allowInsecure, leeway, config.getBoolean("require-expiration"), requiredClaims, subjectClaim, rolesClaim,
                sources, config.getBoolean("optional"), realm, (int) maxTokenSize);
    }

    private static List<VerificationKey> readKeys(PluginConfig config, Path home) {
        List<VerificationKey> keys = new ArrayList<>();
        Set<String> kids = new LinkedHashSet<>();
        List<PluginConfig> entries = config.getConfigList("keys");
        for (int i = 0; i < entries.size(); i++) {
            PluginConfig entry = entries.get(i);
            entry.refuseUnknownKeys(KEY_ENTRY_KEYS);
            String kid = entry.findString("kid").orElse(null);
            if (kid != null && kid.isEmpty()) {
                throw entry.error("kid", "must not be empty; leave it out for a key that tokens do not name");
            }
            if (!kids.add(kid == null ? "" : kid)) {
                throw entry.error("kid", kid == null ? "only one key may be without kid" : "'" + kid + "' is given twice");
            }
            if (!entry.has("algorithm")) {
                throw entry.error("algorithm", "is required, one of " + SigningAlgorithm.names());
            }
            SigningAlgorithm algorithm = algorithm(entry, "algorithm", entry.getString("algorithm"));
            List<String> material = KEY_ENTRY_KEYS.stream()
                    .filter(key -> !key.equals("kid") && !key.equals("algorithm") && entry.has(key)).sorted().toList();
            if (material.size() != 1) {
                String expected = algorithm.isHmac() ? "secret" : "public-key or public-key-file";
                throw entry.error(material.isEmpty() ? (algorithm.isHmac() ? "secret" : "public-key") : material.get(1),
                        material.isEmpty() ? "is required for " + algorithm + " (give " + expected + ")"
                                : "give only one of " + String.join(", ", material));
            }
            String source = config.path() + ".keys[" + i + "]";
            String materialKey = material.get(0);
            JWK jwk = read(entry, materialKey, algorithm, home);
            try {
                keys.add(VerificationKey.of(kid, jwk, Set.of(algorithm), source));
            }
            catch (IllegalArgumentException e) {
                throw entry.error(materialKey, e.getMessage());
            }
        }
        return keys;
    }

    private static JWK read(PluginConfig entry, String key, SigningAlgorithm algorithm, Path home) {
        if (key.equals("secret")) {
            if (!algorithm.isHmac()) {
                throw entry.error("secret", algorithm + " verifies with a public key: give public-key or public-key-file, not a secret");
            }
            byte[] secret = entry.getString("secret").getBytes(StandardCharsets.UTF_8);
            if (secret.length < algorithm.minimumSecretBytes()) {
                throw entry.error("secret", algorithm + " needs a secret of at least " + algorithm.minimumSecretBytes()
                        + " bytes (RFC 7518 §3.2); this one has " + secret.length);
            }
            return new OctetSequenceKey.Builder(secret).build();
        }
        if (algorithm.isHmac()) {
            throw entry.error(key, algorithm + " verifies with a shared secret: give secret, not a public key");
        }
        String pem;
        if (key.equals("public-key-file")) {
            Path file = home.resolve(entry.getString(key));
            try {
                pem = Files.readString(file, StandardCharsets.US_ASCII);
            }
            catch (IOException e) {
                throw entry.error(key, "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
            }
        }
        else {
            pem = entry.getString(key);
        }
        try {
            return PemKeys.read(pem, algorithm);
        }
        catch (IllegalArgumentException e) {
            throw entry.error(key, e.getMessage());
        }
    }

    private static SigningAlgorithm algorithm(PluginConfig config, String key, String name) {
        Optional<SigningAlgorithm> algorithm = SigningAlgorithm.named(name);
        if (algorithm.isPresent()) {
            return algorithm.get();
        }
        if (name.equalsIgnoreCase("none")) {
            throw config.error(key, "'none' is never accepted: an unsigned token proves nothing");
        }
        String hint = SigningAlgorithm.ignoringCase(name).map(known -> " (did you mean " + known + "?)").orElse("");
        throw config.error(key, "unknown algorithm '" + name + "'" + hint + "; one of " + SigningAlgorithm.names());
    }

    /** An absolute http(s) URL; {@code http} only to a loopback address unless allowed. */
    private static URI url(PluginConfig config, String key, String text, boolean allowInsecure) {
        URI uri;
        try {
            uri = new URI(text.strip());
        }
        catch (URISyntaxException e) {
            throw config.error(key, "is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            throw config.error(key, "must be an absolute https:// URL");
        }
        if (scheme.equals("http") && !allowInsecure && !isLoopback(uri.getHost())) {
            throw config.error(key, "must use https: keys fetched over plain http can be replaced on the way"
                    + " (http is accepted for loopback addresses, or with allow-insecure-jwks = true)");
        }
        return uri;
    }

    /** Whether {@code host} is {@code localhost} or a loopback address literal; never resolves a name. */
    static boolean isLoopback(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bare.equalsIgnoreCase("localhost")) {
            return true;
        }
        boolean literal = bare.contains(":") || bare.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (!literal) {
            return false;
        }
        try {
            return InetAddress.getByName(bare).isLoopbackAddress();
        }
        catch (UnknownHostException e) {
            return false;
        }
    }

    private static Duration positive(PluginConfig config, String key) {
        Duration duration = config.getDuration(key);
        if (duration.isNegative() || duration.isZero()) {
            throw config.error(key, "must be positive");
        }
        return duration;
    }

    private static String nonBlank(PluginConfig config, String key) {
        String value = config.getString(key).strip();
        if (value.isEmpty()) {
            throw config.error(key, "must not be empty");
        }
        return value;
    }
}
