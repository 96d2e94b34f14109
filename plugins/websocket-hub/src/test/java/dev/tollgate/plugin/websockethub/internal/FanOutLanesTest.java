package dev.tollgate.plugin.websockethub.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The lanes' queue on real threads: tasks of a lane run in order on the lane's own thread, a full
 * lane refuses instead of growing, and closing stops the threads. A task that waits on a latch
 * plays a lane that is busy writing.
 */
class FanOutLanesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void runsTheTasksOfALaneInOrderOnItsOwnThread() {
        List<String> ran = new CopyOnWriteArrayList<>();
        try (FanOutLanes lanes = new FanOutLanes(new HubSettings.FanOut(3, 512, 100_000, 1 << 20, 0), "test-order")) {
            for (int i = 0; i < 10_000; i++) {
                String name = "task " + i;
                assertThat(lanes.submit(1, task(10, () -> ran.add(Thread.currentThread().getName() + " " + name)))).isTrue();
            }
            await().atMost(WAIT).until(() -> ran.size() == 10_000);
            for (int i = 0; i < 10_000; i++) {
                assertThat(ran.get(i)).isEqualTo("test-order-1 task " + i);
            }
            assertThat(lanes.queuedMessages()).isZero();
        }
    }

    @Test
    void aLaneHoldsAtMostItsMessagesAndRefusesTasksBeyond() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> ran = new CopyOnWriteArrayList<>();
        try (FanOutLanes lanes = new FanOutLanes(new HubSettings.FanOut(2, 512, 4, 1 << 20, 0), "test-full")) {
            assertThat(lanes.submit(0, task(10, () -> {
                entered.countDown();
                awaitQuietly(release);
                ran.add("busy");
            }))).isTrue();
            await().atMost(WAIT).until(() -> entered.getCount() == 0);

            // A task for 3 subscribers and one for 1 fill a lane of 4 messages.
            assertThat(lanes.submit(0, task(3, 10, () -> ran.add("first")))).isTrue();
            assertThat(lanes.submit(0, task(1, 10, () -> ran.add("second")))).isTrue();
            assertThat(lanes.submit(0, task(1, 10, () -> ran.add("refused")))).as("a fifth message on a lane that holds four").isFalse();
            assertThat(lanes.queuedMessages()).isEqualTo(4);
            // The other lane is not held up.
            assertThat(lanes.submit(1, task(10, () -> ran.add("other lane")))).isTrue();
            await().atMost(WAIT).until(() -> ran.contains("other lane"));

            release.countDown();
            await().atMost(WAIT).until(() -> ran.size() == 4);
            assertThat(ran).containsExactly("other lane", "busy", "first", "second");
            assertThat(lanes.submit(0, task(10, () -> ran.add("room again")))).isTrue();
            await().atMost(WAIT).until(() -> ran.contains("room again"));
        }
        finally {
            release.countDown();
        }
    }

    @Test
    void aLaneHoldsAtMostItsBytesButTakesAnyOneTaskWhenEmpty() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> ran = new CopyOnWriteArrayList<>();
        try (FanOutLanes lanes = new FanOutLanes(new HubSettings.FanOut(1, 512, 1000, 1024, 0), "test-bytes")) {
            assertThat(lanes.submit(0, task(10, () -> {
                entered.countDown();
                awaitQuietly(release);
            }))).isTrue();
            await().atMost(WAIT).until(() -> entered.getCount() == 0);

            assertThat(lanes.submit(0, task(600, () -> ran.add("600 bytes")))).isTrue();
            assertThat(lanes.submit(0, task(600, () -> ran.add("600 more")))).as("1200 bytes on a lane of 1024").isFalse();
            assertThat(lanes.submit(0, task(400, () -> ran.add("400 bytes")))).isTrue();
            release.countDown();
            await().atMost(WAIT).until(() -> ran.size() == 2);
            assertThat(ran).containsExactly("600 bytes", "400 bytes");

            await().atMost(WAIT).until(() -> lanes.queuedMessages() == 0);
            assertThat(lanes.submit(0, task(4096, () -> ran.add("larger than the lane")))).as("alone on an empty lane").isTrue();
            await().atMost(WAIT).until(() -> ran.contains("larger than the lane"));
        }
        finally {
            release.countDown();
        }
    }

    @Test
    void closeStopsTheThreads() {
        FanOutLanes lanes = new FanOutLanes(new HubSettings.FanOut(3, 512, 10, 1 << 20, 0), "test-close");
        assertThat(threads("test-close-")).hasSize(3).allSatisfy(thread -> assertThat(thread.isDaemon()).isTrue());
        lanes.close();
        await().atMost(WAIT).until(() -> threads("test-close-").isEmpty());
        assertThat(lanes.submit(0, task(10, () -> { }))).as("a task after close").isFalse();
    }

    private static List<Thread> threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(thread -> thread.getName().startsWith(prefix) && thread.isAlive()).toList();
    }

    private static FanOutLanes.Task task(long bytes, Runnable work) {
        return task(1, bytes, work);
    }

    private static FanOutLanes.Task task(long messages, long bytes, Runnable work) {
        return new FanOutLanes.Task(messages, bytes) {
            @Override
            void run() {
                work.run();
            }
        };
    }

    /** A busy lane: waits for the test to let it go (bounded, so a failing test cannot hang). */
    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
