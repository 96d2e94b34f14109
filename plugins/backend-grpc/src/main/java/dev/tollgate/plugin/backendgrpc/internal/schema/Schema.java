package dev.tollgate.plugin.backendgrpc.internal.schema;

import com.google.api.AnnotationsProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.ExtensionRegistry;
import com.google.rpc.ErrorDetailsProto;
import com.google.protobuf.util.JsonFormat;
import dev.tollgate.plugin.backendgrpc.internal.mapping.HttpBinding;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static java.util.Objects.requireNonNull;

/**
 * What a service's instances offer, built from file descriptors (descriptor sets, reflection):
 * the methods, their HTTP bindings, and the type registry through which {@code Any} values are
 * read and printed. Immutable: a refresh builds a new schema.
 */
public final class Schema {
    /** Parses {@code google.api.http} options as a known extension rather than unknown fields. */
    public static final ExtensionRegistry EXTENSIONS = extensions();
    private static final Set<String> REFLECTION_SERVICES = Set.of("grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection");

    private final Map<String, SchemaMethod> methods;
    private final List<Binding> bindings;
    private final List<MethodBindings> declared;
    private final JsonFormat.TypeRegistry registry;
    private final Set<String> services;
    private final int fileCount;

    private Schema(Map<String, SchemaMethod> methods, List<Binding> bindings, List<MethodBindings> declared, JsonFormat.TypeRegistry registry,
                   Set<String> services, int fileCount) {
        this.methods = Map.copyOf(methods);
        this.bindings = List.copyOf(bindings);
        this.declared = List.copyOf(declared);
        this.registry = registry;
        this.services = Set.copyOf(services);
        this.fileCount = fileCount;
    }

    private static ExtensionRegistry extensions() {
        ExtensionRegistry registry = ExtensionRegistry.newInstance();
        AnnotationsProto.registerAllExtensions(registry);
        return registry.getUnmodifiable();
    }

    /**
     * Builds a schema from files; a file named twice is taken from its first occurrence.
     *
     * @throws IllegalArgumentException naming the file whose dependencies are missing or whose
     *         descriptors do not build, or the method whose HTTP rule is malformed
     */
    public static Schema build(Collection<FileDescriptorProto> files) {
        Map<String, FileDescriptorProto> byName = new LinkedHashMap<>();
        for (FileDescriptorProto file : files) {
            byName.putIfAbsent(file.getName(), file);
        }
        Map<String, Descriptors.FileDescriptor> built = new LinkedHashMap<>();
        for (String name : byName.keySet()) {
            buildFile(name, byName, built, new HashSet<>());
        }
        Map<String, SchemaMethod> methods = new LinkedHashMap<>();
        List<Binding> bindings = new ArrayList<>();
        List<MethodBindings> declared = new ArrayList<>();
        Set<String> services = new TreeSet<>();
        JsonFormat.TypeRegistry.Builder registry = JsonFormat.TypeRegistry.newBuilder();
        Set<String> typeNames = new HashSet<>();
        int order = 0;
        for (Descriptors.FileDescriptor file : built.values()) {
            for (Descriptors.Descriptor type : file.getMessageTypes()) {
                collectNames(type, typeNames);
            }
            if (!file.getMessageTypes().isEmpty()) {
                registry.add(file.getMessageTypes());
            }
            for (Descriptors.ServiceDescriptor service : file.getServices()) {
                if (REFLECTION_SERVICES.contains(service.getFullName())) {
                    continue;
                }
                services.add(service.getFullName());
                for (Descriptors.MethodDescriptor method : service.getMethods()) {
                    SchemaMethod schemaMethod = new SchemaMethod(method);
                    methods.put(schemaMethod.fullName(), schemaMethod);
                    List<HttpBinding> methodBindings = new ArrayList<>();
                    if (method.getOptions().hasExtension(AnnotationsProto.http)) {
                        methodBindings.addAll(HttpBinding.fromRule(method.getOptions().getExtension(AnnotationsProto.http), schemaMethod.fullName()));
                    }
                    methodBindings.add(HttpBinding.defaultFor(schemaMethod.fullName()));
                    for (HttpBinding binding : methodBindings) {
                        bindings.add(new Binding(binding, schemaMethod, order++));
                    }
                    declared.add(new MethodBindings(schemaMethod, methodBindings));
                }
            }
        }
        // Status details (google.rpc.BadRequest, ErrorInfo…) print even when the schema does not import them.
        List<Descriptors.Descriptor> errorDetails = new ArrayList<>();
        for (Descriptors.Descriptor type : ErrorDetailsProto.getDescriptor().getMessageTypes()) {
            if (!typeNames.contains(type.getFullName())) {
                errorDetails.add(type);
            }
        }
        if (errorDetails.size() == ErrorDetailsProto.getDescriptor().getMessageTypes().size()) {
            registry.add(errorDetails);
        }
        bindings.sort(Comparator.comparingInt((Binding binding) -> -binding.http().template().specificity()).thenComparingInt(Binding::order));
        return new Schema(methods, bindings, declared, registry.build(), services, built.size());
    }

