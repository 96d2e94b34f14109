package dev.tollgate.runtime.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.tollgate.api.InvalidConfigException;

import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Refuses keys the reference does not know: Typesafe's {@code checkValid} checks types but
 * lets any extra key through, and a misspelled key silently falling back to its default is the
 * most common configuration mistake.
 *
 * <p>Conventions of a reference block: an empty block ({@code headers {}}) takes any keys
 * (free-form maps); a {@code null} value takes a value of any shape, which the code reading it
 * checks.
 */
public final class ConfigKeys {
    private ConfigKeys() {
    }

    /**
     * Checks that every key of {@code actual} exists in {@code reference}, recursively.
     *
     * @param ignored keys of the top level that the caller checks itself
     * @throws InvalidConfigException naming the first unknown key, with a suggestion when a known
     *         key is spelled alike
     */
    public static void checkKnown(HoconConfig actual, ConfigObject reference, Set<String> ignored) {
        check(actual.config().root(), reference, actual.path(), ignored);
    }

    /**
     * Checks that every key directly under {@code actual} is one of {@code known}: for blocks no
     * reference describes, such as the entries of a list of blocks
     * ({@link HoconConfig#refuseUnknownKeys}).
     *
     * @throws InvalidConfigException naming the first unknown key, with a suggestion when a known
     *         key is spelled alike
     */
    public static void checkKnown(HoconConfig actual, Set<String> known) {
        for (Map.Entry<String, ConfigValue> entry : actual.config().root().entrySet()) {
            if (!known.contains(entry.getKey())) {
                throw unknownSetting(actual.path(), entry, known);
            }
        }
    }

    private static void check(ConfigObject actual, ConfigObject reference, String path, Set<String> ignored) {
        for (Map.Entry<String, ConfigValue> entry : actual.entrySet()) {
            String key = entry.getKey();
            if (ignored.contains(key)) {
                continue;
            }
            String keyPath = keyPath(path, key);
            if (!reference.containsKey(key)) {
                throw unknownSetting(path, entry, reference.keySet());
            }
            ConfigValue referenceValue = reference.get(key);
            if (referenceValue.valueType() == ConfigValueType.OBJECT
                    && entry.getValue().valueType() == ConfigValueType.OBJECT) {
                ConfigObject referenceObject = (ConfigObject) referenceValue;
                if (!referenceObject.isEmpty()) {
                    check((ConfigObject) entry.getValue(), referenceObject, keyPath, Set.of());
                }
            }
        }
    }

    private static InvalidConfigException unknownSetting(String path, Map.Entry<String, ConfigValue> entry, Set<String> known) {
        return new InvalidConfigException(keyPath(path, entry.getKey()), HoconConfig.originOf(entry.getValue().origin()),
                "unknown setting" + suggestion(entry.getKey(), known));
    }

    private static String keyPath(String path, String key) {
        return (path.isEmpty() ? "" : path + ".") + ConfigUtil.quoteString(key).replace("\"", "");
    }

    /**
     * {@code " (did you mean 'x'?)"} for the closest known name within two edits, else the list
     * of known names, or nothing when none is known.
     */
    public static String suggestion(String key, Set<String> known) {
        return closest(key, known)
                .map(candidate -> " (did you mean '" + candidate + "'?)")
                .orElse(known.isEmpty() ? "" : " (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
    }

    /** The known name closest to {@code key}, if one is within two edits (fewer for short keys). */
    public static Optional<String> closest(String key, Set<String> known) {
        return known.stream()
                .filter(candidate -> distance(key, candidate) <= Math.max(1, Math.min(2, key.length() / 3)))
                .min(Comparator.comparingInt((String candidate) -> distance(key, candidate)));
    }

    /** Edit distance with adjacent transpositions (optimal string alignment), ignoring case: "prot" is one edit from "port". */
    static int distance(String a, String b) {
        String left = a.toLowerCase(java.util.Locale.ROOT);
        String right = b.toLowerCase(java.util.Locale.ROOT);
        int[][] d = new int[left.length() + 1][right.length() + 1];
        for (int i = 0; i <= left.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= right.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= left.length(); i++) {
            for (int j = 1; j <= right.length(); j++) {
                int cost = left.charAt(i - 1) == right.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && left.charAt(i - 1) == right.charAt(j - 2) && left.charAt(i - 2) == right.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[left.length()][right.length()];
    }
}
