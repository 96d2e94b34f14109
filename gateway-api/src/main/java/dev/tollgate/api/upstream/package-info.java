/**
 * Services and their instances: the runtime's {@link dev.tollgate.api.upstream.Upstreams}
 * registry, through which backends choose an instance for each
 * {@link dev.tollgate.api.upstream.Attempt} and retry within a
 * {@link dev.tollgate.api.upstream.RetryPolicy}, and {@link dev.tollgate.api.upstream.Discovery}
 * sources that feed it.
 */
package dev.tollgate.api.upstream;
