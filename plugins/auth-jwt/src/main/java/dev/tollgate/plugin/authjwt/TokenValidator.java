package dev.tollgate.plugin.authjwt;

import com.nimbusds.jose.Header;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tollgate.api.Principal;

import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static java.util.Objects.requireNonNull;

/**
 * Checks one token, RFC 8725's way: size, then the compact JWS form (JWE and {@code alg: none}
 * refused), the algorithm against the selected key's allowlist, {@code crit}, the signature with
 * Nimbus, and only then the claims — issuer, audience, {@code exp}/{@code nbf}/{@code iat} with
 * the leeway, required claims — before building the principal.
 *
 * <p>Header parameters that point at keys — {@code jku}, {@code jwk}, {@code x5u}, {@code x5c} —
 * are never followed: keys come from configuration and the configured key servers only. A
 * {@code kid} selects among those keys; an unknown one makes the remote key sets refresh (rate
 * limited) once before the token is refused.
 *
 * <p>Non-blocking: the stage is already complete unless the remote key sets must be waited for
 * (their first fetch, or a refresh for an unknown {@code kid}). Thread-safe.
 */
final class TokenValidator {
    private final JwtSettings settings;
    private final List<RemoteKeySet> remoteKeySets;
    private final Clock clock;

    TokenValidator(JwtSettings settings, List<RemoteKeySet> remoteKeySets, Clock clock) {
        this.settings = requireNonNull(settings, "settings is null");
        this.remoteKeySets = List.copyOf(remoteKeySets);
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * The principal {@code token} authenticates; the stage fails with a
     * {@link TokenRefusedException} when it does not.
     */
    CompletionStage<Principal> validate(String token) {
        SignedJWT jwt;
        try {
            jwt = parse(token);
        }
        catch (TokenRefusedException refused) {
            return CompletableFuture.failedFuture(refused);
        }
        CompletionStage<Void> ready = remoteKeysReady();
        if (ready != null) {
            return ready.thenCompose(ignored -> select(jwt));
        }
        return select(jwt);
    }

    /** A stage to wait for while a remote key set has not finished its first fetch; {@code null} when none. */
    private CompletionStage<Void> remoteKeysReady() {
        List<CompletableFuture<Void>> pending = null;
        for (RemoteKeySet keySet : remoteKeySets) {
            CompletableFuture<Void> attempt = keySet.firstAttempt().toCompletableFuture();
            if (!attempt.isDone()) {
                if (pending == null) {
                    pending = new ArrayList<>();
                }
                pending.add(attempt);
            }
        }
        return pending == null ? null : CompletableFuture.allOf(pending.toArray(CompletableFuture<?>[]::new));
    }

    /** The compact JWS in {@code token}, with an algorithm offered here and no unknown critical parameter. */
    SignedJWT parse(String token) throws TokenRefusedException {
        if (token.isEmpty()) {
            throw new TokenRefusedException(Reason.MALFORMED, "the bearer token is empty");
        }
        if (token.length() > settings.maxTokenSize()) {
            throw new TokenRefusedException(Reason.TOO_LARGE, "the token is larger than " + settings.maxTokenSize() + " bytes");
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        }
        catch (ParseException | RuntimeException e) {
            throw unparsable(token);
        }
        JWSHeader header = jwt.getHeader();
        if (SigningAlgorithm.of(header.getAlgorithm()).isEmpty()) {
            throw new TokenRefusedException(Reason.ALGORITHM_REFUSED, "the token's algorithm is not accepted");
        }
        if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
            throw new TokenRefusedException(Reason.CRITICAL_HEADER, "the token has critical header parameters this gateway does not understand");
        }
        return jwt;
    }

    /**
     * Why a token Nimbus could not parse as a compact JWS is refused: {@code alg: none} (in any
     * case), a JWE, or a missing signature, said as such; anything else is malformed. Only on this
     * failure path is the header read on its own, so a valid token's header is parsed once.
     */
    private static TokenRefusedException unparsable(String token) {
        int dot = token.indexOf('.');
        if (dot > 0) {
            try {
                Header header = Header.parse(new Base64URL(token.substring(0, dot)));
                if (header.getAlgorithm() != null && header.getAlgorithm().getName().equalsIgnoreCase("none")) {
                    return new TokenRefusedException(Reason.ALGORITHM_REFUSED, "unsigned tokens (alg none) are refused");
                }
                if (header instanceof JWEHeader) {
                    return new TokenRefusedException(Reason.ALGORITHM_REFUSED, "encrypted tokens (JWE) are refused");
                }
                if (header instanceof JWSHeader && token.endsWith(".") && token.indexOf('.', dot + 1) == token.length() - 1) {
                    return new TokenRefusedException(Reason.BAD_SIGNATURE, "the token has no signature");
                }
            }
            catch (ParseException | RuntimeException notAHeader) {
                // Not even the header is JOSE: malformed.
            }
        }
        return new TokenRefusedException(Reason.MALFORMED, "the token is not a JWT");
    }

