package dev.tollgate.plugin.websockethub.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static java.util.Objects.requireNonNull;

/**
 * The hub's fan-out threads: a fixed number of lanes, each a bounded queue of {@link Task}s drained
 * in order by one thread of its own. A channel's subscribers are split into chunks, and chunk
 * {@code k} of a channel always goes to the same lane ({@link LocalChannel}), so each subscriber
 * gets a channel's events in the order the bus delivered them, while the chunks of a big channel,
 * and different channels, run on different cores. The thread that delivers an event from the bus
 * only encodes it and queues one task per chunk.
 *
 * <h2>Bounded, never blocking</h2>
 * A lane holds tasks for at most {@code queue-messages} messages (a task for a chunk of 512
 * subscribers counts 512: what is queued is bounded in work, hence in delay, not only in tasks)
 * and {@code queue-bytes} of their messages (a message counts once per task that holds it); a
 * lane with nothing queued takes any one task.
 * {@link #submit} never waits: when the lane is full it returns {@code false} and the caller drops
 * the event for that chunk (and counts it). So when events arrive faster than they can be written,
 * the gateway's memory stays bounded by the lanes and by the sessions' own queues.
 *
 * <h2>The queue</h2>
 * A lock-free multi-producer, single-consumer linked queue whose nodes are the tasks themselves
 * (D. Vyukov's intrusive MPSC queue): a producer swaps itself in as the tail and links the old
 * tail to it; the lane's thread follows the links. Besides the task, nothing is allocated. The
 * thread parks when it finds nothing and a producer unparks it only when it is parked.
 *
 * <p>Threads are daemons named {@code <name>-<n>}, with this plugin's class loader as their context
 * loader; they are never interrupted (a lane thread writes to sockets, and an interrupt would close
 * them). {@link #close} stops them. Thread-safe.
 */
final class FanOutLanes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FanOutLanes.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

    private final HubSettings.FanOut settings;
    private final Lane[] lanes;
    private volatile boolean closed;

    /** One event for one chunk of subscribers: the unit a lane queues and runs. */
    abstract static class Task {
        private final long messages;
        private final long bytes;
        /** The next task of the lane's queue; written once by the producer that follows this one. */
        private volatile Task next;

        /**
         * @param messages the messages the task sends (one per subscriber), counted against the
         *        lane's message limit
         * @param bytes what the task holds, counted against the lane's byte limit
         */
        Task(long messages, long bytes) {
            this.messages = messages;
            this.bytes = bytes;
        }

        /** Runs on the lane's thread; must not block. */
        abstract void run();
    }

    /**
     * Starts the lanes' threads.
     *
     * @param name the prefix of the threads' names
     */
    FanOutLanes(HubSettings.FanOut settings, String name) {
        this.settings = requireNonNull(settings, "settings is null");
        requireNonNull(name, "name is null");
        this.lanes = new Lane[settings.lanes()];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = new Lane(name + "-" + i);
        }
        for (Lane lane : lanes) {
            lane.thread.start();
        }
    }

    HubSettings.FanOut settings() {
        return settings;
    }

    /** How many lanes there are. */
    int lanes() {
        return lanes.length;
    }

    /**
     * Queues a task on a lane; never blocks.
     *
     * @param lane from 0 to {@link #lanes()} - 1
     * @return false when the lane is full (or closed): the task will not run
     */
    boolean submit(int lane, Task task) {
        return !closed && lanes[lane].offer(task);
    }

    /** Messages (an event for one subscriber) waiting over all lanes now. */
    long queuedMessages() {
        long total = 0;
        for (Lane lane : lanes) {
            total += lane.queuedMessages.get();
        }
        return total;
    }

    /**
     * Stops the lanes; queued tasks are dropped and each thread ends after the task it is running.
     * Waits at most a second for them (never for the calling thread itself).
     */
    @Override
    public void close() {
        closed = true;
        for (Lane lane : lanes) {
            LockSupport.unpark(lane.thread);
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        for (Lane lane : lanes) {
            long remaining = deadline - System.nanoTime();
            if (lane.thread == Thread.currentThread() || remaining <= 0) {
                continue;
            }
            try {
                lane.thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One queue and its thread. */
    private final class Lane implements Runnable {
        private final AtomicLong queuedMessages = new AtomicLong();
        private final AtomicLong queuedBytes = new AtomicLong();
        /** The last task queued; starts at an empty task that the thread's first link follows. */
        private final AtomicReference<Task> tail;
        private final Thread thread;
        /** Whether the thread is parked (or about to be) and must be unparked by the next producer. */
        private volatile boolean parked;
        /** The last task taken: the thread reads the next one from its link. Used by the thread only. */
        private Task head;

        Lane(String name) {
            Task start = new Task(0, 0) {
                @Override
                void run() {
                }
            };
            this.head = start;
            this.tail = new AtomicReference<>(start);
            this.thread = new Thread(this, name);
            thread.setDaemon(true);
            thread.setContextClassLoader(FanOutLanes.class.getClassLoader());
        }

        boolean offer(Task task) {
            long messages = queuedMessages.addAndGet(task.messages);
            if (messages > settings.queueMessages() && messages != task.messages) {
                queuedMessages.addAndGet(-task.messages);
                return false;
            }
            long bytes = queuedBytes.addAndGet(task.bytes);
            if (bytes > settings.queueBytes() && bytes != task.bytes) {
                queuedBytes.addAndGet(-task.bytes);
                queuedMessages.addAndGet(-task.messages);
                return false;
            }
            Task previous = tail.getAndSet(task);
            // From here the thread can reach the task; until then it sees the queue end at previous.
            previous.next = task;
            // Link first, then look at the flag: a thread that set the flag looks at the link again.
            if (parked) {
                LockSupport.unpark(thread);
            }
            return true;
        }

        @Override
        public void run() {
            while (!closed) {
                Task next = head.next;
                if (next == null) {
                    parked = true;
                    if (head.next == null && !closed) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    continue;
                }
                head = next;
                queuedMessages.addAndGet(-next.messages);
                queuedBytes.addAndGet(-next.bytes);
                try {
                    next.run();
                }
                catch (RuntimeException e) {
                    LOG.error("A fan-out task failed", e);
                }
            }
        }
    }
}
