package dev.tollgate.plugin.backendgrpc.internal.schema;

import com.google.protobuf.DescriptorProtos.MethodOptions.IdempotencyLevel;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;

import static java.util.Objects.requireNonNull;

/**
 * One method of the schema, ready to call: its descriptor, and the grpc-java method descriptor
 * whose marshallers read and write {@link DynamicMessage}s of its types.
 */
public final class SchemaMethod {
    private final Descriptors.MethodDescriptor descriptor;
    private final MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod;

    SchemaMethod(Descriptors.MethodDescriptor descriptor) {
        this.descriptor = requireNonNull(descriptor, "descriptor is null");
        MethodDescriptor.MethodType type = descriptor.isClientStreaming()
                ? descriptor.isServerStreaming() ? MethodDescriptor.MethodType.BIDI_STREAMING : MethodDescriptor.MethodType.CLIENT_STREAMING
                : descriptor.isServerStreaming() ? MethodDescriptor.MethodType.SERVER_STREAMING : MethodDescriptor.MethodType.UNARY;
        this.grpcMethod = MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
                .setType(type)
                .setFullMethodName(fullName(descriptor))
                .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(descriptor.getInputType())))
                .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(descriptor.getOutputType())))
                .setIdempotent(idempotent(descriptor))
                .setSafe(descriptor.getOptions().getIdempotencyLevel() == IdempotencyLevel.NO_SIDE_EFFECTS)
                .build();
    }

    /** {@code package.Service/Method}. */
    static String fullName(Descriptors.MethodDescriptor descriptor) {
        return descriptor.getService().getFullName() + "/" + descriptor.getName();
    }

    private static boolean idempotent(Descriptors.MethodDescriptor descriptor) {
        IdempotencyLevel level = descriptor.getOptions().getIdempotencyLevel();
        return level == IdempotencyLevel.IDEMPOTENT || level == IdempotencyLevel.NO_SIDE_EFFECTS;
    }

    /** {@code package.Service/Method}. */
    public String fullName() {
        return grpcMethod.getFullMethodName();
    }

    /** The service's full name, for metrics. */
    public String serviceName() {
        return descriptor.getService().getFullName();
    }

    /** The method's simple name, for metrics. */
    public String methodName() {
        return descriptor.getName();
    }

    /** The method's descriptor: its service, file and options. */
    public Descriptors.MethodDescriptor descriptor() {
        return descriptor;
    }

    public Descriptors.Descriptor inputType() {
        return descriptor.getInputType();
    }

    public Descriptors.Descriptor outputType() {
        return descriptor.getOutputType();
    }

    public MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod() {
        return grpcMethod;
    }

    /**
     * Whether a call may be processed twice without harm: the method says
     * {@code option idempotency_level = IDEMPOTENT} or {@code NO_SIDE_EFFECTS}.
     */
    public boolean idempotent() {
        return grpcMethod.isIdempotent();
    }

    public boolean clientStreaming() {
        return descriptor.isClientStreaming();
    }

    public boolean serverStreaming() {
        return descriptor.isServerStreaming();
    }

    @Override
    public String toString() {
        return fullName();
    }
}
