package dev.tollgate.plugin.backendgrpc;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import dev.tollgate.plugin.backendgrpc.test.ArchiveProjectRequest;
import dev.tollgate.plugin.backendgrpc.test.CreateProjectRequest;
import dev.tollgate.plugin.backendgrpc.test.EchoRequest;
import dev.tollgate.plugin.backendgrpc.test.EchoResponse;
import dev.tollgate.plugin.backendgrpc.test.Event;
import dev.tollgate.plugin.backendgrpc.test.FailRequest;
import dev.tollgate.plugin.backendgrpc.test.File;
import dev.tollgate.plugin.backendgrpc.test.GetFileRequest;
import dev.tollgate.plugin.backendgrpc.test.GetProjectRequest;
import dev.tollgate.plugin.backendgrpc.test.ListProjectsRequest;
import dev.tollgate.plugin.backendgrpc.test.ListProjectsResponse;
import dev.tollgate.plugin.backendgrpc.test.Project;
import dev.tollgate.plugin.backendgrpc.test.ProjectsGrpc;
import dev.tollgate.plugin.backendgrpc.test.SearchProjectsRequest;
import dev.tollgate.plugin.backendgrpc.test.SlowRequest;
import dev.tollgate.plugin.backendgrpc.test.UpdateProjectRequest;
import dev.tollgate.plugin.backendgrpc.test.WatchRequest;
import dev.tollgate.plugin.backendgrpc.test.ChatMessage;
import dev.tollgate.plugin.backendgrpc.test.CollectRequest;
import dev.tollgate.plugin.backendgrpc.test.CollectResponse;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real grpc-java server on loopback with the test service {@code tollgate.test.Projects}, the
 * standard health service, and optionally more services (reflection, the interop TestService).
 * Records what the tests look at: calls in flight, the stream messages sent.
 */
final class ProjectsServer implements AutoCloseable {
    static final Context.Key<Metadata> REQUEST_HEADERS = Context.key("request-headers");
    static final Context.Key<Metadata> RESPONSE_HEADERS = Context.key("response-headers");
    static final Context.Key<Metadata> RESPONSE_TRAILERS = Context.key("response-trailers");

    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final AtomicInteger streamMessagesSent = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();
    /** Calls the client cancelled (the server saw onCancel before closing them). */
    final AtomicInteger cancelled = new AtomicInteger();
    final HealthStatusManager health = new HealthStatusManager();
    final Map<String, AtomicInteger> connections = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final Server server;

