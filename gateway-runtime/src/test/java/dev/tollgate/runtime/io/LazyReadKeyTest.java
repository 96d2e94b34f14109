package dev.tollgate.runtime.io;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client connections' selection key through a real selector and socket pair: read interest an
 * endpoint drops stays registered (no system call), and is removed for real only when the channel
 * turns readable while unwanted — after which the selector does not report it again until asked.
 */
class LazyReadKeyTest {

    @Test
    void readInterestStaysRegisteredUntilTheChannelIsReadableWhileUnwanted() throws Exception {
        try (Selector selector = Selector.open();
             ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel peer = SocketChannel.open(server.getLocalAddress());
             SocketChannel channel = server.accept()) {
            channel.configureBlocking(false);
            SelectionKey real = channel.register(selector, SelectionKey.OP_READ);
            LazyReadKey key = new LazyReadKey(real);

            // Readable and wanted: told.
            peer.write(ByteBuffer.wrap(new byte[] {1}));
            assertThat(selector.select(10_000)).isEqualTo(1);
            assertThat(key.dropUnwantedRead()).isFalse();
            assertThat(key.readyOps()).isEqualTo(SelectionKey.OP_READ);
            selector.selectedKeys().clear();
            assertThat(channel.read(ByteBuffer.allocate(16))).isEqualTo(1);

            // The endpoint no longer wants to read: the key keeps reading registered.
            key.interestOps(0);
            assertThat(key.interestOps()).isZero();
            assertThat(real.interestOps()).isEqualTo(SelectionKey.OP_READ);
            assertThat(selector.selectNow()).as("nothing to read").isZero();

            // Bytes arrive while unwanted: the selector reports them once; they are not the
            // endpoint's news, and reading interest is removed for real.
            peer.write(ByteBuffer.wrap(new byte[] {2}));
            assertThat(selector.select(10_000)).isEqualTo(1);
            assertThat(key.readyOps()).as("what is ready among what the endpoint wants").isZero();
            assertThat(key.dropUnwantedRead()).isTrue();
            assertThat(real.interestOps()).isZero();
            selector.selectedKeys().clear();
            assertThat(selector.selectNow()).as("not reported again while unwanted").isZero();

            // Wanted again: registered again, and the waiting byte is told.
            key.interestOps(SelectionKey.OP_READ);
            assertThat(real.interestOps()).isEqualTo(SelectionKey.OP_READ);
            assertThat(selector.select(10_000)).isEqualTo(1);
            assertThat(key.dropUnwantedRead()).isFalse();
            assertThat(key.readyOps()).isEqualTo(SelectionKey.OP_READ);
            selector.selectedKeys().clear();

            // Write interest is not kept: dropped when the endpoint drops it.
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            assertThat(real.interestOps()).isEqualTo(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            key.interestOps(SelectionKey.OP_READ);
            assertThat(real.interestOps()).isEqualTo(SelectionKey.OP_READ);

            // A rebuilt selector's key takes the wrapped one's place.
            try (Selector rebuilt = Selector.open()) {
                real.cancel();
                selector.selectNow();
                SelectionKey moved = channel.register(rebuilt, SelectionKey.OP_READ);
                key.replace(moved);
                assertThat(key.selector()).isSameAs(rebuilt);
                assertThat(key.isValid()).isTrue();
            }
        }
    }
}