    private CompletionStage<Principal> select(SignedJWT jwt) {
        JWSHeader header = jwt.getHeader();
        String kid = header.getKeyID();
        if (kid != null && !hasKid(kid)) {
            List<CompletableFuture<Void>> refreshes = new ArrayList<>();
            for (RemoteKeySet keySet : remoteKeySets) {
                refreshes.add(keySet.refreshForUnknownKey().toCompletableFuture());
            }
            if (!refreshes.isEmpty()) {
                return CompletableFuture.allOf(refreshes.toArray(CompletableFuture<?>[]::new)).thenCompose(ignored -> verify(jwt));
            }
        }
        return verify(jwt);
    }

    private CompletionStage<Principal> verify(SignedJWT jwt) {
        try {
            return CompletableFuture.completedFuture(check(jwt, keys()));
        }
        catch (TokenRefusedException refused) {
            return CompletableFuture.failedFuture(refused);
        }
    }

    /** Every key now known: the static ones, then each key server's. */
    private List<VerificationKey> keys() {
        if (remoteKeySets.isEmpty()) {
            return settings.keys();
        }
        List<VerificationKey> keys = new ArrayList<>(settings.keys());
        for (RemoteKeySet keySet : remoteKeySets) {
            keys.addAll(keySet.keys());
        }
        return keys;
    }

    private boolean hasKid(String kid) {
        for (VerificationKey key : keys()) {
            if (kid.equals(key.kid())) {
                return true;
            }
        }
        return false;
    }

    /** Selects the keys, verifies the signature, then the claims; synchronous. */
    private Principal check(SignedJWT jwt, List<VerificationKey> keys) throws TokenRefusedException {
        JWSHeader header = jwt.getHeader();
        SigningAlgorithm algorithm = SigningAlgorithm.of(header.getAlgorithm())
                .orElseThrow(() -> new TokenRefusedException(Reason.ALGORITHM_REFUSED, "the token's algorithm is not accepted"));
        String kid = header.getKeyID();
        List<VerificationKey> named = new ArrayList<>();
        for (VerificationKey key : keys) {
            if (kid == null || kid.equals(key.kid())) {
                named.add(key);
            }
        }
        if (named.isEmpty()) {
            if (remoteKeySets.stream().anyMatch(keySet -> !keySet.loaded())) {
                throw new TokenRefusedException(Reason.KEYS_UNAVAILABLE, "the signing keys are not available");
            }
            throw new TokenRefusedException(Reason.UNKNOWN_KEY, kid == null ? "no key for a token without kid"
                    : "no key with kid '" + printable(kid) + "'");
        }
        List<VerificationKey> candidates = named.stream().filter(key -> key.algorithms().contains(algorithm)).toList();
        if (candidates.isEmpty()) {
            throw new TokenRefusedException(Reason.ALGORITHM_REFUSED, algorithm + " is not allowed for "
                    + (kid == null ? "any key" : "key '" + printable(kid) + "'"));
        }
        boolean verified = false;
        for (VerificationKey key : candidates) {
            try {
                if (jwt.verify(key.verifier())) {
                    verified = true;
                    break;
                }
            }
            catch (JOSEException | RuntimeException e) {
                // A signature of the wrong length or shape, or a key the JCA refuses: not verified.
            }
        }
        if (!verified) {
            throw new TokenRefusedException(Reason.BAD_SIGNATURE, "the signature does not verify"
                    + (kid == null ? "" : " with key '" + printable(kid) + "'"));
        }
        Map<String, Object> json = jwt.getPayload().toJSONObject();
        JWTClaimsSet claims;
        try {
            if (json == null) {
                throw new ParseException("not a JSON object", 0);
            }
            claims = JWTClaimsSet.parse(json);
        }
        catch (ParseException e) {
            throw new TokenRefusedException(Reason.MALFORMED, "the token's claims are not a JSON object with valid registered claims");
        }
        checkClaims(claims);
        return principal(json);
    }

