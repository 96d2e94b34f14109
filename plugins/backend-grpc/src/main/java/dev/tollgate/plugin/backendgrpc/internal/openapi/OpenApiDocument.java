package dev.tollgate.plugin.backendgrpc.internal.openapi;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import dev.tollgate.plugin.backendgrpc.internal.mapping.HttpBinding;
import dev.tollgate.plugin.backendgrpc.internal.mapping.JsonCodec;
import dev.tollgate.plugin.backendgrpc.internal.schema.Schema;
import dev.tollgate.plugin.backendgrpc.internal.schema.SchemaMethod;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The OpenAPI 3.1 document of a service, generated from its {@link Schema}: a path per HTTP
 * binding (the {@code google.api.http} ones and the default {@code POST /package.Service/Method}),
 * with path and query parameters, request bodies and responses as the transcoding reads and
 * prints them, and {@code components.schemas} from the message descriptors by the proto3 JSON
 * mapping. Comments of the descriptors' source info become descriptions.
 *
 * <p>Client-streaming and bidirectional methods are left out: HTTP/JSON cannot call them.
 */
public final class OpenApiDocument {
    /** The gateway's JSON error shape, under this name in {@code components.schemas}. */
    static final String ERROR_SCHEMA = "tollgate.gateway.Error";
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final Pattern VARIABLE = Pattern.compile("\\{([^}=]+)(?:=([^}]*))?}");
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final Set<String> NOT_IN_QUERY = Set.of("google.protobuf.Any", "google.protobuf.Struct", "google.protobuf.Value",
            "google.protobuf.ListValue", "google.protobuf.Empty");

    private final Schema schema;
    private final String title;
    private final String pathPrefix;
    private final boolean protoFieldNames;
    private final boolean enumsAsNumbers;
    private final Map<String, JsonObject> components = new TreeMap<>();
    private final Set<String> described = new HashSet<>();
    private final Deque<Object> pending = new ArrayDeque<>();
    private final Map<FileDescriptor, Map<List<Integer>, String>> comments = new HashMap<>();

    private OpenApiDocument(Schema schema, String title, String pathPrefix, JsonCodec.PrintOptions json) {
        this.schema = requireNonNull(schema, "schema is null");
        this.title = requireNonNull(title, "title is null");
        this.pathPrefix = requireNonNull(pathPrefix, "pathPrefix is null");
        this.protoFieldNames = json.protoFieldNames();
        this.enumsAsNumbers = json.enumsAsNumbers();
    }

    /**
     * The document as JSON.
     *
     * @param title the document's title: the gateway's name of the service
     * @param pathPrefix put before every path (the route's strip-prefix), so that paths are what clients call; empty for none
     * @param json how the service prints JSON: field names and enums follow it
     */
    public static String generate(Schema schema, String title, String pathPrefix, JsonCodec.PrintOptions json) {
        return GSON.toJson(new OpenApiDocument(schema, title, pathPrefix, json).build());
    }

