package dev.tollgate.plugin.websockethub.internal;

import dev.tollgate.api.GatewayException;
import dev.tollgate.api.PluginConfig;
import dev.tollgate.runtime.testing.TestingPluginContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The queue budget bounds what queues hold, not how many connections there are: a connection
 * reserves {@code queue-reservation} and takes more only while its queue really holds more.
 */
class CapacityTest {
    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;

    private final TestingPluginContext context = new TestingPluginContext("websocket-hub");

    @AfterEach
    void close() {
        context.close();
    }

    @Test
    void theDefaultsAdmitTheirMaximumOfIdleConnections() {
        try (Capacity capacity = capacity("")) {
            List<Admission> admissions = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                admissions.add(capacity.admit(null, 8 * KIB));
            }
            // The 10 001st meets the connection cap, not the budget.
            assertThatThrownBy(() -> capacity.admit(null, 8 * KIB)).isInstanceOf(GatewayException.class)
                    .hasMessageContaining("connection limit");
            assertThat(capacity.reservedQueueBytes()).isEqualTo(10_000 * 8 * KIB).isLessThan(256 * MIB);
            admissions.forEach(Admission::release);
            assertThat(capacity.reservedQueueBytes()).isZero();
            assertThat(capacity.admitted()).isZero();
        }
    }

    @Test
    void aQueueTakesFromTheBudgetWhatItHoldsAndGivesItBack() {
        try (Capacity capacity = capacity("queue-budget = 64KiB, queue-reservation = 8KiB")) {
            Admission first = capacity.admit(null, 8 * KIB);
            Admission second = capacity.admit(null, 8 * KIB);
            assertThat(capacity.reservedQueueBytes()).isEqualTo(16 * KIB);

            // Within its reservation a queue takes nothing more; beyond it, whole steps of the reservation.
            assertThat(first.coverQueue(8 * KIB)).isTrue();
            assertThat(capacity.reservedQueueBytes()).isEqualTo(16 * KIB);
            assertThat(first.coverQueue(20 * KIB)).isTrue();
            assertThat(capacity.reservedQueueBytes()).isEqualTo(32 * KIB);
            // The budget is what the queues may hold together: 64 KiB.
            assertThat(second.coverQueue(40 * KIB)).isTrue();
            assertThat(capacity.reservedQueueBytes()).isEqualTo(64 * KIB);
            assertThat(second.coverQueue(41 * KIB)).isFalse();
            assertThatThrownBy(() -> capacity.admit(null, 8 * KIB)).isInstanceOf(GatewayException.class)
                    .hasMessageContaining("queue budget");
            assertThat(capacity.refusalReason()).contains("queue budget");

            // A queue that drained gives back all but its reservation.
            second.trimQueue(0);
            assertThat(capacity.reservedQueueBytes()).isEqualTo(32 * KIB);
            first.trimQueue(9 * KIB);
            assertThat(capacity.reservedQueueBytes()).isEqualTo(24 * KIB);
            assertThat(capacity.refusalReason()).isNull();
            Admission third = capacity.admit(null, 8 * KIB);

            first.release();
            second.release();
            third.release();
            assertThat(capacity.reservedQueueBytes()).isZero();
            // A released admission takes nothing any more.
            assertThat(first.coverQueue(16 * KIB)).isFalse();
            assertThat(capacity.reservedQueueBytes()).isZero();
        }
    }

    private Capacity capacity(String hocon) {
        PluginConfig config = TestingPluginContext.componentConfig(CapacityTest.class.getClassLoader(), "plugins.websocket-hub",
                "websocket-hub", hocon);
        HubSettings settings = HubSettings.from(config);
        Capacity capacity = new Capacity(settings, new HubMetrics(context.metrics()), context.scheduler());
        capacity.routeAdded(settings.queueReservation());
        return capacity;
    }
}
