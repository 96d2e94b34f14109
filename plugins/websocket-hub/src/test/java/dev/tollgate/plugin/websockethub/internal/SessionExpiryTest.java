package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.Principal;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading a principal's expiry from its claims, as the filters that set them write them. */
class SessionExpiryTest {

    private static Principal withClaims(Object... claims) {
        Map<String, Object> map = new HashMap<>();
        for (int i = 0; i < claims.length; i += 2) {
            map.put((String) claims[i], claims[i + 1]);
        }
        return Principal.of("ann", "jwt", Set.of(), map);
    }

    @Test
    void expIsSecondsSinceTheEpochWhateverItsNumberType() {
        Instant expected = Instant.ofEpochSecond(1_700_000_000);
        assertThat(SessionExpiry.expiryOf(withClaims("exp", 1_700_000_000L))).hasValue(expected);
        assertThat(SessionExpiry.expiryOf(withClaims("exp", 1_700_000_000))).hasValue(expected);
        assertThat(SessionExpiry.expiryOf(withClaims("exp", 1.7E9))).hasValue(expected);
        assertThat(SessionExpiry.expiryOf(withClaims("exp", 1_700_000_000.25))).hasValue(expected.plusMillis(250));
        assertThat(SessionExpiry.expiryOf(withClaims("exp", new java.math.BigDecimal("1700000000")))).hasValue(expected);
        assertThat(SessionExpiry.expiryOf(withClaims("exp", "1700000000"))).hasValue(expected);
    }

    @Test
    void expiresAtIsSecondsOrAnInstantAndTheEarlierOfTheTwoClaimsWins() {
        assertThat(SessionExpiry.expiryOf(withClaims("expires_at", 1_700_000_000L))).hasValue(Instant.ofEpochSecond(1_700_000_000));
        assertThat(SessionExpiry.expiryOf(withClaims("expires_at", "2030-01-02T03:04:05Z"))).hasValue(Instant.parse("2030-01-02T03:04:05Z"));
        assertThat(SessionExpiry.expiryOf(withClaims("exp", 1_700_000_100L, "expires_at", 1_700_000_000L)))
                .hasValue(Instant.ofEpochSecond(1_700_000_000));
        assertThat(SessionExpiry.expiryOf(withClaims("exp", 1_700_000_000L, "expires_at", 1_700_000_100L)))
                .hasValue(Instant.ofEpochSecond(1_700_000_000));
    }

    @Test
    void aPrincipalWithoutAReadableExpiryHasNone() {
        assertThat(SessionExpiry.expiryOf(withClaims())).isEmpty();
        assertThat(SessionExpiry.expiryOf(withClaims("exp", "tomorrow"))).isEmpty();
        assertThat(SessionExpiry.expiryOf(withClaims("exp", true))).isEmpty();
        assertThat(SessionExpiry.expiryOf(withClaims("exp", Double.NaN))).isEmpty();
        assertThat(SessionExpiry.expiryOf(withClaims("expires_at", java.util.List.of(1)))).isEmpty();
        assertThat(SessionExpiry.expiryOf(withClaims("iat", 1_700_000_000L))).isEmpty();
    }
}