    private JsonObject build() {
        JsonObject root = new JsonObject();
        root.addProperty("openapi", "3.1.0");
        JsonObject info = new JsonObject();
        info.addProperty("title", title);
        info.addProperty("version", version());
        info.addProperty("description", "HTTP/JSON transcoding of the gRPC services " + String.join(", ", schema.services())
                + " by the Tollgate gateway, generated from their schema.");
        root.add("info", info);

        Map<String, JsonObject> paths = new LinkedHashMap<>();
        for (Schema.MethodBindings method : schema.methodBindings()) {
            if (method.method().clientStreaming()) {
                continue;
            }
            int index = 0;
            for (HttpBinding binding : method.bindings()) {
                String operationId = method.method().fullName().replace('/', '.') + (index == 0 ? "" : "_" + index);
                index++;
                String verb = binding.httpMethod().toLowerCase(Locale.ROOT);
                if (!HTTP_METHODS.contains(verb)) {
                    // A custom HTTP method (custom { kind: "SEARCH" }): OpenAPI 3.1 cannot say it.
                    continue;
                }
                OpenApiPath path = OpenApiPath.of(binding, pathPrefix);
                JsonObject item = paths.computeIfAbsent(path.path(), ignored -> new JsonObject());
                if (!item.has(verb)) {
                    // Else a second binding that OpenAPI sees as the same operation ({name=a/*} and {name=b/*}): the first is documented.
                    item.add(verb, operation(method.method(), binding, path, operationId));
                }
            }
        }
        JsonObject pathsObject = new JsonObject();
        paths.forEach(pathsObject::add);
        root.add("paths", pathsObject);

        while (!pending.isEmpty()) {
            Object next = pending.pop();
            if (next instanceof Descriptor message) {
                components.put(message.getFullName(), messageSchema(message));
            }
            else {
                EnumDescriptor type = (EnumDescriptor) next;
                components.put(type.getFullName(), enumSchema(type));
            }
        }
        JsonObject schemas = new JsonObject();
        components.forEach(schemas::add);
        schemas.add(ERROR_SCHEMA, errorSchema());
        JsonObject componentsObject = new JsonObject();
        componentsObject.add("schemas", schemas);
        root.add("components", componentsObject);
        return root;
    }

