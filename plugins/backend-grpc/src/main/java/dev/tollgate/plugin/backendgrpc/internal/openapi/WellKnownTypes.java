package dev.tollgate.plugin.backendgrpc.internal.openapi;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.Descriptors.Descriptor;

/**
 * The proto3 JSON mapping of the well-known types, as JSON Schema: {@code Timestamp} a date-time
 * string, {@code Duration} and {@code FieldMask} strings, wrappers their scalar or null,
 * {@code Struct} an object, {@code Value} anything, {@code ListValue} an array, {@code Empty} an
 * object, {@code Any} an object with its {@code @type}.
 */
final class WellKnownTypes {
    private WellKnownTypes() {
    }

    /** The schema of a well-known type read from and printed as a JSON scalar (a query parameter may set it); null for others. */
    static JsonObject scalar(Descriptor type) {
        return switch (type.getFullName()) {
            case "google.protobuf.Timestamp" -> described(typed("string", "date-time"), "RFC 3339, e.g. 2024-05-01T10:00:00Z");
            case "google.protobuf.Duration" -> described(typed("string", null), "Seconds with an s suffix, e.g. 1.5s");
            case "google.protobuf.FieldMask" -> described(typed("string", null), "Comma-separated lowerCamel field paths");
            case "google.protobuf.DoubleValue" -> nullable("number", "double");
            case "google.protobuf.FloatValue" -> nullable("number", "float");
            case "google.protobuf.Int64Value", "google.protobuf.UInt64Value" -> nullable("string", "int64");
            case "google.protobuf.Int32Value" -> nullable("integer", "int32");
            case "google.protobuf.UInt32Value" -> nullable("integer", "int64");
            case "google.protobuf.BoolValue" -> nullable("boolean", null);
            case "google.protobuf.StringValue" -> nullable("string", null);
            case "google.protobuf.BytesValue" -> nullable("string", "byte");
            default -> null;
        };
    }

    /** The schema of any well-known type, inline; null for other messages. */
    static JsonObject schema(Descriptor type) {
        JsonObject scalar = scalar(type);
        if (scalar != null) {
            return scalar;
        }
        return switch (type.getFullName()) {
            case "google.protobuf.Struct" -> described(typed("object", null), "google.protobuf.Struct: any JSON object");
            case "google.protobuf.Value" -> described(new JsonObject(), "google.protobuf.Value: any JSON value");
            case "google.protobuf.ListValue" -> described(typed("array", null), "google.protobuf.ListValue: any JSON array");
            case "google.protobuf.Empty" -> described(typed("object", null), "google.protobuf.Empty: {}");
            case "google.protobuf.Any" -> {
                JsonObject any = described(typed("object", null),
                        "google.protobuf.Any: the message's fields with its type URL in @type (type.googleapis.com/package.Message)");
                JsonObject properties = new JsonObject();
                properties.add("@type", typed("string", null));
                any.add("properties", properties);
                JsonArray required = new JsonArray();
                required.add("@type");
                any.add("required", required);
                yield any;
            }
            default -> null;
        };
    }

    private static JsonObject typed(String type, String format) {
        JsonObject schema = new JsonObject();
        schema.addProperty("type", type);
        if (format != null) {
            schema.addProperty("format", format);
        }
        return schema;
    }

    private static JsonObject nullable(String type, String format) {
        JsonObject schema = new JsonObject();
        JsonArray types = new JsonArray();
        types.add(type);
        types.add("null");
        schema.add("type", types);
        if (format != null) {
            schema.addProperty("format", format);
        }
        return schema;
    }

    private static JsonObject described(JsonObject schema, String description) {
        schema.addProperty("description", description);
        return schema;
    }
}
