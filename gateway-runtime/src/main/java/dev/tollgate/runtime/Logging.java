package dev.tollgate.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.tollgate.runtime.config.GatewayConfig;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

import java.net.URL;
import java.util.Map;

/** Applies {@code gateway.logging}: text or JSON on stdout, and levels. */
final class Logging {
    private Logging() {
    }

    static void configure(GatewayConfig.Logging logging) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return;
        }
        if (logging.format().equals("json")) {
            URL json = Logging.class.getClassLoader().getResource("logback-json.xml");
            if (json != null) {
                context.reset();
                JoranConfigurator configurator = new JoranConfigurator();
                configurator.setContext(context);
                try {
                    configurator.doConfigure(json);
                }
                catch (JoranException e) {
                    throw new IllegalStateException("cannot configure JSON logging", e);
                }
            }
        }
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(logging.level()));
        for (Map.Entry<String, String> level : logging.levels().entrySet()) {
            context.getLogger(level.getKey()).setLevel(Level.toLevel(level.getValue()));
        }
    }
}
