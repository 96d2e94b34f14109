package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.EventListener;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A listener that stalls on the first event it gets until the test {@linkplain #release releases}
 * it (at most a minute, so a failing test cannot hang), and keeps what it receives: a consumer
 * that falls behind, holding its delivery lane.
 */
final class StallingListener implements EventListener, AutoCloseable {
    private static final Duration LONGEST_STALL = Duration.ofMinutes(1);

    private final List<String> texts = new CopyOnWriteArrayList<>();
    private final CountDownLatch stalled = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void onEvent(Event event) {
        texts.add(event.payloadAsText());
        if (stalled.getCount() > 0) {
            stalled.countDown();
            try {
                release.await(LONGEST_STALL.toSeconds(), TimeUnit.SECONDS);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits until the listener holds its lane. */
    void awaitStalled() {
        await("the listener stalls").atMost(Duration.ofSeconds(30)).until(() -> stalled.getCount() == 0);
    }

    void release() {
        release.countDown();
    }

    /** Waits until this many events arrived; returns them. */
    List<String> awaitCount(int count) {
        await(count + " event(s)").atMost(Duration.ofSeconds(30)).until(() -> texts.size() >= count);
        return List.copyOf(texts);
    }

    List<String> texts() {
        return List.copyOf(texts);
    }

    @Override
    public void close() {
        release();
    }
}
