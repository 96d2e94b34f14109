package dev.tollgate.plugin.backendgrpc.internal.mapping;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;

import java.io.IOException;
import java.io.StringReader;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * JSON ⇄ protobuf by the proto3 JSON mapping ({@link JsonFormat}): lowerCamel and original field
 * names, enums by name or number, well-known types, {@code Any} through the schema's type
 * registry. Builds a request message from what an {@link HttpBinding} says goes where — path
 * variables, query parameters, the body — and prints answers. A request that cannot be read fails
 * with {@link InvalidRequestException}, whose message names the field at fault.
 *
 * <p>Immutable and thread-safe.
 */
public final class JsonCodec {
    private static final TypeAdapter<JsonElement> ELEMENTS = new Gson().getAdapter(JsonElement.class);
    private static final Set<String> SCALAR_WELL_KNOWN_TYPES = Set.of("google.protobuf.Timestamp", "google.protobuf.Duration",
            "google.protobuf.FieldMask", "google.protobuf.DoubleValue", "google.protobuf.FloatValue", "google.protobuf.Int64Value",
            "google.protobuf.UInt64Value", "google.protobuf.Int32Value", "google.protobuf.UInt32Value", "google.protobuf.BoolValue",
            "google.protobuf.StringValue", "google.protobuf.BytesValue");

    private final JsonFormat.Parser parser;
    private final JsonFormat.Printer printer;
    private final boolean protoFieldNames;

    /**
     * @param registry the message types an {@code Any} may hold
     * @param options how answers are printed
     */
    public JsonCodec(JsonFormat.TypeRegistry registry, PrintOptions options) {
        requireNonNull(registry, "registry is null");
        requireNonNull(options, "options is null");
        this.parser = JsonFormat.parser().usingTypeRegistry(registry);
        JsonFormat.Printer printing = JsonFormat.printer().usingTypeRegistry(registry).omittingInsignificantWhitespace();
        if (options.protoFieldNames()) {
            printing = printing.preservingProtoFieldNames();
        }
        if (options.includeDefaultValues()) {
            printing = printing.includingDefaultValueFields();
        }
        if (options.enumsAsNumbers()) {
            printing = printing.printingEnumsAsInts();
        }
        this.printer = printing;
        this.protoFieldNames = options.protoFieldNames();
    }

    /**
     * How answers are printed.
     *
     * @param protoFieldNames field names as in the .proto instead of lowerCamelCase
     * @param includeDefaultValues print fields that hold their default value
     * @param enumsAsNumbers enums as numbers instead of names
     */
    public record PrintOptions(boolean protoFieldNames, boolean includeDefaultValues, boolean enumsAsNumbers) {
        public static final PrintOptions DEFAULT = new PrintOptions(false, false, false);
    }

    /**
     * The request message of a call: the body placed where the binding says, then the path
     * variables, then (unless the body is the whole message) the query parameters naming fields —
     * {@code a.b=1} for nested fields, repeated parameters for repeated fields. Parameters naming
     * no field are ignored.
     *
     * @param query the raw query string, or null
     * @param body the request body, or null when the binding takes none
     * @throws InvalidRequestException naming the field at fault
     */
    public DynamicMessage request(Descriptor type, HttpBinding binding, Map<String, String> pathValues, String query, ByteBuffer body) {
        JsonObject root = new JsonObject();
        if (binding.hasBody() && body != null && body.hasRemaining()) {
            JsonElement json = parseJson(body);
            if (binding.body().equals("*")) {
                if (!json.isJsonObject()) {
                    throw new InvalidRequestException("the request body must be a JSON object");
                }
                root = json.getAsJsonObject();
            }
            else {
                set(root, binding.body(), json);
            }
        }
        for (Map.Entry<String, String> variable : pathValues.entrySet()) {
            set(root, variable.getKey(), new JsonPrimitive(variable.getValue()));
        }
        if (!binding.body().equals("*") && query != null && !query.isEmpty()) {
            for (Map.Entry<String, List<String>> parameter : queryParameters(query).entrySet()) {
                String path = parameter.getKey();
                if (pathValues.containsKey(path) || (binding.hasBody() && (path.equals(binding.body()) || path.startsWith(binding.body() + ".")))) {
                    continue;
                }
                FieldDescriptor field = resolve(type, path);
                if (field == null) {
                    continue;
                }
                JsonElement value;
                if (field.isRepeated() && !field.isMapField()) {
                    JsonArray values = new JsonArray();
                    parameter.getValue().forEach(values::add);
                    value = values;
                }
                else {
                    List<String> values = parameter.getValue();
                    value = new JsonPrimitive(values.get(values.size() - 1));
                }
                set(root, path, value);
            }
        }
        return parse(root, type);
    }

