package dev.tollgate.plugin.backendhttp.internal;

import dev.tollgate.api.http.Headers;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;

/**
 * Copies an instance's response headers to the client's response, each once: without the
 * hop-by-hop ones (and those any of its {@code Connection} fields names), and without fields the gateway had
 * already set on the response (its request id, a filter's header), which keep the gateway's
 * value. The instance's {@code Date} replaces the gateway's; {@code Via} is extended when the
 * route adds one.
 */
final class ResponseHeaderWriter {
    private ResponseHeaderWriter() {
    }

    /**
     * @param via the route's Via pseudonym, or empty
     */
    static void write(HttpFields from, HttpVersion version, Headers to, String via) {
        String[] preset = PresetNames.of(to);
        String[] connectionOptions = HeaderRules.connectionOptions(from);
        String viaList = null;
        for (int i = 0, size = from.size(); i < size; i++) {
            HttpField field = from.getField(i);
            HttpHeader header = field.getHeader();
            String name = field.getName();
            if (header != null) {
                if (HeaderRules.HOP_BY_HOP.contains(header)) {
                    continue;
                }
                if (header == HttpHeader.DATE) {
                    to.set(name, field.getValue());
                    continue;
                }
                if (header == HttpHeader.VIA && !via.isEmpty()) {
                    viaList = HeaderRules.join(viaList, field.getValue());
                    continue;
                }
            }
            if (HeaderRules.isConnectionOption(connectionOptions, name) || isPreset(preset, name)) {
                continue;
            }
            to.add(name, field.getValue());
        }
        if (!via.isEmpty()) {
            to.add(HttpHeader.VIA.asString(), HeaderRules.join(viaList, HeaderRules.viaProtocol(version.asString()) + " " + via));
        }
    }

    /** The names of the fields already on the response, collected without a set or a copy of the fields. */
    private static final class PresetNames implements java.util.function.BiConsumer<String, String> {
        private final String[] names;
        private int count;

        private PresetNames(int size) {
            names = new String[size];
        }

        static String[] of(Headers headers) {
            int size = headers.size();
            if (size == 0) {
                return null;
            }
            PresetNames collector = new PresetNames(size);
            headers.forEach(collector);
            return collector.names;
        }

        @Override
        public void accept(String name, String value) {
            if (count < names.length) {
                names[count++] = name;
            }
        }
    }

    private static boolean isPreset(String[] preset, String name) {
        if (preset == null) {
            return false;
        }
        for (String presetName : preset) {
            if (presetName != null && presetName.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }
}
