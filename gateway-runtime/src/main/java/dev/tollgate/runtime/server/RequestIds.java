package dev.tollgate.runtime.server;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: a client's id is kept when it is 1 to 128 characters of {@code [A-Za-z0-9._:-]}
 * (anything else could smuggle text into logs or headers); otherwise a random 128-bit id in
 * hex. Ids identify, they do not authorise, so a non-cryptographic random source is enough.
 */
final class RequestIds {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {
    }

    /** The client's id if acceptable, else a new one. */
    static String accept(String fromClient) {
        return isAcceptable(fromClient) ? fromClient : generate();
    }

    static boolean isAcceptable(String id) {
        if (id == null || id.isEmpty() || id.length() > 128) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static String generate() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] id = new char[32];
        write(random.nextLong(), id, 0);
        write(random.nextLong(), id, 16);
        return new String(id);
    }

    private static void write(long value, char[] target, int offset) {
        for (int i = 15; i >= 0; i--) {
            target[offset + i] = HEX[(int) (value & 0xF)];
            value >>>= 4;
        }
    }
}
