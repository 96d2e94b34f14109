import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Load generator for the WebSocket hub: an NIO, selector-based RFC 6455 client (JDK only) that
 * holds thousands of hub connections on one or two threads, subscribes each to one of K channels,
 * publishes timestamped events at a steady rate and measures, per delivered message, the delay
 * from publication to arrival.
 *
 * <pre>
 *   java bench/WebSocketLoad.java --url ws://127.0.0.1:19300/ws --connections 1000 --channels 10 \
 *       --publish hub|redis|none --rate 1000 --duration 10 [options]
 * </pre>
 *
 * <h2>What it does</h2>
 * <ol>
 * <li>Opens the connections at a controlled ramp ({@code --ramp} per second, at most
 *     {@code --max-pending} handshakes in flight so the gateway's accept queue, somaxconn 4096,
 *     never overflows), each bound to one of the {@code --sources} loopback addresses (28 K
 *     ephemeral ports per source address). Each does the HTTP/1.1 upgrade, checks
 *     {@code Sec-WebSocket-Accept}, sends {@code {"type":"subscribe","channel":…}} and waits for
 *     {@code subscribed}. Connection {@code g} (counted over all processes from
 *     {@code --first-connection}) takes channel {@code g mod K} and source {@code g mod sources}.</li>
 * <li>Publishes {@code --rate} messages per second, spread evenly, round robin over the channels,
 *     for {@code --warmup} seconds (delivered but not measured: the JIT needs it) and then for
 *     {@code --duration} seconds, either with Redis {@code PUBLISH} on a raw RESP connection
 *     ({@code --publish redis}: backend → Redis → the gateway's Redis event bridge → hub → clients)
 *     or with the hub's {@code publish} message on a WebSocket connection of its own
 *     ({@code --publish hub}, for the in-memory bus). Payloads are JSON:
 *     {@code {"w":0,"t":<µs since the epoch>,"n":<sequence>}}, padded to {@code --payload-bytes}.</li>
 * <li>Records each measured delivery's latency in a log-linear histogram (1/64 precision), waits
 *     until deliveries stop ({@code --drain} seconds without one, at most {@code --drain-limit}
 *     seconds after publishing ended: what is still queued then counts as lost), and reports connections,
 *     messages published, delivered, delivered per second, expected deliveries (each published
 *     message times the subscribers of its channel), loss, p50/p90/p99/max latency and errors. The
 *     last line is machine-readable: {@code RESULT key=value …}.</li>
 * </ol>
 *
 * <h2>Several processes</h2>
 * One process holds at most ≈ 19 500 sockets (20 000 open files). With {@code --sync-dir D
 * --processes P --process-id i}, P processes share one run: each writes {@code D/ready-i} once its
 * connections are subscribed and waits for {@code D/go} (created by whoever orchestrates, after
 * measuring the gateway); the publishing process writes {@code D/published} when done; each
 * writes {@code D/result-i} after draining; process 0 merges the results and prints the report.
 * Timestamps are wall-clock microseconds (the epoch time read once, advanced with
 * {@code System.nanoTime}), so latencies compare across processes of one machine.
 *
 * <h2>Threads</h2>
 * {@code --threads} selector threads each own a share of the connections and all their state;
 * the main thread talks to them only through tasks run on their loop. The publisher has a thread
 * of its own (and one reading its replies).
 */
public final class WebSocketLoad {
    private static final String USAGE = """
            usage: java bench/WebSocketLoad.java --url ws://HOST:PORT/PATH [options]
              --connections N        connections of this process (1000)
              --channels K           channels, connection g subscribes to channel g mod K (10)
              --channel-prefix P     hub channel names are P0 … P(K-1) ("bench:")
              --first-connection I   global index of this process's first connection (0)
              --total-connections T  connections over all processes (this process's)
              --sources A,B,…        local addresses to bind, round robin (127.0.0.1)
              --threads N            selector threads (2, at most the cores)
              --ramp N               connections opened per second (2000)
              --max-pending N        handshakes and subscriptions in flight (512)
              --connect-timeout S    a connection not subscribed after S seconds fails (30)
              --publish MODE         none | hub (the hub's publish message) | redis (PUBLISH) (none)
              --redis HOST:PORT      Redis for --publish redis (127.0.0.1:6379)
              --redis-prefix P       Redis channel = P + hub channel (the bridge's channel-prefix) ("tollgate:events:")
              --rate R               messages published per second (100)
              --duration S           measured publishing, seconds (10)
              --warmup S             publishing before the measurement, seconds (0)
              --payload-bytes B      pad payloads to at least B bytes (0)
              --drain S              deliveries are over after S seconds without one (2)
              --drain-limit S        … or S seconds after publishing ended, whatever still comes (30)
              --sync-dir D           share one run between processes (see the class comment)
              --processes P          processes sharing the run (1)
              --process-id I         this process, 0 … P-1; 0 prints the merged report (0)
            """;

    private WebSocketLoad() {
    }

    public static void main(String[] arguments) throws Exception {
        Options options;
        try {
            options = Options.parse(arguments);
        }
        catch (IllegalArgumentException e) {
            System.err.println("WebSocketLoad: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        System.exit(new Run(options).execute());
    }

    /** The command line, checked. */
    record Options(
            URI url,
            int connections,
            int channels,
            String channelPrefix,
            int firstConnection,
            int totalConnections,
            List<InetAddress> sources,
            int threads,
            int ramp,
            int maxPending,
            int connectTimeoutSeconds,
            String publish,
            InetSocketAddress redis,
            String redisPrefix,
            double rate,
            double durationSeconds,
            double warmupSeconds,
            int payloadBytes,
            double drainSeconds,
            double drainLimitSeconds,
            Path syncDirectory,
            int processes,
            int processId) {

        static Options parse(String[] arguments) {
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < arguments.length; i++) {
                String argument = arguments[i];
                if (!argument.startsWith("--")) {
                    throw new IllegalArgumentException("unexpected argument " + argument);
                }
                int equals = argument.indexOf('=');
                if (equals > 0) {
                    values.put(argument.substring(2, equals), argument.substring(equals + 1));
                }
                else if (i + 1 < arguments.length) {
                    values.put(argument.substring(2), arguments[++i]);
                }
                else {
                    throw new IllegalArgumentException(argument + " needs a value");
                }
            }
            java.util.Set<String> known = java.util.Set.of("url", "connections", "channels", "channel-prefix",
                    "first-connection", "total-connections", "sources", "threads", "ramp", "max-pending",
                    "connect-timeout", "publish", "redis", "redis-prefix", "rate", "duration", "warmup",
                    "payload-bytes", "drain", "drain-limit", "sync-dir", "processes", "process-id");
            for (String key : values.keySet()) {
                if (!known.contains(key)) {
                    throw new IllegalArgumentException("unknown option --" + key);
                }
            }
            String url = values.get("url");
            if (url == null) {
                throw new IllegalArgumentException("--url is required");
            }
            URI uri = URI.create(url);
            if (!"ws".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
                throw new IllegalArgumentException("--url must be ws://HOST:PORT/PATH, was " + url);
            }
            int connections = integer(values, "connections", 1000, 0);
            List<InetAddress> sources = new ArrayList<>();
            for (String source : values.getOrDefault("sources", "127.0.0.1").split(",")) {
                try {
                    sources.add(InetAddress.getByName(source.trim()));
                }
                catch (IOException e) {
                    throw new IllegalArgumentException("--sources: bad address " + source);
                }
            }
            String publish = values.getOrDefault("publish", "none");
            if (!List.of("none", "hub", "redis").contains(publish)) {
                throw new IllegalArgumentException("--publish must be none, hub or redis, was " + publish);
            }
            String redis = values.getOrDefault("redis", "127.0.0.1:6379");
            int colon = redis.lastIndexOf(':');
            if (colon < 1) {
                throw new IllegalArgumentException("--redis must be HOST:PORT, was " + redis);
            }
            int processes = integer(values, "processes", 1, 1);
            int processId = integer(values, "process-id", 0, 0);
            if (processId >= processes) {
                throw new IllegalArgumentException("--process-id must be less than --processes");
            }
            String syncDirectory = values.get("sync-dir");
            if (processes > 1 && syncDirectory == null) {
                throw new IllegalArgumentException("--processes above 1 needs --sync-dir");
            }
            return new Options(uri,
                    connections,
                    integer(values, "channels", 10, 1),
                    values.getOrDefault("channel-prefix", "bench:"),
                    integer(values, "first-connection", 0, 0),
                    integer(values, "total-connections", connections, connections),
                    List.copyOf(sources),
                    integer(values, "threads", Math.min(2, Runtime.getRuntime().availableProcessors()), 1),
                    integer(values, "ramp", 2000, 1),
                    integer(values, "max-pending", 512, 1),
                    integer(values, "connect-timeout", 30, 1),
                    publish,
                    new InetSocketAddress(redis.substring(0, colon), Integer.parseInt(redis.substring(colon + 1))),
                    values.getOrDefault("redis-prefix", "tollgate:events:"),
                    decimal(values, "rate", 100),
                    decimal(values, "duration", 10),
                    decimal(values, "warmup", 0),
                    integer(values, "payload-bytes", 0, 0),
                    decimal(values, "drain", 2),
                    decimal(values, "drain-limit", 30),
                    syncDirectory == null ? null : Path.of(syncDirectory),
                    processes,
                    processId);
        }

        private static int integer(Map<String, String> values, String key, int defaultValue, int minimum) {
            String value = values.get(key);
            int result;
            try {
                result = value == null ? defaultValue : Integer.parseInt(value);
            }
            catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + key + " must be a whole number, was " + value);
            }
            if (result < minimum) {
                throw new IllegalArgumentException("--" + key + " must be at least " + minimum);
            }
            return result;
        }

        private static double decimal(Map<String, String> values, String key, double defaultValue) {
            String value = values.get(key);
            try {
                double result = value == null ? defaultValue : Double.parseDouble(value);
                if (result < 0 || Double.isNaN(result)) {
                    throw new IllegalArgumentException("--" + key + " must not be negative");
                }
                return result;
            }
            catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + key + " must be a number, was " + value);
            }
        }

        String channelName(int channel) {
            return channelPrefix + channel;
        }

        String path() {
            String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
            return url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
        }
    }

    // ------------------------------------------------------------------------------------------
    // The run: connect, synchronise, publish, drain, report.

    /** One process's part of a run, from connecting to the report. */
    static final class Run {
        private final Options options;
        private final List<Worker> workers = new ArrayList<>();

        Run(Options options) {
            this.options = options;
        }

        int execute() throws Exception {
            InetSocketAddress target = new InetSocketAddress(options.url().getHost(), options.url().getPort());
            for (int index = 0; index < options.threads(); index++) {
                List<Integer> mine = new ArrayList<>();
                for (int local = index; local < options.connections(); local += options.threads()) {
                    mine.add(options.firstConnection() + local);
                }
                Worker worker = new Worker(index, options, target, mine.stream().mapToInt(Integer::intValue).toArray());
                workers.add(worker);
            }
            long connectStart = System.nanoTime();
            workers.forEach(Worker::start);
            Totals connected = awaitConnections();
            double rampSeconds = (System.nanoTime() - connectStart) / 1e9;
            log(String.format(Locale.ROOT, "process %d: %d of %d connections subscribed in %.1f s, %d failed%s",
                    options.processId(), connected.subscribed, options.connections(), rampSeconds, connected.failed,
                    connected.problems.isEmpty() ? "" : " " + connected.problems));

            Publisher publisher = switch (options.publish()) {
                case "hub" -> HubPublisher.open(options, target);
                case "redis" -> RedisPublisher.open(options);
                default -> null;
            };
            Sync sync = new Sync(options);
            sync.ready(connected.subscribed, connected.failed);
            sync.awaitGo();

            int[] subscribers = subscribersPerChannel();
            PublishSummary published;
            if (publisher != null) {
                PublishLoop loop = new PublishLoop(options, publisher);
                if (options.warmupSeconds() > 0) {
                    log("process " + options.processId() + ": warming up for " + options.warmupSeconds() + " s");
                    loop.run(options.warmupSeconds(), true);
                }
                log("process " + options.processId() + ": publishing " + options.rate() + "/s for " + options.durationSeconds() + " s");
                published = loop.run(options.durationSeconds(), false);
                sync.published(published);
            }
            else {
                published = sync.awaitPublished();
            }

            Totals totals = drain(published);
            long expected = 0;
            for (int channel = 0; channel < options.channels(); channel++) {
                expected += (long) subscribers[channel] * published.perChannel(channel, options.channels());
            }
            Result result = new Result(options.connections(), connected.subscribed, connected.failed, rampSeconds,
                    totals.delivered, totals.warmupDelivered, expected, totals.lastDeliveryMicros, totals.lastArrivalMicros,
                    totals.drainLimitReached, totals.closedByGateway, totals.errors(), totals.problems, totals.histogram);
            Result merged = sync.finish(result);
            if (merged != null) {
                report(merged, published);
            }
            if (publisher != null) {
                publisher.close();
            }
            closeAll();
            return 0;
        }

        private Totals awaitConnections() throws Exception {
            long lastLog = System.nanoTime();
            while (true) {
                Totals totals = totals(false);
                if (totals.subscribed + totals.failed >= options.connections()) {
                    return totals;
                }
                if (System.nanoTime() - lastLog > 2_000_000_000L) {
                    lastLog = System.nanoTime();
                    log("process " + options.processId() + ": " + totals.subscribed + " subscribed, " + totals.failed + " failed");
                }
                Thread.sleep(100);
            }
        }

        /**
         * Waits until deliveries stop: {@code --drain} seconds without one, or {@code --drain-limit}
         * seconds after publishing ended (then the gateway did not keep up: the rest is lost).
         */
        private Totals drain(PublishSummary published) throws Exception {
            long quietNanos = (long) (options.drainSeconds() * 1e9);
            long lastCount = -1;
            long lastChange = System.nanoTime();
            long sinceEnd = published.endMicros() > 0 ? Math.max(0, MicroClock.now() - published.endMicros()) * 1000 : 0;
            long deadline = System.nanoTime() + Math.max(0, (long) (options.drainLimitSeconds() * 1e9) - sinceEnd);
            while (true) {
                Totals totals = totals(false);
                long count = totals.delivered + totals.warmupDelivered;
                long now = System.nanoTime();
                if (count != lastCount) {
                    lastCount = count;
                    lastChange = now;
                }
                else if (now - lastChange >= quietNanos) {
                    return totals(true);
                }
                if (now > deadline) {
                    Totals last = totals(true);
                    last.drainLimitReached = true;
                    return last;
                }
                Thread.sleep(100);
            }
        }

        private Totals totals(boolean withHistogram) throws Exception {
            List<CompletableFuture<Worker.Snapshot>> snapshots = new ArrayList<>();
            for (Worker worker : workers) {
                snapshots.add(worker.snapshot(withHistogram));
            }
            Totals totals = new Totals();
            for (CompletableFuture<Worker.Snapshot> snapshot : snapshots) {
                totals.add(snapshot.get(30, TimeUnit.SECONDS));
            }
            return totals;
        }

        private int[] subscribersPerChannel() throws Exception {
            int[] merged = new int[options.channels()];
            for (Worker worker : workers) {
                int[] part = worker.subscribersPerChannel().get(30, TimeUnit.SECONDS);
                for (int channel = 0; channel < merged.length; channel++) {
                    merged[channel] += part[channel];
                }
            }
            return merged;
        }

        private void closeAll() throws Exception {
            for (Worker worker : workers) {
                worker.closeAll();
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) {
                if (totals(false).sockets == 0) {
                    break;
                }
                Thread.sleep(50);
            }
            for (Worker worker : workers) {
                worker.stop();
            }
        }

        private void report(Result result, PublishSummary published) {
            double publishSeconds = (published.endMicros() - published.startMicros()) / 1e6;
            double deliverySeconds = result.lastDeliveryMicros > 0
                    ? Math.max(publishSeconds, (result.lastDeliveryMicros - published.startMicros()) / 1e6) : publishSeconds;
            double deliveredPerSecond = deliverySeconds > 0 ? result.delivered / deliverySeconds : 0;
            long lost = result.expected - result.delivered;
            double lossPercent = result.expected > 0 ? 100.0 * lost / result.expected : 0;
            Histogram histogram = result.histogram;
            long errors = result.errors + published.errors();
            System.out.println();
            System.out.printf(Locale.ROOT, "WebSocket hub load: %s, %d process(es), %s threads each, publish via %s%n",
                    options.url(), options.processes(), options.threads(), published.mode());
            System.out.printf(Locale.ROOT, "%-13s%d of %d subscribed, %d failed (slowest process: %.1f s)%n",
                    "connections", result.subscribed, result.connections, result.failed, result.rampSeconds);
            System.out.printf(Locale.ROOT, "%-13s%d in %.2f s (%.0f/s), %d acknowledged, %d warm-up messages before%n",
                    "published", published.count(), publishSeconds, publishSeconds > 0 ? published.count() / publishSeconds : 0,
                    published.acknowledged(), published.warmupCount());
            System.out.printf(Locale.ROOT, "%-13s%d of %d expected, lost %d (%.3f %%), %.0f/s over %.2f s%n",
                    "delivered", result.delivered, result.expected, lost, lossPercent, deliveredPerSecond, deliverySeconds);
            long allDelivered = result.delivered + result.warmupDelivered;
            double allSeconds = result.lastArrivalMicros > 0 ? (result.lastArrivalMicros - published.warmupStartMicros()) / 1e6 : 0;
            double sustainedPerSecond = allSeconds > 0 ? allDelivered / allSeconds : 0;
            System.out.printf(Locale.ROOT, "%-13s%d deliveries, warm-up included, over %.2f s: %.0f/s%n",
                    "sustained", allDelivered, allSeconds, sustainedPerSecond);
            if (result.drainLimitReached) {
                System.out.printf(Locale.ROOT, "%-13sdeliveries were still arriving %.0f s after publishing ended: the gateway"
                        + " did not keep up; what had not arrived counts as lost%n", "overload", options.drainLimitSeconds());
            }
            System.out.printf(Locale.ROOT, "%-13sp50 %s  p90 %s  p99 %s  max %s  (%d samples)%n",
                    "latency", milliseconds(histogram.percentile(0.50)), milliseconds(histogram.percentile(0.90)),
                    milliseconds(histogram.percentile(0.99)), milliseconds(histogram.max()), histogram.count());
            Map<String, Long> problems = new TreeMap<>(result.problems);
            published.problems().forEach((problem, count) -> problems.merge("publisher: " + problem, count, Long::sum));
            System.out.printf(Locale.ROOT, "%-13s%d%s%n", "errors", errors, problems.isEmpty() ? "" : " " + problems);
            System.out.printf(Locale.ROOT,
                    "RESULT connections=%d subscribed=%d failed=%d ramp_s=%.2f published=%d publish_s=%.3f acknowledged=%d"
                            + " delivered=%d expected=%d lost=%d loss_pct=%.4f delivered_per_s=%.0f delivery_s=%.3f"
                            + " sustained_per_s=%.0f drain_limit_reached=%b"
                            + " p50_us=%d p90_us=%d p99_us=%d max_us=%d closed_by_gateway=%d errors=%d%n",
                    result.connections, result.subscribed, result.failed, result.rampSeconds, published.count(), publishSeconds,
                    published.acknowledged(), result.delivered, result.expected, lost, lossPercent, deliveredPerSecond,
                    deliverySeconds, sustainedPerSecond, result.drainLimitReached, histogram.percentile(0.50), histogram.percentile(0.90), histogram.percentile(0.99),
                    histogram.max(), result.closedByGateway, errors);
        }

        private static String milliseconds(long micros) {
            return String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
        }
    }

    /** Sums of the workers' snapshots. */
    static final class Totals {
        long sockets;
        long open;
        long subscribed;
        long failed;
        long delivered;
        long warmupDelivered;
        long lastDeliveryMicros;
        long lastArrivalMicros;
        boolean drainLimitReached;
        long closedByGateway;
        final Map<String, Long> problems = new TreeMap<>();
        final Histogram histogram = new Histogram();

        void add(Worker.Snapshot snapshot) {
            sockets += snapshot.sockets();
            open += snapshot.open();
            subscribed += snapshot.subscribed();
            failed += snapshot.failed();
            delivered += snapshot.delivered();
            warmupDelivered += snapshot.warmupDelivered();
            lastDeliveryMicros = Math.max(lastDeliveryMicros, snapshot.lastDeliveryMicros());
            lastArrivalMicros = Math.max(lastArrivalMicros, snapshot.lastArrivalMicros());
            closedByGateway += snapshot.closedByGateway();
            snapshot.problems().forEach((problem, count) -> problems.merge(problem, count, Long::sum));
            if (snapshot.histogram() != null) {
                histogram.add(snapshot.histogram());
            }
        }

        long errors() {
            return problems.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** What one process (or, merged, all of them) measured. */
    record Result(int connections, long subscribed, long failed, double rampSeconds, long delivered, long warmupDelivered,
            long expected, long lastDeliveryMicros, long lastArrivalMicros, boolean drainLimitReached, long closedByGateway,
            long errors, Map<String, Long> problems, Histogram histogram) {

        Result merge(Result other) {
            Map<String, Long> problems = new TreeMap<>(this.problems);
            other.problems.forEach((problem, count) -> problems.merge(problem, count, Long::sum));
            Histogram histogram = new Histogram();
            histogram.add(this.histogram);
            histogram.add(other.histogram);
            return new Result(connections + other.connections, subscribed + other.subscribed, failed + other.failed,
                    Math.max(rampSeconds, other.rampSeconds), delivered + other.delivered,
                    warmupDelivered + other.warmupDelivered, expected + other.expected,
                    Math.max(lastDeliveryMicros, other.lastDeliveryMicros), Math.max(lastArrivalMicros, other.lastArrivalMicros),
                    drainLimitReached || other.drainLimitReached, closedByGateway + other.closedByGateway,
                    errors + other.errors, problems, histogram);
        }

        String encode() {
            StringBuilder text = new StringBuilder();
            text.append("connections=").append(connections).append('\n')
                    .append("subscribed=").append(subscribed).append('\n')
                    .append("failed=").append(failed).append('\n')
                    .append("ramp=").append(rampSeconds).append('\n')
                    .append("delivered=").append(delivered).append('\n')
                    .append("warmup=").append(warmupDelivered).append('\n')
                    .append("expected=").append(expected).append('\n')
                    .append("last=").append(lastDeliveryMicros).append('\n')
                    .append("arrival=").append(lastArrivalMicros).append('\n')
                    .append("limit=").append(drainLimitReached).append('\n')
                    .append("closed=").append(closedByGateway).append('\n')
                    .append("errors=").append(errors).append('\n')
                    .append("histogram=").append(histogram.encode()).append('\n');
            problems.forEach((problem, count) -> text.append("problem=").append(count).append(' ')
                    .append(problem.replace('\n', ' ')).append('\n'));
            return text.toString();
        }

        static Result decode(String text) {
            Map<String, String> values = new LinkedHashMap<>();
            Map<String, Long> problems = new TreeMap<>();
            for (String line : text.split("\n")) {
                int equals = line.indexOf('=');
                if (equals < 0) {
                    continue;
                }
                String key = line.substring(0, equals);
                String value = line.substring(equals + 1);
                if (key.equals("problem")) {
                    int space = value.indexOf(' ');
                    problems.merge(value.substring(space + 1), Long.parseLong(value.substring(0, space)), Long::sum);
                }
                else {
                    values.put(key, value);
                }
            }
            return new Result(Integer.parseInt(values.get("connections")), Long.parseLong(values.get("subscribed")),
                    Long.parseLong(values.get("failed")), Double.parseDouble(values.get("ramp")),
                    Long.parseLong(values.get("delivered")), Long.parseLong(values.get("warmup")),
                    Long.parseLong(values.get("expected")), Long.parseLong(values.get("last")),
                    Long.parseLong(values.get("arrival")), Boolean.parseBoolean(values.get("limit")),
                    Long.parseLong(values.get("closed")), Long.parseLong(values.get("errors")), problems,
                    Histogram.decode(values.get("histogram")));
        }
    }

    /**
     * The files through which several processes share a run (see the class comment); without
     * {@code --sync-dir} every step is immediate and in memory.
     */
    static final class Sync {
        private final Options options;
        private final Path directory;

        Sync(Options options) {
            this.options = options;
            this.directory = options.syncDirectory();
        }

        void ready(long subscribed, long failed) throws IOException {
            if (directory != null) {
                write("ready-" + options.processId(), "subscribed=" + subscribed + "\nfailed=" + failed + "\n");
            }
        }

        void awaitGo() throws InterruptedException {
            if (directory != null) {
                await("go");
            }
        }

        void published(PublishSummary summary) throws IOException {
            if (directory != null) {
                write("published", summary.encode());
            }
        }

        PublishSummary awaitPublished() throws IOException, InterruptedException {
            if (directory == null) {
                return PublishSummary.none();
            }
            return PublishSummary.decode(Files.readString(await("published")));
        }

        /** Records this process's result; returns the merged result in process 0, null elsewhere. */
        Result finish(Result result) throws IOException, InterruptedException {
            if (directory == null) {
                return result;
            }
            write("result-" + options.processId(), result.encode());
            if (options.processId() != 0) {
                return null;
            }
            Result merged = null;
            for (int process = 0; process < options.processes(); process++) {
                Result part = Result.decode(Files.readString(await("result-" + process)));
                merged = merged == null ? part : merged.merge(part);
            }
            return merged;
        }

        private Path await(String name) throws InterruptedException {
            Path file = directory.resolve(name);
            while (!Files.exists(file)) {
                Thread.sleep(50);
            }
            return file;
        }

        private void write(String name, String content) throws IOException {
            Path temporary = directory.resolve(name + ".tmp");
            Files.writeString(temporary, content);
            Files.move(temporary, directory.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static void log(String message) {
        System.err.println(message);
    }

    // ------------------------------------------------------------------------------------------
    // Time and latency.

    /**
     * Wall-clock microseconds since the epoch with nanoTime's resolution and cost: the epoch time
     * is read once (the pair with the tightest nanoTime bracket of a few tries) and advanced with
     * {@code System.nanoTime}, so processes of one machine agree within microseconds.
     */
    static final class MicroClock {
        private static final long BASE_NANOS;
        private static final long BASE_MICROS;

        static {
            long bestGap = Long.MAX_VALUE;
            long baseNanos = 0;
            long baseMicros = 0;
            for (int attempt = 0; attempt < 20; attempt++) {
                long before = System.nanoTime();
                Instant now = Instant.now();
                long after = System.nanoTime();
                if (after - before < bestGap) {
                    bestGap = after - before;
                    baseNanos = before + (after - before) / 2;
                    baseMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
                }
            }
            BASE_NANOS = baseNanos;
            BASE_MICROS = baseMicros;
        }

        private MicroClock() {
        }

        static long now() {
            return BASE_MICROS + (System.nanoTime() - BASE_NANOS) / 1000;
        }
    }

    /**
     * A log-linear histogram of microseconds: exact below 128, then 64 buckets per power of two
     * (values within 1/64 of each other share a bucket). Not thread-safe; merge copies.
     */
    static final class Histogram {
        private static final int BUCKETS = 64 * 59;
        private final long[] counts = new long[BUCKETS];
        private long count;
        private long max;

        void record(long micros) {
            long value = Math.max(0, micros);
            counts[index(value)]++;
            count++;
            if (value > max) {
                max = value;
            }
        }

        void add(Histogram other) {
            for (int bucket = 0; bucket < BUCKETS; bucket++) {
                counts[bucket] += other.counts[bucket];
            }
            count += other.count;
            max = Math.max(max, other.max);
        }

        Histogram copy() {
            Histogram copy = new Histogram();
            copy.add(this);
            return copy;
        }

        long count() {
            return count;
        }

        long max() {
            return max;
        }

        /** The highest value of the bucket holding the quantile (never above the maximum); 0 when empty. */
        long percentile(double quantile) {
            if (count == 0) {
                return 0;
            }
            long rank = Math.max(1, (long) Math.ceil(quantile * count));
            long seen = 0;
            for (int bucket = 0; bucket < BUCKETS; bucket++) {
                seen += counts[bucket];
                if (seen >= rank) {
                    return Math.min(max, lowest(bucket + 1) - 1);
                }
            }
            return max;
        }

        static int index(long value) {
            if (value < 128) {
                return (int) value;
            }
            int shift = 57 - Long.numberOfLeadingZeros(value);
            return (shift + 1) * 64 + (int) ((value >>> shift) - 64);
        }

        static long lowest(int bucket) {
            if (bucket < 128) {
                return bucket;
            }
            int shift = bucket / 64 - 1;
            return ((long) (bucket % 64) + 64) << shift;
        }

        String encode() {
            StringBuilder text = new StringBuilder().append(max);
            for (int bucket = 0; bucket < BUCKETS; bucket++) {
                if (counts[bucket] != 0) {
                    text.append(',').append(bucket).append(':').append(counts[bucket]);
                }
            }
            return text.toString();
        }

        static Histogram decode(String text) {
            Histogram histogram = new Histogram();
            String[] parts = text.split(",");
            histogram.max = Long.parseLong(parts[0]);
            for (int i = 1; i < parts.length; i++) {
                int colon = parts[i].indexOf(':');
                long bucketCount = Long.parseLong(parts[i].substring(colon + 1));
                histogram.counts[Integer.parseInt(parts[i].substring(0, colon))] += bucketCount;
                histogram.count += bucketCount;
            }
            return histogram;
        }
    }

    // ------------------------------------------------------------------------------------------
    // RFC 6455: handshake and frames.

    /** The opening handshake of a client (RFC 6455 section 4.1). */
    static final class Handshake {
        private static final byte[] END_OF_HEADERS = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
        private static final int MAX_RESPONSE_HEAD = 16 * 1024;

        private Handshake() {
        }

        static String newKey(SplittableRandom random) {
            byte[] nonce = new byte[16];
            for (int i = 0; i < nonce.length; i++) {
                nonce[i] = (byte) random.nextInt(256);
            }
            return Base64.getEncoder().encodeToString(nonce);
        }

        static ByteBuffer request(Options options, String key) {
            String request = "GET " + options.path() + " HTTP/1.1\r\n"
                    + "Host: " + options.url().getHost() + ":" + options.url().getPort() + "\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + key + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n"
                    + "\r\n";
            return ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
        }

        static String expectedAccept(String key, MessageDigest sha1) {
            sha1.reset();
            return Base64.getEncoder().encodeToString(sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        }

        /**
         * Checks the response head when it is complete: returns the bytes it took (frames may
         * follow), 0 when more bytes are needed.
         *
         * @throws ProtocolException when the gateway refused the upgrade or answered wrongly
         */
        static int check(byte[] bytes, int offset, int length, String expectedAccept) {
            int end = indexOf(bytes, offset, offset + length, END_OF_HEADERS);
            if (end < 0) {
                if (length > MAX_RESPONSE_HEAD) {
                    throw new ProtocolException("upgrade response head over " + MAX_RESPONSE_HEAD + " bytes");
                }
                return 0;
            }
            String head = new String(bytes, offset, end - offset, StandardCharsets.ISO_8859_1);
            String[] lines = head.split("\r\n");
            String[] status = lines[0].split(" ", 3);
            if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
                throw new ProtocolException("not an HTTP response: " + lines[0]);
            }
            if (!status[1].equals("101")) {
                throw new ProtocolException("upgrade refused: HTTP " + status[1]);
            }
            String accept = null;
            String upgrade = null;
            String connection = null;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = lines[i].substring(colon + 1).trim();
                switch (name) {
                    case "sec-websocket-accept" -> accept = value;
                    case "upgrade" -> upgrade = value;
                    case "connection" -> connection = value;
                    default -> {
                    }
                }
            }
            if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
                throw new ProtocolException("101 without Upgrade: websocket");
            }
            if (connection == null || !connection.toLowerCase(Locale.ROOT).contains("upgrade")) {
                throw new ProtocolException("101 without Connection: Upgrade");
            }
            if (!expectedAccept.equals(accept)) {
                throw new ProtocolException("wrong Sec-WebSocket-Accept");
            }
            return end + END_OF_HEADERS.length - offset;
        }
    }

    /** A violation of the protocol by the gateway, or a refused handshake. */
    static final class ProtocolException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super(message, null, false, false);
        }
    }

    /** Frame codec: client frames are masked (section 5.3), server frames must not be. */
    static final class Frames {
        static final int CONTINUATION = 0;
        static final int TEXT = 1;
        static final int BINARY = 2;
        static final int CLOSE = 8;
        static final int PING = 9;
        static final int PONG = 10;
        static final int MAX_FRAME = 16 * 1024 * 1024;

        private Frames() {
        }

        /** Receives the frames {@link #parse} finds; returns false to stop parsing (the connection closed). */
        interface Handler {
            boolean frame(int opcode, boolean fin, byte[] bytes, int offset, int length);
        }

        /**
         * Hands every complete frame in {@code bytes[offset, offset+length)} to the handler;
         * returns the bytes taken (the rest is an incomplete frame).
         *
         * @throws ProtocolException on a masked server frame, reserved bits, or a frame over 16 MiB
         */
        static int parse(byte[] bytes, int offset, int length, Handler handler) {
            int position = offset;
            int end = offset + length;
            while (end - position >= 2) {
                int first = bytes[position] & 0xFF;
                int second = bytes[position + 1] & 0xFF;
                if ((first & 0x70) != 0) {
                    throw new ProtocolException("reserved bits set in a server frame");
                }
                if ((second & 0x80) != 0) {
                    throw new ProtocolException("masked server frame");
                }
                long payloadLength = second & 0x7F;
                int header = 2;
                if (payloadLength == 126) {
                    if (end - position < 4) {
                        break;
                    }
                    payloadLength = ((bytes[position + 2] & 0xFF) << 8) | (bytes[position + 3] & 0xFF);
                    header = 4;
                }
                else if (payloadLength == 127) {
                    if (end - position < 10) {
                        break;
                    }
                    payloadLength = 0;
                    for (int i = 0; i < 8; i++) {
                        payloadLength = (payloadLength << 8) | (bytes[position + 2 + i] & 0xFF);
                    }
                    header = 10;
                }
                if (payloadLength > MAX_FRAME || payloadLength < 0) {
                    throw new ProtocolException("server frame of " + payloadLength + " bytes");
                }
                if (end - position < header + payloadLength) {
                    break;
                }
                boolean more = handler.frame(first & 0x0F, (first & 0x80) != 0, bytes, position + header, (int) payloadLength);
                position += header + (int) payloadLength;
                if (!more) {
                    break;
                }
            }
            return position - offset;
        }

        /** A final, masked client frame. */
        static ByteBuffer clientFrame(int opcode, byte[] payload, int offset, int length, SplittableRandom random) {
            int header = length < 126 ? 2 : length < 65536 ? 4 : 10;
            ByteBuffer frame = ByteBuffer.allocate(header + 4 + length);
            frame.put((byte) (0x80 | opcode));
            if (length < 126) {
                frame.put((byte) (0x80 | length));
            }
            else if (length < 65536) {
                frame.put((byte) (0x80 | 126)).putShort((short) length);
            }
            else {
                frame.put((byte) (0x80 | 127)).putLong(length);
            }
            int mask = random.nextInt();
            frame.putInt(mask);
            byte[] maskBytes = {(byte) (mask >>> 24), (byte) (mask >>> 16), (byte) (mask >>> 8), (byte) mask};
            for (int i = 0; i < length; i++) {
                frame.put((byte) (payload[offset + i] ^ maskBytes[i & 3]));
            }
            return frame.flip();
        }

        static ByteBuffer closeFrame(int code, SplittableRandom random) {
            byte[] payload = {(byte) (code >>> 8), (byte) code};
            return clientFrame(CLOSE, payload, 0, 2, random);
        }

        static int closeCode(byte[] bytes, int offset, int length) {
            return length >= 2 ? ((bytes[offset] & 0xFF) << 8) | (bytes[offset + 1] & 0xFF) : 1005;
        }
    }

    static int indexOf(byte[] bytes, int from, int to, byte[] pattern) {
        outer:
        for (int i = from; i <= to - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (bytes[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static boolean startsWith(byte[] bytes, int offset, int length, byte[] prefix) {
        if (length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** The hub's server messages this tool tells apart (the hub writes {@code type} first). */
    static final class HubMessages {
        static final byte[] MESSAGE = ascii("{\"type\":\"message\"");
        static final byte[] SUBSCRIBED = ascii("{\"type\":\"subscribed\"");
        static final byte[] PUBLISHED = ascii("{\"type\":\"published\"");
        static final byte[] ERROR = ascii("{\"type\":\"error\"");
        /** Where this tool's payload starts inside a {@code message}. */
        static final byte[] DATA = ascii("\"data\":{\"w\":");

        private HubMessages() {
        }

        static byte[] subscribe(String channel, int id) {
            return ascii("{\"type\":\"subscribe\",\"channel\":\"" + channel + "\",\"id\":" + id + "}");
        }

        /** The {@code code} of an error reply, for the report. */
        static String errorCode(byte[] bytes, int offset, int length) {
            String text = new String(bytes, offset, Math.min(length, 300), StandardCharsets.UTF_8);
            int code = text.indexOf("\"code\":\"");
            if (code < 0) {
                return "error reply";
            }
            int end = text.indexOf('"', code + 8);
            return "error reply " + (end < 0 ? text.substring(code + 8) : text.substring(code + 8, end));
        }

        private static byte[] ascii(String text) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
    }

    // ------------------------------------------------------------------------------------------
    // The receiving connections.

    /**
     * A selector thread and the connections it owns. Every field is confined to the thread; the
     * main thread asks for snapshots and closing through {@link #tasks}.
     */
    static final class Worker implements Runnable {
        private static final int CONNECTING = 0;
        private static final int HANDSHAKING = 1;
        private static final int SUBSCRIBING = 2;
        private static final int OPEN = 3;
        private static final int CLOSING = 4;
        private static final int CLOSED = 5;

        private final int index;
        private final Options options;
        private final InetSocketAddress target;
        private final int[] planned;
        private final Connection[] connections;
        private final Selector selector;
        private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
        private final SplittableRandom random;
        private final MessageDigest sha1;
        private final Histogram latency = new Histogram();
        private final Map<String, Long> problems = new TreeMap<>();
        private final ArrayDeque<Connection> inProgress = new ArrayDeque<>();
        private final double rampPerNanosecond;
        private final int maxPending;
        private final Thread thread;
        private byte[] buffer = new byte[64 * 1024];
        private ByteBuffer bufferView = ByteBuffer.wrap(buffer);
        private volatile boolean stopped;
        private long rampStart;
        private int opened;
        private int pending;
        private long sockets;
        private long open;
        private long subscribed;
        private long failed;
        private long delivered;
        private long warmupDelivered;
        private long lastDeliveryMicros;
        private long lastArrivalMicros;
        private long closedByGateway;
        private boolean closingAll;
        private long nowMicros;
        private long lastTimeoutCheck;

        Worker(int index, Options options, InetSocketAddress target, int[] planned) throws IOException {
            this.index = index;
            this.options = options;
            this.target = target;
            this.planned = planned;
            this.connections = new Connection[planned.length];
            this.selector = Selector.open();
            this.random = new SplittableRandom(System.nanoTime() ^ ((long) index << 32));
            try {
                this.sha1 = MessageDigest.getInstance("SHA-1");
            }
            catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no SHA-1", e);
            }
            this.rampPerNanosecond = options.ramp() / 1e9 / options.threads();
            this.maxPending = Math.max(1, options.maxPending() / options.threads());
            this.thread = new Thread(this, "websocket-load-" + index);
        }

        void start() {
            thread.start();
        }

        void stop() {
            stopped = true;
            selector.wakeup();
        }

        /** Counts (and, when asked, a copy of the latency histogram), taken on the worker's thread. */
        record Snapshot(long sockets, long open, long subscribed, long failed, long delivered, long warmupDelivered,
                long lastDeliveryMicros, long lastArrivalMicros, long closedByGateway, Map<String, Long> problems, Histogram histogram) {
        }

        CompletableFuture<Snapshot> snapshot(boolean withHistogram) {
            return call(() -> new Snapshot(sockets, open, subscribed, failed, delivered, warmupDelivered, lastDeliveryMicros,
                    lastArrivalMicros, closedByGateway, Map.copyOf(problems), withHistogram ? latency.copy() : null));
        }

        /** Subscribed connections per channel, now. */
        CompletableFuture<int[]> subscribersPerChannel() {
            return call(() -> {
                int[] counts = new int[options.channels()];
                for (Connection connection : connections) {
                    if (connection != null && connection.state == OPEN) {
                        counts[connection.channel]++;
                    }
                }
                return counts;
            });
        }

        /** Sends a close frame on every open connection; each closes when the gateway has answered. */
        void closeAll() {
            tasks.add(() -> {
                closingAll = true;
                for (Connection connection : connections) {
                    if (connection != null && connection.state < CLOSING) {
                        if (connection.state == OPEN) {
                            connection.state = CLOSING;
                            send(connection, Frames.closeFrame(1000, random));
                        }
                        else {
                            fail(connection, "still connecting when the run ended");
                        }
                    }
                }
            });
            selector.wakeup();
        }

        private <T> CompletableFuture<T> call(java.util.function.Supplier<T> action) {
            CompletableFuture<T> result = new CompletableFuture<>();
            tasks.add(() -> result.complete(action.get()));
            selector.wakeup();
            return result;
        }

        @Override
        public void run() {
            rampStart = System.nanoTime();
            try {
                while (!stopped) {
                    Runnable task;
                    while ((task = tasks.poll()) != null) {
                        task.run();
                    }
                    rampUp();
                    selector.select(this::onReady, opened < planned.length ? 2 : 100);
                    checkTimeouts();
                }
                for (Connection connection : connections) {
                    if (connection != null && connection.socket != null) {
                        closeQuietly(connection.socket);
                    }
                }
                selector.close();
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void rampUp() {
            if (opened >= planned.length) {
                return;
            }
            long allowed = Math.min(planned.length, (long) ((System.nanoTime() - rampStart) * rampPerNanosecond) + 1);
            while (opened < allowed && pending < maxPending) {
                int slot = opened++;
                int global = planned[slot];
                Connection connection = new Connection(this, global % options.channels());
                connections[slot] = connection;
                open(connection, options.sources().get(global % options.sources().size()), global);
            }
        }

        private void open(Connection connection, InetAddress source, int global) {
            pending++;
            sockets++;
            connection.id = global;
            connection.startedNanos = System.nanoTime();
            inProgress.add(connection);
            try {
                SocketChannel socket = SocketChannel.open();
                connection.socket = socket;
                socket.configureBlocking(false);
                // No SO_REUSEADDR: with it, Linux's bind(port 0) searches only the lower half of the
                // ephemeral range and slows to a crawl once ≈ 7 000 of its ports are taken. Ports are
                // not left in TIME_WAIT here: the gateway closes first (it answers our close frame).
                socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
                socket.bind(new InetSocketAddress(source, 0));
                if (socket.connect(target)) {
                    connection.key = socket.register(selector, SelectionKey.OP_READ, connection);
                    onConnected(connection);
                }
                else {
                    connection.key = socket.register(selector, SelectionKey.OP_CONNECT, connection);
                }
            }
            catch (IOException e) {
                fail(connection, "connect: " + describe(e));
            }
        }

        private void onReady(SelectionKey key) {
            Connection connection = (Connection) key.attachment();
            if (!key.isValid()) {
                return;
            }
            try {
                if (key.isConnectable()) {
                    connection.socket.finishConnect();
                    key.interestOps(SelectionKey.OP_READ);
                    onConnected(connection);
                    return;
                }
                if (key.isWritable()) {
                    flush(connection);
                }
                if (key.isValid() && key.isReadable()) {
                    onReadable(connection);
                }
            }
            catch (IOException e) {
                fail(connection, (connection.state == CONNECTING ? "connect: " : "I/O: ") + describe(e));
            }
        }

        private void onConnected(Connection connection) {
            connection.state = HANDSHAKING;
            connection.handshakeKey = Handshake.newKey(random);
            send(connection, Handshake.request(options, connection.handshakeKey));
        }

        private void onReadable(Connection connection) throws IOException {
            bufferView.clear();
            if (connection.pending != null) {
                if (connection.pending.length * 2 > buffer.length) {
                    buffer = new byte[Math.max(buffer.length * 2, connection.pending.length * 2)];
                    bufferView = ByteBuffer.wrap(buffer);
                }
                bufferView.put(connection.pending);
                connection.pending = null;
            }
            int read = connection.socket.read(bufferView);
            if (read < 0) {
                onEndOfStream(connection);
                return;
            }
            nowMicros = MicroClock.now();
            int length = bufferView.position();
            int taken = 0;
            try {
                if (connection.state == HANDSHAKING) {
                    String expected = Handshake.expectedAccept(connection.handshakeKey, sha1);
                    taken = Handshake.check(buffer, 0, length, expected);
                    if (taken == 0) {
                        connection.pending = Arrays.copyOf(buffer, length);
                        return;
                    }
                    connection.handshakeKey = null;
                    connection.state = SUBSCRIBING;
                    byte[] subscribe = HubMessages.subscribe(options.channelName(connection.channel), connection.id);
                    send(connection, Frames.clientFrame(Frames.TEXT, subscribe, 0, subscribe.length, random));
                }
                taken += Frames.parse(buffer, taken, length - taken, connection);
            }
            catch (ProtocolException e) {
                fail(connection, e.getMessage());
                return;
            }
            if (connection.state != CLOSED && taken < length) {
                connection.pending = Arrays.copyOfRange(buffer, taken, length);
            }
        }

        /** A frame of a connection (the handshake is done). */
        boolean onFrame(Connection connection, int opcode, boolean fin, byte[] bytes, int offset, int length) {
            switch (opcode) {
                case Frames.TEXT, Frames.BINARY -> {
                    if (!fin) {
                        connection.fragments = new java.io.ByteArrayOutputStream();
                        connection.fragments.write(bytes, offset, length);
                        connection.fragmentOpcode = opcode;
                        return true;
                    }
                    onMessage(connection, opcode, bytes, offset, length);
                }
                case Frames.CONTINUATION -> {
                    if (connection.fragments == null) {
                        throw new ProtocolException("continuation frame without a message");
                    }
                    connection.fragments.write(bytes, offset, length);
                    if (fin) {
                        byte[] message = connection.fragments.toByteArray();
                        connection.fragments = null;
                        onMessage(connection, connection.fragmentOpcode, message, 0, message.length);
                    }
                }
                case Frames.PING -> send(connection, Frames.clientFrame(Frames.PONG, bytes, offset, length, random));
                case Frames.PONG -> {
                }
                case Frames.CLOSE -> {
                    int code = Frames.closeCode(bytes, offset, length);
                    if (connection.state < OPEN) {
                        fail(connection, "closed by the gateway with " + code + " before subscribed");
                        return false;
                    }
                    if (connection.state != CLOSING) {
                        closedByGateway++;
                        problem("closed by the gateway with " + code);
                        open--;
                        connection.state = CLOSING;
                        send(connection, Frames.closeFrame(code == 1005 ? 1000 : code, random));
                    }
                    connection.closeReceived = true;
                    return false;
                }
                default -> throw new ProtocolException("unknown opcode " + opcode);
            }
            return connection.state != CLOSED;
        }

        private void onMessage(Connection connection, int opcode, byte[] bytes, int offset, int length) {
            if (opcode == Frames.TEXT && startsWith(bytes, offset, length, HubMessages.MESSAGE)) {
                int data = indexOf(bytes, offset + HubMessages.MESSAGE.length, offset + length, HubMessages.DATA);
                if (data < 0) {
                    problem("message without this tool's payload");
                    return;
                }
                int position = data + HubMessages.DATA.length;
                boolean warmup = bytes[position] == '1';
                // {"w":0,"t":<micros>,…}: the timestamp starts 5 bytes after the flag.
                position += 6;
                long sent = 0;
                while (position < offset + length && bytes[position] >= '0' && bytes[position] <= '9') {
                    sent = sent * 10 + (bytes[position++] - '0');
                }
                lastArrivalMicros = nowMicros;
                if (warmup) {
                    warmupDelivered++;
                }
                else {
                    delivered++;
                    latency.record(nowMicros - sent);
                    lastDeliveryMicros = nowMicros;
                }
            }
            else if (opcode == Frames.TEXT && startsWith(bytes, offset, length, HubMessages.SUBSCRIBED)) {
                if (connection.state == SUBSCRIBING) {
                    connection.state = OPEN;
                    pending--;
                    open++;
                    subscribed++;
                }
            }
            else if (opcode == Frames.TEXT && startsWith(bytes, offset, length, HubMessages.ERROR)) {
                problem(HubMessages.errorCode(bytes, offset, length));
            }
        }

        private void onEndOfStream(Connection connection) {
            if (connection.state == CLOSING && connection.closeReceived) {
                closeSocket(connection);
                return;
            }
            fail(connection, "connection closed without a close handshake");
        }

        private void send(Connection connection, ByteBuffer frame) {
            if (connection.outgoing != null) {
                ByteBuffer merged = ByteBuffer.allocate(connection.outgoing.remaining() + frame.remaining());
                connection.outgoing = merged.put(connection.outgoing).put(frame).flip();
                return;
            }
            try {
                connection.socket.write(frame);
            }
            catch (IOException e) {
                fail(connection, "write: " + describe(e));
                return;
            }
            if (frame.hasRemaining()) {
                connection.outgoing = frame;
                connection.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
        }

        private void flush(Connection connection) throws IOException {
            if (connection.outgoing == null) {
                connection.key.interestOps(SelectionKey.OP_READ);
                return;
            }
            connection.socket.write(connection.outgoing);
            if (!connection.outgoing.hasRemaining()) {
                connection.outgoing = null;
                connection.key.interestOps(SelectionKey.OP_READ);
            }
        }

        private void checkTimeouts() {
            long now = System.nanoTime();
            if (now - lastTimeoutCheck < 500_000_000L) {
                return;
            }
            lastTimeoutCheck = now;
            long limit = options.connectTimeoutSeconds() * 1_000_000_000L;
            while (!inProgress.isEmpty()) {
                Connection head = inProgress.peek();
                if (head.state >= OPEN) {
                    inProgress.poll();
                }
                else if (now - head.startedNanos > limit) {
                    inProgress.poll();
                    fail(head, "not subscribed within " + options.connectTimeoutSeconds() + " s (state " + head.state + ")");
                }
                else {
                    break;
                }
            }
        }

        /** Fails a connection: counted as failed before it subscribed, as an error after. */
        private void fail(Connection connection, String reason) {
            if (connection.state == CLOSED) {
                return;
            }
            if (connection.state < OPEN) {
                pending--;
                failed++;
            }
            else if (connection.state == OPEN) {
                open--;
            }
            if (!(closingAll && connection.state == CLOSING)) {
                problem(reason);
            }
            closeSocket(connection);
        }

        /** Closes the socket; the caller did the counting. */
        private void closeSocket(Connection connection) {
            if (connection.state == CLOSED) {
                return;
            }
            sockets--;
            connection.state = CLOSED;
            connection.pending = null;
            connection.outgoing = null;
            if (connection.key != null) {
                connection.key.cancel();
            }
            if (connection.socket != null) {
                closeQuietly(connection.socket);
            }
        }

        private void problem(String reason) {
            problems.merge(reason, 1L, Long::sum);
        }
    }

    /** One receiving connection; all its state belongs to its worker's thread. */
    static final class Connection implements Frames.Handler {
        final Worker worker;
        final int channel;
        int id;
        int state;
        SocketChannel socket;
        SelectionKey key;
        String handshakeKey;
        long startedNanos;
        byte[] pending;
        ByteBuffer outgoing;
        java.io.ByteArrayOutputStream fragments;
        int fragmentOpcode;
        boolean closeReceived;

        Connection(Worker worker, int channel) {
            this.worker = worker;
            this.channel = channel;
        }

        @Override
        public boolean frame(int opcode, boolean fin, byte[] bytes, int offset, int length) {
            return worker.onFrame(this, opcode, fin, bytes, offset, length);
        }
    }

    static String describe(Throwable failure) {
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : " " + message);
    }

    static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        }
        catch (Exception ignored) {
            // Closing at the end of a run: nothing left to do about it.
        }
    }

    // ------------------------------------------------------------------------------------------
    // Publishing.

    /** Where the events come from: a hub connection or Redis. */
    interface Publisher extends AutoCloseable {
        String mode();

        /** Queues one publication; {@link #flush} sends what is queued. */
        void publish(int channel, byte[] payload, int length) throws IOException;

        void flush() throws IOException;

        /** Waits until {@code count} publications (warm-up included) were acknowledged, or the time is up; returns how many were. */
        long awaitAcknowledgements(long count, long timeoutMillis) throws InterruptedException;

        /** Problems seen (error replies, I/O failures), by kind. */
        Map<String, Long> problems();

        @Override
        void close();
    }

    /** What was published in the measured period. */
    record PublishSummary(String mode, long count, long warmupCount, long warmupStartMicros, long startMicros, long endMicros,
            long acknowledged, long errors, Map<String, Long> problems) {

        static PublishSummary none() {
            return new PublishSummary("none", 0, 0, 0, 0, 0, 0, 0, Map.of());
        }

        /** Measured publications to {@code channel}: they went round robin from channel 0. */
        long perChannel(int channel, int channels) {
            return count / channels + (channel < count % channels ? 1 : 0);
        }

        String encode() {
            StringBuilder text = new StringBuilder()
                    .append("mode=").append(mode).append('\n')
                    .append("count=").append(count).append('\n')
                    .append("warmup=").append(warmupCount).append('\n')
                    .append("warmup-start=").append(warmupStartMicros).append('\n')
                    .append("start=").append(startMicros).append('\n')
                    .append("end=").append(endMicros).append('\n')
                    .append("acknowledged=").append(acknowledged).append('\n')
                    .append("errors=").append(errors).append('\n');
            problems.forEach((problem, number) -> text.append("problem=").append(number).append(' ')
                    .append(problem.replace('\n', ' ')).append('\n'));
            return text.toString();
        }

        static PublishSummary decode(String text) {
            Map<String, String> values = new LinkedHashMap<>();
            Map<String, Long> problems = new TreeMap<>();
            for (String line : text.split("\n")) {
                int equals = line.indexOf('=');
                if (equals < 0) {
                    continue;
                }
                String key = line.substring(0, equals);
                String value = line.substring(equals + 1);
                if (key.equals("problem")) {
                    int space = value.indexOf(' ');
                    problems.merge(value.substring(space + 1), Long.parseLong(value.substring(0, space)), Long::sum);
                }
                else {
                    values.put(key, value);
                }
            }
            return new PublishSummary(values.get("mode"), Long.parseLong(values.get("count")),
                    Long.parseLong(values.get("warmup")), Long.parseLong(values.get("warmup-start")),
                    Long.parseLong(values.get("start")),
                    Long.parseLong(values.get("end")), Long.parseLong(values.get("acknowledged")),
                    Long.parseLong(values.get("errors")), problems);
        }
    }

    /**
     * Publishes at the rate, spread evenly: publication n is due at start + n/rate; whatever is
     * due is sent together, then the thread parks until the next one. Each payload carries the
     * time it was built, so a publisher that falls behind does not hide the delay it causes
     * downstream, and the report shows the rate it achieved.
     */
    static final class PublishLoop {
        private final Options options;
        private final Publisher publisher;
        private final byte[] payload;
        private long warmupCount;
        private long warmupStartMicros;

        PublishLoop(Options options, Publisher publisher) {
            this.options = options;
            this.publisher = publisher;
            this.payload = new byte[Math.max(options.payloadBytes(), 64) + 64];
        }

        PublishSummary run(double seconds, boolean warmup) throws IOException, InterruptedException {
            long total = Math.round(options.rate() * seconds);
            long start = System.nanoTime();
            long startMicros = MicroClock.now();
            if (warmup && warmupCount == 0) {
                warmupStartMicros = startMicros;
            }
            double nanosPerMessage = 1e9 / options.rate();
            long sent = 0;
            while (sent < total) {
                long now = System.nanoTime();
                long due = Math.min(total, (long) ((now - start) / nanosPerMessage) + 1);
                if (sent < due) {
                    while (sent < due) {
                        int length = payload(warmup, sent);
                        publisher.publish((int) (sent % options.channels()), payload, length);
                        sent++;
                    }
                    publisher.flush();
                }
                else {
                    LockSupport.parkNanos(start + (long) (sent * nanosPerMessage) - now);
                }
            }
            long endMicros = MicroClock.now();
            if (warmup) {
                warmupCount += total;
                return null;
            }
            long acknowledged = publisher.awaitAcknowledgements(warmupCount + total, 10_000) - warmupCount;
            Map<String, Long> problems = publisher.problems();
            long errors = problems.values().stream().mapToLong(Long::longValue).sum();
            return new PublishSummary(publisher.mode(), total, warmupCount, warmupCount > 0 ? warmupStartMicros : startMicros,
                    startMicros, endMicros, acknowledged, errors, problems);
        }

        /** {"w":0|1,"t":<micros>,"n":<sequence>[,"p":"xxx…"]} into the payload array; returns its length. */
        private int payload(boolean warmup, long sequence) {
            String head = "{\"w\":" + (warmup ? 1 : 0) + ",\"t\":" + MicroClock.now() + ",\"n\":" + sequence;
            int length = 0;
            for (int i = 0; i < head.length(); i++) {
                payload[length++] = (byte) head.charAt(i);
            }
            int padding = options.payloadBytes() - length - 1 - 7;
            if (padding > 0) {
                for (byte b : ",\"p\":\"".getBytes(StandardCharsets.US_ASCII)) {
                    payload[length++] = b;
                }
                for (int i = 0; i < padding; i++) {
                    payload[length++] = 'x';
                }
                payload[length++] = '"';
            }
            payload[length++] = '}';
            return length;
        }
    }

    /**
     * Publishes with the hub's {@code publish} message on a WebSocket connection of its own
     * (blocking I/O: this thread writes, a reader thread counts {@code published} replies and
     * answers pings).
     */
    static final class HubPublisher implements Publisher {
        private final SocketChannel socket;
        private final byte[][] channelPrefixes;
        private final SplittableRandom random = new SplittableRandom();
        private final Object writeLock = new Object();
        private final AtomicLong acknowledged = new AtomicLong();
        private final Map<String, Long> problems = new java.util.concurrent.ConcurrentHashMap<>();
        private final List<ByteBuffer> queued = new ArrayList<>();
        private final Thread reader;
        private volatile boolean closing;

        private HubPublisher(SocketChannel socket, Options options, byte[] leftover) {
            this.socket = socket;
            this.channelPrefixes = new byte[options.channels()][];
            for (int channel = 0; channel < options.channels(); channel++) {
                channelPrefixes[channel] = ("{\"type\":\"publish\",\"channel\":\"" + options.channelName(channel) + "\",\"data\":")
                        .getBytes(StandardCharsets.UTF_8);
            }
            this.reader = new Thread(() -> read(leftover), "websocket-load-publisher-reader");
            this.reader.setDaemon(true);
            this.reader.start();
        }

        static HubPublisher open(Options options, InetSocketAddress target) throws IOException {
            SocketChannel socket = SocketChannel.open();
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            socket.bind(new InetSocketAddress(options.sources().get(0), 0));
            socket.connect(target);
            String key = Handshake.newKey(new SplittableRandom());
            ByteBuffer request = Handshake.request(options, key);
            while (request.hasRemaining()) {
                socket.write(request);
            }
            MessageDigest sha1;
            try {
                sha1 = MessageDigest.getInstance("SHA-1");
            }
            catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no SHA-1", e);
            }
            String expected = Handshake.expectedAccept(key, sha1);
            ByteBuffer response = ByteBuffer.allocate(32 * 1024);
            while (true) {
                if (socket.read(response) < 0) {
                    throw new IOException("the gateway closed the publisher's connection during the handshake");
                }
                int taken = Handshake.check(response.array(), 0, response.position(), expected);
                if (taken > 0) {
                    return new HubPublisher(socket, options, Arrays.copyOfRange(response.array(), taken, response.position()));
                }
            }
        }

        @Override
        public String mode() {
            return "hub";
        }

        @Override
        public void publish(int channel, byte[] payload, int length) {
            byte[] prefix = channelPrefixes[channel];
            byte[] message = new byte[prefix.length + length + 1];
            System.arraycopy(prefix, 0, message, 0, prefix.length);
            System.arraycopy(payload, 0, message, prefix.length, length);
            message[message.length - 1] = '}';
            queued.add(Frames.clientFrame(Frames.TEXT, message, 0, message.length, random));
        }

        @Override
        public void flush() throws IOException {
            synchronized (writeLock) {
                ByteBuffer[] frames = queued.toArray(ByteBuffer[]::new);
                queued.clear();
                long remaining = 0;
                for (ByteBuffer frame : frames) {
                    remaining += frame.remaining();
                }
                while (remaining > 0) {
                    remaining -= socket.write(frames);
                }
            }
        }

        @Override
        public long awaitAcknowledgements(long count, long timeoutMillis) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (acknowledged.get() < count && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return acknowledged.get();
        }

        @Override
        public Map<String, Long> problems() {
            return Map.copyOf(problems);
        }

        private void read(byte[] leftover) {
            byte[] buffer = new byte[256 * 1024];
            System.arraycopy(leftover, 0, buffer, 0, leftover.length);
            int length = leftover.length;
            Frames.Handler handler = (opcode, fin, bytes, offset, frameLength) -> {
                if (opcode == Frames.TEXT && startsWith(bytes, offset, frameLength, HubMessages.PUBLISHED)) {
                    acknowledged.incrementAndGet();
                }
                else if (opcode == Frames.TEXT && startsWith(bytes, offset, frameLength, HubMessages.ERROR)) {
                    problems.merge(HubMessages.errorCode(bytes, offset, frameLength), 1L, Long::sum);
                }
                else if (opcode == Frames.PING) {
                    ByteBuffer pong = Frames.clientFrame(Frames.PONG, bytes, offset, frameLength, new SplittableRandom());
                    try {
                        synchronized (writeLock) {
                            while (pong.hasRemaining()) {
                                socket.write(pong);
                            }
                        }
                    }
                    catch (IOException e) {
                        problems.merge("pong: " + describe(e), 1L, Long::sum);
                    }
                }
                else if (opcode == Frames.CLOSE) {
                    if (!closing) {
                        problems.merge("publisher closed by the gateway with " + Frames.closeCode(bytes, offset, frameLength), 1L, Long::sum);
                    }
                    return false;
                }
                return true;
            };
            try {
                while (true) {
                    int taken = Frames.parse(buffer, 0, length, handler);
                    System.arraycopy(buffer, taken, buffer, 0, length - taken);
                    length -= taken;
                    if (length == buffer.length) {
                        buffer = Arrays.copyOf(buffer, buffer.length * 2);
                    }
                    int read = socket.read(ByteBuffer.wrap(buffer, length, buffer.length - length));
                    if (read < 0) {
                        return;
                    }
                    length += read;
                }
            }
            catch (IOException | ProtocolException e) {
                if (!closing) {
                    problems.merge("publisher connection: " + describe(e), 1L, Long::sum);
                }
            }
        }

        @Override
        public void close() {
            closing = true;
            try {
                synchronized (writeLock) {
                    ByteBuffer close = Frames.closeFrame(1000, random);
                    while (close.hasRemaining()) {
                        socket.write(close);
                    }
                }
                reader.join(2000);
            }
            catch (IOException e) {
                // The gateway may have gone already; the socket is closed below.
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            closeQuietly(socket);
        }
    }

    /**
     * Publishes with Redis {@code PUBLISH} over a raw RESP connection, pipelined: this thread
     * writes, a reader thread counts the integer replies (the number of Redis subscribers that
     * received each message; 0 means the gateway was not subscribed) and error replies.
     */
    static final class RedisPublisher implements Publisher {
        private final SocketChannel socket;
        private final byte[][] commandPrefixes;
        private final ByteBuffer output = ByteBuffer.allocate(1024 * 1024);
        private final AtomicLong acknowledged = new AtomicLong();
        private final Map<String, Long> problems = new java.util.concurrent.ConcurrentHashMap<>();
        private final Thread reader;
        private volatile boolean closing;

        private RedisPublisher(SocketChannel socket, Options options) {
            this.socket = socket;
            this.commandPrefixes = new byte[options.channels()][];
            for (int channel = 0; channel < options.channels(); channel++) {
                byte[] name = (options.redisPrefix() + options.channelName(channel)).getBytes(StandardCharsets.UTF_8);
                commandPrefixes[channel] = ("*3\r\n$7\r\nPUBLISH\r\n$" + name.length + "\r\n"
                        + new String(name, StandardCharsets.ISO_8859_1) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            }
            this.reader = new Thread(this::read, "websocket-load-redis-reader");
            this.reader.setDaemon(true);
            this.reader.start();
        }

        static RedisPublisher open(Options options) throws IOException {
            SocketChannel socket = SocketChannel.open();
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            socket.connect(options.redis());
            return new RedisPublisher(socket, options);
        }

        @Override
        public String mode() {
            return "redis";
        }

        @Override
        public void publish(int channel, byte[] payload, int length) throws IOException {
            byte[] prefix = commandPrefixes[channel];
            byte[] size = ("$" + length + "\r\n").getBytes(StandardCharsets.US_ASCII);
            if (output.remaining() < prefix.length + size.length + length + 2) {
                flush();
            }
            output.put(prefix).put(size).put(payload, 0, length).put((byte) '\r').put((byte) '\n');
        }

        @Override
        public void flush() throws IOException {
            output.flip();
            while (output.hasRemaining()) {
                socket.write(output);
            }
            output.clear();
        }

        @Override
        public long awaitAcknowledgements(long count, long timeoutMillis) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (acknowledged.get() < count && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return acknowledged.get();
        }

        @Override
        public Map<String, Long> problems() {
            return Map.copyOf(problems);
        }

        /** Integer replies (:n) are acknowledgements; errors (-…) are counted by their text. */
        private void read() {
            ByteBuffer input = ByteBuffer.allocate(64 * 1024);
            int type = 0;
            long number = 0;
            StringBuilder error = new StringBuilder();
            try {
                while (socket.read(input.clear()) >= 0) {
                    input.flip();
                    while (input.hasRemaining()) {
                        byte b = input.get();
                        if (type == 0) {
                            type = b;
                            number = 0;
                            error.setLength(0);
                        }
                        else if (b == '\n') {
                            if (type == ':') {
                                acknowledged.incrementAndGet();
                                if (number == 0) {
                                    problems.merge("PUBLISH reached no Redis subscriber (the gateway was not subscribed)", 1L, Long::sum);
                                }
                            }
                            else if (type == '-') {
                                problems.merge("Redis: " + error.toString().trim(), 1L, Long::sum);
                            }
                            else {
                                problems.merge("unexpected Redis reply type " + (char) type, 1L, Long::sum);
                            }
                            type = 0;
                        }
                        else if (type == ':' && b >= '0' && b <= '9') {
                            number = number * 10 + (b - '0');
                        }
                        else if (type == '-' && error.length() < 200) {
                            error.append((char) b);
                        }
                    }
                }
            }
            catch (IOException e) {
                if (!closing) {
                    problems.merge("Redis connection: " + describe(e), 1L, Long::sum);
                }
            }
        }

        @Override
        public void close() {
            closing = true;
            closeQuietly(socket);
        }
    }
}
