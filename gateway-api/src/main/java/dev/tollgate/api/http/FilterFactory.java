package dev.tollgate.api.http;

import dev.tollgate.api.ComponentFactory;

/**
 * Creates a {@link Filter} for each use of its name in a route's {@code filters} list.
 *
 * <p>The configuration passed to {@code create} is that entry ({@code { name = jwt, … }}, or
 * nothing but defaults when the entry is a bare name), merged over the plugin's
 * {@code reference.conf} section {@code tollgate.filters.<name>}.
 */
public interface FilterFactory extends ComponentFactory<Filter> {
}