    /**
     * The message {@code json} describes.
     *
     * @throws InvalidRequestException naming the field at fault
     */
    public DynamicMessage parse(JsonElement json, Descriptor type) {
        DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
        try {
            parser.merge(json.toString(), builder);
            return builder.build();
        }
        catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new InvalidRequestException(locate(json, type, "", e));
        }
    }

    /**
     * Finds the field of {@code json} that cannot be read, trying each field alone; the message
     * names its path ({@code owner.level}, {@code tags[2]}) and what is wrong with it.
     */
    private String locate(JsonElement json, Descriptor type, String prefix, Exception whole) {
        if (json.isJsonObject() && !SCALAR_WELL_KNOWN_TYPES.contains(type.getFullName()) && !type.getFullName().startsWith("google.protobuf.")) {
            for (Map.Entry<String, JsonElement> entry : json.getAsJsonObject().entrySet()) {
                String path = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
                FieldDescriptor field = fieldNamed(type, entry.getKey());
                if (field == null) {
                    return "unknown field '" + path + "' in " + type.getFullName();
                }
                JsonObject alone = new JsonObject();
                alone.add(entry.getKey(), entry.getValue());
                Exception failure = tryParse(alone, type);
                if (failure == null) {
                    continue;
                }
                JsonElement value = entry.getValue();
                if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isMapField()) {
                    if (field.isRepeated() && value.isJsonArray()) {
                        JsonArray items = value.getAsJsonArray();
                        for (int i = 0; i < items.size(); i++) {
                            if (tryParse(items.get(i), field.getMessageType()) != null) {
                                return locate(items.get(i), field.getMessageType(), path + "[" + i + "]", failure);
                            }
                        }
                    }
                    else if (!field.isRepeated() && value.isJsonObject()) {
                        return locate(value, field.getMessageType(), path, failure);
                    }
                }
                return "invalid value for field '" + path + "': " + message(failure);
            }
        }
        return (prefix.isEmpty() ? "invalid request" : "invalid value for field '" + prefix + "'") + ": " + message(whole);
    }

    private Exception tryParse(JsonElement json, Descriptor type) {
        try {
            parser.merge(json.toString(), DynamicMessage.newBuilder(type));
            return null;
        }
        catch (InvalidProtocolBufferException | RuntimeException e) {
            return e;
        }
    }

    private static String message(Exception failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        String text = cause.getMessage();
        return text == null ? cause.getClass().getSimpleName() : text;
    }

    /** The field a JSON name or proto name designates, or null. */
    private static FieldDescriptor fieldNamed(Descriptor type, String name) {
        FieldDescriptor field = type.findFieldByName(name);
        if (field != null) {
            return field;
        }
        for (FieldDescriptor candidate : type.getFields()) {
            if (candidate.getJsonName().equals(name)) {
                return candidate;
            }
        }
        return null;
    }

    /** The field at a dotted path whose every step but the last is a singular message field; null if none. */
    private static FieldDescriptor resolve(Descriptor type, String path) {
        Descriptor current = type;
        String[] steps = path.split("\\.", -1);
        for (int i = 0; i < steps.length; i++) {
            FieldDescriptor field = fieldNamed(current, steps[i]);
            if (field == null) {
                return null;
            }
            if (i == steps.length - 1) {
                return field;
            }
            if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || field.isRepeated()
                    || SCALAR_WELL_KNOWN_TYPES.contains(field.getMessageType().getFullName())) {
                return null;
            }
            current = field.getMessageType();
        }
        return null;
    }

    private static void set(JsonObject root, String path, JsonElement value) {
        String[] steps = path.split("\\.", -1);
        JsonObject current = root;
        for (int i = 0; i < steps.length - 1; i++) {
            JsonElement next = current.get(steps[i]);
            if (next == null || !next.isJsonObject()) {
                JsonObject created = new JsonObject();
                current.add(steps[i], created);
                next = created;
            }
            current = next.getAsJsonObject();
        }
        current.add(steps[steps.length - 1], value);
    }

    /** Query parameters in order, names and values decoded, every value of a repeated name kept. */
    static Map<String, List<String>> queryParameters(String query) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            parameters.computeIfAbsent(name, key -> new java.util.ArrayList<>()).add(value);
        }
        return parameters;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        }
        catch (IllegalArgumentException e) {
            throw new InvalidRequestException("malformed query string: " + e.getMessage());
        }
    }

    /**
     * Parses a JSON document strictly (no comments, unquoted names or trailing data).
     *
     * @throws InvalidRequestException saying where the JSON is malformed
     */
    public static JsonElement parseJson(ByteBuffer body) {
        String text = StandardCharsets.UTF_8.decode(body.duplicate()).toString();
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement json = ELEMENTS.read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new InvalidRequestException("malformed JSON: data after the end of the document");
            }
            return json == null ? JsonNull.INSTANCE : json;
        }
        catch (IOException | JsonParseException | IllegalStateException e) {
            throw new InvalidRequestException("malformed JSON: " + e.getMessage());
        }
    }

    /** A message as JSON. */
    public String print(MessageOrBuilder message) {
        try {
            return printer.print(message);
        }
        catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print a " + message.getDescriptorForType().getFullName() + " as JSON: " + e.getMessage(), e);
        }
    }

    /**
     * The answer's body: the whole message, or the field {@code responseBody} names (its default
     * value when unset).
     */
    public String printAnswer(Message message, String responseBody) {
        if (responseBody.isEmpty()) {
            return print(message);
        }
        FieldDescriptor field = message.getDescriptorForType().findFieldByName(responseBody);
        if (field == null) {
            throw new IllegalStateException("response_body '" + responseBody + "' is no field of " + message.getDescriptorForType().getFullName());
        }
        DynamicMessage only = DynamicMessage.newBuilder(message.getDescriptorForType()).setField(field, message.getField(field)).build();
        JsonElement printed = parseJson(ByteBuffer.wrap(print(only).getBytes(StandardCharsets.UTF_8)));
        JsonObject object = printed.getAsJsonObject();
        JsonElement value = object.get(protoFieldNames ? field.getName() : field.getJsonName());
        if (value == null) {
            value = defaultValue(field);
        }
        return value.toString();
    }

    private static JsonElement defaultValue(FieldDescriptor field) {
        if (field.isMapField()) {
            return new JsonObject();
        }
        if (field.isRepeated()) {
            return new JsonArray();
        }
        return switch (field.getJavaType()) {
            case INT, FLOAT, DOUBLE -> new JsonPrimitive(0);
            case LONG -> new JsonPrimitive("0");
            case BOOLEAN -> new JsonPrimitive(false);
            case STRING, BYTE_STRING -> new JsonPrimitive("");
            case ENUM -> new JsonPrimitive(field.getEnumType().getValues().get(0).getName());
            case MESSAGE -> JsonNull.INSTANCE;
        };
    }
}