    private static void collectNames(Descriptors.Descriptor type, Set<String> names) {
        names.add(type.getFullName());
        for (Descriptors.Descriptor nested : type.getNestedTypes()) {
            collectNames(nested, names);
        }
    }

    private static Descriptors.FileDescriptor buildFile(String name, Map<String, FileDescriptorProto> byName,
                                                        Map<String, Descriptors.FileDescriptor> built, Set<String> inProgress) {
        Descriptors.FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        FileDescriptorProto proto = byName.get(name);
        if (proto == null) {
            throw new IllegalArgumentException("missing file " + name + " (was the descriptor set made with --include_imports?)");
        }
        if (!inProgress.add(name)) {
            throw new IllegalArgumentException("file " + name + " depends on itself");
        }
        List<Descriptors.FileDescriptor> dependencies = new ArrayList<>();
        for (String dependency : proto.getDependencyList()) {
            try {
                dependencies.add(buildFile(dependency, byName, built, inProgress));
            }
            catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("file " + name + " imports " + dependency + ": " + e.getMessage(), e);
            }
        }
        try {
            Descriptors.FileDescriptor file = Descriptors.FileDescriptor.buildFrom(proto, dependencies.toArray(Descriptors.FileDescriptor[]::new));
            built.put(name, file);
            return file;
        }
        catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalArgumentException("file " + name + " is not valid: " + e.getMessage(), e);
        }
        finally {
            inProgress.remove(name);
        }
    }

    /** An empty schema: no method. */
    public static Schema empty() {
        return new Schema(Map.of(), List.of(), List.of(), JsonFormat.TypeRegistry.getEmptyTypeRegistry(), Set.of(), 0);
    }

    /**
     * The binding a request matches: the most specific template first (literal segments, then a
     * verb, then wildcards), declaration order among equals.
     */
    public Lookup match(String httpMethod, String path) {
        boolean otherMethod = false;
        for (Binding binding : bindings) {
            Map<String, String> values = binding.http().template().match(path);
            if (values == null) {
                continue;
            }
            if (binding.http().httpMethod().equals(httpMethod)) {
                return new Lookup(new Match(binding.method(), binding.http(), values), false);
            }
            otherMethod = true;
        }
        return new Lookup(null, otherMethod);
    }

    /**
     * The binding of a WebSocket upgrade: one with HTTP method {@code GET} if it matches the path,
     * else the most specific binding matching it whatever its HTTP method (such as a streaming
     * method's default {@code POST /package.Service/Method}); null when none matches.
     */
    public Match matchAnyMethod(String path) {
        Lookup get = match("GET", path);
        if (get.match() != null) {
            return get.match();
        }
        for (Binding binding : bindings) {
            Map<String, String> values = binding.http().template().match(path);
            if (values != null) {
                return new Match(binding.method(), binding.http(), values);
            }
        }
        return null;
    }

    /** The method of that full name ({@code package.Service/Method}), or null. */
    public SchemaMethod method(String fullName) {
        return methods.get(fullName);
    }

    /**
     * Every method with its HTTP bindings (its {@code google.api.http} ones, then the default
     * {@code POST /package.Service/Method}), in declaration order: what the schema offers, for
     * describing it.
     */
    public List<MethodBindings> methodBindings() {
        return declared;
    }

    /** The types an {@code Any} may hold. */
    public JsonFormat.TypeRegistry registry() {
        return registry;
    }

    /** The full names of the services, sorted. */
    public Set<String> services() {
        return services;
    }

    /** How many methods the schema holds. */
    public int methodCount() {
        return methods.size();
    }

    @Override
    public String toString() {
        return "Schema[" + fileCount + " files, services " + services + "]";
    }

    /**
     * What a request matched.
     *
     * @param method the method
     * @param binding the binding that matched
     * @param pathValues the path variables' values by field path
     */
    public record Match(SchemaMethod method, HttpBinding binding, Map<String, String> pathValues) {
    }

    /**
     * The outcome of {@link #match}.
     *
     * @param match the match, or null
     * @param otherMethod whether the path matched a binding of another HTTP method
     */
    public record Lookup(Match match, boolean otherMethod) {
    }

    /**
     * A method and the HTTP bindings that reach it, in declaration order, the default one last.
     *
     * @param method the method
     * @param bindings its bindings
     */
    public record MethodBindings(SchemaMethod method, List<HttpBinding> bindings) {
        public MethodBindings {
            requireNonNull(method, "method is null");
            bindings = List.copyOf(bindings);
        }
    }

    private record Binding(HttpBinding http, SchemaMethod method, int order) {
    }
}
