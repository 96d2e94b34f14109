/**
 * The hub's implementation.
 *
 * <ul>
 *   <li>{@link dev.tollgate.plugin.websockethub.internal.HubEndpointFactory} creates a
 *       {@code HubEndpoint} per route; all of them share one {@code Hub} per gateway.</li>
 *   <li>{@code Hub}: what the routes share — the instance's connections, presence, and channels:
 *       one bus subscription per channel, reference-counted over local subscribers
 *       ({@code LocalChannel}, which encodes each event once and fans the same message out).
 *       {@code Capacity} admits connections within the instance's limits, each holding an
 *       {@code Admission}.</li>
 *   <li>{@code FanOutLanes}: the hub's fan-out threads, bounded lock-free queues of tasks, each task
 *       one event for one {@code SubscriberChunk} of a channel's subscribers; a chunk always uses the
 *       same lane, so each subscriber gets a channel's events in order.</li>
 *   <li>{@code HubConnection}: one client's session, which it opens, feeds and takes down; the work
 *       is done by its parts:
 *       <ul>
 *         <li>{@code ConnectionSender}: what goes to the client, under flow control;</li>
 *         <li>{@code ConnectionAuthentication}: who the connection acts as, from the upgrade or a
 *             first {@code auth} message, and fresh tokens for a principal that expires
 *             ({@code SessionExpiry}: the warning and the close at the expiry);</li>
 *         <li>{@code ClientProtocol}: what the client's messages ask for;</li>
 *         <li>{@code ConnectionSubscriptions}: its subscriptions ({@code ChannelSubscription}, which
 *             holds messages back until the {@code subscribed} reply and any recovered history are
 *             out), started by {@code Recovery} (latest offset, {@code since}, {@code RECOVERY_GAP}).</li>
 *       </ul></li>
 *   <li>{@code HubSettings}, {@code RouteSettings}, {@code ChannelPolicies},
 *       {@code Permissions}: configuration, read once.</li>
 *   <li>{@code ClientRequest}, {@code ServerMessages}, {@code Json}: the JSON protocol.</li>
 * </ul>
 */
package dev.tollgate.plugin.websockethub.internal;
