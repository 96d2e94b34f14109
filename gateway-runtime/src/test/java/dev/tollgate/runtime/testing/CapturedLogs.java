package dev.tollgate.runtime.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Records what one class logs, for tests that check a warning (or a note) is given once; or what
 * every logger logs ({@link #everyLogger}), for tests that check nothing went wrong.
 */
public final class CapturedLogs implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    public CapturedLogs(Class<?> type) {
        this((Logger) LoggerFactory.getLogger(type));
    }

    private CapturedLogs(Logger logger) {
        this.logger = logger;
        appender.start();
        logger.addAppender(appender);
    }

    /** What every logger logs (at the levels logback-test.xml lets through). */
    public static CapturedLogs everyLogger() {
        return new CapturedLogs((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME));
    }

    /** The formatted messages of the warnings (and errors) logged so far. */
    public List<String> warnings() {
        return atLeast(Level.WARN);
    }

    /** The warnings and errors logged so far, each with its logger and its exception, if any. */
    public List<String> warningsWithOrigin() {
        synchronized (appender) {
            return appender.list.stream()
                    .filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(event -> event.getLevel() + " " + event.getLoggerName() + ": " + event.getFormattedMessage()
                            + (event.getThrowableProxy() == null ? "" : " (" + event.getThrowableProxy().getClassName() + ": "
                            + event.getThrowableProxy().getMessage() + ")"))
                    .toList();
        }
    }

    /** Forgets what was recorded so far. */
    public void clear() {
        synchronized (appender) {
            appender.list.clear();
        }
    }

    /** The formatted messages logged so far at INFO and above. */
    public List<String> infos() {
        return atLeast(Level.INFO);
    }

    private List<String> atLeast(Level level) {
        synchronized (appender) {
            return appender.list.stream()
                    .filter(event -> event.getLevel().isGreaterOrEqual(level))
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
