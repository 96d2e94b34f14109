/**
 * The registry of upstream services that backends reach through
 * {@link dev.tollgate.api.PluginContext#upstreams()}.
 *
 * <p>A {@link dev.tollgate.runtime.upstream.UpstreamRegistry} holds one service per
 * {@code gateway.services} entry. Each keeps an immutable snapshot of its members — one
 * {@code InstanceState} per instance, with requests in flight, a latency estimate, the active
 * health verdict, passive ejection and a circuit breaker — and a load balancer's picker built for
 * that snapshot; a discovery update swaps both at once and keeps the state of instances that
 * stay. Choosing an instance reads volatile state only; an attempt's outcome updates the
 * instance lock-free, except for the rare state changes of a breaker or an ejection.
 *
 * <p>Retries are the runtime's, one loop for every backend: {@code Upstream.execute} runs an
 * exchange's attempts in a {@code RetryLoop} that chooses an instance per attempt (excluding
 * those tried), turns each protocol-neutral {@code Outcome} into the instance's health, and
 * retries when the request can be sent again and may be processed twice (or never reached the
 * instance), within the service's {@code ServiceRetryPolicy} (attempts, budget, back-off on the
 * runtime's scheduler).
 *
 * <p>Settings come from {@code gateway.service-defaults} merged under each service's block
 * ({@link dev.tollgate.runtime.upstream.UpstreamSettings}), TLS towards the instances included.
 * Active probes run on clients of their own (one per distinct TLS settings), never on the
 * request path's threads.
 */
package dev.tollgate.runtime.upstream;