    private ProjectsServer(int port, List<BindableService> extra) throws IOException {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(ServerInterceptors.intercept(new Projects(), new Recorder()))
                .addService(health.getHealthService())
                .permitKeepAliveTime(1, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
        extra.forEach(builder::addService);
        server = builder.build().start();
    }

    static ProjectsServer start(BindableService... extra) throws IOException {
        return new ProjectsServer(0, List.of(extra));
    }

    /** A server on a given port, e.g. to bring an instance back where it was. */
    static ProjectsServer startOn(int port, BindableService... extra) throws IOException {
        return new ProjectsServer(port, List.of(extra));
    }

    int port() {
        return server.getPort();
    }

    String url() {
        return "grpc://127.0.0.1:" + port();
    }

    @Override
    public void close() throws InterruptedException {
        health.enterTerminalState();
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        timers.shutdownNow();
    }

    /** Keeps the request metadata in the context, adds what the call asks to the response headers, counts calls in flight. */
    private final class Recorder implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            calls.incrementAndGet();
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            Metadata response = new Metadata();
            Metadata responseTrailers = new Metadata();
            java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
            Runnable end = () -> {
                if (ended.compareAndSet(false, true)) {
                    inFlight.decrementAndGet();
                    cancelled.incrementAndGet();
                }
            };
            ServerCall<Q, R> recording = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void sendHeaders(Metadata outgoing) {
                    outgoing.merge(response);
                    super.sendHeaders(outgoing);
                }

                @Override
                public void close(Status status, Metadata trailers) {
                    if (ended.compareAndSet(false, true)) {
                        inFlight.decrementAndGet();
                    }
                    trailers.merge(responseTrailers);
                    super.close(status, trailers);
                }
            };
            Context context = Context.current().withValue(REQUEST_HEADERS, headers).withValue(RESPONSE_HEADERS, response)
                    .withValue(RESPONSE_TRAILERS, responseTrailers);
            return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
                    Contexts.interceptCall(context, recording, headers, next)) {
                @Override
                public void onCancel() {
                    end.run();
                    super.onCancel();
                }
            };
        }
    }

    private final class Projects extends ProjectsGrpc.ProjectsImplBase {
        @Override
        public void getProject(GetProjectRequest request, StreamObserver<Project> response) {
            if (request.getId().equals("missing")) {
                response.onError(Status.NOT_FOUND.withDescription("no project " + request.getId()).asRuntimeException());
                return;
            }
            response.onNext(Project.newBuilder().setId(request.getId()).setDisplayName("Project " + request.getId()).build());
            response.onCompleted();
        }

        @Override
        public void listProjects(ListProjectsRequest request, StreamObserver<ListProjectsResponse> response) {
            response.onNext(ListProjectsResponse.newBuilder().addProjects(Project.newBuilder().setId("a")).addNames("a").addNames("b")
                    .setReceived(request).build());
            response.onCompleted();
        }

        @Override
        public void createProject(CreateProjectRequest request, StreamObserver<Project> response) {
            response.onNext(request.getProject().toBuilder().setId(request.getRequestId().isEmpty() ? "new" : request.getRequestId()).build());
            response.onCompleted();
        }

        @Override
        public void updateProject(UpdateProjectRequest request, StreamObserver<Project> response) {
            Project project = request.getProject();
            response.onNext(project.toBuilder().setDisplayName(project.getDisplayName() + (request.getValidateOnly() ? " (validated)" : ""))
                    .build());
            response.onCompleted();
        }

        @Override
        public void deleteProject(GetProjectRequest request, StreamObserver<Empty> response) {
            response.onNext(Empty.getDefaultInstance());
            response.onCompleted();
        }

        @Override
        public void archiveProject(ArchiveProjectRequest request, StreamObserver<Project> response) {
            response.onNext(Project.newBuilder().setId(request.getId()).setDisplayName(request.getReason())
                    .setStatus(dev.tollgate.plugin.backendgrpc.test.Status.ARCHIVED).build());
            response.onCompleted();
        }

        @Override
        public void searchProjects(SearchProjectsRequest request, StreamObserver<ListProjectsResponse> response) {
            ListProjectsResponse.Builder answer = ListProjectsResponse.newBuilder().addNames(request.getQuery());
            request.getStatusesList().forEach(status -> answer.addNames(status.name()));
            response.onNext(answer.build());
            response.onCompleted();
        }

        @Override
        public void getFile(GetFileRequest request, StreamObserver<File> response) {
            response.onNext(File.newBuilder().setName(request.getName()).build());
            response.onCompleted();
        }

        @Override
        public void fail(FailRequest request, StreamObserver<Empty> response) {
            Status status = Status.fromCodeValue(request.getCode()).withDescription(request.getMessage());
            if (!request.getWithDetails()) {
                response.onError(status.asRuntimeException());
                return;
            }
            com.google.rpc.Status details = com.google.rpc.Status.newBuilder().setCode(request.getCode()).setMessage(request.getMessage())
                    .addDetails(Any.pack(BadRequest.newBuilder().addFieldViolations(BadRequest.FieldViolation.newBuilder()
                            .setField("display_name").setDescription("must not be empty")).build()))
                    .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("EMPTY_NAME").setDomain("tollgate.test").build()))
                    .build();
            response.onError(StatusProto.toStatusRuntimeException(details));
        }

        @Override
        public void echo(EchoRequest request, StreamObserver<EchoResponse> response) {
            Metadata headers = REQUEST_HEADERS.get();
            EchoResponse.Builder answer = EchoResponse.newBuilder().setText(request.getText());
            for (String key : headers.keys()) {
                if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                    List<String> values = new java.util.ArrayList<>();
                    headers.getAll(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER))
                            .forEach(value -> values.add(java.util.Base64.getEncoder().encodeToString(value)));
                    answer.putMetadata(key, String.join(",", values));
                }
                else {
                    answer.putMetadata(key, String.join(",", headers.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER))));
                }
            }
            if (Context.current().getDeadline() != null) {
                answer.setDeadlineMillis(Context.current().getDeadline().timeRemaining(TimeUnit.MILLISECONDS));
            }
            request.getResponseMetadataMap().forEach((name, value) -> {
                if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                    RESPONSE_HEADERS.get().put(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER), java.util.Base64.getDecoder().decode(value));
                }
                else {
                    RESPONSE_HEADERS.get().put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
                }
            });
            request.getResponseTrailersMap().forEach((name, value) ->
                    RESPONSE_TRAILERS.get().put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value));
            response.onNext(answer.build());
            response.onCompleted();
        }

        @Override
        public void slow(SlowRequest request, StreamObserver<Empty> response) {
            timers.schedule(() -> {
                response.onNext(Empty.getDefaultInstance());
                response.onCompleted();
            }, request.getMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void watch(WatchRequest request, StreamObserver<Event> response) {
            ServerCallStreamObserver<Event> stream = (ServerCallStreamObserver<Event>) response;
            String payload = "x".repeat(Math.max(0, request.getPayloadSize()));
            AtomicInteger next = new AtomicInteger();
            stream.setOnCancelHandler(() -> {
            });
            Runnable pump = new Runnable() {
                private boolean done;

                @Override
                public synchronized void run() {
                    while (!done && stream.isReady() && !stream.isCancelled()) {
                        int seq = next.getAndIncrement();
                        if (request.getFailAfter() > 0 && seq == request.getFailAfter()) {
                            done = true;
                            stream.onError(Status.FAILED_PRECONDITION.withDescription("failed after " + seq + " events").asRuntimeException());
                            return;
                        }
                        if (request.getCount() > 0 && seq >= request.getCount()) {
                            done = true;
                            stream.onCompleted();
                            return;
                        }
                        stream.onNext(Event.newBuilder().setSeq(seq).setPayload(payload).build());
                        streamMessagesSent.incrementAndGet();
                    }
                }
            };
            stream.setOnReadyHandler(pump);
        }

        @Override
        public StreamObserver<CollectRequest> collect(StreamObserver<CollectResponse> response) {
            return new StreamObserver<>() {
                private final StringBuilder joined = new StringBuilder();
                private int count;

                @Override
                public void onNext(CollectRequest request) {
                    count++;
                    joined.append(request.getText());
                }

                @Override
                public void onError(Throwable failure) {
                }

                @Override
                public void onCompleted() {
                    response.onNext(CollectResponse.newBuilder().setCount(count).setJoined(joined.toString()).build());
                    response.onCompleted();
                }
            };
        }

        @Override
        public StreamObserver<ChatMessage> chat(StreamObserver<ChatMessage> response) {
            return new StreamObserver<>() {
                private int seq;
                private String room = "";

                @Override
                public void onNext(ChatMessage message) {
                    room = message.getRoom();
                    if (message.getText().equals("fail")) {
                        com.google.rpc.Status details = com.google.rpc.Status.newBuilder().setCode(Status.Code.ABORTED.value())
                                .setMessage("the chat failed")
                                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("CHAT_FAILED")
                                        .setDomain("tollgate.test").build()))
                                .build();
                        response.onError(io.grpc.protobuf.StatusProto.toStatusRuntimeException(details));
                        return;
                    }
                    for (int i = 0; i < Math.max(1, message.getRepeat()); i++) {
                        response.onNext(ChatMessage.newBuilder().setRoom(message.getRoom()).setText(message.getText().toUpperCase(java.util.Locale.ROOT))
                                .setSeq(++seq).build());
                        streamMessagesSent.incrementAndGet();
                    }
                }

                @Override
                public void onError(Throwable failure) {
                }

                @Override
                public void onCompleted() {
                    response.onNext(ChatMessage.newBuilder().setRoom(room).setText("bye").setSeq(++seq).build());
                    response.onCompleted();
                }
            };
        }
    }
}
