package dev.tollgate.plugin.authservice.internal;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Recent verdicts by {@link TokenDigest}: a valid one for {@code ttl} but never beyond the token's
 * own expiry, an invalid one for {@code negative-ttl}, at most {@code max-entries} of them (the
 * least recently used goes first). Expired entries are dropped when met and when the cache is full.
 *
 * <p>Thread-safe; every operation is short and holds one lock.
 */
final class VerdictCache {
    private final AuthSettings.Cache settings;
    private final Clock clock;
    private final LinkedHashMap<TokenDigest, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);

    VerdictCache(AuthSettings.Cache settings, Clock clock) {
        this.settings = requireNonNull(settings, "settings is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** The verdict kept for this token, or {@code null} when none is (or it expired). */
    Verdict get(TokenDigest token) {
        if (!settings.enabled()) {
            return null;
        }
        long now = clock.millis();
        synchronized (entries) {
            Entry entry = entries.get(token);
            if (entry == null) {
                return null;
            }
            if (entry.expiresAtMillis() <= now) {
                entries.remove(token);
                return null;
            }
            return entry.verdict();
        }
    }

    /** Keeps a verdict for as long as the settings and the token's expiry allow (perhaps not at all). */
    void put(TokenDigest token, Verdict verdict) {
        if (!settings.enabled()) {
            return;
        }
        long now = clock.millis();
        long until;
        if (verdict instanceof Verdict.Valid valid) {
            until = now + settings.ttl().toMillis();
            if (valid.expiresAt() > 0) {
                until = Math.min(until, Math.multiplyExact(valid.expiresAt(), 1000L));
            }
        }
        else {
            until = now + settings.negativeTtl().toMillis();
        }
        if (until <= now) {
            return;
        }
        synchronized (entries) {
            entries.put(token, new Entry(verdict, until));
            if (entries.size() > settings.maxEntries()) {
                entries.values().removeIf(entry -> entry.expiresAtMillis() <= now);
                var eldest = entries.entrySet().iterator();
                while (entries.size() > settings.maxEntries() && eldest.hasNext()) {
                    eldest.next();
                    eldest.remove();
                }
            }
        }
    }

    /** How many verdicts are kept, expired ones not yet dropped included. */
    int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    /** The keys kept (for tests: they are digests, never tokens). */
    Set<TokenDigest> keys() {
        synchronized (entries) {
            return Set.copyOf(entries.keySet());
        }
    }

    private record Entry(Verdict verdict, long expiresAtMillis) {
    }

    @Override
    public String toString() {
        return "VerdictCache[" + size() + " of " + settings.maxEntries() + "]";
    }
}
