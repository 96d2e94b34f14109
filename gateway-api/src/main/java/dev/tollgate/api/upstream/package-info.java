/**
 * Services and their instances: the runtime's {@link dev.tollgate.api.upstream.Upstreams}
 * registry, through which backends run each exchange's attempts
 * ({@link dev.tollgate.api.upstream.Upstream#execute}: one retry loop, fed protocol-neutral
 * {@link dev.tollgate.api.upstream.Outcome}s, within a
 * {@link dev.tollgate.api.upstream.RetryPolicy}), the instances' addresses parsed once
 * ({@link dev.tollgate.api.upstream.InstanceAddress}) and their TLS settings
 * ({@link dev.tollgate.api.upstream.TlsSettings}), and {@link dev.tollgate.api.upstream.Discovery}
 * sources that feed it.
 */
package dev.tollgate.api.upstream;