    /** A short digest of the services' files: changes when reflection brings another schema. */
    private String version() {
        Set<FileDescriptor> files = new LinkedHashSet<>();
        for (Schema.MethodBindings method : schema.methodBindings()) {
            files.add(method.method().descriptor().getFile());
        }
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (FileDescriptor file : files) {
                digest.update(file.toProto().toByteArray());
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 6);
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JVM", e);
        }
    }

    private JsonObject operation(SchemaMethod method, HttpBinding binding, OpenApiPath path, String operationId) {
        MethodDescriptor descriptor = method.descriptor();
        JsonObject operation = new JsonObject();
        operation.add("tags", array(descriptor.getService().getFullName()));
        operation.addProperty("summary", method.fullName());
        String comment = comment(descriptor.getFile(), List.of(6, descriptor.getService().getIndex(), 2, descriptor.getIndex()));
        if (comment != null) {
            operation.addProperty("description", comment);
        }
        operation.addProperty("operationId", operationId);

        Descriptor input = method.inputType();
        JsonArray parameters = new JsonArray();
        Set<String> bound = new HashSet<>();
        for (OpenApiPath.Parameter variable : path.parameters()) {
            bound.add(variable.field());
            JsonObject parameter = new JsonObject();
            parameter.addProperty("name", variable.name());
            parameter.addProperty("in", "path");
            parameter.addProperty("required", true);
            StringBuilder text = new StringBuilder();
            FieldDescriptor field = fieldAt(input, variable.field());
            if (field != null) {
                text.append("The request's field ").append(variable.field()).append('.');
                String fieldComment = fieldComment(field);
                if (fieldComment != null) {
                    text.append(' ').append(fieldComment);
                }
            }
            if (variable.pattern() != null) {
                text.append(" Matches ").append(variable.pattern())
                        .append(variable.pattern().contains("/") ? "; the value's slashes are sent as they are, not as %2F." : ".");
            }
            if (!text.isEmpty()) {
                parameter.addProperty("description", text.toString().trim());
            }
            JsonObject string = new JsonObject();
            string.addProperty("type", "string");
            parameter.add("schema", string);
            parameters.add(parameter);
        }
        if (!binding.body().equals("*")) {
            queryParameters(input, "", "", bound, binding.body(), parameters, new ArrayDeque<>());
        }
        if (!parameters.isEmpty()) {
            operation.add("parameters", parameters);
        }
        if (binding.hasBody()) {
            JsonObject body = new JsonObject();
            JsonObject bodySchema;
            if (binding.body().equals("*")) {
                bodySchema = messageReference(input);
            }
            else {
                bodySchema = fieldSchemaAt(input, binding.body());
                body.addProperty("description", "The request's field " + binding.body() + ".");
            }
            body.add("content", content("application/json", bodySchema));
            operation.add("requestBody", body);
        }

        JsonObject responses = new JsonObject();
        JsonObject ok = new JsonObject();
        JsonObject answered;
        if (binding.responseBody().isEmpty()) {
            answered = messageReference(method.outputType());
        }
        else {
            answered = fieldSchemaAt(method.outputType(), binding.responseBody());
        }
        if (method.serverStreaming()) {
            ok.addProperty("description", "A stream of " + method.outputType().getFullName() + " messages, in the format the Accept"
                    + " header asks: Server-Sent Events (one data: event per message; a failure ends with event: error and the error"
                    + " shape), NDJSON (one message per line; a failure's last line is the error shape), or else a JSON array"
                    + " (cut off on failure).");
            JsonObject content = new JsonObject();
            JsonObject events = new JsonObject();
            JsonObject eventSchema = new JsonObject();
            eventSchema.addProperty("type", "string");
            eventSchema.addProperty("description", "data: <message as JSON> per event");
            events.add("schema", eventSchema);
            content.add("text/event-stream", events);
            JsonObject lines = new JsonObject();
            lines.add("schema", answered);
            content.add("application/x-ndjson", lines);
            JsonObject arrayContent = new JsonObject();
            JsonObject array = new JsonObject();
            array.addProperty("type", "array");
            array.add("items", answered);
            arrayContent.add("schema", array);
            content.add("application/json", arrayContent);
            ok.add("content", content);
        }
        else {
            ok.addProperty("description", "The answer of " + method.fullName()
                    + (binding.responseBody().isEmpty() ? "." : ": its field " + binding.responseBody() + "."));
            ok.add("content", content("application/json", answered));
        }
        responses.add("200", ok);
        JsonObject error = new JsonObject();
        error.addProperty("description", "An error: the gRPC status as an HTTP status (INVALID_ARGUMENT 400, NOT_FOUND 404…), or the"
                + " gateway's own (404 no method, 400 unreadable request, 502/503/504 no answer).");
        error.add("content", content("application/json", reference(ERROR_SCHEMA)));
        responses.add("default", error);
        operation.add("responses", responses);
        return operation;
    }

    /**
     * The fields the query may set: every scalar, enum, repeated scalar and scalar well-known type
     * not bound by the path or the body, nested ones as {@code a.b} (JSON names). A message type
     * already on the way down is not entered again.
     */
    private void queryParameters(Descriptor type, String protoPrefix, String jsonPrefix, Set<String> bound, String body,
                                 JsonArray parameters, Deque<Descriptor> enclosing) {
        enclosing.push(type);
        for (FieldDescriptor field : type.getFields()) {
            String protoPath = protoPrefix + field.getName();
            String jsonPath = jsonPrefix + jsonName(field);
            if (bound.contains(protoPath) || protoPath.equals(body) || field.isMapField()) {
                continue;
            }
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && WellKnownTypes.scalar(field.getMessageType()) == null) {
                if (!field.isRepeated() && !NOT_IN_QUERY.contains(field.getMessageType().getFullName())
                        && !enclosing.contains(field.getMessageType())) {
                    queryParameters(field.getMessageType(), protoPath + ".", jsonPath + ".", bound, body, parameters, enclosing);
                }
                continue;
            }
            JsonObject parameter = new JsonObject();
            parameter.addProperty("name", jsonPath);
            parameter.addProperty("in", "query");
            String comment = fieldComment(field);
            if (comment != null) {
                parameter.addProperty("description", comment);
            }
            parameter.add("schema", fieldSchema(field));
            if (field.isRepeated()) {
                parameter.addProperty("style", "form");
                parameter.addProperty("explode", true);
            }
            parameters.add(parameter);
        }
        enclosing.pop();
    }

    private String jsonName(FieldDescriptor field) {
        return protoFieldNames ? field.getName() : field.getJsonName();
    }

    /** The schema of the field a binding's body or response_body names; any JSON when it names none (the rule is wrong). */
    private JsonObject fieldSchemaAt(Descriptor type, String path) {
        FieldDescriptor field = fieldAt(type, path);
        if (field == null) {
            JsonObject any = new JsonObject();
            any.addProperty("description", type.getFullName() + " has no field " + path);
            return any;
        }
        return fieldSchema(field);
    }

    /** The field at a dotted path of proto names through singular message fields; null if none. */
    private static FieldDescriptor fieldAt(Descriptor type, String path) {
        Descriptor current = type;
        String[] steps = path.split("\\.");
        for (int i = 0; i < steps.length; i++) {
            FieldDescriptor field = current.findFieldByName(steps[i]);
            if (field == null) {
                return null;
            }
            if (i == steps.length - 1) {
                return field;
            }
            if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                return null;
            }
            current = field.getMessageType();
        }
        return null;
    }

    // --- schemas

    private JsonObject messageSchema(Descriptor message) {
        JsonObject result = new JsonObject();
        result.addProperty("type", "object");
        StringBuilder description = new StringBuilder();
        String comment = comment(message.getFile(), path(message));
        if (comment != null) {
            description.append(comment);
        }
        for (OneofDescriptor oneof : message.getRealOneofs()) {
            List<String> names = new ArrayList<>();
            for (FieldDescriptor field : oneof.getFields()) {
                names.add(jsonName(field));
            }
            if (!description.isEmpty()) {
                description.append("\n\n");
            }
            description.append("oneof ").append(oneof.getName()).append(": at most one of ").append(String.join(", ", names))
                    .append(" is set.");
        }
        if (!description.isEmpty()) {
            result.addProperty("description", description.toString());
        }
        JsonObject properties = new JsonObject();
        for (FieldDescriptor field : message.getFields()) {
            JsonObject property = fieldSchema(field);
            String fieldComment = fieldComment(field);
            OneofDescriptor oneof = field.getRealContainingOneof();
            String text = fieldComment == null ? "" : fieldComment;
            if (oneof != null) {
                text = (text.isEmpty() ? "" : text + " ") + "Part of oneof " + oneof.getName() + ".";
            }
            if (!text.isEmpty()) {
                property.addProperty("description", text);
            }
            properties.add(jsonName(field), property);
        }
        result.add("properties", properties);
        result.addProperty("additionalProperties", false);
        return result;
    }

    private JsonObject enumSchema(EnumDescriptor type) {
        JsonObject result = new JsonObject();
        JsonArray values = new JsonArray();
        List<String> described = new ArrayList<>();
        for (EnumValueDescriptor value : type.getValues()) {
            if (enumsAsNumbers) {
                values.add(value.getNumber());
            }
            else {
                values.add(value.getName());
            }
            List<Integer> valuePath = new ArrayList<>(path(type));
            valuePath.add(2);
            valuePath.add(value.getIndex());
            String comment = comment(type.getFile(), valuePath);
            if (comment != null) {
                described.add(value.getName() + ": " + comment);
            }
        }
        result.addProperty("type", enumsAsNumbers ? "integer" : "string");
        result.add("enum", values);
        StringBuilder description = new StringBuilder();
        String comment = comment(type.getFile(), path(type));
        if (comment != null) {
            description.append(comment);
        }
        for (String value : described) {
            description.append(description.isEmpty() ? "" : "\n").append(value);
        }
        if (!description.isEmpty()) {
            result.addProperty("description", description.toString());
        }
        return result;
    }

    /** A field's schema: repeated as an array, maps as objects, messages by reference, scalars by the JSON mapping. */
    private JsonObject fieldSchema(FieldDescriptor field) {
        if (field.isMapField()) {
            FieldDescriptor value = field.getMessageType().findFieldByNumber(2);
            JsonObject map = new JsonObject();
            map.addProperty("type", "object");
            map.add("additionalProperties", singleSchema(value));
            return map;
        }
        JsonObject single = singleSchema(field);
        if (!field.isRepeated()) {
            return single;
        }
        JsonObject array = new JsonObject();
        array.addProperty("type", "array");
        array.add("items", single);
        return array;
    }

    private JsonObject singleSchema(FieldDescriptor field) {
        JsonObject result = new JsonObject();
        switch (field.getType()) {
            case DOUBLE -> { result.addProperty("type", "number"); result.addProperty("format", "double"); }
            case FLOAT -> { result.addProperty("type", "number"); result.addProperty("format", "float"); }
            case INT32, SINT32, SFIXED32 -> { result.addProperty("type", "integer"); result.addProperty("format", "int32"); }
            case UINT32, FIXED32 -> {
                result.addProperty("type", "integer");
                result.addProperty("format", "int64");
                result.addProperty("minimum", 0);
                result.addProperty("maximum", 4294967295L);
            }
            case INT64, SINT64, SFIXED64, UINT64, FIXED64 -> { result.addProperty("type", "string"); result.addProperty("format", "int64"); }
            case BOOL -> result.addProperty("type", "boolean");
            case STRING -> result.addProperty("type", "string");
            case BYTES -> { result.addProperty("type", "string"); result.addProperty("format", "byte"); }
            case ENUM -> {
                if (field.getEnumType().getFullName().equals("google.protobuf.NullValue")) {
                    result.addProperty("type", "null");
                }
                else {
                    return enumReference(field.getEnumType());
                }
            }
            case MESSAGE, GROUP -> {
                return messageReference(field.getMessageType());
            }
        }
        return result;
    }

    /** A reference to a message's schema, or a well-known type's schema itself. */
    private JsonObject messageReference(Descriptor message) {
        JsonObject wellKnown = WellKnownTypes.schema(message);
        if (wellKnown != null) {
            return wellKnown;
        }
        if (described.add(message.getFullName())) {
            pending.push(message);
        }
        return reference(message.getFullName());
    }

    private JsonObject enumReference(EnumDescriptor type) {
        if (described.add(type.getFullName())) {
            pending.push(type);
        }
        return reference(type.getFullName());
    }

    private static JsonObject reference(String name) {
        JsonObject reference = new JsonObject();
        reference.addProperty("$ref", "#/components/schemas/" + name);
        return reference;
    }

    private static JsonObject errorSchema() {
        JsonObject error = new JsonObject();
        error.addProperty("type", "object");
        error.addProperty("description", "The gateway's JSON error shape.");
        JsonObject properties = new JsonObject();
        properties.add("code", typed("string", "The gateway's code for the HTTP status: BAD_REQUEST, NOT_FOUND, CONFLICT…"));
        properties.add("message", typed("string", "What went wrong."));
        properties.add("requestId", typed("string", "The gateway's request id (x-request-id)."));
        properties.add("grpcStatus", typed("string", "The instance's gRPC status name, when an instance answered: INVALID_ARGUMENT…"));
        JsonObject details = typed("array", "The google.rpc.Status details as JSON, each with its @type.");
        JsonObject detail = new JsonObject();
        detail.addProperty("type", "object");
        JsonObject type = new JsonObject();
        type.add("@type", typed("string", null));
        detail.add("properties", type);
        detail.add("required", array("@type"));
        details.add("items", detail);
        properties.add("details", details);
        error.add("properties", properties);
        error.add("required", array("code", "message"));

        JsonObject shape = new JsonObject();
        shape.addProperty("type", "object");
        JsonObject outer = new JsonObject();
        outer.add("error", error);
        shape.add("properties", outer);
        shape.add("required", array("error"));
        return shape;
    }

    private static JsonObject typed(String type, String description) {
        JsonObject result = new JsonObject();
        result.addProperty("type", type);
        if (description != null) {
            result.addProperty("description", description);
        }
        return result;
    }

    private static JsonArray array(String... values) {
        JsonArray array = new JsonArray();
        for (String value : values) {
            array.add(value);
        }
        return array;
    }

    private static JsonObject content(String mediaType, JsonObject schema) {
        JsonObject media = new JsonObject();
        media.add("schema", schema);
        JsonObject content = new JsonObject();
        content.add(mediaType, media);
        return content;
    }

    // --- comments (SourceCodeInfo, present when the descriptors were made with it)

    private String fieldComment(FieldDescriptor field) {
        if (field.isExtension()) {
            return null;
        }
        List<Integer> fieldPath = new ArrayList<>(path(field.getContainingType()));
        fieldPath.add(2);
        fieldPath.add(field.getIndex());
        return comment(field.getFile(), fieldPath);
    }

    /** The SourceCodeInfo path of a message: 4 (message_type), index; nested: 3 (nested_type), index. */
    private static List<Integer> path(Descriptor message) {
        List<Integer> result = new ArrayList<>();
        if (message.getContainingType() == null) {
            result.add(4);
        }
        else {
            result.addAll(path(message.getContainingType()));
            result.add(3);
        }
        result.add(message.getIndex());
        return result;
    }

    /** The SourceCodeInfo path of an enum: 5 (enum_type), index; nested: 4 (enum_type of the message), index. */
    private static List<Integer> path(EnumDescriptor type) {
        List<Integer> result = new ArrayList<>();
        if (type.getContainingType() == null) {
            result.add(5);
        }
        else {
            result.addAll(path(type.getContainingType()));
            result.add(4);
        }
        result.add(type.getIndex());
        return result;
    }

    private String comment(FileDescriptor file, List<Integer> path) {
        return comments.computeIfAbsent(file, OpenApiDocument::comments).get(path);
    }

    private static Map<List<Integer>, String> comments(FileDescriptor file) {
        SourceCodeInfo info = file.toProto().getSourceCodeInfo();
        if (info.getLocationCount() == 0) {
            return Collections.emptyMap();
        }
        Map<List<Integer>, String> result = new HashMap<>();
        for (SourceCodeInfo.Location location : info.getLocationList()) {
            String text = location.hasLeadingComments() ? location.getLeadingComments()
                    : location.hasTrailingComments() ? location.getTrailingComments() : null;
            if (text != null && !text.isBlank()) {
                result.putIfAbsent(List.copyOf(location.getPathList()), text.strip().replaceAll("\\s*\\n\\s*", " "));
            }
        }
        return result;
    }

    /**
     * A binding's path in OpenAPI's form: {@code {field=pattern}} becomes {@code {field}} (the
     * pattern goes to the parameter's description), the {@code :verb} stays, the prefix goes first.
     */
    record OpenApiPath(String path, List<Parameter> parameters) {
        record Parameter(String name, String field, String pattern) {
        }

        static OpenApiPath of(HttpBinding binding, String prefix) {
            String template = binding.template().toString();
            Matcher matcher = VARIABLE.matcher(template);
            StringBuilder path = new StringBuilder(prefix);
            List<Parameter> parameters = new ArrayList<>();
            int wildcards = 0;
            int last = 0;
            while (matcher.find()) {
                path.append(wildcards(template.substring(last, matcher.start()), parameters));
                path.append('{').append(matcher.group(1)).append('}');
                parameters.add(new Parameter(matcher.group(1), matcher.group(1), matcher.group(2)));
                last = matcher.end();
            }
            path.append(wildcards(template.substring(last), parameters));
            return new OpenApiPath(path.toString(), List.copyOf(parameters));
        }

        /** Wildcards outside variables (bound to no field) become parameters too, as OpenAPI paths have no wildcards. */
        private static String wildcards(String literal, List<Parameter> parameters) {
            StringBuilder result = new StringBuilder();
            String[] parts = literal.split("/", -1);
            for (int i = 0; i < parts.length; i++) {
                if (i > 0) {
                    result.append('/');
                }
                String part = parts[i];
                String verb = "";
                int colon = part.indexOf(':');
                if (colon >= 0) {
                    verb = part.substring(colon);
                    part = part.substring(0, colon);
                }
                if (part.equals("*") || part.equals("**")) {
                    String name = "_wildcard" + (parameters.size() + 1);
                    parameters.add(new Parameter(name, name, part));
                    result.append('{').append(name).append('}');
                }
                else {
                    result.append(part);
                }
                result.append(verb);
            }
            return result.toString();
        }
    }
}
