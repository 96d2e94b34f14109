package dev.tollgate.plugin.eventbridgeredis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import static java.util.Objects.requireNonNull;

/**
 * The bridge's Lua scripts, read once from the plugin jar ({@code dev/tollgate/plugin/eventbridgeredis/*.lua},
 * each documented at its top). Redisson runs them with {@code EVALSHA}, loading them on first use.
 *
 * @param publish appends to a history stream and publishes the envelope
 * @param history the events after an offset, or a gap
 * @param latestOffset the last offset of a stream
 * @param presenceJoin adds or refreshes presence members
 * @param presenceLeave removes presence members
 * @param presenceMembers lists live members, removing expired ones
 */
public record LuaScripts(String publish, String history, String latestOffset, String presenceJoin, String presenceLeave,
        String presenceMembers) {

    public LuaScripts {
        requireNonNull(publish, "publish is null");
        requireNonNull(history, "history is null");
        requireNonNull(latestOffset, "latestOffset is null");
        requireNonNull(presenceJoin, "presenceJoin is null");
        requireNonNull(presenceLeave, "presenceLeave is null");
        requireNonNull(presenceMembers, "presenceMembers is null");
    }

    /** Reads the scripts from the class path of this class. */
    public static LuaScripts load() {
        return new LuaScripts(read("publish.lua"), read("history.lua"), read("latest-offset.lua"), read("presence-join.lua"),
                read("presence-leave.lua"), read("presence-members.lua"));
    }

    private static String read(String name) {
        String path = "/dev/tollgate/plugin/eventbridgeredis/" + name;
        try (InputStream in = LuaScripts.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing " + path + " in the plugin jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
