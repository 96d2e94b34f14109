package dev.tollgate.plugin.websockethub.internal;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.tollgate.plugin.websockethub.internal.ClientLimits.Verdict.ACCEPT;
import static dev.tollgate.plugin.websockethub.internal.ClientLimits.Verdict.CLOSE;
import static dev.tollgate.plugin.websockethub.internal.ClientLimits.Verdict.REFUSE;
import static org.assertj.core.api.Assertions.assertThat;

/** The client limits on a clock of the test's own. */
class ClientLimitsTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final ClientLimits limits = new ClientLimits(10, 2, now::get);

    @Test
    void allowsABurstOfOneSecondThenTheRate() {
        for (int i = 0; i < 10; i++) {
            assertThat(limits.admitMessage()).isEqualTo(ACCEPT);
        }
        assertThat(limits.admitMessage()).isEqualTo(REFUSE);
        // Refusals are owed back too: 100 ms later the first is paid for, not yet a new message;
        // 250 ms more pay for the second and one message.
        advance(100);
        assertThat(limits.admitMessage()).isEqualTo(REFUSE);
        advance(250);
        assertThat(limits.admitMessage()).isEqualTo(ACCEPT);
        assertThat(limits.admitMessage()).isEqualTo(REFUSE);
        // Idle time refills up to one second's worth, no more.
        advance(60_000);
        for (int i = 0; i < 10; i++) {
            assertThat(limits.admitMessage()).isEqualTo(ACCEPT);
        }
        assertThat(limits.admitMessage()).isEqualTo(REFUSE);
    }

    @Test
    void goingOnAfterASecondsWorthOfRefusalsIsAbuse() {
        for (int i = 0; i < 10; i++) {
            assertThat(limits.admitMessage()).isEqualTo(ACCEPT);
        }
        for (int i = 0; i < 9; i++) {
            assertThat(limits.admitMessage()).isEqualTo(REFUSE);
        }
        assertThat(limits.admitMessage()).isEqualTo(CLOSE);
    }

    @Test
    void boundsPublishesInFlightAndCountsTheirRefusals() {
        assertThat(limits.tryStartPublish()).isTrue();
        assertThat(limits.tryStartPublish()).isTrue();
        assertThat(limits.tryStartPublish()).isFalse();
        limits.publishDone();
        assertThat(limits.tryStartPublish()).isTrue();
        // A refused publish counts against the rate too: from a full bucket, twenty refusals (a
        // second's worth of messages, and a second's worth of debt) make abuse.
        for (int i = 0; i < 19; i++) {
            assertThat(limits.refused()).isEqualTo(REFUSE);
        }
        assertThat(limits.refused()).isEqualTo(CLOSE);
    }

    private void advance(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }
}
