package dev.tollgate.runtime.server;

import org.eclipse.jetty.http.HttpHeader;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Jetty's well-known header of a name, looked up first by the name's identity. A name that came
 * from a parsed field (the gateway's request, an instance's response through a backend plugin) is
 * the very string of its {@link HttpHeader}: a string literal, the same instance in every class
 * loader. Found by identity it costs one hash probe instead of a case-insensitive walk of Jetty's
 * trie; any other spelling falls back to the trie.
 */
final class KnownHeaders {
    private static final Map<String, HttpHeader> BY_IDENTITY = new IdentityHashMap<>();

    static {
        for (HttpHeader header : HttpHeader.values()) {
            BY_IDENTITY.put(header.asString(), header);
        }
    }

    private KnownHeaders() {
    }

    /** The well-known header of that name (case-insensitive), or null. */
    static HttpHeader of(String name) {
        HttpHeader header = BY_IDENTITY.get(name);
        return header != null ? header : HttpHeader.CACHE.get(name);
    }
}
