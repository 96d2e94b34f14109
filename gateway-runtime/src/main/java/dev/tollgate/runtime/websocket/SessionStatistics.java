package dev.tollgate.runtime.websocket;

import java.util.concurrent.atomic.LongAdder;

/** Counters shared by every session, exported as metrics. */
final class SessionStatistics {
    final LongAdder opened = new LongAdder();
    final LongAdder sent = new LongAdder();
    final LongAdder received = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder queuedBytes = new LongAdder();
    /** Sessions closed because nothing was received from the peer for their idle timeout. */
    final LongAdder idleTimeouts = new LongAdder();
}
