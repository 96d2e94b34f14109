/**
 * The {@code authorize} filter: decides whether the exchange's principal, as an authentication
 * filter established it (api-key, jwt), may use a route — by roles ({@code any-of},
 * {@code all-of}), OAuth scopes (claims {@code scope} and {@code scp}) and claims that must match.
 * {@link dev.tollgate.plugin.authorize.AuthorizeFilter} answers {@code 401} without a principal and
 * {@code 403} when a rule is not met, naming the rule, never the principal's data;
 * {@link dev.tollgate.plugin.authorize.AuthorizeSettings} is one use's rules, read and checked
 * once at creation.
 *
 * <p>It judges only what the principal carries: it has no credentials of its own, which is why
 * it runs at {@link dev.tollgate.api.http.Filter.Order#AUTHORIZATION}, after every authentication
 * filter of the route. See the module's README.
 */
package dev.tollgate.plugin.authorize;
