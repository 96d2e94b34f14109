package dev.tollgate.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Watches the configuration file ({@code gateway.reload.watch = true}) and asks for a reload
 * when it changes: after the file has been quiet for a moment, so that an editor's several writes
 * (or a rename into place) make one reload. A watch on the file's directory, on a thread of its own.
 */
final class ConfigWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);
    private static final long QUIET_MILLIS = 300;

    private final WatchService service;
    private final Thread thread;

    private ConfigWatcher(WatchService service, Path file, Runnable onChange) {
        this.service = service;
        this.thread = new Thread(() -> run(file, onChange), "gateway-config-watch");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts watching {@code file}; returns null (and logs why) when the file system cannot be watched. */
    static ConfigWatcher start(Path file, Runnable onChange) {
        Path absolute = requireNonNull(file, "file is null").toAbsolutePath();
        try {
            WatchService service = FileSystems.getDefault().newWatchService();
            absolute.getParent().register(service, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
            LOG.info("Watching {}: a change is applied as a reload", absolute);
            return new ConfigWatcher(service, absolute, onChange);
        }
        catch (IOException | UnsupportedOperationException e) {
            LOG.warn("Cannot watch {} for changes ({}); reload with SIGHUP or bin/gateway reload", absolute, e.toString());
            return null;
        }
    }

    private void run(Path file, Runnable onChange) {
        Path name = file.getFileName();
        try {
            while (true) {
                WatchKey key = service.take();
                boolean changed = touches(key, name);
                key.reset();
                if (!changed) {
                    continue;
                }
                // Wait until the file has been quiet for a moment: one reload for a burst of writes.
                WatchKey next;
                while ((next = service.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    next.pollEvents();
                    next.reset();
                }
                LOG.info("{} changed: reloading", file);
                onChange.run();
            }
        }
        catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    private static boolean touches(WatchKey key, Path name) {
        boolean touched = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.context() instanceof Path changed && changed.equals(name)) {
                touched = true;
            }
            else if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                touched = true;
            }
        }
        return touched;
    }

    @Override
    public void close() {
        try {
            service.close();
        }
        catch (IOException e) {
            LOG.debug("Closing the configuration watch failed", e);
        }
        thread.interrupt();
    }
}
