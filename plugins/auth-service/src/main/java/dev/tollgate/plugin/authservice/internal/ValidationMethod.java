package dev.tollgate.plugin.authservice.internal;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.tollgate.api.Principal;
import dev.tollgate.plugin.authservice.v1.AuthProto;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static java.util.Objects.requireNonNull;

/**
 * The validation method as the filter calls it: its gRPC descriptor (marshalling
 * {@link DynamicMessage}s), how the token is put into its request, and how a {@link Verdict} is
 * read from its response, through the configured field paths. Built once, checked against the
 * messages' descriptors, from the proto the plugin ships or from a user's descriptor set.
 *
 * <p>Immutable and thread-safe.
 */
final class ValidationMethod {
    private final MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod;
    private final Descriptor requestType;
    private final List<FieldDescriptor> token;
    private final List<FieldDescriptor> valid;
    private final List<FieldDescriptor> userId;
    private final List<FieldDescriptor> roles;
    private final List<FieldDescriptor> claims;
    private final List<FieldDescriptor> expiresAt;
    private final List<FieldDescriptor> reason;

    private ValidationMethod(Descriptors.MethodDescriptor method, AuthSettings.Fields fields) {
        this.requestType = method.getInputType();
        Descriptor responseType = method.getOutputType();
        this.grpcMethod = MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(method.getService().getFullName(), method.getName()))
                .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(requestType)))
                .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(responseType)))
                .setIdempotent(true)
                .build();
        this.token = path("fields.token", requestType, fields.token(), Kind.STRING);
        this.valid = path("fields.valid", responseType, fields.valid(), Kind.BOOL);
        this.userId = path("fields.user-id", responseType, fields.userId(), Kind.STRING);
        this.roles = path("fields.roles", responseType, fields.roles(), Kind.STRING_LIST);
        this.claims = path("fields.claims", responseType, fields.claims(), Kind.SCALAR_MAP);
        this.expiresAt = path("fields.expires-at", responseType, fields.expiresAt(), Kind.INTEGER);
        this.reason = path("fields.reason", responseType, fields.reason(), Kind.STRING);
    }

    /**
     * The method {@code settings} name, with their field mapping.
     *
     * @throws InvalidSetting naming the key at fault: a descriptor set that cannot be read, a method
     *         it does not describe or that streams, a field path that is not there or has the wrong type
     */
    static ValidationMethod resolve(AuthSettings settings) {
        requireNonNull(settings, "settings is null");
        List<FileDescriptor> files = settings.descriptorSet().map(ValidationMethod::readDescriptorSet)
                .orElseGet(() -> List.of(AuthProto.getDescriptor()));
        int slash = settings.method().indexOf('/');
        String serviceName = settings.method().substring(0, slash);
        String methodName = settings.method().substring(slash + 1);
        Descriptors.ServiceDescriptor service = null;
        Set<String> known = new TreeSet<>();
        for (FileDescriptor file : files) {
            for (Descriptors.ServiceDescriptor candidate : file.getServices()) {
                known.add(candidate.getFullName());
                if (candidate.getFullName().equals(serviceName)) {
                    service = candidate;
                }
            }
        }
        String where = settings.descriptorSet().map(path -> "descriptor set " + path)
                .orElse("the shipped proto tollgate/auth/v1/auth.proto (set descriptor-set for another one)");
        if (service == null) {
            throw new InvalidSetting("method", "service '" + serviceName + "' is not in " + where + "; it has " + known);
        }
        Descriptors.MethodDescriptor method = service.findMethodByName(methodName);
        if (method == null) {
            throw new InvalidSetting("method", "service '" + serviceName + "' has no method '" + methodName + "' in " + where
                    + "; it has " + service.getMethods().stream().map(Descriptors.MethodDescriptor::getName).toList());
        }
        if (method.isClientStreaming() || method.isServerStreaming()) {
            throw new InvalidSetting("method", "'" + settings.method() + "' streams: the validation method must be unary");
        }
        return new ValidationMethod(method, settings.fields());
    }

    /** The gRPC method, with marshallers of its messages. */
    MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod() {
        return grpcMethod;
    }

    /** The request carrying {@code token} at its field path. */
    DynamicMessage request(String token) {
        return withValue(requestType, this.token, 0, token);
    }

    private static DynamicMessage withValue(Descriptor type, List<FieldDescriptor> path, int index, String value) {
        FieldDescriptor field = path.get(index);
        DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
        builder.setField(field, index == path.size() - 1 ? value : withValue(field.getMessageType(), path, index + 1, value));
        return builder.build();
    }

    /**
     * The verdict of a response.
     *
     * @param scheme the principal's scheme
     * @throws MalformedAnswer when the response says valid but names no subject
     */
    Verdict verdict(DynamicMessage response, String scheme) {
        if (!Boolean.TRUE.equals(read(response, valid))) {
            Object why = read(response, reason);
            return new Verdict.Invalid(why == null ? "" : (String) why);
        }
        Object subject = read(response, userId);
        if (subject == null || ((String) subject).isEmpty()) {
            throw new MalformedAnswer("the authentication service said valid but gave no " + describe(userId));
        }
        Set<String> roleSet = new LinkedHashSet<>();
        if (!roles.isEmpty()) {
            for (Object role : (List<?>) read(response, roles)) {
                if (!((String) role).isEmpty()) {
                    roleSet.add((String) role);
                }
            }
        }
        Map<String, Object> claimMap = new LinkedHashMap<>();
        if (!claims.isEmpty()) {
            for (Object entry : (List<?>) read(response, claims)) {
                DynamicMessage mapEntry = (DynamicMessage) entry;
                Descriptor entryType = mapEntry.getDescriptorForType();
                Object value = mapEntry.getField(entryType.findFieldByNumber(2));
                claimMap.put(String.valueOf(mapEntry.getField(entryType.findFieldByNumber(1))),
                        value instanceof Descriptors.EnumValueDescriptor enumValue ? enumValue.getName() : value);
            }
        }
        long expiry = 0;
        if (!expiresAt.isEmpty()) {
            expiry = ((Number) read(response, expiresAt)).longValue();
            if (expiry > 0) {
                claimMap.put("expires_at", expiry);
            }
        }
        return new Verdict.Valid(Principal.of((String) subject, AuthServiceFilterFactory.NAME, roleSet, claimMap), Math.max(expiry, 0));
    }

    /** The value at a field path; a field's default when a message on the way is absent; null for an empty path. */
    private static Object read(DynamicMessage message, List<FieldDescriptor> path) {
        if (path.isEmpty()) {
            return null;
        }
        DynamicMessage current = message;
        for (int i = 0; i < path.size() - 1; i++) {
            current = (DynamicMessage) current.getField(path.get(i));
        }
        return current.getField(path.get(path.size() - 1));
    }

    private static String describe(List<FieldDescriptor> path) {
        return path.isEmpty() ? "field" : "'" + String.join(".", path.stream().map(FieldDescriptor::getName).toList()) + "'";
    }

    /** What a mapped field must hold. */
    private enum Kind {
        STRING("a string"),
        BOOL("a bool"),
        INTEGER("an integer (int64, int32, uint64…)"),
        STRING_LIST("a repeated string"),
        SCALAR_MAP("a map with string keys and scalar values (map<string, string>)");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        boolean accepts(FieldDescriptor field) {
            return switch (this) {
                case STRING -> !field.isRepeated() && field.getJavaType() == FieldDescriptor.JavaType.STRING;
                case BOOL -> !field.isRepeated() && field.getJavaType() == FieldDescriptor.JavaType.BOOLEAN;
                case INTEGER -> !field.isRepeated()
                        && (field.getJavaType() == FieldDescriptor.JavaType.LONG || field.getJavaType() == FieldDescriptor.JavaType.INT);
                case STRING_LIST -> field.isRepeated() && !field.isMapField() && field.getJavaType() == FieldDescriptor.JavaType.STRING;
                case SCALAR_MAP -> field.isMapField()
                        && field.getMessageType().findFieldByNumber(1).getJavaType() == FieldDescriptor.JavaType.STRING
                        && field.getMessageType().findFieldByNumber(2).getJavaType() != FieldDescriptor.JavaType.MESSAGE
                        && field.getMessageType().findFieldByNumber(2).getJavaType() != FieldDescriptor.JavaType.BYTE_STRING;
            };
        }
    }

    /** The fields along a dotted path, checked; empty for an empty path. */
    private static List<FieldDescriptor> path(String key, Descriptor root, String dotted, Kind kind) {
        if (dotted.isEmpty()) {
            return List.of();
        }
        List<FieldDescriptor> fields = new ArrayList<>();
        Descriptor current = root;
        String[] names = dotted.split("\\.");
        for (int i = 0; i < names.length; i++) {
            FieldDescriptor field = current.findFieldByName(names[i]);
            if (field == null) {
                throw new InvalidSetting(key, "message " + current.getFullName() + " has no field '" + names[i] + "'"
                        + " (it has " + current.getFields().stream().map(FieldDescriptor::getName).toList() + ")");
            }
            fields.add(field);
            if (i < names.length - 1) {
                if (field.isRepeated() || field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                    throw new InvalidSetting(key, "'" + names[i] + "' of " + current.getFullName()
                            + " is not a message field, so '" + dotted + "' cannot go through it");
                }
                current = field.getMessageType();
            }
            else if (!kind.accepts(field)) {
                throw new InvalidSetting(key, "'" + dotted + "' of " + root.getFullName() + " must be " + kind.text);
            }
        }
        return List.copyOf(fields);
    }

    /** The files of a descriptor set, built with their imports. */
    private static List<FileDescriptor> readDescriptorSet(Path path) {
        FileDescriptorSet set;
        try {
            set = FileDescriptorSet.parseFrom(Files.readAllBytes(path));
        }
        catch (InvalidProtocolBufferException e) {
            throw new InvalidSetting("descriptor-set", "'" + path + "' is not a descriptor set (protoc --include_imports"
                    + " --descriptor_set_out=…): " + e.getMessage(), e);
        }
        catch (IOException e) {
            throw new InvalidSetting("descriptor-set", "cannot read '" + path + "': " + e, e);
        }
        Map<String, FileDescriptorProto> protos = new HashMap<>();
        set.getFileList().forEach(file -> protos.put(file.getName(), file));
        Map<String, FileDescriptor> built = new HashMap<>();
        List<FileDescriptor> files = new ArrayList<>();
        for (FileDescriptorProto file : set.getFileList()) {
            files.add(build(file, protos, built, path));
        }
        return files;
    }

    private static FileDescriptor build(FileDescriptorProto file, Map<String, FileDescriptorProto> protos, Map<String, FileDescriptor> built,
                                        Path path) {
        FileDescriptor done = built.get(file.getName());
        if (done != null) {
            return done;
        }
        List<FileDescriptor> dependencies = new ArrayList<>();
        for (String dependency : file.getDependencyList()) {
            FileDescriptorProto proto = protos.get(dependency);
            if (proto == null) {
                throw new InvalidSetting("descriptor-set", "'" + path + "' lacks " + dependency + ", which " + file.getName()
                        + " imports: make it with protoc --include_imports");
            }
            dependencies.add(build(proto, protos, built, path));
        }
        try {
            FileDescriptor descriptor = FileDescriptor.buildFrom(file, dependencies.toArray(new FileDescriptor[0]));
            built.put(file.getName(), descriptor);
            return descriptor;
        }
        catch (Descriptors.DescriptorValidationException e) {
            throw new InvalidSetting("descriptor-set", "'" + path + "': " + file.getName() + " is not valid: " + e.getMessage(), e);
        }
    }

    /** The service's answer does not make sense (valid without a subject): treated as the service being unable to answer. */
    static final class MalformedAnswer extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedAnswer(String message) {
            super(message);
        }
    }

    @Override
    public String toString() {
        return "ValidationMethod[" + grpcMethod.getFullMethodName() + "]";
    }
}
