package dev.tollgate.plugin.backendgrpc.internal.schema;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Reads every file descriptor an instance offers through server reflection: the services it
 * lists, the files that define them, and their imports, transitively. Speaks
 * {@code grpc.reflection.v1} and falls back to {@code grpc.reflection.v1alpha} when the instance
 * does not implement it (the two protocols' messages are the same on the wire).
 *
 * <p>Non-blocking: the stage completes on a transport thread.
 */
public final class ReflectionClient {
    private static final MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> V1 =
            ServerReflectionGrpc.getServerReflectionInfoMethod();
    private static final MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> V1ALPHA = V1.toBuilder()
            .setFullMethodName(MethodDescriptor.generateFullMethodName("grpc.reflection.v1alpha.ServerReflection", "ServerReflectionInfo"))
            .setRequestMarshaller(ProtoUtils.marshaller(ServerReflectionRequest.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(ServerReflectionResponse.getDefaultInstance()))
            .build();

    private ReflectionClient() {
    }

    /**
     * The files of every service the instance behind {@code channel} lists (the reflection
     * services' own excepted), with their imports.
     *
     * @param timeout the longest the exchange may take
     */
    public static CompletionStage<List<FileDescriptorProto>> fetch(Channel channel, Duration timeout) {
        return new Session(channel, V1, timeout).start().exceptionallyCompose(failure -> {
            Status status = Status.fromThrowable(failure);
            if (status.getCode() == Status.Code.UNIMPLEMENTED) {
                return new Session(channel, V1ALPHA, timeout).start();
            }
            return CompletableFuture.failedFuture(failure);
        });
    }

    /** One reflection stream: requests are pipelined, answers come in the same order. */
    private static final class Session extends ClientCall.Listener<ServerReflectionResponse> {
        private final ClientCall<ServerReflectionRequest, ServerReflectionResponse> call;
        private final CompletableFuture<List<FileDescriptorProto>> result = new CompletableFuture<>();
        private final Map<String, FileDescriptorProto> files = new LinkedHashMap<>();
        private final Set<String> requested = new HashSet<>();
        private int pending;
        private boolean listed;

        Session(Channel channel, MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> method, Duration timeout) {
            this.call = channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS));
        }

        CompletableFuture<List<FileDescriptorProto>> start() {
            synchronized (this) {
                call.start(this, new Metadata());
                call.request(Integer.MAX_VALUE);
                send(ServerReflectionRequest.newBuilder().setListServices("").build());
            }
            return result;
        }

        private void send(ServerReflectionRequest request) {
            pending++;
            call.sendMessage(request);
        }

        @Override
        public synchronized void onMessage(ServerReflectionResponse response) {
            pending--;
            try {
                switch (response.getMessageResponseCase()) {
                    case LIST_SERVICES_RESPONSE -> {
                        listed = true;
                        for (ServiceResponse service : response.getListServicesResponse().getServiceList()) {
                            if (!service.getName().startsWith("grpc.reflection.")) {
                                send(ServerReflectionRequest.newBuilder().setFileContainingSymbol(service.getName()).build());
                            }
                        }
                    }
                    case FILE_DESCRIPTOR_RESPONSE -> {
                        for (ByteString bytes : response.getFileDescriptorResponse().getFileDescriptorProtoList()) {
                            FileDescriptorProto file = FileDescriptorProto.parseFrom(bytes, Schema.EXTENSIONS);
                            files.putIfAbsent(file.getName(), file);
                            requested.add(file.getName());
                        }
                        for (FileDescriptorProto file : new ArrayList<>(files.values())) {
                            for (String dependency : file.getDependencyList()) {
                                if (requested.add(dependency)) {
                                    send(ServerReflectionRequest.newBuilder().setFileByFilename(dependency).build());
                                }
                            }
                        }
                    }
                    case ERROR_RESPONSE -> {
                        fail(Status.fromCodeValue(response.getErrorResponse().getErrorCode())
                                .withDescription("reflection: " + response.getErrorResponse().getErrorMessage()).asRuntimeException());
                        return;
                    }
                    default -> {
                        fail(Status.INTERNAL.withDescription("reflection: unexpected answer " + response.getMessageResponseCase())
                                .asRuntimeException());
                        return;
                    }
                }
            }
            catch (InvalidProtocolBufferException e) {
                fail(Status.INTERNAL.withDescription("reflection: a file descriptor does not parse: " + e.getMessage()).asRuntimeException());
                return;
            }
            if (pending == 0 && listed) {
                call.halfClose();
            }
        }

        private void fail(RuntimeException failure) {
            result.completeExceptionally(failure);
            call.cancel("reflection failed", failure);
        }

        @Override
        public synchronized void onClose(Status status, Metadata trailers) {
            if (status.isOk() && pending == 0 && listed) {
                result.complete(List.copyOf(files.values()));
            }
            else if (status.isOk()) {
                result.completeExceptionally(Status.INTERNAL.withDescription("reflection: the instance ended the stream early")
                        .asRuntimeException());
            }
            else {
                result.completeExceptionally(status.asRuntimeException(trailers));
            }
        }
    }
}
