package dev.tollgate.plugin.backendhttp.internal;

import org.eclipse.jetty.client.ConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.MultiplexConnectionPool;
import org.eclipse.jetty.util.ConcurrentPool;

/**
 * Jetty's multiplexing connection pool with the number of concurrent requests per connection
 * capped by {@code pool.max-requests-per-connection}: an HTTP/2 connection carries as many
 * streams as the instance allows but never more than the cap; an HTTP/1.1 connection carries
 * one request at a time.
 */
final class CappedMultiplexConnectionPool extends MultiplexConnectionPool {

    CappedMultiplexConnectionPool(Destination destination, int maxConnections, int maxRequestsPerConnection) {
        super(destination, () -> new ConcurrentPool<>(ConcurrentPool.StrategyType.FIRST, maxConnections,
                connection -> connection instanceof ConnectionPool.MaxMultiplexable multiplexable
                        ? Math.max(1, Math.min(multiplexable.getMaxMultiplex(), maxRequestsPerConnection))
                        : 1), 1);
    }
}
