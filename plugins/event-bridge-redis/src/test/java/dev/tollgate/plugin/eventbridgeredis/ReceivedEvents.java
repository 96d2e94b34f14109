package dev.tollgate.plugin.eventbridgeredis;

import dev.tollgate.api.event.Event;
import dev.tollgate.api.event.EventListener;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;

/** A listener that keeps what it receives, for tests to await and inspect. */
final class ReceivedEvents implements EventListener {
    private final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(Event event) {
        events.add(event);
    }

    List<Event> events() {
        return List.copyOf(events);
    }

    List<String> texts() {
        return events.stream().map(Event::payloadAsText).toList();
    }

    /** Waits until an event with this text arrived; returns everything received so far. */
    List<String> awaitText(String text) {
        await("event '" + text + "'").atMost(Duration.ofSeconds(30)).until(() -> texts().contains(text));
        return texts();
    }

    Event awaitEvent(String text) {
        awaitText(text);
        return events.stream().filter(event -> event.payloadAsText().equals(text)).findFirst().orElseThrow();
    }
}
