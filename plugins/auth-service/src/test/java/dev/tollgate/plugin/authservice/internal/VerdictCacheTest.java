package dev.tollgate.plugin.authservice.internal;

import dev.tollgate.api.Principal;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The verdict cache's keys, time limits and size bound, on a clock the test moves. */
class VerdictCacheTest {
    private final MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));

    private static Verdict.Valid valid(String user, long expiresAt) {
        return new Verdict.Valid(Principal.of(user, "auth-service", Set.of(), Map.of()), expiresAt);
    }

    private VerdictCache cache(Duration ttl, Duration negativeTtl, int maxEntries) {
        return new VerdictCache(new AuthSettings.Cache(ttl, negativeTtl, maxEntries), clock);
    }

    @Test
    void keysAreTheTokensSha256NeverTheToken() throws Exception {
        VerdictCache cache = cache(Duration.ofSeconds(30), Duration.ofSeconds(5), 10);
        String token = "eyJhbGciOiJIUzI1NiJ9.secret-token";
        cache.put(TokenDigest.of(token), valid("alice", 0));

        byte[] expected = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        assertThat(cache.keys()).singleElement().satisfies(key -> {
            assertThat(key.bytes()).isEqualTo(expected).hasSize(32);
            assertThat(key.toString()).doesNotContain(token).startsWith("TokenDigest[sha256:");
        });
        assertThat(cache.get(TokenDigest.of(token))).isEqualTo(valid("alice", 0));
        assertThat(cache.get(TokenDigest.of(token + "x"))).isNull();
    }

    @Test
    void aValidVerdictLastsTheTtl() {
        VerdictCache cache = cache(Duration.ofSeconds(30), Duration.ofSeconds(5), 10);
        TokenDigest token = TokenDigest.of("t");
        cache.put(token, valid("alice", 0));

        clock.advance(Duration.ofSeconds(29));
        assertThat(cache.get(token)).isNotNull();
        clock.advance(Duration.ofSeconds(1));
        assertThat(cache.get(token)).isNull();
        assertThat(cache.size()).as("dropped when met").isZero();
    }

    @Test
    void aValidVerdictNeverOutlivesTheTokensExpiry() {
        VerdictCache cache = cache(Duration.ofSeconds(30), Duration.ofSeconds(5), 10);
        TokenDigest token = TokenDigest.of("t");
        cache.put(token, valid("alice", clock.instant().getEpochSecond() + 10));

        clock.advance(Duration.ofMillis(9_999));
        assertThat(cache.get(token)).isNotNull();
        clock.advance(Duration.ofMillis(1));
        assertThat(cache.get(token)).isNull();

        cache.put(token, valid("alice", clock.instant().getEpochSecond() - 1));
        assertThat(cache.size()).as("an expired token is not kept at all").isZero();
    }

    @Test
    void anInvalidVerdictLastsTheNegativeTtl() {
        VerdictCache cache = cache(Duration.ofSeconds(30), Duration.ofSeconds(5), 10);
        TokenDigest token = TokenDigest.of("t");
        cache.put(token, new Verdict.Invalid("revoked"));

        clock.advance(Duration.ofMillis(4_999));
        assertThat(cache.get(token)).isEqualTo(new Verdict.Invalid("revoked"));
        clock.advance(Duration.ofMillis(1));
        assertThat(cache.get(token)).isNull();
    }

    @Test
    void zeroTtlsKeepNothingOfThatKind() {
        VerdictCache noNegatives = cache(Duration.ofSeconds(30), Duration.ZERO, 10);
        noNegatives.put(TokenDigest.of("bad"), new Verdict.Invalid(""));
        noNegatives.put(TokenDigest.of("good"), valid("alice", 0));
        assertThat(noNegatives.keys()).containsExactly(TokenDigest.of("good"));

        VerdictCache off = cache(Duration.ZERO, Duration.ZERO, 10);
        off.put(TokenDigest.of("good"), valid("alice", 0));
        assertThat(off.size()).isZero();

        VerdictCache noRoom = cache(Duration.ofSeconds(30), Duration.ofSeconds(5), 0);
        noRoom.put(TokenDigest.of("good"), valid("alice", 0));
        assertThat(noRoom.size()).isZero();
    }

    @Test
    void theLeastRecentlyUsedVerdictGoesWhenFull() {
        VerdictCache cache = cache(Duration.ofSeconds(30), Duration.ofSeconds(5), 3);
        for (String token : new String[] {"a", "b", "c"}) {
            cache.put(TokenDigest.of(token), valid(token, 0));
        }
        assertThat(cache.get(TokenDigest.of("a"))).as("a is used again").isNotNull();

        cache.put(TokenDigest.of("d"), valid("d", 0));

        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.keys()).containsExactlyInAnyOrder(TokenDigest.of("a"), TokenDigest.of("c"), TokenDigest.of("d"));
    }

    @Test
    void expiredVerdictsMakeRoomBeforeLiveOnes() {
        VerdictCache cache = cache(Duration.ofSeconds(30), Duration.ofSeconds(5), 2);
        cache.put(TokenDigest.of("live"), valid("live", 0));
        cache.put(TokenDigest.of("refused"), new Verdict.Invalid(""));
        clock.advance(Duration.ofSeconds(6));
        cache.get(TokenDigest.of("live"));

        cache.put(TokenDigest.of("new"), valid("new", 0));

        assertThat(cache.keys()).containsExactlyInAnyOrder(TokenDigest.of("live"), TokenDigest.of("new"));
    }

    /** A clock the test moves. */
    private static final class MovableClock extends Clock {
        private Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
