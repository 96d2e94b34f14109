package dev.tollgate.runtime;

import dev.tollgate.api.ApiVersion;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.runtime.config.GatewayConfig;
import dev.tollgate.runtime.plugin.LoadedPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bin/gateway}: the command line.
 *
 * <pre>
 * gateway [run] [--config FILE]     run until SIGTERM/SIGINT (graceful stop); SIGHUP reloads
 * gateway check [--config FILE]     validate configuration and plugins, then exit
 * gateway plugins [--config FILE]   list plugins with id, version, API version and status
 * gateway reload [--config FILE]    make the running gateway apply the configuration again
 * gateway hash-key &lt; KEY-FILE      print the SHA-256 of the API key on standard input
 * </pre>
 * Relative paths resolve against the gateway home: {@code -Dgateway.home} (set by
 * {@code bin/gateway}) or the working directory. Exit codes: 0 success, 1 invalid configuration
 * or failed start, 2 bad usage (for {@code hash-key}: no usable key on standard input).
 */
public final class Main {
    private static final String USAGE = """
            usage: gateway [run|check|plugins|reload] [--config FILE]
                   gateway hash-key < KEY-FILE
              run       start the gateway (default); stops gracefully on SIGTERM, reloads on SIGHUP
              check     validate the configuration and plugins, then exit
              plugins   list the plugins found, with versions and status
              reload    make the running gateway (found by <data>/gateway.pid) apply the
                        configuration again, and print the outcome
              hash-key  read an API key (one line) on standard input and print its SHA-256
                        in hex, for the api-key filter's keys[].sha256
              --config  configuration file (default: <home>/conf/gateway.conf)""";

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, InputStream.nullInputStream(), out, err);
    }

    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        String command = "run";
        Path configFile = null;
        List<String> rest = new ArrayList<>(List.of(args));
        if (!rest.isEmpty() && !rest.get(0).startsWith("-")) {
            command = rest.remove(0);
        }
        for (int i = 0; i < rest.size(); i++) {
            String arg = rest.get(i);
            if ((arg.equals("--config") || arg.equals("-c")) && i + 1 < rest.size()) {
                configFile = Path.of(rest.get(++i));
            }
            else if (arg.startsWith("--config=")) {
                configFile = Path.of(arg.substring("--config=".length()));
            }
            else if (arg.equals("--help") || arg.equals("-h")) {
                out.println(USAGE);
                return 0;
            }
            else {
                err.println("gateway: unknown argument '" + arg + "'\n" + USAGE);
                return 2;
            }
        }
        if (!List.of("run", "check", "plugins", "reload", "hash-key").contains(command)) {
            err.println("gateway: unknown command '" + command + "'\n" + USAGE);
            return 2;
        }
        if (command.equals("hash-key")) {
            if (configFile != null) {
                err.println("gateway: hash-key reads no configuration\n" + USAGE);
                return 2;
            }
            try {
                return HashKey.run(in, out, err);
            }
            catch (IOException e) {
                err.println("gateway hash-key: cannot read standard input: " + e);
                return 1;
            }
        }
        Path home = Path.of(System.getProperty("gateway.home", "")).toAbsolutePath().normalize();
        Path file = configFile != null ? configFile.toAbsolutePath() : home.resolve("conf").resolve("gateway.conf");
        try {
            Gateway.Builder builder = Gateway.builder().home(home).configFile(file);
            return switch (command) {
                case "run" -> runGateway(builder);
                case "check" -> check(builder, file, out);
                case "reload" -> Reload.send(builder.readConfig(), out, err);
                default -> listPlugins(builder, out);
            };
        }
        catch (InvalidConfigException e) {
            err.println("gateway: invalid configuration: " + e.getMessage());
            return 1;
        }
        catch (IllegalStateException e) {
            err.println("gateway: cannot start: " + e.getMessage());
            return 1;
        }
        catch (Exception e) {
            err.println("gateway: cannot start: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    private static int runGateway(Gateway.Builder builder) throws Exception {
        GatewayConfig config = builder.readConfig();
        Logging.configure(config.logging());
        Logger log = LoggerFactory.getLogger(Main.class);
        log.info("Tollgate {} (API {}), Java {}, home {}", version(), ApiVersion.CURRENT, Runtime.version(), config.home());
        Gateway gateway = builder.start();
        // SIGHUP's handler before the PID file that tells `bin/gateway reload` whom to signal: a
        // signal in between would meet the JVM's default action and stop the gateway.
        Signals.onHangup(gateway::reload);
        Path pidFile = Reload.writePidFile(config.dataDirectory());
        Thread hook = new Thread(() -> {
            gateway.close();
            Reload.deletePidFile(pidFile);
        }, "gateway-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long sinceStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        log.info("Ready in {} ms (since JVM start)", sinceStart);
        gateway.awaitStop();
        return 0;
    }

    private static int check(Gateway.Builder builder, Path file, PrintStream out) {
        GatewayConfig config = builder.readConfig();
        List<LoadedPlugin> plugins = builder.loadPlugins(config);
        // Validate the plugin-owned parts too: build every component, then close them, without listening.
        Gateway.validate(config, plugins);
        out.println("gateway: " + file + " is valid (" + config.routes().size() + " routes, "
                + config.services().size() + " services, " + plugins.stream().filter(LoadedPlugin::isLoaded).count() + " plugins loaded)");
        return 0;
    }

    private static int listPlugins(Gateway.Builder builder, PrintStream out) {
        GatewayConfig config = builder.readConfig();
        List<LoadedPlugin> plugins = builder.loadPlugins(config);
        out.printf("Plugins in %s (gateway API %s):%n", config.plugins().directory(), ApiVersion.CURRENT);
        if (plugins.isEmpty()) {
            out.println("  (none)");
        }
        out.printf("  %-24s %-14s %-5s %-9s %s%n", "ID", "VERSION", "API", "STATUS", "SOURCE / REASON");
        for (LoadedPlugin plugin : plugins) {
            out.printf("  %-24s %-14s %-5s %-9s %s%n",
                    plugin.id(),
                    plugin.descriptor().map(d -> d.version()).orElse("-"),
                    plugin.descriptor().map(d -> d.apiVersion().toString()).orElse("-"),
                    plugin.status().label(),
                    plugin.source() + (plugin.reason().isEmpty() ? "" : ": " + plugin.reason()));
        }
        return 0;
    }

    private static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version == null ? "development" : version;
    }
}
