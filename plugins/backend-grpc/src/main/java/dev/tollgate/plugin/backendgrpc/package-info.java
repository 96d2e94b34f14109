/**
 * The {@code grpc} backend: HTTP/JSON (and gRPC-Web) to gRPC on grpc-java's OkHttp transport.
 *
 * <p>A service with {@code backend = grpc} is described by a schema — protoc descriptor sets,
 * server reflection, or both — from which each method gets its HTTP bindings: the
 * {@code google.api.http} annotations, and {@code POST /<package>.<Service>/<Method>} for every
 * method. A request is matched against them, turned into the request message (path variables,
 * query parameters and the JSON body, by the proto3 JSON mapping), and sent on one of the
 * instance's pooled channels; the instance is chosen per call by the runtime's upstream registry,
 * so load balancing, health, circuit breakers and retries are those of every other backend, not
 * grpc-java's. Unary answers become JSON, server streams Server-Sent Events, NDJSON or a streamed
 * JSON array, read from the instance only as fast as the client reads. Browsers' gRPC-Web
 * requests (by their Content-Type) are made as the same calls and answered in gRPC-Web frames,
 * the status in a trailer frame.
 *
 * <p>Implementation packages: {@code internal} (the backend, calls, channels, errors),
 * {@code internal.schema} (descriptors from files and reflection) and {@code internal.mapping}
 * (HTTP bindings and JSON). See the module's README for the configuration.
 */
package dev.tollgate.plugin.backendgrpc;