    private void checkClaims(JWTClaimsSet claims) throws TokenRefusedException {
        Instant now = clock.instant();
        long leeway = settings.leeway().toMillis();
        Date expiration = claims.getExpirationTime();
        if (expiration == null && settings.requireExpiration()) {
            throw new TokenRefusedException(Reason.MISSING_CLAIM, "the token has no exp");
        }
        if (expiration != null && now.toEpochMilli() - leeway >= expiration.getTime()) {
            throw new TokenRefusedException(Reason.EXPIRED, "the token has expired");
        }
        Date notBefore = claims.getNotBeforeTime();
        if (notBefore != null && now.toEpochMilli() + leeway < notBefore.getTime()) {
            throw new TokenRefusedException(Reason.NOT_YET_VALID, "the token is not valid yet (nbf)");
        }
        Date issuedAt = claims.getIssueTime();
        if (issuedAt != null && now.toEpochMilli() + leeway < issuedAt.getTime()) {
            throw new TokenRefusedException(Reason.NOT_YET_VALID, "the token is issued in the future (iat)");
        }
        if (!settings.issuer().equals(claims.getIssuer())) {
            throw new TokenRefusedException(Reason.BAD_ISSUER, "the token's issuer is not accepted");
        }
        if (!settings.audiences().isEmpty()) {
            List<String> audience = claims.getAudience();
            if (audience == null || audience.stream().noneMatch(settings.audiences()::contains)) {
                throw new TokenRefusedException(Reason.BAD_AUDIENCE, "the token is not meant for this audience");
            }
        }
        for (String required : settings.requiredClaims()) {
            if (claims.getClaim(required) == null) {
                throw new TokenRefusedException(Reason.MISSING_CLAIM, "the token has no '" + printable(required) + "' claim");
            }
        }
    }

    /** The principal of verified, checked claims, {@code json} as the token's payload parsed. */
    private Principal principal(Map<String, Object> json) throws TokenRefusedException {
        Object subject = json.get(settings.subjectClaim());
        if (!(subject instanceof String name) || name.isEmpty()) {
            throw new TokenRefusedException(Reason.MISSING_CLAIM, "the token's '" + settings.subjectClaim() + "' is missing or not a string");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, Object> claim : json.entrySet()) {
            if (claim.getValue() != null) {
                values.put(claim.getKey(), immutable(claim.getValue()));
            }
        }
        return Principal.of(name, "jwt", roles(json), values);
    }

    /**
     * The roles of {@code roles-claim}: a JSON array of strings, or one string of roles separated
     * by spaces or commas (OAuth's {@code scope} style). A name with dots that is not a top-level
     * claim is a path into nested objects ({@code realm_access.roles}).
     */
    private Set<String> roles(Map<String, Object> json) {
        if (settings.rolesClaim().isEmpty()) {
            return Set.of();
        }
        Object value = json.get(settings.rolesClaim());
        if (value == null && settings.rolesClaim().contains(".")) {
            Object node = json;
            for (String step : settings.rolesClaim().split("\\.")) {
                node = node instanceof Map<?, ?> map ? map.get(step) : null;
            }
            value = node;
        }
        Set<String> roles = new LinkedHashSet<>();
        if (value instanceof String text) {
            for (String role : text.split("[\\s,]+")) {
                if (!role.isEmpty()) {
                    roles.add(role);
                }
            }
        }
        else if (value instanceof List<?> list) {
            for (Object role : list) {
                if (role instanceof String text && !text.isEmpty()) {
                    roles.add(text);
                }
            }
        }
        return roles;
    }

    /** A JSON-like value as an unmodifiable one. */
    private static Object immutable(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((key, nested) -> copy.put(String.valueOf(key), immutable(nested)));
            return Collections.unmodifiableMap(copy);
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(nested -> copy.add(immutable(nested)));
            return Collections.unmodifiableList(copy);
        }
        return value;
    }

    /**
     * A {@code kid} or claim name as it may appear in a message and a {@code WWW-Authenticate}
     * quoted string: printable ASCII without quotes or backslashes, at most 64 characters.
     */
    static String printable(String text) {
        StringBuilder safe = new StringBuilder(Math.min(text.length(), 64));
        for (int i = 0; i < text.length() && safe.length() < 64; i++) {
            char c = text.charAt(i);
            safe.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?');
        }
        return text.length() > 64 ? safe + "..." : safe.toString();
    }
}
