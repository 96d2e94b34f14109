package dev.tollgate.api.http;

import dev.tollgate.api.ComponentFactory;

/**
 * Creates the {@link Filter}s of its type.
 *
 * <p>{@code create} is called once for each named instance ({@code gateway.filters.<instance> {
 * type = jwt, … }}, shared by every route that names the instance), and once for each inline use
 * in a route's or the gateway-wide {@code filters} list ({@code { type = jwt, … }}, or a bare
 * type name for its defaults). The configuration passed is that block without {@code type},
 * merged over the plugin's {@code reference.conf} section {@code tollgate.filters.<type>}.
 *
 * <p>On a configuration reload, a filter whose configuration (and plugin settings) did not change
 * is kept, with its state; a changed one is created anew and the old one closed once the requests
 * that were using it have finished.
 */
public interface FilterFactory extends ComponentFactory<Filter> {
}
