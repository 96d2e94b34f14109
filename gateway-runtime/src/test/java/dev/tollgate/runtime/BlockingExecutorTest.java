package dev.tollgate.runtime;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Blocking work runs in parallel up to the pool's size, waits in a bounded queue beyond, and is refused past it. */
class BlockingExecutorTest {

    @Test
    void runsBlockingTasksInParallelUpToItsSize() throws Exception {
        ThreadPoolExecutor executor = BlockingExecutor.create(4, 2, Gateway.daemonThreads("test-blocking"));
        CountDownLatch started = new CountDownLatch(4);
        CountDownLatch release = new CountDownLatch(1);
        try {
            for (int i = 0; i < 4; i++) {
                executor.execute(() -> {
                    started.countDown();
                    try {
                        release.await();
                    }
                    catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            assertThat(started.await(10, TimeUnit.SECONDS)).as("four blocking tasks run at once").isTrue();
            executor.execute(() -> { });
            executor.execute(() -> { });
            assertThat(executor.getQueue()).hasSize(2);
            assertThatThrownBy(() -> executor.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        }
        finally {
            release.countDown();
            executor.shutdown();
        }
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
}
