package dev.tollgate.plugin.authservice.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The SHA-256 of a token: what the verdict cache is keyed by, so that tokens are never kept
 * (nor shown in a heap dump of the cache) longer than a request needs them.
 */
final class TokenDigest {
    private final byte[] digest;
    private final int hash;

    private TokenDigest(byte[] digest) {
        this.digest = digest;
        this.hash = Arrays.hashCode(digest);
    }

    /** The digest of {@code token}'s UTF-8 bytes. */
    static TokenDigest of(String token) {
        try {
            return new TokenDigest(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** The 32 bytes of the digest (a copy). */
    byte[] bytes() {
        return digest.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TokenDigest that && Arrays.equals(digest, that.digest);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "TokenDigest[sha256:" + String.format("%02x%02x%02x%02x", digest[0], digest[1], digest[2], digest[3]) + "…]";
    }
}
